package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

// queueBehindBlocker holds the writer with a job, queues calls one after
// the other (each is queued before the next starts), then releases the
// writer so that it runs them in one transaction. It returns each call's
// error.
func queueBehindBlocker(t *testing.T, db *DB, calls []func() error) []error {
	t.Helper()
	release, started := make(chan struct{}), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	go db.w.do(context.Background(), 1, func(*wtx) error { close(started); <-release; return nil })
	<-started
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = call() }()
		for deadline := time.Now().Add(5 * time.Second); len(db.w.jobs) < i+1; {
			if time.Now().After(deadline) {
				t.Fatalf("call %d not queued", i)
			}
			time.Sleep(time.Millisecond) // polling the queue
		}
	}
	st0 := db.Stats()
	unblock()
	wg.Wait()
	// The blocker's transaction, then one for all the calls.
	if st := db.Stats(); st.Commits-st0.Commits != 2 || st.Jobs-st0.Jobs != int64(len(calls))+1 {
		t.Fatalf("the calls ran in %d transactions (%d jobs), want one", st.Commits-st0.Commits-1, st.Jobs-st0.Jobs-1)
	}
	return errs
}

// TestCoalescedWrites queues WriteReadings calls that the writer runs as one
// combined write and checks that each gets exactly the result it would have
// had alone, in queue order: duplicates of earlier calls, a repeated
// idempotency key, a sensor registered once, and two calls that fail alone.
func TestCoalescedWrites(t *testing.T) {
	db := openTest(t)
	t0 := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	at := func(id string, s int, v float64) smartmaint.Reading {
		return smartmaint.Reading{SensorID: id, Time: t0.Add(time.Duration(s) * time.Second), Value: v, Quality: 1}
	}
	respond := func(r smartmaint.WriteResult) ([]byte, error) { return json.Marshal(r.Inserted) }
	fail := func(smartmaint.WriteResult) ([]byte, error) { return nil, errors.New("no response today") }
	calls := []struct {
		rs   []smartmaint.Reading
		opts smartmaint.WriteOptions
	}{
		{[]smartmaint.Reading{at("g", 0, 1), at("g", 1, 2), at("g", 2, 3)}, smartmaint.WriteOptions{IdempotencyKey: "k1", Response: respond}},
		{[]smartmaint.Reading{at("g", 9, 9)}, smartmaint.WriteOptions{IdempotencyKey: "k1", Response: respond}},
		{[]smartmaint.Reading{at("g", 1, 20), at("g", 3, 4)}, smartmaint.WriteOptions{}},
		{[]smartmaint.Reading{at("x", 0, 1)}, smartmaint.WriteOptions{IdempotencyKey: "k2", Response: fail}},
		{[]smartmaint.Reading{{SensorID: "bad", Time: t0, Quality: 1, SensorType: "Not A Type"}}, smartmaint.WriteOptions{}},
		{[]smartmaint.Reading{at("g", 3, 40), at("g", 4, 5), at("h", 0, 6)}, smartmaint.WriteOptions{}},
	}
	results := make([]smartmaint.WriteResult, len(calls))
	fns := make([]func() error, len(calls))
	for i, c := range calls {
		fns[i] = func() (err error) { results[i], err = db.WriteReadings(tenantCtx, c.rs, c.opts); return err }
	}
	errs := queueBehindBlocker(t, db, fns)
	want := []smartmaint.WriteResult{
		{Inserted: 3, NewSensors: []string{"g"}},
		{Replayed: []byte("3")},
		{Inserted: 1, Duplicates: 1},
		{},
		{},
		{Inserted: 2, Duplicates: 1, NewSensors: []string{"h"}},
	}
	for i := range calls {
		wantErr := i == 3 || i == 4
		if (errs[i] != nil) != wantErr || !wantErr && !reflect.DeepEqual(results[i], want[i]) {
			t.Fatalf("call %d = %+v, %v; want %+v (error: %v)", i, results[i], errs[i], want[i], wantErr)
		}
	}
	if code := smartmaint.ErrorCode(errs[4]); code != smartmaint.EINVALID {
		t.Fatalf("the invalid sensor type: %v", errs[4])
	}
	var values []float64
	for _, r := range exportAll(t, db, smartmaint.ReadingFilter{Ascending: true, SensorIDs: []string{"g"}}) {
		values = append(values, r.Value)
	}
	if !reflect.DeepEqual(values, []float64{1, 2, 3, 4, 5}) {
		t.Fatalf("g holds %v, want the first write of each key", values)
	}
	for _, id := range []string{"x", "bad"} {
		if _, err := db.FindSensorByID(tenantCtx, id); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
			t.Fatalf("sensor %s of a failed call was registered (%v)", id, err)
		}
	}
	// k1 is recorded with the first call's response; k2 was never recorded.
	res, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{at("g", 8, 8)}, smartmaint.WriteOptions{IdempotencyKey: "k1"})
	if err != nil || string(res.Replayed) != "3" {
		t.Fatalf("k1 afterwards: %+v, %v", res, err)
	}
	res, err = db.WriteReadings(tenantCtx, []smartmaint.Reading{at("x", 0, 1)}, smartmaint.WriteOptions{IdempotencyKey: "k2"})
	if err != nil || res.Inserted != 1 || res.Replayed != nil {
		t.Fatalf("k2 afterwards: %+v, %v", res, err)
	}
}

