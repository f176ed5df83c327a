package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"smartmaint"
)

var _ smartmaint.APIKeyService = (*DB)(nil)

const apiKeyColumns = `tenant_id, id, name, prefix, hash, scopes, created_by, created_at, expires_at, last_used_at, revoked_at`

var errAPIKeyNotFound = smartmaint.Errorf(smartmaint.ENOTFOUND, "API key not found.")

func scanAPIKey(row interface{ Scan(...any) error }) (*smartmaint.APIKey, error) {
	var k smartmaint.APIKey
	var scopes string
	var created int64
	var expires, used, revoked sql.NullInt64
	err := row.Scan(&k.TenantID, &k.ID, &k.Name, &k.Prefix, &k.Hash, &scopes, &k.CreatedBy, &created,
		&expires, &used, &revoked)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return nil, fmt.Errorf("sqlite: stored API key scopes: %w", err)
	}
	k.CreatedAt = fromMicros(created)
	k.ExpiresAt, k.LastUsedAt, k.RevokedAt = timePtr(expires), timePtr(used), timePtr(revoked)
	return &k, nil
}

// CreateAPIKey stores k for the tenant in ctx: TenantID is set to it (a
// different non-empty TenantID is EINVALID), a UUIDv7 ID is generated when
// empty, CreatedAt comes from the store clock. EINVALID for a bad name,
// unknown scopes or an empty hash; ENOTFOUND for an unknown tenant;
// ECONFLICT when the ID (in the tenant) or the hash exists. The
// apikey.create audit entry holds the key without its hash.
func (db *DB) CreateAPIKey(ctx context.Context, k *smartmaint.APIKey) error {
	tenant, err := smartmaint.RequireTenant(ctx)
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
		k.ID = uuid.Must(uuid.NewV7()).String()
	}
	if err := joinDomain(k.Validate(), smartmaint.ValidateID("id", k.ID)); err != nil {
		return err
	}
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return smartmaint.FieldErrorf("scopes", "cannot be encoded: %v", err)
	}
	stored := *k
	stored.TenantID, stored.CreatedAt, stored.Scopes = tenant, fromMicros(micros(db.now())), slices.Clone(k.Scopes)
	stored.ExpiresAt, stored.LastUsedAt, stored.RevokedAt = truncPtr(k.ExpiresAt), truncPtr(k.LastUsedAt), truncPtr(k.RevokedAt)
	err = db.w.do(ctx, 1, func(tx *wtx) error {
		if err := checkTenant(tx, tenant); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, stored.ID, stored.Name, stored.Prefix, stored.Hash, string(scopes), stored.CreatedBy,
			micros(stored.CreatedAt), nullMicros(stored.ExpiresAt), nullMicros(stored.LastUsedAt), nullMicros(stored.RevokedAt))
		if isConstraint(err) {
			return smartmaint.Errorf(smartmaint.ECONFLICT, "API key already exists.")
		} else if err != nil {
			return err
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
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = ?
		ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, db.fail(err)
	}
	defer rows.Close()
	out := []*smartmaint.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, db.fail(err)
		}
		out = append(out, k)
	}
	return out, db.fail(rows.Err())
}

// FindAPIKeyByID returns the key of the tenant in ctx; ENOTFOUND if the
// tenant has no such key.
func (db *DB) FindAPIKeyByID(ctx context.Context, id string) (*smartmaint.APIKey, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	k, err := scanAPIKey(db.read.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAPIKeyNotFound
	}
	return k, db.fail(err)
}

// FindAPIKeyByHash returns the key with the hash, active or not, whatever
// its tenant; ENOTFOUND when there is none.
func (db *DB) FindAPIKeyByHash(ctx context.Context, hash string) (*smartmaint.APIKey, error) {
	if hash == "" {
		return nil, errAPIKeyNotFound
	}
	k, err := scanAPIKey(db.readRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAPIKeyNotFound
	}
	return k, db.fail(err)
}

// RevokeAPIKey revokes the key of the tenant in ctx at now and returns it;
// ENOTFOUND if the tenant has no such key. Revoking a revoked key changes
// nothing (it keeps its first revocation time) and appends no audit entry;
// otherwise the apikey.revoke entry records the revocation.
func (db *DB) RevokeAPIKey(ctx context.Context, id string, now time.Time) (*smartmaint.APIKey, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.APIKey
	err = db.w.do(ctx, 1, func(tx *wtx) error {
		k, err := scanAPIKey(tx.queryRow(`SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errAPIKeyNotFound
		} else if err != nil {
			return err
		}
		out = k
		if k.RevokedAt != nil {
			return nil
		}
		before := *k
		k.RevokedAt = truncPtr(&now)
		if _, err := tx.exec(`UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ?`,
			micros(now), tenant, id); err != nil {
			return err
		}
		return db.audit(ctx, tx, tenant, "apikey.revoke", "api_key", id, changes(&before, k))
	})
	return out, err
}

// TouchAPIKey sets LastUsedAt of the key of the tenant in ctx to now;
// ENOTFOUND if the tenant has no such key. Not audited.
func (db *DB) TouchAPIKey(ctx context.Context, id string, now time.Time) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	return db.w.do(ctx, 1, func(tx *wtx) error {
		res, err := tx.exec(`UPDATE api_keys SET last_used_at = ? WHERE tenant_id = ? AND id = ?`, micros(now), tenant, id)
		if err != nil {
			return err
		}
		return requireRow(res, errAPIKeyNotFound)
	})
}
