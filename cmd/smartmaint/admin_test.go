package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// runMain runs the program with args and returns its output and error.
func runMain(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	return out.String(), err
}

// TestVerifyAuditDetectsAnEditedRow: changes made through the admin commands
// are audited; verify-audit passes, then fails naming the entry once a row is
// edited behind the store's back (by someone who drops the append-only
// trigger, as only a database owner could).
func TestVerifyAuditDetectsAnEditedRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	db := "sqlite:" + path
	steps := [][]string{
		{"admin", "create-tenant", "--db", db, "--id", "acme", "--name", "ACME"},
		{"admin", "create-user", "--db", db, "--email", "ops@acme.example", "--name", "Ops", "--tenant", "acme"},
		{"admin", "create-key", "--db", db, "--tenant", "acme", "--name", "gateway", "--scopes", "data:ingest"},
	}
	for _, args := range steps {
		if out, err := runMain(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	out, err := runMain(t, "admin", "verify-audit", "--db", db)
	if err != nil || !strings.Contains(out, "acme") || strings.Contains(out, "BROKEN") {
		t.Fatalf("intact chains: %v\n%s", err, out)
	}

	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var trigger string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log' AND sql LIKE '%UPDATE%'`).Scan(&trigger); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET action = 'x' WHERE tenant_id = 'acme' AND seq = 1`); err == nil {
		t.Fatal("the append-only trigger let an UPDATE through")
	}
	tamper := []string{
		`DROP TRIGGER ` + triggerName(trigger),
		`UPDATE audit_log SET summary = '{"role":"viewer"}' WHERE tenant_id = 'acme' AND seq = 1`,
		trigger,
	}
	for _, q := range tamper {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	out, err = runMain(t, "admin", "verify-audit", "--db", db, "--tenant", "acme")
	if err == nil || !strings.Contains(out, "BROKEN  at entry 1") || !strings.Contains(out, "edited") {
		t.Fatalf("an edited row was not detected: %v\n%s", err, out)
	}
}

// triggerName takes the name out of a CREATE TRIGGER statement.
func triggerName(stmt string) string {
	f := strings.Fields(stmt)
	for i, w := range f {
		if strings.EqualFold(w, "TRIGGER") && i+1 < len(f) {
			name := f[i+1]
			if strings.EqualFold(name, "IF") && i+4 < len(f) {
				name = f[i+4]
			}
			return name
		}
	}
	return ""
}
