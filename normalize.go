package nudge

import (
	"bytes"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// NormalizeEmail validates an email address and returns it in the form nudge
// stores and compares: trimmed and lower-cased. Addresses are compared
// case-insensitively everywhere, so "Anna@X.com" and "anna@x.com" are one person.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", FieldError("email", "email address is empty")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", FieldError("email", "%q is not an email address", s)
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", FieldError("email", "%q has no valid domain", s)
	}
	return strings.ToLower(s), nil
}

// DefaultPhoneRegion is the region assumed for a phone number written without
// a country code when the person's country is unknown.
const DefaultPhoneRegion = "US"

// NormalizePhone parses a phone number written any common way and returns it
// in E.164 (+14155550123). country (ISO alpha-2) decides how numbers without a
// leading + are read.
func NormalizePhone(s, country string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	region := strings.ToUpper(country)
	if region == "" {
		region = DefaultPhoneRegion
	}
	if e164, possible, ok := quickPhone(s, region); ok {
		if !possible {
			return "", FieldError("phone", "%q is not a phone number", s)
		}
		return e164, nil
	}
	return parsePhone(s, region)
}

// parsePhone is NormalizePhone through phonenumbers.Parse: the reference for
// every input, and the path for those quickPhone leaves.
func parsePhone(s, region string) (string, error) {
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", FieldError("phone", "%q is not a phone number", s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// phoneRegion is what quickPhone needs of one region's phonenumbers
// metadata: the patterns that, at the start of a number's digits, make
// phonenumbers.Parse rewrite them.
type phoneRegion struct {
	code  int            // country calling code
	cc    string         // code in decimal
	idd   *regexp.Regexp // ^(?:international prefix), e.g. 011 in the US
	natPr *regexp.Regexp // ^(?:national prefix for parsing), nil if none
	// A national prefix is stripped here only in the main region of a
	// calling code (whose length rules IsPossibleNumberWithReason applies),
	// with a general pattern and without a transform rule; otherwise Parse.
	strippable bool
	general    *regexp.Regexp // ^(?:general national number pattern)$
}

// phoneTables maps regions (by ISO code) and calling codes (the main region
// of each; non-geographic codes are left out) to their phoneRegion. It is
// read-only data derived from phonenumbers' embedded metadata, built on first
// use because compiling its patterns costs a few milliseconds.
type phoneTables struct {
	byRegion map[string]*phoneRegion
	byCode   map[int]*phoneRegion
}

var loadPhoneTables = sync.OnceValue(func() phoneTables {
	t := phoneTables{byRegion: map[string]*phoneRegion{}, byCode: map[int]*phoneRegion{}}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return t // every number then takes parsePhone
	}
	for _, m := range coll.GetMetadata() {
		id := m.GetId()
		if id == "001" { // non-geographic entities
			continue
		}
		// Patterns phonenumbers could not compile either leave the region
		// out: its numbers take parsePhone.
		idd, err := regexp.Compile("^(?:" + m.GetInternationalPrefix() + ")")
		if err != nil || m.GetInternationalPrefix() == "" {
			continue
		}
		code := int(m.GetCountryCode())
		r := &phoneRegion{code: code, cc: strconv.Itoa(code), idd: idd}
		if p := m.GetNationalPrefixForParsing(); p != "" {
			if r.natPr, err = regexp.Compile("^(?:" + p + ")"); err != nil {
				continue
			}
		}
		t.byRegion[id] = r
		if phonenumbers.GetRegionCodeForCountryCode(code) == id {
			t.byCode[code] = r
			if g := m.GetGeneralDesc().GetNationalNumberPattern(); g != "" && m.GetNationalPrefixTransformRule() == "" {
				if re, err := regexp.Compile("^(?:" + g + ")$"); err == nil {
					r.strippable, r.general = true, re
				}
			}
		}
	}
	return t
})

// number is the phone number of national significant number nsn (2 to 17
// digits) in r's calling code.
func (r *phoneRegion) number(nsn []byte) *phonenumbers.PhoneNumber {
	code := int32(r.code)
	nn, _ := strconv.ParseUint(string(nsn), 10, 64) // at most 17 digits
	n := &phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &nn}
	// Leading zeros are part of some national numbers (Italy's); the
	// integer drops them, so they are counted, the last digit excepted.
	if nsn[0] == '0' {
		italian := true
		n.ItalianLeadingZero = &italian
		zeros := int32(1)
		for int(zeros) < len(nsn)-1 && nsn[zeros] == '0' {
			zeros++
		}
		if zeros > 1 {
			n.NumberOfLeadingZeros = &zeros
		}
	}
	return n
}

