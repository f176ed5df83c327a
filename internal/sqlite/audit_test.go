package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"smartmaint"
	smsqlite "smartmaint/internal/sqlite"
	"smartmaint/internal/storetest"
)

// sideConn opens a connection of its own to the store's database file, as
// another process (or an attacker with the file) would, behind the store's
// back.
func sideConn(tb testing.TB, db *smsqlite.DB) *sql.DB {
	tb.Helper()
	u := url.URL{Path: db.Path()}
	side, err := sql.Open("sqlite", "file:"+u.EscapedPath()+"?_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	side.SetMaxOpenConns(1)
	tb.Cleanup(func() { side.Close() })
	return side
}

// auditPayload are the columns of an entry that TamperSwap exchanges.
const auditPayload = `time, actor_kind, actor_id, action, target_type, target_id, request_id, client_ip, summary, prev_hash, hash`

// tamperAudit edits db's audit log as storetest.AuditTamper describes, on a
// separate connection: it drops the append-only triggers, makes the edit
// and recreates them in one transaction, as an attacker who can change the
// schema would.
func tamperAudit(tb testing.TB, db *smsqlite.DB, t storetest.AuditTamper) {
	tb.Helper()
	ctx := context.Background()
	side := sideConn(tb, db)
	err := inTx(ctx, side, func(tx *sql.Tx) error {
		triggers, err := dropAuditTriggers(ctx, tx)
		if err != nil {
			return err
		}
		if err := tamper(ctx, tx, t); err != nil {
			return err
		}
		for _, ddl := range triggers {
			if _, err := tx.ExecContext(ctx, ddl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("tamper with the audit log (%+v): %v", t, err)
	}
}

// inTx runs fn in a transaction of side, committing when it succeeds.
func inTx(ctx context.Context, side *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := side.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// dropAuditTriggers drops the triggers on audit_log and returns the
// statements that recreate them.
func dropAuditTriggers(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'`)
	if err != nil {
		return nil, err
	}
	var names, ddl []string
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			rows.Close()
			return nil, err
		}
		names, ddl = append(names, name), append(ddl, sql)
	}
	rows.Close()
	if len(names) != 3 {
		return nil, fmt.Errorf("audit_log has triggers %v, want the three append-only ones", names)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+name); err != nil {
			return nil, err
		}
	}
	return ddl, nil
}

// tamper makes the edit t describes.
func tamper(ctx context.Context, tx *sql.Tx, t storetest.AuditTamper) error {
	var res sql.Result
	var err error
	switch t.Kind {
	case storetest.TamperSummary:
		res, err = tx.ExecContext(ctx, `UPDATE audit_log SET summary = '{"tampered":true}' WHERE tenant_id = ? AND seq = ?`, t.TenantID, t.Seq)
	case storetest.TamperDelete:
		res, err = tx.ExecContext(ctx, `DELETE FROM audit_log WHERE tenant_id = ? AND seq = ?`, t.TenantID, t.Seq)
	case storetest.TamperSwap:
		return swapEntries(ctx, tx, t.TenantID, t.Seq)
	default:
		return fmt.Errorf("unknown audit tamper kind %q", t.Kind)
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("no entry %d in chain %q", t.Seq, t.TenantID)
	}
	return nil
}

// swapEntries exchanges the stored contents of entries seq and seq+1.
func swapEntries(ctx context.Context, tx *sql.Tx, tenant string, seq int64) error {
	var a, b [11]any
	for _, x := range []struct {
		vals *[11]any
		seq  int64
	}{{&a, seq}, {&b, seq + 1}} {
		dest := make([]any, len(x.vals))
		for i := range x.vals {
			dest[i] = &x.vals[i]
		}
		if err := tx.QueryRowContext(ctx, `SELECT `+auditPayload+` FROM audit_log WHERE tenant_id = ? AND seq = ?`,
			tenant, x.seq).Scan(dest...); err != nil {
			return fmt.Errorf("entry %d of chain %q: %w", x.seq, tenant, err)
		}
	}
	set := `UPDATE audit_log SET time = ?, actor_kind = ?, actor_id = ?, action = ?, target_type = ?, target_id = ?,
		request_id = ?, client_ip = ?, summary = ?, prev_hash = ?, hash = ? WHERE tenant_id = ? AND seq = ?`
	if _, err := tx.ExecContext(ctx, set, append(b[:], tenant, seq)...); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, set, append(a[:], tenant, seq+1)...)
	return err
}

// triggerCode returns the extended SQLite result code of err, or 0.
func triggerCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// TestAuditAppendOnly checks that no connection can change or remove audit
// entries while the triggers stand: UPDATE, DELETE (with or without a WHERE
// clause), REPLACE and upserts are refused with SQLITE_CONSTRAINT_TRIGGER.
func TestAuditAppendOnly(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "a.db"), time.Now)
	ctx := context.Background()
	if err := db.CreateSite(tenantCtx, &smartmaint.Site{ID: "s", Name: "Plant"}); err != nil {
		t.Fatal(err)
	}
	side := sideConn(t, db)
	for _, stmt := range []string{
		`UPDATE audit_log SET summary = '{}' WHERE tenant_id = 'default' AND seq = 1`,
		`UPDATE audit_log SET seq = seq`,
		`DELETE FROM audit_log WHERE tenant_id = 'default'`,
		`DELETE FROM audit_log`,
		`INSERT OR REPLACE INTO audit_log (tenant_id, seq, time, actor_kind, action, prev_hash, hash)
			VALUES ('default', 1, 0, 'system', 'x', '', '')`,
		`REPLACE INTO audit_log SELECT * FROM audit_log`,
		`INSERT INTO audit_log (tenant_id, seq, time, actor_kind, action, prev_hash, hash)
			VALUES ('default', 1, 0, 'system', 'x', '', '') ON CONFLICT DO UPDATE SET summary = '{}'`,
	} {
		_, err := side.ExecContext(ctx, stmt)
		if code := triggerCode(err); code != sqlite3.SQLITE_CONSTRAINT_TRIGGER {
			t.Fatalf("%s: error %v (code %d), want the trigger's refusal", stmt, err, code)
		}
	}
	if v, err := db.VerifyAudit(ctx, smartmaint.DefaultTenantID); err != nil || !v.OK || v.Entries != 1 {
		t.Fatalf("VerifyAudit after the refused statements = %+v, %v", v, err)
	}
}

