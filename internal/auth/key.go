package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"smartmaint"
)

// CreateAPIKey creates an API key for the tenant of the principal in ctx and
// returns its secret (shown once, stored only as HashToken) and the stored
// key. The principal needs PermKeysManage, and may only grant scopes it
// holds itself: asking for more is EFORBIDDEN naming the field "scopes".
// expiresAt, when set, must be in the future. The store audits the creation.
func (a *Authenticator) CreateAPIKey(ctx context.Context, name string, scopes []string, expiresAt *time.Time) (string, *smartmaint.APIKey, error) {
	p := smartmaint.PrincipalFromContext(ctx)
	switch {
	case p == nil:
		return "", nil, smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Sign in first.")
	case !p.HasPermission(smartmaint.PermKeysManage):
		return "", nil, smartmaint.Errorf(smartmaint.EFORBIDDEN, "Creating API keys needs the %s permission.", smartmaint.PermKeysManage)
	case p.TenantID == "":
		return "", nil, smartmaint.Errorf(smartmaint.EFORBIDDEN, "API keys belong to an organisation; act in one to create them.")
	}
	scopes = dedupe(scopes)
	if err := smartmaint.ValidateScopes(scopes); err != nil {
		return "", nil, err
	}
	if err := checkGrantable(p, scopes); err != nil {
		return "", nil, err
	}
	now := a.now()
	var expires *time.Time
	if expiresAt != nil {
		if !expiresAt.After(now) {
			return "", nil, smartmaint.FieldErrorf("expires_at", "must be in the future")
		}
		t := expiresAt.UTC()
		expires = &t
	}
	secret, prefix := NewAPIKey()
	k := &smartmaint.APIKey{TenantID: p.TenantID, Name: strings.TrimSpace(name), Prefix: prefix, Hash: HashToken(secret),
		Scopes: scopes, CreatedBy: p.ID, CreatedAt: now, ExpiresAt: expires}
	if err := k.Validate(); err != nil {
		return "", nil, err
	}
	if err := a.Store.CreateAPIKey(smartmaint.NewContextWithTenant(ctx, p.TenantID), k); err != nil {
		return "", nil, fmt.Errorf("auth: create API key: %w", err)
	}
	return secret, k, nil
}

// checkGrantable refuses scopes that p does not hold itself.
func checkGrantable(p *smartmaint.Principal, scopes []string) error {
	var missing []string
	for _, s := range scopes {
		if !p.HasPermission(s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	reason := fmt.Sprintf("you cannot grant permissions you do not hold: %s", strings.Join(missing, ", "))
	return &smartmaint.Error{Code: smartmaint.EFORBIDDEN, Message: "scopes: " + reason,
		Details: []smartmaint.FieldError{{Field: "scopes", Reason: reason}}}
}

// dedupe returns ss without repeats, in first-seen order.
func dedupe(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
