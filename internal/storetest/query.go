package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// listingData writes readings of three sensors whose timestamps collide, so
// that ties are ordered by sensor ID, and returns them.
func listingData(t *testing.T, e *env) []smartmaint.Reading {
	t.Helper()
	var rs []smartmaint.Reading
	for i := range 30 {
		ts := at(time.Duration(i-60) * time.Second)
		rs = append(rs, reading("b", ts, float64(100+i)), reading("a", ts, float64(i)))
		if i%3 == 0 {
			rs = append(rs, reading("c", ts.Add(500*time.Microsecond), float64(200+i)))
		}
		if i%5 == 0 {
			rs = append(rs, reading("c", ts, float64(300+i)))
		}
	}
	if res := e.write(e.ctx, rs); res.Inserted != len(rs) {
		t.Fatalf("listing data: %+v", res)
	}
	// Another tenant's readings at the same instants must never appear.
	ctxB := e.tenant("other", 30, 60)
	e.write(ctxB, rs[:20])
	return rs
}

// expected filters and orders rs the way a listing must.
func expected(rs []smartmaint.Reading, f smartmaint.ReadingFilter) []string {
	var out []smartmaint.Reading
	for _, r := range rs {
		if len(f.SensorIDs) > 0 && !slices.Contains(f.SensorIDs, r.SensorID) ||
			!f.Start.IsZero() && r.Time.Before(f.Start) || !f.End.IsZero() && r.Time.After(f.End) {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y smartmaint.Reading) int {
		c := x.Time.Compare(y.Time)
		if !f.Ascending {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(x.SensorID, y.SensorID)
		}
		return c
	})
	keys := make([]string, len(out))
	for i := range out {
		keys[i] = fmtReading(&out[i])
	}
	return keys
}

func keysOf(rs []*smartmaint.Reading) []string {
	keys := make([]string, len(rs))
	for i, r := range rs {
		keys[i] = fmtReading(r)
	}
	return keys
}

func testFindReadings(t *testing.T, b Backend) {
	e := newEnv(t, b)
	rs := listingData(t, e)
	t5, t10 := at(-55*time.Second), at(-50*time.Second)
	filters := []struct {
		name string
		f    smartmaint.ReadingFilter
	}{
		{"all", smartmaint.ReadingFilter{}},
		{"ascending", smartmaint.ReadingFilter{Ascending: true}},
		{"two sensors", smartmaint.ReadingFilter{SensorIDs: []string{"c", "b"}}},
		{"one sensor", smartmaint.ReadingFilter{SensorIDs: []string{"c"}}},
		{"inclusive range", smartmaint.ReadingFilter{Start: t5, End: t10}},
		{"range ascending", smartmaint.ReadingFilter{Start: t5, End: t10, Ascending: true, SensorIDs: []string{"a", "c"}}},
		{"start only", smartmaint.ReadingFilter{Start: at(-33 * time.Second)}},
		{"end only", smartmaint.ReadingFilter{End: at(-57 * time.Second)}},
		{"sub-second end", smartmaint.ReadingFilter{End: at(-57*time.Second + 500*time.Microsecond), SensorIDs: []string{"c"}}},
		{"unknown sensor", smartmaint.ReadingFilter{SensorIDs: []string{"zzz"}}},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			want := expected(rs, tc.f)
			if got := keysOf(e.readings(e.ctx, tc.f)); !slices.Equal(got, want) {
				t.Fatalf("listing =\n%v\nwant\n%v", got, want)
			}
			checkOffsetPages(t, e, tc.f, want)
			checkCursorPages(t, e, tc.f, want)
		})
	}
	if got := e.readings(e.ctx, smartmaint.ReadingFilter{Limit: 3}); !slices.Equal(keysOf(got), expected(rs, smartmaint.ReadingFilter{})[:3]) {
		t.Fatalf("limit 3 = %v", keysOf(got))
	}
	invalid := []struct {
		name string
		f    smartmaint.ReadingFilter
	}{
		{"limit too large", smartmaint.ReadingFilter{Limit: smartmaint.MaxPageSize + 1}},
		{"negative limit", smartmaint.ReadingFilter{Limit: -1}},
		{"negative offset", smartmaint.ReadingFilter{Offset: -1}},
		{"start after end", smartmaint.ReadingFilter{Start: t10, End: t5}},
	}
	for _, tc := range invalid {
		_, err := e.s.FindReadings(e.ctx, tc.f)
		wantCode(t, tc.name, err, smartmaint.EINVALID)
	}
}

