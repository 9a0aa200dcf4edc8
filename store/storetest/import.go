package storetest

import (
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/nudgecrm/nudge"
)

// rows yields import rows numbered from line 2 (line 1 is a header).
func rows(rs ...nudge.ImportRow) iter.Seq[nudge.ImportRow] {
	return func(yield func(nudge.ImportRow) bool) {
		for i, r := range rs {
			if r.Line == 0 {
				r.Line = i + 2
			}
			if !yield(r) {
				return
			}
		}
	}
}

func row(p nudge.Person, company string) nudge.ImportRow {
	if p.Status == "" {
		p.Status = nudge.StatusLead
	}
	return nudge.ImportRow{Person: p, CompanyName: company}
}

func badRow(field, value string) nudge.ImportRow {
	return nudge.ImportRow{Err: nudge.FieldError(field, "%q is not valid", value), Value: value}
}

// count returns how many people are stored.
func (e env) count(t *testing.T) int {
	t.Helper()
	_, n, err := e.db.FindPeople(e.ctx, nudge.PersonFilter{Limit: 1})
	must(t, "FindPeople", err)
	return n
}

func (e env) byEmail(t *testing.T, email string) *nudge.Person {
	t.Helper()
	p, err := e.db.FindPersonByEmail(e.ctx, email)
	must(t, "FindPersonByEmail "+email, err)
	return p
}

func wantReport(t *testing.T, got *nudge.ImportReport, rows, created, merged, rejected int, committed bool) {
	t.Helper()
	if got.Rows != rows || got.Created != created || got.Merged != merged || got.Rejected != rejected || got.Committed != committed {
		t.Fatalf("report rows %d created %d merged %d rejected %d committed %v; want %d %d %d %d %v",
			got.Rows, got.Created, got.Merged, got.Rejected, got.Committed, rows, created, merged, rejected, committed)
	}
}

