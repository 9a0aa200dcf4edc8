package nudge

import (
	"net/mail"
	"strings"

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
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", FieldError("phone", "%q is not a phone number", s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
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
