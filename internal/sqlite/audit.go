package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"smartmaint"
)

var _ smartmaint.AccessStore = (*DB)(nil)

// auditColumns are the columns of audit_log, in scanAudit order.
const auditColumns = `tenant_id, seq, time, actor_kind, actor_id, action, target_type, target_id, request_id,
	client_ip, summary, prev_hash, hash`

// actorKinds are the actor kinds an audit entry may name.
var actorKinds = map[string]bool{"user": true, "key": true, "system": true, "anonymous": true}

// AppendAudit appends e to the chain of the tenant in ctx, or to the
// platform chain when ctx carries no tenant, filling TenantID, Seq, Time,
// PrevHash and Hash. EINVALID when Action is empty, ActorKind is not one of
// user, key, system and anonymous, or Summary is not JSON.
func (db *DB) AppendAudit(ctx context.Context, e *smartmaint.AuditEntry) error {
	var action, kind, summary error
	if e.Action == "" {
		action = smartmaint.FieldErrorf("action", "is required")
	}
	if !actorKinds[e.ActorKind] {
		kind = smartmaint.FieldErrorf("actor_kind", "must be user, key, system or anonymous; got %q", e.ActorKind)
	}
	if len(e.Summary) > 0 && !json.Valid(e.Summary) {
		summary = smartmaint.FieldErrorf("summary", "is not valid JSON")
	}
	if err := joinDomain(action, kind, summary); err != nil {
		return err
	}
	tenant := smartmaint.TenantFromContext(ctx)
	var stored smartmaint.AuditEntry
	err := db.w.do(ctx, 1, func(tx *wtx) error {
		stored = *e
		return appendAudit(tx, tenant, db.now(), &stored)
	})
	if err != nil {
		return err
	}
	*e = stored
	return nil
}

