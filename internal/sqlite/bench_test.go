package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/sqlite"
)

const (
	benchSensors = 100
	benchBatch   = 10_000
)

var benchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// benchBatchAt fills rs with batch number n: benchBatch/benchSensors
// consecutive seconds of every sensor, interleaved by time as a client
// streaming a plant's readings would send them.
func benchBatchAt(rs []smartmaint.Reading, n int) {
	per := benchBatch / benchSensors
	for j := range per {
		sec := n*per + j
		t := benchStart.Add(time.Duration(sec) * time.Second)
		for i := range benchSensors {
			r := &rs[j*benchSensors+i]
			r.Time = t
			r.Value = 50 + 10*math.Sin(float64(sec)/300+float64(i)) + float64(sec%7)/10
		}
	}
}

func newBenchBatch() []smartmaint.Reading {
	rs := make([]smartmaint.Reading, benchBatch)
	for j := range benchBatch / benchSensors {
		for i := range benchSensors {
			rs[j*benchSensors+i] = smartmaint.Reading{SensorID: fmt.Sprintf("plant-1/asset-%02d/temp-%d", i/7, i),
				Quality: 1, SensorType: "temperature", Unit: "°C"}
		}
	}
	return rs
}

func openBench(b *testing.B, sync string) *sqlite.DB {
	b.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{Synchronous: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkWriteReadings measures the direct store rate: batches of 10,000
// readings over 100 sensors written in a tight loop, one caller, or four
// callers sharing group commits.
func BenchmarkWriteReadings(b *testing.B) {
	for _, sync := range []string{"full", "normal"} {
		for _, callers := range []int{1, 4} {
			b.Run(fmt.Sprintf("sync=%s/callers=%d", sync, callers), func(b *testing.B) {
				benchWrite(b, sync, callers)
			})
		}
	}
}

func benchWrite(b *testing.B, syncMode string, callers int) {
	db := openBench(b, syncMode)
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	batches := make([][]smartmaint.Reading, callers)
	for c := range batches {
		batches[c] = newBenchBatch()
	}
	var next int
	var mu sync.Mutex
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= b.N {
			return 0, false
		}
		next++
		return next - 1, true
	}
	cpu0, st0 := cpuTime(), db.Stats()
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := batches[c]
			for n, ok := take(); ok; n, ok = take() {
				benchBatchAt(rs, n)
				res, err := db.WriteReadings(ctx, rs, smartmaint.WriteOptions{})
				if err != nil || res.Inserted != benchBatch {
					b.Errorf("WriteReadings: %+v, %v", res, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "readings/s")
	b.ReportMetric(float64(b.N*benchBatch)/(cpuTime()-cpu0).Seconds(), "readings/cpu-s")
	b.ReportMetric(rssMiB(), "MiB-RSS")
	st := db.Stats()
	b.ReportMetric(float64(b.N*benchBatch)/(st.WriterBusy-st0.WriterBusy).Seconds(), "readings/writer-cpu-s")
	b.ReportMetric(float64(st.Jobs-st0.Jobs)/float64(st.Commits-st0.Commits), "jobs/commit")
}

// cpuTime returns the user and system CPU time the process has used. On a
// shared machine readings per CPU second is steadier than per wall second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMiB returns the process's resident set size in MiB.
func rssMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkFindSeries30Days loads 30 days of 1 Hz readings of one sensor
// (2,592,000 readings) and measures series?step=auto&max_points=1000, which
// reads the ~720 hourly rollups. Set SMARTMAINT_BENCH_SERIES=1 to run it (the
// load takes a while).
func BenchmarkFindSeries30Days(b *testing.B) {
	if os.Getenv("SMARTMAINT_BENCH_SERIES") == "" {
		b.Skip("set SMARTMAINT_BENCH_SERIES=1 to load 2.6M readings and run this benchmark")
	}
	db := openBench(b, "normal")
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	const days = 30
	loadStart := time.Now()
	rs := make([]smartmaint.Reading, 0, 86400)
	for d := range days {
		rs = rs[:0]
		for s := range 86400 {
			t := benchStart.Add(time.Duration(d*86400+s) * time.Second)
			rs = append(rs, smartmaint.Reading{SensorID: "pump-1-vib", Time: t, Value: math.Sin(float64(s) / 600), Quality: 1})
		}
		if _, err := db.WriteReadings(ctx, rs, smartmaint.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.RefreshRollups(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded and rolled up %d readings in %s", days*86400, time.Since(loadStart).Round(time.Millisecond))
	q := smartmaint.SeriesQuery{SensorID: "pump-1-vib", From: benchStart, To: benchStart.Add(days * 24 * time.Hour)}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		s, err := db.FindSeries(ctx, q)
		if err != nil || len(s.Buckets) != days*24 || s.Source != smartmaint.ResolutionHour {
			b.Fatalf("FindSeries: %d buckets from %s, %v", len(s.Buckets), s.Source, err)
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "ms-p99")
}

// loadHour writes one hour of the ingest benchmark's readings (36 batches,
// 360,000 readings of 100 sensors) and, when compact is set, merges their
// blocks (one per sensor) as the background job eventually does.
func loadHour(b *testing.B, compact bool) *sqlite.DB {
	b.Helper()
	// The background compaction waits: the blocks stay as written unless
	// compact is set.
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "hour.db"),
		sqlite.Options{Synchronous: "normal", CompactInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	rs := newBenchBatch()
	for n := range 36 {
		benchBatchAt(rs, n)
		if _, err := db.WriteReadings(ctx, rs, smartmaint.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if compact {
		if _, err := db.CompactBlocks(ctx); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkFindReadings lists readings across 100 sensors (360,000
// readings), with the blocks as written (36 blocks of 100 readings per
// sensor) and after compaction (one block of 3,600 readings per sensor).
func BenchmarkFindReadings(b *testing.B) {
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	last := benchStart.Add(3599 * time.Second)
	cases := []struct {
		name string
		f    smartmaint.ReadingFilter
	}{
		{"newest-100", smartmaint.ReadingFilter{Limit: 100}},
		{"newest-1000", smartmaint.ReadingFilter{Limit: 1000}},
		{"offset-10000", smartmaint.ReadingFilter{Limit: 100, Offset: 10000}},
		{"cursor-deep", smartmaint.ReadingFilter{Limit: 100, After: &smartmaint.ReadingCursor{Time: last.Add(-1800 * time.Second), SensorID: "m"}}},
		{"one-sensor-1000", smartmaint.ReadingFilter{Limit: 1000, SensorIDs: []string{"plant-1/asset-03/temp-21"}}},
	}
	for _, compact := range []bool{false, true} {
		db := loadHour(b, compact)
		for _, tc := range cases {
			b.Run(fmt.Sprintf("compacted=%v/%s", compact, tc.name), func(b *testing.B) {
				for b.Loop() {
					got, err := db.FindReadings(ctx, tc.f)
					if err != nil || len(got) != tc.f.Limit {
						b.Fatalf("FindReadings: %d readings, %v", len(got), err)
					}
				}
			})
		}
	}
}

// BenchmarkExportReadings streams all 360,000 readings of loadHour, oldest
// first, and reports the rate.
func BenchmarkExportReadings(b *testing.B) {
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	for _, compact := range []bool{false, true} {
		db := loadHour(b, compact)
		b.Run(fmt.Sprintf("compacted=%v", compact), func(b *testing.B) {
			n := 0
			for b.Loop() {
				err := db.ExportReadings(ctx, smartmaint.ReadingFilter{Ascending: true}, func(*smartmaint.Reading) error { n++; return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
		})
	}
}

// BenchmarkDatabaseSize writes 1,000,000 readings of the ingest benchmark
// (100 sensors, 10,000 seconds, random-walk values), brings rollups and
// compaction up to date, closes the store and reports the size of the
// database file per million readings (rollups and statistics included).
func BenchmarkDatabaseSize(b *testing.B) {
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "size.db")
		db, err := sqlite.Open(context.Background(), path, sqlite.Options{Synchronous: "normal"})
		if err != nil {
			b.Fatal(err)
		}
		ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
		rs := newBenchBatch()
		for n := range 100 {
			benchBatchAt(rs, n)
			if _, err := db.WriteReadings(ctx, rs, smartmaint.WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.RefreshRollups(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := db.CompactBlocks(ctx); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Size())/(1<<20), "MiB/1M-readings")
	}
}
