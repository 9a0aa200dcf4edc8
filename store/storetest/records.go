package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

func testCompanies(t *testing.T, open Opener) {
	e := setup(t, open)
	c := &nudge.Company{Name: " Acme ", Domain: "ACME.com", Country: "united states", City: "Austin"}
	must(t, "CreateCompany", e.db.CreateCompany(e.ctx, c))
	if c.ID == 0 || c.Name != "Acme" || c.Domain != "acme.com" || c.Country != "US" || !c.CreatedAt.Equal(Start) {
		t.Fatalf("created company %+v", c)
	}
	got, err := e.db.FindCompanyByID(e.ctx, c.ID)
	must(t, "FindCompanyByID", err)
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
	}
	_, err = e.db.FindCompanyByID(e.ctx, 9999)
	wantCode(t, "FindCompanyByID(9999)", err, nudge.ENOTFOUND)
	wantCode(t, "CreateCompany without name", e.db.CreateCompany(e.ctx, &nudge.Company{Name: " "}), nudge.EINVALID)

	found, err := e.db.FindOrCreateCompany(e.ctx, "ACME")
	must(t, "FindOrCreateCompany(ACME)", err)
	if found.ID != c.ID {
		t.Fatalf("FindOrCreateCompany(ACME) = %d, want existing %d", found.ID, c.ID)
	}
	globex, err := e.db.FindOrCreateCompany(e.ctx, "Globex")
	must(t, "FindOrCreateCompany(Globex)", err)
	if globex.ID == 0 || globex.ID == c.ID {
		t.Fatalf("FindOrCreateCompany(Globex) = %d", globex.ID)
	}

	tests := []struct {
		name  string
		f     nudge.CompanyFilter
		want  []int64
		total int
	}{
		{"all by name", nudge.CompanyFilter{}, []int64{c.ID, globex.ID}, 2},
		{"name, any case", nudge.CompanyFilter{Name: ptr("globex")}, []int64{globex.ID}, 1},
		{"query on domain", nudge.CompanyFilter{Query: "acme.c"}, []int64{c.ID}, 1},
		{"id", nudge.CompanyFilter{ID: &globex.ID}, []int64{globex.ID}, 1},
		{"limit", nudge.CompanyFilter{Limit: 1, Offset: 1}, []int64{globex.ID}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, total, err := e.db.FindCompanies(e.ctx, tt.f)
			must(t, "FindCompanies", err)
			var ids []int64
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			if !reflect.DeepEqual(ids, tt.want) || total != tt.total {
				t.Fatalf("FindCompanies = %v, %d; want %v, %d", ids, total, tt.want, tt.total)
			}
		})
	}

	e.clock.Advance(time.Hour)
	up, err := e.db.UpdateCompany(e.ctx, c.ID, nudge.CompanyUpdate{Name: ptr("Acme Inc"), City: ptr("Dallas")})
	must(t, "UpdateCompany", err)
	if up.Name != "Acme Inc" || up.City != "Dallas" || up.Domain != "acme.com" || !up.UpdatedAt.Equal(Start.Add(time.Hour)) {
		t.Fatalf("updated company %+v", up)
	}
	_, err = e.db.UpdateCompany(e.ctx, c.ID, nudge.CompanyUpdate{Country: ptr("Atlantis")})
	wantCode(t, "UpdateCompany bad country", err, nudge.EINVALID)
	_, err = e.db.UpdateCompany(e.ctx, 9999, nudge.CompanyUpdate{})
	wantCode(t, "UpdateCompany(9999)", err, nudge.ENOTFOUND)
	must(t, "DeleteCompany", e.db.DeleteCompany(e.ctx, globex.ID))
	wantCode(t, "DeleteCompany again", e.db.DeleteCompany(e.ctx, globex.ID), nudge.ENOTFOUND)
}

