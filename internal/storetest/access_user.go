package storetest

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"smartmaint"
)

func testUsers(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	bg := context.Background()
	if n := e.countUsers(); n != 0 {
		t.Fatalf("CountUsers on a fresh store = %d", n)
	}
	u := &smartmaint.User{Email: "  Ana.Silva@Example.COM ", Name: "Ana Silva", PasswordHash: testHash}
	if err := e.a.CreateUser(bg, u, ""); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if id, err := uuid.Parse(u.ID); err != nil || id.Version() != 7 {
		t.Fatalf("generated user ID %q is not a UUIDv7 (%v)", u.ID, err)
	}
	if u.Email != "ana.silva@example.com" || !u.CreatedAt.Equal(Epoch) || !u.UpdatedAt.Equal(Epoch) {
		t.Fatalf("CreateUser left email %q, created %v, updated %v", u.Email, u.CreatedAt, u.UpdatedAt)
	}
	for _, lookup := range []struct {
		name string
		find func() (*smartmaint.User, error)
	}{
		{"by ID", func() (*smartmaint.User, error) { return e.a.FindUserByID(bg, u.ID) }},
		{"by email", func() (*smartmaint.User, error) { return e.a.FindUserByEmail(bg, "ana.silva@example.com") }},
		{"by email in another case", func() (*smartmaint.User, error) { return e.a.FindUserByEmail(bg, " ANA.Silva@example.com") }},
	} {
		got, err := lookup.find()
		if err != nil || !reflect.DeepEqual(got, u) {
			t.Fatalf("FindUser %s = %+v, %v; want %+v", lookup.name, got, err, u)
		}
	}

	// Emails are unique whatever their case; IDs are unique.
	err := e.a.CreateUser(bg, &smartmaint.User{Email: "ANA.SILVA@example.com", Name: "Other", PasswordHash: testHash}, "")
	wantCode(t, "CreateUser with the email in capitals", err, smartmaint.ECONFLICT)
	err = e.a.CreateUser(bg, &smartmaint.User{ID: u.ID, Email: "other@example.com", Name: "Other", PasswordHash: testHash}, "")
	wantCode(t, "CreateUser with a taken ID", err, smartmaint.ECONFLICT)
	invalid := []struct {
		name  string
		u     smartmaint.User
		field string
	}{
		{"no email", smartmaint.User{Name: "x", PasswordHash: testHash}, "email"},
		{"bad email", smartmaint.User{Email: "Bob <bob@example.com>", Name: "x", PasswordHash: testHash}, "email"},
		{"no name", smartmaint.User{Email: "x@example.com", PasswordHash: testHash}, "name"},
		{"no password", smartmaint.User{Email: "y@example.com", Name: "y"}, "password"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) { wantErrField(t, "CreateUser", e.a.CreateUser(bg, &tc.u, ""), tc.field) })
	}
	for _, missing := range []func() error{
		func() error { _, err := e.a.FindUserByID(bg, "nobody"); return err },
		func() error { _, err := e.a.FindUserByEmail(bg, "nobody@example.com"); return err },
		func() error {
			_, err := e.a.UpdateUser(bg, "nobody", smartmaint.UserUpdate{Name: ptr("x")})
			return err
		},
	} {
		wantCode(t, "unknown user", missing(), smartmaint.ENOTFOUND)
	}
	if n := e.countUsers(); n != 1 {
		t.Fatalf("CountUsers = %d after one good and several refused creations", n)
	}

	e.clock.Advance(time.Minute)
	upd, err := e.a.UpdateUser(bg, u.ID, smartmaint.UserUpdate{Name: ptr("Ana S."), Disabled: ptr(true),
		PlatformOperator: ptr(true), PasswordHash: ptr(testHash + "2")})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	want := *u
	want.Name, want.Disabled, want.PlatformOperator, want.PasswordHash, want.UpdatedAt = "Ana S.", true, true, testHash+"2", at(time.Minute)
	if !reflect.DeepEqual(upd, &want) {
		t.Fatalf("UpdateUser = %+v, want %+v", upd, &want)
	}
	if got, _ := e.a.FindUserByID(bg, u.ID); !reflect.DeepEqual(got, &want) {
		t.Fatalf("stored user after UpdateUser = %+v, want %+v", got, &want)
	}
	_, err = e.a.UpdateUser(bg, u.ID, smartmaint.UserUpdate{Name: ptr("")})
	wantErrField(t, "UpdateUser empty name", err, "name")
	e.user(bg, "second@example.com", "Second", "")
	if n := e.countUsers(); n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}
}

