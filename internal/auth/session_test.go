package auth

import (
	"context"
	"slices"
	"testing"
	"time"

	"smartmaint"
)

func TestAuthenticateSession(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleTechnician)
	res := e.mustLogin(t, "ann@example.com")
	p, s, err := e.auth.AuthenticateSession(context.Background(), res.Token)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := smartmaint.RolePermissions(smartmaint.RoleTechnician)
	if p.Kind != "user" || p.ID != u.ID || p.TenantID != "acme" || !slices.Equal(p.Permissions, want) || s.ID != res.Session.ID {
		t.Fatalf("principal %+v, session %s", p, s.ID)
	}
	if !CheckCSRF(s, res.CSRFToken) {
		t.Fatal("the session's CSRF token does not check")
	}
}

// TestAuthenticateSessionRefusals covers the acceptance "a logged-out
// session is refused on the very next request; an expired one too", and the
// other ways a session stops working.
func TestAuthenticateSessionRefusals(t *testing.T) {
	acme := smartmaint.NewContextWithTenant(context.Background(), "acme")
	yes := true
	for _, tc := range []struct {
		name   string
		change func(e *env, res *LoginResult) string // returns the token to present
		msg    string
	}{
		{"logged out", func(e *env, res *LoginResult) string {
			if err := e.auth.Logout(context.Background(), res.Token); err != nil {
				panic(err)
			}
			return res.Token
		}, "session has ended"},
		{"idle for 30 minutes", func(e *env, res *LoginResult) string {
			e.clock.Advance(30 * time.Minute)
			return res.Token
		}, "session has ended"},
		{"absolute expiry despite use", func(e *env, res *LoginResult) string {
			for range 12 * 6 { // used every 10 minutes for 12 hours
				e.clock.Advance(10 * time.Minute)
				if _, _, err := e.auth.AuthenticateSession(context.Background(), res.Token); err != nil {
					if e.clock.Now().Before(res.Session.ExpiresAt) {
						panic(err)
					}
				}
			}
			return res.Token
		}, "session has ended"},
		{"user disabled", func(e *env, res *LoginResult) string {
			e.store.UpdateUser(context.Background(), res.User.ID, smartmaint.UserUpdate{Disabled: &yes})
			return res.Token
		}, "disabled"},
		{"removed from the tenant", func(e *env, res *LoginResult) string {
			e.store.DeleteMembership(acme, res.User.ID)
			return res.Token
		}, "no longer a member"},
		{"unknown token", func(e *env, res *LoginResult) string { return NewSessionToken() }, "session has ended"},
		{"token of another kind", func(e *env, res *LoginResult) string { k, _ := NewAPIKey(); return k }, "session has ended"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.addUser(t, "ann@example.com", "acme", smartmaint.RoleAdmin)
			res := e.mustLogin(t, "ann@example.com")
			token := tc.change(e, res)
			p, s, err := e.auth.AuthenticateSession(context.Background(), token)
			if p != nil || s != nil {
				t.Fatalf("accepted: %+v", p)
			}
			wantCode(t, err, smartmaint.EUNAUTHORIZED, tc.msg)
		})
	}
}

func TestIdleTimeoutKeptAliveByUse(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	res := e.mustLogin(t, "ann@example.com")
	for i := range 20 { // 20 × 29 minutes: well past one idle timeout
		e.clock.Advance(29 * time.Minute)
		if _, _, err := e.auth.AuthenticateSession(context.Background(), res.Token); err != nil {
			t.Fatalf("use %d after 29 idle minutes: %v", i+1, err)
		}
	}
}

func TestSessionTouchedAtMostEveryMinute(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	res := e.mustLogin(t, "ann@example.com")
	for range 10 { // ten requests within 50 seconds
		e.clock.Advance(5 * time.Second)
		e.auth.AuthenticateSession(context.Background(), res.Token)
	}
	if n := e.store.callCount("TouchSession"); n != 0 {
		t.Fatalf("%d touches within the first minute, want 0", n)
	}
	e.clock.Advance(10 * time.Second)
	e.auth.AuthenticateSession(context.Background(), res.Token)
	e.auth.AuthenticateSession(context.Background(), res.Token)
	if n := e.store.callCount("TouchSession"); n != 1 {
		t.Fatalf("%d touches after a minute, want 1", n)
	}
	stored, _ := e.store.FindSessionByTokenHash(context.Background(), HashToken(res.Token))
	if !stored.LastSeenAt.Equal(e.clock.Now()) {
		t.Fatalf("LastSeenAt %v, want %v", stored.LastSeenAt, e.clock.Now())
	}
}

