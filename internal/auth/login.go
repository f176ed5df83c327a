package auth

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"smartmaint"
)

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Email    string
	Password string
	// TenantID is the organisation to act in; empty means the user's
	// oldest membership (or none, for a platform operator without one).
	TenantID  string
	UserAgent string
	ClientIP  string
}

// LoginResult is a successful sign-in.
type LoginResult struct {
	User    *smartmaint.User
	Session *smartmaint.Session
	// Token is the session secret for the cookie. It is returned once and
	// stored only as its hash.
	Token string
	// CSRFToken must accompany the session's state-changing requests.
	CSRFToken   string
	Memberships []*smartmaint.Membership
	// Principal is who the session acts as, with its permissions now.
	Principal *smartmaint.Principal
}

// Login checks an email and password and opens a session.
//
// Every attempt that reaches the password check costs exactly one argon2id
// computation with the Hasher's parameters, whether the email is unknown, the
// account is locked, or the password is wrong or right, so that timing does
// not tell them apart. Wrong email and wrong password get the same
// EUNAUTHORIZED "Invalid email or password."; an account locked by the
// LockoutPolicy gets a *LockedError (ERATELIMITED, with when to retry), and
// unknown emails lock on the same schedule, so the lock does not reveal who
// has an account either. While locked, the password is not checked and the
// attempt does not count as a further failure.
//
// What still differs: a failure on a real account also writes its failure
// count (one small store write, far below the ~20 ms of hashing), and the
// failure counts of unknown emails live in this process only (forgotten on
// restart, not shared between replicas).
//
// Attempts on one email are serialised (waiting honours ctx), so parallel
// guesses are each counted. Failures and locks are audited in the platform
// chain (actor "anonymous"), successes as "auth.login" in the chain of the
// session's tenant (actor the user).
func (a *Authenticator) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	email := smartmaint.NormalizeEmail(req.Email)
	if err := checkLoginInput(email, req.Password); err != nil {
		return nil, err
	}
	if req.ClientIP != "" && smartmaint.ClientIPFromContext(ctx) == "" {
		ctx = smartmaint.NewContextWithClientIP(ctx, req.ClientIP)
	}
	unlock, err := a.attempts.lock(ctx, email)
	if err != nil {
		return nil, err
	}
	defer unlock()

	user, err := a.Store.FindUserByEmail(ctx, email)
	if smartmaint.ErrorCode(err) == smartmaint.ENOTFOUND {
		return nil, a.failUnknown(ctx, email, req.Password)
	} else if err != nil {
		return nil, fmt.Errorf("auth: find user: %w", err)
	}
	rehash, err := a.checkPassword(ctx, user, req.Password, actor{kind: actorAnonymous}, "auth.login_failed")
	if err != nil {
		return nil, err
	}
	if user.Disabled {
		return nil, a.refuse(ctx, user, "disabled", smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "This account is disabled."))
	}
	return a.startSession(ctx, user, req, rehash)
}

// maxEmailLen is the longest email an account can have.
const maxEmailLen = 254

// checkLoginInput rejects requests that cannot be a sign-in, whoever they
// name; none of these answers depends on the account.
func checkLoginInput(email, password string) error {
	switch {
	case email == "":
		return smartmaint.FieldErrorf("email", "is required")
	case len(email) > maxEmailLen: // no account can have it (User.Validate)
		return smartmaint.FieldErrorf("email", "must be at most %d bytes long", maxEmailLen)
	case password == "":
		return smartmaint.FieldErrorf("password", "is required")
	case len(password) > MaxPasswordLen:
		return smartmaint.FieldErrorf("password", "must be at most %d bytes long", MaxPasswordLen)
	}
	return nil
}

// checkPassword verifies password for user under the lockout policy,
// recording and auditing a failure (as action, by who). It reports whether
// the stored hash should be replaced.
func (a *Authenticator) checkPassword(ctx context.Context, user *smartmaint.User, password string, who actor, action string) (bool, error) {
	h, now := a.hasher(), a.now()
	if user.LockedUntil != nil && now.Before(*user.LockedUntil) {
		h.DummyVerify(password)
		err := a.audit(ctx, "", who, action, "user", user.ID,
			failure{Email: user.Email, Reason: "locked", FailedLogins: user.FailedLogins, LockedUntil: user.LockedUntil})
		return false, firstErr(err, newLockedError(*user.LockedUntil, now))
	}
	ok, rehash, err := h.Verify(user.PasswordHash, password)
	if err != nil {
		h.DummyVerify(password)
		return false, fmt.Errorf("auth: user %s: %w", user.ID, err)
	}
	if ok {
		return rehash, nil
	}
	n, until, err := a.Store.RecordLoginFailure(ctx, user.ID, func(n int) *time.Time { return a.policy().LockedUntil(now, n) })
	if err != nil {
		return false, fmt.Errorf("auth: record failed sign-in: %w", err)
	}
	return false, a.failed(ctx, who, action, "user", user.ID, failure{Email: user.Email, Reason: "wrong_password", FailedLogins: n, LockedUntil: until}, now)
}

