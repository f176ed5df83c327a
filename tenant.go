package smartmaint

import (
	"context"
	"time"
)

// Default retention periods, as the original system kept raw readings.
const (
	DefaultRawRetentionDays    = 180
	DefaultRollupRetentionDays = 730
)

// Tenant is an organisation. Every stored object belongs to exactly one.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`

	// RawRetentionDays is how long raw readings are kept; RollupRetentionDays
	// how long the 1-minute and 1-hour aggregates are kept.
	RawRetentionDays    int `json:"raw_retention_days"`
	RollupRetentionDays int `json:"rollup_retention_days"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate returns an EINVALID error naming every problem with t.
func (t *Tenant) Validate() error {
	var retention error
	if t.RawRetentionDays < 1 {
		retention = FieldErrorf("raw_retention_days", "must be at least 1")
	} else if t.RollupRetentionDays < t.RawRetentionDays {
		retention = FieldErrorf("rollup_retention_days", "must be at least raw_retention_days (%d)", t.RawRetentionDays)
	}
	var name error
	if t.Name == "" {
		name = FieldErrorf("name", "is required")
	} else {
		name = validateText("name", t.Name, 200)
	}
	return joinErrors(ValidateID("id", t.ID), name, retention)
}

// TenantUpdate lists the fields of a tenant that can change; nil means keep.
type TenantUpdate struct {
	Name                *string `json:"name"`
	RawRetentionDays    *int    `json:"raw_retention_days"`
	RollupRetentionDays *int    `json:"rollup_retention_days"`
}

// TenantService manages tenants. Unlike the other services it is not scoped by
// the tenant in ctx: it is used by platform operators and by the server itself.
type TenantService interface {
	FindTenantByID(ctx context.Context, id string) (*Tenant, error)
	FindTenants(ctx context.Context) ([]*Tenant, error)
	// CreateTenant fills in default retention when zero; ECONFLICT if the ID exists.
	CreateTenant(ctx context.Context, t *Tenant) error
	UpdateTenant(ctx context.Context, id string, upd TenantUpdate) (*Tenant, error)
}
