package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

func TestLoginSuccess(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleEngineer)
	start := e.clock.Now()
	res, err := e.login("  Ann@Example.COM ", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Session
	switch {
	case ParseSessionToken(res.Token) != nil || s.TokenHash != HashToken(res.Token):
		t.Fatalf("token %q does not match the session's hash", res.Token)
	case res.CSRFToken == "" || s.CSRFToken != res.CSRFToken || res.CSRFToken == res.Token:
		t.Fatalf("CSRF token %q, session's %q", res.CSRFToken, s.CSRFToken)
	case s.UserID != u.ID || s.TenantID != "acme" || s.ClientIP != "192.0.2.7" || s.UserAgent != "test":
		t.Fatalf("session %+v", s)
	case !s.ExpiresAt.Equal(start.Add(12*time.Hour)) || s.IdleTimeout != 30*time.Minute || !s.LastSeenAt.Equal(start):
		t.Fatalf("session times %+v", s)
	case res.Principal.Kind != "user" || res.Principal.ID != u.ID || res.Principal.TenantID != "acme":
		t.Fatalf("principal %+v", res.Principal)
	case len(res.Memberships) != 1 || res.Memberships[0].Role != smartmaint.RoleEngineer:
		t.Fatalf("memberships %+v", res.Memberships)
	}
	want, _ := smartmaint.RolePermissions(smartmaint.RoleEngineer)
	if !slices.Equal(res.Principal.Permissions, want) {
		t.Fatalf("permissions %v, want %v", res.Principal.Permissions, want)
	}
	if stored, err := e.store.FindSessionByTokenHash(context.Background(), HashToken(res.Token)); err != nil || stored.ID != s.ID {
		t.Fatalf("stored session %v, %v", stored, err)
	}
	if got := e.user(t, u.ID); got.LastLoginAt == nil || !got.LastLoginAt.Equal(start) {
		t.Fatalf("LastLoginAt = %v, want %v", got.LastLoginAt, start)
	}
}

// TestLoginSameWork is the timing half of the acceptance: unknown email,
// wrong password, locked account and right password each cost one argon2id
// computation with the same parameters, and the first two get the same
// answer.
func TestLoginSameWork(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	_, errUnknown := e.login("nobody@example.com", "some password here")
	unknown := e.hashes.take()
	_, errWrong := e.login("ann@example.com", "some password here")
	wrong := e.hashes.take()
	if _, err := e.login("ann@example.com", goodPassword); err != nil {
		t.Fatal(err)
	}
	right := e.hashes.take()
	for name, got := range map[string][]Params{"unknown email": unknown, "wrong password": wrong, "right password": right} {
		if len(got) != 1 || got[0] != testParams() {
			t.Errorf("%s: hashed %v, want once with %+v", name, got, testParams())
		}
	}
	if errUnknown.Error() != errWrong.Error() || smartmaint.ErrorMessage(errUnknown) != "Invalid email or password." {
		t.Fatalf("unknown email answered %v, wrong password %v; want the same generic answer", errUnknown, errWrong)
	}
	wantCode(t, errUnknown, smartmaint.EUNAUTHORIZED, "")
}

// TestLoginLockoutGrows is the acceptance "20 wrong passwords in a row lock
// the account for a growing period": each attempt is made as soon as the
// previous lock allows, so each counts, and each lock is twice the one
// before up to the cap.
func TestLoginLockoutGrows(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	p := DefaultLockoutPolicy()
	for i := 1; i <= 20; i++ {
		now := e.clock.Now()
		_, err := e.login("ann@example.com", "not the password")
		if i <= p.FreeAttempts {
			wantCode(t, err, smartmaint.EUNAUTHORIZED, "Invalid email or password.")
		} else {
			wantLocked(t, err, now.Add(p.Delay(i)))
		}
		if got := e.user(t, u.ID).FailedLogins; got != i {
			t.Fatalf("after %d failures FailedLogins = %d", i, got)
		}
		e.clock.Advance(p.Delay(i))
	}
	if p.Delay(20) != time.Hour || p.Delay(7) != 2*p.Delay(6) {
		t.Fatalf("delays %v, %v", p.Delay(6), p.Delay(20))
	}
}

