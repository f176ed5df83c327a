package postgres

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
	"smartmaint/internal/pgtest"
)

// Ingest benchmark shape: batches of benchBatch readings over benchSensors
// sensors at 1 Hz, each batch the next benchBatch/benchSensors seconds.
const (
	benchSensors = 100
	benchBatch   = 10000
)

var benchBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// benchStore opens a store on a fresh database with the benchmark's sensors
// registered and the partitions for n batches created, and returns it with
// the sensors' keys.
func benchStore(b *testing.B, n int) (*DB, []int64) {
	b.Helper()
	db := openAt(b, pgtest.FreshDatabase(b), fixed(benchBase), Options{})
	keys := make([]int64, benchSensors)
	for i := range benchSensors {
		s := &smartmaint.Sensor{ID: benchSensorID(i), Type: "vibration"}
		if err := db.CreateSensor(tenantCtx, s); err != nil {
			b.Fatal(err)
		}
		if err := db.pool.QueryRow(context.Background(), `SELECT key FROM sensors WHERE id = $1`, s.ID).Scan(&keys[i]); err != nil {
			b.Fatal(err)
		}
	}
	span := time.Duration(n*benchBatch/benchSensors) * time.Second
	var times []time.Time
	for t := benchBase; !t.After(benchBase.Add(span)); t = t.Add(time.Hour) {
		times = append(times, t)
	}
	if err := db.ensurePartitions(context.Background(), times); err != nil {
		b.Fatal(err)
	}
	return db, keys
}

func benchSensorID(i int) string { return fmt.Sprintf("plant-1/pump-%03d/vibration", i) }

// benchBatchRows fills rs (and keys) with batch number i.
func benchBatchRows(i int, rs []smartmaint.Reading, keys, sensorKeys []int64) {
	start := benchBase.Add(time.Duration(i*benchBatch/benchSensors) * time.Second)
	for j := range benchBatch {
		s := j % benchSensors
		ts := start.Add(time.Duration(j/benchSensors) * time.Second)
		rs[j] = smartmaint.Reading{SensorID: benchSensorID(s), Time: ts,
			Value: 20 + 5*math.Sin(float64(ts.Unix())/600+float64(s)), Quality: 1}
		keys[j] = sensorKeys[s]
	}
}

// BenchmarkIngest compares a raw COPY of each batch into the readings table
// (autocommit, the floor) with WriteReadings of the same batch (one
// transaction: sensor lookup and locks, COPY, statistics, rollup markers),
// each on a fresh database.
func BenchmarkIngest(b *testing.B) {
	pgtest.URL(b)
	b.Run("raw_copy", func(b *testing.B) {
		db, sensorKeys := benchStore(b, b.N)
		rs, keys := make([]smartmaint.Reading, benchBatch), make([]int64, benchBatch)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			benchBatchRows(i, rs, keys, sensorKeys)
			src := &copySource{tenant: smartmaint.DefaultTenantID, readings: rs, keys: keys}
			if _, err := db.pool.CopyFrom(context.Background(), pgx.Identifier{"readings"}, readingColumns, src); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "readings/s")
	})
	b.Run("write_readings", func(b *testing.B) {
		db, sensorKeys := benchStore(b, b.N)
		rs, keys := make([]smartmaint.Reading, benchBatch), make([]int64, benchBatch)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			benchBatchRows(i, rs, keys, sensorKeys)
			res, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{})
			if err != nil || res.Inserted != benchBatch {
				b.Fatalf("WriteReadings = %+v, %v", res, err)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "readings/s")
	})
}

// BenchmarkIngestInterleaved writes each batch both ways, alternating, into
// two fresh databases, and times each way separately: load from other
// processes on a shared machine then hits both sides alike. It reports both
// rates and their ratio (store / raw).
func BenchmarkIngestInterleaved(b *testing.B) {
	pgtest.URL(b)
	rawDB, rawKeys := benchStore(b, b.N)
	db, sensorKeys := benchStore(b, b.N)
	rs, keys := make([]smartmaint.Reading, benchBatch), make([]int64, benchBatch)
	var raw, store time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchBatchRows(i, rs, keys, rawKeys)
		t0 := time.Now()
		src := &copySource{tenant: smartmaint.DefaultTenantID, readings: rs, keys: keys}
		if _, err := rawDB.pool.CopyFrom(context.Background(), pgx.Identifier{"readings"}, readingColumns, src); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		benchBatchRows(i, rs, keys, sensorKeys)
		t2 := time.Now()
		res, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{})
		if err != nil || res.Inserted != benchBatch {
			b.Fatalf("WriteReadings = %+v, %v", res, err)
		}
		raw, store = raw+t1.Sub(t0), store+time.Since(t2)
	}
	n := float64(b.N * benchBatch)
	b.ReportMetric(n/raw.Seconds(), "raw-readings/s")
	b.ReportMetric(n/store.Seconds(), "store-readings/s")
	b.ReportMetric(raw.Seconds()/store.Seconds(), "ratio")
}

