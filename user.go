package nudge

import (
	"context"
	"strings"
	"time"
)

// UserRole decides what a user may see and do.
type UserRole string

const (
	UserRep     UserRole = "rep"     // their own people
	UserManager UserRole = "manager" // their team's people, and E4 escalations
	UserAdmin   UserRole = "admin"   // users, teams, settings
)

// User is someone who signs in: a rep, a manager or an admin.
type User struct {
	ID       int64    `json:"id"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Role     UserRole `json:"role"`
	TeamID   int64    `json:"team_id,omitempty"`
	TimeZone string   `json:"time_zone,omitempty"` // the rep's own zone, for working hours
	Country  string   `json:"country,omitempty"`   // ISO alpha-2: the holidays of the rep's working days
	// Working hours, minutes after local midnight; G3 calling hours are
	// intersected with them. Zero values mean 9:00–17:00.
	WorkStart    int       `json:"work_start,omitempty"`
	WorkEnd      int       `json:"work_end,omitempty"`
	PasswordHash string    `json:"-"` // argon2id; never serialised
	CreatedAt    time.Time `json:"created_at"`
}

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	u.Name = strings.TrimSpace(u.Name)
	e, err := NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email = e
	if u.Role == "" {
		u.Role = UserRep
	}
	switch u.Role {
	case UserRep, UserManager, UserAdmin:
	default:
		return FieldError("role", "unknown role %q (want rep, manager or admin)", u.Role)
	}
	if u.TimeZone != "" {
		if _, err := time.LoadLocation(u.TimeZone); err != nil {
			return FieldError("tz", "unknown time zone %q", u.TimeZone)
		}
	}
	if u.Country != "" {
		c, err := NormalizeCountry(u.Country)
		if err != nil {
			return err
		}
		u.Country = c
	}
	if u.WorkStart < 0 || u.WorkEnd > 24*60 || (u.WorkEnd != 0 && u.WorkEnd <= u.WorkStart) {
		return FieldError("work_hours", "working hours %d–%d are not a span within a day", u.WorkStart, u.WorkEnd)
	}
	return nil
}

// Team is a manager and their reps.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	ManagerID int64     `json:"manager_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// UserService stores users and teams.
type UserService interface {
	CreateUser(ctx context.Context, u *User) error
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context) ([]*User, error)
	UpdateUser(ctx context.Context, u *User) error
	CreateTeam(ctx context.Context, t *Team) error
	FindTeams(ctx context.Context) ([]*Team, error)
}
