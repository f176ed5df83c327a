package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"smartmaint"
)

// insertMembership makes the user a member of tenant with role, created at
// now; ENOTFOUND when the tenant does not exist.
func insertMembership(tx *wtx, userID, tenant, role string, now time.Time) error {
	if err := checkTenant(tx, tenant); err != nil {
		return err
	}
	_, err := tx.exec(`INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES (?, ?, ?, ?)`,
		userID, tenant, role, micros(now))
	return err
}

// checkTenant returns ENOTFOUND unless the tenant exists.
func checkTenant(tx *wtx, tenant string) error {
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM tenants WHERE id = ?`, tenant).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "Tenant not found.")
	}
	return nil
}

// SetMembership gives the user role in the tenant in ctx, creating or
// changing the membership (a change keeps CreatedAt); ENOTFOUND for an
// unknown user or tenant. The membership.set audit entry holds the new
// membership, or the role change.
func (db *DB) SetMembership(ctx context.Context, userID, role string) (*smartmaint.Membership, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := smartmaint.RolePermissions(role); err != nil {
		return nil, err
	}
	var out *smartmaint.Membership
	err = db.w.do(ctx, 1, func(tx *wtx) error {
		if _, err := findUserTx(tx, userID); err != nil {
			return err
		}
		if err := checkTenant(tx, tenant); err != nil {
			return err
		}
		var old string
		var created int64
		err := tx.queryRow(`SELECT role, created_at FROM memberships WHERE user_id = ? AND tenant_id = ?`,
			userID, tenant).Scan(&old, &created)
		if errors.Is(err, sql.ErrNoRows) {
			created = micros(db.now())
		} else if err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role`, userID, tenant, role, created)
		if err != nil {
			return err
		}
		m := &smartmaint.Membership{UserID: userID, TenantID: tenant, Role: role, CreatedAt: fromMicros(created)}
		out = m
		var summary any = m
		if old != "" {
			summary = changes(&smartmaint.Membership{UserID: userID, TenantID: tenant, Role: old, CreatedAt: m.CreatedAt}, m)
		}
		return db.audit(ctx, tx, tenant, "membership.set", "membership", userID, summary)
	})
	return out, err
}

// DeleteMembership removes the user from the tenant in ctx; ENOTFOUND when
// the user is not a member of that tenant (whatever other tenants hold). The
// membership.delete audit entry names the user, the email and the role.
func (db *DB) DeleteMembership(ctx context.Context, userID string) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	return db.w.do(ctx, 1, func(tx *wtx) error {
		var role, email string
		err := tx.queryRow(`SELECT m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.user_id = ? AND m.tenant_id = ?`, userID, tenant).Scan(&role, &email)
		if errors.Is(err, sql.ErrNoRows) {
			return smartmaint.Errorf(smartmaint.ENOTFOUND, "Member not found.")
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM memberships WHERE user_id = ? AND tenant_id = ?`, userID, tenant); err != nil {
			return err
		}
		return db.audit(ctx, tx, tenant, "membership.delete", "membership", userID,
			map[string]string{"user_id": userID, "email": email, "role": role})
	})
}

// FindMembers lists the members of the tenant in ctx with their users,
// ordered by email.
func (db *DB) FindMembers(ctx context.Context) ([]*smartmaint.Member, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+prefixed("u.", userColumns)+`, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = ? ORDER BY u.email`, tenant)
	if err != nil {
		return nil, db.fail(err)
	}
	defer rows.Close()
	out := []*smartmaint.Member{}
	for rows.Next() {
		var m smartmaint.Member
		if m.User, err = scanUser(rows, &m.Role); err != nil {
			return nil, db.fail(err)
		}
		out = append(out, &m)
	}
	return out, db.fail(rows.Err())
}

// FindMemberships lists the user's memberships in every tenant, ordered by
// tenant ID (none for an unknown user).
func (db *DB) FindMemberships(ctx context.Context, userID string) ([]*smartmaint.Membership, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT user_id, tenant_id, role, created_at FROM memberships
		WHERE user_id = ? ORDER BY tenant_id`, userID)
	if err != nil {
		return nil, db.fail(err)
	}
	defer rows.Close()
	out := []*smartmaint.Membership{}
	for rows.Next() {
		var m smartmaint.Membership
		var created int64
		if err := rows.Scan(&m.UserID, &m.TenantID, &m.Role, &created); err != nil {
			return nil, db.fail(err)
		}
		m.CreatedAt = fromMicros(created)
		out = append(out, &m)
	}
	return out, db.fail(rows.Err())
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
