package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

// SetMembership gives the user role in the tenant in ctx, creating or
// changing the membership; ENOTFOUND for an unknown user or tenant. The
// membership.set audit entry holds the new membership, or the role change.
func (db *DB) SetMembership(ctx context.Context, userID, role string) (*smartmaint.Membership, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := smartmaint.RolePermissions(role); err != nil {
		return nil, err
	}
	var out *smartmaint.Membership
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := findUser(ctx, tx, "id", userID, false); err != nil {
			return err
		}
		var old string
		err := tx.QueryRow(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND tenant_id = $2 FOR UPDATE`,
			userID, tenant).Scan(&old)
		if err != nil && !noRows(err) {
			return wrap("find membership", err)
		}
		m := &smartmaint.Membership{UserID: userID, TenantID: tenant, Role: role}
		err = tx.QueryRow(ctx, `
			INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = EXCLUDED.role
			RETURNING created_at`, userID, tenant, role, db.now()).Scan(&m.CreatedAt)
		if err != nil {
			return classify(err, "Membership", userID)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = m
		var summary any = m
		if old != "" {
			summary = changes(&smartmaint.Membership{UserID: userID, TenantID: tenant, Role: old}, m)
		}
		return db.audit(ctx, tx, tenant, "membership.set", "membership", userID, summary)
	})
	return out, err
}

// DeleteMembership removes the user from the tenant in ctx; ENOTFOUND when
// the user is not a member of that tenant (whatever other tenants hold). The
// membership.delete audit entry names the user, the email and the role.
func (db *DB) DeleteMembership(ctx context.Context, userID string) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var role, email string
		err := tx.QueryRow(ctx, `DELETE FROM memberships m USING users u
			WHERE m.user_id = $1 AND m.tenant_id = $2 AND u.id = m.user_id RETURNING m.role, u.email`,
			userID, tenant).Scan(&role, &email)
		if noRows(err) {
			return smartmaint.Errorf(smartmaint.ENOTFOUND, "Member not found.")
		} else if err != nil {
			return wrap("delete membership", err)
		}
		return db.audit(ctx, tx, tenant, "membership.delete", "membership", userID,
			map[string]string{"user_id": userID, "email": email, "role": role})
	})
}

// FindMembers lists the members of the tenant in ctx with their users,
// ordered by email.
func (db *DB) FindMembers(ctx context.Context) ([]*smartmaint.Member, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+prefixed("u.", userColumns)+`, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 ORDER BY u.email`, tenant)
	if err != nil {
		return nil, wrap("find members", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.Member, error) {
		var m smartmaint.Member
		u, err := scanUser(r, &m.Role)
		m.User = u
		return &m, err
	})
	return out, wrap("find members", err)
}

// FindMemberships lists the user's memberships in every tenant, ordered by
// tenant ID (none for an unknown user).
func (db *DB) FindMemberships(ctx context.Context, userID string) ([]*smartmaint.Membership, error) {
	rows, err := db.pool.Query(ctx, `SELECT user_id, tenant_id, role, created_at FROM memberships
		WHERE user_id = $1 ORDER BY tenant_id`, userID)
	if err != nil {
		return nil, wrap("find memberships", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.Membership, error) {
		var m smartmaint.Membership
		err := r.Scan(&m.UserID, &m.TenantID, &m.Role, &m.CreatedAt)
		m.CreatedAt = m.CreatedAt.UTC()
		return &m, err
	})
	return out, wrap("find memberships", err)
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
