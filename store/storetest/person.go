package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

func testPeople(t *testing.T, open Opener) {
	e := setup(t, open)
	full := nudge.Person{
		Name: "Anna Müller", Email: "Anna@Acme.DE", Phone: "030 1234567", Title: "CFO",
		TimeZone: "Europe/Berlin", Country: "DE",
		Location:         nudge.Location{City: "Berlin", Lat: 52.52, Lon: 13.405, HasCoords: true},
		PreferredChannel: nudge.ChannelCall, AssistantName: "Jo", OKToSayNo: true,
		PainGain: "month-end close takes 9 days", Interests: "golf",
		BuyingRole: nudge.RoleDecisionMaker, Status: nudge.StatusProspect, Source: "cli",
	}
	p := e.person(t, full)
	if p.ID == 0 || !p.CreatedAt.Equal(Start) || !p.UpdatedAt.Equal(Start) {
		t.Fatalf("created person: id %d, created %v, updated %v", p.ID, p.CreatedAt, p.UpdatedAt)
	}
	if p.Email != "anna@acme.de" || p.Phone != "+49301234567" {
		t.Fatalf("created person not normalised: %q %q", p.Email, p.Phone)
	}
	got, err := e.db.FindPersonByID(e.ctx, p.ID)
	must(t, "FindPersonByID", err)
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, p)
	}
	got, err = e.db.FindPersonByEmail(e.ctx, " ANNA@acme.de ")
	must(t, "FindPersonByEmail", err)
	if got.ID != p.ID {
		t.Fatalf("FindPersonByEmail: got id %d, want %d", got.ID, p.ID)
	}

	tests := []struct {
		name string
		p    nudge.Person
		code string
	}{
		{"same email other case", nudge.Person{Name: "Anna 2", Email: "ANNA@ACME.DE"}, nudge.ECONFLICT},
		{"no name nor email", nudge.Person{Title: "CEO"}, nudge.EINVALID},
		{"bad email", nudge.Person{Email: "anna@"}, nudge.EINVALID},
		{"bad time zone", nudge.Person{Name: "X", TimeZone: "Mars/Base"}, nudge.EINVALID},
		{"unknown company", nudge.Person{Name: "X", CompanyID: 999}, nudge.EINVALID},
		{"second without email", nudge.Person{Name: "No Mail"}, ""},
		{"third without email", nudge.Person{Name: "No Mail"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			wantCode(t, "CreatePerson", e.db.CreatePerson(e.ctx, &p), tt.code)
		})
	}

	_, err = e.db.FindPersonByID(e.ctx, 9999)
	wantCode(t, "FindPersonByID(9999)", err, nudge.ENOTFOUND)
	_, err = e.db.FindPersonByEmail(e.ctx, "nobody@x.com")
	wantCode(t, "FindPersonByEmail(nobody)", err, nudge.ENOTFOUND)
	_, err = e.db.FindPersonByEmail(e.ctx, "")
	wantCode(t, "FindPersonByEmail(empty)", err, nudge.ENOTFOUND)

	// Deleting a person deletes what was recorded about them.
	must(t, "CreateInteraction", e.db.CreateInteraction(e.ctx, &nudge.Interaction{
		PersonID: p.ID, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeConnected, At: Start,
	}, []*nudge.Commitment{{Party: nudge.PartyRep, What: "send case study", Due: Start.Add(48 * time.Hour)}}))
	must(t, "CreateDeal", e.db.CreateDeal(e.ctx, &nudge.Deal{PersonID: p.ID, Title: "40 seats"}))
	must(t, "DeletePerson", e.db.DeletePerson(e.ctx, p.ID))
	_, err = e.db.FindPersonByID(e.ctx, p.ID)
	wantCode(t, "FindPersonByID after delete", err, nudge.ENOTFOUND)
	wantCode(t, "DeletePerson again", e.db.DeletePerson(e.ctx, p.ID), nudge.ENOTFOUND)
	e.wantRecords(t, p.ID, 0, 0, 0)
	// The email is free again: deletion is not erasure.
	again := full
	wantCode(t, "CreatePerson after delete", e.db.CreatePerson(e.ctx, &again), "")
}

