package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"smartmaint"
)

// session returns a session of user in the default tenant, created at
// created, with every field set.
func session(userID, tokenHash string, created time.Time) *smartmaint.Session {
	return &smartmaint.Session{TokenHash: tokenHash, UserID: userID, TenantID: smartmaint.DefaultTenantID,
		CSRFToken: "csrf-" + tokenHash, CreatedAt: created, LastSeenAt: created.Add(time.Second),
		ExpiresAt: created.Add(12 * time.Hour), IdleTimeout: 30*time.Minute + 1500*time.Microsecond,
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64)", ClientIP: "2001:db8::7"}
}

func testSessions(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	bg := context.Background()
	ana := e.user(e.ctx, "ana@example.com", "Ana", smartmaint.RoleViewer)
	bob := e.user(e.ctx, "bob@example.com", "Bob", smartmaint.RoleViewer)

	s := session(ana.ID, "hash-1", Epoch.Add(123456*time.Microsecond))
	if err := e.a.CreateSession(e.ctx, s); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if s.ID == "" {
		t.Fatal("CreateSession left the ID empty")
	}
	got, err := e.a.FindSessionByTokenHash(bg, "hash-1")
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("FindSessionByTokenHash =\n%+v, %v\nwant every field back\n%+v", got, err, s)
	}
	// A platform operator's session acts in no tenant.
	op := session(bob.ID, "hash-op", Epoch)
	op.TenantID = ""
	if err := e.a.CreateSession(bg, op); err != nil {
		t.Fatalf("CreateSession without tenant: %v", err)
	}
	if got, err := e.a.FindSessionByTokenHash(bg, "hash-op"); err != nil || !reflect.DeepEqual(got, op) {
		t.Fatalf("session without tenant = %+v, %v", got, err)
	}
	refused := []struct {
		name string
		s    *smartmaint.Session
		code string
	}{
		{"no token hash", session(ana.ID, "", Epoch), smartmaint.EINVALID},
		{"taken token hash", session(bob.ID, "hash-1", Epoch), smartmaint.ECONFLICT},
		{"unknown user", session("nobody", "hash-x", Epoch), smartmaint.ENOTFOUND},
	}
	for _, tc := range refused {
		wantCode(t, "CreateSession "+tc.name, e.a.CreateSession(e.ctx, tc.s), tc.code)
	}
	for _, h := range []string{"", "no-such-hash"} {
		_, err := e.a.FindSessionByTokenHash(bg, h)
		wantCode(t, "FindSessionByTokenHash "+h, err, smartmaint.ENOTFOUND)
	}

	touched := at(10 * time.Minute)
	if err := e.a.TouchSession(bg, s.ID, touched); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	if got, _ := e.a.FindSessionByTokenHash(bg, "hash-1"); !got.LastSeenAt.Equal(touched) {
		t.Fatalf("LastSeenAt after touch = %v, want %v", got.LastSeenAt, touched)
	}
	wantCode(t, "TouchSession unknown", e.a.TouchSession(bg, "nope", touched), smartmaint.ENOTFOUND)

	// Active sessions: expired, idle and revoked ones are left out.
	expired := session(ana.ID, "hash-expired", at(-13*time.Hour))
	idle := session(ana.ID, "hash-idle", at(-2*time.Hour))
	second := session(ana.ID, "hash-2", at(time.Minute))
	for _, x := range []*smartmaint.Session{expired, idle, second} {
		if err := e.a.CreateSession(e.ctx, x); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	now := at(11 * time.Minute)
	if got := sessionHashes(t, e.a, ana.ID, now); !slices.Equal(got, []string{"hash-1", "hash-2"}) {
		t.Fatalf("FindUserSessions = %v, want hash-1, hash-2 (oldest first)", got)
	}
	wantCode(t, "RevokeSession of another user", e.a.RevokeSession(bg, bob.ID, s.ID, now), smartmaint.ENOTFOUND)
	wantCode(t, "RevokeSession unknown", e.a.RevokeSession(bg, ana.ID, "nope", now), smartmaint.ENOTFOUND)
	if err := e.a.RevokeSession(bg, ana.ID, s.ID, now); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if err := e.a.RevokeSession(bg, ana.ID, s.ID, now.Add(time.Minute)); err != nil {
		t.Fatalf("RevokeSession twice: %v", err)
	}
	got, _ = e.a.FindSessionByTokenHash(bg, "hash-1")
	if got.RevokedAt == nil || !got.RevokedAt.Equal(now) || got.Active(now) {
		t.Fatalf("revoked session: RevokedAt %v (want the first revocation, %v)", got.RevokedAt, now)
	}
	if got := sessionHashes(t, e.a, ana.ID, now); !slices.Equal(got, []string{"hash-2"}) {
		t.Fatalf("FindUserSessions after revoke = %v", got)
	}
	if err := e.a.RevokeUserSessions(bg, ana.ID, now); err != nil {
		t.Fatalf("RevokeUserSessions: %v", err)
	}
	if got := sessionHashes(t, e.a, ana.ID, now); len(got) != 0 {
		t.Fatalf("FindUserSessions after RevokeUserSessions = %v", got)
	}
	if got, _ := e.a.FindSessionByTokenHash(bg, "hash-op"); got.RevokedAt != nil {
		t.Fatal("RevokeUserSessions of ana revoked bob's session")
	}
	if tenants, _ := e.a.AuditTenants(bg); len(tenants) != 1 || tenants[0] != smartmaint.DefaultTenantID {
		t.Fatalf("audit chains %q: sessions must not be audited by the store (only the two user.create)", tenants)
	}
}