// quickPhone normalises the common shapes of phone number without
// phonenumbers.Parse, whose generic regular expressions (extensions, viable
// number, punctuation) cost ~12 µs a number and were three quarters of an
// import's parse time. ok is false when s is not such a shape; then the
// caller must use parsePhone. When ok, the answer is exactly parsePhone's
// (TestQuickPhoneMatchesParse compares them over every region):
//
//   - s is an optional leading + then ASCII digits separated by spaces,
//     '-', '.', '(' or ')', with 4 to 20 digits. Parse then sees no
//     extension (those need a letter, #, ~, ',' or ';'), finds the number
//     viable (three digits or more) and uses its digits only.
//   - With +: the calling code is the first 1–3 digits that name one, as in
//     Parse, and the rest the national number.
//   - Without +: the national number in the default region, unless its
//     digits start with the region's international prefix or calling code
//     (Parse then reads a calling code: left to parsePhone).
//   - A national prefix at the start of the national number is stripped by
//     Parse's rule, in the regions where that rule needs nothing but the
//     region's patterns and possible lengths (see phoneRegion.strippable).
func quickPhone(s, region string) (e164 string, possible, ok bool) {
	if s == "" {
		return "", false, false
	}
	var buf [20]byte
	digits := buf[:0]
	plus := s[0] == '+'
	for i := range len(s) {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if len(digits) == cap(digits) {
				return "", false, false
			}
			digits = append(digits, c)
		case c == '+' && i == 0, c == ' ', c == '-', c == '.', c == '(', c == ')':
		default:
			return "", false, false
		}
	}
	if len(digits) < 4 {
		return "", false, false
	}
	tables := loadPhoneTables()
	var r *phoneRegion
	var national []byte
	if plus {
		if digits[0] == '0' {
			return "", false, false
		}
		for i := 1; i <= 3; i++ {
			code, _ := strconv.Atoi(string(digits[:i]))
			if len(phonenumbers.GetRegionCodesForCountryCode(code)) > 0 {
				if r = tables.byCode[code]; r == nil {
					return "", false, false // non-geographic code
				}
				national = digits[i:]
				break
			}
		}
		if r == nil {
			return "", false, false
		}
	} else {
		if r = tables.byRegion[region]; r == nil {
			return "", false, false
		}
		if r.idd.Match(digits) || bytes.HasPrefix(digits, []byte(r.cc)) {
			return "", false, false
		}
		national = digits
	}
	if len(national) < 2 || len(national) > 17 {
		return "", false, false
	}
	n := r.number(national)
	if r.natPr != nil {
		m := r.natPr.FindIndex(national)
		if m != nil && (!r.strippable || len(national)-m[1] < 2) {
			return "", false, false
		}
		// Parse strips a national prefix (the 0 of 030 1234567) unless the
		// number matched the general pattern with it and not without it,
		// or is of no possible length without it.
		if m != nil && !(r.general.Match(national) && !r.general.Match(national[m[1]:])) {
			stripped := r.number(national[m[1]:])
			switch phonenumbers.IsPossibleNumberWithReason(stripped) {
			case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY, phonenumbers.INVALID_LENGTH:
			default:
				n = stripped
			}
		}
	}
	if !phonenumbers.IsPossibleNumber(n) {
		return "", false, true
	}
	return phonenumbers.Format(n, phonenumbers.E164), true, true
}

// countryNames maps names people write in exports to ISO 3166-1 alpha-2 codes.
var countryNames = map[string]string{
	"united states": "US", "united states of america": "US", "usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US",
	"united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
	"canada": "CA", "australia": "AU", "germany": "DE", "deutschland": "DE", "france": "FR",
	"ireland": "IE", "new zealand": "NZ", "spain": "ES", "españa": "ES", "italy": "IT", "italia": "IT",
	"netherlands": "NL", "the netherlands": "NL", "belgium": "BE", "switzerland": "CH", "austria": "AT",
	"sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "portugal": "PT", "poland": "PL",
	"mexico": "MX", "méxico": "MX", "brazil": "BR", "brasil": "BR", "india": "IN", "japan": "JP", "china": "CN",
	"singapore": "SG", "south africa": "ZA",
}

// NormalizeCountry returns the ISO 3166-1 alpha-2 code for a code or a common
// country name.
func NormalizeCountry(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", nil
	}
	if code, ok := countryNames[strings.ToLower(t)]; ok {
		return code, nil
	}
	up := strings.ToUpper(t)
	if up == "UK" {
		return "GB", nil
	}
	if len(up) == 2 && phonenumbers.GetCountryCodeForRegion(up) != 0 {
		return up, nil
	}
	return "", FieldError("country", "unknown country %q (want an ISO code such as US, GB, DE)", s)
}