// TestLoginLockedRefusesRightPassword: 20 attempts without waiting lock the
// account on the 6th; while locked even the right password is refused,
// without checking it and without counting; after the lock the next failure
// locks for twice as long, and a success resets the count.
func TestLoginLockedRefusesRightPassword(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	start := e.clock.Now()
	for range 20 {
		e.login("ann@example.com", "not the password")
	}
	if got := e.user(t, u.ID); got.FailedLogins != 6 || got.LockedUntil == nil || !got.LockedUntil.Equal(start.Add(time.Second)) {
		t.Fatalf("after 20 quick failures: %d failures, locked until %v; want 6 and start+1s", got.FailedLogins, got.LockedUntil)
	}
	e.clock.Advance(999 * time.Millisecond)
	_, err := e.login("ann@example.com", goodPassword)
	wantLocked(t, err, start.Add(time.Second))
	if n := e.store.callCount("CreateSession"); n != 0 {
		t.Fatalf("%d sessions created while locked", n)
	}
	if l := (*LockedError)(nil); !errors.As(err, &l) || l.RetryAfterSeconds() != 1 {
		t.Fatalf("retry after %v", err)
	}

	e.clock.Advance(time.Millisecond) // the lock has ended
	_, err = e.login("ann@example.com", "not the password")
	wantLocked(t, err, e.clock.Now().Add(2*time.Second))
	e.clock.Advance(2 * time.Second)
	if _, err := e.login("ann@example.com", goodPassword); err != nil {
		t.Fatalf("sign-in after the lock: %v", err)
	}
	if got := e.user(t, u.ID); got.FailedLogins != 0 || got.LockedUntil != nil {
		t.Fatalf("after success: %d failures, locked until %v", got.FailedLogins, got.LockedUntil)
	}
	_, err = e.login("ann@example.com", "not the password")
	wantCode(t, err, smartmaint.EUNAUTHORIZED, "Invalid email or password.")
}

// TestLoginUnknownEmailLocksAlike checks that an unknown email gets, attempt
// by attempt, the same answers as a known one, locks included.
func TestLoginUnknownEmailLocksAlike(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	for i := 1; i <= 9; i++ {
		_, known := e.login("ann@example.com", "not the password")
		_, unknown := e.login("bob@example.com", "not the password")
		if known.Error() != unknown.Error() {
			t.Fatalf("attempt %d: known email %v, unknown %v", i, known, unknown)
		}
		ks, kok := RetryAfter(known)
		us, uok := RetryAfter(unknown)
		if ks != us || kok != uok || kok != (i > 5) {
			t.Fatalf("attempt %d: retry after %d/%v vs %d/%v", i, ks, kok, us, uok)
		}
		if i%2 == 0 {
			e.clock.Advance(DefaultLockoutPolicy().Delay(i))
		}
	}
}

func TestLoginAudit(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	ctx := smartmaint.NewContextWithRequestID(context.Background(), "req-1")
	e.auth.Login(ctx, LoginRequest{Email: "ghost@example.com", Password: "not the password", ClientIP: "198.51.100.9"})
	for range 6 {
		e.login("ann@example.com", "not the password")
	}
	e.clock.Advance(time.Second)
	res := e.mustLogin(t, "ann@example.com")

	platform := e.store.audit[""]
	wantActions := []string{"auth.login_failed", "auth.login_failed", "auth.login_failed", "auth.login_failed",
		"auth.login_failed", "auth.login_failed", "auth.login_failed", "auth.locked"}
	if got := e.auditActions(""); !slices.Equal(got, wantActions) {
		t.Fatalf("platform chain %v, want %v", got, wantActions)
	}
	ghost := platform[0]
	if ghost.ActorKind != "anonymous" || ghost.TargetType != "email" || ghost.TargetID != "ghost@example.com" ||
		ghost.RequestID != "req-1" || ghost.ClientIP != "198.51.100.9" {
		t.Fatalf("unknown-email entry %+v", ghost)
	}
	lock := platform[7]
	if lock.TargetType != "user" || lock.TargetID != u.ID || lock.ActorKind != "anonymous" {
		t.Fatalf("lock entry %+v", lock)
	}
	acme := e.store.audit["acme"]
	if len(acme) != 1 || acme[0].Action != "auth.login" || acme[0].ActorKind != "user" || acme[0].ActorID != u.ID ||
		acme[0].TargetID != res.Session.ID {
		t.Fatalf("tenant chain %+v", acme)
	}
	for _, tenant := range []string{"", "acme"} {
		if v, _ := e.store.VerifyAudit(context.Background(), tenant); !v.OK {
			t.Fatalf("chain %q: %+v", tenant, v)
		}
	}
}

func TestLoginRefusals(t *testing.T) {
	e := newEnv(t)
	disabled := e.addUser(t, "dis@example.com", "acme", smartmaint.RoleViewer)
	yes := true
	e.store.UpdateUser(context.Background(), disabled.ID, smartmaint.UserUpdate{Disabled: &yes})
	removed := e.addUser(t, "gone@example.com", "acme", smartmaint.RoleViewer)
	e.store.DeleteMembership(smartmaint.NewContextWithTenant(context.Background(), "acme"), removed.ID)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)

	for _, tc := range []struct {
		name, email, password, tenant, code, msg string
	}{
		{"disabled, right password", "dis@example.com", goodPassword, "", smartmaint.EUNAUTHORIZED, "disabled"},
		{"disabled, wrong password", "dis@example.com", "not the password", "", smartmaint.EUNAUTHORIZED, "Invalid email or password."},
		{"no membership", "gone@example.com", goodPassword, "", smartmaint.EFORBIDDEN, "not a member of any"},
		{"other tenant", "ann@example.com", goodPassword, "globex", smartmaint.EFORBIDDEN, `not a member of organisation "globex"`},
		{"no email", "", goodPassword, "", smartmaint.EINVALID, "email: is required"},
		{"email too long", strings.Repeat("a", 250) + "@example.com", goodPassword, "", smartmaint.EINVALID, "at most 254"},
		{"no password", "ann@example.com", "", "", smartmaint.EINVALID, "password: is required"},
		{"password too long", "ann@example.com", string(make([]byte, 1025)), "", smartmaint.EINVALID, "at most 1024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.auth.Login(context.Background(), LoginRequest{Email: tc.email, Password: tc.password, TenantID: tc.tenant})
			if res != nil {
				t.Fatalf("signed in: %+v", res)
			}
			wantCode(t, err, tc.code, tc.msg)
		})
	}
	if n := e.store.callCount("CreateSession"); n != 0 {
		t.Fatalf("%d sessions created", n)
	}
}

