package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

func testWriteReadings(t *testing.T, b Backend) {
	e := newEnv(t, b)
	if err := e.s.CreateSensor(e.ctx, &smartmaint.Sensor{ID: "known", Type: "pressure", Unit: "bar"}); err != nil {
		t.Fatalf("CreateSensor: %v", err)
	}
	batch := []smartmaint.Reading{
		{SensorID: "motor-temp", Time: at(-10 * time.Second), Value: 61.5, Quality: 0.9, SensorType: "temperature", Unit: "°C"},
		{SensorID: "known", Time: at(-10 * time.Second), Value: 2.5, Quality: 1, SensorType: "vibration"},
		{SensorID: "bearing-7", Time: at(-9 * time.Second), Value: 0.1, Quality: 1},
		{SensorID: "motor-temp", Time: at(-20 * time.Second), Value: 60.0, Quality: 0.8, SensorType: "humidity", Unit: "x"},
		{SensorID: "motor-temp", Time: at(-10 * time.Second), Value: 99, Quality: 0.1}, // same key in the batch: first wins
	}
	res := e.write(e.ctx, batch)
	want := smartmaint.WriteResult{Inserted: 4, Duplicates: 1, NewSensors: []string{"motor-temp", "bearing-7"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("first write = %+v, want %+v", res, want)
	}
	registered := []struct {
		id, typ, unit string
	}{
		{"motor-temp", "temperature", "°C"},
		{"bearing-7", smartmaint.InferSensorType("bearing-7"), ""},
		{"known", "pressure", "bar"}, // an existing sensor keeps its type
	}
	for _, r := range registered {
		s := e.sensor(e.ctx, r.id)
		if s.Type != r.typ || s.Unit != r.unit || s.Status != smartmaint.SensorActive || !s.CreatedAt.Equal(Epoch) {
			t.Fatalf("sensor %s registered as %+v, want type %q unit %q active", r.id, s, r.typ, r.unit)
		}
	}

	// The same batch again stores nothing; other values at the same keys lose.
	again := append([]smartmaint.Reading(nil), batch...)
	for i := range again {
		again[i].Value += 1000
	}
	res = e.write(e.ctx, again)
	if !reflect.DeepEqual(res, smartmaint.WriteResult{Duplicates: 5}) {
		t.Fatalf("second write = %+v, want 5 duplicates", res)
	}
	got := e.readings(e.ctx, smartmaint.ReadingFilter{SensorIDs: []string{"motor-temp"}})
	if len(got) != 2 || got[0].Value != 61.5 || got[0].Quality != 0.9 || got[1].Value != 60 || got[1].Quality != 0.8 {
		t.Fatalf("motor-temp readings after resend: %v, %v", fmtReading(got[0]), got)
	}
	wantStats(t, e.sensor(e.ctx, "motor-temp").Stats, 2, at(-20*time.Second), at(-10*time.Second), 61.5, 0.9)

	// A late reading counts but does not replace the last value.
	res = e.write(e.ctx, []smartmaint.Reading{reading("motor-temp", at(-30*time.Second), 59), reading("motor-temp", at(-5*time.Second), 62)})
	if res.Inserted != 2 || res.Duplicates != 0 || res.NewSensors != nil {
		t.Fatalf("third write = %+v", res)
	}
	e.write(e.ctx, []smartmaint.Reading{reading("motor-temp", at(-25*time.Second), 58)})
	wantStats(t, e.sensor(e.ctx, "motor-temp").Stats, 5, at(-30*time.Second), at(-5*time.Second), 62, 1)

	testBatchDuplicates(t, e)
	res, err := e.s.WriteReadings(e.ctx, nil, smartmaint.WriteOptions{})
	if err != nil || !reflect.DeepEqual(res, smartmaint.WriteResult{}) {
		t.Fatalf("empty write = %+v, %v", res, err)
	}
	testPrecision(t, e)
}

// testBatchDuplicates writes one large batch in scrambled time order in
// which every key appears several times: the first occurrence must win.
func testBatchDuplicates(t *testing.T, e *env) {
	const n = 500
	var rs []smartmaint.Reading
	for round := range 3 {
		for i := range n {
			k := (i * 7919) % n // a permutation of 0..n-1
			rs = append(rs, reading("scrambled", at(time.Duration(k-n)*time.Second), float64(round*1000+k)))
		}
	}
	if res := e.write(e.ctx, rs); res.Inserted != n || res.Duplicates != 2*n {
		t.Fatalf("scrambled batch = %+v, want %d inserted and %d duplicates", res, n, 2*n)
	}
	got := e.readings(e.ctx, smartmaint.ReadingFilter{SensorIDs: []string{"scrambled"}, Ascending: true, Limit: smartmaint.MaxPageSize})
	if len(got) != n {
		t.Fatalf("scrambled: %d readings stored", len(got))
	}
	for k, r := range got {
		if r.Value != float64(k) {
			t.Fatalf("scrambled reading %d = %s, want the first occurrence (value %d)", k, fmtReading(r), k)
		}
	}
}

func wantStats(t *testing.T, st smartmaint.SensorStats, n int64, first, last time.Time, value, quality float64) {
	t.Helper()
	if st.ReadingCount != n || st.FirstReadingAt == nil || !st.FirstReadingAt.Equal(first) ||
		st.LastReadingAt == nil || !st.LastReadingAt.Equal(last) ||
		st.LastValue == nil || *st.LastValue != value || st.LastQuality == nil || *st.LastQuality != quality {
		t.Fatalf("stats = %s, want count %d first %v last %v value %g quality %g", fmtStats(st), n, first, last, value, quality)
	}
}

func fmtStats(st smartmaint.SensorStats) string {
	s := fmt.Sprintf("count %d", st.ReadingCount)
	if st.FirstReadingAt != nil {
		s += " first " + st.FirstReadingAt.Format(time.RFC3339Nano)
	}
	if st.LastReadingAt != nil {
		s += " last " + st.LastReadingAt.Format(time.RFC3339Nano)
	}
	if st.LastValue != nil && st.LastQuality != nil {
		s += fmt.Sprintf(" value %g quality %g", *st.LastValue, *st.LastQuality)
	}
	return s
}

// testPrecision checks that microsecond timestamps, extreme values, quality
// and metadata come back exactly.
func testPrecision(t *testing.T, e *env) {
	base := time.Date(2025, 3, 9, 23, 59, 59, 999_999_000, time.UTC)
	in := []smartmaint.Reading{
		{SensorID: "precise", Time: base, Value: 1.0000000000000002, Quality: 0.123456789},
		{SensorID: "precise", Time: base.Add(time.Microsecond), Value: -1e300, Quality: 0},
		{SensorID: "precise", Time: base.Add(2 * time.Microsecond), Value: 5e-324, Quality: 1,
			Metadata: json.RawMessage(`{"batch": "A-1", "n": [1, 2.5], "ok": true}`)},
	}
	if res := e.write(e.ctx, in); res.Inserted != 3 {
		t.Fatalf("precision write = %+v", res)
	}
	got := e.readings(e.ctx, smartmaint.ReadingFilter{SensorIDs: []string{"precise"}, Ascending: true})
	if len(got) != 3 {
		t.Fatalf("got %d readings", len(got))
	}
	for i, r := range got {
		w := in[i]
		if !r.Time.Equal(w.Time) || r.Time.Location() != time.UTC || r.Value != w.Value || r.Quality != w.Quality || r.SensorID != w.SensorID ||
			r.SensorType != "" || r.Unit != "" || !jsonEqual(r.Metadata, w.Metadata) {
			t.Fatalf("reading %d = %+v (time %s), want %+v", i, r, r.Time.Format(time.RFC3339Nano), w)
		}
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func testIdempotency(t *testing.T, b Backend) {
	e := newEnv(t, b)
	calls := 0
	opts := smartmaint.WriteOptions{IdempotencyKey: "req-42", Response: func(r smartmaint.WriteResult) ([]byte, error) {
		calls++
		return json.Marshal(map[string]int{"accepted": r.Inserted})
	}}
	batch := []smartmaint.Reading{reading("s1", at(-time.Second), 1), reading("s2", at(-time.Second), 2)}
	res, err := e.s.WriteReadings(e.ctx, batch, opts)
	if err != nil || res.Inserted != 2 || res.Replayed != nil || calls != 1 {
		t.Fatalf("first keyed write = %+v, %v (Response called %d times)", res, err, calls)
	}
	// Within the TTL the same key replays, even with other readings.
	e.clock.Advance(smartmaint.IdempotencyTTL - time.Second)
	other := []smartmaint.Reading{reading("s3", at(time.Minute), 3)}
	res, err = e.s.WriteReadings(e.ctx, other, opts)
	if err != nil || !reflect.DeepEqual(res, smartmaint.WriteResult{Replayed: []byte(`{"accepted":2}`)}) || calls != 1 {
		t.Fatalf("replayed write = %+v (%s), %v", res, res.Replayed, err)
	}
	if _, err := e.s.FindSensorByID(e.ctx, "s3"); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Fatalf("a replayed write registered its sensor (%v)", err)
	}
	// A different key writes.
	res, err = e.s.WriteReadings(e.ctx, batch, smartmaint.WriteOptions{IdempotencyKey: "req-43"})
	if err != nil || res.Duplicates != 2 || res.Replayed != nil {
		t.Fatalf("other key = %+v, %v", res, err)
	}
	// After the TTL the key is forgotten, and recorded again with the new response.
	e.clock.Advance(2 * time.Second)
	res, err = e.s.WriteReadings(e.ctx, other, opts)
	if err != nil || res.Inserted != 1 || res.Replayed != nil || calls != 2 {
		t.Fatalf("expired key = %+v, %v", res, err)
	}
	res, err = e.s.WriteReadings(e.ctx, batch, opts)
	if err != nil || string(res.Replayed) != `{"accepted":1}` {
		t.Fatalf("key recorded again = %+v (%s), %v", res, res.Replayed, err)
	}
	// Retention purges expired keys; a purged key is simply new again.
	e.clock.Advance(smartmaint.IdempotencyTTL + time.Second)
	if _, err := e.s.EnforceRetention(e.ctx, e.clock.Now()); err != nil {
		t.Fatalf("EnforceRetention: %v", err)
	}
	res, err = e.s.WriteReadings(e.ctx, other, opts)
	if err != nil || res.Duplicates != 1 || res.Replayed != nil {
		t.Fatalf("key after purge = %+v, %v", res, err)
	}
}

func testDurability(t *testing.T, b Backend) {
	e := newEnv(t, b)
	if err := e.s.CreateSite(e.ctx, &smartmaint.Site{ID: "plant", Name: "Plant"}); err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	var batch []smartmaint.Reading
	for i := range 500 {
		batch = append(batch, reading(fmt.Sprintf("s%d", i%5), at(time.Duration(i-500)*time.Second), float64(i)))
	}
	_, err := e.s.WriteReadings(e.ctx, batch, smartmaint.WriteOptions{IdempotencyKey: "k",
		Response: func(smartmaint.WriteResult) ([]byte, error) { return []byte("ok"), nil }})
	if err != nil {
		t.Fatalf("WriteReadings: %v", err)
	}
	e.refresh()
	before := e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "s1", From: at(-time.Hour), To: Epoch, Step: time.Minute})
	e.reopen()
	if _, err := e.s.FindSiteByID(e.ctx, "plant"); err != nil {
		t.Fatalf("site lost on reopen: %v", err)
	}
	got := e.readings(e.ctx, smartmaint.ReadingFilter{Limit: smartmaint.MaxPageSize, Ascending: true})
	if len(got) != len(batch) {
		t.Fatalf("%d readings after reopen, want %d", len(got), len(batch))
	}
	for i, r := range got {
		if r.Value != float64(i) || !r.Time.Equal(batch[i].Time) {
			t.Fatalf("reading %d after reopen = %s", i, fmtReading(r))
		}
	}
	wantStats(t, e.sensor(e.ctx, "s1").Stats, 100, at(-499*time.Second), at(-4*time.Second), 496, 1)
	after := e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "s1", From: at(-time.Hour), To: Epoch, Step: time.Minute})
	if !reflect.DeepEqual(before, after) || len(after.Buckets) == 0 {
		t.Fatalf("series changed on reopen:\n%+v\n%+v", before, after)
	}
	res, err := e.s.WriteReadings(e.ctx, batch, smartmaint.WriteOptions{IdempotencyKey: "k"})
	if err != nil || string(res.Replayed) != "ok" {
		t.Fatalf("idempotency key lost on reopen: %+v, %v", res, err)
	}
}