func testImport(t *testing.T, open Opener) {
	e := setup(t, open)
	rep := &nudge.User{Email: "rep@us.com", Name: "Rep"}
	must(t, "CreateUser", e.db.CreateUser(e.ctx, rep))
	stored := e.person(t, nudge.Person{Name: "Stored", Email: "stored@x.com", Source: "cli", Status: nudge.StatusCustomer})
	phoneOnly := e.person(t, nudge.Person{Name: "Phone Only", Phone: "+14155550100"})
	var progress []int

	rep1, err := e.db.ImportPeople(e.ctx, rows(
		row(nudge.Person{Name: "New One", Email: "new1@x.com"}, "Acme"),                                   // 2 created
		row(nudge.Person{Name: "Other Name", Email: "stored@x.com", Title: "CTO"}, ""),                    // 3 merged into stored
		row(nudge.Person{Name: "Dup", Email: "new1@x.com", Phone: "+14155550111", Title: "VP"}, "Globex"), // 4 merged into line 2
		row(nudge.Person{Name: "No Email", Phone: "+14155550100", Title: "Eng"}, ""),                      // 5 merged by phone
		row(nudge.Person{Name: "No Email 2", Phone: "+14155550199"}, ""),                                  // 6 created
		row(nudge.Person{Name: "No Email 2 again", Phone: "+14155550199", Title: "x"}, ""),                // 7 merged into line 6
		row(nudge.Person{Name: "Nobody"}, ""),                                                             // 8 created
		row(nudge.Person{Name: "A2", Email: "acme2@x.com"}, "ACME"),                                       // 9 created, same Acme
		badRow("email", "anna@"), // 10 rejected
	), nudge.ImportOptions{SkipInvalid: true, OwnerID: rep.ID, Source: "import:test.csv",
		Progress: func(n int) { progress = append(progress, n) }})
	must(t, "ImportPeople", err)
	wantReport(t, rep1, 9, 4, 4, 1, true)
	if len(rep1.Rejections) != 1 || rep1.Rejections[0] != (nudge.Rejection{Line: 10, Field: "email", Value: "anna@", Reason: `"anna@" is not valid`}) {
		t.Fatalf("rejections %+v", rep1.Rejections)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 9 {
		t.Fatalf("progress %v, want it to end at 9", progress)
	}
	if n := e.count(t); n != 6 {
		t.Fatalf("%d people stored, want 6", n)
	}

	s := e.byEmail(t, "stored@x.com")
	if s.Name != "Stored" || s.Title != "CTO" || s.Source != "cli" || s.Status != nudge.StatusCustomer || s.ID != stored.ID {
		t.Fatalf("merged into stored: %+v; want name, source, status kept and title filled", s)
	}
	n1 := e.byEmail(t, "new1@x.com")
	if n1.Name != "New One" || n1.Phone != "+14155550111" || n1.Title != "VP" || n1.OwnerID != rep.ID || n1.Source != "import:test.csv" {
		t.Fatalf("first occurrence wins, later fill: %+v", n1)
	}
	a2 := e.byEmail(t, "acme2@x.com")
	if n1.CompanyID == 0 || a2.CompanyID != n1.CompanyID {
		t.Fatalf("companies: new1 at %d, acme2 at %d; want one Acme", n1.CompanyID, a2.CompanyID)
	}
	cs, _, err := e.db.FindCompanies(e.ctx, nudge.CompanyFilter{})
	must(t, "FindCompanies", err)
	if len(cs) != 1 || cs[0].Name != "Acme" {
		t.Fatalf("companies %+v; want only Acme (the duplicate row's Globex does not replace it)", cs)
	}
	po, err := e.db.FindPersonByID(e.ctx, phoneOnly.ID)
	must(t, "FindPersonByID", err)
	if po.Name != "Phone Only" || po.Title != "Eng" {
		t.Fatalf("merged by phone: %+v", po)
	}
	people, _, err := e.db.FindPeople(e.ctx, nudge.PersonFilter{Query: "no email 2"})
	must(t, "FindPeople", err)
	if len(people) != 1 || people[0].Title != "x" || people[0].Name != "No Email 2" {
		t.Fatalf("people without email merged by phone in the file: %+v", people)
	}

	// Across batches and against the previous import: emails 0…999 are
	// new, 1000…1199 repeat 0…199 (earlier batches), and new1 is stored.
	var many []nudge.ImportRow
	for i := range 1200 {
		many = append(many, row(nudge.Person{Name: fmt.Sprintf("P%d", i), Email: fmt.Sprintf("p%d@bulk.com", i%1000),
			Title: fmt.Sprintf("T%d", i)}, fmt.Sprintf("Co %d", i%37)))
	}
	many = append(many, row(nudge.Person{Email: "new1@x.com", Interests: "golf"}, ""))
	rep2, err := e.db.ImportPeople(e.ctx, rows(many...), nudge.ImportOptions{})
	must(t, "ImportPeople bulk", err)
	wantReport(t, rep2, 1201, 1000, 201, 0, true)
	if p := e.byEmail(t, "p150@bulk.com"); p.Name != "P150" || p.Title != "T150" {
		t.Fatalf("across batches the first occurrence must win: %+v", p)
	}
	if p := e.byEmail(t, "new1@x.com"); p.Interests != "golf" || p.Name != "New One" {
		t.Fatalf("second import fills: %+v", p)
	}
	_, nc, err := e.db.FindCompanies(e.ctx, nudge.CompanyFilter{})
	must(t, "FindCompanies", err)
	if nc != 38 {
		t.Fatalf("%d companies, want 38", nc)
	}

	// Rejections are counted in full but listed up to 1,000.
	var bad []nudge.ImportRow
	for range 1100 {
		bad = append(bad, badRow("phone", "abc"))
	}
	rep3, err := e.db.ImportPeople(e.ctx, rows(bad...), nudge.ImportOptions{})
	must(t, "ImportPeople bad", err)
	wantReport(t, rep3, 1100, 0, 0, 1100, false)
	if len(rep3.Rejections) != 1000 || rep3.Rejections[999].Line != 1001 {
		t.Fatalf("%d rejections listed", len(rep3.Rejections))
	}
}

func testImportAllOrNothing(t *testing.T, open Opener) {
	e := setup(t, open)
	keep := e.person(t, nudge.Person{Name: "Keep", Email: "keep@x.com"})
	input := []nudge.ImportRow{
		row(nudge.Person{Name: "Changed", Email: "keep@x.com", Title: "CEO"}, "Acme"),
		row(nudge.Person{Name: "New", Email: "new@x.com"}, "Globex"),
		badRow("email", "x@"),
		row(nudge.Person{Name: "Later", Email: "later@x.com"}, ""),
		badRow("tz", "Mars/Base"),
	}
	tests := []struct {
		name      string
		rows      []nudge.ImportRow
		opts      nudge.ImportOptions
		rejected  int
		committed bool
	}{
		{"a bad row rolls back all", input, nudge.ImportOptions{}, 2, false},
		{"a fatal read error rolls back even when skipping", []nudge.ImportRow{
			input[0], {Line: 9, Err: fmt.Errorf("unbalanced quote"), Fatal: true}}, nudge.ImportOptions{SkipInvalid: true}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.db.ImportPeople(e.ctx, rows(tt.rows...), tt.opts)
			must(t, "ImportPeople", err)
			wantReport(t, got, len(tt.rows), 0, 0, tt.rejected, tt.committed)
			if len(got.Rejections) != tt.rejected {
				t.Fatalf("rejections %+v", got.Rejections)
			}
			if n := e.count(t); n != 1 {
				t.Fatalf("%d people stored, want only the one from before", n)
			}
			if p := e.byEmail(t, "keep@x.com"); p.Name != "Keep" || p.Title != "" || p.CompanyID != 0 || !p.UpdatedAt.Equal(keep.UpdatedAt) {
				t.Fatalf("stored person touched by a rolled-back import: %+v", p)
			}
			if _, n, _ := e.db.FindCompanies(e.ctx, nudge.CompanyFilter{}); n != 0 {
				t.Fatalf("%d companies created by a rolled-back import", n)
			}
		})
	}
	got, err := e.db.ImportPeople(e.ctx, rows(input...), nudge.ImportOptions{SkipInvalid: true})
	must(t, "ImportPeople skipping", err)
	wantReport(t, got, 5, 2, 1, 2, true)
	lines := []int{got.Rejections[0].Line, got.Rejections[1].Line}
	if !slices.Equal(lines, []int{4, 6}) || got.Rejections[1].Field != "tz" || got.Rejections[1].Value != "Mars/Base" {
		t.Fatalf("rejections %+v", got.Rejections)
	}
}

