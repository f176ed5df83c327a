package httpapi

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"smartmaint"
	"smartmaint/internal/ratelimit"
)

// route is one entry of the route table: what registers the handler, what the
// caller must be allowed to do, and what the OpenAPI document says about it.
type route struct {
	method, path string
	// permission is what the principal needs; "" lets any authenticated
	// principal through. Public routes (health, metrics) need nothing, and
	// selfAuth routes (sign-in, first-run setup) check the credentials they
	// are sent themselves.
	permission string
	public     bool
	selfAuth   bool
	// class is the route's rate-limit class.
	class ratelimit.Class

	summary     string
	tag         string
	params      []param
	body        any      // example value of the request body type, nil if none
	bodyTypes   []string // accepted content types; default application/json
	response    any      // example value of the success body type, nil if none
	status      int      // success status; default 200
	produces    []string // response content types; default application/json
	handle      func(w http.ResponseWriter, r *http.Request) error
	description string
}

// param documents one path, query or header parameter.
type param struct {
	name, in, typ, desc string
	required            bool
}

func pathParam(name, desc string) param {
	return param{name: name, in: "path", typ: "string", desc: desc, required: true}
}
func queryParam(name, typ, desc string) param {
	return param{name: name, in: "query", typ: typ, desc: desc}
}

// wrap turns a route into an http.Handler: the principal check, metrics, the
// access log, and the single place where an error becomes a response.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(r.Method, rt.path, strconv.Itoa(rec.status)).Inc()
			s.metrics.requestDuration.WithLabelValues(r.Method, rt.path).Observe(elapsed.Seconds())
			s.logRequest(r, rt, rec.status, elapsed)
		}()
		r, err := s.authorize(rec, r, rt)
		if err == nil {
			err = rt.handle(rec, r)
		}
		if err != nil {
			s.writeError(rec, r, err)
		}
	})
}

// authorize authenticates the request (unless the route is public or
// authenticates by itself), checks the route's permission and spends a
// rate-limit token.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, rt route) (*http.Request, error) {
	switch {
	case rt.public:
		return r, s.checkMetricsToken(r, rt)
	case rt.selfAuth:
		return r, nil
	}
	r, err := s.authenticate(w, r)
	if err != nil {
		return r, err
	}
	p := smartmaint.PrincipalFromContext(r.Context())
	if rt.permission != "" && !p.HasPermission(rt.permission) {
		return r, smartmaint.Errorf(smartmaint.EFORBIDDEN, "This route needs the %s permission.", rt.permission)
	}
	return r, s.rateLimit(w, r, rt.class, subject(p))
}

// checkMetricsToken protects /metrics with a bearer token when one is configured.
func (s *Server) checkMetricsToken(r *http.Request, rt route) error {
	if rt.path != "/metrics" || s.cfg.MetricsToken == "" {
		return nil
	}
	token, _ := apiKeyFrom(r)
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.MetricsToken)) != 1 {
		return smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "This server's metrics need its metrics token (Authorization: Bearer …).")
	}
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.written {
		r.status, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (export) push data as they go.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// RouteInfo describes one route of the API.
type RouteInfo struct {
	Method, Path string
	// Permission is what a caller needs; "" with neither Public nor SelfAuth
	// means any authenticated caller.
	Permission string
	Public     bool // health and metrics: no credentials
	SelfAuth   bool // sign-in and setup: the request carries its own credentials
}

// Routes lists every route of the API, in route-table order.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.routes))
	for i, rt := range s.routes {
		out[i] = RouteInfo{Method: rt.method, Path: rt.path, Permission: rt.permission, Public: rt.public, SelfAuth: rt.selfAuth}
	}
	return out
}
