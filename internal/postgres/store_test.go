package postgres

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"smartmaint"
	"smartmaint/internal/pgtest"
)

var epoch = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func rd(sensor string, t time.Time, v float64) smartmaint.Reading {
	return smartmaint.Reading{SensorID: sensor, Time: t, Value: v, Quality: 1}
}

func TestPingUnavailable(t *testing.T) {
	// pgxpool connects lazily: the pool exists, the server does not.
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := &DB{pool: pool}
	err = db.Ping(context.Background())
	if code := smartmaint.ErrorCode(err); code != smartmaint.EUNAVAILABLE {
		t.Fatalf("Ping = %v (code %q), want %q", err, code, smartmaint.EUNAVAILABLE)
	}
	if msg := smartmaint.ErrorMessage(err); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "dial") {
		t.Fatalf("message leaks driver text: %q", msg)
	}
	_, err = Open(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=1", Options{})
	if code := smartmaint.ErrorCode(err); code != smartmaint.EUNAVAILABLE {
		t.Fatalf("Open = %v (code %q), want %q", err, code, smartmaint.EUNAVAILABLE)
	}
}

func TestMigrateAndReplicas(t *testing.T) {
	u := pgtest.FreshDatabase(t)
	// Several replicas start at once on an empty database.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), u, Options{Now: fixed(epoch), MaxConns: 4})
			errs[i] = err
			if err == nil {
				_ = db.Close()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	applied, err := Migrate(context.Background(), u)
	if err != nil || len(applied) != 0 {
		t.Fatalf("Migrate on a migrated database = %v, %v; want nothing applied", applied, err)
	}
	fresh := pgtest.FreshDatabase(t)
	applied, err = Migrate(context.Background(), fresh)
	if err != nil || !reflect.DeepEqual(applied, []string{"0001_init", "0002_access"}) {
		t.Fatalf("Migrate on a fresh database = %v, %v", applied, err)
	}
}

func TestPartitions(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{PartitionsAhead: 2})
	names := func() []string {
		t.Helper()
		var out []string
		rows, err := db.pool.Query(context.Background(), `SELECT c.relname FROM pg_inherits i
			JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'readings'::regclass ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			out = append(out, n)
		}
		return out
	}
	want := []string{"readings_p20250310_000000", "readings_p20250311_000000", "readings_p20250312_000000"}
	if got := names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("partitions after Open = %v, want %v", got, want)
	}
	// Backfill far in the past creates its partition on demand.
	old := time.Date(2001, 2, 3, 4, 5, 6, 7000, time.UTC)
	res, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{rd("pump-temp", old, 1), rd("pump-temp", epoch, 2)}, smartmaint.WriteOptions{})
	if err != nil || res.Inserted != 2 {
		t.Fatalf("backfill = %+v, %v", res, err)
	}
	if got := names(); got[0] != "readings_p20010203_000000" || len(got) != 4 {
		t.Fatalf("partitions after backfill = %v", got)
	}
	// Retention drops the old partition whole and keeps the statistics right.
	rr, err := db.EnforceRetention(context.Background(), epoch)
	if err != nil || !reflect.DeepEqual(rr.PartitionsDropped, []string{"readings_p20010203_000000"}) || rr.ReadingsDeleted != 1 {
		t.Fatalf("EnforceRetention = %+v, %v", rr, err)
	}
	s, err := db.FindSensorByID(tenantCtx, "pump-temp")
	if err != nil || s.Stats.ReadingCount != 1 || !s.Stats.FirstReadingAt.Equal(epoch) || *s.Stats.LastValue != 2 {
		t.Fatalf("stats after drop = %+v, %v", s.Stats, err)
	}
	// A partition dropped behind the cache's back (another replica) is
	// created again when a write needs it.
	if _, err := db.pool.Exec(context.Background(), `DROP TABLE readings_p20250311_000000`); err != nil {
		t.Fatal(err)
	}
	res, err = db.WriteReadings(tenantCtx, []smartmaint.Reading{rd("pump-temp", epoch.Add(24*time.Hour), 3)}, smartmaint.WriteOptions{})
	if err != nil || res.Inserted != 1 {
		t.Fatalf("write after external drop = %+v, %v", res, err)
	}
}

func TestDuplicatesFirstWriteWins(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	batch := []smartmaint.Reading{rd("a", epoch, 1), rd("b", epoch, 2), rd("a", epoch, 3), rd("a", epoch.Add(time.Second), 4)}
	res, err := db.WriteReadings(tenantCtx, batch, smartmaint.WriteOptions{})
	if err != nil || res.Inserted != 3 || res.Duplicates != 1 || !reflect.DeepEqual(res.NewSensors, []string{"a", "b"}) {
		t.Fatalf("batch with a repeated key = %+v, %v", res, err)
	}
	// Re-sending with other values changes nothing.
	again := []smartmaint.Reading{rd("a", epoch, 9), rd("a", epoch.Add(2*time.Second), 5)}
	res, err = db.WriteReadings(tenantCtx, again, smartmaint.WriteOptions{})
	if err != nil || res.Inserted != 1 || res.Duplicates != 1 || len(res.NewSensors) != 0 {
		t.Fatalf("partly duplicate batch = %+v, %v", res, err)
	}
	got, err := db.FindReadings(tenantCtx, smartmaint.ReadingFilter{SensorIDs: []string{"a"}, Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	var vals []float64
	for _, r := range got {
		vals = append(vals, r.Value)
	}
	if !reflect.DeepEqual(vals, []float64{1, 4, 5}) {
		t.Fatalf("values of a = %v, want [1 4 5] (first write wins)", vals)
	}
	s, _ := db.FindSensorByID(tenantCtx, "a")
	if s.Stats.ReadingCount != 3 || *s.Stats.LastValue != 5 {
		t.Fatalf("stats of a = %+v", s.Stats)
	}
}

func TestConcurrentIdempotentWrites(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{MaxConns: 10})
	const n = 8
	results := make([]smartmaint.WriteResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := []smartmaint.Reading{rd("k", epoch.Add(time.Duration(i)*time.Second), float64(i))}
			results[i], errs[i] = db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{IdempotencyKey: "same",
				Response: func(r smartmaint.WriteResult) ([]byte, error) { return fmt.Appendf(nil, "%d", r.Inserted), nil }})
		}()
	}
	wg.Wait()
	written := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		if results[i].Replayed == nil {
			written++
		} else if string(results[i].Replayed) != "1" {
			t.Fatalf("writer %d replayed %q", i, results[i].Replayed)
		}
	}
	s, _ := db.FindSensorByID(tenantCtx, "k")
	if written != 1 || s.Stats.ReadingCount != 1 {
		t.Fatalf("%d writers wrote, %d readings stored; want exactly one", written, s.Stats.ReadingCount)
	}
}

func TestConcurrentOverlappingWriters(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{MaxConns: 10, BulkWrites: 6})
	// Writers share sensors, in different orders, and resend each other's
	// readings, their COPYs all running at once: no deadlock escapes, every
	// reading is counted once, in the statistics and in the rollups.
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				var rs []smartmaint.Reading
				for i := range 200 {
					s := fmt.Sprintf("s%02d", (i*7+w)%20)
					if w%2 == 1 {
						s = fmt.Sprintf("s%02d", 19-(i*7+w)%20)
					}
					rs = append(rs, rd(s, epoch.Add(time.Duration(round*200+i)*time.Second), 1))
				}
				if _, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{}); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	var total, stats int64
	if err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM readings`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if err := db.pool.QueryRow(context.Background(), `SELECT sum(reading_count) FROM sensors`).Scan(&stats); err != nil {
		t.Fatal(err)
	}
	if total != stats || total == 0 {
		t.Fatalf("%d readings stored, statistics count %d", total, stats)
	}
	checkAggregates(t, db)
}

// checkAggregates fails unless every stored reading belongs to a sensor and
// each sensor's statistics and minute and hour rollups count exactly its
// stored readings.
func checkAggregates(t *testing.T, db *DB) {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), `
		WITH r AS (SELECT sensor_key, count(*) AS n FROM readings GROUP BY sensor_key),
			m AS (SELECT sensor_key, sum(count) AS n FROM rollups_1m GROUP BY sensor_key),
			h AS (SELECT sensor_key, sum(count) AS n FROM rollups_1h GROUP BY sensor_key)
		SELECT r.sensor_key, r.n, s.reading_count, m.n, h.n
		FROM r LEFT JOIN sensors s ON s.key = r.sensor_key
			LEFT JOIN m ON m.sensor_key = r.sensor_key LEFT JOIN h ON h.sensor_key = r.sensor_key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, n int64
		var stats, minutes, hours *int64
		if err := rows.Scan(&key, &n, &stats, &minutes, &hours); err != nil {
			t.Fatal(err)
		}
		switch {
		case stats == nil:
			t.Errorf("sensor key %d: %d readings of a sensor that does not exist", key, n)
		case *stats != n || minutes == nil || *minutes != n || hours == nil || *hours != n:
			t.Errorf("sensor key %d: %d readings, statistics %v, minute rollups %v, hour rollups %v",
				key, n, *stats, deref(minutes), deref(hours))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestDeleteSensorWaitsForWriter deletes a sensor while a batch for it is
// half written (sensors looked up, readings not yet inserted): the deletion
// must wait for the write to commit and then take its readings too, so that
// no reading is left without its sensor.
func TestDeleteSensorWaitsForWriter(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	if _, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{rd("d", epoch, 0)}, smartmaint.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var rs []smartmaint.Reading
	for i := 1; i <= 2*smallBatch; i++ {
		rs = append(rs, rd("d", epoch.Add(time.Duration(i)*time.Second), float64(i)))
	}
	ctx := context.Background()
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	keys, _, err := sensorKeys(ctx, tx, smartmaint.DefaultTenantID, rs, epoch, lockShared)
	if err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() { deleted <- db.DeleteSensor(tenantCtx, "d") }()
	waitForLockWait(t, db, deleted)
	inserted, err := insertReadings(ctx, tx, smartmaint.DefaultTenantID, rs, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := updateAggregates(ctx, tx, smartmaint.DefaultTenantID, inserted, lockShared); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM readings`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d readings left after the sensor was deleted (%v)", n, err)
	}
	checkAggregates(t, db)
}

