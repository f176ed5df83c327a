package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.AccessStore = (*DB)(nil)

// auditLockClass is the first key of the transaction advisory lock that
// serialises the appends to one chain; the second is hashtext(tenant_id).
// Two chains whose IDs hash alike merely share a lock.
const auditLockClass int32 = 0x61756474 // "audt"

// auditColumnNames are the columns of audit_log, in scanAudit order.
var auditColumnNames = []string{"tenant_id", "seq", "time", "actor_kind", "actor_id", "action", "target_type",
	"target_id", "request_id", "client_ip", "summary", "prev_hash", "hash"}

var auditColumns = strings.Join(auditColumnNames, ", ")

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
	return db.inTx(ctx, func(tx pgx.Tx) error { return db.appendAudit(ctx, tx, tenant, e) })
}

// joinDomain merges domain errors into one carrying every detail; an error
// that is not a *smartmaint.Error is returned as it is.
func joinDomain(errs ...error) error {
	var out *smartmaint.Error
	for _, err := range errs {
		if err == nil {
			continue
		}
		var e *smartmaint.Error
		if !errors.As(err, &e) {
			return err
		}
		if out == nil {
			out = &smartmaint.Error{Code: e.Code, Message: e.Message}
		} else {
			out.Message += "; " + e.Message
		}
		out.Details = append(out.Details, e.Details...)
	}
	if out == nil {
		return nil
	}
	return out
}

// appendAudit appends entries to tenant's chain ("" for the platform) in tx.
// It takes the chain's advisory lock, held until tx ends, so concurrent
// appends queue instead of forking the chain; callers append last in their
// transaction so that the lock is held only until the commit.
func (db *DB) appendAudit(ctx context.Context, tx pgx.Tx, tenant string, entries ...*smartmaint.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	// Two statements: under READ COMMITTED the second one's snapshot is
	// taken after the lock is granted, so it sees the previous append.
	batch := &pgx.Batch{}
	batch.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, auditLockClass, tenant)
	batch.Queue(`SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`, tenant)
	br := tx.SendBatch(ctx, batch)
	_, err := br.Exec()
	var seq int64
	var prev string
	if err == nil {
		err = br.QueryRow().Scan(&seq, &prev)
		if noRows(err) {
			err = nil
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return wrap("read audit chain", err)
	}
	now := db.now()
	rows := make([][]any, len(entries))
	for i, e := range entries {
		seq++
		e.TenantID, e.Seq, e.Time, e.PrevHash = tenant, seq, now, prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		var summary any
		if len(e.Summary) > 0 {
			summary = string(e.Summary)
		}
		rows[i] = []any{e.TenantID, e.Seq, e.Time, e.ActorKind, e.ActorID, e.Action, e.TargetType,
			e.TargetID, e.RequestID, e.ClientIP, summary, e.PrevHash, e.Hash}
	}
	if len(rows) == 1 {
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (`+auditColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, rows[0]...)
	} else {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, auditColumnNames, pgx.CopyFromRows(rows))
	}
	return wrap("append audit entry", err)
}

// audit appends the entry for action on a target to tenant's chain in tx,
// with the actor, request ID and client IP from ctx.
func (db *DB) audit(ctx context.Context, tx pgx.Tx, tenant, action, targetType, targetID string, summary any) error {
	return db.appendAudit(ctx, tx, tenant, smartmaint.NewAuditEntry(ctx, action, targetType, targetID, summary))
}

func scanAudit(row pgx.Row, extra ...any) (*smartmaint.AuditEntry, error) {
	var e smartmaint.AuditEntry
	var summary *string
	dest := append([]any{&e.TenantID, &e.Seq, &e.Time, &e.ActorKind, &e.ActorID, &e.Action, &e.TargetType,
		&e.TargetID, &e.RequestID, &e.ClientIP, &summary, &e.PrevHash, &e.Hash}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	e.Time = e.Time.UTC()
	if summary != nil {
		e.Summary = json.RawMessage(*summary)
	}
	return &e, nil
}

// auditWhere returns the condition and arguments selecting f's entries of
// tenant (Limit and Offset aside).
func auditWhere(tenant string, f smartmaint.AuditFilter) (string, []any) {
	where, args := []string{"tenant_id = $1"}, []any{tenant}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	for _, c := range []struct{ col, v string }{
		{"action", f.Action}, {"actor_id", f.ActorID}, {"target_type", f.TargetType}, {"target_id", f.TargetID},
	} {
		if c.v != "" {
			add(c.col+" = $%d", c.v)
		}
	}
	if !f.From.IsZero() {
		add("time >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("time <= $%d", f.To)
	}
	return strings.Join(where, " AND "), args
}

// FindAudit lists the matching entries of the tenant in ctx (the platform
// chain when ctx carries no tenant), newest first, and the number of
// matches ignoring Limit and Offset.
func (db *DB) FindAudit(ctx context.Context, f smartmaint.AuditFilter) ([]*smartmaint.AuditEntry, int, error) {
	limit, err := pageLimit(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	cond, args := auditWhere(smartmaint.TenantFromContext(ctx), f)
	rows, err := db.pool.Query(ctx, fmt.Sprintf(`SELECT `+auditColumns+`, count(*) OVER () FROM audit_log
		WHERE %s ORDER BY seq DESC LIMIT %d OFFSET %d`, cond, limit, f.Offset), args...)
	if err != nil {
		return nil, 0, wrap("find audit entries", err)
	}
	var total int
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.AuditEntry, error) { return scanAudit(r, &total) })
	if err != nil {
		return nil, 0, wrap("find audit entries", err)
	}
	if len(out) == 0 && f.Offset > 0 {
		err = db.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE `+cond, args...).Scan(&total)
	}
	return out, total, wrap("count audit entries", err)
}

