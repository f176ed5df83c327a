package storetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"smartmaint"
)

// directBuckets aggregates readings into step buckets over [from, to) the
// plain way (two passes per bucket), independently of smartmaint.Rollup, as
// the reference the stores' rollups are checked against.
func directBuckets(rs []smartmaint.Reading, from, to time.Time, step time.Duration) []smartmaint.Bucket {
	groups := map[time.Time][]smartmaint.Reading{}
	for _, r := range rs {
		if r.Time.Before(from) || !r.Time.Before(to) {
			continue
		}
		b := smartmaint.AlignTime(r.Time, step)
		groups[b] = append(groups[b], r)
	}
	var out []smartmaint.Bucket
	for b, g := range groups {
		slices.SortFunc(g, func(x, y smartmaint.Reading) int { return x.Time.Compare(y.Time) })
		bk := smartmaint.Bucket{Time: b, Count: int64(len(g)), Min: math.Inf(1), Max: math.Inf(-1),
			First: g[0].Value, Last: g[len(g)-1].Value}
		sum := 0.0
		for _, r := range g {
			sum += r.Value
			bk.Min, bk.Max = math.Min(bk.Min, r.Value), math.Max(bk.Max, r.Value)
		}
		bk.Mean = sum / float64(len(g))
		ss := 0.0
		for _, r := range g {
			ss += (r.Value - bk.Mean) * (r.Value - bk.Mean)
		}
		bk.Stddev = math.Sqrt(ss / float64(len(g)))
		out = append(out, bk)
	}
	slices.SortFunc(out, func(x, y smartmaint.Bucket) int { return x.Time.Compare(y.Time) })
	return out
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// diffBuckets describes the first difference between two bucket lists, or
// returns "" when they agree (counts, extremes, first and last exactly; mean
// and standard deviation to 1e-9 relative).
func diffBuckets(got, want []smartmaint.Bucket) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d buckets, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Time.Equal(w.Time) || g.Count != w.Count || g.Min != w.Min || g.Max != w.Max ||
			g.First != w.First || g.Last != w.Last || !near(g.Mean, w.Mean) || !near(g.Stddev, w.Stddev) {
			return fmt.Sprintf("bucket %d = %+v, want %+v", i, g, w)
		}
	}
	return ""
}

// rollupData generates irregular readings of sensor id over [from, to), one
// every 5 to 12 seconds at microsecond offsets, around a level with noise.
func rollupData(rng *rand.Rand, id string, from, to time.Time, level float64) []smartmaint.Reading {
	var rs []smartmaint.Reading
	for t := from; t.Before(to); t = t.Add(time.Duration(5+rng.IntN(8))*time.Second + time.Duration(rng.IntN(1000))*time.Microsecond) {
		rs = append(rs, reading(id, t, level+10*math.Sin(float64(t.Unix())/600)+rng.NormFloat64()))
	}
	return rs
}

// writeShuffled writes rs in batches of random size and order.
func writeShuffled(t *testing.T, e *env, rng *rand.Rand, rs []smartmaint.Reading) {
	t.Helper()
	rs = slices.Clone(rs)
	rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	for len(rs) > 0 {
		n := min(len(rs), 1+rng.IntN(400))
		if res := e.write(e.ctx, rs[:n]); res.Inserted != n {
			t.Fatalf("write %d readings: %+v", n, res)
		}
		rs = rs[n:]
	}
}

func testRollups(t *testing.T, b Backend) {
	e := newEnv(t, b)
	rng := rand.New(rand.NewPCG(1, 2))
	from, to := at(-3*time.Hour), Epoch
	var all []smartmaint.Reading
	for i, id := range []string{"r1", "r2"} {
		all = append(all, rollupData(rng, id, from, to.Add(-time.Hour), 1000*float64(i+1))...)
	}
	writeShuffled(t, e, rng, all)
	// Re-sent readings with other values must not count.
	dups := slices.Clone(all[:300])
	for i := range dups {
		dups[i].Value = -1e6
	}
	if res := e.write(e.ctx, dups); res.Duplicates != 300 {
		t.Fatalf("dups = %+v", res)
	}
	e.refresh()
	checkRollups(t, e, all, from, to, "in order")

	// Late readings fall into minutes and hours that already have rollups,
	// and a backfill three days back fills empty ones.
	var late []smartmaint.Reading
	for _, id := range []string{"r1", "r2"} {
		late = append(late, rollupData(rng, id, from.Add(2*time.Minute+500*time.Millisecond), to.Add(-90*time.Minute), 5000)...)
		late = append(late, rollupData(rng, id, to.Add(-time.Hour), to, 3000)...)
	}
	writeShuffled(t, e, rng, late)
	backFrom := from.Add(-72 * time.Hour)
	var back []smartmaint.Reading
	for _, id := range []string{"r1", "r2"} {
		back = append(back, rollupData(rng, id, backFrom, backFrom.Add(2*time.Hour), -50)...)
	}
	writeShuffled(t, e, rng, back)
	e.refresh()
	all = append(append(all, late...), back...)
	checkRollups(t, e, all, from, to, "after late readings")
	checkRollups(t, e, all, backFrom, backFrom.Add(2*time.Hour), "backfill")

	for _, id := range []string{"r1", "r2"} {
		var n int64
		for _, r := range all {
			if r.SensorID == id {
				n++
			}
		}
		if st := e.sensor(e.ctx, id).Stats; st.ReadingCount != n || !st.FirstReadingAt.Equal(expectedFirst(all, id)) {
			t.Fatalf("%s stats %s, want %d readings", id, fmtStats(st), n)
		}
	}
}

