package auth

import (
	"context"
	"fmt"

	"smartmaint"
)

// Logout ends the session of token; the next AuthenticateSession with it
// fails. Logging out of a session that was already revoked succeeds; a
// malformed or unknown token is EUNAUTHORIZED. The sign-out is audited in
// the session's tenant chain.
func (a *Authenticator) Logout(ctx context.Context, token string) error {
	if err := ParseSessionToken(token); err != nil {
		return err
	}
	s, err := a.Store.FindSessionByTokenHash(ctx, HashToken(token))
	if smartmaint.ErrorCode(err) == smartmaint.ENOTFOUND {
		return errSessionInvalid()
	} else if err != nil {
		return fmt.Errorf("auth: find session: %w", err)
	}
	if s.RevokedAt != nil {
		return nil
	}
	if err := a.Store.RevokeSession(ctx, s.UserID, s.ID, a.now()); err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	return a.audit(ctx, s.TenantID, actor{kind: actorUser, id: s.UserID}, "auth.logout", "session", s.ID, nil)
}

// Sessions lists the active sessions of the user in ctx (a user principal).
func (a *Authenticator) Sessions(ctx context.Context) ([]*smartmaint.Session, error) {
	p, err := userPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return a.Store.FindUserSessions(ctx, p.ID, a.now())
}

// RevokeSession ends one session of the user in ctx (a user principal);
// ENOTFOUND when the user has no session with that ID. It is audited as
// "auth.session_revoked" in the chain of the tenant in ctx.
func (a *Authenticator) RevokeSession(ctx context.Context, id string) error {
	p, err := userPrincipal(ctx)
	if err != nil {
		return err
	}
	if err := a.Store.RevokeSession(ctx, p.ID, id, a.now()); err != nil {
		return err
	}
	return a.audit(ctx, p.TenantID, actor{kind: actorUser, id: p.ID}, "auth.session_revoked", "session", id, nil)
}

// userPrincipal returns the user principal in ctx: EUNAUTHORIZED without
// one, EFORBIDDEN for an API key.
func userPrincipal(ctx context.Context) (*smartmaint.Principal, error) {
	p := smartmaint.PrincipalFromContext(ctx)
	switch {
	case p == nil:
		return nil, smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Sign in first.")
	case p.Kind != actorUser:
		return nil, smartmaint.Errorf(smartmaint.EFORBIDDEN, "Only a signed-in user can do this, not an API key.")
	}
	return p, nil
}
