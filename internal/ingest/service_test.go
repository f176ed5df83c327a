package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/uuid"

	"smartmaint"
	"smartmaint/internal/ingest"
)

// clock is a settable server clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newService returns a service with default limits over a fake store whose
// clock starts at testNow, and a context of the default tenant with request
// ID req-1.
func newService(tb testing.TB, opts ingest.Options) (*ingest.Service, *fakeStore, *clock, context.Context) {
	tb.Helper()
	c := &clock{t: testNow}
	store := newFakeStore(c.Now)
	opts.Now = c.Now
	ctx := smartmaint.NewContextWithRequestID(
		smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID), "req-1")
	return ingest.NewService(store, opts), store, c, ctx
}

func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestIngestBatchPartialSuccess(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	body := ndjson(
		`{"sensor_id":"a","value":1,"timestamp":"2026-06-01T11:00:00Z"}`,
		`{"sensor_id":"a","value":"2","timestamp":"2026-06-01T11:00:01Z"}`,
		`{"sensor_id":"b","value":3,"timestamp":"2026-06-01T11:00:02Z"}`,
		`{"sensor_id":"b","value":4,"oops":true}`,
		`{"sensor_id":"c","value":5,"timestamp":"2026-06-01T11:00:04Z"}`)
	res, err := svc.IngestBatch(ctx, strings.NewReader(body), ctNDJSON, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 3 || res.Duplicates != 0 || res.RejectedCount != 2 || res.CorrelationID != "req-1" ||
		!reflect.DeepEqual(res.NewSensors, []string{"a", "b", "c"}) {
		t.Fatalf("result %+v", res)
	}
	if len(res.Rejected) != 2 || res.Rejected[0].Line != 2 || res.Rejected[0].Field != "value" ||
		res.Rejected[1].Line != 4 || res.Rejected[1].Field != "oops" {
		t.Fatalf("rejected %+v", res.Rejected)
	}
	if store.count() != 3 {
		t.Fatalf("%d readings stored", store.count())
	}
	if _, ok := store.reading("b", time.Date(2026, 6, 1, 11, 0, 2, 0, time.UTC)); !ok {
		t.Fatal("reading of b not stored")
	}

	again, err := svc.IngestBatch(ctx, strings.NewReader(body), ctNDJSON, false)
	if err != nil || again.Accepted != 3 || again.Duplicates != 3 || len(again.NewSensors) != 0 || store.count() != 3 {
		t.Fatalf("resending: %+v, %v, %d stored", again, err, store.count())
	}
}

func TestIngestBatchAtomic(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	body := `[{"sensor_id":"a","value":1},{"sensor_id":"a","value":1,"quality":7},{"sensor_id":"b","value":2}]`
	_, err := svc.IngestBatch(ctx, strings.NewReader(body), ctJSON, true)
	if smartmaint.ErrorCode(err) != smartmaint.EINVALID || !strings.Contains(smartmaint.ErrorMessage(err), "1 of 3 readings rejected") {
		t.Fatalf("err = %v", err)
	}
	checkProblem(t, err, "quality", "between 0 and 1", "index 1")
	if store.count() != 0 || store.writes != 0 {
		t.Fatalf("atomic batch stored %d readings", store.count())
	}
	// The same batch without atomic stores the good ones.
	res, err := svc.IngestBatch(ctx, strings.NewReader(body), ctJSON, false)
	if err != nil || res.Accepted != 2 || store.count() != 2 {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestIngestBatchNothingValid(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	_, err := svc.IngestBatch(ctx, strings.NewReader("sensor_id,timestamp,value\na,2026-06-01T11:00:00Z,x\nb,2026-06-01T11:00:00Z,NaN\n"), ctCSV, false)
	if smartmaint.ErrorCode(err) != smartmaint.EINVALID || len(smartmaint.ErrorDetails(err)) != 2 || store.writes != 0 {
		t.Fatalf("err = %v, details %+v", err, smartmaint.ErrorDetails(err))
	}
	checkProblem(t, err, "value", "got NaN", "line 3")
}

func TestQualityScoring(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	lo, hi := 0.0, 100.0
	store.addSensor(smartmaint.Sensor{ID: "ranged", Type: "temperature", Status: smartmaint.SensorActive, ExpectedMin: &lo, ExpectedMax: &hi})
	store.addSensor(smartmaint.Sensor{ID: "maint", Type: "temperature", Status: smartmaint.SensorMaintenance})
	at := func(d time.Duration) string { return testNow.Add(-d).Format(time.RFC3339Nano) }
	tests := []struct {
		sensor   string
		value    float64
		reported string
		age      time.Duration
		want     float64
	}{
		{"ranged", 50, "", time.Second, 1},
		{"ranged", 50, `,"quality":0.5`, 2 * time.Second, 0.85},  // the sensor's own quality counts
		{"ranged", 150, "", 3 * time.Second, 0.86},               // outside the configured range
		{"ranged", 50, "", 2 * time.Hour, 0.93},                  // aged
		{"ranged", 50, "", 7 * 24 * time.Hour, 0.79},             // old: scored lower, still stored
		{"ranged", -1, `,"quality":0`, 48 * time.Hour, 0.35},     // everything wrong
		{"unknown-sensor", 1e6, "", 4 * time.Second, 1},          // unknown sensor: no range
		{"maint", 1e6, `,"quality":null`, 5 * time.Second, 1},    // a sensor in maintenance still ingests
		{"ranged", 100, "", 59*time.Minute + 59*time.Second, 1},  // bounds are inclusive, an hour is not aged
		{"ranged", 0, "", 24*time.Hour + time.Microsecond, 0.79}, // just past a day
	}
	var lines []string
	for _, tt := range tests {
		lines = append(lines, fmt.Sprintf(`{"sensor_id":%q,"value":%v,"timestamp":%q%s}`, tt.sensor, tt.value, at(tt.age), tt.reported))
	}
	res, err := svc.IngestBatch(ctx, strings.NewReader(ndjson(lines...)), ctNDJSON, false)
	if err != nil || res.Accepted != len(tests) {
		t.Fatalf("%+v, %v", res, err)
	}
	for _, tt := range tests {
		r, ok := store.reading(tt.sensor, testNow.Add(-tt.age))
		if !ok {
			t.Fatalf("%s at -%v not stored", tt.sensor, tt.age)
		}
		if math.Abs(r.Quality-tt.want) > 1e-9 {
			t.Errorf("%s value %v age %v: quality %v, want %v", tt.sensor, tt.value, tt.age, r.Quality, tt.want)
		}
	}
}

func TestDecommissionedSensorInBatch(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	store.addSensor(smartmaint.Sensor{ID: "old-1", Type: "temperature", Status: smartmaint.SensorDecommissioned})
	body := `[{"sensor_id":"a","value":"x"}, {"sensor_id":"old-1","value":1}, {"sensor_id":"a","value":2,"bad":0}, {"sensor_id":"a","value":3}]`
	res, err := svc.IngestBatch(ctx, strings.NewReader(body), ctJSON, false)
	if err != nil || res.Accepted != 1 || res.RejectedCount != 3 {
		t.Fatalf("%+v, %v", res, err)
	}
	var got []string
	for _, d := range res.Rejected {
		got = append(got, fmt.Sprintf("%d:%s", *d.Index, d.Field))
	}
	if want := []string{"0:value", "1:sensor_id", "2:bad"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected %v, want %v (in body order)", got, want)
	}
	if !strings.Contains(res.Rejected[1].Reason, "decommissioned") {
		t.Fatalf("reason %q", res.Rejected[1].Reason)
	}
}

func TestNewSensorType(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	body := ndjson(
		`{"sensor_id":"motor-vib-1","value":1}`,
		`{"sensor_id":"line-4","value":1,"sensor_type":"SensorType.PRESSURE","unit":"bar"}`,
		`{"sensor_id":"kiln-7","value":1,"sensor_type":"kiln_draft"}`,
		`{"sensor_id":"misc","value":1}`)
	if _, err := svc.IngestBatch(ctx, strings.NewReader(body), ctNDJSON, false); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"motor-vib-1": "vibration", "line-4": "pressure", "kiln-7": "kiln_draft", "misc": "general"} {
		if s := store.sensor(id); s == nil || s.Type != want {
			t.Errorf("sensor %s registered as %+v, want type %s", id, s, want)
		}
	}
	if s := store.sensor("line-4"); s.Unit != "bar" {
		t.Errorf("unit %q", s.Unit)
	}
	if r, _ := store.reading("misc", testNow); r.Time != testNow {
		t.Errorf("reading without timestamp stored at %v, want the server clock %v", r.Time, testNow)
	}
}

func TestSensorCacheTTL(t *testing.T) {
	svc, store, clk, ctx := newService(t, ingest.Options{SensorCacheTTL: 5 * time.Second})
	store.addSensor(smartmaint.Sensor{ID: "k1", Type: "temperature", Status: smartmaint.SensorActive})
	send := func() (*ingest.BatchResult, error) {
		ts := clk.Now().Add(-time.Second).Format(time.RFC3339Nano)
		return svc.IngestBatch(ctx, strings.NewReader(`[{"sensor_id":"k1","value":1,"timestamp":"`+ts+`"}]`), ctJSON, false)
	}
	if _, err := send(); err != nil || store.finds != 1 {
		t.Fatalf("first batch: %v, %d lookups", err, store.finds)
	}
	store.sensor("k1").Status = smartmaint.SensorDecommissioned
	clk.Add(time.Second)
	if _, err := send(); err != nil || store.finds != 1 {
		t.Fatalf("within the TTL: %v, %d lookups (want the cached sensor)", err, store.finds)
	}
	clk.Add(5 * time.Second)
	if _, err := send(); smartmaint.ErrorCode(err) != smartmaint.EINVALID || store.finds != 2 {
		t.Fatalf("after the TTL: %v, %d lookups (want the decommissioned sensor refused)", err, store.finds)
	}
}

func TestTenantRetentionLimitsAge(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	store.tenants["short"] = &smartmaint.Tenant{ID: "short", RawRetentionDays: 7}
	body := `{"sensor_id":"a","value":1,"timestamp":"2026-05-22T12:00:00Z"}` // 10 days old
	if _, err := svc.IngestOne(ctx, strings.NewReader(body), ""); err != nil {
		t.Fatalf("default tenant (180 days): %v", err)
	}
	short := smartmaint.NewContextWithTenant(ctx, "short")
	_, err := svc.IngestOne(short, strings.NewReader(body), "")
	checkProblem(t, err, "timestamp", "older than the retention of raw readings (7 days", "")
}

func TestIngestOneIdempotency(t *testing.T) {
	svc, store, clk, ctx := newService(t, ingest.Options{})
	body := `{"sensor_id":"pump-1-temp","value":71.5,"timestamp":"2026-06-01T11:59:00Z","quality":0.9}`
	first, err := svc.IngestOne(ctx, strings.NewReader(body), "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if first.Replayed || first.Status != ingest.StatusStored || !first.SensorRegistered || first.CorrelationID != "req-1" ||
		uuid.Validate(first.EventID) != nil || math.Abs(first.Quality-0.97) > 1e-9 {
		t.Fatalf("first %+v", first)
	}
	var shape map[string]any
	if err := json.Unmarshal(first.Raw, &shape); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range shape {
			if !yield(k) {
				return
			}
		}
	})
	if want := []string{"correlation_id", "event_id", "quality", "sensor_id", "sensor_registered", "status", "timestamp", "value"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("response keys %v, want %v", keys, want)
	}

	// Same key, any body: the stored response again, nothing written.
	other := `{"sensor_id":"pump-1-temp","value":1,"timestamp":"2026-06-01T11:59:30Z"}`
	replay, err := svc.IngestOne(ctx, strings.NewReader(other), "key-1")
	if err != nil || !replay.Replayed || string(replay.Raw) != string(first.Raw) || replay.EventID != first.EventID || store.count() != 1 {
		t.Fatalf("replay %+v, %v, %d stored", replay, err, store.count())
	}

	// The same reading without a key is a duplicate, not an error.
	dup, err := svc.IngestOne(ctx, strings.NewReader(body), "")
	if err != nil || dup.Status != ingest.StatusDuplicate || dup.SensorRegistered || dup.EventID == first.EventID {
		t.Fatalf("duplicate %+v, %v", dup, err)
	}

	// After the TTL the key is forgotten.
	clk.Add(smartmaint.IdempotencyTTL + time.Minute)
	late, err := svc.IngestOne(ctx, strings.NewReader(`{"sensor_id":"pump-1-temp","value":2}`), "key-1")
	if err != nil || late.Replayed || late.Status != ingest.StatusStored || store.count() != 2 {
		t.Fatalf("after the TTL %+v, %v", late, err)
	}
}

func TestOneResultJSONMatchesEncodingJSON(t *testing.T) {
	svc, _, _, ctx := newService(t, ingest.Options{})
	for i, body := range []string{
		`{"sensor_id":"a","value":1e-7,"correlation_id":"q\"<b>&\\ \u2028 é \u00e9"}`,
		`{"sensor_id":"a","value":1e21,"timestamp":"2026-06-01T11:00:00.000001Z"}`,
		`{"sensor_id":"a","value":-0,"timestamp":"2026-06-01T11:00:01Z","quality":0.123456789}`,
		`{"sensor_id":"a/b:c@d","value":123456.789,"timestamp":1780315000.5}`,
		`{"sensor_id":"a","value":-1.5e-300,"timestamp":1780315001}`,
	} {
		res, err := svc.IngestOne(ctx, strings.NewReader(body), fmt.Sprint("k", i))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(res)
		if string(res.Raw) != string(want) {
			t.Errorf("Raw  %s\nwant %s", res.Raw, want)
		}
	}
}

func TestIngestOneCorrelationID(t *testing.T) {
	svc, _, _, ctx := newService(t, ingest.Options{})
	own, err := svc.IngestOne(ctx, strings.NewReader(`{"sensor_id":"a","value":1,"correlation_id":"from-sensor"}`), "")
	if err != nil || own.CorrelationID != "from-sensor" {
		t.Fatalf("%+v, %v", own, err)
	}
	bare := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	gen, err := svc.IngestOne(bare, strings.NewReader(`{"sensor_id":"a","value":2,"timestamp":1780315000}`), "")
	if err != nil || uuid.Validate(gen.CorrelationID) != nil {
		t.Fatalf("%+v, %v", gen, err)
	}
	res, err := svc.IngestBatch(bare, strings.NewReader(`[{"sensor_id":"a","value":3,"timestamp":1780315001}]`), ctJSON, false)
	if err != nil || uuid.Validate(res.CorrelationID) != nil {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestStoreErrorsPassThrough(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	want := smartmaint.Errorf(smartmaint.EUNAVAILABLE, "The database cannot be reached.")
	store.failWith = want
	if _, err := svc.IngestOne(ctx, strings.NewReader(`{"sensor_id":"a","value":1}`), "k"); err != want {
		t.Fatalf("IngestOne: %v, want the store's error", err)
	}
	if _, err := svc.IngestBatch(ctx, strings.NewReader(`[{"sensor_id":"a","value":1}]`), ctJSON, false); err != want {
		t.Fatalf("IngestBatch: %v, want the store's error", err)
	}
}

func TestNoTenant(t *testing.T) {
	svc, _, _, _ := newService(t, ingest.Options{})
	_, err := svc.IngestBatch(context.Background(), strings.NewReader(`[]`), ctJSON, false)
	if smartmaint.ErrorCode(err) != smartmaint.EUNAUTHORIZED {
		t.Fatalf("err = %v", err)
	}
}

func TestRejectedListIsCapped(t *testing.T) {
	svc, _, _, ctx := newService(t, ingest.Options{MaxRejected: 10})
	var lines []string
	for i := range 50 {
		lines = append(lines, fmt.Sprintf(`{"sensor_id":"a","value":"%d"}`, i))
	}
	lines = append(lines, `{"sensor_id":"a","value":1}`)
	res, err := svc.IngestBatch(ctx, strings.NewReader(ndjson(lines...)), ctNDJSON, false)
	if err != nil || res.Accepted != 1 || res.RejectedCount != 50 || len(res.Rejected) != 10 || res.Rejected[9].Line != 10 {
		t.Fatalf("%+v, %v", res, err)
	}
	raw, _ := json.Marshal(res)
	for _, key := range []string{`"accepted":1`, `"duplicates":0`, `"rejected_count":50`, `"rejected":[{"line":1,"field":"value"`, `"new_sensors":["a"]`, `"correlation_id":"req-1"`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("result JSON %s lacks %s", raw, key)
		}
	}
}

func TestOversizedBodyThroughHTTPLimit(t *testing.T) {
	svc, _, _, ctx := newService(t, ingest.Options{MaxBytes: 100})
	_, err := svc.IngestBatch(ctx, strings.NewReader(strings.Repeat(" ", 101)), ctJSON, false)
	if smartmaint.ErrorCode(err) != smartmaint.ETOOLARGE || !strings.Contains(smartmaint.ErrorMessage(err), "100 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestBodyReadFailures(t *testing.T) {
	svc, _, _, ctx := newService(t, ingest.Options{})
	limited := http.MaxBytesReader(nil, io.NopCloser(strings.NewReader(strings.Repeat("\n", 50))), 20)
	if _, err := svc.IngestBatch(ctx, limited, ctNDJSON, false); smartmaint.ErrorCode(err) != smartmaint.ETOOLARGE ||
		!strings.Contains(smartmaint.ErrorMessage(err), "20 bytes") {
		t.Fatalf("http.MaxBytesReader: err = %v, want ETOOLARGE naming the limit", err)
	}
	broken := io.MultiReader(strings.NewReader(`[{"sensor_id":"a","value":1},`), iotest.ErrReader(errors.New("connection reset")))
	_, err := svc.IngestBatch(ctx, broken, ctJSON, false)
	if err == nil || smartmaint.ErrorCode(err) != smartmaint.EINTERNAL || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("read failure: err = %v", err)
	}
}

func TestConcurrentBatches(t *testing.T) {
	svc, store, _, ctx := newService(t, ingest.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lines []string
			for i := range 200 {
				lines = append(lines, fmt.Sprintf(`{"sensor_id":"g%d-s%d","value":%d,"timestamp":%d}`, g, i%7, i, 1780315200-i))
			}
			res, err := svc.IngestBatch(ctx, strings.NewReader(ndjson(lines...)), ctNDJSON, false)
			if err == nil && res.Accepted != 200 {
				err = errors.New("not all accepted")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if store.count() != 1600 {
		t.Fatalf("%d stored", store.count())
	}
}
