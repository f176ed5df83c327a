package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

var tenantCtx = smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.db"), Options{RollupInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestGroupCommitIsolatesFailures queues three jobs behind a blocked one so
// that the writer runs them in one transaction, and checks that the failing
// job is rolled back alone.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db := openTest(t)
	release, started := make(chan struct{}), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before Close, which waits for the writer
	blocked := make(chan error, 1)
	go func() {
		blocked <- db.w.do(context.Background(), 1, func(*wtx) error { close(started); <-release; return nil })
	}()
	<-started
	insert := func(id string) func(tx *wtx) error {
		return func(tx *wtx) error {
			_, err := tx.exec(`INSERT INTO tenants (id, name, raw_retention_days, rollup_retention_days, created_at, updated_at)
				VALUES (?, ?, 1, 1, 0, 0)`, id, id)
			return err
		}
	}
	jobs := []func(tx *wtx) error{
		insert("t-good-1"),
		func(tx *wtx) error {
			if err := insert("t-bad")(tx); err != nil {
				return err
			}
			return smartmaint.Errorf(smartmaint.EINVALID, "this job fails after writing")
		},
		insert("t-good-2"),
	}
	results := make([]chan error, len(jobs))
	for i, fn := range jobs {
		results[i] = make(chan error, 1)
		go func() { results[i] <- db.w.do(context.Background(), 1, fn) }()
	}
	for deadline := time.Now().Add(5 * time.Second); len(db.w.jobs) < len(jobs); {
		if time.Now().After(deadline) {
			t.Fatalf("only %d jobs queued", len(db.w.jobs))
		}
		time.Sleep(time.Millisecond) // polling the queue
	}
	unblock()
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"", smartmaint.EINVALID, ""} {
		if got := smartmaint.ErrorCode(<-results[i]); got != want {
			t.Fatalf("job %d: code %q, want %q", i, got, want)
		}
	}
	for id, want := range map[string]bool{"t-good-1": true, "t-bad": false, "t-good-2": true} {
		_, err := db.FindTenantByID(context.Background(), id)
		if (err == nil) != want {
			t.Fatalf("tenant %s stored = %v, want %v", id, err == nil, want)
		}
	}
}

// TestLegacyMarks checks the recomputation of minutes marked by databases
// written before migration 0003: a marked minute is recomputed from raw
// readings, a mark made again while its minute was being recomputed
// survives, and pending rollup parts merged before the marks do not count
// twice.
func TestLegacyMarks(t *testing.T) {
	db := openTest(t)
	minute := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	write := func(from, n int) {
		var rs []smartmaint.Reading
		for i := from; i < from+n; i++ {
			rs = append(rs, smartmaint.Reading{SensorID: "m", Time: minute.Add(time.Duration(i) * time.Second), Value: 1, Quality: 1})
		}
		if _, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(q string, args ...any) {
		if err := db.w.do(context.Background(), 1, func(tx *wtx) error { _, err := tx.exec(q, args...); return err }); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 10)
	if err := db.RefreshRollups(tenantCtx); err != nil {
		t.Fatal(err)
	}
	// A legacy mark on a minute whose stored rollup is wrong.
	exec(`UPDATE rollups_1m SET count = 999`)
	exec(`INSERT INTO rollup_dirty (minute, sensor_key, seq) SELECT ?, key, 1 FROM sensors WHERE id = 'm'`, minute.UnixMicro())
	marks, minutes, err := db.aggregateMarks(context.Background())
	if err != nil || len(marks) != 1 {
		t.Fatalf("aggregateMarks: %d marks, %v", len(marks), err)
	}
	write(10, 5) // five more readings in the minute: a rollup part
	exec(`UPDATE rollup_dirty SET seq = 2`)
	if err := db.w.do(context.Background(), 1, func(tx *wtx) error { return writeRollups(tx, marks, minutes) }); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.read.QueryRow(`SELECT count(*) FROM rollup_dirty`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("%d marks left (%v), want the mark made again", left, err)
	}
	if err := db.RefreshRollups(tenantCtx); err != nil {
		t.Fatal(err)
	}
	for _, step := range []time.Duration{time.Minute, time.Hour} {
		s, err := db.FindSeries(tenantCtx, smartmaint.SeriesQuery{SensorID: "m", From: minute, To: minute.Add(time.Hour), Step: step})
		if err != nil || len(s.Buckets) != 1 || s.Buckets[0].Count != 15 {
			t.Fatalf("step %s after the legacy marks: %+v, %v", step, s, err)
		}
	}
	if err := db.read.QueryRow(`SELECT count(*) FROM rollup_dirty`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d marks left after RefreshRollups (%v)", left, err)
	}
}

// TestClassify checks that driver errors are classified by their SQLite
// code and that no driver text reaches the domain error's message.
func TestClassify(t *testing.T) {
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db")+"?_foreign_keys=1")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{`CREATE TABLE p (id INTEGER PRIMARY KEY)`, `CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id))`,
		`CREATE TABLE u (x TEXT UNIQUE)`, `INSERT INTO p VALUES (1)`, `INSERT INTO u VALUES ('a')`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		query, code string
	}{
		{`INSERT INTO p VALUES (1)`, smartmaint.ECONFLICT},
		{`INSERT INTO u VALUES ('a')`, smartmaint.ECONFLICT},
		{`INSERT INTO c VALUES (1, 99)`, smartmaint.EINVALID},
		{`SELECT * FROM no_such_table`, smartmaint.EINTERNAL},
	}
	for _, tc := range cases {
		_, err := raw.Exec(tc.query)
		got := classify(err)
		if smartmaint.ErrorCode(got) != tc.code {
			t.Fatalf("%s: %v classified %q, want %q", tc.query, err, smartmaint.ErrorCode(got), tc.code)
		}
		if msg := smartmaint.ErrorMessage(got); strings.Contains(strings.ToLower(msg), "constraint") || strings.Contains(msg, "no_such_table") {
			t.Fatalf("%s: message %q leaks driver text", tc.query, msg)
		}
	}
}

// TestDeleteSensorDropsParts checks that the rollup parts of a deleted
// sensor are not merged into rollups nobody can reach.
func TestDeleteSensorDropsParts(t *testing.T) {
	db := openTest(t)
	rs := []smartmaint.Reading{{SensorID: "gone", Time: time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC), Value: 1, Quality: 1}}
	if _, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSensor(tenantCtx, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := db.RefreshRollups(tenantCtx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.read.QueryRow(`SELECT (SELECT count(*) FROM rollups_1m) + (SELECT count(*) FROM rollups_1h) +
		(SELECT count(*) FROM rollup_parts)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rollup rows and parts of a deleted sensor (%v)", n, err)
	}
}
