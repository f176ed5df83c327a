package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// keyLayout is a candidate physical layout of the readings table, measured
// by BenchmarkKeyLayouts with plain SQL (no statistics, rollups or dedup):
// the store uses sensorTime.
type keyLayout struct {
	name   string
	schema string
	cols   int
	bucket int64 // µs; rows are sorted by (bucket, sensor, ts) when set
	key    func(sensor, ts int64) []any
}

var keyLayouts = []keyLayout{
	{name: "sensor-time", cols: 5,
		schema: `CREATE TABLE r (k INTEGER NOT NULL, ts INTEGER NOT NULL, v REAL NOT NULL, q REAL NOT NULL, m BLOB,
			PRIMARY KEY (k, ts)) WITHOUT ROWID`,
		key: func(s, ts int64) []any { return []any{s, ts} }},
	{name: "minute-sensor-time", cols: 6, bucket: 60e6,
		schema: `CREATE TABLE r (b INTEGER NOT NULL, k INTEGER NOT NULL, ts INTEGER NOT NULL, v REAL NOT NULL, q REAL NOT NULL,
			m BLOB, PRIMARY KEY (b, k, ts)) WITHOUT ROWID`,
		key: func(s, ts int64) []any { return []any{ts / 60e6, s, ts} }},
	{name: "rowid-append", cols: 4,
		schema: `CREATE TABLE r (id INTEGER PRIMARY KEY, v REAL NOT NULL, q REAL NOT NULL, m BLOB)`,
		key:    func(s, ts int64) []any { return []any{s<<44 | (ts - 1_700_000_000_000_000)} }},
}

// BenchmarkKeyLayouts inserts the ingest benchmark's batches (10,000
// readings of 100 sensors, one transaction each, 256-row INSERT statements,
// synchronous=FULL) into each candidate layout, at two page sizes, and
// reports rows per CPU second of the whole process.
func BenchmarkKeyLayouts(b *testing.B) {
	for _, pageSize := range []int{4096, 16384} {
		for _, l := range keyLayouts {
			b.Run(fmt.Sprintf("%s/page=%d", l.name, pageSize), func(b *testing.B) { benchLayout(b, l, pageSize) })
		}
	}
}

func benchLayout(b *testing.B, l keyLayout, pageSize int) {
	dsn := fmt.Sprintf("file:%s?_pragma=page_size(%d)&_journal_mode=WAL&_synchronous=FULL&_pragma=cache_size(-32768)",
		filepath.Join(b.TempDir(), "layout.db"), pageSize)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, l.schema); err != nil {
		b.Fatal(err)
	}
	const rowsPerStmt = 256
	group := "(" + placeholdersN(l.cols) + ")"
	stmt, err := db.PrepareContext(ctx, "INSERT OR IGNORE INTO r VALUES "+repeatJoin(group, rowsPerStmt))
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	one, err := db.PrepareContext(ctx, "INSERT OR IGNORE INTO r VALUES "+group)
	if err != nil {
		b.Fatal(err)
	}
	defer one.Close()
	base := benchStart.UnixMicro()
	type key struct{ s, ts int64 }
	keys := make([]key, 0, benchBatch)
	args := make([]any, 0, rowsPerStmt*l.cols)
	cpu0 := cpuTime()
	b.ResetTimer()
	for n := range b.N {
		keys = keys[:0]
		for s := int64(1); s <= benchSensors; s++ {
			for j := range int64(benchBatch / benchSensors) {
				keys = append(keys, key{s, base + (int64(n)*benchBatch/benchSensors+j)*int64(time.Second/time.Microsecond)})
			}
		}
		if l.bucket > 0 {
			slices.SortStableFunc(keys, func(a, c key) int { return int(a.ts/l.bucket - c.ts/l.bucket) })
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i, k := range keys {
			args = append(append(args, l.key(k.s, k.ts)...), float64(i%17)+0.5, 1.0, nil)
			if len(args) == cap(args) {
				if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...); err != nil {
					b.Fatal(err)
				}
				args = args[:0]
			}
		}
		for i := 0; i < len(args); i += l.cols {
			if _, err := tx.StmtContext(ctx, one).ExecContext(ctx, args[i:i+l.cols]...); err != nil {
				b.Fatal(err)
			}
		}
		args = args[:0]
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*benchBatch)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "rows/s")
}

func placeholdersN(n int) string {
	return repeatJoin("?", n)
}

func repeatJoin(s string, n int) string {
	out := make([]byte, 0, n*(len(s)+1))
	for i := range n {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, s...)
	}
	return string(out)
}
