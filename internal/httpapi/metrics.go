package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the server's Prometheus collectors, on a registry of their own
// (no package-level state).
type Metrics struct {
	Registry *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	inFlight        prometheus.Gauge
	ingestReadings  *prometheus.CounterVec
	ingestRequests  *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them, with the Go runtime
// and process collectors, on reg (a new registry when nil).
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartmaint_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"method", "route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "smartmaint_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "smartmaint_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		ingestReadings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartmaint_ingest_readings_total",
			Help: "Readings received by ingestion, by result: stored, duplicate or rejected.",
		}, []string{"result"}),
		ingestRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartmaint_ingest_requests_total",
			Help: "Ingestion requests by endpoint (single, batch) and format.",
		}, []string{"endpoint", "format"}),
	}
	reg.MustRegister(m.requests, m.requestDuration, m.inFlight, m.ingestReadings, m.ingestRequests)
	return m
}
