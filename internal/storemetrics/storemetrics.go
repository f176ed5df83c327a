// Package storemetrics wraps a smartmaint.Store so that every call is timed
// and counted in Prometheus, by operation and outcome.
package storemetrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smartmaint"
)

// Store is a smartmaint.Store that records the latency of every call.
type Store struct {
	next     smartmaint.Store
	duration *prometheus.HistogramVec
	written  prometheus.Counter
	dupes    prometheus.Counter
}

var _ smartmaint.Store = (*Store)(nil)

// Wrap returns next instrumented with collectors registered on reg.
func Wrap(next smartmaint.Store, reg prometheus.Registerer) *Store {
	s := &Store{
		next: next,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "smartmaint_store_operation_duration_seconds",
			Help:    "Latency of store operations by operation and outcome (ok or the error code).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"dialect", "op", "outcome"}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smartmaint_store_readings_written_total",
			Help: "Readings committed to the store.",
		}),
		dupes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smartmaint_store_readings_duplicate_total",
			Help: "Readings whose key was already stored (nothing written).",
		}),
	}
	reg.MustRegister(s.duration, s.written, s.dupes)
	return s
}

// observe records one call; err points at the method's named result so that
// a deferred call sees the final error.
func (s *Store) observe(op string, start time.Time, err *error) {
	outcome := "ok"
	if *err != nil {
		outcome = smartmaint.ErrorCode(*err)
	}
	s.duration.WithLabelValues(s.next.Dialect(), op, outcome).Observe(time.Since(start).Seconds())
}

// Unwrap returns the instrumented store.
func (s *Store) Unwrap() smartmaint.Store { return s.next }

// Dialect implements smartmaint.Store.
func (s *Store) Dialect() string { return s.next.Dialect() }

// Close implements smartmaint.Store.
func (s *Store) Close() error { return s.next.Close() }

// Ping implements smartmaint.Store.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer s.observe("ping", time.Now(), &err)
	return s.next.Ping(ctx)
}

// WriteReadings implements smartmaint.ReadingService.
func (s *Store) WriteReadings(ctx context.Context, rs []smartmaint.Reading, opts smartmaint.WriteOptions) (res smartmaint.WriteResult, err error) {
	start := time.Now()
	res, err = s.next.WriteReadings(ctx, rs, opts)
	s.observe("write_readings", start, &err)
	if err == nil {
		s.written.Add(float64(res.Inserted))
		s.dupes.Add(float64(res.Duplicates))
	}
	return res, err
}

// FindReadings implements smartmaint.ReadingService.
func (s *Store) FindReadings(ctx context.Context, f smartmaint.ReadingFilter) (rs []*smartmaint.Reading, err error) {
	defer s.observe("find_readings", time.Now(), &err)
	return s.next.FindReadings(ctx, f)
}

// ExportReadings implements smartmaint.ReadingService.
func (s *Store) ExportReadings(ctx context.Context, f smartmaint.ReadingFilter, fn func(*smartmaint.Reading) error) (err error) {
	defer s.observe("export_readings", time.Now(), &err)
	return s.next.ExportReadings(ctx, f, fn)
}

// FindSeries implements smartmaint.ReadingService.
func (s *Store) FindSeries(ctx context.Context, q smartmaint.SeriesQuery) (ser *smartmaint.Series, err error) {
	defer s.observe("find_series", time.Now(), &err)
	return s.next.FindSeries(ctx, q)
}

// RefreshRollups implements smartmaint.MaintenanceService.
func (s *Store) RefreshRollups(ctx context.Context) (err error) {
	defer s.observe("refresh_rollups", time.Now(), &err)
	return s.next.RefreshRollups(ctx)
}

// EnforceRetention implements smartmaint.MaintenanceService.
func (s *Store) EnforceRetention(ctx context.Context, now time.Time) (res smartmaint.RetentionResult, err error) {
	defer s.observe("enforce_retention", time.Now(), &err)
	return s.next.EnforceRetention(ctx, now)
}
