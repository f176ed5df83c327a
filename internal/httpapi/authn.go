package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"smartmaint"
	"smartmaint/internal/auth"
	"smartmaint/internal/ratelimit"
)

// SessionCookie names the cookie that carries a browser session's token.
const SessionCookie = "smartmaint_session"

// CSRFHeader carries a session's CSRF token on state-changing requests.
const CSRFHeader = "X-CSRF-Token"

// authenticate resolves the request's principal from an API key
// (Authorization: Bearer or X-API-Key) or a session cookie, checks the CSRF
// token of cookie-authenticated state-changing requests, and puts the
// principal (and session) in ctx. A presented but invalid key is refused; it
// never falls back to the cookie.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	ctx := r.Context()
	if secret, ok := apiKeyFrom(r); ok {
		p, _, err := s.auth.AuthenticateKey(ctx, secret)
		if err != nil {
			return r, err
		}
		return r.WithContext(smartmaint.NewContextWithPrincipal(ctx, p)), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="smartmaint"`)
		return r, smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Authentication required: send an API key (Authorization: Bearer … or X-API-Key) or sign in.")
	}
	p, sess, err := s.auth.AuthenticateSession(ctx, c.Value)
	if err != nil {
		s.clearSessionCookie(w)
		return r, err
	}
	if !safeMethod(r.Method) && !auth.CheckCSRF(sess, r.Header.Get(CSRFHeader)) {
		return r, smartmaint.Errorf(smartmaint.EFORBIDDEN, "Missing or wrong %s header: state-changing requests of a browser session must carry the session's CSRF token.", CSRFHeader)
	}
	ctx = smartmaint.NewContextWithPrincipal(ctx, p)
	return r.WithContext(auth.NewContextWithSession(ctx, sess)), nil
}

// apiKeyFrom returns the key of an Authorization: Bearer or X-API-Key header.
func apiKeyFrom(r *http.Request) (string, bool) {
	if v := r.Header.Get("X-API-Key"); v != "" {
		return strings.TrimSpace(v), true
	}
	if v := r.Header.Get("Authorization"); v != "" {
		scheme, token, _ := strings.Cut(v, " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token), true
		}
		return "", true // a malformed Authorization header is refused, not ignored
	}
	return "", false
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// rateLimit spends a token of the route's class for the principal and the
// client address, sets the rate-limit headers and refuses with 429.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request, class ratelimit.Class, subject string) error {
	if s.limits == nil || class == "" {
		return nil
	}
	d, err := s.limits.Check(r.Context(), class, subject, smartmaint.ClientIPFromContext(r.Context()))
	if err != nil {
		s.logger.Warn("rate limiter", "class", string(class), "err", err)
	}
	ratelimit.SetHeaders(w.Header(), d)
	if !d.Allowed {
		return d.Err()
	}
	return nil
}

// subject names a principal's rate-limit bucket.
func subject(p *smartmaint.Principal) string {
	if p == nil {
		return ""
	}
	return p.Kind + ":" + p.ID
}

// withClientIP puts the client's address in ctx: the connection's peer, or,
// when the peer is a trusted proxy, the last address in X-Forwarded-For that
// is not a trusted proxy.
func (s *Server) withClientIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(smartmaint.NewContextWithClientIP(r.Context(), s.clientIP(r))))
	})
}

func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteLaxMode,
	})
}