func testCreateUserAtomic(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	ghost := smartmaint.NewContextWithTenant(context.Background(), "ghost-tenant")
	cases := []struct {
		name string
		ctx  context.Context
		role string
		code string
	}{
		{"invalid role", e.ctx, "superuser", smartmaint.EINVALID},
		{"role without a tenant", context.Background(), smartmaint.RoleViewer, smartmaint.EUNAUTHORIZED},
		{"unknown tenant", ghost, smartmaint.RoleAdmin, smartmaint.ENOTFOUND},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := &smartmaint.User{Email: "atomic@example.com", Name: "Atomic", PasswordHash: testHash}
			wantCode(t, "CreateUser", e.a.CreateUser(tc.ctx, u, tc.role), tc.code)
			_, err := e.a.FindUserByEmail(context.Background(), "atomic@example.com")
			wantCode(t, "the user of a refused CreateUser", err, smartmaint.ENOTFOUND)
			if n := e.countUsers(); n != 0 {
				t.Fatalf("CountUsers = %d after a refused CreateUser", n)
			}
		})
	}
	if tenants, err := e.a.AuditTenants(context.Background()); err != nil || len(tenants) != 0 {
		t.Fatalf("refused CreateUser calls left audit chains %q (%v)", tenants, err)
	}
	// With a good role the user and the membership exist together.
	u := e.user(e.ctx, "atomic@example.com", "Atomic", smartmaint.RoleEngineer)
	ms, err := e.a.FindMemberships(context.Background(), u.ID)
	want := []*smartmaint.Membership{{UserID: u.ID, TenantID: smartmaint.DefaultTenantID, Role: smartmaint.RoleEngineer, CreatedAt: Epoch}}
	if err != nil || !reflect.DeepEqual(ms, want) {
		t.Fatalf("FindMemberships = %+v, %v; want %+v", ms, err, want)
	}
}

func testLoginFailures(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	bg := context.Background()
	u := e.user(bg, "locked@example.com", "Locked", "")
	lockAt := at(time.Hour)
	var seen []int
	lock := func(n int) *time.Time {
		seen = append(seen, n)
		if n >= 3 {
			return &lockAt
		}
		return nil
	}
	for i := 1; i <= 3; i++ {
		n, until, err := e.a.RecordLoginFailure(bg, u.ID, lock)
		if err != nil || n != i || (i < 3) != (until == nil) || (until != nil && !until.Equal(lockAt)) {
			t.Fatalf("failure %d: RecordLoginFailure = %d, %v, %v", i, n, until, err)
		}
	}
	if !slices.Equal(seen, []int{1, 2, 3}) {
		t.Fatalf("lock saw counts %v, want [1 2 3]", seen)
	}
	got, _ := e.a.FindUserByID(bg, u.ID)
	if got.FailedLogins != 3 || got.LockedUntil == nil || !got.LockedUntil.Equal(lockAt) || !got.UpdatedAt.Equal(Epoch) {
		t.Fatalf("stored after 3 failures: failed %d, locked %v, updated %v", got.FailedLogins, got.LockedUntil, got.UpdatedAt)
	}
	loginAt := at(2 * time.Hour)
	if err := e.a.RecordLoginSuccess(bg, u.ID, loginAt); err != nil {
		t.Fatalf("RecordLoginSuccess: %v", err)
	}
	got, _ = e.a.FindUserByID(bg, u.ID)
	if got.FailedLogins != 0 || got.LockedUntil != nil || got.LastLoginAt == nil || !got.LastLoginAt.Equal(loginAt) {
		t.Fatalf("stored after success: failed %d, locked %v, last login %v", got.FailedLogins, got.LockedUntil, got.LastLoginAt)
	}
	_, _, err := e.a.RecordLoginFailure(bg, "nobody", lock)
	wantCode(t, "RecordLoginFailure unknown user", err, smartmaint.ENOTFOUND)
	wantCode(t, "RecordLoginSuccess unknown user", e.a.RecordLoginSuccess(bg, "nobody", loginAt), smartmaint.ENOTFOUND)

	// Concurrent failures (replicas) all count, each seeing its own number.
	const n = 16
	counts := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], _, errs[i] = e.a.RecordLoginFailure(bg, u.ID, func(int) *time.Time { return nil })
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent failure %d: %v", i, err)
		}
	}
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("concurrent failures returned counts %v, want 1..%d once each", counts, n)
		}
	}
	if got, _ := e.a.FindUserByID(bg, u.ID); got.FailedLogins != n {
		t.Fatalf("stored %d failures after %d concurrent ones", got.FailedLogins, n)
	}
}

