package nudge

import "testing"

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Anna@Acme.COM", "anna@acme.com", true},
		{"  zoë@exämple.de ", "zoë@exämple.de", true},
		{"anna@", "", false},
		{"anna@localhost", "", false},
		{"Anna <anna@acme.com>", "", false},
		{"anna@acme..com", "", false},
		{"", "", false},
		{"not an email", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("NormalizeEmail(%q): code %q, want %q", tt.in, ErrorCode(err), EINVALID)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, country, want string
		ok                bool
	}{
		{"(415) 555-0123", "US", "+14155550123", true},
		{"415.555.0123", "", "+14155550123", true}, // no country: DefaultPhoneRegion
		{"030 1234567", "DE", "+49301234567", true},
		{"+44 20 7946 0958", "US", "+442079460958", true},
		{"020 7946 0958", "GB", "+442079460958", true},
		{"12", "US", "", false},
		{"call me", "US", "", false},
		{"", "US", "", true},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in, tt.country)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q ok=%v", tt.in, tt.country, got, err, tt.want, tt.ok)
		}
	}
}

func TestNormalizeCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"us", "US"}, {"United States", "US"}, {"UK", "GB"}, {"Deutschland", "DE"}, {"fr", "FR"}, {"", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeCountry(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeCountry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := NormalizeCountry("Atlantis"); err == nil {
		t.Error("NormalizeCountry(Atlantis): want an error")
	}
}

func TestPersonValidate(t *testing.T) {
	tests := []struct {
		name  string
		p     Person
		field string // "" = valid
	}{
		{"name only", Person{Name: "Jerry"}, ""},
		{"email only", Person{Email: "jerry@x.com"}, ""},
		{"nothing", Person{}, "name"},
		{"bad tz", Person{Name: "J", TimeZone: "Mars/Olympus"}, "tz"},
		{"bad status", Person{Name: "J", Status: "maybe"}, "status"},
		{"bad channel", Person{Name: "J", PreferredChannel: "pigeon"}, "preferred_channel"},
		{"bad role", Person{Name: "J", BuyingRole: "king"}, "buying_role"},
		{"bad coords", Person{Name: "J", Location: Location{Lat: 91, HasCoords: true}}, "location"},
		{"bad phone", Person{Name: "J", Phone: "abc"}, "phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			err := p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if p.Status != StatusLead {
					t.Errorf("default status = %q, want lead", p.Status)
				}
				return
			}
			var e *Error
			if err == nil {
				t.Fatalf("Validate: want an error on %s", tt.field)
			}
			e, _ = err.(*Error)
			if e == nil || e.Field != tt.field || e.Code != EINVALID {
				t.Fatalf("Validate: got %#v, want EINVALID on %s", err, tt.field)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	if got := ErrorCode(nil); got != "" {
		t.Errorf("ErrorCode(nil) = %q", got)
	}
	wrapped := wrap(Errorf(ENOTFOUND, "no person 7"))
	if got := ErrorCode(wrapped); got != ENOTFOUND {
		t.Errorf("ErrorCode(wrapped) = %q, want %q", got, ENOTFOUND)
	}
	if got := ErrorMessage(errPlain{}); got != "internal error" {
		t.Errorf("ErrorMessage(plain) = %q", got)
	}
}

type errPlain struct{}

func (errPlain) Error() string { return "db exploded" }

type wrapper struct{ err error }

func (w wrapper) Error() string { return "ctx: " + w.err.Error() }
func (w wrapper) Unwrap() error { return w.err }

func wrap(err error) error { return wrapper{err} }
