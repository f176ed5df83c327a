package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"smartmaint"
)

var _ smartmaint.SiteService = (*DB)(nil)

const siteColumns = `id, name, description, timezone, metadata, created_at, updated_at`

func scanSite(row interface{ Scan(...any) error }) (*smartmaint.Site, error) {
	var s smartmaint.Site
	var meta sql.NullString
	var created, updated int64
	if err := row.Scan(&s.ID, &s.Name, &s.Description, &s.Timezone, &meta, &created, &updated); err != nil {
		return nil, err
	}
	m, err := decodeMetadata(meta)
	s.Metadata, s.CreatedAt, s.UpdatedAt = m, fromMicros(created), fromMicros(updated)
	return &s, err
}

// FindSiteByID returns a site of the tenant in ctx.
func (db *DB) FindSiteByID(ctx context.Context, id string) (*smartmaint.Site, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	s, err := scanSite(db.read.QueryRowContext(ctx,
		`SELECT `+siteColumns+` FROM sites WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Site", id)
	}
	return s, db.fail(err)
}

// FindSites lists the tenant's sites by ID, with their total number.
func (db *DB) FindSites(ctx context.Context, f smartmaint.SiteFilter) ([]*smartmaint.Site, int, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sites WHERE tenant_id = ?`, tenant).Scan(&total); err != nil {
		return nil, 0, db.fail(err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+siteColumns+` FROM sites WHERE tenant_id = ?
		ORDER BY id LIMIT ? OFFSET ?`, tenant, limit, f.Offset)
	if err != nil {
		return nil, 0, db.fail(err)
	}
	defer rows.Close()
	var out []*smartmaint.Site
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, 0, db.fail(err)
		}
		out = append(out, s)
	}
	return out, total, db.fail(rows.Err())
}

// CreateSite creates a site, generating a UUIDv7 ID when s.ID is empty.
func (db *DB) CreateSite(ctx context.Context, s *smartmaint.Site) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	if s.ID == "" {
		s.ID = uuid.Must(uuid.NewV7()).String()
	}
	if err := s.Validate(); err != nil {
		return err
	}
	meta, err := encodeMetadata(s.Metadata)
	if err != nil {
		return err
	}
	now := fromMicros(micros(db.now()))
	return db.w.do(ctx, 1, func(tx *wtx) error {
		_, err := tx.exec(`INSERT INTO sites (tenant_id, `+siteColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, s.ID, s.Name, s.Description, s.Timezone, meta, micros(now), micros(now))
		if isConstraint(err) {
			return conflict("Site", s.ID)
		} else if err != nil {
			return err
		}
		created := *s
		created.CreatedAt, created.UpdatedAt = now, now
		if err := db.audit(ctx, tx, tenant, "site.create", "site", s.ID, &created); err != nil {
			return err
		}
		s.CreatedAt, s.UpdatedAt = now, now
		return nil
	})
}

// UpdateSite changes the fields of a site that upd sets.
func (db *DB) UpdateSite(ctx context.Context, id string, upd smartmaint.SiteUpdate) (*smartmaint.Site, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.Site
	err = db.w.do(ctx, 1, func(tx *wtx) error {
		s, err := scanSite(tx.queryRow(`SELECT `+siteColumns+` FROM sites WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Site", id)
		} else if err != nil {
			return err
		}
		before := *s
		upd.Apply(s)
		if err := s.Validate(); err != nil {
			return err
		}
		meta, err := encodeMetadata(s.Metadata)
		if err != nil {
			return err
		}
		s.UpdatedAt = fromMicros(micros(db.now()))
		if _, err := tx.exec(`UPDATE sites SET name = ?, description = ?, timezone = ?, metadata = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ?`, s.Name, s.Description, s.Timezone, meta, micros(s.UpdatedAt), tenant, id); err != nil {
			return err
		}
		out = s
		return db.audit(ctx, tx, tenant, "site.update", "site", id, changes(&before, s))
	})
	return out, err
}

// DeleteSite deletes a site; ECONFLICT while assets still reference it.
func (db *DB) DeleteSite(ctx context.Context, id string) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	return db.w.do(ctx, 1, func(tx *wtx) error {
		var n int
		if err := tx.queryRow(`SELECT count(*) FROM assets WHERE tenant_id = ? AND site_id = ?`, tenant, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return smartmaint.Errorf(smartmaint.ECONFLICT, "Site %q still has %d assets; move or delete them first.", id, n)
		}
		var name string
		err := tx.queryRow(`DELETE FROM sites WHERE tenant_id = ? AND id = ? RETURNING name`, tenant, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Site", id)
		} else if err != nil {
			return err
		}
		return db.audit(ctx, tx, tenant, "site.delete", "site", id, deletion(id, name))
	})
}
