package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smartmaint"
)

// count returns the result of a count query on the read pool.
func count(t *testing.T, db *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func readingsAt(id string, base time.Time, values ...float64) []smartmaint.Reading {
	rs := make([]smartmaint.Reading, len(values))
	for i, v := range values {
		rs[i] = smartmaint.Reading{SensorID: id, Time: base.Add(time.Duration(i) * time.Second), Value: v, Quality: 1}
	}
	return rs
}

func mustWrite(t *testing.T, db *DB, rs []smartmaint.Reading) smartmaint.WriteResult {
	t.Helper()
	res, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestOverlapDedupAcrossBlocks writes late readings that interleave with,
// and partly repeat, stored blocks: the repeats are duplicates (the stored
// value wins), the others fill the gaps, and listings merge the overlapping
// blocks in order.
func TestOverlapDedupAcrossBlocks(t *testing.T) {
	db := openTest(t)
	base := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	mustWrite(t, db, readingsAt("o", base, 0, 2, 4, 6, 8)) // seconds 0..4
	// Seconds 2..6 again (three repeats with other values) and half-seconds
	// between, in reverse order, plus a reading of the previous hour.
	var late []smartmaint.Reading
	for i := 6; i >= 2; i-- {
		late = append(late, smartmaint.Reading{SensorID: "o", Time: base.Add(time.Duration(i) * time.Second), Value: 100 + float64(i), Quality: 1},
			smartmaint.Reading{SensorID: "o", Time: base.Add(time.Duration(i)*time.Second - 500*time.Millisecond), Value: 50 + float64(i), Quality: 1})
	}
	late = append(late, smartmaint.Reading{SensorID: "o", Time: base.Add(-time.Minute), Value: -1, Quality: 1})
	if res := mustWrite(t, db, late); res.Inserted != 8 || res.Duplicates != 3 {
		t.Fatalf("late write = %+v, want 8 inserted and 3 duplicates", res)
	}
	if n := count(t, db, `SELECT count(*) FROM reading_blocks`); n != 3 {
		t.Fatalf("%d blocks, want 3 (two overlapping in one hour, one in the hour before)", n)
	}
	want := []float64{-1, 0, 2, 52, 4, 53, 6, 54, 8, 55, 105, 56, 106}
	var got []float64
	for _, r := range exportAll(t, db, smartmaint.ReadingFilter{Ascending: true}) {
		got = append(got, r.Value)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ascending = %v, want %v", got, want)
	}
	page, err := db.FindReadings(tenantCtx, smartmaint.ReadingFilter{Limit: 4, Offset: 1})
	if err != nil || len(page) != 4 || page[0].Value != 56 || page[1].Value != 105 || page[3].Value != 8 {
		t.Fatalf("newest first, offset 1: %v, %v", page, err)
	}
	s, err := db.FindSensorByID(tenantCtx, "o")
	if err != nil || s.Stats.ReadingCount != 13 || *s.Stats.LastValue != 106 {
		t.Fatalf("statistics: %+v, %v", s.Stats, err)
	}
}

// TestCompaction writes single readings and overlapping batches into two
// sensor-hours, then checks that compaction leaves one block per sensor-hour
// with every reading unchanged, and that compacting again does nothing.
func TestCompaction(t *testing.T) {
	db := openTest(t)
	base := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	for i := range 40 {
		for _, id := range []string{"c1", "c2"} {
			mustWrite(t, db, []smartmaint.Reading{{SensorID: id, Time: base.Add(time.Duration(2*i) * time.Second), Value: float64(i), Quality: 1}})
		}
	}
	var odd []smartmaint.Reading
	for i := range 40 {
		odd = append(odd, smartmaint.Reading{SensorID: "c1", Time: base.Add(time.Duration(2*i+1) * time.Second), Value: float64(-i), Quality: 0.5})
	}
	mustWrite(t, db, odd)
	before := exportAll(t, db, smartmaint.ReadingFilter{})
	if n := count(t, db, `SELECT count(*) FROM reading_blocks`); n != 81 {
		t.Fatalf("%d blocks before compaction, want 81", n)
	}
	res, err := db.CompactBlocks(tenantCtx)
	if err != nil || res.Merges != 2 || res.BlocksRead != 81 || res.BlocksWritten != 2 || res.Readings != 120 {
		t.Fatalf("CompactBlocks = %+v, %v", res, err)
	}
	if n := count(t, db, `SELECT count(*) FROM reading_blocks`); n != 2 {
		t.Fatalf("%d blocks after compaction, want 2", n)
	}
	if n := count(t, db, `SELECT count(*) FROM block_merges`); n != 0 {
		t.Fatalf("%d sensor-hours still queued", n)
	}
	if d := diffReadings(exportAll(t, db, smartmaint.ReadingFilter{}), before); d != "" {
		t.Fatalf("readings changed by compaction: %s", d)
	}
	if res, err := db.CompactBlocks(tenantCtx); err != nil || res != (CompactResult{}) {
		t.Fatalf("second CompactBlocks = %+v, %v", res, err)
	}
}

// TestCompactionOfRecentHours checks the background policy: a sensor-hour
// still being written keeps its blocks until it holds more than compactOpen,
// then has its one-reading blocks merged and stays queued; once quiet it is
// merged fully.
func TestCompactionOfRecentHours(t *testing.T) {
	db := openTest(t)
	base := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	write := func(from, n int) {
		for i := from; i < from+n; i++ {
			mustWrite(t, db, []smartmaint.Reading{{SensorID: "r", Time: base.Add(time.Duration(i) * time.Second), Value: float64(i), Quality: 1}})
		}
	}
	write(0, 20)
	mustWrite(t, db, readingsAt("r", base.Add(time.Minute), make([]float64, 100)...)) // a larger block
	if res, err := db.compact(tenantCtx, false); err != nil || res.BlocksRead != 0 {
		t.Fatalf("compaction of a recent hour with 21 blocks = %+v, %v", res, err)
	}
	write(20, 20) // 41 blocks: the 40 one-reading blocks are merged, the larger one stays
	before := exportAll(t, db, smartmaint.ReadingFilter{Ascending: true})
	res, err := db.compact(tenantCtx, false)
	if err != nil || res.BlocksRead != 40 || res.BlocksWritten != 1 {
		t.Fatalf("compaction of a recent hour = %+v, %v", res, err)
	}
	if n := count(t, db, `SELECT count(*) FROM reading_blocks`); n != 2 {
		t.Fatalf("%d blocks, want the merged small ones and the large one", n)
	}
	if n := count(t, db, `SELECT count(*) FROM block_merges`); n != 1 {
		t.Fatalf("%d sensor-hours queued, want the recent one", n)
	}
	if res, err := db.compact(tenantCtx, false); err != nil || res.BlocksRead != 0 {
		t.Fatalf("second pass over a recent hour with nothing new = %+v, %v", res, err)
	}
	// Once the hour is quiet (here: forgotten, as after compactQuiet), the
	// job merges it fully.
	if err := db.w.do(tenantCtx, 0, func(*wtx) error { clear(db.blocks.recent); return nil }); err != nil {
		t.Fatal(err)
	}
	if res, err := db.compact(tenantCtx, false); err != nil || res.BlocksRead != 2 || res.BlocksWritten != 1 {
		t.Fatalf("compaction of a quiet hour = %+v, %v", res, err)
	}
	if d := diffReadings(exportAll(t, db, smartmaint.ReadingFilter{Ascending: true}), before); d != "" {
		t.Fatalf("readings changed by compaction: %s", d)
	}
}

// TestRetentionStraddlingBlock enforces retention with a cutoff inside a
// block: the block is rewritten with its newer readings, and the count of
// deleted readings and the statistics are exact.
func TestRetentionStraddlingBlock(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	db, err := Open(context.Background(), t.TempDir()+"/r.db", Options{Now: func() time.Time { return now }, RollupInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cut := now.Add(-smartmaint.DefaultRawRetentionDays * 24 * time.Hour)
	start := cut.Truncate(time.Hour).Add(-30 * time.Minute) // the previous hour: one whole block goes
	var rs []smartmaint.Reading
	for i := range 120 { // every minute for two hours: 30 before the hour, 90 after
		rs = append(rs, smartmaint.Reading{SensorID: "ret", Time: start.Add(time.Duration(i) * time.Minute), Value: float64(i), Quality: 1})
	}
	mustWrite(t, db, rs)
	res, err := db.EnforceRetention(tenantCtx, now)
	if err != nil {
		t.Fatal(err)
	}
	var kept []smartmaint.Reading
	for _, r := range rs {
		if !r.Time.Before(cut) {
			kept = append(kept, r)
		}
	}
	if res.ReadingsDeleted != int64(len(rs)-len(kept)) {
		t.Fatalf("deleted %d readings, want %d", res.ReadingsDeleted, len(rs)-len(kept))
	}
	if d := diffReadings(exportAll(t, db, smartmaint.ReadingFilter{Ascending: true}), kept); d != "" {
		t.Fatalf("readings after retention: %s", d)
	}
	s, err := db.FindSensorByID(tenantCtx, "ret")
	if err != nil || s.Stats.ReadingCount != int64(len(kept)) || !s.Stats.FirstReadingAt.Equal(kept[0].Time) {
		t.Fatalf("statistics after retention: %+v, %v", s.Stats, err)
	}
}
