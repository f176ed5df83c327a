package smartmaint

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie carries a random token; the
// store keeps only its SHA-256 (TokenHash), so a copy of the database cannot
// be used to sign in.
type Session struct {
	ID        string `json:"id"`
	TokenHash string `json:"-"`
	UserID    string `json:"user_id"`
	TenantID  string `json:"tenant_id"` // the tenant the session acts in
	// CSRFToken must accompany every state-changing request of the session
	// (X-CSRF-Token header).
	CSRFToken string `json:"-"`

	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	// ExpiresAt is the absolute expiry; IdleTimeout ends the session earlier
	// when unused.
	ExpiresAt   time.Time     `json:"expires_at"`
	IdleTimeout time.Duration `json:"-"`

	UserAgent string     `json:"user_agent,omitempty"`
	ClientIP  string     `json:"client_ip,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the session may still be used at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(s.IdleTimeout))
}

// SessionService stores sessions. Lookups by token hash are platform-wide (the
// tenant is not known until the session is found); the rest act on the
// sessions of one user. Stores persist every field, IdleTimeout included, and
// do not audit these methods: the sign-in code does.
type SessionService interface {
	CreateSession(ctx context.Context, s *Session) error
	// FindSessionByTokenHash returns the session, active or not; ENOTFOUND
	// when no session has the hash.
	FindSessionByTokenHash(ctx context.Context, tokenHash string) (*Session, error)
	// TouchSession records use at now.
	TouchSession(ctx context.Context, id string, now time.Time) error
	// RevokeSession ends a session of userID; ENOTFOUND when the user has no
	// such session.
	RevokeSession(ctx context.Context, userID, id string, now time.Time) error
	// RevokeUserSessions ends every session of the user (password change,
	// account disabled).
	RevokeUserSessions(ctx context.Context, userID string, now time.Time) error
	// FindUserSessions lists the user's sessions that are still active at now.
	FindUserSessions(ctx context.Context, userID string, now time.Time) ([]*Session, error)
}
