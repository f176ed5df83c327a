package httpapi

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"smartmaint"
	"smartmaint/internal/auth"
	"smartmaint/internal/ratelimit"
)

type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TenantID string `json:"tenant_id"`
}

// session is what a sign-in or GET /api/v1/me tells a browser.
type sessionInfo struct {
	User        *smartmaint.User         `json:"user"`
	TenantID    string                   `json:"tenant_id"`
	Permissions []string                 `json:"permissions"`
	Memberships []*smartmaint.Membership `json:"memberships,omitempty"`
	CSRFToken   string                   `json:"csrf_token"`
	ExpiresAt   time.Time                `json:"expires_at"`
}

// login signs a user in: the session token goes into an HttpOnly cookie,
// never into the body; the body carries the CSRF token the session's
// state-changing requests must send back.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.rateLimit(w, r, ratelimit.Auth, "email:"+smartmaint.NormalizeEmail(in.Email)); err != nil {
		return err
	}
	res, err := s.auth.Login(r.Context(), auth.LoginRequest{
		Email: in.Email, Password: in.Password, TenantID: in.TenantID,
		UserAgent: r.UserAgent(), ClientIP: smartmaint.ClientIPFromContext(r.Context()),
	})
	if err != nil {
		if secs, ok := auth.RetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		return err
	}
	s.setSessionCookie(w, res.Token, res.Session.ExpiresAt)
	return ok(w, sessionInfo{
		User: res.User, TenantID: res.Session.TenantID, Permissions: nonNil(res.Principal.Permissions),
		Memberships: res.Memberships, CSRFToken: res.CSRFToken, ExpiresAt: res.Session.ExpiresAt,
	})
}

// logout ends the session of the cookie and clears it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	defer s.clearSessionCookie(w)
	if auth.SessionFromContext(r.Context()) == nil {
		return smartmaint.Errorf(smartmaint.EINVALID, "Only a browser session can sign out; API keys are revoked instead.")
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "No session cookie.")
	}
	if err := s.auth.Logout(r.Context(), c.Value); err != nil {
		return err
	}
	return noContent(w)
}

// me describes the caller: the user and session, or the API key.
type meInfo struct {
	Kind        string                   `json:"kind"` // "user" or "key"
	ID          string                   `json:"id"`
	TenantID    string                   `json:"tenant_id"`
	Permissions []string                 `json:"permissions"`
	User        *smartmaint.User         `json:"user,omitempty"`
	Memberships []*smartmaint.Membership `json:"memberships,omitempty"`
	Key         *smartmaint.APIKey       `json:"key,omitempty"`
	CSRFToken   string                   `json:"csrf_token,omitempty"`
	ExpiresAt   *time.Time               `json:"session_expires_at,omitempty"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := smartmaint.PrincipalFromContext(ctx)
	out := meInfo{Kind: p.Kind, ID: p.ID, TenantID: p.TenantID, Permissions: nonNil(p.Permissions)}
	switch p.Kind {
	case "user":
		u, err := s.store.FindUserByID(ctx, p.ID)
		if err != nil {
			return err
		}
		ms, err := s.store.FindMemberships(ctx, p.ID)
		if err != nil {
			return err
		}
		out.User, out.Memberships = u, ms
		if sess := auth.SessionFromContext(ctx); sess != nil {
			out.CSRFToken, out.ExpiresAt = sess.CSRFToken, &sess.ExpiresAt
		}
	case "key":
		k, err := s.store.FindAPIKeyByID(ctx, p.ID)
		if err != nil {
			return err
		}
		out.Key = k
	}
	return ok(w, out)
}

func (s *Server) listMySessions(w http.ResponseWriter, r *http.Request) error {
	if smartmaint.PrincipalFromContext(r.Context()).Kind != "user" {
		return ok(w, map[string]any{"items": []any{}}) // an API key has no sessions
	}
	sessions, err := s.auth.Sessions(r.Context())
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": nonNil(sessions)})
}

func (s *Server) revokeMySession(w http.ResponseWriter, r *http.Request) error {
	if smartmaint.PrincipalFromContext(r.Context()).Kind != "user" {
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "No session %q: API keys have no sessions.", r.PathValue("id"))
	}
	if err := s.auth.RevokeSession(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

type passwordInput struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p := smartmaint.PrincipalFromContext(r.Context())
	if p.Kind != "user" {
		return smartmaint.Errorf(smartmaint.EINVALID, "Only a signed-in user has a password.")
	}
	if err := s.auth.ChangePassword(r.Context(), p.ID, in.OldPassword, in.NewPassword); err != nil {
		return err
	}
	return noContent(w)
}

type setupInput struct {
	Token    string `json:"token"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// setup creates the first administrator of a server without accounts: a
// platform operator who administers the default tenant. It needs the one-time
// token the server printed at start, and closes once an account exists.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	if err := s.rateLimit(w, r, ratelimit.Auth, ""); err != nil {
		return err
	}
	var in setupInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	s.setupMu.Lock() // two concurrent setups must not both find no accounts
	defer s.setupMu.Unlock()
	ctx := r.Context()
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 || s.cfg.SetupToken == "" {
		return smartmaint.Errorf(smartmaint.ECONFLICT, "Setup is closed: this server already has accounts. Sign in instead.")
	}
	if subtle.ConstantTimeCompare([]byte(in.Token), []byte(s.cfg.SetupToken)) != 1 {
		return smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Wrong setup token: use the one this server printed when it started.")
	}
	ctx = smartmaint.NewContextWithTenant(ctx, smartmaint.DefaultTenantID)
	u, err := s.auth.CreateUser(ctx, in.Email, in.Name, in.Password, smartmaint.RoleAdmin)
	if err != nil {
		return err
	}
	operator := true
	if u, err = s.store.UpdateUser(ctx, u.ID, smartmaint.UserUpdate{PlatformOperator: &operator}); err != nil {
		return err
	}
	return created(w, u)
}
