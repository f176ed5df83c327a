package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"smartmaint"
)

var _ smartmaint.UserService = (*DB)(nil)

const userColumns = `id, email, name, platform_operator, disabled, password_hash, failed_logins, locked_until,
	last_login_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*smartmaint.User, error) {
	var u smartmaint.User
	var locked, last sql.NullInt64
	var created, updated int64
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.PlatformOperator, &u.Disabled, &u.PasswordHash,
		&u.FailedLogins, &locked, &last, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.LockedUntil, u.LastLoginAt = timePtr(locked), timePtr(last)
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &u, nil
}

// timePtr returns a stored time, or nil for NULL.
func timePtr(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := fromMicros(us.Int64)
	return &t
}

// nullMicros returns *t in microseconds, or NULL for nil.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// truncPtr returns t in UTC at the stored precision (nil stays nil).
func truncPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := fromMicros(micros(*t))
	return &u
}

var errUserNotFound = smartmaint.Errorf(smartmaint.ENOTFOUND, "User not found.")

// userCreated is the audit summary of CreateUser.
type userCreated struct {
	*smartmaint.User
	Role string `json:"role,omitempty"`
}

// CreateUser normalises the email, generates a UUIDv7 ID when empty,
// validates u and stores it with CreatedAt and UpdatedAt from the store
// clock; ECONFLICT when the email (field "email") or the ID is taken. With a
// role, u also becomes a member of the tenant in ctx (EUNAUTHORIZED without
// one, EINVALID for an unknown role, ENOTFOUND for an unknown tenant), in the
// same transaction: nothing is stored unless both are. The user.create audit
// entry (with the role) goes to the chain of the tenant in ctx, or the
// platform's without one.
func (db *DB) CreateUser(ctx context.Context, u *smartmaint.User, role string) error {
	tenant := smartmaint.TenantFromContext(ctx)
	if role != "" {
		if _, err := smartmaint.RequireTenant(ctx); err != nil {
			return err
		}
		if _, err := smartmaint.RolePermissions(role); err != nil {
			return err
		}
	}
	u.Email = smartmaint.NormalizeEmail(u.Email)
	if u.ID == "" {
		u.ID = uuid.Must(uuid.NewV7()).String()
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := smartmaint.ValidateID("id", u.ID); err != nil {
		return err
	}
	now := fromMicros(micros(db.now()))
	created := *u
	created.CreatedAt, created.UpdatedAt = now, now
	created.LockedUntil, created.LastLoginAt = truncPtr(u.LockedUntil), truncPtr(u.LastLoginAt)
	err := db.w.do(ctx, 1, func(tx *wtx) error {
		if err := insertUser(tx, &created); err != nil {
			return err
		}
		if role != "" {
			if err := insertMembership(tx, u.ID, tenant, role, now); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, tenant, "user.create", "user", u.ID, userCreated{User: &created, Role: role})
	})
	if err != nil {
		return err
	}
	*u = created
	return nil
}

// insertUser inserts u; ECONFLICT naming the field when its email or its ID
// is taken (the writer runs one job at a time, so checking first is safe).
func insertUser(tx *wtx, u *smartmaint.User) error {
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM users WHERE email = ?`, u.Email).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &smartmaint.Error{Code: smartmaint.ECONFLICT, Message: "email: is taken by another account",
			Details: []smartmaint.FieldError{{Field: "email", Reason: "is taken by another account"}}}
	}
	_, err := tx.exec(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.PlatformOperator, u.Disabled, u.PasswordHash, u.FailedLogins,
		nullMicros(u.LockedUntil), nullMicros(u.LastLoginAt), micros(u.CreatedAt), micros(u.UpdatedAt))
	if isConstraint(err) {
		return smartmaint.Errorf(smartmaint.ECONFLICT, "User %q already exists.", u.ID)
	}
	return err
}

// FindUserByID returns the user; ENOTFOUND if there is none.
func (db *DB) FindUserByID(ctx context.Context, id string) (*smartmaint.User, error) {
	return db.findUser(ctx, "id", id)
}

// FindUserByEmail returns the user with the normalised email; ENOTFOUND if
// there is none.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*smartmaint.User, error) {
	return db.findUser(ctx, "email", smartmaint.NormalizeEmail(email))
}

// findUser returns the user whose column (id or email) is v.
func (db *DB) findUser(ctx context.Context, column, v string) (*smartmaint.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+column+` = ?`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUserNotFound
	}
	return u, db.fail(err)
}

// findUserTx returns the user with the ID as the writer's transaction sees it.
func findUserTx(tx *wtx, id string) (*smartmaint.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUserNotFound
	}
	return u, err
}

// UpdateUser applies upd to the user and returns it. The user.update audit
// entry lists the changed fields and records a new password hash as
// "password_changed" only; it goes to the chain of the tenant in ctx, or the
// platform's without one.
func (db *DB) UpdateUser(ctx context.Context, id string, upd smartmaint.UserUpdate) (*smartmaint.User, error) {
	var out *smartmaint.User
	err := db.w.do(ctx, 1, func(tx *wtx) error {
		u, err := findUserTx(tx, id)
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
		u.UpdatedAt = fromMicros(micros(db.now()))
		_, err = tx.exec(`UPDATE users SET name = ?, disabled = ?, platform_operator = ?, password_hash = ?, updated_at = ?
			WHERE id = ?`, u.Name, u.Disabled, u.PlatformOperator, u.PasswordHash, micros(u.UpdatedAt), id)
		if err != nil {
			return err
		}
		summary := changes(&before, u)
		summary.PasswordChanged = u.PasswordHash != before.PasswordHash
		out = u
		return db.audit(ctx, tx, smartmaint.TenantFromContext(ctx), "user.update", "user", id, summary)
	})
	return out, err
}

// RecordLoginFailure adds one to the user's failed sign-ins and sets
// LockedUntil to lock(the new count), in one job of the single writer, so
// concurrent failures are serialised and each one counts. lock runs on the
// writer's goroutine and must not call the store. Not audited (the caller
// audits sign-ins).
func (db *DB) RecordLoginFailure(ctx context.Context, userID string, lock func(failures int) *time.Time) (int, *time.Time, error) {
	var n int
	var until *time.Time
	err := db.w.do(ctx, 1, func(tx *wtx) error {
		err := tx.queryRow(`UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`,
			userID).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return errUserNotFound
		} else if err != nil {
			return err
		}
		until = truncPtr(lock(n))
		_, err = tx.exec(`UPDATE users SET locked_until = ? WHERE id = ?`, nullMicros(until), userID)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return n, until, nil
}

// RecordLoginSuccess resets the failure count and lock and sets LastLoginAt
// to at. Not audited (the caller audits sign-ins).
func (db *DB) RecordLoginSuccess(ctx context.Context, userID string, at time.Time) error {
	return db.w.do(ctx, 1, func(tx *wtx) error {
		res, err := tx.exec(`UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`,
			micros(at), userID)
		if err != nil {
			return err
		}
		return requireRow(res, errUserNotFound)
	})
}

// requireRow returns notFound unless the statement changed a row.
func requireRow(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// CountUsers counts every user of the platform.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, db.fail(err)
}
