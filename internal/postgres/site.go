package postgres

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.SiteService = (*DB)(nil)

const siteColumns = `id, name, description, timezone, metadata, created_at, updated_at`

func scanSite(row pgx.Row) (*smartmaint.Site, error) {
	var s smartmaint.Site
	err := row.Scan(&s.ID, &s.Name, &s.Description, &s.Timezone, &s.Metadata, &s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return &s, nil
}

// FindSiteByID returns the tenant's site; ENOTFOUND if there is none.
func (db *DB) FindSiteByID(ctx context.Context, id string) (*smartmaint.Site, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	return findSite(ctx, db.pool, tenant, id, false)
}

func findSite(ctx context.Context, q querier, tenant, id string, lock bool) (*smartmaint.Site, error) {
	sql := `SELECT ` + siteColumns + ` FROM sites WHERE tenant_id = $1 AND id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	s, err := scanSite(q.QueryRow(ctx, sql, tenant, id))
	if noRows(err) {
		return nil, notFound("Site", id)
	}
	return s, wrap("find site", err)
}

// FindSites returns the tenant's sites ordered by ID, and their total number.
func (db *DB) FindSites(ctx context.Context, filter smartmaint.SiteFilter) ([]*smartmaint.Site, int, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit, err := pageLimit(filter.Limit, filter.Offset)
	if err != nil {
		return nil, 0, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+siteColumns+`, count(*) OVER () FROM sites
		WHERE tenant_id = $1 ORDER BY id LIMIT $2 OFFSET $3`, tenant, limit, filter.Offset)
	if err != nil {
		return nil, 0, wrap("find sites", err)
	}
	var total int
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.Site, error) {
		var s smartmaint.Site
		err := r.Scan(&s.ID, &s.Name, &s.Description, &s.Timezone, &s.Metadata, &s.CreatedAt, &s.UpdatedAt, &total)
		s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
		return &s, err
	})
	if err != nil {
		return nil, 0, wrap("find sites", err)
	}
	if len(out) == 0 && filter.Offset > 0 {
		err = db.pool.QueryRow(ctx, `SELECT count(*) FROM sites WHERE tenant_id = $1`, tenant).Scan(&total)
	}
	return out, total, wrap("count sites", err)
}

// CreateSite generates an ID when s.ID is empty, validates s and stores it;
// ECONFLICT if the ID exists.
func (db *DB) CreateSite(ctx context.Context, s *smartmaint.Site) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	if s.ID == "" {
		s.ID = newID()
	}
	if err := s.Validate(); err != nil {
		return err
	}
	now := db.now()
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sites (tenant_id, `+siteColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
			tenant, s.ID, s.Name, s.Description, s.Timezone, jsonMap(s.Metadata), now)
		if err := classify(err, "Site", s.ID); err != nil {
			return err
		}
		created := *s
		created.CreatedAt, created.UpdatedAt = now, now
		return db.audit(ctx, tx, tenant, "site.create", "site", s.ID, &created)
	})
	if err != nil {
		return err
	}
	s.CreatedAt, s.UpdatedAt = now, now
	return nil
}

// UpdateSite applies upd to the tenant's site and returns it.
func (db *DB) UpdateSite(ctx context.Context, id string, upd smartmaint.SiteUpdate) (*smartmaint.Site, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.Site
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		s, err := findSite(ctx, tx, tenant, id, true)
		if err != nil {
			return err
		}
		before := *s
		upd.Apply(s)
		if err := s.Validate(); err != nil {
			return err
		}
		s.UpdatedAt = db.now()
		_, err = tx.Exec(ctx, `UPDATE sites SET name = $3, description = $4, timezone = $5, metadata = $6,
			updated_at = $7 WHERE tenant_id = $1 AND id = $2`,
			tenant, id, s.Name, s.Description, s.Timezone, jsonMap(s.Metadata), s.UpdatedAt)
		if err != nil {
			return wrap("update site", err)
		}
		out = s
		return db.audit(ctx, tx, tenant, "site.update", "site", id, changes(&before, s))
	})
	return out, err
}

// DeleteSite deletes the tenant's site; ECONFLICT while assets reference it.
func (db *DB) DeleteSite(ctx context.Context, id string) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `DELETE FROM sites WHERE tenant_id = $1 AND id = $2 RETURNING name`, tenant, id).Scan(&name)
		switch {
		case pgCode(err) == codeForeignKeyViolation:
			return smartmaint.Errorf(smartmaint.ECONFLICT, "Site %q still has assets; move or delete them first.", id)
		case noRows(err):
			return notFound("Site", id)
		case err != nil:
			return wrap("delete site", err)
		}
		return db.audit(ctx, tx, tenant, "site.delete", "site", id, deletion(id, name))
	})
}

// newID returns a new UUIDv7 string.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// jsonMap returns m for a jsonb column, or nil (NULL) when empty.
func jsonMap(m map[string]any) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// pageLimit checks a list's Limit and Offset and returns the effective limit.
func pageLimit(limit, offset int) (int, error) {
	switch {
	case limit < 0 || limit > smartmaint.MaxPageSize:
		return 0, smartmaint.FieldErrorf("limit", "must be between 1 and %d, got %d", smartmaint.MaxPageSize, limit)
	case offset < 0:
		return 0, smartmaint.FieldErrorf("offset", "must not be negative, got %d", offset)
	case limit == 0:
		return smartmaint.DefaultPageSize, nil
	}
	return limit, nil
}

// classify turns the errors of an insert into domain errors: a duplicate key
// is ECONFLICT, a missing tenant ENOTFOUND, another missing reference
// (site, asset) EINVALID.
func classify(err error, kind, id string) error {
	switch pgCode(err) {
	case "":
		return wrap("write "+strings.ToLower(kind), err)
	case codeUniqueViolation:
		return smartmaint.Errorf(smartmaint.ECONFLICT, "%s %q already exists.", kind, id)
	case codeForeignKeyViolation:
		switch c := pgConstraint(err); {
		case strings.HasSuffix(c, "_tenant_id_fkey"):
			return smartmaint.Errorf(smartmaint.ENOTFOUND, "Tenant not found.")
		case c == "assets_site_fkey":
			return smartmaint.FieldErrorf("site_id", "names no site of this tenant")
		case c == "sensors_asset_fkey":
			return smartmaint.FieldErrorf("asset_id", "names no asset of this tenant")
		}
	}
	return wrap("write "+strings.ToLower(kind), err)
}