// testConcurrency writes overlapping batches from many goroutines and checks
// that every reading is stored exactly once and counted exactly once.
func testConcurrency(t *testing.T, b Backend) {
	e := newEnv(t, b)
	const workers, batches, perBatch, sensors = 8, 10, 200, 7
	var mu sync.Mutex
	inserted, duplicates := 0, 0
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range batches {
				start := concurrentStart(w, i, batches, perBatch)
				var rs []smartmaint.Reading
				for k := range perBatch {
					n := start + k
					rs = append(rs, reading(fmt.Sprintf("c%d", n%sensors), at(time.Duration(-n)*time.Millisecond), float64(n)))
				}
				res, err := e.s.WriteReadings(e.ctx, rs, smartmaint.WriteOptions{})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				inserted += res.Inserted
				duplicates += res.Duplicates
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent WriteReadings: %v", err)
	}
	unique := map[int]bool{}
	for w := range workers {
		for i := range batches {
			start := concurrentStart(w, i, batches, perBatch)
			for k := range perBatch {
				unique[start+k] = true
			}
		}
	}
	if len(unique) == workers*batches*perBatch {
		t.Fatal("the batches do not overlap")
	}
	if inserted != len(unique) || duplicates != workers*batches*perBatch-len(unique) {
		t.Fatalf("inserted %d duplicates %d, want %d and %d", inserted, duplicates, len(unique), workers*batches*perBatch-len(unique))
	}
	list, _, err := e.s.FindSensors(e.ctx, smartmaint.SensorFilter{})
	if err != nil || len(list) != sensors {
		t.Fatalf("FindSensors = %d sensors, %v", len(list), err)
	}
	var counted int64
	for _, s := range list {
		counted += s.Stats.ReadingCount
	}
	if counted != int64(len(unique)) {
		t.Fatalf("stats count %d readings, want %d", counted, len(unique))
	}
	n := 0
	if err := e.s.ExportReadings(e.ctx, smartmaint.ReadingFilter{}, func(*smartmaint.Reading) error { n++; return nil }); err != nil || n != len(unique) {
		t.Fatalf("exported %d readings, want %d (%v)", n, len(unique), err)
	}
}

// concurrentStart is the first reading number of batch i of worker w: worker
// w+1 starts halfway through worker w's range, so they share half their keys.
func concurrentStart(w, i, batches, perBatch int) int {
	return w*batches*perBatch/2 + i*perBatch
}