func expectedFirst(rs []smartmaint.Reading, id string) time.Time {
	var first time.Time
	for _, r := range rs {
		if r.SensorID == id && (first.IsZero() || r.Time.Before(first)) {
			first = r.Time
		}
	}
	return first
}

// checkRollups compares every source's series over [from, to) with the
// direct computation from all.
func checkRollups(t *testing.T, e *env, all []smartmaint.Reading, from, to time.Time, what string) {
	t.Helper()
	steps := []struct {
		step   time.Duration
		source string
	}{
		{30 * time.Second, smartmaint.ResolutionRaw},
		{90 * time.Second, smartmaint.ResolutionRaw},
		{time.Minute, smartmaint.ResolutionMinute},
		{5 * time.Minute, smartmaint.ResolutionMinute},
		{time.Hour, smartmaint.ResolutionHour},
		{2 * time.Hour, smartmaint.ResolutionHour},
	}
	for _, id := range []string{"r1", "r2"} {
		var rs []smartmaint.Reading
		for _, r := range all {
			if r.SensorID == id {
				rs = append(rs, r)
			}
		}
		for _, s := range steps {
			ser := e.series(e.ctx, smartmaint.SeriesQuery{SensorID: id, From: from, To: to, Step: s.step})
			pf, pt := smartmaint.AlignTime(from, s.step), smartmaint.AlignTime(to.Add(s.step-1), s.step)
			if ser.Source != s.source || ser.Step != s.step.String() || ser.SensorID != id || !ser.From.Equal(pf) || !ser.To.Equal(pt) {
				t.Fatalf("%s %s step %s: series header %+v", what, id, s.step, ser)
			}
			if d := diffBuckets(ser.Buckets, directBuckets(rs, pf, pt, s.step)); d != "" {
				t.Fatalf("%s %s step %s (source %s): %s", what, id, s.step, ser.Source, d)
			}
		}
	}
}

func testSeries(t *testing.T, b Backend) {
	e := newEnv(t, b)
	var rs []smartmaint.Reading
	for i := range 120 {
		rs = append(rs, reading("s", at(time.Duration(i-120)*time.Second+time.Duration(i)*time.Microsecond), float64(i*i%17)))
	}
	e.write(e.ctx, rs)
	e.refresh()

	raw := e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "s", From: at(-2 * time.Hour), To: Epoch, Raw: true, MaxPoints: 50})
	if raw.Source != smartmaint.ResolutionRaw || raw.Step != "raw" || !raw.Truncated || len(raw.Buckets) != 50 ||
		!raw.From.Equal(at(-2*time.Hour)) || !raw.To.Equal(Epoch) {
		t.Fatalf("raw series header %+v (%d buckets)", raw, len(raw.Buckets))
	}
	for i, bk := range raw.Buckets {
		v := rs[i].Value
		want := smartmaint.Bucket{Time: rs[i].Time, Count: 1, Mean: v, Min: v, Max: v, First: v, Last: v}
		if bk != want {
			t.Fatalf("raw bucket %d = %+v, want %+v", i, bk, want)
		}
	}
	raw = e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "s", From: rs[10].Time, To: rs[30].Time, Raw: true})
	if raw.Truncated || len(raw.Buckets) != 20 || !raw.Buckets[0].Time.Equal(rs[10].Time) {
		t.Fatalf("raw range [from, to): truncated %v, %d buckets", raw.Truncated, len(raw.Buckets))
	}

	auto := e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "s", From: at(-30 * 24 * time.Hour), To: Epoch})
	if auto.Step != "1h0m0s" || auto.Source != smartmaint.ResolutionHour || len(auto.Buckets) != 1 || auto.Buckets[0].Count != 120 {
		t.Fatalf("auto series over 30 days: %+v", auto)
	}
	auto = e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "s", From: at(-2 * time.Minute), To: Epoch, MaxPoints: 10})
	if auto.Step != "15s" || auto.Source != smartmaint.ResolutionRaw || len(auto.Buckets) != 8 {
		t.Fatalf("auto series over 2 minutes, 10 points: step %s source %s, %d buckets", auto.Step, auto.Source, len(auto.Buckets))
	}
	if d := diffBuckets(auto.Buckets, directBuckets(rs, at(-2*time.Minute), Epoch, 15*time.Second)); d != "" {
		t.Fatalf("auto 15s buckets: %s", d)
	}
	if got := e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "s", From: at(time.Hour), To: at(2 * time.Hour), Step: time.Minute}); len(got.Buckets) != 0 {
		t.Fatalf("empty range has %d buckets", len(got.Buckets))
	}
	invalid := []struct {
		name string
		q    smartmaint.SeriesQuery
	}{
		{"to before from", smartmaint.SeriesQuery{SensorID: "s", From: Epoch, To: at(-time.Hour)}},
		{"sub-second step", smartmaint.SeriesQuery{SensorID: "s", From: at(-time.Hour), To: Epoch, Step: time.Millisecond}},
		{"too many buckets", smartmaint.SeriesQuery{SensorID: "s", From: at(-time.Hour), To: Epoch, Step: time.Second, MaxPoints: 100}},
		{"no sensor", smartmaint.SeriesQuery{From: at(-time.Hour), To: Epoch}},
	}
	for _, tc := range invalid {
		_, err := e.s.FindSeries(e.ctx, tc.q)
		wantCode(t, tc.name, err, smartmaint.EINVALID)
	}
	_, err := e.s.FindSeries(e.ctx, smartmaint.SeriesQuery{SensorID: "ghost", From: at(-time.Hour), To: Epoch})
	wantCode(t, "unknown sensor", err, smartmaint.ENOTFOUND)
}