func testInteractions(t *testing.T, open Opener) {
	e := setup(t, open)
	rep := &nudge.User{Email: "rep@us.com", Name: "Rep"}
	must(t, "CreateUser", e.db.CreateUser(e.ctx, rep))
	p := e.person(t, nudge.Person{Name: "Jerry", Email: "jerry@x.com"})
	q := e.person(t, nudge.Person{Name: "Kim", Email: "kim@x.com"})
	day := 24 * time.Hour
	var ids []int64
	for i, at := range []time.Time{Start.Add(-3 * day), Start.Add(-1 * day), Start.Add(-2 * day)} {
		in := &nudge.Interaction{
			PersonID: p.ID, UserID: rep.ID, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeConnected,
			At: at.Add(123456 * time.Nanosecond), Subject: "call",
			Note: nudge.WIN{What: "pricing", Insights: "budget in Q1", NextSteps: "CFO call"},
		}
		var cs []*nudge.Commitment
		if i == 0 {
			cs = []*nudge.Commitment{
				{Party: nudge.PartyRep, What: "send case study", Due: at.Add(day)},
				{Party: nudge.PartyProspect, What: "books a call with the CFO", Due: at.Add(2 * day)},
			}
		}
		must(t, "CreateInteraction", e.db.CreateInteraction(e.ctx, in, cs))
		for _, c := range cs {
			if c.ID == 0 || c.InteractionID != in.ID || c.PersonID != p.ID || c.State != nudge.CommitmentOpen {
				t.Fatalf("commitment logged with interaction: %+v", c)
			}
		}
		ids = append(ids, in.ID)
	}
	must(t, "CreateInteraction(Kim)", e.db.CreateInteraction(e.ctx, &nudge.Interaction{
		PersonID: q.ID, Channel: nudge.ChannelEmail, Outcome: nudge.OutcomeSent, At: Start}, nil))

	all, n, err := e.db.FindInteractions(e.ctx, nudge.InteractionFilter{PersonID: &p.ID})
	must(t, "FindInteractions", err)
	if n != 3 || len(all) != 3 || all[0].ID != ids[1] || all[1].ID != ids[2] || all[2].ID != ids[0] {
		t.Fatalf("FindInteractions: %d, want newest first %v", n, []int64{ids[1], ids[2], ids[0]})
	}
	want := nudge.Interaction{ID: ids[1], PersonID: p.ID, UserID: rep.ID, Channel: nudge.ChannelCall,
		Direction: nudge.Outbound, Outcome: nudge.OutcomeConnected, At: Start.Add(-day), Subject: "call",
		Note: nudge.WIN{What: "pricing", Insights: "budget in Q1", NextSteps: "CFO call"}, CreatedAt: Start}
	if !reflect.DeepEqual(*all[0], want) {
		t.Fatalf("round trip (to the millisecond):\n got %+v\nwant %+v", *all[0], want)
	}

	since, until := Start.Add(-2*day), Start.Add(-day)
	tests := []struct {
		name  string
		f     nudge.InteractionFilter
		count int
		total int
	}{
		{"everyone", nudge.InteractionFilter{}, 4, 4},
		{"user", nudge.InteractionFilter{UserID: &rep.ID}, 3, 3},
		{"since inclusive", nudge.InteractionFilter{PersonID: &p.ID, Since: &since}, 2, 2},
		{"until exclusive", nudge.InteractionFilter{PersonID: &p.ID, Until: &until}, 2, 2},
		{"window", nudge.InteractionFilter{Since: &since, Until: &until}, 1, 1},
		{"limit", nudge.InteractionFilter{Limit: 1, Offset: 1}, 1, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is, total, err := e.db.FindInteractions(e.ctx, tt.f)
			must(t, "FindInteractions", err)
			if len(is) != tt.count || total != tt.total {
				t.Fatalf("FindInteractions = %d, %d; want %d, %d", len(is), total, tt.count, tt.total)
			}
		})
	}

	bad := []struct {
		name string
		i    nudge.Interaction
		cs   []*nudge.Commitment
	}{
		{"no such person", nudge.Interaction{PersonID: 9999, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeVoicemail, At: Start}, nil},
		{"bad channel", nudge.Interaction{PersonID: p.ID, Channel: "pigeon", Outcome: nudge.OutcomeVoicemail, At: Start}, nil},
		{"no time", nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeVoicemail}, nil},
		{"bad commitment", nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeVoicemail, At: Start},
			[]*nudge.Commitment{{Party: nudge.PartyRep, What: "no due date"}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "CreateInteraction", e.db.CreateInteraction(e.ctx, &tt.i, tt.cs), nudge.EINVALID)
		})
	}
	_, n, err = e.db.FindInteractions(e.ctx, nudge.InteractionFilter{})
	must(t, "FindInteractions", err)
	if n != 4 {
		t.Fatalf("failed creates stored something: %d interactions, want 4", n)
	}
}

