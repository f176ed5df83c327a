package auth

import (
	"context"
	"fmt"
	"slices"
	"time"

	"smartmaint"
)

// AuthenticateSession returns the principal of a request that presents a
// session token, and the session (for the CSRF check).
//
// Nothing is cached: the session must exist, not be revoked (Logout), and be
// within its absolute and idle expiry; its user must exist and not be
// disabled; and the permissions come from the user's membership in the
// session's tenant as it is now, so a role change or a removal applies on
// the very next request. Platform operators also hold PermPlatformTenants.
// Every refusal is EUNAUTHORIZED. The session's last-seen time is written
// when it is older than TouchEvery.
func (a *Authenticator) AuthenticateSession(ctx context.Context, token string) (*smartmaint.Principal, *smartmaint.Session, error) {
	if err := ParseSessionToken(token); err != nil {
		return nil, nil, err
	}
	s, err := a.Store.FindSessionByTokenHash(ctx, HashToken(token))
	if smartmaint.ErrorCode(err) == smartmaint.ENOTFOUND {
		return nil, nil, errSessionInvalid()
	} else if err != nil {
		return nil, nil, fmt.Errorf("auth: find session: %w", err)
	}
	now := a.now()
	if !a.sessionActive(s, now) {
		return nil, nil, errSessionInvalid()
	}
	p, err := a.sessionPrincipal(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	if now.Sub(s.LastSeenAt) >= a.touchEvery() {
		if err := a.Store.TouchSession(ctx, s.ID, now); err != nil {
			return nil, nil, fmt.Errorf("auth: touch session: %w", err)
		}
		s.LastSeenAt = now
	}
	return p, s, nil
}

// sessionActive reports whether s may be used at now, under both the limits
// it was created with and the Authenticator's current ones (so lowering
// SessionTTL or IdleTimeout applies to existing sessions at once).
func (a *Authenticator) sessionActive(s *smartmaint.Session, now time.Time) bool {
	return s.Active(now) && now.Before(s.CreatedAt.Add(a.sessionTTL())) && now.Before(s.LastSeenAt.Add(a.idleTimeout()))
}

// sessionPrincipal resolves the user and permissions of a session afresh.
func (a *Authenticator) sessionPrincipal(ctx context.Context, s *smartmaint.Session) (*smartmaint.Principal, error) {
	user, err := a.Store.FindUserByID(ctx, s.UserID)
	if smartmaint.ErrorCode(err) == smartmaint.ENOTFOUND {
		return nil, errSessionInvalid()
	} else if err != nil {
		return nil, fmt.Errorf("auth: find user: %w", err)
	}
	if user.Disabled {
		return nil, smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "This account is disabled.")
	}
	ms, err := a.Store.FindMemberships(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: memberships: %w", err)
	}
	p, err := principalFor(user, ms, s.TenantID)
	if smartmaint.ErrorCode(err) == smartmaint.EFORBIDDEN {
		return nil, smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "You are no longer a member of this organisation. Sign in again.")
	}
	return p, err
}

// principalFor returns the principal of user acting in tenantID, with the
// permissions of the user's role there (none for ""), plus
// PermPlatformTenants for a platform operator. EFORBIDDEN when that leaves
// no permission at all.
func principalFor(user *smartmaint.User, ms []*smartmaint.Membership, tenantID string) (*smartmaint.Principal, error) {
	var perms []string
	if tenantID != "" {
		role := roleIn(ms, tenantID)
		if role == "" {
			return nil, smartmaint.Errorf(smartmaint.EFORBIDDEN, "You are not a member of organisation %q.", tenantID)
		}
		var err error
		if perms, err = smartmaint.RolePermissions(role); err != nil { // a stored role we do not know: a defect, not the caller's
			return nil, fmt.Errorf("auth: membership of user %s in %s has unknown role %q", user.ID, tenantID, role)
		}
	}
	if user.PlatformOperator {
		perms = append(perms, smartmaint.PermPlatformTenants)
	}
	if len(perms) == 0 {
		return nil, smartmaint.Errorf(smartmaint.EFORBIDDEN, "This account is not a member of any organisation.")
	}
	return &smartmaint.Principal{Kind: actorUser, ID: user.ID, TenantID: tenantID, Permissions: perms}, nil
}

// AuthenticateKey returns the principal of a request that presents an API
// key secret (Authorization: Bearer or X-API-Key), and the key.
//
// A malformed secret is refused before any store lookup. The key must exist
// and be neither revoked nor expired, checked on every call, so a revocation
// applies on the very next request. The principal holds the key's scopes
// (those that are still permissions); keys belong to their tenant, not to
// the user who created them, so a change to that user's role does not
// change them (revoke the keys of a member who leaves). The key's last-used
// time is written when it is older than TouchEvery. Every refusal is
// EUNAUTHORIZED.
//
// The lookup is by the SHA-256 of the secret: a caller controls the secret,
// not its hash, so the timing of the lookup tells nothing useful.
func (a *Authenticator) AuthenticateKey(ctx context.Context, secret string) (*smartmaint.Principal, *smartmaint.APIKey, error) {
	if err := ParseAPIKey(secret); err != nil {
		return nil, nil, err
	}
	k, err := a.Store.FindAPIKeyByHash(ctx, HashToken(secret))
	if smartmaint.ErrorCode(err) == smartmaint.ENOTFOUND {
		return nil, nil, errKeyInvalid()
	} else if err != nil {
		return nil, nil, fmt.Errorf("auth: find API key: %w", err)
	}
	now := a.now()
	if !k.Active(now) {
		return nil, nil, smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "This API key has been revoked or has expired.")
	}
	known := smartmaint.TenantPermissions()
	var perms []string
	for _, s := range k.Scopes {
		if slices.Contains(known, s) && !slices.Contains(perms, s) {
			perms = append(perms, s)
		}
	}
	if len(perms) == 0 || k.TenantID == "" {
		return nil, nil, errKeyInvalid()
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= a.touchEvery() {
		if err := a.Store.TouchAPIKey(smartmaint.NewContextWithTenant(ctx, k.TenantID), k.ID, now); err != nil {
			return nil, nil, fmt.Errorf("auth: touch API key: %w", err)
		}
		k.LastUsedAt = &now
	}
	return &smartmaint.Principal{Kind: "key", ID: k.ID, TenantID: k.TenantID, Permissions: perms}, k, nil
}
