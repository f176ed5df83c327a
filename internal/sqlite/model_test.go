package sqlite

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// model is the reference the randomized test compares the store with: every
// reading ever accepted, the first write of a key winning.
type model struct {
	byKey map[string]smartmaint.Reading // sensor + "|" + µs
}

func newModel() *model { return &model{byKey: map[string]smartmaint.Reading{}} }

func modelKey(r *smartmaint.Reading) string {
	return fmt.Sprintf("%s|%d", r.SensorID, r.Time.UnixMicro())
}

// write applies a batch and returns the result the store must report
// (NewSensors aside).
func (m *model) write(rs []smartmaint.Reading) smartmaint.WriteResult {
	var res smartmaint.WriteResult
	for i := range rs {
		k := modelKey(&rs[i])
		if _, ok := m.byKey[k]; ok {
			res.Duplicates++
			continue
		}
		r := rs[i]
		r.SensorType, r.Unit = "", ""
		m.byKey[k] = r
		res.Inserted++
	}
	return res
}

// list returns what a listing with filter f (Limit, Offset and After
// ignored) must return, in order.
func (m *model) list(f smartmaint.ReadingFilter) []smartmaint.Reading {
	var out []smartmaint.Reading
	for _, r := range m.byKey {
		if len(f.SensorIDs) > 0 && !slices.Contains(f.SensorIDs, r.SensorID) ||
			!f.Start.IsZero() && r.Time.Before(f.Start) || !f.End.IsZero() && r.Time.After(f.End) {
			continue
		}
		out = append(out, r)
	}
	sortReadings(out)
	if !f.Ascending {
		slices.SortStableFunc(out, func(a, b smartmaint.Reading) int { // newest first, ties by sensor ID
			if c := b.Time.Compare(a.Time); c != 0 {
				return c
			}
			return strings.Compare(a.SensorID, b.SensorID)
		})
	}
	return out
}

// randomBatch makes a batch of readings of a few sensors: mostly new
// readings near the sensors' present, some repeats of earlier keys with other
// values, some late readings into older hours, in scrambled order.
func randomBatch(rng *rand.Rand, base time.Time, step int, sent []smartmaint.Reading) []smartmaint.Reading {
	n := 1 + rng.IntN(300)
	if rng.IntN(4) == 0 {
		n = 1 // a single-reading write
	}
	rs := make([]smartmaint.Reading, 0, n)
	for range n {
		var r smartmaint.Reading
		switch p := rng.IntN(10); {
		case p < 2 && len(sent) > 0: // a repeat: same key, other value
			r = sent[rng.IntN(len(sent))]
			r.Value += 1000
		case p < 4: // a late reading, up to six hours back
			r = smartmaint.Reading{SensorID: fmt.Sprintf("s%d", rng.IntN(5)),
				Time: base.Add(time.Duration(step)*time.Minute - time.Duration(rng.Int64N(int64(6*time.Hour)))).Truncate(time.Millisecond)}
		default: // near the present
			r = smartmaint.Reading{SensorID: fmt.Sprintf("s%d", rng.IntN(5)),
				Time: base.Add(time.Duration(step)*time.Minute + time.Duration(rng.Int64N(int64(2*time.Minute)))).Truncate(time.Millisecond)}
		}
		r.Value, r.Quality = rng.NormFloat64(), float64(rng.IntN(5))/4
		if rng.IntN(20) == 0 {
			r.Metadata = json.RawMessage(fmt.Sprintf(`{"n":%d}`, rng.IntN(100)))
		}
		rs = append(rs, r)
	}
	return rs
}

// TestRandomizedAgainstModel writes random batches (duplicates, out of
// order, backfill, single readings) and checks every result, listings in
// both orders with offsets and cursors, exports and statistics against the
// model, before and after compaction.
func TestRandomizedAgainstModel(t *testing.T) {
	db := openTest(t)
	m := newModel()
	rng := rand.New(rand.NewPCG(11, 13))
	base := time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC)
	var sent []smartmaint.Reading
	steps := 180
	if testing.Short() {
		steps = 60
	}
	for step := range steps {
		rs := randomBatch(rng, base, step, sent)
		want := m.write(rs)
		res, err := db.WriteReadings(tenantCtx, rs, smartmaint.WriteOptions{})
		if err != nil || res.Inserted != want.Inserted || res.Duplicates != want.Duplicates {
			t.Fatalf("step %d: %+v, %v, want %d inserted, %d duplicates", step, res, err, want.Inserted, want.Duplicates)
		}
		sent = append(sent, rs...)
		switch {
		case step%60 == 59:
			if _, err := db.CompactBlocks(tenantCtx); err != nil {
				t.Fatal(err)
			}
			checkModel(t, db, m, rng, fmt.Sprint("after compaction at step ", step))
		case step%20 == 19:
			if _, err := db.compact(tenantCtx, false); err != nil {
				t.Fatal(err)
			}
			checkModel(t, db, m, rng, fmt.Sprint("step ", step))
		}
	}
	checkModel(t, db, m, rng, "at the end")
}

