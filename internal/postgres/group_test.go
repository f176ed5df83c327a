package postgres

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/pgtest"
)

// callCtx is the context of a request made with request ID id.
func callCtx(id string) context.Context {
	return smartmaint.NewContextWithRequestID(tenantCtx, id)
}

// TestGroupSplitsResults commits three calls as one group: each gets the
// result it would have had committed alone after the calls before it, and
// its own registrations, audited with its own request ID.
func TestGroupSplitsResults(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	if _, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{rd("old", epoch, 1)}, smartmaint.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	group := []*pendingWrite{
		{ctx: callCtx("r1"), readings: []smartmaint.Reading{rd("a", epoch, 1), rd("old", epoch, 9)}},
		{ctx: callCtx("r2"), readings: []smartmaint.Reading{rd("a", epoch, 2), rd("b", epoch, 3), rd("b", epoch.Add(time.Second), 4)}},
		{ctx: callCtx("r3"), readings: []smartmaint.Reading{rd("b", epoch, 5), rd("old", epoch.Add(time.Second), 6)}},
	}
	db.commitGroup(tenantCtx, smartmaint.DefaultTenantID, group)
	want := []smartmaint.WriteResult{
		{Inserted: 1, Duplicates: 1, NewSensors: []string{"a"}},
		{Inserted: 2, Duplicates: 1, NewSensors: []string{"b"}},
		{Inserted: 1, Duplicates: 1},
	}
	for i, p := range group {
		if p.err != nil || !reflect.DeepEqual(p.res, want[i]) {
			t.Errorf("call %d: %+v, %v; want %+v", i+1, p.res, p.err, want[i])
		}
	}
	// The first write of each (sensor, timestamp) is the one stored.
	for sensor, vals := range map[string][]float64{"a": {1}, "b": {3, 4}, "old": {1, 6}} {
		got, err := db.FindReadings(tenantCtx, smartmaint.ReadingFilter{SensorIDs: []string{sensor}, Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		var vs []float64
		for _, r := range got {
			vs = append(vs, r.Value)
		}
		if !reflect.DeepEqual(vs, vals) {
			t.Errorf("sensor %s holds %v, want %v", sensor, vs, vals)
		}
	}
	entries, _, err := db.FindAudit(tenantCtx, smartmaint.AuditFilter{Action: "sensor.register"})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]string{}
	for _, e := range entries {
		by[e.TargetID] = e.RequestID
	}
	if !reflect.DeepEqual(by, map[string]string{"old": "", "a": "r1", "b": "r2"}) {
		t.Errorf("registrations audited as %v", by)
	}
	if v, err := db.VerifyAudit(tenantCtx, smartmaint.DefaultTenantID); err != nil || !v.OK {
		t.Fatalf("audit chain: %+v, %v", v, err)
	}
}

// TestGroupFailureIsOnlyTheBadCalls: a value the database refuses fails its
// own call; the other calls of the group are stored.
func TestGroupFailureIsOnlyTheBadCalls(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	bad := rd("b", epoch, 2)
	bad.Metadata = []byte(`{"open":`)
	group := []*pendingWrite{
		{ctx: tenantCtx, readings: []smartmaint.Reading{rd("a", epoch, 1)}},
		{ctx: tenantCtx, readings: []smartmaint.Reading{bad}},
		{ctx: tenantCtx, readings: []smartmaint.Reading{rd("c", epoch, 3)}},
	}
	db.commitGroup(tenantCtx, smartmaint.DefaultTenantID, group)
	if p := group[1]; smartmaint.ErrorCode(p.err) != smartmaint.EINVALID {
		t.Fatalf("bad call: %+v, %v; want EINVALID", p.res, p.err)
	}
	for _, i := range []int{0, 2} {
		if p := group[i]; p.err != nil || p.res.Inserted != 1 {
			t.Fatalf("call %d: %+v, %v", i+1, p.res, p.err)
		}
	}
	if _, n, err := db.FindSensors(tenantCtx, smartmaint.SensorFilter{}); err != nil || n != 2 {
		t.Fatalf("%d sensors, %v; want a and c only", n, err)
	}
}

// TestConcurrentSmallWritesAreGrouped sends single readings from many
// goroutines: they are committed in shared transactions, and every call's
// result adds up to what is stored.
func TestConcurrentSmallWritesAreGrouped(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{MaxConns: 4})
	const writers, each = 32, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	inserted, duplicates, registered := 0, 0, map[string]int{}
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Writers w and w+1 send the same readings: one of each
				// pair is a duplicate.
				sensor := fmt.Sprintf("s%02d", (w/2)%10)
				r := rd(sensor, epoch.Add(time.Duration((w/2)*each+i)*time.Second), float64(w))
				res, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{r}, smartmaint.WriteOptions{})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				inserted += res.Inserted
				duplicates += res.Duplicates
				for _, id := range res.NewSensors {
					registered[id]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if inserted != writers*each/2 || duplicates != writers*each/2 {
		t.Fatalf("inserted %d, duplicates %d; want %d each", inserted, duplicates, writers*each/2)
	}
	for id, n := range registered {
		if n != 1 {
			t.Errorf("sensor %s reported registered %d times", id, n)
		}
	}
	if len(registered) != 10 {
		t.Errorf("%d sensors registered, want 10", len(registered))
	}
	var stored int64
	sensors, _, err := db.FindSensors(tenantCtx, smartmaint.SensorFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sensors {
		stored += s.Stats.ReadingCount
	}
	if stored != int64(inserted) {
		t.Fatalf("sensor statistics count %d readings, calls reported %d inserted", stored, inserted)
	}
	if g := db.groups.stats(); g.calls != writers*each || !(g.groups < g.calls) {
		t.Fatalf("%d calls in %d transactions; want %d calls sharing transactions", g.calls, g.groups, writers*each)
	}
}
