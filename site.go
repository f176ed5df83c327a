package smartmaint

import (
	"context"
	"time"
)

// Site is a plant or a location that holds assets.
type Site struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Timezone    string         `json:"timezone,omitempty"` // IANA name, e.g. "Europe/Lisbon"
	Metadata    map[string]any `json:"metadata,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Validate returns an EINVALID error naming every problem with s.
func (s *Site) Validate() error {
	var name error
	if s.Name == "" {
		name = FieldErrorf("name", "is required")
	} else {
		name = validateText("name", s.Name, 200)
	}
	var tz error
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			tz = FieldErrorf("timezone", "%q is not an IANA time zone name", s.Timezone)
		}
	}
	return joinErrors(ValidateID("id", s.ID), name, validateText("description", s.Description, 2000), tz)
}

// SiteUpdate lists the fields of a site that can change; nil means keep.
type SiteUpdate struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Timezone    *string         `json:"timezone"`
	Metadata    *map[string]any `json:"metadata"`
}

// Apply copies the non-nil fields of upd onto s.
func (upd SiteUpdate) Apply(s *Site) {
	setIf(&s.Name, upd.Name)
	setIf(&s.Description, upd.Description)
	setIf(&s.Timezone, upd.Timezone)
	setIf(&s.Metadata, upd.Metadata)
}

// SiteFilter selects sites. Zero values select everything.
type SiteFilter struct {
	Limit  int // 0 means DefaultPageSize
	Offset int
}

// SiteService manages the sites of the tenant in ctx.
type SiteService interface {
	FindSiteByID(ctx context.Context, id string) (*Site, error)
	FindSites(ctx context.Context, filter SiteFilter) ([]*Site, int, error)
	// CreateSite generates an ID when s.ID is empty; ECONFLICT if the ID exists.
	CreateSite(ctx context.Context, s *Site) error
	UpdateSite(ctx context.Context, id string, upd SiteUpdate) (*Site, error)
	// DeleteSite fails with ECONFLICT while assets still reference the site.
	DeleteSite(ctx context.Context, id string) error
}

// DefaultPageSize and MaxPageSize bound list endpoints.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
