package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.APIKeyService = (*DB)(nil)

const apiKeyColumns = `tenant_id, id, name, prefix, hash, scopes, created_by, created_at, expires_at, last_used_at, revoked_at`

func scanAPIKey(row pgx.Row) (*smartmaint.APIKey, error) {
	var k smartmaint.APIKey
	err := row.Scan(&k.TenantID, &k.ID, &k.Name, &k.Prefix, &k.Hash, &k.Scopes, &k.CreatedBy, &k.CreatedAt,
		&k.ExpiresAt, &k.LastUsedAt, &k.RevokedAt)
	if err != nil {
		return nil, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	k.ExpiresAt, k.LastUsedAt, k.RevokedAt = utcPtr(k.ExpiresAt), utcPtr(k.LastUsedAt), utcPtr(k.RevokedAt)
	return &k, nil
}

// CreateAPIKey stores k for the tenant in ctx: TenantID is set to it (a
// different non-empty TenantID is EINVALID), an ID is generated when empty,
// CreatedAt comes from the store clock. EINVALID for a bad name, unknown
// scopes or an empty hash; ECONFLICT when the ID (in the tenant) or the hash
// exists. The apikey.create audit entry holds the key without its hash.
func (db *DB) CreateAPIKey(ctx context.Context, k *smartmaint.APIKey) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	switch {
	case k.TenantID != "" && k.TenantID != tenant:
		return smartmaint.FieldErrorf("tenant_id", "must be the tenant acting (%q), got %q", tenant, k.TenantID)
	case k.Hash == "":
		return smartmaint.FieldErrorf("hash", "is required")
	}
	if k.ID == "" {
		k.ID = newID()
	}
	if err := joinDomain(k.Validate(), smartmaint.ValidateID("id", k.ID)); err != nil {
		return err
	}
	now := db.now()
	stored := *k
	stored.TenantID, stored.CreatedAt, stored.Scopes = tenant, now, slices.Clone(k.Scopes)
	stored.ExpiresAt, stored.LastUsedAt, stored.RevokedAt = truncPtr(k.ExpiresAt), truncPtr(k.LastUsedAt), truncPtr(k.RevokedAt)
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			tenant, stored.ID, stored.Name, stored.Prefix, stored.Hash, stored.Scopes, stored.CreatedBy, now,
			stored.ExpiresAt, stored.LastUsedAt, stored.RevokedAt)
		if pgCode(err) == codeUniqueViolation {
			return smartmaint.Errorf(smartmaint.ECONFLICT, "API key already exists.")
		} else if err != nil {
			return classify(err, "API key", k.ID)
		}
		return db.audit(ctx, tx, tenant, "apikey.create", "api_key", stored.ID, &stored)
	})
	if err != nil {
		return err
	}
	*k = stored
	return nil
}

// FindAPIKeys lists the keys of the tenant in ctx, revoked ones included,
// oldest first (ties by ID).
func (db *DB) FindAPIKeys(ctx context.Context) ([]*smartmaint.APIKey, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = $1
		ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, wrap("find API keys", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.APIKey, error) { return scanAPIKey(r) })
	return out, wrap("find API keys", err)
}

// FindAPIKeyByID returns the key of the tenant in ctx; ENOTFOUND if the
// tenant has no such key.
func (db *DB) FindAPIKeyByID(ctx context.Context, id string) (*smartmaint.APIKey, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	return findAPIKey(ctx, db.pool, `tenant_id = $1 AND id = $2`, tenant, id)
}

// FindAPIKeyByHash returns the key with the hash, active or not, whatever
// its tenant; ENOTFOUND when there is none.
func (db *DB) FindAPIKeyByHash(ctx context.Context, hash string) (*smartmaint.APIKey, error) {
	if hash == "" {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "API key not found.")
	}
	return findAPIKey(ctx, db.pool, `hash = $1`, hash)
}

func findAPIKey(ctx context.Context, q querier, cond string, args ...any) (*smartmaint.APIKey, error) {
	k, err := scanAPIKey(q.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE `+cond, args...))
	if noRows(err) {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "API key not found.")
	}
	return k, wrap("find API key", err)
}

// RevokeAPIKey revokes the key of the tenant in ctx at now and returns it;
// ENOTFOUND if the tenant has no such key. Revoking a revoked key changes
// nothing (it keeps its first revocation time) and appends no audit entry;
// otherwise the apikey.revoke entry records the revocation.
func (db *DB) RevokeAPIKey(ctx context.Context, id string, now time.Time) (*smartmaint.APIKey, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.APIKey
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		k, err := findAPIKey(ctx, tx, `tenant_id = $1 AND id = $2 FOR UPDATE`, tenant, id)
		if err != nil {
			return err
		}
		out = k
		if k.RevokedAt != nil {
			return nil
		}
		before := *k
		k.RevokedAt = truncPtr(&now)
		_, err = tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2`, tenant, id, k.RevokedAt)
		if err != nil {
			return wrap("revoke API key", err)
		}
		// Delivered at commit to every process that listens (WatchAPIKeys).
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, apiKeyChannel, id); err != nil {
			return wrap("revoke API key", err)
		}
		return db.audit(ctx, tx, tenant, "apikey.revoke", "api_key", id, changes(&before, k))
	})
	return out, err
}

// TouchAPIKey sets LastUsedAt of the key of the tenant in ctx to now;
// ENOTFOUND if the tenant has no such key. Not audited.
func (db *DB) TouchAPIKey(ctx context.Context, id string, now time.Time) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2`,
		tenant, id, now.UTC().Truncate(smartmaint.TimePrecision))
	if err != nil {
		return wrap("touch API key", err)
	}
	if tag.RowsAffected() == 0 {
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "API key not found.")
	}
	return nil
}
