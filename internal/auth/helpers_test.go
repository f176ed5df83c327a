package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// hashLog records the parameters of every argon2id computation.
type hashLog struct {
	mu     sync.Mutex
	params []Params
}

func (l *hashLog) record(p Params) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.params = append(l.params, p)
}

// take returns the parameters recorded since the last take.
func (l *hashLog) take() []Params {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.params
	l.params = nil
	return out
}

// testParams are cheap argon2id parameters so that the tests can sign in
// hundreds of times; the default ones are tested in password_test.go.
func testParams() Params { return Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} }

// env is an Authenticator on a fake store with a fake clock.
type env struct {
	auth   *Authenticator
	store  *fakeStore
	clock  *fakeClock
	hashes *hashLog
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	hashes := &hashLog{}
	store := newFakeStore(clock.Now)
	a := NewAuthenticator(store)
	a.Now = clock.Now
	a.Hasher = &Hasher{Params: testParams(), OnHash: hashes.record}
	return &env{auth: a, store: store, clock: clock, hashes: hashes}
}

const goodPassword = "grey heron over the weir"

// addUser creates a user with role in tenant (as the system, like the admin
// CLI) and forgets the hashing it did.
func (e *env) addUser(tb testing.TB, email, tenant, role string) *smartmaint.User {
	tb.Helper()
	ctx := smartmaint.NewContextWithTenant(context.Background(), tenant)
	u, err := e.auth.CreateUser(ctx, email, "Test User", goodPassword, role)
	if err != nil {
		tb.Fatalf("CreateUser(%s): %v", email, err)
	}
	e.hashes.take()
	return u
}

// login signs email in with password and the default tenant choice.
func (e *env) login(email, password string) (*LoginResult, error) {
	return e.auth.Login(context.Background(), LoginRequest{Email: email, Password: password, ClientIP: "192.0.2.7", UserAgent: "test"})
}

// mustLogin signs in with goodPassword or fails the test.
func (e *env) mustLogin(tb testing.TB, email string) *LoginResult {
	tb.Helper()
	res, err := e.login(email, goodPassword)
	if err != nil {
		tb.Fatalf("Login(%s): %v", email, err)
	}
	return res
}

// user returns the stored user.
func (e *env) user(tb testing.TB, id string) *smartmaint.User {
	tb.Helper()
	u, err := e.store.FindUserByID(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// auditActions lists the actions of tenant's chain, oldest first.
func (e *env) auditActions(tenant string) []string {
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	var out []string
	for _, a := range e.store.audit[tenant] {
		out = append(out, a.Action)
	}
	return out
}

// principalCtx returns a context acting as p.
func principalCtx(p *smartmaint.Principal) context.Context {
	return smartmaint.NewContextWithPrincipal(context.Background(), p)
}

// wantCode fails unless err carries code (and, when given, a message
// containing msg).
func wantCode(tb testing.TB, err error, code, msg string) {
	tb.Helper()
	if got := smartmaint.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if msg != "" && !strings.Contains(smartmaint.ErrorMessage(err), msg) {
		tb.Fatalf("error message = %q, want it to contain %q", smartmaint.ErrorMessage(err), msg)
	}
}

// wantLocked fails unless err is a *LockedError until the given time.
func wantLocked(tb testing.TB, err error, until time.Time) {
	tb.Helper()
	var l *LockedError
	if !errors.As(err, &l) {
		tb.Fatalf("error = %v, want *LockedError", err)
	}
	if !l.Until.Equal(until) {
		tb.Fatalf("locked until %v, want %v", l.Until, until)
	}
	wantCode(tb, err, smartmaint.ERATELIMITED, "Try again in")
}