// BenchmarkIngestConcurrent is BenchmarkIngest with four writers at once, as
// the HTTP batch benchmark has four clients: raw COPY from four connections
// against WriteReadings from four goroutines, each on a fresh database, the
// batches shared out among the writers. Writers of the same sensors insert
// in parallel and take turns only for the statistics and rollups.
func BenchmarkIngestConcurrent(b *testing.B) {
	pgtest.URL(b)
	const writers = 4
	run := func(b *testing.B, write func(db *DB, rs []smartmaint.Reading, keys []int64) error) {
		db, sensorKeys := benchStore(b, b.N)
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		b.ResetTimer()
		for range writers {
			wg.Go(func() {
				rs, keys := make([]smartmaint.Reading, benchBatch), make([]int64, benchBatch)
				for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
					benchBatchRows(i, rs, keys, sensorKeys)
					if err := write(db, rs, keys); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "readings/s")
	}
	b.Run("raw_copy", func(b *testing.B) {
		run(b, func(db *DB, rs []smartmaint.Reading, keys []int64) error {
			src := &copySource{tenant: smartmaint.DefaultTenantID, readings: rs, keys: keys}
			_, err := db.pool.CopyFrom(context.Background(), pgx.Identifier{"readings"}, readingColumns, src)
			return err
		})
	})
	b.Run("write_readings", func(b *testing.B) {
		run(b, func(db *DB, rs []smartmaint.Reading, _ []int64) error {
			res, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{})
			if err == nil && res.Inserted != benchBatch {
				err = fmt.Errorf("WriteReadings inserted %d of %d", res.Inserted, benchBatch)
			}
			return err
		})
	})
}

// BenchmarkIngestPhases runs the steps of WriteReadings one by one on each
// batch and reports the mean time of each, to show where the store's time
// goes beside the COPY: the sensor lookup and row locks, the COPY (with its
// savepoint), folding the rollup partials in Go, the statistics update, the
// minute and hour rollup upserts, and the commit.
func BenchmarkIngestPhases(b *testing.B) {
	pgtest.URL(b)
	db, skeys := benchStore(b, b.N)
	rs, keys := make([]smartmaint.Reading, benchBatch), make([]int64, benchBatch)
	names := []string{"lock-ms", "copy-ms", "partials-ms", "stats-ms", "rollup1m-ms", "rollup1h-ms", "commit-ms"}
	sums := make([]time.Duration, len(names))
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchBatchRows(i, rs, keys, skeys)
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var ins []stored
		var minutes, hours map[rollupKey]*smartmaint.Rollup
		send := func(queue func(*pgx.Batch)) func() error {
			return func() error {
				batch := &pgx.Batch{}
				queue(batch)
				return tx.SendBatch(ctx, batch).Close()
			}
		}
		steps := []func() error{
			func() (err error) {
				keys, _, err = sensorKeys(ctx, tx, smartmaint.DefaultTenantID, rs, benchBase, lockShared)
				return err
			},
			func() (err error) {
				ins, err = insertReadings(ctx, tx, smartmaint.DefaultTenantID, rs, keys)
				return err
			},
			func() error { minutes, hours = partials(ins); return nil },
			send(func(bt *pgx.Batch) { queueStats(bt, ins, true) }),
			send(func(bt *pgx.Batch) { queueRollups(bt, "rollups_1m", smartmaint.DefaultTenantID, minutes) }),
			send(func(bt *pgx.Batch) { queueRollups(bt, "rollups_1h", smartmaint.DefaultTenantID, hours) }),
			func() error { return tx.Commit(ctx) },
		}
		for j, step := range steps {
			t0 := time.Now()
			if err := step(); err != nil {
				b.Fatal(err)
			}
			sums[j] += time.Since(t0)
		}
	}
	for j, name := range names {
		b.ReportMetric(float64(sums[j].Microseconds())/1000/float64(b.N), name)
	}
}

