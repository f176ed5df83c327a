// Package storetest is the conformance suite that every smartmaint.Store
// implementation runs: internal/sqlite always, internal/postgres when
// SMARTMAINT_TEST_POSTGRES is set. A backend passes the suite a way to open a
// fresh store with an injected clock, and the suite checks the behaviour the
// domain contract promises, with real values.
//
// Where the domain contract leaves a choice open, the suite pins it so that
// both backends answer alike:
//
//   - Tenants, sites, assets and sensors are listed in ID order (byte order); the
//     total ignores Limit and Offset; Limit 0 means DefaultPageSize; a
//     negative Limit or Offset, or a Limit above MaxPageSize, is EINVALID.
//   - CreatedAt and UpdatedAt come from the store's clock, in UTC, at
//     microsecond precision.
//   - Readings are listed newest first, ties broken by sensor ID ascending
//     (byte order); Ascending lists oldest first, ties by sensor ID ascending.
//     A cursor is exclusive. Listing or exporting unknown sensors yields
//     nothing and no error; FindSeries of an unknown sensor is ENOTFOUND.
//   - Readings come back with SensorID, Time (UTC), Value, Quality and
//     Metadata (JSON-equal to what was sent); SensorType and Unit are empty.
//   - A sensor registered by WriteReadings takes its type from the first of
//     its readings in the batch (InferSensorType of its ID when empty), its
//     unit likewise, and status active. Within one batch the first reading
//     of a key wins too.
//   - The sensor statistics' last value and quality are those of the reading
//     with the latest timestamp, whatever the order of arrival.
//   - A replayed idempotent write returns a WriteResult holding only Replayed.
//   - Series omit empty buckets; Series.From, To and Source are the plan's;
//     Step is "raw" or the step's time.Duration String.
//   - Retention deletes raw readings strictly older than now minus the raw
//     retention, and rollup buckets that end at or before now minus the
//     rollup retention. The statistics keep counting what remains (count and
//     first reading adjusted); a sensor left with no readings has count 0 and
//     no first, last, value or quality.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

// Backend opens stores for the suite.
type Backend struct {
	// Open opens a fresh, empty, migrated store (default tenant present) whose
	// clock is now; it registers Close with tb.Cleanup.
	Open func(tb testing.TB, now func() time.Time) smartmaint.Store
	// Reopen closes s and opens the same database again (durability checks).
	Reopen func(tb testing.TB, s smartmaint.Store, now func() time.Time) smartmaint.Store
	// TamperAudit, when set, edits s's stored audit log as t says, behind the
	// store's back (bypassing its append-only protection); RunAccess then
	// checks that VerifyAudit detects the edit. Nil skips those checks.
	TamperAudit func(tb testing.TB, s smartmaint.Store, t AuditTamper)
}

// Run runs the whole conformance suite against the backend.
func Run(t *testing.T, b Backend) {
	groups := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"Basics", testBasics},
		{"Tenants", testTenants},
		{"Sites", testSites},
		{"Assets", testAssets},
		{"Sensors", testSensors},
		{"Isolation", testIsolation},
		{"WriteReadings", testWriteReadings},
		{"Idempotency", testIdempotency},
		{"FindReadings", testFindReadings},
		{"Export", testExport},
		{"Rollups", testRollups},
		{"Series", testSeries},
		{"Retention", testRetention},
		{"Durability", testDurability},
		{"Concurrency", testConcurrency},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, b) })
	}
}

// Epoch is the suite's starting clock: a Monday, at a whole hour, so that
// readings placed relative to it fall in predictable minute and hour buckets.
var Epoch = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// Clock is a settable clock for stores under test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one test's store, clock and contexts.
type env struct {
	tb    testing.TB
	b     Backend
	clock *Clock
	s     smartmaint.Store
	ctx   context.Context // the default tenant
}

func newEnv(tb testing.TB, b Backend) *env {
	tb.Helper()
	clock := NewClock(Epoch)
	s := b.Open(tb, clock.Now)
	return &env{tb: tb, b: b, clock: clock, s: s,
		ctx: smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)}
}

// tenant creates a tenant and returns a context acting in it.
func (e *env) tenant(id string, raw, rollup int) context.Context {
	e.tb.Helper()
	t := &smartmaint.Tenant{ID: id, Name: "Tenant " + id, RawRetentionDays: raw, RollupRetentionDays: rollup}
	if err := e.s.CreateTenant(context.Background(), t); err != nil {
		e.tb.Fatalf("CreateTenant(%s): %v", id, err)
	}
	return smartmaint.NewContextWithTenant(context.Background(), id)
}

func (e *env) reopen() {
	e.tb.Helper()
	e.s = e.b.Reopen(e.tb, e.s, e.clock.Now)
}

func (e *env) write(ctx context.Context, rs []smartmaint.Reading) smartmaint.WriteResult {
	e.tb.Helper()
	res, err := e.s.WriteReadings(ctx, rs, smartmaint.WriteOptions{})
	if err != nil {
		e.tb.Fatalf("WriteReadings(%d readings): %v", len(rs), err)
	}
	return res
}

