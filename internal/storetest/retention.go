package storetest

import (
	"context"
	"testing"
	"time"

	"smartmaint"
)

const day = 24 * time.Hour

func testRetention(t *testing.T, b Backend) {
	e := newEnv(t, b)
	ctxR := e.tenant("short", 1, 3)
	// x: three readings past both retentions, two past the raw retention
	// only, two recent ones; y: only readings past the raw retention; bulk:
	// enough old readings to need several chunks.
	old := []smartmaint.Reading{reading("x", at(-5*day), 1), reading("x", at(-5*day+10*time.Second), 2),
		reading("x", at(-5*day+20*time.Second), 3)}
	mid := []smartmaint.Reading{reading("x", at(-2*day), 4), reading("x", at(-2*day+10*time.Second), 5),
		reading("y", at(-2*day), 6)}
	recent := []smartmaint.Reading{reading("x", at(-time.Hour), 7), reading("x", at(-time.Hour+10*time.Second), 8)}
	var bulk []smartmaint.Reading
	for i := range 12000 {
		bulk = append(bulk, reading("bulk", at(-2*day+time.Duration(i)*time.Second), float64(i)))
	}
	for _, rs := range [][]smartmaint.Reading{old, mid, recent, bulk} {
		e.write(ctxR, rs)
	}
	e.write(e.ctx, []smartmaint.Reading{reading("d", at(-5*day), 9)}) // the default tenant keeps 180 days
	e.refresh()

	res, err := e.s.EnforceRetention(context.Background(), e.clock.Now())
	if err != nil {
		t.Fatalf("EnforceRetention: %v", err)
	}
	// Raw: x's five old readings, y's one, all of bulk. Rollups: x's minute
	// and hour five days back.
	if res.ReadingsDeleted != int64(5+1+len(bulk)) || res.RollupsDeleted != 2 {
		t.Fatalf("EnforceRetention = %+v, want %d readings and 2 rollups deleted", res, 6+len(bulk))
	}
	if got := e.readings(ctxR, smartmaint.ReadingFilter{Ascending: true}); len(got) != 2 || got[0].Value != 7 || got[1].Value != 8 {
		t.Fatalf("readings left: %v", keysOf(got))
	}
	wantStats(t, e.sensor(ctxR, "x").Stats, 2, at(-time.Hour), at(-time.Hour+10*time.Second), 8, 1)
	for _, id := range []string{"y", "bulk"} {
		if st := e.sensor(ctxR, id).Stats; st != (smartmaint.SensorStats{}) {
			t.Fatalf("%s stats after all its readings expired: %s", id, fmtStats(st))
		}
	}
	if st := e.sensor(e.ctx, "d").Stats; st.ReadingCount != 1 {
		t.Fatalf("default tenant's reading deleted by another tenant's retention: %s", fmtStats(st))
	}
	// Rollups outlive raw readings.
	hours := e.series(ctxR, smartmaint.SeriesQuery{SensorID: "x", From: at(-6 * day), To: Epoch, Step: time.Hour})
	if len(hours.Buckets) != 2 || hours.Buckets[0].Count != 2 || !hours.Buckets[0].Time.Equal(at(-2*day)) ||
		hours.Buckets[0].Mean != 4.5 || hours.Buckets[1].Count != 2 {
		t.Fatalf("hourly rollups after retention: %+v", hours.Buckets)
	}
	minutes := e.series(ctxR, smartmaint.SeriesQuery{SensorID: "bulk", From: at(-2 * day), To: at(-2*day + 4*time.Hour), Step: time.Hour})
	var n int64
	for _, bk := range minutes.Buckets {
		n += bk.Count
	}
	if n != int64(len(bulk)) {
		t.Fatalf("bulk hourly rollups count %d readings after retention, want %d", n, len(bulk))
	}
	mins := e.series(ctxR, smartmaint.SeriesQuery{SensorID: "y", From: at(-2*day - time.Hour), To: at(-2*day + time.Hour), Step: time.Minute})
	if len(mins.Buckets) != 1 || mins.Buckets[0].Mean != 6 {
		t.Fatalf("y's minute rollups after retention: %+v", mins.Buckets)
	}

	res, err = e.s.EnforceRetention(context.Background(), e.clock.Now())
	if err != nil || res.ReadingsDeleted != 0 || res.RollupsDeleted != 0 {
		t.Fatalf("second EnforceRetention = %+v, %v", res, err)
	}
	// New readings after a retention pass are counted from the adjusted stats.
	e.write(ctxR, []smartmaint.Reading{reading("y", at(-time.Minute), 10)})
	wantStats(t, e.sensor(ctxR, "y").Stats, 1, at(-time.Minute), at(-time.Minute), 10, 1)
	// A week later, with the clock moved, everything of "short" but rollups
	// younger than three days is gone.
	e.clock.Advance(7 * day)
	res, err = e.s.EnforceRetention(context.Background(), e.clock.Now())
	if err != nil {
		t.Fatalf("EnforceRetention a week later: %v", err)
	}
	// Rollups: x and y have two minutes and two hours each, bulk 200
	// minutes and 4 hours.
	if res.ReadingsDeleted != 3 || res.RollupsDeleted != 4+4+204 {
		t.Fatalf("a week later: %+v, want 3 readings and 212 rollups deleted", res)
	}
	if left := e.readings(ctxR, smartmaint.ReadingFilter{}); len(left) != 0 {
		t.Fatalf("a week later %d readings left", len(left))
	}
	if st := e.sensor(ctxR, "x").Stats; st != (smartmaint.SensorStats{}) {
		t.Fatalf("x stats a week later: %s", fmtStats(st))
	}
}