func testHardStopOutcome(t *testing.T, open Opener) {
	tests := []struct {
		outcome nudge.Outcome
		stop    bool
	}{
		{nudge.OutcomeDeclined, true},
		{nudge.OutcomeAskedToStop, true},
		{nudge.OutcomeConnected, false},
		{nudge.OutcomeNoAnswer, false},
		{nudge.OutcomeReplied, false},
	}
	e := setup(t, open)
	for _, tt := range tests {
		t.Run(string(tt.outcome), func(t *testing.T) {
			p := e.person(t, nudge.Person{Name: "P " + string(tt.outcome)})
			at := Start.Add(-time.Hour)
			must(t, "CreateInteraction", e.db.CreateInteraction(e.ctx, &nudge.Interaction{
				PersonID: p.ID, Channel: nudge.ChannelCall, Outcome: tt.outcome, At: at}, nil))
			got, err := e.db.FindPersonByID(e.ctx, p.ID)
			must(t, "FindPersonByID", err)
			if got.DoNotContact != tt.stop {
				t.Fatalf("G1: outcome %s set do-not-contact = %v, want %v", tt.outcome, got.DoNotContact, tt.stop)
			}
			if tt.stop && (got.DoNotContactAt == nil || !got.DoNotContactAt.Equal(at) || got.DoNotContactReason == "") {
				t.Fatalf("G1: stop at %v reason %q, want at %v with a reason", got.DoNotContactAt, got.DoNotContactReason, at)
			}
		})
	}
}

