package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type healthStatus struct {
	Status    string    `json:"status"`   // "ok" or "unavailable"
	Database  string    `json:"database"` // "ok" or "failed"
	Dialect   string    `json:"dialect"`
	Version   string    `json:"version"`
	Timestamp time.Time `json:"timestamp"`
}

type dbHealth struct {
	DBStatus string `json:"db_status"` // "connected" or "unreachable"
	Dialect  string `json:"dialect"`
}

// pingTimeout bounds a health check's wait on the store.
const pingTimeout = 2 * time.Second

func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return s.store.Ping(ctx)
}

// getHealth answers 200 when the store is reachable and 503 when it is not,
// so that load balancers take an instance without its database out.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) error {
	h := healthStatus{Status: "ok", Database: "ok", Dialect: s.store.Dialect(), Version: s.cfg.Version, Timestamp: s.cfg.Now().UTC()}
	status := http.StatusOK
	if err := s.ping(r.Context()); err != nil {
		h.Status, h.Database, status = "unavailable", "failed", http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
	return nil
}

func (s *Server) getHealthDB(w http.ResponseWriter, r *http.Request) error {
	if err := s.ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, dbHealth{DBStatus: "unreachable", Dialect: s.store.Dialect()})
		return nil
	}
	writeJSON(w, http.StatusOK, dbHealth{DBStatus: "connected", Dialect: s.store.Dialect()})
	return nil
}

func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) error {
	promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}

type welcome struct {
	Message string `json:"message"`
	Version string `json:"version"`
	API     string `json:"api"`
	OpenAPI string `json:"openapi"`
	Health  string `json:"health"`
}

func (s *Server) getRoot(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, welcome{
		Message: "Welcome to smartmaint " + s.cfg.Version,
		Version: s.cfg.Version, API: "/api/v1", OpenAPI: "/openapi.json", Health: "/health",
	})
	return nil
}
