package nudge

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

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

// phoneSample is a phone number as people type it, and the region it was
// written for.
type phoneSample struct{ s, region string }

// phoneSamples writes phone numbers the way people type them, for every
// region phonenumbers knows: example numbers of several types and mutations
// of their digits (longer, shorter, random), with and without + and calling
// code, national prefix, international prefix and punctuation, plus random
// strings of digits and separators.
func phoneSamples() []phoneSample {
	rng := rand.New(rand.NewPCG(1, 2))
	regions := slices.Sorted(maps.Keys(phonenumbers.GetSupportedRegions()))
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE}
	digit := func() byte { return byte('0' + rng.IntN(10)) }
	separate := func(d string) string {
		seps := []string{"", " ", "-", ".", " - "}
		var b strings.Builder
		for i := range len(d) {
			if i > 0 && rng.IntN(4) == 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			b.WriteByte(d[i])
		}
		return b.String()
	}
	var out []phoneSample
	for _, region := range regions {
		cc := strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
		ndd := phonenumbers.GetNddPrefixForRegion(region, true)
		for _, typ := range types {
			n := phonenumbers.GetExampleNumberForType(region, typ)
			if n == nil {
				continue
			}
			nsn := phonenumbers.GetNationalSignificantNumber(n)
			b := []byte(nsn)
			b[len(b)-1] = digit()
			longer := nsn + string(digit())
			random := make([]byte, len(nsn))
			for i := range random {
				random[i] = digit()
			}
			for _, d := range []string{nsn, string(b), longer, nsn[:len(nsn)-1], nsn[:len(nsn)/2], string(random), "0" + nsn, "1" + nsn} {
				for _, s := range []string{
					"+" + cc + d, "+" + cc + " " + separate(d), "+" + cc + " (" + d[:1] + ") " + d[1:], "+ " + cc + "-" + d,
					d, separate(d), ndd + d, ndd + " " + separate(d), "(" + ndd + d[:min(3, len(d))] + ") " + d[min(3, len(d)):],
					"00" + cc + d, "011" + cc + " " + d, cc + d, cc + " " + separate(d),
					phonenumbers.Format(n, phonenumbers.INTERNATIONAL), phonenumbers.Format(n, phonenumbers.NATIONAL),
				} {
					out = append(out, phoneSample{s, region})
				}
			}
		}
	}
	const alphabet = "0123456789012345678901234567890123456789 -.()+"
	for range 20_000 {
		b := make([]byte, 1+rng.IntN(22))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		out = append(out, phoneSample{string(b), regions[rng.IntN(len(regions))]})
	}
	return out
}

// referencePhone is NormalizePhone as it was before quickPhone: every
// number through phonenumbers.Parse.
func referencePhone(s, country string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	region := strings.ToUpper(country)
	if region == "" {
		region = DefaultPhoneRegion
	}
	return parsePhone(s, region)
}

// quickPhone must answer exactly as phonenumbers.Parse does whenever it
// answers at all, in every default region.
func TestQuickPhoneMatchesParse(t *testing.T) {
	samples := phoneSamples()
	step := 1
	if testing.Short() {
		step = 10
	}
	regions := slices.Sorted(maps.Keys(phonenumbers.GetSupportedRegions()))
	others := []string{"US", "GB", "DE", "IT", "AR", "MX", "BR", "FR", "XX", "001", "", "gb"}
	quick, looks := 0, 0
	for i := 0; i < len(samples); i += step {
		// Each sample in the region it was written for, one other region
		// and one of a few with unusual prefixes; all pairs would be 40
		// million parses.
		s := samples[i].s
		for _, country := range []string{samples[i].region, regions[(i*7+3)%len(regions)], others[i%len(others)]} {
			looks++
			got, gotErr := NormalizePhone(s, country)
			want, wantErr := referencePhone(s, country)
			if got != want || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("NormalizePhone(%q, %q) = %q, %v; phonenumbers.Parse gives %q, %v", s, country, got, gotErr, want, wantErr)
			}
			region := strings.ToUpper(country)
			if region == "" {
				region = DefaultPhoneRegion
			}
			if _, _, ok := quickPhone(strings.TrimSpace(s), region); ok {
				quick++
			}
		}
	}
	// The comparison means little unless the quick path answered often.
	if quick < looks/5 {
		t.Errorf("quickPhone answered %d of %d look-ups; the samples no longer exercise it", quick, looks)
	}
	t.Logf("%d look-ups, %d answered by quickPhone", looks, quick)
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+14155550123", "(415) 555-0123", "+44 20 7946 0958", "030 1234567", "+390612345678", "+8001234"} {
		f.Add(s, "US")
	}
	f.Fuzz(func(t *testing.T, s, country string) {
		got, gotErr := NormalizePhone(s, country)
		want, wantErr := referencePhone(s, country)
		if got != want || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; phonenumbers.Parse gives %q, %v", s, country, got, gotErr, want, wantErr)
		}
	})
}

func BenchmarkNormalizePhone(b *testing.B) {
	for _, c := range []struct{ in, country string }{
		{"+14155550123", "US"}, {"+44 20 7946 0958", "US"}, {"(415) 555-0123", "US"}, {"030 1234567", "DE"},
	} {
		b.Run(c.in, func(b *testing.B) {
			for b.Loop() {
				if _, err := NormalizePhone(c.in, c.country); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