// ExportAudit streams every matching entry of the tenant in ctx (the
// platform chain when ctx carries no tenant) to fn, oldest first; Limit and
// Offset are ignored. An error from fn stops the export and is returned.
func (db *DB) ExportAudit(ctx context.Context, f smartmaint.AuditFilter, fn func(*smartmaint.AuditEntry) error) error {
	cond, args := auditWhere(smartmaint.TenantFromContext(ctx), f)
	return db.streamAudit(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+cond+` ORDER BY seq`, args,
		func(e *smartmaint.AuditEntry) (bool, error) { return true, fn(e) })
}

// streamAudit runs sql and hands each entry to fn until fn returns false or
// an error.
func (db *DB) streamAudit(ctx context.Context, sql string, args []any, fn func(*smartmaint.AuditEntry) (bool, error)) error {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return wrap("read audit log", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return wrap("read audit log", err)
		}
		more, err := fn(e)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return wrap("read audit log", rows.Err())
}

// VerifyAudit recomputes tenantID's chain ("" for the platform) in seq
// order, streaming it from the database, and reports the first entry that
// does not check out.
func (db *DB) VerifyAudit(ctx context.Context, tenantID string) (smartmaint.AuditVerification, error) {
	var err error
	v := smartmaint.VerifyChain(tenantID, func(yield func(*smartmaint.AuditEntry) bool) {
		err = db.streamAudit(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE tenant_id = $1 ORDER BY seq`,
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
	rows, err := db.pool.Query(ctx, `
		WITH RECURSIVE t (id) AS (
			(SELECT tenant_id FROM audit_log ORDER BY tenant_id LIMIT 1)
			UNION ALL
			SELECT (SELECT tenant_id FROM audit_log WHERE tenant_id > t.id ORDER BY tenant_id LIMIT 1)
			FROM t WHERE t.id IS NOT NULL)
		SELECT id FROM t WHERE id IS NOT NULL`)
	if err != nil {
		return nil, wrap("list audit chains", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("list audit chains", err)
	}
	return out, nil
}