// waitForLockWait returns once another session of db's database waits for
// a lock; it fails the test if done reports first (the operation did not
// wait at all).
func waitForLockWait(t *testing.T, db *DB, done chan error) {
	t.Helper()
	for range 1000 {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("the operation finished without waiting for the writer's lock (%v)", err)
		default:
		}
		var waiting int
		err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond) // polling another session's state
	}
	t.Fatal("no session started waiting for a lock within 5 s")
}

// TestCopyPaths drives batches larger than smallBatch through the COPY fast
// path and, when they hold stored or repeated keys, the staging slow path.
func TestCopyPaths(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	meta := []byte(`{"z": 1,  "a": [true]}`) // stored as sent: order and spacing kept
	batch := func(from, to int, v float64) []smartmaint.Reading {
		var rs []smartmaint.Reading
		for i := from; i < to; i++ {
			r := rd(fmt.Sprintf("s%d", i%3), epoch.Add(time.Duration(i)*time.Second), v+float64(i))
			if i%10 == 0 {
				r.Metadata = meta
			}
			rs = append(rs, r)
		}
		return rs
	}
	write := func(rs []smartmaint.Reading) smartmaint.WriteResult {
		t.Helper()
		res, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := write(batch(0, 100, 0)); res.Inserted != 100 || res.Duplicates != 0 || len(res.NewSensors) != 3 {
		t.Fatalf("fast path = %+v", res)
	}
	// 50 stored keys, 50 new ones, and the batch's own first reading again
	// at its end with another value.
	rs := batch(50, 150, 1000)
	rs = append(rs, rd(rs[0].SensorID, rs[0].Time, -1), rd("s1", epoch.Add(500*time.Second), 7), rd("s1", epoch.Add(500*time.Second), 8))
	if res := write(rs); res.Inserted != 51 || res.Duplicates != 52 {
		t.Fatalf("slow path = %+v, want 51 inserted and 52 duplicates", res)
	}
	got, err := db.FindReadings(tenantCtx, smartmaint.ReadingFilter{Ascending: true, Limit: 1000})
	if err != nil || len(got) != 151 {
		t.Fatalf("FindReadings: %d readings, %v", len(got), err)
	}
	for i, r := range got[:150] {
		want := float64(i)
		if i >= 100 {
			want += 1000
		}
		if r.Value != want {
			t.Fatalf("reading %d = %g, want %g (first write wins)", i, r.Value, want)
		}
		if (i%10 == 0) != (string(r.Metadata) == string(meta)) {
			t.Fatalf("reading %d metadata %q", i, r.Metadata)
		}
	}
	if got[150].Value != 7 {
		t.Fatalf("repeated key in one batch kept %g, want the first (7)", got[150].Value)
	}
	var n int64
	for _, id := range []string{"s0", "s1", "s2"} {
		s, _ := db.FindSensorByID(tenantCtx, id)
		n += s.Stats.ReadingCount
	}
	if n != 151 {
		t.Fatalf("statistics count %d readings, want 151", n)
	}
	ser, err := db.FindSeries(tenantCtx, smartmaint.SeriesQuery{SensorID: "s1", From: epoch, To: epoch.Add(time.Hour), Step: time.Hour})
	if err != nil || len(ser.Buckets) != 1 || ser.Buckets[0].Count != 51 {
		t.Fatalf("hourly rollup of s1 = %+v, %v; want 51 readings", ser, err)
	}
}

func TestWriteErrors(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	bad := rd("m", epoch, 1)
	bad.Metadata = []byte(`{"open":`)
	large := []smartmaint.Reading{bad} // beyond smallBatch: the COPY path
	for i := 1; i < 2*smallBatch; i++ {
		large = append(large, rd("m", epoch.Add(time.Duration(i)*time.Second), 1))
	}
	for name, rs := range map[string][]smartmaint.Reading{
		"bad metadata (INSERT)": {bad},
		"bad metadata (COPY)":   large,
		"bad sensor type":       {{SensorID: "t", Time: epoch, Value: 1, SensorType: "Temp!"}},
	} {
		_, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{})
		if smartmaint.ErrorCode(err) != smartmaint.EINVALID || strings.Contains(smartmaint.ErrorMessage(err), "syntax") {
			t.Fatalf("%s: %v (message %q), want EINVALID without driver text", name, err, smartmaint.ErrorMessage(err))
		}
	}
	// Nothing of the refused batches was stored, not even their sensors.
	if _, n, err := db.FindSensors(tenantCtx, smartmaint.SensorFilter{}); err != nil || n != 0 {
		t.Fatalf("sensors after refused writes: %d, %v", n, err)
	}
	// A tenant that does not exist cannot write.
	ghost := smartmaint.NewContextWithTenant(context.Background(), "ghost")
	if _, err := db.WriteReadings(ghost, []smartmaint.Reading{rd("x", epoch, 1)}, smartmaint.WriteOptions{}); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Fatalf("write in an unknown tenant: %v", err)
	}
}

