package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"smartmaint"
)

var _ smartmaint.SessionService = (*DB)(nil)

const sessionColumns = `id, token_hash, user_id, coalesce(tenant_id, ''), csrf_token, created_at, last_seen_at,
	expires_at, idle_timeout_ns, user_agent, client_ip, revoked_at`

var errSessionNotFound = smartmaint.Errorf(smartmaint.ENOTFOUND, "Session not found.")

func scanSession(row interface{ Scan(...any) error }) (*smartmaint.Session, error) {
	var s smartmaint.Session
	var created, seen, expires, idle int64
	var revoked sql.NullInt64
	err := row.Scan(&s.ID, &s.TokenHash, &s.UserID, &s.TenantID, &s.CSRFToken, &created, &seen, &expires, &idle,
		&s.UserAgent, &s.ClientIP, &revoked)
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	s.IdleTimeout, s.RevokedAt = time.Duration(idle), timePtr(revoked)
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
		s.ID = uuid.Must(uuid.NewV7()).String()
	}
	trunc := func(t time.Time) time.Time { return fromMicros(micros(t)) }
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = trunc(s.CreatedAt), trunc(s.LastSeenAt), trunc(s.ExpiresAt)
	s.RevokedAt = truncPtr(s.RevokedAt)
	return db.w.do(ctx, 1, func(tx *wtx) error {
		if _, err := findUserTx(tx, s.UserID); err != nil {
			return err
		}
		if s.TenantID != "" {
			if err := checkTenant(tx, s.TenantID); err != nil {
				return err
			}
		}
		_, err := tx.exec(`INSERT INTO sessions (id, token_hash, user_id, tenant_id, csrf_token, created_at,
			last_seen_at, expires_at, idle_timeout_ns, user_agent, client_ip, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.ID, s.TokenHash, s.UserID, nullString(s.TenantID), s.CSRFToken, micros(s.CreatedAt), micros(s.LastSeenAt),
			micros(s.ExpiresAt), int64(s.IdleTimeout), s.UserAgent, s.ClientIP, nullMicros(s.RevokedAt))
		if isConstraint(err) {
			return smartmaint.Errorf(smartmaint.ECONFLICT, "Session already exists.")
		}
		return err
	})
}

// FindSessionByTokenHash returns the session with the hash, active or not,
// whatever its tenant; ENOTFOUND when there is none.
func (db *DB) FindSessionByTokenHash(ctx context.Context, tokenHash string) (*smartmaint.Session, error) {
	if tokenHash == "" {
		return nil, errSessionNotFound
	}
	s, err := scanSession(db.readRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSessionNotFound
	}
	return s, db.fail(err)
}

// TouchSession sets the session's LastSeenAt to now; ENOTFOUND for an
// unknown session.
func (db *DB) TouchSession(ctx context.Context, id string, now time.Time) error {
	return db.w.do(ctx, 1, func(tx *wtx) error {
		res, err := tx.exec(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`, micros(now), id)
		if err != nil {
			return err
		}
		return requireRow(res, errSessionNotFound)
	})
}

// RevokeSession ends the session id of userID at now (a session revoked
// already keeps its first revocation time); ENOTFOUND when the user has no
// such session.
func (db *DB) RevokeSession(ctx context.Context, userID, id string, now time.Time) error {
	return db.w.do(ctx, 1, func(tx *wtx) error {
		res, err := tx.exec(`UPDATE sessions SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?`,
			micros(now), id, userID)
		if err != nil {
			return err
		}
		return requireRow(res, errSessionNotFound)
	})
}

// RevokeUserSessions ends every session of the user not revoked yet, at now.
func (db *DB) RevokeUserSessions(ctx context.Context, userID string, now time.Time) error {
	return db.w.do(ctx, 1, func(tx *wtx) error {
		_, err := tx.exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, micros(now), userID)
		return err
	})
}

// FindUserSessions lists the user's sessions that are active at now (see
// Session.Active), oldest first.
func (db *DB) FindUserSessions(ctx context.Context, userID string, now time.Time) ([]*smartmaint.Session, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id`, userID, micros(now))
	if err != nil {
		return nil, db.fail(err)
	}
	defer rows.Close()
	out := []*smartmaint.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, db.fail(err)
		}
		if s.Active(now) {
			out = append(out, s)
		}
	}
	return out, db.fail(rows.Err())
}
