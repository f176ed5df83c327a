package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.SessionService = (*DB)(nil)

const sessionColumns = `id, token_hash, user_id, coalesce(tenant_id, ''), csrf_token, created_at, last_seen_at,
	expires_at, idle_timeout_ns, user_agent, client_ip, revoked_at`

func scanSession(row pgx.Row) (*smartmaint.Session, error) {
	var s smartmaint.Session
	var idle int64
	err := row.Scan(&s.ID, &s.TokenHash, &s.UserID, &s.TenantID, &s.CSRFToken, &s.CreatedAt, &s.LastSeenAt,
		&s.ExpiresAt, &idle, &s.UserAgent, &s.ClientIP, &s.RevokedAt)
	if err != nil {
		return nil, err
	}
	s.IdleTimeout = time.Duration(idle)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	s.RevokedAt = utcPtr(s.RevokedAt)
	return &s, nil
}

// CreateSession stores s with every field as given (an ID generated when
// empty; times in UTC at the stored precision, written back to s). EINVALID
// without a token hash, a user or a positive IdleTimeout; ENOTFOUND for an
// unknown user or tenant; ECONFLICT when the ID or token hash exists. Not
// audited (the sign-in code audits).
func (db *DB) CreateSession(ctx context.Context, s *smartmaint.Session) error {
	switch {
	case s.TokenHash == "":
		return smartmaint.FieldErrorf("token_hash", "is required")
	case s.UserID == "":
		return smartmaint.FieldErrorf("user_id", "is required")
	case s.IdleTimeout <= 0:
		return smartmaint.FieldErrorf("idle_timeout", "must be positive")
	}
	if s.ID == "" {
		s.ID = newID()
	}
	trunc := func(t time.Time) time.Time { return t.UTC().Truncate(smartmaint.TimePrecision) }
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = trunc(s.CreatedAt), trunc(s.LastSeenAt), trunc(s.ExpiresAt)
	s.RevokedAt = truncPtr(s.RevokedAt)
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (id, token_hash, user_id, tenant_id, csrf_token, created_at,
		last_seen_at, expires_at, idle_timeout_ns, user_agent, client_ip, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		s.ID, s.TokenHash, s.UserID, nullString(s.TenantID), s.CSRFToken, s.CreatedAt, s.LastSeenAt, s.ExpiresAt,
		int64(s.IdleTimeout), s.UserAgent, s.ClientIP, s.RevokedAt)
	switch c := pgConstraint(err); {
	case err == nil:
		return nil
	case c == "sessions_user_id_fkey":
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "User not found.")
	case c == "sessions_tenant_id_fkey":
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "Tenant not found.")
	case pgCode(err) == codeUniqueViolation:
		return smartmaint.Errorf(smartmaint.ECONFLICT, "Session already exists.")
	}
	return wrap("create session", err)
}

// FindSessionByTokenHash returns the session with the hash, active or not,
// whatever its tenant; ENOTFOUND when there is none.
func (db *DB) FindSessionByTokenHash(ctx context.Context, tokenHash string) (*smartmaint.Session, error) {
	if tokenHash == "" {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "Session not found.")
	}
	s, err := scanSession(db.pool.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = $1`, tokenHash))
	if noRows(err) {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "Session not found.")
	}
	return s, wrap("find session", err)
}

// TouchSession sets the session's LastSeenAt to now; ENOTFOUND for an
// unknown session.
func (db *DB) TouchSession(ctx context.Context, id string, now time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1`,
		id, now.UTC().Truncate(smartmaint.TimePrecision))
	if err != nil {
		return wrap("touch session", err)
	}
	if tag.RowsAffected() == 0 {
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "Session not found.")
	}
	return nil
}

// RevokeSession ends the session id of userID at now (a session revoked
// already keeps its first revocation time); ENOTFOUND when the user has no
// such session.
func (db *DB) RevokeSession(ctx context.Context, userID, id string, now time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET revoked_at = coalesce(revoked_at, $3)
		WHERE id = $1 AND user_id = $2`, id, userID, now.UTC().Truncate(smartmaint.TimePrecision))
	if err != nil {
		return wrap("revoke session", err)
	}
	if tag.RowsAffected() == 0 {
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "Session not found.")
	}
	return nil
}

// RevokeUserSessions ends every session of the user not revoked yet, at now.
func (db *DB) RevokeUserSessions(ctx context.Context, userID string, now time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`,
		userID, now.UTC().Truncate(smartmaint.TimePrecision))
	return wrap("revoke sessions", err)
}

// FindUserSessions lists the user's sessions that are active at now (see
// Session.Active), oldest first.
func (db *DB) FindUserSessions(ctx context.Context, userID string, now time.Time) ([]*smartmaint.Session, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at, id`, userID, now)
	if err != nil {
		return nil, wrap("find sessions", err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.Session, error) { return scanSession(r) })
	if err != nil {
		return nil, wrap("find sessions", err)
	}
	out := all[:0]
	for _, s := range all {
		if s.Active(now) {
			out = append(out, s)
		}
	}
	return out, nil
}