// checkModel compares exports, random listings and statistics with the
// model.
func checkModel(t *testing.T, db *DB, m *model, rng *rand.Rand, when string) {
	t.Helper()
	for _, asc := range []bool{true, false} {
		f := smartmaint.ReadingFilter{Ascending: asc}
		if d := diffReadings(exportAll(t, db, f), m.list(f)); d != "" {
			t.Fatalf("%s: export ascending=%v: %s", when, asc, d)
		}
	}
	for range 6 {
		f := randomFilter(rng, m)
		want := m.list(f)
		if d := diffReadings(pagesByOffset(t, db, f, 12), want[:min(len(want), 12*f.Limit)]); d != "" {
			t.Fatalf("%s: offset pages of %+v: %s", when, f, d)
		}
		if d := diffReadings(pagesByCursor(t, db, f, 25), want[:min(len(want), 25*f.Limit)]); d != "" {
			t.Fatalf("%s: cursor pages of %+v: %s", when, f, d)
		}
	}
	list, _, err := db.FindSensors(tenantCtx, smartmaint.SensorFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		rs := m.list(smartmaint.ReadingFilter{SensorIDs: []string{s.ID}, Ascending: true})
		st := s.Stats
		last := rs[len(rs)-1]
		if st.ReadingCount != int64(len(rs)) || !st.FirstReadingAt.Equal(rs[0].Time) || !st.LastReadingAt.Equal(last.Time) ||
			*st.LastValue != last.Value {
			t.Fatalf("%s: statistics of %s: %+v, want %d readings from %v to %v", when, s.ID, st, len(rs), rs[0].Time, last.Time)
		}
	}
}

func randomFilter(rng *rand.Rand, m *model) smartmaint.ReadingFilter {
	all := m.list(smartmaint.ReadingFilter{Ascending: true})
	f := smartmaint.ReadingFilter{Ascending: rng.IntN(2) == 0, Limit: 1 + rng.IntN(smartmaint.MaxPageSize)}
	if rng.IntN(2) == 0 {
		f.Start = all[rng.IntN(len(all))].Time
	}
	if rng.IntN(2) == 0 {
		f.End = all[rng.IntN(len(all))].Time
		if f.End.Before(f.Start) {
			f.Start, f.End = f.End, f.Start
		}
	}
	if rng.IntN(3) == 0 {
		f.SensorIDs = []string{fmt.Sprintf("s%d", rng.IntN(5)), fmt.Sprintf("s%d", rng.IntN(5))}
	}
	return f
}

func exportAll(t *testing.T, db *DB, f smartmaint.ReadingFilter) []smartmaint.Reading {
	t.Helper()
	var out []smartmaint.Reading
	if err := db.ExportReadings(tenantCtx, f, func(r *smartmaint.Reading) error { out = append(out, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// pagesByOffset lists at most pages pages of f with offsets.
func pagesByOffset(t *testing.T, db *DB, f smartmaint.ReadingFilter, pages int) []smartmaint.Reading {
	t.Helper()
	var out []smartmaint.Reading
	for f.Offset = 0; f.Offset < pages*f.Limit; f.Offset += f.Limit {
		page, err := db.FindReadings(tenantCtx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			out = append(out, *r)
		}
		if len(page) < f.Limit {
			break
		}
	}
	return out
}

// pagesByCursor lists at most pages pages of f with a keyset cursor.
func pagesByCursor(t *testing.T, db *DB, f smartmaint.ReadingFilter, pages int) []smartmaint.Reading {
	t.Helper()
	var out []smartmaint.Reading
	for range pages {
		page, err := db.FindReadings(tenantCtx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			out = append(out, *r)
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.After = &smartmaint.ReadingCursor{Time: last.Time, SensorID: last.SensorID}
	}
	return out
}
