package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"smartmaint"
	"smartmaint/internal/pgtest"
	"smartmaint/internal/storetest"
)

// tamperSQL edits the audit log as storetest.AuditTamper describes; $1 is
// the chain, $2 the sequence number.
var tamperSQL = map[string]string{
	storetest.TamperSummary: `UPDATE audit_log SET summary = '{"tampered":true}' WHERE tenant_id = $1 AND seq = $2`,
	storetest.TamperDelete:  `DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2`,
	storetest.TamperSwap: `UPDATE audit_log a SET time = b.time, actor_kind = b.actor_kind, actor_id = b.actor_id,
		action = b.action, target_type = b.target_type, target_id = b.target_id, request_id = b.request_id,
		client_ip = b.client_ip, summary = b.summary, prev_hash = b.prev_hash, hash = b.hash
		FROM audit_log b
		WHERE a.tenant_id = $1 AND b.tenant_id = $1 AND a.seq IN ($2::bigint, $2::bigint + 1) AND b.seq = 2 * $2::bigint + 1 - a.seq`,
}

// tamperAudit edits db's audit log behind the store's back: with
// session_replication_role = replica the append-only trigger does not fire,
// as for an attacker who can disable triggers.
func tamperAudit(tb testing.TB, db *DB, t storetest.AuditTamper) {
	tb.Helper()
	sql, ok := tamperSQL[t.Kind]
	if !ok {
		tb.Fatalf("unknown audit tamper kind %q", t.Kind)
	}
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, sql, t.TenantID, t.Seq)
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("no entry %d in chain %q", t.Seq, t.TenantID)
		}
		return err
	})
	if err != nil {
		tb.Fatalf("tamper with the audit log (%+v): %v", t, err)
	}
}

// TestAuditAppendOnly checks that the store's own connection cannot change
// or remove audit entries: the trigger refuses UPDATE, DELETE and TRUNCATE.
func TestAuditAppendOnly(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	ctx := context.Background()
	if err := db.CreateSite(tenantCtx, &smartmaint.Site{ID: "s", Name: "Plant"}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET summary = '{}' WHERE tenant_id = 'default' AND seq = 1`,
		`UPDATE audit_log SET seq = seq`,
		`DELETE FROM audit_log WHERE tenant_id = 'default'`,
		`DELETE FROM audit_log WHERE false`,
		`TRUNCATE audit_log`,
	} {
		_, err := db.pool.Exec(ctx, sql)
		if code := pgCode(err); code != "42501" {
			t.Fatalf("%s: error %v (code %q), want the trigger's 42501", sql, err, code)
		}
	}
	if v, err := db.VerifyAudit(ctx, smartmaint.DefaultTenantID); err != nil || !v.OK || v.Entries != 1 {
		t.Fatalf("VerifyAudit after the refused statements = %+v, %v", v, err)
	}
}

// TestAuditSameTransaction checks that a change and its audit entry commit
// together: when the entry cannot be written, the change is rolled back.
func TestAuditSameTransaction(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, `
		CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$;
		CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();`,
		pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	k := &smartmaint.APIKey{Name: "k", Hash: "h", Scopes: []string{smartmaint.PermDataRead}}
	rs := []smartmaint.Reading{rd("new-sensor", epoch, 1)}
	calls := map[string]func() error{
		"CreateSite":    func() error { return db.CreateSite(tenantCtx, &smartmaint.Site{ID: "s", Name: "Plant"}) },
		"CreateTenant":  func() error { return db.CreateTenant(ctx, &smartmaint.Tenant{ID: "acme", Name: "Acme"}) },
		"CreateAPIKey":  func() error { return db.CreateAPIKey(tenantCtx, k) },
		"WriteReadings": func() error { _, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{}); return err },
		"CreateUser": func() error {
			return db.CreateUser(tenantCtx, &smartmaint.User{Email: "a@example.com", Name: "A", PasswordHash: "x"}, smartmaint.RoleAdmin)
		},
	}
	for name, call := range calls {
		if err := call(); smartmaint.ErrorCode(err) != smartmaint.EINTERNAL {
			t.Fatalf("%s with the audit log refusing inserts: %v, want an internal error", name, err)
		}
	}
	var n int
	err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sites) + (SELECT count(*) FROM tenants WHERE id = 'acme')
		+ (SELECT count(*) FROM api_keys) + (SELECT count(*) FROM sensors) + (SELECT count(*) FROM readings)
		+ (SELECT count(*) FROM users) + (SELECT count(*) FROM memberships)`).Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("%d rows survived their failed audit entry (%v)", n, err)
	}
}
