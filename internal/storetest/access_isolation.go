package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"smartmaint"
)

// testAccessIsolation gives tenant B a member, an API key and audit entries,
// and checks that tenant A (the default tenant) can neither see nor change
// any of them, and that B's objects survive A's attempts.
func testAccessIsolation(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	bg := context.Background()
	ctxB := e.tenant("tenant-b", 30, 60)
	ctxA := e.ctx
	bob := e.user(ctxB, "bob@b.example.com", "Bob", smartmaint.RoleAdmin)
	ann := e.user(ctxA, "ann@a.example.com", "Ann", smartmaint.RoleAdmin)
	keyB := &smartmaint.APIKey{ID: "shared-key-id", Name: "B gateway", Hash: "b-hash", Scopes: []string{smartmaint.PermDataIngest}}
	if err := e.a.CreateAPIKey(ctxB, keyB); err != nil {
		t.Fatalf("B CreateAPIKey: %v", err)
	}
	if err := e.s.CreateSite(ctxB, &smartmaint.Site{ID: "site-b", Name: "B plant"}); err != nil {
		t.Fatalf("B CreateSite: %v", err)
	}

	notFound := map[string]func() error{
		"FindAPIKeyByID":   func() error { return second(e.a.FindAPIKeyByID(ctxA, keyB.ID)) },
		"RevokeAPIKey":     func() error { return second(e.a.RevokeAPIKey(ctxA, keyB.ID, Epoch)) },
		"TouchAPIKey":      func() error { return e.a.TouchAPIKey(ctxA, keyB.ID, Epoch) },
		"DeleteMembership": func() error { return e.a.DeleteMembership(ctxA, bob.ID) },
	}
	for name, call := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, name+" across tenants", call(), smartmaint.ENOTFOUND) })
	}
	if ids := keyIDs(t, e.a, ctxA); len(ids) != 0 {
		t.Fatalf("A lists B's keys: %v", ids)
	}
	if ids := memberIDs(t, e.a, ctxA); !slices.Equal(ids, []string{ann.ID}) {
		t.Fatalf("A's members = %v, want ann only", ids)
	}
	checkAuditInvisible(t, e, ctxA, "tenant-b", []string{keyB.ID, bob.ID, "site-b"})

	// A may use the same key ID for its own key: IDs are per tenant.
	keyA := &smartmaint.APIKey{ID: "shared-key-id", Name: "A script", Hash: "a-hash", Scopes: []string{smartmaint.PermDataRead}}
	if err := e.a.CreateAPIKey(ctxA, keyA); err != nil {
		t.Fatalf("A CreateAPIKey with B's key ID: %v", err)
	}
	if _, err := e.a.RevokeAPIKey(ctxA, keyA.ID, Epoch); err != nil {
		t.Fatalf("A RevokeAPIKey of its own key: %v", err)
	}

	// A may give B's user a role in A (an account is platform-wide) and take
	// it away again; B's membership of that user stays as it was.
	if _, err := e.a.SetMembership(ctxA, bob.ID, smartmaint.RoleViewer); err != nil {
		t.Fatalf("A SetMembership of B's user: %v", err)
	}
	ms, err := e.a.FindMemberships(bg, bob.ID)
	if err != nil || len(ms) != 2 || ms[0].TenantID != smartmaint.DefaultTenantID || ms[0].Role != smartmaint.RoleViewer ||
		ms[1].TenantID != "tenant-b" || ms[1].Role != smartmaint.RoleAdmin {
		t.Fatalf("bob's memberships after A added him = %+v, %v; want default viewer, tenant-b admin", ms, err)
	}
	if err := e.a.DeleteMembership(ctxA, bob.ID); err != nil {
		t.Fatalf("A DeleteMembership of its own membership: %v", err)
	}
	if ms, err := e.a.FindMemberships(bg, bob.ID); err != nil || len(ms) != 1 || ms[0].TenantID != "tenant-b" || ms[0].Role != smartmaint.RoleAdmin {
		t.Fatalf("bob's memberships after A removed him from A = %+v, %v; want tenant-b admin only", ms, err)
	}

	// B is untouched.
	k, err := e.a.FindAPIKeyByID(ctxB, keyB.ID)
	if err != nil || k.RevokedAt != nil || k.LastUsedAt != nil || k.Name != "B gateway" {
		t.Fatalf("B's key after A's attempts: %+v, %v", k, err)
	}
	if k, err := e.a.FindAPIKeyByHash(bg, "b-hash"); err != nil || k.TenantID != "tenant-b" {
		t.Fatalf("B's key by hash: %+v, %v", k, err)
	}
	if ids := memberIDs(t, e.a, ctxB); !slices.Equal(ids, []string{bob.ID}) {
		t.Fatalf("B's members after A's attempts = %v", ids)
	}
	if v, err := e.a.VerifyAudit(bg, "tenant-b"); err != nil || !v.OK || v.Entries != 3 {
		t.Fatalf("B's chain after A's actions: %+v, %v; want 3 intact entries", v, err)
	}
}

// checkAuditInvisible checks that the tenant in ctx finds and exports none
// of other's entries, by any filter.
func checkAuditInvisible(t *testing.T, e *accessEnv, ctx context.Context, other string, otherTargets []string) {
	t.Helper()
	entries, total, err := e.a.FindAudit(ctx, smartmaint.AuditFilter{Limit: smartmaint.MaxPageSize})
	if err != nil {
		t.Fatalf("FindAudit: %v", err)
	}
	own := smartmaint.TenantFromContext(ctx)
	for _, x := range entries {
		if x.TenantID != own {
			t.Fatalf("tenant %q lists an entry of %q: %+v", own, x.TenantID, x)
		}
	}
	if total != len(entries) {
		t.Fatalf("FindAudit total %d for %d entries", total, len(entries))
	}
	for _, target := range otherTargets {
		f := smartmaint.AuditFilter{TargetID: target, From: at(-time.Hour)}
		if got, n, err := e.a.FindAudit(ctx, f); err != nil || n != 0 || len(got) != 0 {
			t.Fatalf("tenant %q finds %d entries about %s of %q (%v)", own, n, target, other, err)
		}
		exported := 0
		err := e.a.ExportAudit(ctx, f, func(*smartmaint.AuditEntry) error { exported++; return nil })
		if err != nil || exported != 0 {
			t.Fatalf("tenant %q exports %d entries about %s of %q (%v)", own, exported, target, other, err)
		}
	}
}