// TestRoleChangeAppliesOnNextRequest: permissions are resolved afresh.
func TestRoleChangeAppliesOnNextRequest(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	res := e.mustLogin(t, "ann@example.com")
	acme := smartmaint.NewContextWithTenant(context.Background(), "acme")
	for _, step := range []struct {
		role string
		has  string
		lack string
	}{
		{smartmaint.RoleViewer, smartmaint.PermDataRead, smartmaint.PermDataIngest},
		{smartmaint.RoleAdmin, smartmaint.PermUsersManage, smartmaint.PermPlatformTenants},
		{smartmaint.RoleTechnician, smartmaint.PermTasksUpdate, smartmaint.PermUsersManage},
	} {
		if _, err := e.store.SetMembership(acme, u.ID, step.role); err != nil {
			t.Fatal(err)
		}
		p, _, err := e.auth.AuthenticateSession(context.Background(), res.Token)
		if err != nil || !p.HasPermission(step.has) || p.HasPermission(step.lack) {
			t.Fatalf("as %s: %v, %v; want %s and not %s", step.role, p, err, step.has, step.lack)
		}
	}
	yes := true
	e.store.UpdateUser(context.Background(), u.ID, smartmaint.UserUpdate{PlatformOperator: &yes})
	if p, _, _ := e.auth.AuthenticateSession(context.Background(), res.Token); !p.HasPermission(smartmaint.PermPlatformTenants) {
		t.Fatalf("operator lacks %s: %v", smartmaint.PermPlatformTenants, p.Permissions)
	}
}

func TestMalformedTokensNeverReachTheStore(t *testing.T) {
	e := newEnv(t)
	for _, tok := range []string{"", "x", "your_default_api_key", NewSessionToken() + "=", "smk_" + NewSessionToken()[:40]} {
		if _, _, err := e.auth.AuthenticateSession(context.Background(), tok); smartmaint.ErrorCode(err) != smartmaint.EUNAUTHORIZED {
			t.Errorf("session %q: %v", tok, err)
		}
		if _, _, err := e.auth.AuthenticateKey(context.Background(), tok); smartmaint.ErrorCode(err) != smartmaint.EUNAUTHORIZED {
			t.Errorf("key %q: %v", tok, err)
		}
		if err := e.auth.Logout(context.Background(), tok); smartmaint.ErrorCode(err) != smartmaint.EUNAUTHORIZED {
			t.Errorf("logout %q: %v", tok, err)
		}
	}
	if n := e.store.callCount("FindSessionByTokenHash") + e.store.callCount("FindAPIKeyByHash"); n != 0 {
		t.Fatalf("%d store lookups for malformed tokens", n)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	res := e.mustLogin(t, "ann@example.com")
	other := e.mustLogin(t, "ann@example.com")
	if err := e.auth.Logout(context.Background(), res.Token); err != nil {
		t.Fatal(err)
	}
	if err := e.auth.Logout(context.Background(), res.Token); err != nil {
		t.Fatalf("second logout: %v", err)
	}
	if _, _, err := e.auth.AuthenticateSession(context.Background(), other.Token); err != nil {
		t.Fatalf("the other session was ended too: %v", err)
	}
	wantCode(t, e.auth.Logout(context.Background(), NewSessionToken()), smartmaint.EUNAUTHORIZED, "")
	acme := e.store.audit["acme"]
	last := acme[len(acme)-1]
	if last.Action != "auth.logout" || last.ActorID != u.ID || last.TargetID != res.Session.ID {
		t.Fatalf("last audit entry %+v", last)
	}
	if got := e.auditActions("acme"); len(got) != 3 {
		t.Fatalf("tenant chain %v: want two sign-ins and one sign-out", got)
	}
}

func TestSessionsAndRevokeSession(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	e.addUser(t, "bob@example.com", "acme", smartmaint.RoleViewer)
	a1, a2 := e.mustLogin(t, "ann@example.com"), e.mustLogin(t, "ann@example.com")
	bob := e.mustLogin(t, "bob@example.com")
	ctx := NewContextWithSession(principalCtx(a1.Principal), a1.Session)
	list, err := e.auth.Sessions(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("Sessions = %d, %v; want Ann's 2", len(list), err)
	}
	wantCode(t, e.auth.RevokeSession(ctx, bob.Session.ID), smartmaint.ENOTFOUND, "")
	if err := e.auth.RevokeSession(ctx, a2.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.auth.AuthenticateSession(context.Background(), a2.Token); err == nil {
		t.Fatal("revoked session still accepted")
	}
	if _, _, err := e.auth.AuthenticateSession(context.Background(), bob.Token); err != nil {
		t.Fatalf("Bob's session: %v", err)
	}
	keyCtx := principalCtx(&smartmaint.Principal{Kind: "key", ID: "k1", TenantID: "acme"})
	wantCode(t, e.auth.RevokeSession(keyCtx, a1.Session.ID), smartmaint.EFORBIDDEN, "")
	_, err = e.auth.Sessions(context.Background())
	wantCode(t, err, smartmaint.EUNAUTHORIZED, "")
}