func testCommitments(t *testing.T, open Opener) {
	e := setup(t, open)
	rep := &nudge.User{Email: "rep@us.com", Name: "Rep"}
	must(t, "CreateUser", e.db.CreateUser(e.ctx, rep))
	p := e.person(t, nudge.Person{Name: "Jerry", OwnerID: rep.ID})
	q := e.person(t, nudge.Person{Name: "Kim"})
	day := 24 * time.Hour
	mk := func(person int64, party nudge.Party, what string, due time.Time) *nudge.Commitment {
		c := &nudge.Commitment{PersonID: person, Party: party, What: what, Due: due}
		must(t, "CreateCommitment", e.db.CreateCommitment(e.ctx, c))
		return c
	}
	late := mk(p.ID, nudge.PartyRep, "send proposal", Start.Add(-day))
	soon := mk(p.ID, nudge.PartyProspect, "answer by Friday", Start.Add(2*day))
	kimLate := mk(q.ID, nudge.PartyProspect, "call back", Start.Add(-2*day))
	later := mk(q.ID, nudge.PartyRep, "card", Start.Add(5*day))

	got, err := e.db.FindCommitments(e.ctx, nudge.CommitmentFilter{PersonID: &p.ID})
	must(t, "FindCommitments", err)
	if len(got) != 2 || !reflect.DeepEqual(got[0], late) || !reflect.DeepEqual(got[1], soon) {
		t.Fatalf("round trip, earliest due first:\n got %+v\nwant %+v %+v", got, late, soon)
	}
	wantCode(t, "CreateCommitment unknown person",
		e.db.CreateCommitment(e.ctx, &nudge.Commitment{PersonID: 9999, Party: nudge.PartyRep, What: "x", Due: Start}), nudge.EINVALID)
	wantCode(t, "CreateCommitment bad party",
		e.db.CreateCommitment(e.ctx, &nudge.Commitment{PersonID: p.ID, Party: "them", What: "x", Due: Start}), nudge.EINVALID)

	n, err := e.db.MarkMissedCommitments(e.ctx, Start)
	must(t, "MarkMissedCommitments", err)
	if n != 2 {
		t.Fatalf("MarkMissedCommitments = %d, want 2 (the two overdue)", n)
	}
	n, err = e.db.MarkMissedCommitments(e.ctx, Start)
	must(t, "MarkMissedCommitments again", err)
	if n != 0 {
		t.Fatalf("MarkMissedCommitments again = %d, want 0", n)
	}
	must(t, "CloseCommitment kept", e.db.CloseCommitment(e.ctx, soon.ID, nudge.CommitmentKept, Start.Add(time.Hour)))
	wantCode(t, "CloseCommitment open", e.db.CloseCommitment(e.ctx, later.ID, nudge.CommitmentOpen, Start), nudge.EINVALID)
	wantCode(t, "CloseCommitment(9999)", e.db.CloseCommitment(e.ctx, 9999, nudge.CommitmentKept, Start), nudge.ENOTFOUND)

	ids := func(cs []*nudge.Commitment) []int64 {
		var s []int64
		for _, c := range cs {
			s = append(s, c.ID)
		}
		return s
	}
	tests := []struct {
		name string
		f    nudge.CommitmentFilter
		want []int64
	}{
		{"all, earliest due first", nudge.CommitmentFilter{}, []int64{kimLate.ID, late.ID, soon.ID, later.ID}},
		{"open", nudge.CommitmentFilter{States: []nudge.CommitmentState{nudge.CommitmentOpen}}, []int64{later.ID}},
		{"missed", nudge.CommitmentFilter{States: []nudge.CommitmentState{nudge.CommitmentMissed}}, []int64{kimLate.ID, late.ID}},
		{"open or kept", nudge.CommitmentFilter{States: []nudge.CommitmentState{nudge.CommitmentOpen, nudge.CommitmentKept}}, []int64{soon.ID, later.ID}},
		{"prospect's homework", nudge.CommitmentFilter{Party: ptr(nudge.PartyProspect)}, []int64{kimLate.ID, soon.ID}},
		{"owner of the person", nudge.CommitmentFilter{OwnerID: &rep.ID}, []int64{late.ID, soon.ID}},
		{"limit", nudge.CommitmentFilter{Limit: 1}, []int64{kimLate.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := e.db.FindCommitments(e.ctx, tt.f)
			must(t, "FindCommitments", err)
			if !reflect.DeepEqual(ids(cs), tt.want) {
				t.Fatalf("FindCommitments = %v, want %v", ids(cs), tt.want)
			}
		})
	}
	cs, err := e.db.FindCommitments(e.ctx, nudge.CommitmentFilter{PersonID: &p.ID})
	must(t, "FindCommitments", err)
	if cs[0].State != nudge.CommitmentMissed || cs[0].ClosedAt == nil || !cs[0].ClosedAt.Equal(Start) ||
		cs[1].State != nudge.CommitmentKept || cs[1].ClosedAt == nil || !cs[1].ClosedAt.Equal(Start.Add(time.Hour)) {
		t.Fatalf("closed commitments: %+v %+v", cs[0], cs[1])
	}
}