// sessionHashes lists the token hashes of the user's active sessions.
func sessionHashes(tb testing.TB, a smartmaint.AccessStore, userID string, now time.Time) []string {
	tb.Helper()
	ss, err := a.FindUserSessions(context.Background(), userID, now)
	if err != nil {
		tb.Fatalf("FindUserSessions: %v", err)
	}
	var out []string
	for _, s := range ss {
		out = append(out, s.TokenHash)
	}
	return out
}

func testAPIKeys(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	bg := context.Background()
	expires := at(24*time.Hour + 250*time.Microsecond)
	k := &smartmaint.APIKey{Name: "gateway", Prefix: "smk_ab12", Hash: "key-hash-1",
		Scopes: []string{smartmaint.PermDataIngest, smartmaint.PermDataRead}, CreatedBy: "user-1", ExpiresAt: &expires}
	if err := e.a.CreateAPIKey(e.ctx, k); err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	if k.ID == "" || k.TenantID != smartmaint.DefaultTenantID || !k.CreatedAt.Equal(Epoch) {
		t.Fatalf("CreateAPIKey left ID %q, tenant %q, created %v", k.ID, k.TenantID, k.CreatedAt)
	}
	for name, find := range map[string]func() (*smartmaint.APIKey, error){
		"FindAPIKeyByID":   func() (*smartmaint.APIKey, error) { return e.a.FindAPIKeyByID(e.ctx, k.ID) },
		"FindAPIKeyByHash": func() (*smartmaint.APIKey, error) { return e.a.FindAPIKeyByHash(bg, "key-hash-1") },
	} {
		if got, err := find(); err != nil || !reflect.DeepEqual(got, k) {
			t.Fatalf("%s = %+v, %v; want %+v", name, got, err, k)
		}
	}
	refused := []struct {
		name  string
		k     smartmaint.APIKey
		field string
	}{
		{"unknown scope", smartmaint.APIKey{Name: "x", Hash: "h2", Scopes: []string{"root"}}, "scopes"},
		{"no scope", smartmaint.APIKey{Name: "x", Hash: "h3"}, "scopes"},
		{"no name", smartmaint.APIKey{Hash: "h4", Scopes: []string{smartmaint.PermDataRead}}, "name"},
		{"no hash", smartmaint.APIKey{Name: "x", Scopes: []string{smartmaint.PermDataRead}}, "hash"},
		{"other tenant", smartmaint.APIKey{TenantID: "acme", Name: "x", Hash: "h5", Scopes: []string{smartmaint.PermDataRead}}, "tenant_id"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) { wantErrField(t, "CreateAPIKey", e.a.CreateAPIKey(e.ctx, &tc.k), tc.field) })
	}
	dup := &smartmaint.APIKey{Name: "dup", Hash: "key-hash-1", Scopes: []string{smartmaint.PermDataRead}}
	wantCode(t, "CreateAPIKey taken hash", e.a.CreateAPIKey(e.ctx, dup), smartmaint.ECONFLICT)
	wantCode(t, "CreateAPIKey without tenant", e.a.CreateAPIKey(bg, &smartmaint.APIKey{Name: "x", Hash: "h6",
		Scopes: []string{smartmaint.PermDataRead}}), smartmaint.EUNAUTHORIZED)

	e.clock.Advance(time.Second)
	k2 := &smartmaint.APIKey{Name: "script", Prefix: "smk_cd34", Hash: "key-hash-2", Scopes: []string{smartmaint.PermMLPredict}}
	if err := e.a.CreateAPIKey(e.ctx, k2); err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	if got := keyIDs(t, e.a, e.ctx); !slices.Equal(got, []string{k.ID, k2.ID}) {
		t.Fatalf("FindAPIKeys = %v, want oldest first %v", got, []string{k.ID, k2.ID})
	}

	used := at(time.Hour)
	if err := e.a.TouchAPIKey(e.ctx, k.ID, used); err != nil {
		t.Fatalf("TouchAPIKey: %v", err)
	}
	revoked := at(2 * time.Hour)
	got, err := e.a.RevokeAPIKey(e.ctx, k.ID, revoked)
	if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(revoked) || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Fatalf("RevokeAPIKey = %+v, %v", got, err)
	}
	got, err = e.a.RevokeAPIKey(e.ctx, k.ID, revoked.Add(time.Hour))
	if err != nil || !got.RevokedAt.Equal(revoked) {
		t.Fatalf("RevokeAPIKey twice = %+v, %v; want the first revocation time kept", got, err)
	}
	stored, err := e.a.FindAPIKeyByHash(bg, "key-hash-1")
	if err != nil || stored.Active(revoked) || stored.RevokedAt == nil || !stored.RevokedAt.Equal(revoked) {
		t.Fatalf("revoked key found by hash = %+v, %v; want it found, revoked, inactive", stored, err)
	}
	if got := keyIDs(t, e.a, e.ctx); len(got) != 2 {
		t.Fatalf("FindAPIKeys after revoke = %v, want both (revoked ones included)", got)
	}
	for name, err := range map[string]error{
		"FindAPIKeyByID unknown":   second(e.a.FindAPIKeyByID(e.ctx, "nope")),
		"FindAPIKeyByHash unknown": second(e.a.FindAPIKeyByHash(bg, "nope")),
		"FindAPIKeyByHash empty":   second(e.a.FindAPIKeyByHash(bg, "")),
		"RevokeAPIKey unknown":     second(e.a.RevokeAPIKey(e.ctx, "nope", revoked)),
		"TouchAPIKey unknown":      e.a.TouchAPIKey(e.ctx, "nope", used),
	} {
		wantCode(t, name, err, smartmaint.ENOTFOUND)
	}
}

// second returns the error of a two-result call.
func second[T any](_ T, err error) error { return err }

// keyIDs lists the IDs of the keys of the tenant in ctx.
func keyIDs(tb testing.TB, a smartmaint.AccessStore, ctx context.Context) []string {
	tb.Helper()
	keys, err := a.FindAPIKeys(ctx)
	if err != nil {
		tb.Fatalf("FindAPIKeys: %v", err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return ids
}