// wantRecords checks how many interactions, commitments and deals a person has.
func (e env) wantRecords(t *testing.T, id int64, interactions, commitments, deals int) {
	t.Helper()
	is, n, err := e.db.FindInteractions(e.ctx, nudge.InteractionFilter{PersonID: &id})
	must(t, "FindInteractions", err)
	cs, err := e.db.FindCommitments(e.ctx, nudge.CommitmentFilter{PersonID: &id})
	must(t, "FindCommitments", err)
	ds, err := e.db.FindDeals(e.ctx, nudge.DealFilter{PersonID: &id})
	must(t, "FindDeals", err)
	if len(is) != interactions || n != interactions || len(cs) != commitments || len(ds) != deals {
		t.Fatalf("person %d has %d (%d) interactions, %d commitments, %d deals; want %d, %d, %d",
			id, len(is), n, len(cs), len(ds), interactions, commitments, deals)
	}
}

func testPersonUpdate(t *testing.T, open Opener) {
	e := setup(t, open)
	acme, err := e.db.FindOrCreateCompany(e.ctx, "Acme")
	must(t, "FindOrCreateCompany", err)
	boss := e.person(t, nudge.Person{Name: "Boss", Email: "boss@acme.com"})
	p := e.person(t, nudge.Person{Name: "Jerry", Email: "jerry@acme.com"})
	e.clock.Advance(time.Hour)

	tests := []struct {
		name  string
		u     nudge.PersonUpdate
		code  string
		check func(p *nudge.Person) bool
	}{
		{"fields", nudge.PersonUpdate{Title: ptr("VP"), CompanyID: &acme.ID, ReportsToID: &boss.ID,
			Status: ptr(nudge.StatusCustomer), Location: &nudge.Location{City: "Paris"}}, "",
			func(p *nudge.Person) bool {
				return p.Title == "VP" && p.CompanyID == acme.ID && p.ReportsToID == boss.ID &&
					p.Status == nudge.StatusCustomer && p.Location.City == "Paris" && p.Name == "Jerry"
			}},
		{"email normalised", nudge.PersonUpdate{Email: ptr("Jerry.New@ACME.com")}, "",
			func(p *nudge.Person) bool { return p.Email == "jerry.new@acme.com" }},
		{"email taken, other case", nudge.PersonUpdate{Email: ptr("BOSS@acme.com")}, nudge.ECONFLICT, nil},
		{"bad status", nudge.PersonUpdate{Status: ptr(nudge.PersonStatus("maybe"))}, nudge.EINVALID, nil},
		{"reports to self", nudge.PersonUpdate{ReportsToID: &p.ID}, nudge.EINVALID, nil},
		{"unknown company", nudge.PersonUpdate{CompanyID: ptr(int64(999))}, nudge.EINVALID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.db.UpdatePerson(e.ctx, p.ID, tt.u)
			wantCode(t, "UpdatePerson", err, tt.code)
			stored, err := e.db.FindPersonByID(e.ctx, p.ID)
			must(t, "FindPersonByID", err)
			if tt.code != "" {
				return
			}
			if !tt.check(got) || !reflect.DeepEqual(got, stored) {
				t.Fatalf("UpdatePerson returned %+v\nstored %+v", got, stored)
			}
			if !got.UpdatedAt.Equal(Start.Add(time.Hour)) || !got.CreatedAt.Equal(Start) {
				t.Fatalf("timestamps: created %v updated %v", got.CreatedAt, got.UpdatedAt)
			}
		})
	}
	_, err = e.db.UpdatePerson(e.ctx, 9999, nudge.PersonUpdate{Title: ptr("x")})
	wantCode(t, "UpdatePerson(9999)", err, nudge.ENOTFOUND)

	// Deleting the company or the boss leaves the person, unlinked.
	must(t, "DeleteCompany", e.db.DeleteCompany(e.ctx, acme.ID))
	must(t, "DeletePerson(boss)", e.db.DeletePerson(e.ctx, boss.ID))
	got, err := e.db.FindPersonByID(e.ctx, p.ID)
	must(t, "FindPersonByID", err)
	if got.CompanyID != 0 || got.ReportsToID != 0 {
		t.Fatalf("after deleting company and boss: company %d, reports to %d", got.CompanyID, got.ReportsToID)
	}
}