func testDeals(t *testing.T, open Opener) {
	e := setup(t, open)
	rep := &nudge.User{Email: "rep@us.com", Name: "Rep"}
	must(t, "CreateUser", e.db.CreateUser(e.ctx, rep))
	acme, err := e.db.FindOrCreateCompany(e.ctx, "Acme")
	must(t, "FindOrCreateCompany", err)
	p := e.person(t, nudge.Person{Name: "Jerry", CompanyID: acme.ID})
	d := &nudge.Deal{PersonID: p.ID, CompanyID: acme.ID, OwnerID: rep.ID, Title: " 40 seats ", ValueCents: 4_800_000, Currency: "eur",
		Prep: nudge.MeetingPrep{
			Objective: "agree on a pilot", Agenda: []string{"their goals", "pilot scope", "next steps, if any"},
			POWNs: nudge.POWNs{Problems: "close takes 9 days", Needs: "audit trail"},
			Risks: "CFO leaves", Rewards: "promotion", Objections: "price",
		}}
	must(t, "CreateDeal", e.db.CreateDeal(e.ctx, d))
	if d.ID == 0 || d.Title != "40 seats" || d.Currency != "EUR" || d.Stage != nudge.StageQualify || d.ClosedAt != nil {
		t.Fatalf("created deal %+v", d)
	}
	got, err := e.db.FindDealByID(e.ctx, d.ID)
	must(t, "FindDealByID", err)
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("A4 prep round trip:\n got %+v\nwant %+v", got, d)
	}
	other := &nudge.Deal{PersonID: p.ID, Title: "renewal", Stage: nudge.StageWon}
	e.clock.Advance(time.Minute)
	must(t, "CreateDeal won", e.db.CreateDeal(e.ctx, other))
	if other.ClosedAt == nil {
		t.Fatal("a deal created won has no close time")
	}
	wantCode(t, "CreateDeal unknown person", e.db.CreateDeal(e.ctx, &nudge.Deal{PersonID: 9999, Title: "x"}), nudge.EINVALID)
	wantCode(t, "CreateDeal bad stage", e.db.CreateDeal(e.ctx, &nudge.Deal{PersonID: p.ID, Title: "x", Stage: "dreaming"}), nudge.EINVALID)

	e.clock.Advance(time.Hour)
	d.Stage, d.Prep.Agenda = nudge.StageLost, nil
	must(t, "UpdateDeal", e.db.UpdateDeal(e.ctx, d))
	got, err = e.db.FindDealByID(e.ctx, d.ID)
	must(t, "FindDealByID", err)
	closedAt := Start.Add(time.Minute + time.Hour)
	if !reflect.DeepEqual(got, d) || got.ClosedAt == nil || !got.ClosedAt.Equal(closedAt) || !got.CreatedAt.Equal(Start) {
		t.Fatalf("after UpdateDeal:\n got %+v\nwant %+v closed at %v", got, d, closedAt)
	}
	d.Stage = nudge.StageNegotiation
	must(t, "UpdateDeal reopen", e.db.UpdateDeal(e.ctx, d))
	if d.ClosedAt != nil {
		t.Fatalf("reopened deal still closed at %v", d.ClosedAt)
	}
	wantCode(t, "UpdateDeal(9999)", e.db.UpdateDeal(e.ctx, &nudge.Deal{ID: 9999, PersonID: p.ID, Title: "x"}), nudge.ENOTFOUND)

	tests := []struct {
		name string
		f    nudge.DealFilter
		want []int64
	}{
		{"person, newest first", nudge.DealFilter{PersonID: &p.ID}, []int64{other.ID, d.ID}},
		{"owner", nudge.DealFilter{OwnerID: &rep.ID}, []int64{d.ID}},
		{"stage", nudge.DealFilter{Stage: ptr(nudge.StageWon)}, []int64{other.ID}},
		{"limit", nudge.DealFilter{Limit: 1}, []int64{other.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := e.db.FindDeals(e.ctx, tt.f)
			must(t, "FindDeals", err)
			var ids []int64
			for _, d := range ds {
				ids = append(ids, d.ID)
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Fatalf("FindDeals = %v, want %v", ids, tt.want)
			}
		})
	}
	must(t, "DeleteDeal", e.db.DeleteDeal(e.ctx, d.ID))
	_, err = e.db.FindDealByID(e.ctx, d.ID)
	wantCode(t, "FindDealByID after delete", err, nudge.ENOTFOUND)
	wantCode(t, "DeleteDeal again", e.db.DeleteDeal(e.ctx, d.ID), nudge.ENOTFOUND)
}