func testImportForgotten(t *testing.T, open Opener) {
	e := setup(t, open)
	gone := e.person(t, nudge.Person{Name: "Gone", Email: "gone@x.com"})
	gonePhone := e.person(t, nudge.Person{Name: "Gone Too", Phone: "+14155550123"})
	must(t, "ForgetPerson", e.db.ForgetPerson(e.ctx, gone.ID))
	must(t, "ForgetPerson", e.db.ForgetPerson(e.ctx, gonePhone.ID))
	got, err := e.db.ImportPeople(e.ctx, rows(
		row(nudge.Person{Name: "Gone", Email: "gone@x.com"}, ""),
		row(nudge.Person{Name: "Someone", Email: "someone@x.com", Phone: "+14155550123"}, ""),
		row(nudge.Person{Name: "Fine", Email: "fine@x.com"}, ""),
	), nudge.ImportOptions{SkipInvalid: true})
	must(t, "ImportPeople", err)
	wantReport(t, got, 3, 1, 0, 2, true)
	want := []nudge.Rejection{
		{Line: 2, Field: "email", Value: "gone@x.com", Reason: "erased on request (forget)"},
		{Line: 3, Field: "phone", Value: "+14155550123", Reason: "erased on request (forget)"},
	}
	if !slices.Equal(got.Rejections, want) {
		t.Fatalf("rejections %+v, want %+v", got.Rejections, want)
	}
	if n := e.count(t); n != 1 {
		t.Fatalf("%d people stored, want 1", n)
	}
}