// refuseAudit installs a trigger that makes inserting audit entries fail
// (those whose target ID is target, or all when target is empty).
func refuseAudit(tb testing.TB, db *smsqlite.DB, target string) {
	tb.Helper()
	when := ""
	if target != "" {
		when = "WHEN NEW.target_id = '" + target + "'"
	}
	_, err := sideConn(tb, db).Exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log ` + when + `
		BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`)
	if err != nil {
		tb.Fatal(err)
	}
}

// TestAuditSameTransaction checks that a change and its audit entry commit
// together: when the entry cannot be written, the change is rolled back.
func TestAuditSameTransaction(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "t.db"), time.Now)
	ctx := context.Background()
	refuseAudit(t, db, "")
	k := &smartmaint.APIKey{Name: "k", Hash: "h", Scopes: []string{smartmaint.PermDataRead}}
	rs := []smartmaint.Reading{{SensorID: "new-sensor", Time: time.Now(), Value: 1, Quality: 1}}
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
	err := sideConn(t, db).QueryRow(`SELECT (SELECT count(*) FROM sites) + (SELECT count(*) FROM tenants WHERE id = 'acme')
		+ (SELECT count(*) FROM api_keys) + (SELECT count(*) FROM sensors) + (SELECT count(*) FROM reading_blocks)
		+ (SELECT count(*) FROM users) + (SELECT count(*) FROM memberships) + (SELECT count(*) FROM audit_log)`).Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("%d rows survived their failed audit entry (%v)", n, err)
	}
}

// TestAuditGroupCommit runs concurrent changes that the writer commits
// together, one of which cannot be audited: that one is rolled back alone,
// with its entry, and the others' entries form an intact chain.
func TestAuditGroupCommit(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "g.db"), time.Now)
	refuseAudit(t, db, "site-bad")
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("site-", i)
			if i == n/2 {
				id = "site-bad"
			}
			errs[i] = db.CreateSite(tenantCtx, &smartmaint.Site{ID: id, Name: "Plant"})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if want := i != n/2; (err == nil) != want {
			t.Fatalf("CreateSite %d: %v", i, err)
		}
	}
	if _, err := db.FindSiteByID(tenantCtx, "site-bad"); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Fatalf("the site whose audit entry failed exists: %v", err)
	}
	if _, total, err := db.FindSites(tenantCtx, smartmaint.SiteFilter{}); err != nil || total != n-1 {
		t.Fatalf("FindSites total %d (%v), want %d", total, err, n-1)
	}
	v, err := db.VerifyAudit(context.Background(), smartmaint.DefaultTenantID)
	if err != nil || !v.OK || v.Entries != n-1 {
		t.Fatalf("VerifyAudit = %+v, %v; want OK with %d entries", v, err, n-1)
	}
	if st := db.Stats(); st.Jobs <= st.Commits {
		t.Logf("no group commit happened this run (%d jobs, %d commits): only the single-job path was exercised", st.Jobs, st.Commits)
	}
}