func TestLoginTenantChoice(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	e.clock.Advance(time.Minute)
	if _, err := e.auth.CreateUser(smartmaint.NewContextWithTenant(context.Background(), "globex"), "ann@example.com", "", goodPassword, smartmaint.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	op := e.addUser(t, "op@example.com", "acme", smartmaint.RoleViewer)
	yes := true
	e.store.UpdateUser(context.Background(), op.ID, smartmaint.UserUpdate{PlatformOperator: &yes})
	e.store.DeleteMembership(smartmaint.NewContextWithTenant(context.Background(), "acme"), op.ID)

	for _, tc := range []struct {
		name, email, tenant, wantTenant string
		wantPerm                        string
	}{
		{"oldest membership", "ann@example.com", "", "acme", smartmaint.PermDataRead},
		{"requested membership", "ann@example.com", "globex", "globex", smartmaint.PermUsersManage},
		{"operator without membership", "op@example.com", "", "", smartmaint.PermPlatformTenants},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.auth.Login(context.Background(), LoginRequest{Email: tc.email, Password: goodPassword, TenantID: tc.tenant})
			if err != nil {
				t.Fatal(err)
			}
			if res.Session.TenantID != tc.wantTenant || res.Principal.TenantID != tc.wantTenant || !res.Principal.HasPermission(tc.wantPerm) {
				t.Fatalf("session tenant %q, principal %+v; want tenant %q with %s", res.Session.TenantID, res.Principal, tc.wantTenant, tc.wantPerm)
			}
		})
	}
	if res := e.mustLogin(t, "ann@example.com"); res.Principal.HasPermission(smartmaint.PermPlatformTenants) || res.User.ID != u.ID {
		t.Fatalf("a tenant user holds %v", res.Principal.Permissions)
	}
}

func TestLoginRehashesOldParameters(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	stronger := Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	e.auth.Hasher = &Hasher{Params: stronger, OnHash: e.hashes.record}
	e.mustLogin(t, "ann@example.com")
	if got := e.hashes.take(); len(got) != 2 || got[0] != testParams() || got[1] != stronger {
		t.Fatalf("hashed with %v, want a verify with the old parameters then a hash with the new", got)
	}
	p, _, _, err := parsePHC(e.user(t, u.ID).PasswordHash)
	if err != nil || p != stronger {
		t.Fatalf("stored hash has %+v, %v; want %+v", p, err, stronger)
	}
	e.mustLogin(t, "ann@example.com")
	if got := e.hashes.take(); len(got) != 1 {
		t.Fatalf("second sign-in hashed %d times, want 1 (no rehash)", len(got))
	}
}

// TestLoginParallelGuessesCounted: guesses sent at once are serialised per
// account, so each is counted and the lock stops the rest.
func TestLoginParallelGuessesCounted(t *testing.T) {
	e := newEnv(t)
	u := e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	// Hashing takes real time, as it does with the real parameters, so that
	// unserialised attempts would overlap.
	e.auth.Hasher.OnHash = func(Params) { time.Sleep(2 * time.Millisecond) }
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 30 {
		wg.Go(func() {
			_, err := e.login("ann@example.com", "not the password")
			mu.Lock()
			codes[smartmaint.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if got := e.user(t, u.ID).FailedLogins; got != 6 {
		t.Fatalf("FailedLogins = %d after 30 parallel guesses, want 6", got)
	}
	if codes[smartmaint.EUNAUTHORIZED] != 5 || codes[smartmaint.ERATELIMITED] != 25 {
		t.Fatalf("answers %v, want 5 unauthorized and 25 rate_limited", codes)
	}
	e.auth.attempts.mu.Lock()
	defer e.auth.attempts.mu.Unlock()
	if len(e.auth.attempts.held) != 0 {
		t.Fatalf("%d per-email locks left behind", len(e.auth.attempts.held))
	}
}

func TestLoginWaitHonoursContext(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	unlock, err := e.auth.attempts.lock(context.Background(), "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := e.auth.Login(ctx, LoginRequest{Email: "ann@example.com", Password: goodPassword}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Login while another attempt runs = %v, want the context's error", err)
	}
}