func testFindPeople(t *testing.T, open Opener) {
	e := setup(t, open)
	u := &nudge.User{Email: "rep@us.com", Name: "Rep"}
	must(t, "CreateUser", e.db.CreateUser(e.ctx, u))
	acme, err := e.db.FindOrCreateCompany(e.ctx, "Acme Corp")
	must(t, "FindOrCreateCompany", err)
	for _, p := range []nudge.Person{
		{Name: "carol", Email: "carol@x.com", OwnerID: u.ID, Status: nudge.StatusProspect},
		{Name: "Alice", Email: "alice@acme.com", CompanyID: acme.ID, Title: "CFO"},
		{Name: "bob", Email: "bob@y.com", OwnerID: u.ID, CompanyID: acme.ID},
		{Name: "Dave 100%", Phone: "+14155550100"},
		{Name: "Eve_x", Email: "eve@z.com", Status: nudge.StatusCustomer},
	} {
		e.person(t, p)
	}
	names := func(ps []*nudge.Person) []string {
		var s []string
		for _, p := range ps {
			s = append(s, p.Name)
		}
		return s
	}
	tests := []struct {
		name  string
		f     nudge.PersonFilter
		want  []string
		total int
	}{
		{"all by name, case-insensitive", nudge.PersonFilter{}, []string{"Alice", "bob", "carol", "Dave 100%", "Eve_x"}, 5},
		{"owner", nudge.PersonFilter{OwnerID: &u.ID}, []string{"bob", "carol"}, 2},
		{"company", nudge.PersonFilter{CompanyID: &acme.ID}, []string{"Alice", "bob"}, 2},
		{"status", nudge.PersonFilter{Status: ptr(nudge.StatusLead)}, []string{"Alice", "bob", "Dave 100%"}, 3},
		{"email, any case", nudge.PersonFilter{Email: ptr("BOB@Y.COM")}, []string{"bob"}, 1},
		{"query matches company name", nudge.PersonFilter{Query: "ACME"}, []string{"Alice", "bob"}, 2},
		{"query matches title", nudge.PersonFilter{Query: "cfo"}, []string{"Alice"}, 1},
		{"query matches email", nudge.PersonFilter{Query: "z.com"}, []string{"Eve_x"}, 1},
		{"query % is literal", nudge.PersonFilter{Query: "100%"}, []string{"Dave 100%"}, 1},
		{"query _ is literal", nudge.PersonFilter{Query: "e_x"}, []string{"Eve_x"}, 1},
		{"limit counts all", nudge.PersonFilter{Limit: 2}, []string{"Alice", "bob"}, 5},
		{"offset and limit", nudge.PersonFilter{Offset: 2, Limit: 2}, []string{"carol", "Dave 100%"}, 5},
		{"offset alone", nudge.PersonFilter{Offset: 3}, []string{"Dave 100%", "Eve_x"}, 5},
		{"no match", nudge.PersonFilter{Query: "zzz"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, total, err := e.db.FindPeople(e.ctx, tt.f)
			must(t, "FindPeople", err)
			if !reflect.DeepEqual(names(ps), tt.want) || total != tt.total {
				t.Fatalf("FindPeople = %q, %d; want %q, %d", names(ps), total, tt.want, tt.total)
			}
		})
	}
}