// TestBulkLoadGetsStatistics: a partition filled by a bulk load is analyzed
// by the store within seconds, without waiting for autovacuum.
func TestBulkLoadGetsStatistics(t *testing.T) {
	db := openAt(t, pgtest.FreshDatabase(t), fixed(epoch), Options{})
	var batch []smartmaint.Reading
	for i := range 20_000 {
		batch = append(batch, rd(fmt.Sprintf("s%d", i%10), epoch.Add(time.Duration(i)*time.Second), float64(i)))
	}
	if _, err := db.WriteReadings(tenantCtx, batch, smartmaint.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		// The server's activity counters are flushed asynchronously, so
		// analyzeStale may see the load a moment late.
		if err := db.analyzeStale(context.Background()); err != nil {
			t.Fatal(err)
		}
		var analyzed int
		err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_user_tables
			WHERE relname LIKE 'readings\_p%' AND n_live_tup > 0 AND last_analyze IS NOT NULL`).Scan(&analyzed)
		if err != nil {
			t.Fatal(err)
		}
		if analyzed > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the bulk-loaded partition was not analyzed within 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestWatchAPIKeys: a revocation committed by one store reaches another
// store's watcher on the same database.
func TestWatchAPIKeys(t *testing.T) {
	url := pgtest.FreshDatabase(t)
	a := openAt(t, url, fixed(epoch), Options{})
	b := openAt(t, url, fixed(epoch), Options{})
	changed := make(chan struct{}, 16)
	a.WatchAPIKeys(func() { changed <- struct{}{} })
	select { // the watcher reports once when it starts listening
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not start listening")
	}
	k := &smartmaint.APIKey{Name: "gateway", Prefix: "smk_ab12", Hash: "watched", Scopes: []string{smartmaint.PermDataIngest}}
	if err := b.CreateAPIKey(tenantCtx, k); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
		t.Fatal("creating a key was reported as a revocation")
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := b.RevokeAPIKey(tenantCtx, k.ID, epoch); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("a revocation by another store was not reported")
	}
}