var seriesOnce struct {
	sync.Once
	db  *DB
	err error
}

// seriesDays is the span of the query benchmarks' data set.
const seriesDays = 30

// seriesStore returns a store holding 30 days of 1 Hz readings of one sensor
// (2,592,000 readings written through WriteReadings in batches of 10,000),
// built once per process; TestMain drops its database.
func seriesStore(b *testing.B) *DB {
	b.Helper()
	server := pgtest.URL(b) // skips b, outside the Once, when no server is set
	seriesOnce.Do(func() {
		u, drop, err := pgtest.CreateDatabase(server)
		if err != nil {
			seriesOnce.err = err
			return
		}
		atExit = append(atExit, drop)
		db, err := Open(context.Background(), u, Options{Now: fixed(benchBase.Add(seriesDays * 24 * time.Hour))})
		if err != nil {
			seriesOnce.err = err
			return
		}
		atExit = append(atExit, func() { _ = db.Close() })
		rs := make([]smartmaint.Reading, benchBatch)
		total := seriesDays * 24 * 3600
		for off := 0; off < total; off += benchBatch {
			n := min(benchBatch, total-off)
			for j := range n {
				ts := benchBase.Add(time.Duration(off+j) * time.Second)
				rs[j] = smartmaint.Reading{SensorID: "series-sensor", Time: ts, Value: math.Sin(float64(off+j) / 3600), Quality: 1}
			}
			if _, err := db.WriteReadings(tenantCtx, rs[:n], smartmaint.WriteOptions{}); err != nil {
				seriesOnce.err = err
				return
			}
		}
		_, seriesOnce.err = db.pool.Exec(context.Background(), `ANALYZE`)
		seriesOnce.db = db
	})
	if seriesOnce.err != nil {
		b.Fatal(seriesOnce.err)
	}
	return seriesOnce.db
}

// timed runs fn b.N times and reports the p50 and p99 latency.
func timed(b *testing.B, fn func() error) {
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		err := fn()
		durs = append(durs, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkFindSeries measures series?step=auto&max_points=1000 over the
// whole 30 days (auto picks 1h buckets, read from the hourly rollup).
func BenchmarkFindSeries(b *testing.B) {
	db := seriesStore(b)
	q := smartmaint.SeriesQuery{SensorID: "series-sensor", From: benchBase, To: benchBase.Add(seriesDays * 24 * time.Hour), MaxPoints: 1000}
	timed(b, func() error {
		s, err := db.FindSeries(tenantCtx, q)
		if err == nil && len(s.Buckets) != seriesDays*24 {
			err = fmt.Errorf("%d buckets, want %d", len(s.Buckets), seriesDays*24)
		}
		return err
	})
}

// BenchmarkFindReadings measures listing pages over the same data set: the
// newest 100 readings of the tenant, of the sensor, and a page deep in the
// past reached with a cursor.
func BenchmarkFindReadings(b *testing.B) {
	db := seriesStore(b)
	deep := benchBase.Add(24 * time.Hour)
	for _, tc := range []struct {
		name string
		f    smartmaint.ReadingFilter
	}{
		{"tenant_newest", smartmaint.ReadingFilter{Limit: 100}},
		{"sensor_newest", smartmaint.ReadingFilter{Limit: 100, SensorIDs: []string{"series-sensor"}}},
		{"cursor_deep", smartmaint.ReadingFilter{Limit: 100, After: &smartmaint.ReadingCursor{Time: deep, SensorID: "series-sensor"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			timed(b, func() error {
				rs, err := db.FindReadings(tenantCtx, tc.f)
				if err == nil && len(rs) != 100 {
					err = fmt.Errorf("%d readings", len(rs))
				}
				return err
			})
		})
	}
}

// BenchmarkWriteOne measures WriteReadings of a single reading (the
// single-reading ingest path: one transaction, one INSERT).
func BenchmarkWriteOne(b *testing.B) {
	db, _ := benchStore(b, 1)
	i := 0
	timed(b, func() error {
		i++
		res, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{{SensorID: benchSensorID(i % benchSensors),
			Time: benchBase.Add(time.Duration(i) * time.Millisecond), Value: 1, Quality: 1}}, smartmaint.WriteOptions{})
		if err == nil && res.Inserted != 1 {
			err = fmt.Errorf("WriteReadings = %+v", res)
		}
		return err
	})
}
