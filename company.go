package nudge

import (
	"context"
	"strings"
	"time"
)

// Company is an organisation people work for. Its buying group (A7) is the
// set of its people with their roles and reports-to links.
type Company struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain,omitempty"` // e.g. acme.com
	Country   string    `json:"country,omitempty"`
	City      string    `json:"city,omitempty"`
	OwnerID   int64     `json:"owner_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks and tidies a company before it is stored.
func (c *Company) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return FieldError("name", "a company needs a name")
	}
	c.Domain = strings.ToLower(strings.TrimSpace(c.Domain))
	if c.Country != "" {
		cc, err := NormalizeCountry(c.Country)
		if err != nil {
			return err
		}
		c.Country = cc
	}
	return nil
}

// CompanyFilter selects companies. Zero fields do not filter.
type CompanyFilter struct {
	ID      *int64
	Name    *string // exact, case-insensitive
	OwnerID *int64
	Query   string
	Offset  int
	Limit   int
}

// CompanyUpdate carries the fields to change; nil fields stay as they are.
type CompanyUpdate struct {
	Name    *string
	Domain  *string
	Country *string
	City    *string
	OwnerID *int64
}

// Apply copies the set fields of u onto c.
func (u CompanyUpdate) Apply(c *Company) {
	set(&c.Name, u.Name)
	set(&c.Domain, u.Domain)
	set(&c.Country, u.Country)
	set(&c.City, u.City)
	set(&c.OwnerID, u.OwnerID)
}

// CompanyService stores companies.
type CompanyService interface {
	FindCompanyByID(ctx context.Context, id int64) (*Company, error)
	FindCompanies(ctx context.Context, f CompanyFilter) ([]*Company, int, error)
	// FindOrCreateCompany returns the company with this name (case-insensitive),
	// creating it if there is none.
	FindOrCreateCompany(ctx context.Context, name string) (*Company, error)
	CreateCompany(ctx context.Context, c *Company) error
	UpdateCompany(ctx context.Context, id int64, u CompanyUpdate) (*Company, error)
	// DeleteCompany removes the company; its people stay, without a company.
	DeleteCompany(ctx context.Context, id int64) error
}