// appendAudit appends entries to tenant's chain ("" for the platform) in the
// writer's transaction, stamped at now. The single writer serialises every
// append, so reading the chain's head and inserting after it cannot fork the
// chain; a job that fails later is rolled back with its entries.
func appendAudit(tx *wtx, tenant string, now time.Time, entries ...*smartmaint.AuditEntry) error {
	var seq int64
	var prev string
	err := tx.queryRow(`SELECT seq, hash FROM audit_log WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1`, tenant).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	now = fromMicros(micros(now))
	for _, e := range entries {
		seq++
		e.TenantID, e.Seq, e.Time, e.PrevHash = tenant, seq, now, prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		var summary any
		if len(e.Summary) > 0 {
			summary = string(e.Summary)
		}
		_, err := tx.exec(`INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.TenantID, e.Seq, micros(e.Time), e.ActorKind, e.ActorID, e.Action, e.TargetType, e.TargetID,
			e.RequestID, e.ClientIP, summary, e.PrevHash, e.Hash)
		if err != nil {
			return err
		}
	}
	return nil
}

// audit appends the entry for action on a target to tenant's chain in the
// writer's transaction, with the actor, request ID and client IP from ctx.
func (db *DB) audit(ctx context.Context, tx *wtx, tenant, action, targetType, targetID string, summary any) error {
	return appendAudit(tx, tenant, db.now(), smartmaint.NewAuditEntry(ctx, action, targetType, targetID, summary))
}

// auditRegistrations appends one sensor.register entry per sensor that
// WriteReadings registered, holding the sensor as registered, in
// first-seen order. Readings themselves are data, not audited; a write that
// registers nothing costs nothing here.
func auditRegistrations(ctx context.Context, tx *wtx, tenant string, now time.Time, registered []*smartmaint.Sensor) error {
	if len(registered) == 0 {
		return nil
	}
	entries := make([]*smartmaint.AuditEntry, len(registered))
	for i, s := range registered {
		entries[i] = smartmaint.NewAuditEntry(ctx, "sensor.register", "sensor", s.ID, s)
	}
	return appendAudit(tx, tenant, now, entries...)
}

func scanAudit(row interface{ Scan(...any) error }) (*smartmaint.AuditEntry, error) {
	var e smartmaint.AuditEntry
	var t int64
	var summary sql.NullString
	err := row.Scan(&e.TenantID, &e.Seq, &t, &e.ActorKind, &e.ActorID, &e.Action, &e.TargetType, &e.TargetID,
		&e.RequestID, &e.ClientIP, &summary, &e.PrevHash, &e.Hash)
	if err != nil {
		return nil, err
	}
	e.Time = fromMicros(t)
	if summary.Valid {
		e.Summary = json.RawMessage(summary.String)
	}
	return &e, nil
}

// auditWhere returns the conditions and arguments selecting f's entries of
// tenant (Limit and Offset aside).
func auditWhere(tenant string, f smartmaint.AuditFilter) ([]string, []any) {
	conds, args := []string{"tenant_id = ?"}, []any{tenant}
	for _, c := range []struct{ col, v string }{
		{"action", f.Action}, {"actor_id", f.ActorID}, {"target_type", f.TargetType}, {"target_id", f.TargetID},
	} {
		if c.v != "" {
			conds, args = append(conds, c.col+" = ?"), append(args, c.v)
		}
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "time >= ?"), append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "time <= ?"), append(args, micros(f.To))
	}
	return conds, args
}

// FindAudit lists the matching entries of the tenant in ctx (the platform
// chain when ctx carries no tenant), newest first, and the number of
// matches ignoring Limit and Offset.
func (db *DB) FindAudit(ctx context.Context, f smartmaint.AuditFilter) ([]*smartmaint.AuditEntry, int, error) {
	limit, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	conds, args := auditWhere(smartmaint.TenantFromContext(ctx), f)
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`+where(conds), args...).Scan(&total); err != nil {
		return nil, 0, db.fail(err)
	}
	out := []*smartmaint.AuditEntry{}
	err = db.streamAudit(ctx, `SELECT `+auditColumns+` FROM audit_log`+where(conds)+` ORDER BY seq DESC LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset), func(e *smartmaint.AuditEntry) (bool, error) {
			out = append(out, e)
			return true, nil
		})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// ExportAudit streams every matching entry of the tenant in ctx (the
// platform chain when ctx carries no tenant) to fn, oldest first; Limit and
// Offset are ignored. An error from fn stops the export and is returned.
func (db *DB) ExportAudit(ctx context.Context, f smartmaint.AuditFilter, fn func(*smartmaint.AuditEntry) error) error {
	conds, args := auditWhere(smartmaint.TenantFromContext(ctx), f)
	return db.streamAudit(ctx, `SELECT `+auditColumns+` FROM audit_log`+where(conds)+` ORDER BY seq`, args,
		func(e *smartmaint.AuditEntry) (bool, error) { return true, fn(e) })
}

// streamAudit runs query on a read connection and hands each entry to fn
// until fn returns false or an error, which it returns as it is.
func (db *DB) streamAudit(ctx context.Context, query string, args []any, fn func(*smartmaint.AuditEntry) (bool, error)) error {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return db.fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return db.fail(err)
		}
		more, err := fn(e)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return db.fail(rows.Err())
}

// VerifyAudit recomputes tenantID's chain ("" for the platform) in seq
// order, streaming it from the database, and reports the first entry that
// does not check out.
func (db *DB) VerifyAudit(ctx context.Context, tenantID string) (smartmaint.AuditVerification, error) {
	var err error
	v := smartmaint.VerifyChain(tenantID, func(yield func(*smartmaint.AuditEntry) bool) {
		err = db.streamAudit(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE tenant_id = ? ORDER BY seq`,
			[]any{tenantID}, func(e *smartmaint.AuditEntry) (bool, error) { return yield(e), nil })
	})
	if err != nil {
		return smartmaint.AuditVerification{}, err
	}
	return v, nil
}

// AuditTenants lists the IDs of the chains in the log ("" for the
// platform's), in byte order. It skips from one tenant to the next through
// the primary key instead of reading every entry.
func (db *DB) AuditTenants(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `
		WITH RECURSIVE t (id) AS (
			SELECT (SELECT tenant_id FROM audit_log ORDER BY tenant_id LIMIT 1)
			UNION ALL
			SELECT (SELECT tenant_id FROM audit_log WHERE tenant_id > t.id ORDER BY tenant_id LIMIT 1)
			FROM t WHERE t.id IS NOT NULL)
		SELECT id FROM t WHERE id IS NOT NULL`)
	if err != nil {
		return nil, db.fail(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.fail(err)
		}
		out = append(out, id)
	}
	return out, db.fail(rows.Err())
}
