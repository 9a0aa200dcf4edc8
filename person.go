package nudge

import (
	"context"
	"strings"
	"time"
)

// Channel is a way of reaching a person (B5 rotates through them).
type Channel string

const (
	ChannelCall      Channel = "call"
	ChannelVoicemail Channel = "voicemail"
	ChannelEmail     Channel = "email"
	ChannelText      Channel = "text"
	ChannelLetter    Channel = "letter" // a letter or handwritten card (B5, C4)
	ChannelVisit     Channel = "visit"
	ChannelMeeting   Channel = "meeting"
	ChannelSocial    Channel = "social"
)

// Channels lists every channel, in the order B5 escalates through them.
var Channels = []Channel{ChannelEmail, ChannelCall, ChannelVoicemail, ChannelText, ChannelLetter, ChannelVisit, ChannelMeeting, ChannelSocial}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	for _, k := range Channels {
		if c == k {
			return true
		}
	}
	return false
}

// PersonStatus is where a person stands in the book of business.
type PersonStatus string

const (
	StatusLead         PersonStatus = "lead"         // known, not yet talked to
	StatusProspect     PersonStatus = "prospect"     // in active follow-up
	StatusCustomer     PersonStatus = "customer"     // bought; F2 value checks apply
	StatusLost         PersonStatus = "lost"         // went elsewhere; F1 drip
	StatusDisqualified PersonStatus = "disqualified" // B4/F3: not a fit; F1 drip
	StatusFired        PersonStatus = "fired"        // E5: file closed; F1 drip
)

// PersonStatuses lists every status.
var PersonStatuses = []PersonStatus{StatusLead, StatusProspect, StatusCustomer, StatusLost, StatusDisqualified, StatusFired}

// Valid reports whether s is a known status.
func (s PersonStatus) Valid() bool {
	for _, k := range PersonStatuses {
		if s == k {
			return true
		}
	}
	return false
}

// BuyingRole is a person's part in the decision (A7).
type BuyingRole string

const (
	RoleNone          BuyingRole = ""
	RoleDecisionMaker BuyingRole = "decision-maker"
	RoleInfluencer    BuyingRole = "influencer"
	RoleUser          BuyingRole = "user"
	RoleAssistant     BuyingRole = "assistant"
	RoleReceptionist  BuyingRole = "receptionist"
	RoleBoss          BuyingRole = "boss"
)

// BuyingRoles lists every role a person can hold in a buying group.
var BuyingRoles = []BuyingRole{RoleDecisionMaker, RoleInfluencer, RoleUser, RoleAssistant, RoleReceptionist, RoleBoss}

// Valid reports whether r is empty or a known role.
func (r BuyingRole) Valid() bool {
	if r == RoleNone {
		return true
	}
	for _, k := range BuyingRoles {
		if r == k {
			return true
		}
	}
	return false
}

// Location is where a person is (A9), to suggest a visit when the rep is
// nearby (E7). Lat and Lon are meaningful only when HasCoords is set.
type Location struct {
	City      string  `json:"city,omitempty"`
	Lat       float64 `json:"lat,omitempty"`
	Lon       float64 `json:"lon,omitempty"`
	HasCoords bool    `json:"has_coords,omitempty"`
}

// Person is a prospect or a customer: someone a rep follows up with.
type Person struct {
	ID        int64  `json:"id"`
	OwnerID   int64  `json:"owner_id,omitempty"`   // the rep who follows up; 0 = unassigned
	CompanyID int64  `json:"company_id,omitempty"` // 0 = none
	Name      string `json:"name"`
	Email     string `json:"email,omitempty"` // normalised: lower-case domain, see NormalizeEmail
	Phone     string `json:"phone,omitempty"` // E.164, see NormalizePhone
	Title     string `json:"title,omitempty"`

	TimeZone string   `json:"time_zone,omitempty"` // IANA name; schedules are computed in it
	Country  string   `json:"country,omitempty"`   // ISO 3166-1 alpha-2; picks the holiday calendar
	Location Location `json:"location"`

	// A5 ground rules, agreed at the first meeting.
	PreferredChannel Channel `json:"preferred_channel,omitempty"`
	AssistantName    string  `json:"assistant_name,omitempty"`
	OKToSayNo        bool    `json:"ok_to_say_no,omitempty"`

	PainGain  string `json:"pain_gain,omitempty"` // A6: in their words, quoted back in openings (D1)
	Interests string `json:"interests,omitempty"` // A8: common ground and events worth inviting them to

	// A7 buying group: their role and whom they report to (same company).
	BuyingRole  BuyingRole `json:"buying_role,omitempty"`
	ReportsToID int64      `json:"reports_to_id,omitempty"`

	Status PersonStatus `json:"status"`

	// G1: once set, nothing is proposed or sent to this person, by any rep.
	DoNotContact       bool       `json:"do_not_contact,omitempty"`
	DoNotContactReason string     `json:"do_not_contact_reason,omitempty"`
	DoNotContactAt     *time.Time `json:"do_not_contact_at,omitempty"`

	Source    string    `json:"source,omitempty"` // where the record came from (import file, "cli"…)
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the fields a person must have right before it is stored.
// It normalises Email and Phone in place.
func (p *Person) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" && p.Email == "" {
		return FieldError("name", "a person needs a name or an email address")
	}
	if p.Email != "" {
		e, err := NormalizeEmail(p.Email)
		if err != nil {
			return err
		}
		p.Email = e
	}
	if p.Phone != "" {
		ph, err := NormalizePhone(p.Phone, p.Country)
		if err != nil {
			return err
		}
		p.Phone = ph
	}
	if p.Country != "" {
		c, err := NormalizeCountry(p.Country)
		if err != nil {
			return err
		}
		p.Country = c
	}
	if p.TimeZone != "" {
		if _, err := LoadLocation(p.TimeZone); err != nil || p.TimeZone == "Local" {
			return FieldError("tz", "unknown time zone %q (want an IANA name such as America/New_York)", p.TimeZone)
		}
	}
	if p.Status == "" {
		p.Status = StatusLead
	}
	if !p.Status.Valid() {
		return FieldError("status", "unknown status %q", p.Status)
	}
	if p.PreferredChannel != "" && !p.PreferredChannel.Valid() {
		return FieldError("preferred_channel", "unknown channel %q", p.PreferredChannel)
	}
	if !p.BuyingRole.Valid() {
		return FieldError("buying_role", "unknown buying role %q", p.BuyingRole)
	}
	if p.Location.HasCoords && (p.Location.Lat < -90 || p.Location.Lat > 90 || p.Location.Lon < -180 || p.Location.Lon > 180) {
		return FieldError("location", "latitude/longitude %g,%g out of range", p.Location.Lat, p.Location.Lon)
	}
	if p.ReportsToID != 0 && p.ReportsToID == p.ID {
		return FieldError("reports_to", "a person cannot report to themselves")
	}
	return nil
}

