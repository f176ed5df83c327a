package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/sqlite"
)

var tenantCtx = smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)

func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "m.db")
	applied, err := sqlite.Migrate(context.Background(), path)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if want := []string{"0001_init", "0002_rollup_dirty", "0003_rollup_parts", "0004_access", "0005_reading_blocks"}; !slices.Equal(applied, want) {
		t.Fatalf("applied %v, want %v", applied, want)
	}
	applied, err = sqlite.Migrate(context.Background(), path)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, %v", applied, err)
	}
	db := openStore(t, path, time.Now)
	if _, err := db.FindTenantByID(context.Background(), smartmaint.DefaultTenantID); err != nil {
		t.Fatalf("default tenant after Migrate and Open: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(notDB, []byte("this is not an SQLite database, it is just text long enough......."), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		opts       sqlite.Options
		code       string
	}{
		{"path is a directory", dir, sqlite.Options{}, smartmaint.EUNAVAILABLE},
		{"not a database", notDB, sqlite.Options{}, smartmaint.EUNAVAILABLE},
		{"bad synchronous", filepath.Join(dir, "x.db"), sqlite.Options{Synchronous: "off"}, smartmaint.EINVALID},
		{"empty path", "", sqlite.Options{}, smartmaint.EINVALID},
		{"in memory", ":memory:", sqlite.Options{}, smartmaint.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlite.Open(context.Background(), tc.path, tc.opts)
			if err == nil {
				db.Close()
			}
			if got := smartmaint.ErrorCode(err); got != tc.code {
				t.Fatalf("Open: %v (code %q), want %q", err, got, tc.code)
			}
		})
	}
}

func TestPingAfterClose(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "p.db"), time.Now)
	if err := db.Ping(tenantCtx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Ping(tenantCtx); smartmaint.ErrorCode(err) != smartmaint.EUNAVAILABLE {
		t.Fatalf("Ping after Close: %v, want EUNAVAILABLE", err)
	}
	_, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{{SensorID: "s", Time: time.Now(), Quality: 1}}, smartmaint.WriteOptions{})
	if smartmaint.ErrorCode(err) != smartmaint.EUNAVAILABLE {
		t.Fatalf("WriteReadings after Close: %v, want EUNAVAILABLE", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCanceledWrite(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "c.db"), time.Now)
	ctx, cancel := context.WithCancel(tenantCtx)
	cancel()
	_, err := db.WriteReadings(ctx, []smartmaint.Reading{{SensorID: "s", Time: time.Now(), Quality: 1}}, smartmaint.WriteOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteReadings with a canceled context: %v", err)
	}
	if _, err := db.FindSensorByID(tenantCtx, "s"); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Fatalf("a canceled write registered its sensor: %v", err)
	}
}

// TestBackgroundRollups checks that the rollup job keeps rollups within a
// few of its intervals of the committed readings, without RefreshRollups.
func TestBackgroundRollups(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"), sqlite.Options{RollupInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now().Truncate(time.Hour).Add(-2 * time.Hour)
	var rs []smartmaint.Reading
	for i := range 600 {
		rs = append(rs, smartmaint.Reading{SensorID: "bg", Time: start.Add(time.Duration(i) * time.Second), Value: float64(i), Quality: 1})
	}
	if _, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	q := smartmaint.SeriesQuery{SensorID: "bg", From: start, To: start.Add(time.Hour), Step: time.Hour}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := db.FindSeries(tenantCtx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Buckets) == 1 && s.Buckets[0].Count == 600 && s.Buckets[0].Mean == 299.5 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rollups not current after 5 s: %+v", s.Buckets)
		}
		time.Sleep(10 * time.Millisecond) // polling for the background job
	}
}

// TestListingManySensors lists readings of more sensors than one listing
// statement covers, so that several statements are merged.
func TestListingManySensors(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "many.db"), time.Now)
	base := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	var rs []smartmaint.Reading
	for s := range 300 {
		for i := range 3 {
			rs = append(rs, smartmaint.Reading{SensorID: fmt.Sprintf("s%03d", s), Time: base.Add(time.Duration(i*7+s%5) * time.Second),
				Value: float64(s*10 + i), Quality: 1})
		}
	}
	if _, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, asc := range []bool{false, true} {
		checkManySensors(t, db, rs, asc)
	}
}

func checkManySensors(t *testing.T, db *sqlite.DB, rs []smartmaint.Reading, asc bool) {
	t.Helper()
	want := slices.Clone(rs)
	slices.SortFunc(want, func(a, b smartmaint.Reading) int {
		c := a.Time.Compare(b.Time)
		if !asc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return strings.Compare(a.SensorID, b.SensorID)
	})
	key := func(r *smartmaint.Reading) string { return fmt.Sprint(r.SensorID, r.Time.Unix()) }
	var keys, byOffset, byCursor, exported []string
	for i := range want {
		keys = append(keys, key(&want[i]))
	}
	f := smartmaint.ReadingFilter{Limit: 97, Ascending: asc}
	for f.Offset = 0; f.Offset < len(rs); f.Offset += 97 {
		page, err := db.FindReadings(tenantCtx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			byOffset = append(byOffset, key(r))
		}
	}
	f = smartmaint.ReadingFilter{Limit: 97, Ascending: asc}
	for {
		page, err := db.FindReadings(tenantCtx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			byCursor = append(byCursor, key(r))
		}
		last := page[len(page)-1]
		f.After = &smartmaint.ReadingCursor{Time: last.Time, SensorID: last.SensorID}
	}
	err := db.ExportReadings(tenantCtx, smartmaint.ReadingFilter{Ascending: asc}, func(r *smartmaint.Reading) error {
		exported = append(exported, key(r))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(byOffset, keys) || !slices.Equal(byCursor, keys) || !slices.Equal(exported, keys) {
		t.Fatalf("ascending %v: listings over 300 sensors differ from the expected order (%d, %d, %d, want %d)",
			asc, len(byOffset), len(byCursor), len(exported), len(keys))
	}
}