func testMemberships(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	bg := context.Background()
	acme := e.tenant("acme", 30, 60)
	zed := e.user(bg, "zed@example.com", "Zed", "")
	amy := e.user(e.ctx, "amy@example.com", "Amy", smartmaint.RoleAdmin)

	e.clock.Advance(time.Minute)
	m, err := e.a.SetMembership(e.ctx, zed.ID, smartmaint.RoleViewer)
	wantM := &smartmaint.Membership{UserID: zed.ID, TenantID: smartmaint.DefaultTenantID, Role: smartmaint.RoleViewer, CreatedAt: at(time.Minute)}
	if err != nil || !reflect.DeepEqual(m, wantM) {
		t.Fatalf("SetMembership = %+v, %v; want %+v", m, err, wantM)
	}
	e.clock.Advance(time.Minute)
	m, err = e.a.SetMembership(e.ctx, zed.ID, smartmaint.RoleTechnician)
	wantM.Role = smartmaint.RoleTechnician // CreatedAt kept
	if err != nil || !reflect.DeepEqual(m, wantM) {
		t.Fatalf("SetMembership change = %+v, %v; want %+v", m, err, wantM)
	}
	if _, err := e.a.SetMembership(acme, zed.ID, smartmaint.RoleEngineer); err != nil {
		t.Fatalf("SetMembership in acme: %v", err)
	}
	ms, err := e.a.FindMemberships(bg, zed.ID)
	if err != nil || len(ms) != 2 || ms[0].TenantID != "acme" || ms[0].Role != smartmaint.RoleEngineer ||
		ms[1].TenantID != smartmaint.DefaultTenantID || ms[1].Role != smartmaint.RoleTechnician {
		t.Fatalf("FindMemberships = %+v, %v; want acme engineer, default technician", ms, err)
	}
	members, err := e.a.FindMembers(e.ctx)
	if err != nil || len(members) != 2 || members[0].User.ID != amy.ID || members[0].Role != smartmaint.RoleAdmin ||
		members[1].User.ID != zed.ID || members[1].Role != smartmaint.RoleTechnician || members[1].User.Email != "zed@example.com" {
		t.Fatalf("FindMembers = %+v, %v; want amy admin, zed technician (by email)", members, err)
	}
	if got := memberIDs(t, e.a, acme); !slices.Equal(got, []string{zed.ID}) {
		t.Fatalf("acme members = %v, want zed only", got)
	}

	_, err = e.a.SetMembership(e.ctx, zed.ID, "owner")
	wantErrField(t, "SetMembership bad role", err, "role")
	_, err = e.a.SetMembership(e.ctx, "nobody", smartmaint.RoleViewer)
	wantCode(t, "SetMembership unknown user", err, smartmaint.ENOTFOUND)
	_, err = e.a.SetMembership(bg, zed.ID, smartmaint.RoleViewer)
	wantCode(t, "SetMembership without tenant", err, smartmaint.EUNAUTHORIZED)
	_, err = e.a.FindMembers(bg)
	wantCode(t, "FindMembers without tenant", err, smartmaint.EUNAUTHORIZED)

	if err := e.a.DeleteMembership(e.ctx, zed.ID); err != nil {
		t.Fatalf("DeleteMembership: %v", err)
	}
	wantCode(t, "DeleteMembership twice", e.a.DeleteMembership(e.ctx, zed.ID), smartmaint.ENOTFOUND)
	wantCode(t, "DeleteMembership unknown user", e.a.DeleteMembership(e.ctx, "nobody"), smartmaint.ENOTFOUND)
	if got := memberIDs(t, e.a, e.ctx); !slices.Equal(got, []string{amy.ID}) {
		t.Fatalf("default members after delete = %v, want amy only", got)
	}
	if got := memberIDs(t, e.a, acme); !slices.Equal(got, []string{zed.ID}) {
		t.Fatalf("acme members after the default tenant removed zed = %v", got)
	}
	if ms, _ := e.a.FindMemberships(bg, "nobody"); len(ms) != 0 {
		t.Fatalf("FindMemberships of an unknown user = %+v", ms)
	}
}

// memberIDs lists the user IDs of the members of the tenant in ctx.
func memberIDs(tb testing.TB, a smartmaint.AccessStore, ctx context.Context) []string {
	tb.Helper()
	members, err := a.FindMembers(ctx)
	if err != nil {
		tb.Fatalf("FindMembers: %v", err)
	}
	var ids []string
	for _, m := range members {
		ids = append(ids, m.User.ID)
	}
	return ids
}