// Zone returns the person's time zone, falling back to def when the person has
// none or it cannot be loaded.
func (p *Person) Zone(def *time.Location) *time.Location {
	if p.TimeZone != "" {
		if loc, err := LoadLocation(p.TimeZone); err == nil {
			return loc
		}
	}
	return def
}

// PersonFilter selects people. Zero fields do not filter.
type PersonFilter struct {
	ID        *int64
	Email     *string // compared case-insensitively
	OwnerID   *int64
	CompanyID *int64
	Status    *PersonStatus
	Query     string // matches name, email, company or title
	Offset    int
	Limit     int // 0 = no limit
}

// PersonUpdate carries the fields to change; nil fields stay as they are.
type PersonUpdate struct {
	Name             *string
	Email            *string
	Phone            *string
	Title            *string
	CompanyID        *int64
	OwnerID          *int64
	TimeZone         *string
	Country          *string
	Location         *Location
	PreferredChannel *Channel
	AssistantName    *string
	OKToSayNo        *bool
	PainGain         *string
	Interests        *string
	BuyingRole       *BuyingRole
	ReportsToID      *int64
	Status           *PersonStatus
}

// Apply copies the set fields of u onto p.
func (u PersonUpdate) Apply(p *Person) {
	set(&p.Name, u.Name)
	set(&p.Email, u.Email)
	set(&p.Phone, u.Phone)
	set(&p.Title, u.Title)
	set(&p.CompanyID, u.CompanyID)
	set(&p.OwnerID, u.OwnerID)
	set(&p.TimeZone, u.TimeZone)
	set(&p.Country, u.Country)
	set(&p.Location, u.Location)
	set(&p.PreferredChannel, u.PreferredChannel)
	set(&p.AssistantName, u.AssistantName)
	set(&p.OKToSayNo, u.OKToSayNo)
	set(&p.PainGain, u.PainGain)
	set(&p.Interests, u.Interests)
	set(&p.BuyingRole, u.BuyingRole)
	set(&p.ReportsToID, u.ReportsToID)
	set(&p.Status, u.Status)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// PersonService stores people.
type PersonService interface {
	// FindPersonByID returns ENOTFOUND if there is no such person.
	FindPersonByID(ctx context.Context, id int64) (*Person, error)
	// FindPersonByEmail matches case-insensitively; ENOTFOUND if none.
	FindPersonByEmail(ctx context.Context, email string) (*Person, error)
	// FindPeople returns the matching people ordered by name, and the total
	// count ignoring Offset and Limit.
	FindPeople(ctx context.Context, f PersonFilter) ([]*Person, int, error)
	// CreatePerson validates p and stores it, setting ID and timestamps.
	// EINVALID for bad fields, ECONFLICT if the email is taken, EFORGOTTEN if
	// the person was erased (tombstone).
	CreatePerson(ctx context.Context, p *Person) error
	// UpdatePerson applies u and returns the stored person. ENOTFOUND, EINVALID, ECONFLICT.
	UpdatePerson(ctx context.Context, id int64, u PersonUpdate) (*Person, error)
	// DeletePerson removes a person and everything recorded about them. ENOTFOUND.
	DeletePerson(ctx context.Context, id int64) error
	// SetDoNotContact applies the G1 hard stop (on=true) or lifts it.
	SetDoNotContact(ctx context.Context, id int64, on bool, reason string) error
	// ForgetPerson erases a person (GDPR) and leaves a tombstone of hashed
	// identifiers so they are never re-imported or contacted. ENOTFOUND.
	ForgetPerson(ctx context.Context, id int64) error
}
