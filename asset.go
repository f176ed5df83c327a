package smartmaint

import (
	"context"
	"time"
)

// Asset is a piece of equipment: a pump, a motor, a compressor.
type Asset struct {
	ID     string `json:"id"`
	SiteID string `json:"site_id,omitempty"`
	Name   string `json:"name"`
	Type   string `json:"type,omitempty"` // free text: "pump", "motor", "hvac", …

	// Criticality ranks the consequence of a failure, 1 (minor) to 5 (safety
	// or production critical). Zero on create means the default, 3.
	Criticality int            `json:"criticality"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// DefaultCriticality is the criticality of an asset created without one.
const DefaultCriticality = 3

// Validate returns an EINVALID error naming every problem with a.
func (a *Asset) Validate() error {
	var name, site, crit error
	if a.Name == "" {
		name = FieldErrorf("name", "is required")
	} else {
		name = validateText("name", a.Name, 200)
	}
	if a.SiteID != "" {
		site = ValidateID("site_id", a.SiteID)
	}
	if a.Criticality < 1 || a.Criticality > 5 {
		crit = FieldErrorf("criticality", "must be between 1 and 5, got %d", a.Criticality)
	}
	return joinErrors(ValidateID("id", a.ID), name, site, crit, validateText("type", a.Type, 100))
}

// AssetUpdate lists the fields of an asset that can change; nil means keep.
type AssetUpdate struct {
	SiteID      *string         `json:"site_id"`
	Name        *string         `json:"name"`
	Type        *string         `json:"type"`
	Criticality *int            `json:"criticality"`
	Metadata    *map[string]any `json:"metadata"`
}

// Apply copies the non-nil fields of upd onto a.
func (upd AssetUpdate) Apply(a *Asset) {
	setIf(&a.SiteID, upd.SiteID)
	setIf(&a.Name, upd.Name)
	setIf(&a.Type, upd.Type)
	setIf(&a.Criticality, upd.Criticality)
	setIf(&a.Metadata, upd.Metadata)
}

// AssetFilter selects assets. Zero values select everything.
type AssetFilter struct {
	SiteID string
	Type   string
	Limit  int
	Offset int
}

// AssetService manages the assets of the tenant in ctx.
type AssetService interface {
	FindAssetByID(ctx context.Context, id string) (*Asset, error)
	FindAssets(ctx context.Context, filter AssetFilter) ([]*Asset, int, error)
	// CreateAsset generates an ID when a.ID is empty and sets the default
	// criticality when it is zero; EINVALID if SiteID names no site of the
	// tenant; ECONFLICT if the ID exists.
	CreateAsset(ctx context.Context, a *Asset) error
	UpdateAsset(ctx context.Context, id string, upd AssetUpdate) (*Asset, error)
	// DeleteAsset detaches the asset's sensors (their AssetID becomes "").
	DeleteAsset(ctx context.Context, id string) error
}
