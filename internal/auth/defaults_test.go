package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// TestZeroValueDefaults: an Authenticator literal with only the store, the
// clock and a hasher set uses the default policy and durations.
func TestZeroValueDefaults(t *testing.T) {
	e := newEnv(t)
	e.auth = &Authenticator{Store: e.store, Now: e.clock.Now, Hasher: e.auth.Hasher}
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	res, err := e.auth.Login(context.Background(), LoginRequest{Email: "ann@example.com", Password: goodPassword,
		UserAgent: strings.Repeat("é", 300)})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Session
	if s.ExpiresAt.Sub(s.CreatedAt) != DefaultSessionTTL || s.IdleTimeout != DefaultIdleTimeout {
		t.Fatalf("session lifetime %v, idle %v", s.ExpiresAt.Sub(s.CreatedAt), s.IdleTimeout)
	}
	if len(s.UserAgent) != 512 || strings.ToValidUTF8(s.UserAgent, "?") != s.UserAgent {
		t.Fatalf("user agent cut to %d bytes, valid UTF-8: %v", len(s.UserAgent), strings.ToValidUTF8(s.UserAgent, "?") == s.UserAgent)
	}
	var last error
	for range 6 {
		_, last = e.login("ann@example.com", "not the password")
	}
	wantLocked(t, last, e.clock.Now().Add(time.Second))
}

// failingAudit is a store whose audit log cannot be written.
type failingAudit struct{ *fakeStore }

func (failingAudit) AppendAudit(context.Context, *smartmaint.AuditEntry) error {
	return errors.New("disk full")
}

// TestAuditFailureFailsSignIn: a sign-in that cannot be audited does not
// hand out a session, and a failure that cannot be audited is an internal
// error rather than a silent one.
func TestAuditFailureFailsSignIn(t *testing.T) {
	e := newEnv(t)
	e.addUser(t, "ann@example.com", "acme", smartmaint.RoleViewer)
	e.auth.Store = failingAudit{e.store}
	for _, password := range []string{goodPassword, "not the password"} {
		res, err := e.login("ann@example.com", password)
		if res != nil || smartmaint.ErrorCode(err) != smartmaint.EINTERNAL || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("password %q: %v, %v; want an internal error", password, res, err)
		}
	}
}