// TestCoalescedWriteFallback makes one call of a combined write fail inside
// SQLite (its sensor's audit entry is refused): the writer undoes the
// combined write and runs the calls one by one, so only that call fails.
func TestCoalescedWriteFallback(t *testing.T) {
	db := openTest(t)
	err := db.w.do(context.Background(), 1, func(tx *wtx) error {
		_, err := tx.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.target_id = 'refused'
			BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	ids := []string{"ok-1", "refused", "ok-2"}
	results := make([]smartmaint.WriteResult, len(ids))
	fns := make([]func() error, len(ids))
	for i, id := range ids {
		fns[i] = func() (err error) {
			results[i], err = db.WriteReadings(tenantCtx, []smartmaint.Reading{{SensorID: id, Time: t0, Value: 1, Quality: 1}}, smartmaint.WriteOptions{})
			return err
		}
	}
	errs := queueBehindBlocker(t, db, fns)
	for i, id := range ids {
		refused := id == "refused"
		if refused != (smartmaint.ErrorCode(errs[i]) == smartmaint.EINTERNAL) || !refused && (errs[i] != nil || results[i].Inserted != 1) {
			t.Fatalf("%s: %+v, %v", id, results[i], errs[i])
		}
		_, err := db.FindSensorByID(tenantCtx, id)
		if (err == nil) == refused {
			t.Fatalf("%s registered: %v", id, err == nil)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM reading_blocks`); n != 2 {
		t.Fatalf("%d blocks, want those of the two calls that succeeded", n)
	}
}

// TestSensorCacheInvalidation checks the writer's sensor cache against what
// could make it wrong: a deleted sensor registered again gets a new key, and
// a reading written through another connection to the same database counts
// as stored.
func TestSensorCacheInvalidation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	a, err := Open(context.Background(), path, Options{RollupInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	t0 := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	r := func(s int) []smartmaint.Reading {
		return []smartmaint.Reading{{SensorID: "c", Time: t0.Add(time.Duration(s) * time.Second), Value: float64(s), Quality: 1}}
	}
	mustWrite(t, a, r(0))
	if err := a.DeleteSensor(tenantCtx, "c"); err != nil {
		t.Fatal(err)
	}
	if res := mustWrite(t, a, r(0)); res.Inserted != 1 || !reflect.DeepEqual(res.NewSensors, []string{"c"}) {
		t.Fatalf("writing to a deleted sensor's ID: %+v, want it registered again", res)
	}
	if got := exportAll(t, a, smartmaint.ReadingFilter{}); len(got) != 1 {
		t.Fatalf("%d readings after registering again, want 1", len(got))
	}
	b, err := Open(context.Background(), path, Options{RollupInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if res := mustWrite(t, b, r(5)); res.Inserted != 1 {
		t.Fatalf("write through the second store: %+v", res)
	}
	if res := mustWrite(t, a, r(5)); res.Inserted != 0 || res.Duplicates != 1 {
		t.Fatalf("the first store wrote again what the second stored: %+v", res)
	}
}
