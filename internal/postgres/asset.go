package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.AssetService = (*DB)(nil)

const assetColumns = `id, coalesce(site_id, ''), name, type, criticality, metadata, created_at, updated_at`

func scanAsset(row pgx.Row, extra ...any) (*smartmaint.Asset, error) {
	var a smartmaint.Asset
	dest := append([]any{&a.ID, &a.SiteID, &a.Name, &a.Type, &a.Criticality, &a.Metadata, &a.CreatedAt, &a.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// FindAssetByID returns the tenant's asset; ENOTFOUND if there is none.
func (db *DB) FindAssetByID(ctx context.Context, id string) (*smartmaint.Asset, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	return findAsset(ctx, db.pool, tenant, id, false)
}

func findAsset(ctx context.Context, q querier, tenant, id string, lock bool) (*smartmaint.Asset, error) {
	sql := `SELECT ` + assetColumns + ` FROM assets WHERE tenant_id = $1 AND id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	a, err := scanAsset(q.QueryRow(ctx, sql, tenant, id))
	if noRows(err) {
		return nil, notFound("Asset", id)
	}
	return a, wrap("find asset", err)
}

// FindAssets returns the tenant's matching assets ordered by ID, and the
// number of matches ignoring Limit and Offset.
func (db *DB) FindAssets(ctx context.Context, filter smartmaint.AssetFilter) ([]*smartmaint.Asset, int, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit, err := pageLimit(filter.Limit, filter.Offset)
	if err != nil {
		return nil, 0, err
	}
	where, args := []string{"tenant_id = $1"}, []any{tenant}
	if filter.SiteID != "" {
		args = append(args, filter.SiteID)
		where = append(where, fmt.Sprintf("site_id = $%d", len(args)))
	}
	if filter.Type != "" {
		args = append(args, filter.Type)
		where = append(where, fmt.Sprintf("type = $%d", len(args)))
	}
	cond := strings.Join(where, " AND ")
	rows, err := db.pool.Query(ctx, fmt.Sprintf(`SELECT `+assetColumns+`, count(*) OVER () FROM assets
		WHERE %s ORDER BY id LIMIT %d OFFSET %d`, cond, limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, wrap("find assets", err)
	}
	var total int
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.Asset, error) { return scanAsset(r, &total) })
	if err != nil {
		return nil, 0, wrap("find assets", err)
	}
	if len(out) == 0 && filter.Offset > 0 {
		err = db.pool.QueryRow(ctx, `SELECT count(*) FROM assets WHERE `+cond, args...).Scan(&total)
	}
	return out, total, wrap("count assets", err)
}

// CreateAsset generates an ID when a.ID is empty, sets the default
// criticality when zero, validates a and stores it; EINVALID if SiteID names
// no site of the tenant, ECONFLICT if the ID exists.
func (db *DB) CreateAsset(ctx context.Context, a *smartmaint.Asset) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	if a.ID == "" {
		a.ID = newID()
	}
	if a.Criticality == 0 {
		a.Criticality = smartmaint.DefaultCriticality
	}
	if err := a.Validate(); err != nil {
		return err
	}
	now := db.now()
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO assets (tenant_id, id, site_id, name, type, criticality, metadata,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			tenant, a.ID, nullString(a.SiteID), a.Name, a.Type, a.Criticality, jsonMap(a.Metadata), now)
		if err := classify(err, "Asset", a.ID); err != nil {
			return err
		}
		created := *a
		created.CreatedAt, created.UpdatedAt = now, now
		return db.audit(ctx, tx, tenant, "asset.create", "asset", a.ID, &created)
	})
	if err != nil {
		return err
	}
	a.CreatedAt, a.UpdatedAt = now, now
	return nil
}

// UpdateAsset applies upd to the tenant's asset and returns it; EINVALID if
// the new SiteID names no site of the tenant.
func (db *DB) UpdateAsset(ctx context.Context, id string, upd smartmaint.AssetUpdate) (*smartmaint.Asset, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.Asset
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		a, err := findAsset(ctx, tx, tenant, id, true)
		if err != nil {
			return err
		}
		before := *a
		upd.Apply(a)
		if err := a.Validate(); err != nil {
			return err
		}
		a.UpdatedAt = db.now()
		_, err = tx.Exec(ctx, `UPDATE assets SET site_id = $3, name = $4, type = $5, criticality = $6,
			metadata = $7, updated_at = $8 WHERE tenant_id = $1 AND id = $2`,
			tenant, id, nullString(a.SiteID), a.Name, a.Type, a.Criticality, jsonMap(a.Metadata), a.UpdatedAt)
		if err := classify(err, "Asset", id); err != nil {
			return err
		}
		out = a
		return db.audit(ctx, tx, tenant, "asset.update", "asset", id, changes(&before, a))
	})
	return out, err
}

// DeleteAsset deletes the tenant's asset; its sensors are detached by the
// foreign key (ON DELETE SET NULL).
func (db *DB) DeleteAsset(ctx context.Context, id string) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	// The cascade updates sensor rows that writers lock too: retry on a
	// deadlock like every other multi-row transaction.
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `DELETE FROM assets WHERE tenant_id = $1 AND id = $2 RETURNING name`, tenant, id).Scan(&name)
		if noRows(err) {
			return notFound("Asset", id)
		} else if err != nil {
			return wrap("delete asset", err)
		}
		return db.audit(ctx, tx, tenant, "asset.delete", "asset", id, deletion(id, name))
	})
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