// failUnknown answers a sign-in for an email without an account exactly as
// checkPassword answers a wrong password, counting its failures in memory.
func (a *Authenticator) failUnknown(ctx context.Context, email, password string) error {
	now := a.now()
	a.hasher().DummyVerify(password)
	g := a.attempts.ghost(email)
	who := actor{kind: actorAnonymous}
	if now.Before(g.lockedUntil) {
		err := a.audit(ctx, "", who, "auth.login_failed", "email", email,
			failure{Reason: "locked", UnknownEmail: true, FailedLogins: g.failures, LockedUntil: &g.lockedUntil})
		return firstErr(err, newLockedError(g.lockedUntil, now))
	}
	g.failures++
	g.last = now
	until := a.policy().LockedUntil(now, g.failures)
	if until != nil {
		g.lockedUntil = *until
	}
	a.attempts.setGhost(email, g)
	return a.failed(ctx, who, "auth.login_failed", "email", email,
		failure{Reason: "unknown_email", UnknownEmail: true, FailedLogins: g.failures, LockedUntil: until}, now)
}

// failure is the audit summary of a refused sign-in.
type failure struct {
	Email        string     `json:"email,omitempty"`
	Reason       string     `json:"reason"`
	UnknownEmail bool       `json:"unknown_email,omitempty"`
	FailedLogins int        `json:"failed_logins,omitempty"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
}

// failed audits a counted failure (and the lock it set, if any) and returns
// the answer: invalid credentials, or a *LockedError when it locked.
func (a *Authenticator) failed(ctx context.Context, who actor, action, targetType, targetID string, f failure, now time.Time) error {
	if err := a.audit(ctx, "", who, action, targetType, targetID, f); err != nil {
		return err
	}
	if f.LockedUntil == nil {
		return errInvalidCredentials()
	}
	if err := a.audit(ctx, "", who, "auth.locked", targetType, targetID, f); err != nil {
		return err
	}
	return newLockedError(*f.LockedUntil, now)
}

// refuse audits a sign-in refused after a correct password (account
// disabled, not a member) and returns answer.
func (a *Authenticator) refuse(ctx context.Context, user *smartmaint.User, reason string, answer error) error {
	err := a.audit(ctx, "", actor{kind: actorAnonymous}, "auth.login_failed", "user", user.ID,
		failure{Email: user.Email, Reason: reason})
	return firstErr(err, answer)
}

// startSession opens a session for user after a correct password.
func (a *Authenticator) startSession(ctx context.Context, user *smartmaint.User, req LoginRequest, rehash bool) (*LoginResult, error) {
	ms, err := a.Store.FindMemberships(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: memberships: %w", err)
	}
	tenantID, err := chooseTenant(user, ms, req.TenantID)
	if err != nil {
		return nil, a.refuse(ctx, user, "not_a_member", err)
	}
	p, err := principalFor(user, ms, tenantID)
	if err != nil {
		return nil, err
	}
	if rehash {
		a.rehash(ctx, user, req.Password)
	}
	now := a.now()
	if err := a.Store.RecordLoginSuccess(ctx, user.ID, now); err != nil {
		return nil, fmt.Errorf("auth: record sign-in: %w", err)
	}
	user.FailedLogins, user.LockedUntil, user.LastLoginAt = 0, nil, &now
	token, csrf := NewSessionToken(), NewCSRFToken()
	s := &smartmaint.Session{TokenHash: HashToken(token), UserID: user.ID, TenantID: tenantID, CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(a.sessionTTL()), IdleTimeout: a.idleTimeout(),
		UserAgent: truncate(req.UserAgent, maxUserAgentLen), ClientIP: cmp.Or(req.ClientIP, smartmaint.ClientIPFromContext(ctx))}
	if err := a.Store.CreateSession(withTenant(ctx, tenantID), s); err != nil {
		return nil, fmt.Errorf("auth: create session: %w", err)
	}
	// An audit failure fails the sign-in; the session's token was never
	// handed out, so the session is unusable and simply expires.
	if err := a.audit(ctx, tenantID, actor{kind: actorUser, id: user.ID}, "auth.login", "session", s.ID,
		map[string]string{"user_agent": s.UserAgent}); err != nil {
		return nil, err
	}
	return &LoginResult{User: user, Session: s, Token: token, CSRFToken: csrf, Memberships: ms, Principal: p}, nil
}

// rehash stores a hash with the current parameters; a failure is logged
// only, since the old hash still verifies and the next sign-in retries.
func (a *Authenticator) rehash(ctx context.Context, user *smartmaint.User, password string) {
	hash, err := a.hasher().Hash(password)
	if err == nil {
		_, err = a.Store.UpdateUser(ctx, user.ID, smartmaint.UserUpdate{PasswordHash: &hash})
	}
	if err != nil {
		a.logger().WarnContext(ctx, "auth: rehash password", "user_id", user.ID, "err", err)
	}
}

// chooseTenant returns the tenant a sign-in acts in: the requested one if
// the user is a member there, else the oldest membership, else "" for a
// platform operator.
func chooseTenant(user *smartmaint.User, ms []*smartmaint.Membership, requested string) (string, error) {
	if requested != "" {
		if roleIn(ms, requested) == "" {
			return "", smartmaint.Errorf(smartmaint.EFORBIDDEN, "You are not a member of organisation %q.", requested)
		}
		return requested, nil
	}
	if len(ms) > 0 {
		first := slices.MinFunc(ms, func(x, y *smartmaint.Membership) int {
			return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), cmp.Compare(x.TenantID, y.TenantID))
		})
		return first.TenantID, nil
	}
	if user.PlatformOperator {
		return "", nil
	}
	return "", smartmaint.Errorf(smartmaint.EFORBIDDEN, "This account is not a member of any organisation.")
}

// roleIn returns the user's role in tenantID, or "" when not a member.
func roleIn(ms []*smartmaint.Membership, tenantID string) string {
	for _, m := range ms {
		if m.TenantID == tenantID {
			return m.Role
		}
	}
	return ""
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
