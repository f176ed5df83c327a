package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"smartmaint"
)

var _ smartmaint.TenantService = (*DB)(nil)

// querier is what pgxpool.Pool, pgx.Conn and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const tenantColumns = `id, name, raw_retention_days, rollup_retention_days, created_at, updated_at`

func scanTenant(row pgx.Row) (*smartmaint.Tenant, error) {
	var t smartmaint.Tenant
	err := row.Scan(&t.ID, &t.Name, &t.RawRetentionDays, &t.RollupRetentionDays, &t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

// FindTenantByID returns the tenant; ENOTFOUND if there is none.
func (db *DB) FindTenantByID(ctx context.Context, id string) (*smartmaint.Tenant, error) {
	return findTenant(ctx, db.pool, id, false)
}

func findTenant(ctx context.Context, q querier, id string, lock bool) (*smartmaint.Tenant, error) {
	sql := `SELECT ` + tenantColumns + ` FROM tenants WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	t, err := scanTenant(q.QueryRow(ctx, sql, id))
	if noRows(err) {
		return nil, notFound("Tenant", id)
	}
	return t, wrap("find tenant", err)
}

// FindTenants returns every tenant ordered by ID.
func (db *DB) FindTenants(ctx context.Context) ([]*smartmaint.Tenant, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY id`)
	if err != nil {
		return nil, wrap("find tenants", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.Tenant, error) { return scanTenant(r) })
	return out, wrap("find tenants", err)
}

// CreateTenant fills in the default retention when zero, validates t and
// stores it; ECONFLICT if the ID exists. The tenant.create audit entry goes
// to the platform chain.
func (db *DB) CreateTenant(ctx context.Context, t *smartmaint.Tenant) error {
	if t.RawRetentionDays == 0 {
		t.RawRetentionDays = smartmaint.DefaultRawRetentionDays
	}
	if t.RollupRetentionDays == 0 {
		t.RollupRetentionDays = max(smartmaint.DefaultRollupRetentionDays, t.RawRetentionDays)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	now := db.now()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES ($1, $2, $3, $4, $5, $5)`,
			t.ID, t.Name, t.RawRetentionDays, t.RollupRetentionDays, now)
		if pgCode(err) == codeUniqueViolation {
			return smartmaint.Errorf(smartmaint.ECONFLICT, "Tenant %q already exists.", t.ID)
		} else if err != nil {
			return wrap("create tenant", err)
		}
		created := *t
		created.CreatedAt, created.UpdatedAt = now, now
		return db.audit(ctx, tx, "", "tenant.create", "tenant", t.ID, &created)
	})
	if err != nil {
		return err
	}
	t.CreatedAt, t.UpdatedAt = now, now
	return nil
}

// UpdateTenant applies upd to the tenant and returns it. The tenant.update
// audit entry goes to the tenant's own chain.
func (db *DB) UpdateTenant(ctx context.Context, id string, upd smartmaint.TenantUpdate) (*smartmaint.Tenant, error) {
	var out *smartmaint.Tenant
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := findTenant(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before := *t
		setIf(&t.Name, upd.Name)
		setIf(&t.RawRetentionDays, upd.RawRetentionDays)
		setIf(&t.RollupRetentionDays, upd.RollupRetentionDays)
		if err := t.Validate(); err != nil {
			return err
		}
		t.UpdatedAt = db.now()
		_, err = tx.Exec(ctx, `UPDATE tenants SET name = $2, raw_retention_days = $3, rollup_retention_days = $4,
			updated_at = $5 WHERE id = $1`, t.ID, t.Name, t.RawRetentionDays, t.RollupRetentionDays, t.UpdatedAt)
		if err != nil {
			return wrap("update tenant", err)
		}
		out = t
		return db.audit(ctx, tx, t.ID, "tenant.update", "tenant", t.ID, changes(&before, t))
	})
	return out, err
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// requireTenant returns the tenant in ctx (EUNAUTHORIZED without one).
func requireTenant(ctx context.Context) (string, error) { return smartmaint.RequireTenant(ctx) }
