// Package httpapi is smartmaint's JSON API under /api/v1, with health checks,
// Prometheus metrics and an OpenAPI document generated from the same route
// table that registers the handlers, so the two cannot drift apart.
package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"smartmaint"
	"smartmaint/internal/auth"
	"smartmaint/internal/ingest"
	"smartmaint/internal/ratelimit"
)

// Config tunes the API.
type Config struct {
	Version string
	Now     func() time.Time
	// MaxBatchBytes bounds an ingest batch body (the ingest service enforces
	// its own reading count).
	MaxBatchBytes int64
	// TLS says the server is reached over HTTPS: cookies are Secure and
	// responses carry HSTS.
	TLS bool
	// TrustedProxies are the addresses whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// MetricsToken, when set, must be presented to read /metrics.
	MetricsToken string
	// SetupToken, when set, lets POST /api/v1/setup create the first
	// administrator of a server that has no accounts.
	SetupToken string
}

// Server serves the API. Create it with New; it is an http.Handler.
type Server struct {
	store   smartmaint.Store
	auth    *auth.Authenticator
	limits  *ratelimit.Checker
	ingest  *ingest.Service
	logger  *slog.Logger
	metrics *Metrics
	cfg     Config
	routes  []route
	handler http.Handler
	setupMu sync.Mutex
	mux     *http.ServeMux
}

// Deps are the services the API calls.
type Deps struct {
	Store   smartmaint.Store
	Auth    *auth.Authenticator
	Limits  *ratelimit.Checker // nil: no rate limiting
	Ingest  *ingest.Service
	Logger  *slog.Logger
	Metrics *Metrics
}

// New builds the server and its route table.
func New(cfg Config, deps Deps) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Metrics == nil {
		deps.Metrics = NewMetrics(nil)
	}
	s := &Server{store: deps.Store, auth: deps.Auth, limits: deps.Limits, ingest: deps.Ingest, logger: deps.Logger, metrics: deps.Metrics, cfg: cfg}
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	mux.HandleFunc("/", s.notFound)
	s.mux = mux
	s.handler = s.withRequestID(s.withClientIP(s.withRecover(s.withSecurityHeaders(mux))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// notFound answers a request no route takes: 405 with an Allow header when
// the path exists under other methods, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorPayload{
			Code:      smartmaint.EINVALID,
			Message:   fmt.Sprintf("%s is not allowed on %s; use %s.", r.Method, r.URL.Path, strings.Join(allowed, ", ")),
			RequestID: smartmaint.RequestIDFromContext(r.Context()),
		}})
		return
	}
	s.writeError(w, r, smartmaint.Errorf(smartmaint.ENOTFOUND, "No route for %s %s.", r.Method, r.URL.Path))
}
