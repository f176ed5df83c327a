package auth

import (
	"context"
	"slices"
	"testing"
	"time"

	"smartmaint"
)

// adminCtx signs in an admin of acme and returns the request context.
func adminCtx(tb testing.TB, e *env) context.Context {
	tb.Helper()
	e.addUser(tb, "admin@example.com", "acme", smartmaint.RoleAdmin)
	return principalCtx(e.mustLogin(tb, "admin@example.com").Principal)
}

func TestCreateAndAuthenticateKey(t *testing.T) {
	e := newEnv(t)
	ctx := adminCtx(t, e)
	scopes := []string{smartmaint.PermDataIngest, smartmaint.PermDataRead, smartmaint.PermDataIngest}
	secret, k, err := e.auth.CreateAPIKey(ctx, " line 3 gateway ", scopes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ParseAPIKey(secret) != nil || k.Prefix != secret[:12] || k.Hash != HashToken(secret) || k.TenantID != "acme" ||
		k.Name != "line 3 gateway" || !slices.Equal(k.Scopes, []string{smartmaint.PermDataIngest, smartmaint.PermDataRead}) {
		t.Fatalf("key %+v for secret %q", k, secret)
	}
	p, got, err := e.auth.AuthenticateKey(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != "key" || p.ID != k.ID || p.TenantID != "acme" || !slices.Equal(p.Permissions, k.Scopes) || got.ID != k.ID {
		t.Fatalf("principal %+v", p)
	}
	if got.LastUsedAt == nil || e.store.callCount("TouchAPIKey") != 1 {
		t.Fatalf("first use not recorded: %v", got.LastUsedAt)
	}
	e.clock.Advance(30 * time.Second)
	e.auth.AuthenticateKey(context.Background(), secret)
	e.clock.Advance(30 * time.Second)
	e.auth.AuthenticateKey(context.Background(), secret)
	if n := e.store.callCount("TouchAPIKey"); n != 2 {
		t.Fatalf("%d touches over a minute of use, want 2", n)
	}
}

// TestKeyRefusals covers the acceptance "a revoked key is refused on the
// very next request; an expired one too".
func TestKeyRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(e *env, ctx context.Context, k *smartmaint.APIKey) string // returns the secret to present
		msg    string
	}{
		{"revoked", func(e *env, ctx context.Context, k *smartmaint.APIKey) string {
			e.store.RevokeAPIKey(ctx, k.ID, e.clock.Now())
			return ""
		}, "revoked or has expired"},
		{"expired", func(e *env, ctx context.Context, k *smartmaint.APIKey) string {
			e.clock.Advance(time.Hour)
			return ""
		}, "revoked or has expired"},
		{"unknown", func(e *env, ctx context.Context, k *smartmaint.APIKey) string {
			s, _ := NewAPIKey()
			return s
		}, "Invalid API key."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := adminCtx(t, e)
			expires := e.clock.Now().Add(time.Hour)
			secret, k, err := e.auth.CreateAPIKey(ctx, "k", []string{smartmaint.PermDataRead}, &expires)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.auth.AuthenticateKey(context.Background(), secret); err != nil {
				t.Fatalf("before: %v", err)
			}
			if s := tc.change(e, ctx, k); s != "" {
				secret = s
			}
			p, got, err := e.auth.AuthenticateKey(context.Background(), secret)
			if p != nil || got != nil {
				t.Fatalf("accepted: %+v", p)
			}
			wantCode(t, err, smartmaint.EUNAUTHORIZED, tc.msg)
		})
	}
}

func TestCreateAPIKeyRefusals(t *testing.T) {
	e := newEnv(t)
	admin := adminCtx(t, e)
	e.addUser(t, "eng@example.com", "acme", smartmaint.RoleEngineer)
	engineer := principalCtx(e.mustLogin(t, "eng@example.com").Principal)
	narrowKey := principalCtx(&smartmaint.Principal{Kind: "key", ID: "k9", TenantID: "acme",
		Permissions: []string{smartmaint.PermKeysManage, smartmaint.PermDataRead}})
	operator := principalCtx(&smartmaint.Principal{Kind: "user", ID: "op", Permissions: []string{smartmaint.PermPlatformTenants, smartmaint.PermKeysManage}})
	past := e.clock.Now().Add(-time.Second)
	now := e.clock.Now()
	read := []string{smartmaint.PermDataRead}
	for _, tc := range []struct {
		name      string
		ctx       context.Context
		keyName   string
		scopes    []string
		expires   *time.Time
		code, msg string
	}{
		{"no principal", context.Background(), "k", read, nil, smartmaint.EUNAUTHORIZED, ""},
		{"without keys:manage", engineer, "k", read, nil, smartmaint.EFORBIDDEN, "keys:manage"},
		{"escalation by a narrow key", narrowKey, "k", []string{smartmaint.PermDataRead, smartmaint.PermDataIngest}, nil, smartmaint.EFORBIDDEN, "data:ingest"},
		{"platform scope", admin, "k", []string{smartmaint.PermPlatformTenants}, nil, smartmaint.EINVALID, "not a permission"},
		{"unknown scope", admin, "k", []string{"data:everything"}, nil, smartmaint.EINVALID, "not a permission"},
		{"no scopes", admin, "k", nil, nil, smartmaint.EINVALID, "at least one"},
		{"expired already", admin, "k", read, &past, smartmaint.EINVALID, "expires_at"},
		{"expires now", admin, "k", read, &now, smartmaint.EINVALID, "expires_at"},
		{"no name", admin, "  ", read, nil, smartmaint.EINVALID, "name"},
		{"no tenant", operator, "k", read, nil, smartmaint.EFORBIDDEN, "organisation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret, k, err := e.auth.CreateAPIKey(tc.ctx, tc.keyName, tc.scopes, tc.expires)
			if secret != "" || k != nil {
				t.Fatalf("created %+v", k)
			}
			wantCode(t, err, tc.code, tc.msg)
			if tc.code == smartmaint.EFORBIDDEN && tc.name == "escalation by a narrow key" {
				if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != "scopes" {
					t.Fatalf("details %+v, want the field scopes", d)
				}
			}
		})
	}
	if n := e.store.callCount("CreateAPIKey"); n != 0 {
		t.Fatalf("%d keys stored", n)
	}
	if _, _, err := e.auth.CreateAPIKey(narrowKey, "k", read, nil); err != nil {
		t.Fatalf("a key granting its own scope: %v", err)
	}
}