func testDoNotContact(t *testing.T, open Opener) {
	e := setup(t, open)
	p := e.person(t, nudge.Person{Name: "Jerry", Email: "jerry@x.com"})
	e.clock.Advance(time.Minute)
	must(t, "SetDoNotContact on", e.db.SetDoNotContact(e.ctx, p.ID, true, "asked to stop"))
	e.clock.Advance(time.Minute)
	must(t, "SetDoNotContact on again", e.db.SetDoNotContact(e.ctx, p.ID, true, "another reason"))
	got, err := e.db.FindPersonByID(e.ctx, p.ID)
	must(t, "FindPersonByID", err)
	at := Start.Add(time.Minute)
	if !got.DoNotContact || got.DoNotContactReason != "asked to stop" || got.DoNotContactAt == nil || !got.DoNotContactAt.Equal(at) {
		t.Fatalf("G1 stop: %v %q %v; want true, first reason, %v", got.DoNotContact, got.DoNotContactReason, got.DoNotContactAt, at)
	}
	must(t, "SetDoNotContact off", e.db.SetDoNotContact(e.ctx, p.ID, false, ""))
	got, err = e.db.FindPersonByID(e.ctx, p.ID)
	must(t, "FindPersonByID", err)
	if got.DoNotContact || got.DoNotContactReason != "" || got.DoNotContactAt != nil {
		t.Fatalf("lifted stop: %v %q %v", got.DoNotContact, got.DoNotContactReason, got.DoNotContactAt)
	}
	wantCode(t, "SetDoNotContact(9999)", e.db.SetDoNotContact(e.ctx, 9999, true, ""), nudge.ENOTFOUND)
}

func testForget(t *testing.T, open Opener) {
	e := setup(t, open)
	p := e.person(t, nudge.Person{Name: "Anna", Email: "anna@acme.de", Phone: "+4930123456"})
	other := e.person(t, nudge.Person{Name: "Colleague", Email: "col@acme.de", ReportsToID: p.ID})
	must(t, "CreateInteraction", e.db.CreateInteraction(e.ctx, &nudge.Interaction{
		PersonID: p.ID, Channel: nudge.ChannelEmail, Outcome: nudge.OutcomeSent, At: Start,
	}, []*nudge.Commitment{{Party: nudge.PartyProspect, What: "answer by Friday", Due: Start.Add(72 * time.Hour)}}))
	must(t, "CreateDeal", e.db.CreateDeal(e.ctx, &nudge.Deal{PersonID: p.ID, Title: "deal"}))

	must(t, "ForgetPerson", e.db.ForgetPerson(e.ctx, p.ID))
	wantCode(t, "ForgetPerson again", e.db.ForgetPerson(e.ctx, p.ID), nudge.ENOTFOUND)
	_, err := e.db.FindPersonByID(e.ctx, p.ID)
	wantCode(t, "FindPersonByID", err, nudge.ENOTFOUND)
	e.wantRecords(t, p.ID, 0, 0, 0)
	got, err := e.db.FindPersonByID(e.ctx, other.ID)
	must(t, "FindPersonByID(colleague)", err)
	if got.ReportsToID != 0 {
		t.Fatalf("colleague still reports to forgotten person %d", got.ReportsToID)
	}

	tests := []struct {
		name string
		p    nudge.Person
		code string
	}{
		{"same email, other case", nudge.Person{Name: "Anna", Email: "ANNA@acme.de"}, nudge.EFORGOTTEN},
		{"same phone, written otherwise", nudge.Person{Name: "A.", Phone: "030 123456", Country: "DE"}, nudge.EFORGOTTEN},
		{"someone else", nudge.Person{Name: "Bert", Email: "bert@acme.de"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			wantCode(t, "CreatePerson", e.db.CreatePerson(e.ctx, &p), tt.code)
		})
	}
	_, err = e.db.UpdatePerson(e.ctx, other.ID, nudge.PersonUpdate{Email: ptr("anna@acme.de")})
	wantCode(t, "UpdatePerson to a forgotten email", err, nudge.EFORGOTTEN)
}
