package auth

import (
	"context"
	"testing"

	"smartmaint"
)

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	e.auth.Tenants = fakeTenants{ids: []string{"acme", "globex"}}
	acme := smartmaint.NewContextWithTenant(context.Background(), "acme")
	u, err := e.auth.CreateUser(acme, " Ann@Example.com", " Ann Lee ", goodPassword, smartmaint.RoleEngineer)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Email != "ann@example.com" || u.Name != "Ann Lee" {
		t.Fatalf("user %+v", u)
	}
	if ok, _, err := e.auth.hasher().Verify(e.user(t, u.ID).PasswordHash, goodPassword); !ok || err != nil {
		t.Fatalf("stored hash does not verify: %v", err)
	}
	ms, _ := e.store.FindMemberships(context.Background(), u.ID)
	if len(ms) != 1 || ms[0].TenantID != "acme" || ms[0].Role != smartmaint.RoleEngineer {
		t.Fatalf("memberships %+v", ms)
	}

	// The same email in another tenant: only a membership, same account and
	// password.
	globex := principalCtx(&smartmaint.Principal{Kind: "user", ID: "g-admin", TenantID: "globex", Permissions: []string{smartmaint.PermUsersManage}})
	again, err := e.auth.CreateUser(globex, "ann@example.com", "Someone Else", "a different long password", smartmaint.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != u.ID || e.user(t, u.ID).Name != "Ann Lee" {
		t.Fatalf("existing account changed: %+v", again)
	}
	if _, err := e.login("ann@example.com", "a different long password"); err == nil {
		t.Fatal("the second administrator's password works on the existing account")
	}
	if _, err := e.auth.Login(context.Background(), LoginRequest{Email: "ann@example.com", Password: goodPassword, TenantID: "globex"}); err != nil {
		t.Fatalf("sign-in to the new membership: %v", err)
	}
}

func TestCreateUserRefusals(t *testing.T) {
	e := newEnv(t)
	e.auth.Tenants = fakeTenants{ids: []string{"acme", "globex"}}
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	acme := smartmaint.NewContextWithTenant(context.Background(), "acme")
	nowhere := smartmaint.NewContextWithTenant(context.Background(), "initech")
	viewer := principalCtx(&smartmaint.Principal{Kind: "user", ID: "v", TenantID: "acme", Permissions: []string{smartmaint.PermDataRead}})
	otherAdmin := smartmaint.NewContextWithTenant(principalCtx(&smartmaint.Principal{Kind: "user", ID: "g", TenantID: "globex",
		Permissions: []string{smartmaint.PermUsersManage}}), "acme")
	for _, tc := range []struct {
		name                        string
		ctx                         context.Context
		email, userName, pass, role string
		code, msg                   string
	}{
		{"no tenant", context.Background(), "bob@example.com", "Bob", goodPassword, "viewer", smartmaint.EUNAUTHORIZED, ""},
		{"unknown tenant", nowhere, "bob@example.com", "Bob", goodPassword, "viewer", smartmaint.ENOTFOUND, ""},
		{"without users:manage", viewer, "bob@example.com", "Bob", goodPassword, "viewer", smartmaint.EFORBIDDEN, "users:manage"},
		{"admin of another tenant", otherAdmin, "bob@example.com", "Bob", goodPassword, "viewer", smartmaint.EFORBIDDEN, "users:manage"},
		{"unknown role", acme, "bob@example.com", "Bob", goodPassword, "owner", smartmaint.EINVALID, "role"},
		{"weak password", acme, "bob@example.com", "Bob", "password1234", "viewer", smartmaint.EINVALID, "password: is one of"},
		{"weak password, existing email", acme, "ann@example.com", "Ann", "password1234", "viewer", smartmaint.EINVALID, "password: is one of"},
		{"bad email", acme, "bob at example", "Bob", goodPassword, "viewer", smartmaint.EINVALID, "email"},
		{"no name", acme, "bob@example.com", "", goodPassword, "viewer", smartmaint.EINVALID, "name"},
		{"already a member", acme, "ann@example.com", "Ann", goodPassword, "admin", smartmaint.ECONFLICT, "already a member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := e.auth.CreateUser(tc.ctx, tc.email, tc.userName, tc.pass, tc.role)
			if err == nil {
				t.Fatalf("created %+v", u)
			}
			wantCode(t, err, tc.code, tc.msg)
		})
	}
	if n, _ := e.store.CountUsers(context.Background()); n != 1 {
		t.Fatalf("%d users, want only Ann", n)
	}
	if ms, _ := e.store.FindMemberships(context.Background(), e.user(t, "u1").ID); len(ms) != 1 || ms[0].Role != "viewer" {
		t.Fatalf("Ann's memberships changed: %+v", ms)
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	current, other := e.mustLogin(t, "ann@example.com"), e.mustLogin(t, "ann@example.com")
	ctx := NewContextWithSession(principalCtx(current.Principal), current.Session)
	const newPassword = "seven kestrels at dusk"

	wantCode(t, e.auth.ChangePassword(ctx, u.ID, "not the password", newPassword), smartmaint.EINVALID, "old_password")
	if got := e.user(t, u.ID).FailedLogins; got != 1 {
		t.Fatalf("a wrong old password counted %d failures, want 1", got)
	}
	wantCode(t, e.auth.ChangePassword(ctx, u.ID, goodPassword, goodPassword), smartmaint.EINVALID, "must differ")
	wantCode(t, e.auth.ChangePassword(ctx, u.ID, goodPassword, "ann@example.com"), smartmaint.EINVALID, "email")
	wantCode(t, e.auth.ChangePassword(ctx, u.ID, "", newPassword), smartmaint.EINVALID, "old_password: is required")
	bob := principalCtx(&smartmaint.Principal{Kind: "user", ID: "someone-else", TenantID: "acme"})
	wantCode(t, e.auth.ChangePassword(bob, u.ID, goodPassword, newPassword), smartmaint.EFORBIDDEN, "own password")

	if err := e.auth.ChangePassword(ctx, u.ID, goodPassword, newPassword); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.auth.AuthenticateSession(context.Background(), current.Token); err != nil {
		t.Fatalf("the session that changed the password was ended: %v", err)
	}
	if _, _, err := e.auth.AuthenticateSession(context.Background(), other.Token); err == nil {
		t.Fatal("another session survived the password change")
	}
	if _, err := e.login("ann@example.com", goodPassword); err == nil {
		t.Fatal("the old password still works")
	}
	if _, err := e.login("ann@example.com", newPassword); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}

func TestChangePasswordLocks(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	res := e.mustLogin(t, "ann@example.com")
	ctx := principalCtx(res.Principal) // no session in ctx: every session ends
	for range 6 {
		e.auth.ChangePassword(ctx, u.ID, "not the password", "seven kestrels at dusk")
	}
	err := e.auth.ChangePassword(ctx, u.ID, goodPassword, "seven kestrels at dusk")
	wantLocked(t, err, e.clock.Now().Add(DefaultLockoutPolicy().Delay(6)))
	e.clock.Advance(DefaultLockoutPolicy().Delay(6))
	if err := e.auth.ChangePassword(ctx, u.ID, goodPassword, "seven kestrels at dusk"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.auth.AuthenticateSession(context.Background(), res.Token); err == nil {
		t.Fatal("session survived a password change made without a session in ctx")
	}
	// Six failures, the lock, and the attempt refused while locked.
	if got := e.auditActions(""); len(got) != 8 || got[0] != "auth.password_change_failed" || got[6] != "auth.locked" ||
		got[7] != "auth.password_change_failed" {
		t.Fatalf("platform chain %v", got)
	}
}
