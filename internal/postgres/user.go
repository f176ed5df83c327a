package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.UserService = (*DB)(nil)

const userColumns = `id, email, name, platform_operator, disabled, password_hash, failed_logins, locked_until,
	last_login_at, created_at, updated_at`

func scanUser(row pgx.Row, extra ...any) (*smartmaint.User, error) {
	var u smartmaint.User
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.PlatformOperator, &u.Disabled, &u.PasswordHash,
		&u.FailedLogins, &u.LockedUntil, &u.LastLoginAt, &u.CreatedAt, &u.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	u.LockedUntil, u.LastLoginAt = utcPtr(u.LockedUntil), utcPtr(u.LastLoginAt)
	return &u, nil
}

// utcPtr returns t in UTC (nil stays nil).
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// truncPtr returns t in UTC at the stored precision (nil stays nil).
func truncPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(smartmaint.TimePrecision)
	return &u
}

// userChain returns the audit chain of a user change made with ctx: the
// tenant's in ctx, the platform's without one.
func userChain(ctx context.Context) string { return smartmaint.TenantFromContext(ctx) }

// userCreated is the audit summary of CreateUser.
type userCreated struct {
	*smartmaint.User
	Role string `json:"role,omitempty"`
}

// CreateUser normalises the email, generates an ID when empty, validates u
// and stores it with CreatedAt and UpdatedAt from the store clock; ECONFLICT
// when the email (or the ID) is taken. With a role, u also becomes a member
// of the tenant in ctx (EUNAUTHORIZED without one, EINVALID for an unknown
// role, ENOTFOUND for an unknown tenant), in the same transaction: nothing
// is stored unless both are. The user.create audit entry (with the role) goes
// to the chain of the tenant in ctx, or the platform's without one.
func (db *DB) CreateUser(ctx context.Context, u *smartmaint.User, role string) error {
	tenant := smartmaint.TenantFromContext(ctx)
	if role != "" {
		if _, err := requireTenant(ctx); err != nil {
			return err
		}
		if _, err := smartmaint.RolePermissions(role); err != nil {
			return err
		}
	}
	u.Email = smartmaint.NormalizeEmail(u.Email)
	if u.ID == "" {
		u.ID = newID()
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := smartmaint.ValidateID("id", u.ID); err != nil {
		return err
	}
	now := db.now()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
			u.ID, u.Email, u.Name, u.PlatformOperator, u.Disabled, u.PasswordHash, u.FailedLogins,
			truncPtr(u.LockedUntil), truncPtr(u.LastLoginAt), now)
		if err != nil {
			return userWriteError(err, u)
		}
		if role != "" {
			_, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES ($1, $2, $3, $4)`,
				u.ID, tenant, role, now)
			if err != nil {
				return classify(err, "Membership", u.ID)
			}
		}
		created := *u
		created.CreatedAt, created.UpdatedAt = now, now
		created.LockedUntil, created.LastLoginAt = truncPtr(u.LockedUntil), truncPtr(u.LastLoginAt)
		return db.audit(ctx, tx, tenant, "user.create", "user", u.ID, userCreated{User: &created, Role: role})
	})
	if err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt = now, now
	u.LockedUntil, u.LastLoginAt = truncPtr(u.LockedUntil), truncPtr(u.LastLoginAt)
	return nil
}

// userWriteError turns a unique violation into ECONFLICT naming the email or
// the ID.
func userWriteError(err error, u *smartmaint.User) error {
	if pgCode(err) == codeUniqueViolation {
		if pgConstraint(err) == "users_email_key" {
			return &smartmaint.Error{Code: smartmaint.ECONFLICT, Message: "email: is taken by another account",
				Details: []smartmaint.FieldError{{Field: "email", Reason: "is taken by another account"}}}
		}
		return smartmaint.Errorf(smartmaint.ECONFLICT, "User %q already exists.", u.ID)
	}
	return wrap("write user", err)
}

// FindUserByID returns the user; ENOTFOUND if there is none.
func (db *DB) FindUserByID(ctx context.Context, id string) (*smartmaint.User, error) {
	return findUser(ctx, db.pool, "id", id, false)
}

// FindUserByEmail returns the user with the normalised email; ENOTFOUND if
// there is none.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*smartmaint.User, error) {
	return findUser(ctx, db.pool, "email", smartmaint.NormalizeEmail(email), false)
}

// findUser returns the user whose column (id or email) is v.
func findUser(ctx context.Context, q querier, column, v string, lock bool) (*smartmaint.User, error) {
	sql := `SELECT ` + userColumns + ` FROM users WHERE ` + column + ` = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	u, err := scanUser(q.QueryRow(ctx, sql, v))
	if noRows(err) {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "User not found.")
	}
	return u, wrap("find user", err)
}

// UpdateUser applies upd to the user and returns it. The user.update audit
// entry lists the changed fields and records a new password hash as
// "password_changed" only; it goes to the chain of the tenant in ctx, or the
// platform's without one.
func (db *DB) UpdateUser(ctx context.Context, id string, upd smartmaint.UserUpdate) (*smartmaint.User, error) {
	var out *smartmaint.User
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		u, err := findUser(ctx, tx, "id", id, true)
		if err != nil {
			return err
		}
		before := *u
		setIf(&u.Name, upd.Name)
		setIf(&u.Disabled, upd.Disabled)
		setIf(&u.PlatformOperator, upd.PlatformOperator)
		setIf(&u.PasswordHash, upd.PasswordHash)
		if err := u.Validate(); err != nil {
			return err
		}
		u.UpdatedAt = db.now()
		_, err = tx.Exec(ctx, `UPDATE users SET name = $2, disabled = $3, platform_operator = $4, password_hash = $5,
			updated_at = $6 WHERE id = $1`, id, u.Name, u.Disabled, u.PlatformOperator, u.PasswordHash, u.UpdatedAt)
		if err != nil {
			return wrap("update user", err)
		}
		summary := changes(&before, u)
		summary.PasswordChanged = u.PasswordHash != before.PasswordHash
		out = u
		return db.audit(ctx, tx, userChain(ctx), "user.update", "user", id, summary)
	})
	return out, err
}

// RecordLoginFailure adds one to the user's failed sign-ins with an atomic
// increment and sets LockedUntil to lock(the new count), in one transaction:
// the increment's row lock queues concurrent failures, so each one counts.
// Not audited (the caller audits sign-ins).
func (db *DB) RecordLoginFailure(ctx context.Context, userID string, lock func(failures int) *time.Time) (int, *time.Time, error) {
	var n int
	var until *time.Time
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1
			RETURNING failed_logins`, userID).Scan(&n)
		if noRows(err) {
			return smartmaint.Errorf(smartmaint.ENOTFOUND, "User not found.")
		} else if err != nil {
			return wrap("record failed sign-in", err)
		}
		until = truncPtr(lock(n))
		_, err = tx.Exec(ctx, `UPDATE users SET locked_until = $2 WHERE id = $1`, userID, until)
		return wrap("record failed sign-in", err)
	})
	if err != nil {
		return 0, nil, err
	}
	return n, until, nil
}

// RecordLoginSuccess resets the failure count and lock and sets LastLoginAt
// to at. Not audited (the caller audits sign-ins).
func (db *DB) RecordLoginSuccess(ctx context.Context, userID string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2
		WHERE id = $1`, userID, at.UTC().Truncate(smartmaint.TimePrecision))
	if err != nil {
		return wrap("record sign-in", err)
	}
	if tag.RowsAffected() == 0 {
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "User not found.")
	}
	return nil
}

// CountUsers counts every user of the platform.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, wrap("count users", err)
}
