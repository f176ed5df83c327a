package smartmaint

import (
	"context"
	"time"
)

// APIKey lets a machine or a script call the API for one tenant with a fixed
// set of permissions (its scopes). The secret is shown once at creation; the
// store keeps its SHA-256 (Hash) and a visible Prefix to recognise it by.
type APIKey struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"tenant_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Hash       string     `json:"-"`
	Scopes     []string   `json:"scopes"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the key may be used at now.
func (k *APIKey) Active(now time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt))
}

// Validate returns an EINVALID error naming every problem with k.
func (k *APIKey) Validate() error {
	var name error
	if k.Name == "" {
		name = FieldErrorf("name", "is required")
	} else {
		name = validateText("name", k.Name, 200)
	}
	return joinErrors(name, ValidateScopes(k.Scopes))
}

// APIKeyService stores API keys. FindAPIKeyByHash is platform-wide (it is how
// a request finds its tenant); the rest act on the tenant in ctx.
// CreateAPIKey and RevokeAPIKey append their audit entry in their own
// transaction; TouchAPIKey is not audited.
type APIKeyService interface {
	// CreateAPIKey stores k for the tenant in ctx (ID generated when empty).
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// FindAPIKeys lists the tenant's keys, revoked ones included.
	FindAPIKeys(ctx context.Context) ([]*APIKey, error)
	FindAPIKeyByID(ctx context.Context, id string) (*APIKey, error)
	// FindAPIKeyByHash returns the key with the hash, active or not.
	FindAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// RevokeAPIKey revokes a key of the tenant in ctx at now.
	RevokeAPIKey(ctx context.Context, id string, now time.Time) (*APIKey, error)
	// TouchAPIKey records use at now.
	TouchAPIKey(ctx context.Context, id string, now time.Time) error
}
