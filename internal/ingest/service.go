package ingest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"smartmaint"
)

// Options configure a Service. Zero values take the defaults.
type Options struct {
	// Now is the server clock; default time.Now.
	Now func() time.Time
	// MaxReadings and MaxBytes bound one request (defaults
	// DefaultMaxReadings and DefaultMaxBytes).
	MaxReadings int
	MaxBytes    int64
	// MaxFuture is how far ahead of the clock a timestamp may lie (default
	// one hour, smartmaint.DefaultReadingLimits).
	MaxFuture time.Duration
	// SensorCacheTTL is how long sensor and tenant lookups are reused
	// (default 5 s): a sensor decommissioned or given a new expected range
	// affects ingest at most this long after the change.
	SensorCacheTTL time.Duration
	// MaxRejected caps the rejected list of a BatchResult (default 1000);
	// RejectedCount always counts every rejected reading.
	MaxRejected int
	// Logger receives debug records about ingested requests; default none.
	Logger *slog.Logger
}

// Service ingests readings for the tenant in ctx: it decodes, validates and
// scores them and writes each request with one store call.
type Service struct {
	store smartmaint.Store
	opts  Options
	lim   Limits

	mu      sync.Mutex
	tenants map[string]*tenantCache

	decoders sync.Pool // *Decoder with its buffers and interner
	batches  sync.Pool // *batch with its scratch slices
}

// NewService returns a Service writing to store.
func NewService(store smartmaint.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxFuture <= 0 {
		opts.MaxFuture = smartmaint.DefaultReadingLimits().MaxFuture
	}
	if opts.SensorCacheTTL <= 0 {
		opts.SensorCacheTTL = 5 * time.Second
	}
	if opts.MaxRejected <= 0 {
		opts.MaxRejected = 1000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	lim := Limits{MaxReadings: opts.MaxReadings, MaxBytes: opts.MaxBytes}.withDefaults()
	opts.MaxReadings, opts.MaxBytes = lim.MaxReadings, lim.MaxBytes
	return &Service{store: store, opts: opts, lim: lim, tenants: make(map[string]*tenantCache)}
}

// Limits returns the request limits the service applies.
func (s *Service) Limits() Limits { return s.lim }

// now returns the server clock truncated to the stored precision.
func (s *Service) now() time.Time {
	return s.opts.Now().UTC().Truncate(smartmaint.TimePrecision)
}

// decoder returns a pooled decoder reading body.
func (s *Service) decoder(body io.Reader, f Format) *Decoder {
	d, _ := s.decoders.Get().(*Decoder)
	if d == nil {
		d = &Decoder{p: objectParser{in: newInterner()}}
	}
	in := d.p.in
	if len(in.strs) >= maxInterned || len(in.types) >= maxInterned {
		clear(in.strs)
		clear(in.types)
	}
	d.reset(body, f, s.lim, in, d.src.buf)
	return d
}

// release returns a decoder to the pool, unless a huge line grew its buffer.
func (s *Service) release(d *Decoder) {
	d.src.r = nil
	if cap(d.src.buf) > 1<<20 {
		d.src.buf = nil
	}
	s.decoders.Put(d)
}

// env is what validating one request needs.
type env struct {
	now time.Time
	lim smartmaint.ReadingLimits
}

// check completes and validates a decoded item: a missing timestamp takes
// the server clock. It returns the validation error, if any.
func (e *env) check(it *Item) error {
	if it.Reading.Time.IsZero() {
		it.Reading.Time = e.now
	}
	return smartmaint.ValidateReading(&it.Reading, e.now, e.lim)
}

// newEnv prepares the validation of one request of the tenant.
func (s *Service) newEnv(ctx context.Context, tenantID string) (*env, error) {
	now := s.now()
	lim, err := s.readingLimits(ctx, tenantID, now)
	if err != nil {
		return nil, err
	}
	return &env{now: now, lim: lim}, nil
}

// score fills the sensor type of a reading of an unknown sensor and replaces
// the reported quality with the quality score (smartmaint.ScoreQuality):
// the expected range is the sensor's configured one (an unknown sensor, or
// one without a range, is in range) and the age is measured from now.
func score(r *smartmaint.Reading, info *sensorInfo, now time.Time) {
	if info.sensor == nil && r.SensorType == "" {
		r.SensorType = info.inferred
	}
	inRange := info.sensor == nil || info.sensor.InRange(r.Value)
	r.Quality = smartmaint.ScoreQuality(r.Quality, inRange, now.Sub(r.Time))
}