func (e *env) sensor(ctx context.Context, id string) *smartmaint.Sensor {
	e.tb.Helper()
	s, err := e.s.FindSensorByID(ctx, id)
	if err != nil {
		e.tb.Fatalf("FindSensorByID(%s): %v", id, err)
	}
	return s
}

func (e *env) readings(ctx context.Context, f smartmaint.ReadingFilter) []*smartmaint.Reading {
	e.tb.Helper()
	rs, err := e.s.FindReadings(ctx, f)
	if err != nil {
		e.tb.Fatalf("FindReadings(%+v): %v", f, err)
	}
	return rs
}

func (e *env) series(ctx context.Context, q smartmaint.SeriesQuery) *smartmaint.Series {
	e.tb.Helper()
	s, err := e.s.FindSeries(ctx, q)
	if err != nil {
		e.tb.Fatalf("FindSeries(%+v): %v", q, err)
	}
	return s
}

func (e *env) refresh() {
	e.tb.Helper()
	if err := e.s.RefreshRollups(e.ctx); err != nil {
		e.tb.Fatalf("RefreshRollups: %v", err)
	}
}

// wantCode fails unless err carries the domain error code want.
func wantCode(tb testing.TB, what string, err error, want string) {
	tb.Helper()
	if got := smartmaint.ErrorCode(err); got != want {
		tb.Fatalf("%s: error code %q (%v), want %q", what, got, err, want)
	}
	var e *smartmaint.Error
	if want != "" && !errors.As(err, &e) {
		tb.Fatalf("%s: %v is not a *smartmaint.Error", what, err)
	}
}

// wantErrField fails unless err is EINVALID with a detail naming field.
func wantErrField(tb testing.TB, what string, err error, field string) {
	tb.Helper()
	wantCode(tb, what, err, smartmaint.EINVALID)
	for _, d := range smartmaint.ErrorDetails(err) {
		if d.Field == field {
			return
		}
	}
	tb.Fatalf("%s: error %v has no detail for field %q (details %+v)", what, err, field, smartmaint.ErrorDetails(err))
}

func ptr[T any](v T) *T { return &v }

// at returns Epoch plus d.
func at(d time.Duration) time.Time { return Epoch.Add(d) }

// reading builds a reading with quality 1.
func reading(sensor string, t time.Time, v float64) smartmaint.Reading {
	return smartmaint.Reading{SensorID: sensor, Time: t, Value: v, Quality: 1}
}

func fmtReading(r *smartmaint.Reading) string {
	return fmt.Sprintf("%s@%s=%g", r.SensorID, r.Time.UTC().Format(time.RFC3339Nano), r.Value)
}

func testBasics(t *testing.T, b Backend) {
	e := newEnv(t, b)
	if err := e.s.Ping(e.ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if d := e.s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Fatalf("Dialect() = %q, want sqlite or postgres", d)
	}
	tn, err := e.s.FindTenantByID(context.Background(), smartmaint.DefaultTenantID)
	if err != nil {
		t.Fatalf("default tenant: %v", err)
	}
	if tn.RawRetentionDays != smartmaint.DefaultRawRetentionDays || tn.RollupRetentionDays != smartmaint.DefaultRollupRetentionDays {
		t.Fatalf("default tenant retention %d/%d, want %d/%d", tn.RawRetentionDays, tn.RollupRetentionDays,
			smartmaint.DefaultRawRetentionDays, smartmaint.DefaultRollupRetentionDays)
	}
	// Every tenant-scoped method refuses a context without a tenant.
	bare := context.Background()
	calls := map[string]func() error{
		"FindSites":   func() error { _, _, err := e.s.FindSites(bare, smartmaint.SiteFilter{}); return err },
		"CreateSite":  func() error { return e.s.CreateSite(bare, &smartmaint.Site{Name: "x"}) },
		"FindAssets":  func() error { _, _, err := e.s.FindAssets(bare, smartmaint.AssetFilter{}); return err },
		"FindSensors": func() error { _, _, err := e.s.FindSensors(bare, smartmaint.SensorFilter{}); return err },
		"FindSensor":  func() error { _, err := e.s.FindSensorByID(bare, "s"); return err },
		"WriteReadings": func() error {
			_, err := e.s.WriteReadings(bare, []smartmaint.Reading{reading("s", Epoch, 1)}, smartmaint.WriteOptions{})
			return err
		},
		"FindReadings": func() error { _, err := e.s.FindReadings(bare, smartmaint.ReadingFilter{}); return err },
		"Export": func() error {
			return e.s.ExportReadings(bare, smartmaint.ReadingFilter{}, func(*smartmaint.Reading) error { return nil })
		},
		"FindSeries": func() error {
			_, err := e.s.FindSeries(bare, smartmaint.SeriesQuery{SensorID: "s", From: Epoch, To: at(time.Hour)})
			return err
		},
	}
	for name, call := range calls {
		wantCode(t, name+" without tenant", call(), smartmaint.EUNAUTHORIZED)
	}
}
