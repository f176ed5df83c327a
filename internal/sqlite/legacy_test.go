package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// legacyDB creates a database as the store left it before migration 0005:
// migrations 0001–0004 and readings in the readings table, with their
// sensors' statistics. It returns the readings, oldest first by sensor.
func legacyDB(t *testing.T, path string) []smartmaint.Reading {
	t.Helper()
	wdb, err := openWriter(context.Background(), path, "FULL")
	if err != nil {
		t.Fatal(err)
	}
	defer wdb.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := wdb.Exec(q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	for _, v := range []string{"0001_init", "0002_rollup_dirty", "0003_rollup_parts", "0004_access"} {
		body, err := migrations.ReadFile("migrations/" + v + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		exec(string(body))
		exec(`INSERT INTO schema_migrations VALUES (?, 0)`, v)
	}
	exec(`INSERT INTO tenants (id, name, raw_retention_days, rollup_retention_days, created_at, updated_at)
		VALUES (?, 'Default', 180, 730, 0, 0)`, smartmaint.DefaultTenantID)
	exec(`BEGIN`) // one connection: the inserts share this transaction
	defer exec(`COMMIT`)
	rng := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2025, 3, 1, 10, 59, 0, 0, time.UTC)
	var all []smartmaint.Reading
	for s, id := range []string{"old-a", "old-b", "old-c"} {
		var rs []smartmaint.Reading
		t0 := base
		for i := range 2000 * (s + 1) {
			t0 = t0.Add(time.Duration(1+rng.IntN(5000)) * time.Millisecond)
			r := smartmaint.Reading{SensorID: id, Time: t0, Value: rng.NormFloat64(), Quality: float64(i%3) / 2}
			if i%17 == 0 {
				r.Metadata = json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))
			}
			rs = append(rs, r)
		}
		last := rs[len(rs)-1]
		exec(`INSERT INTO sensors (tenant_id, id, type, status, created_at, updated_at, reading_count, first_reading_at,
			last_reading_at, last_value, last_quality) VALUES (?, ?, 'temperature', 'active', 0, 0, ?, ?, ?, ?, ?)`,
			smartmaint.DefaultTenantID, id, len(rs), rs[0].Time.UnixMicro(), last.Time.UnixMicro(), last.Value, last.Quality)
		for _, r := range rs {
			exec(`INSERT INTO readings (sensor_key, ts, value, quality, metadata) VALUES (?, ?, ?, ?, ?)`,
				s+1, r.Time.UnixMicro(), r.Value, r.Quality, []byte(r.Metadata))
		}
		all = append(all, rs...)
	}
	return all
}

// TestLegacyReadingsMoved checks that opening a database written before
// migration 0005 moves its readings into blocks, also after a conversion
// that stopped half-way, and loses or repeats none.
func TestLegacyReadingsMoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	want := legacyDB(t, path)
	wdb, err := openWriter(context.Background(), path, "FULL")
	if err != nil {
		t.Fatal(err)
	}
	// Apply 0005, move two small chunks, and stop as a crash would.
	if _, err := wdb.Exec(mustRead(t, "migrations/0005_reading_blocks.sql")); err != nil {
		t.Fatal(err)
	}
	if _, err := wdb.Exec(`INSERT INTO schema_migrations VALUES ('0005_reading_blocks', 0)`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if n, err := moveLegacyChunk(context.Background(), wdb, 1500); err != nil || n != 1500 {
			t.Fatalf("moveLegacyChunk: %d, %v", n, err)
		}
	}
	wdb.Close()

	db, err := Open(context.Background(), path, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables int
	if err := db.read.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'readings'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("the readings table is still there (%d, %v)", tables, err)
	}
	var got []smartmaint.Reading
	err = db.ExportReadings(tenantCtx, smartmaint.ReadingFilter{Ascending: true}, func(r *smartmaint.Reading) error {
		got = append(got, *r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sortReadings(want)
	if d := diffReadings(got, want); d != "" {
		t.Fatalf("readings after the conversion: %s", d)
	}
	s, err := db.FindSensorByID(tenantCtx, "old-c")
	if err != nil || s.Stats.ReadingCount != 6000 {
		t.Fatalf("old-c after the conversion: %+v, %v", s, err)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := migrations.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sortReadings orders readings as an ascending listing does.
func sortReadings(rs []smartmaint.Reading) {
	slices.SortFunc(rs, func(a, b smartmaint.Reading) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.SensorID, b.SensorID)
	})
}

// diffReadings describes the first difference between two listings, or
// returns "".
func diffReadings(got, want []smartmaint.Reading) string {
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.SensorID != w.SensorID || !g.Time.Equal(w.Time) || g.Value != w.Value || g.Quality != w.Quality ||
			string(g.Metadata) != string(w.Metadata) {
			return fmt.Sprintf("reading %d = %s %s %v %v %s, want %s %s %v %v %s", i, g.SensorID, g.Time.Format(time.RFC3339Nano),
				g.Value, g.Quality, g.Metadata, w.SensorID, w.Time.Format(time.RFC3339Nano), w.Value, w.Quality, w.Metadata)
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d readings, want %d", len(got), len(want))
	}
	return ""
}
