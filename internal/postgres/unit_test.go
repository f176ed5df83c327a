package postgres

import (
	"math"
	"reflect"
	"testing"
	"time"

	"smartmaint"
)

func TestPartitionStart(t *testing.T) {
	p := newPartitions(24 * time.Hour)
	cases := []struct {
		in, want time.Time
		name     string
	}{
		{time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC), time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), "readings_p20250310_000000"},
		{time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), "readings_p20250310_000000"},
		{time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), "readings_p19691231_000000"},
		// A non-UTC time lands in the UTC day that holds the instant.
		{time.Date(2025, 3, 10, 1, 0, 0, 0, time.FixedZone("X", 3*3600)), time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC), "readings_p20250309_000000"},
	}
	for _, c := range cases {
		got := p.start(c.in)
		if !got.Equal(c.want) || partitionName(got) != c.name {
			t.Errorf("start(%v) = %v (%s), want %v (%s)", c.in, got, partitionName(got), c.want, c.name)
		}
	}
	day := time.Date(2025, 3, 10, 5, 0, 0, 0, time.UTC)
	need := p.missing([]time.Time{day.Add(30 * time.Hour), day, day.Add(time.Hour), day.Add(-48 * time.Hour)})
	want := []time.Time{day.Add(-53 * time.Hour), day.Add(-5 * time.Hour), day.Add(19 * time.Hour)}
	if !reflect.DeepEqual(need, want) {
		t.Fatalf("missing = %v, want %v", need, want)
	}
	p.add(need[1])
	if got := p.missing([]time.Time{day}); len(got) != 0 {
		t.Fatalf("a known partition is missing: %v", got)
	}
	p.forget()
	if got := p.missing([]time.Time{day}); len(got) != 1 {
		t.Fatalf("after forget: %v", got)
	}
}

func TestFloorDiv(t *testing.T) {
	for _, c := range []struct{ a, b, want int64 }{{7, 60, 0}, {60, 60, 1}, {-1, 60, -1}, {-60, 60, -1}, {-61, 60, -2}, {0, 60, 0}} {
		if got := floorDiv(c.a, c.b); got != c.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestPartials checks the per-write minute and hour partials against the
// plain two-pass mean and variance of each bucket.
func TestPartials(t *testing.T) {
	base := time.Date(2025, 3, 10, 11, 58, 30, 0, time.UTC)
	var in []stored
	for i := range 300 { // 11:58:30 to 12:03:29, two sensors
		ts := base.Add(time.Duration(i) * time.Second)
		in = append(in, stored{key: int64(1 + i%2), ts: ts, value: 1e9 + float64(i%7), quality: 1})
	}
	in = append(in, stored{key: 3, ts: base, value: 5}) // a constant single-reading bucket
	minutes, hours := partials(in)
	check := func(m map[rollupKey]*smartmaint.Rollup, width int64) {
		t.Helper()
		groups := map[rollupKey][]stored{}
		for _, s := range in {
			k := rollupKey{s.key, floorDiv(s.ts.Unix(), width) * width}
			groups[k] = append(groups[k], s)
		}
		if len(groups) != len(m) {
			t.Fatalf("%d buckets, want %d", len(m), len(groups))
		}
		for k, g := range groups {
			r := m[k]
			sum, min, max := 0.0, math.Inf(1), math.Inf(-1)
			for _, s := range g {
				sum, min, max = sum+s.value, math.Min(min, s.value), math.Max(max, s.value)
			}
			mean, ss := sum/float64(len(g)), 0.0
			for _, s := range g {
				ss += (s.value - mean) * (s.value - mean)
			}
			if r == nil || r.Count != int64(len(g)) || r.Min != min || r.Max != max ||
				math.Abs(r.Mean-mean) > 1e-6 || math.Abs(r.M2-ss) > 1e-6*math.Max(1, ss) ||
				!r.FirstTime.Equal(g[0].ts) || r.First != g[0].value || !r.LastTime.Equal(g[len(g)-1].ts) || r.Last != g[len(g)-1].value {
				t.Fatalf("bucket %+v = %+v, want count %d mean %g M2 %g", k, r, len(g), mean, ss)
			}
		}
	}
	check(minutes, 60)
	check(hours, 3600)
	if len(hours) != 5 { // sensors 1 and 2 in hours 11 and 12, sensor 3 in hour 11
		t.Fatalf("%d hour buckets, want 5", len(hours))
	}
}