func checkOffsetPages(t *testing.T, e *env, f smartmaint.ReadingFilter, want []string) {
	t.Helper()
	var got []string
	for f.Offset = 0; f.Offset <= len(want); f.Offset += 7 {
		f.Limit = 7
		got = append(got, keysOf(e.readings(e.ctx, f))...)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("offset pages =\n%v\nwant\n%v", got, want)
	}
}

func checkCursorPages(t *testing.T, e *env, f smartmaint.ReadingFilter, want []string) {
	t.Helper()
	var got []string
	f.Limit = 7
	for range len(want)/7 + 2 {
		page := e.readings(e.ctx, f)
		if len(page) == 0 {
			break
		}
		got = append(got, keysOf(page)...)
		last := page[len(page)-1]
		f.After = &smartmaint.ReadingCursor{Time: last.Time, SensorID: last.SensorID}
		f.Offset = 1000 // the cursor takes precedence over the offset
	}
	if !slices.Equal(got, want) {
		t.Fatalf("cursor pages =\n%v\nwant\n%v", got, want)
	}
}

func testExport(t *testing.T, b Backend) {
	e := newEnv(t, b)
	rs := listingData(t, e)
	filters := []struct {
		name string
		f    smartmaint.ReadingFilter
	}{
		{"all ascending", smartmaint.ReadingFilter{Ascending: true}},
		{"all newest first", smartmaint.ReadingFilter{}},
		{"range and sensors", smartmaint.ReadingFilter{Ascending: true, SensorIDs: []string{"a", "c"},
			Start: at(-50 * time.Second), End: at(-40 * time.Second)}},
		{"limit and offset ignored", smartmaint.ReadingFilter{Ascending: true, Limit: 2, Offset: 5}},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := e.s.ExportReadings(e.ctx, tc.f, func(r *smartmaint.Reading) error {
				got = append(got, fmtReading(r))
				return nil
			})
			if err != nil {
				t.Fatalf("ExportReadings: %v", err)
			}
			f := tc.f
			f.Limit, f.Offset = 0, 0
			if want := expected(rs, f); !slices.Equal(got, want) {
				t.Fatalf("export =\n%v\nwant\n%v", got, want)
			}
		})
	}
	stop := errors.New("client went away")
	n := 0
	err := e.s.ExportReadings(e.ctx, smartmaint.ReadingFilter{}, func(*smartmaint.Reading) error {
		n++
		if n == 3 {
			return fmt.Errorf("writing row: %w", stop)
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("export after callback error: %v after %d calls", err, n)
	}
	// A large export streams through every reading exactly once.
	var big []smartmaint.Reading
	for i := range 5000 {
		big = append(big, reading(fmt.Sprintf("big-%d", i%4), at(time.Duration(i)*time.Millisecond), float64(i)))
	}
	e.write(e.ctx, big)
	prev, count := time.Time{}, 0
	err = e.s.ExportReadings(e.ctx, smartmaint.ReadingFilter{Ascending: true, Start: Epoch}, func(r *smartmaint.Reading) error {
		if r.Time.Before(prev) || r.Value != float64(count) {
			return fmt.Errorf("reading %d out of order: %s", count, fmtReading(r))
		}
		prev = r.Time
		count++
		return nil
	})
	if err != nil || count != len(big) {
		t.Fatalf("large export: %d readings, %v", count, err)
	}
}
