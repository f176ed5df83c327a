package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"smartmaint"
)

var _ smartmaint.TenantService = (*DB)(nil)

const tenantColumns = `id, name, raw_retention_days, rollup_retention_days, created_at, updated_at`

func scanTenant(row interface{ Scan(...any) error }) (*smartmaint.Tenant, error) {
	var t smartmaint.Tenant
	var created, updated int64
	if err := row.Scan(&t.ID, &t.Name, &t.RawRetentionDays, &t.RollupRetentionDays, &created, &updated); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &t, nil
}

// FindTenantByID returns the tenant with the given ID.
func (db *DB) FindTenantByID(ctx context.Context, id string) (*smartmaint.Tenant, error) {
	t, err := scanTenant(db.readRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Tenant", id)
	}
	if err != nil {
		return nil, db.fail(err)
	}
	return t, nil
}

// FindTenants lists every tenant by ID.
func (db *DB) FindTenants(ctx context.Context) ([]*smartmaint.Tenant, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY id`)
	if err != nil {
		return nil, db.fail(err)
	}
	defer rows.Close()
	var out []*smartmaint.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, db.fail(err)
		}
		out = append(out, t)
	}
	return out, db.fail(rows.Err())
}

// CreateTenant creates a tenant, filling in the default retention when zero
// (rollups are kept at least as long as raw readings) and generating an ID
// when empty. The tenant.create audit entry goes to the platform chain.
func (db *DB) CreateTenant(ctx context.Context, t *smartmaint.Tenant) error {
	if t.ID == "" {
		t.ID = uuid.Must(uuid.NewV7()).String()
	}
	if t.RawRetentionDays == 0 {
		t.RawRetentionDays = smartmaint.DefaultRawRetentionDays
	}
	if t.RollupRetentionDays == 0 {
		t.RollupRetentionDays = max(smartmaint.DefaultRollupRetentionDays, t.RawRetentionDays)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	now := fromMicros(micros(db.now()))
	return db.w.do(ctx, 1, func(tx *wtx) error {
		_, err := tx.exec(`INSERT INTO tenants (`+tenantColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.Name, t.RawRetentionDays, t.RollupRetentionDays, micros(now), micros(now))
		if isConstraint(err) {
			return conflict("Tenant", t.ID)
		} else if err != nil {
			return classify(err)
		}
		created := *t
		created.CreatedAt, created.UpdatedAt = now, now
		if err := db.audit(ctx, tx, "", "tenant.create", "tenant", t.ID, &created); err != nil {
			return err
		}
		t.CreatedAt, t.UpdatedAt = now, now
		return nil
	})
}

// UpdateTenant changes a tenant's name or retention. The tenant.update audit
// entry goes to the tenant's own chain.
func (db *DB) UpdateTenant(ctx context.Context, id string, upd smartmaint.TenantUpdate) (*smartmaint.Tenant, error) {
	var out *smartmaint.Tenant
	err := db.w.do(ctx, 1, func(tx *wtx) error {
		t, err := scanTenant(tx.queryRow(`SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Tenant", id)
		} else if err != nil {
			return classify(err)
		}
		before := *t
		setIf(&t.Name, upd.Name)
		setIf(&t.RawRetentionDays, upd.RawRetentionDays)
		setIf(&t.RollupRetentionDays, upd.RollupRetentionDays)
		if err := t.Validate(); err != nil {
			return err
		}
		t.UpdatedAt = fromMicros(micros(db.now()))
		if _, err := tx.exec(`UPDATE tenants SET name = ?, raw_retention_days = ?, rollup_retention_days = ?, updated_at = ?
			WHERE id = ?`, t.Name, t.RawRetentionDays, t.RollupRetentionDays, micros(t.UpdatedAt), id); err != nil {
			return classify(err)
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
