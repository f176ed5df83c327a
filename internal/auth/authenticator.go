package auth

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"smartmaint"
)

// Defaults of the Authenticator's durations.
const (
	DefaultSessionTTL  = 12 * time.Hour   // absolute session lifetime
	DefaultIdleTimeout = 30 * time.Minute // a session unused this long ends
	DefaultTouchEvery  = time.Minute      // last-used times are written at most this often
	maxUserAgentLen    = 512
)

// Authenticator signs users in and out, creates accounts and API keys, and
// turns a session token or an API key into the Principal of a request. It is
// safe for concurrent use; zero durations and a zero Policy mean the
// defaults. Create it with NewAuthenticator or as a literal with at least
// Store set; do not copy it after first use.
type Authenticator struct {
	Store smartmaint.AccessStore
	// Tenants, when set, lets CreateUser refuse an unknown tenant with
	// ENOTFOUND before touching the store.
	Tenants smartmaint.TenantService
	// Hasher hashes passwords; nil means DefaultParams, unbounded.
	Hasher *Hasher
	Policy LockoutPolicy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SessionTTL is the absolute lifetime of a session, IdleTimeout ends a
	// session unused for that long, and TouchEvery is the least interval
	// between two writes of a session's or key's last-used time (so the idle
	// timeout acts between IdleTimeout − TouchEvery and IdleTimeout).
	SessionTTL, IdleTimeout, TouchEvery time.Duration
	// Logger receives what is worth knowing but not worth failing a request
	// for (a failed rehash); nil discards it.
	Logger *slog.Logger

	attempts attempts
}

// NewAuthenticator returns an Authenticator on store with the default
// policy, durations and password parameters, hashing at most GOMAXPROCS
// passwords at once.
func NewAuthenticator(store smartmaint.AccessStore) *Authenticator {
	return &Authenticator{
		Store:       store,
		Hasher:      NewHasher(DefaultParams(), runtime.GOMAXPROCS(0)),
		Policy:      DefaultLockoutPolicy(),
		Now:         time.Now,
		SessionTTL:  DefaultSessionTTL,
		IdleTimeout: DefaultIdleTimeout,
		TouchEvery:  DefaultTouchEvery,
	}
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Authenticator) hasher() *Hasher {
	if a.Hasher != nil {
		return a.Hasher
	}
	return &Hasher{Params: DefaultParams()}
}

func (a *Authenticator) policy() LockoutPolicy {
	if a.Policy == (LockoutPolicy{}) {
		return DefaultLockoutPolicy()
	}
	return a.Policy
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (a *Authenticator) sessionTTL() time.Duration { return orDefault(a.SessionTTL, DefaultSessionTTL) }
func (a *Authenticator) idleTimeout() time.Duration {
	return orDefault(a.IdleTimeout, DefaultIdleTimeout)
}
func (a *Authenticator) touchEvery() time.Duration { return orDefault(a.TouchEvery, DefaultTouchEvery) }

func (a *Authenticator) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Audit actor kinds used by this package besides a principal's own.
const (
	actorAnonymous = "anonymous"
	actorUser      = "user"
)

// actor is who an audit entry names as acting.
type actor struct{ kind, id string }

// audit appends an entry to the chain of tenantID ("" for the platform).
func (a *Authenticator) audit(ctx context.Context, tenantID string, who actor, action, targetType, targetID string, summary any) error {
	ctx = smartmaint.NewContextWithTenant(ctx, tenantID)
	e := smartmaint.NewAuditEntry(ctx, action, targetType, targetID, summary)
	e.ActorKind, e.ActorID = who.kind, who.id
	if err := a.Store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("auth: audit %s: %w", action, err)
	}
	return nil
}

// withTenant returns ctx scoped to tenantID, or ctx itself for "".
func withTenant(ctx context.Context, tenantID string) context.Context {
	if tenantID == "" {
		return ctx
	}
	return smartmaint.NewContextWithTenant(ctx, tenantID)
}

// sessionContextKey carries the request's session in ctx.
type sessionContextKey struct{}

// NewContextWithSession returns a copy of ctx that carries the session the
// request was authenticated with. The HTTP layer sets it after
// AuthenticateSession; ChangePassword keeps that session signed in.
func NewContextWithSession(ctx context.Context, s *smartmaint.Session) context.Context {
	return context.WithValue(ctx, sessionContextKey{}, s)
}

// SessionFromContext returns the session carried by ctx, or nil.
func SessionFromContext(ctx context.Context) *smartmaint.Session {
	s, _ := ctx.Value(sessionContextKey{}).(*smartmaint.Session)
	return s
}
