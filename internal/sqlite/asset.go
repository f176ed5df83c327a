package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"smartmaint"
)

var _ smartmaint.AssetService = (*DB)(nil)

const assetColumns = `id, site_id, name, type, criticality, metadata, created_at, updated_at`

func scanAsset(row interface{ Scan(...any) error }) (*smartmaint.Asset, error) {
	var a smartmaint.Asset
	var site, meta sql.NullString
	var created, updated int64
	if err := row.Scan(&a.ID, &site, &a.Name, &a.Type, &a.Criticality, &meta, &created, &updated); err != nil {
		return nil, err
	}
	m, err := decodeMetadata(meta)
	a.SiteID, a.Metadata, a.CreatedAt, a.UpdatedAt = site.String, m, fromMicros(created), fromMicros(updated)
	return &a, err
}

// FindAssetByID returns an asset of the tenant in ctx.
func (db *DB) FindAssetByID(ctx context.Context, id string) (*smartmaint.Asset, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	a, err := scanAsset(db.read.QueryRowContext(ctx,
		`SELECT `+assetColumns+` FROM assets WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Asset", id)
	}
	return a, db.fail(err)
}

// FindAssets lists the tenant's assets matching f by ID, with their total.
func (db *DB) FindAssets(ctx context.Context, f smartmaint.AssetFilter) ([]*smartmaint.Asset, int, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	conds, args := []string{"tenant_id = ?"}, []any{tenant}
	if f.SiteID != "" {
		conds, args = append(conds, "site_id = ?"), append(args, f.SiteID)
	}
	if f.Type != "" {
		conds, args = append(conds, "type = ?"), append(args, f.Type)
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM assets`+where(conds), args...).Scan(&total); err != nil {
		return nil, 0, db.fail(err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+assetColumns+` FROM assets`+where(conds)+` ORDER BY id LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, db.fail(err)
	}
	defer rows.Close()
	var out []*smartmaint.Asset
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, 0, db.fail(err)
		}
		out = append(out, a)
	}
	return out, total, db.fail(rows.Err())
}

// CreateAsset creates an asset, generating a UUIDv7 ID when a.ID is empty
// and the default criticality when it is zero.
func (db *DB) CreateAsset(ctx context.Context, a *smartmaint.Asset) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	if a.ID == "" {
		a.ID = uuid.Must(uuid.NewV7()).String()
	}
	if a.Criticality == 0 {
		a.Criticality = smartmaint.DefaultCriticality
	}
	if err := a.Validate(); err != nil {
		return err
	}
	meta, err := encodeMetadata(a.Metadata)
	if err != nil {
		return err
	}
	now := fromMicros(micros(db.now()))
	return db.w.do(ctx, 1, func(tx *wtx) error {
		if err := checkSite(tx, tenant, a.SiteID); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO assets (tenant_id, `+assetColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, a.ID, nullString(a.SiteID), a.Name, a.Type, a.Criticality, meta, micros(now), micros(now))
		if isConstraint(err) {
			return conflict("Asset", a.ID)
		} else if err != nil {
			return err
		}
		created := *a
		created.CreatedAt, created.UpdatedAt = now, now
		if err := db.audit(ctx, tx, tenant, "asset.create", "asset", a.ID, &created); err != nil {
			return err
		}
		a.CreatedAt, a.UpdatedAt = now, now
		return nil
	})
}

// checkSite returns EINVALID unless siteID is empty or names a site of the tenant.
func checkSite(tx *wtx, tenant, siteID string) error {
	if siteID == "" {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM sites WHERE tenant_id = ? AND id = ?`, tenant, siteID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return smartmaint.FieldErrorf("site_id", "no site %q", siteID)
	}
	return nil
}

// UpdateAsset changes the fields of an asset that upd sets.
func (db *DB) UpdateAsset(ctx context.Context, id string, upd smartmaint.AssetUpdate) (*smartmaint.Asset, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.Asset
	err = db.w.do(ctx, 1, func(tx *wtx) error {
		a, err := scanAsset(tx.queryRow(`SELECT `+assetColumns+` FROM assets WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Asset", id)
		} else if err != nil {
			return err
		}
		before := *a
		upd.Apply(a)
		if err := a.Validate(); err != nil {
			return err
		}
		if err := checkSite(tx, tenant, a.SiteID); err != nil {
			return err
		}
		meta, err := encodeMetadata(a.Metadata)
		if err != nil {
			return err
		}
		a.UpdatedAt = fromMicros(micros(db.now()))
		if _, err := tx.exec(`UPDATE assets SET site_id = ?, name = ?, type = ?, criticality = ?, metadata = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ?`, nullString(a.SiteID), a.Name, a.Type, a.Criticality, meta, micros(a.UpdatedAt),
			tenant, id); err != nil {
			return err
		}
		out = a
		return db.audit(ctx, tx, tenant, "asset.update", "asset", id, changes(&before, a))
	})
	return out, err
}

// DeleteAsset deletes an asset and detaches its sensors.
func (db *DB) DeleteAsset(ctx context.Context, id string) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	now := micros(db.now())
	return db.w.do(ctx, 1, func(tx *wtx) error {
		if _, err := tx.exec(`UPDATE sensors SET asset_id = NULL, updated_at = ? WHERE tenant_id = ? AND asset_id = ?`,
			now, tenant, id); err != nil {
			return err
		}
		var name string
		err := tx.queryRow(`DELETE FROM assets WHERE tenant_id = ? AND id = ? RETURNING name`, tenant, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Asset", id)
		} else if err != nil {
			return err
		}
		return db.audit(ctx, tx, tenant, "asset.delete", "asset", id, deletion(id, name))
	})
}