func testUsers(t *testing.T, open Opener) {
	e := setup(t, open)
	mgr := &nudge.User{Email: "Boss@Us.com", Name: "Mia Manager", Role: nudge.UserManager, PasswordHash: "argon2id$x"}
	must(t, "CreateUser", e.db.CreateUser(e.ctx, mgr))
	team := &nudge.Team{Name: " East ", ManagerID: mgr.ID}
	must(t, "CreateTeam", e.db.CreateTeam(e.ctx, team))
	if team.ID == 0 || team.Name != "East" || !team.CreatedAt.Equal(Start) {
		t.Fatalf("created team %+v", team)
	}
	must(t, "CreateTeam West", e.db.CreateTeam(e.ctx, &nudge.Team{Name: "West"}))
	wantCode(t, "CreateTeam no name", e.db.CreateTeam(e.ctx, &nudge.Team{Name: " "}), nudge.EINVALID)
	wantCode(t, "CreateTeam unknown manager", e.db.CreateTeam(e.ctx, &nudge.Team{Name: "X", ManagerID: 9999}), nudge.EINVALID)
	teams, err := e.db.FindTeams(e.ctx)
	must(t, "FindTeams", err)
	if len(teams) != 2 || !reflect.DeepEqual(teams[0], team) || teams[1].Name != "West" {
		t.Fatalf("FindTeams = %+v", teams)
	}

	rep := &nudge.User{Email: "sam@us.com", Name: "Sam Rep", TeamID: team.ID, TimeZone: "America/New_York", WorkStart: 8 * 60, WorkEnd: 16 * 60}
	must(t, "CreateUser rep", e.db.CreateUser(e.ctx, rep))
	if rep.Role != nudge.UserRep {
		t.Fatalf("default role %q", rep.Role)
	}
	tests := []struct {
		name string
		u    nudge.User
		code string
	}{
		{"email taken, other case", nudge.User{Email: "boss@US.COM", Name: "x"}, nudge.ECONFLICT},
		{"bad email", nudge.User{Email: "boss", Name: "x"}, nudge.EINVALID},
		{"bad role", nudge.User{Email: "a@us.com", Role: "king"}, nudge.EINVALID},
		{"unknown team", nudge.User{Email: "b@us.com", TeamID: 9999}, nudge.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.u
			wantCode(t, "CreateUser", e.db.CreateUser(e.ctx, &u), tt.code)
		})
	}

	got, err := e.db.FindUserByEmail(e.ctx, "BOSS@us.com")
	must(t, "FindUserByEmail", err)
	if !reflect.DeepEqual(got, mgr) || got.PasswordHash != "argon2id$x" {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, mgr)
	}
	got, err = e.db.FindUserByID(e.ctx, rep.ID)
	must(t, "FindUserByID", err)
	if !reflect.DeepEqual(got, rep) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, rep)
	}
	_, err = e.db.FindUserByID(e.ctx, 9999)
	wantCode(t, "FindUserByID(9999)", err, nudge.ENOTFOUND)
	_, err = e.db.FindUserByEmail(e.ctx, "nobody@us.com")
	wantCode(t, "FindUserByEmail(nobody)", err, nudge.ENOTFOUND)

	// An update without a password hash keeps the stored one.
	upd := *mgr
	upd.Name, upd.PasswordHash, upd.Role = "Mia M.", "", nudge.UserAdmin
	must(t, "UpdateUser", e.db.UpdateUser(e.ctx, &upd))
	got, err = e.db.FindUserByID(e.ctx, mgr.ID)
	must(t, "FindUserByID", err)
	if got.Name != "Mia M." || got.Role != nudge.UserAdmin || got.PasswordHash != "argon2id$x" {
		t.Fatalf("after UpdateUser: %+v", got)
	}
	upd.Email = "SAM@us.com"
	wantCode(t, "UpdateUser to a taken email", e.db.UpdateUser(e.ctx, &upd), nudge.ECONFLICT)
	wantCode(t, "UpdateUser(9999)", e.db.UpdateUser(e.ctx, &nudge.User{ID: 9999, Email: "z@us.com"}), nudge.ENOTFOUND)

	users, err := e.db.FindUsers(e.ctx)
	must(t, "FindUsers", err)
	if len(users) != 2 || users[0].ID != mgr.ID || users[1].ID != rep.ID {
		t.Fatalf("FindUsers by name: %+v", users)
	}
}
