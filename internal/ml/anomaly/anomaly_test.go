package anomaly

import (
	"bytes"
	"math"
	"testing"
	"time"
)

var start = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)

// noise is a deterministic pseudo-random sequence in [-1, 1] (an LCG), so
// the tests need no seeded generator.
type noise uint64

func (n *noise) next() float64 {
	*n = *n*6364136223846793005 + 1442695040888963407
	return float64(uint64(*n)>>11)/float64(1<<53)*2 - 1
}

// signal is a 5-minute series: a daily sine, noise, and optional events.
func signal(n int, event func(i int, v float64) float64) ([]time.Time, []float64) {
	ts := make([]time.Time, n)
	vs := make([]float64, n)
	var rng noise = 42
	for i := range ts {
		ts[i] = start.Add(time.Duration(i) * 5 * time.Minute)
		v := 50 + 10*math.Sin(2*math.Pi*float64(i)/288) + rng.next()
		if event != nil {
			v = event(i, v)
		}
		vs[i] = v
	}
	return ts, vs
}

// run scores a whole series with a fresh default detector.
func run(tb testing.TB, ts []time.Time, vs []float64) []Result {
	tb.Helper()
	d, err := New(DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]Result, len(ts))
	for i := range ts {
		out[i] = d.Update(ts[i], vs[i])
	}
	return out
}

// maxScore returns the largest Score in rs[from:to] and its index.
func maxScore(rs []Result, from, to int) (float64, int) {
	best, at := -1.0, -1
	for i := from; i < to; i++ {
		if rs[i].Score > best {
			best, at = rs[i].Score, i
		}
	}
	return best, at
}

func TestScoresInRangeAndWarmup(t *testing.T) {
	ts, vs := signal(3000, nil)
	rs := run(t, ts, vs)
	for i, r := range rs {
		if !(r.Score >= 0 && r.Score <= 1) || !(r.Raw >= 0 && r.Raw <= 1) || !(r.PValue > 0 && r.PValue <= 1) {
			t.Fatalf("reading %d: score %g raw %g p %g out of range", i, r.Score, r.Raw, r.PValue)
		}
		if i < DefaultConfig().Warmup && (r.Score != 0 || r.Alert) {
			t.Fatalf("reading %d: score %g during warm-up", i, r.Score)
		}
	}
}

func TestDetectsEvents(t *testing.T) {
	cases := []struct {
		name  string
		at    int
		event func(i int, v float64) float64
		cause Cause
	}{
		{"spike", 4000, func(i int, v float64) float64 {
			if i == 4000 {
				return v + 25
			}
			return v
		}, CauseSpike},
		{"level shift", 4000, func(i int, v float64) float64 {
			if i >= 4000 {
				return v + 8
			}
			return v
		}, ""},
		{"stuck sensor", 4000, func(i int, v float64) float64 {
			if i >= 4000 && i < 4200 {
				return 47.25
			}
			return v
		}, ""},
		{"noise burst", 4000, func(i int, v float64) float64 {
			if i >= 4000 && i < 4100 {
				return v + 6*math.Sin(float64(i)*2.1)
			}
			return v
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, vs := signal(6000, c.event)
			rs := run(t, ts, vs)
			background, _ := maxScore(rs, 1500, c.at)
			peak, at := maxScore(rs, c.at, c.at+100)
			if peak < 0.3 || peak < 2*background {
				t.Fatalf("event peak %.3f (reading %d), background max %.3f", peak, at, background)
			}
			if c.cause != "" && rs[at].Cause != c.cause {
				t.Fatalf("cause %q, want %q", rs[at].Cause, c.cause)
			}
			reports := 0
			for _, r := range rs[c.at : c.at+100] {
				if r.Score > 0 {
					reports++
				}
			}
			if reports > 3 {
				t.Fatalf("%d non-zero scores in the 100 readings after the event, want at most 3", reports)
			}
		})
	}
}

func TestQuietSeriesRaisesFewAlerts(t *testing.T) {
	ts, vs := signal(20000, nil)
	rs := run(t, ts, vs)
	alerts := 0
	for _, r := range rs {
		if r.Alert {
			alerts++
		}
	}
	// 20,000 readings (69 days) of a clean periodic signal: at most a
	// handful of alerts.
	if alerts > 5 {
		t.Fatalf("%d alerts on a signal without anomalies", alerts)
	}
}

func TestOneRepeatIsNotAFlatLine(t *testing.T) {
	// A continuous signal never repeats a value; one repeat (CPU pinned at
	// 100 % for two samples, a coincidence of rounding) is not a stuck
	// sensor, a run of four is.
	for _, tc := range []struct {
		run  int
		flat bool
	}{{2, false}, {3, false}, {4, true}, {12, true}} {
		// The sensor repeats reading 1999 (tc.run−1 more times).
		ts, vs := signal(3000, nil)
		for i := 2000; i < 1999+tc.run; i++ {
			vs[i] = vs[1999]
		}
		rs := run(t, ts, vs)
		flat := false
		for _, r := range rs[2000 : 1999+tc.run] {
			flat = flat || (r.Cause == CauseFlatline && r.Score >= 0.15)
		}
		if flat != tc.flat {
			t.Errorf("run of %d identical values: flagged as a flat line %v, want %v", tc.run, flat, tc.flat)
		}
	}
}

func TestScheduleEdgesAreNotAnomalies(t *testing.T) {
	// A machine on a shift schedule: 80 from 06:00 to 22:00 on weekdays, 20
	// otherwise. Once a week has been seen, the edges at fixed times are
	// expected (the daily and weekly profiles without interpolation), and a
	// start at an unusual hour is not.
	const n = 5 * 7 * 288
	ts := make([]time.Time, n)
	vs := make([]float64, n)
	var rng noise = 3
	for i := range ts {
		ts[i] = start.Add(time.Duration(i) * 5 * time.Minute)
		day, slot := (i/288)%7, i%288
		vs[i] = 20 + 0.5*rng.next()
		if day < 5 && slot >= 72 && slot < 264 {
			vs[i] += 60
		}
	}
	// The machine starts at 02:00 on the Sunday of the fourth week.
	odd := 3*7*288 + 6*288 + 24
	for i := odd; i < odd+12; i++ {
		vs[i] += 60
	}
	rs := run(t, ts, vs)
	alerts := 0
	for i := 2 * 7 * 288; i < n; i++ {
		if rs[i].Alert && (i < odd || i > odd+12) {
			alerts++
		}
	}
	if alerts > 1 {
		t.Errorf("%d alerts on schedule edges after two weeks, want at most 1", alerts)
	}
	if s, _ := maxScore(rs, odd, odd+3); s < 0.5 {
		t.Errorf("start at an unusual hour scored %.3f, want at least 0.5", s)
	}
}

func TestConstantAndIrregularInput(t *testing.T) {
	d, _ := New(DefaultConfig())
	tm := start
	var rng noise = 7
	for i := 0; i < 5000; i++ {
		// Irregular timestamps, long gaps, duplicates and a constant value.
		step := time.Duration(30+int(rng.next()*25)) * time.Second
		if i%997 == 0 {
			step = 6 * time.Hour
		}
		if i%500 == 1 {
			step = 0
		}
		tm = tm.Add(step)
		r := d.Update(tm, 3.5)
		if math.IsNaN(r.Score) || r.Score < 0 || r.Score > 1 {
			t.Fatalf("reading %d: score %g", i, r.Score)
		}
	}
}

func TestNonFiniteValuesAreSkipped(t *testing.T) {
	ts, vs := signal(400, nil)
	a, _ := New(DefaultConfig())
	b, _ := New(DefaultConfig())
	for i := range ts {
		if i == 300 {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				if r := b.Update(ts[i], bad); !r.Skipped || r.Score != 0 || r.Alert {
					t.Fatalf("non-finite value not skipped: %+v", r)
				}
			}
		}
		ra, rb := a.Update(ts[i], vs[i]), b.Update(ts[i], vs[i])
		if ra != rb {
			t.Fatalf("reading %d: skipped values changed the state: %+v vs %+v", i, ra, rb)
		}
	}
}

func TestSaveRestoreContinuesExactly(t *testing.T) {
	ts, vs := signal(8000, func(i int, v float64) float64 {
		if i > 5000 && i < 5050 {
			return v * 1.5
		}
		return v
	})
	whole := run(t, ts, vs)
	half := len(ts) / 2
	d, _ := New(DefaultConfig())
	for i := 0; i < half; i++ {
		d.Update(ts[i], vs[i])
	}
	blob, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var restored Detector
	if err := restored.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	for i := half; i < len(ts); i++ {
		if r := restored.Update(ts[i], vs[i]); r != whole[i] {
			t.Fatalf("reading %d after restore: %+v, uninterrupted: %+v", i, r, whole[i])
		}
	}
	again, _ := restored.MarshalBinary()
	d2 := Detector{}
	if err := d2.UnmarshalBinary(again); err != nil {
		t.Fatal(err)
	}
	third, _ := d2.MarshalBinary()
	if !bytes.Equal(again, third) {
		t.Fatal("a restored detector does not save the same state")
	}
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	var d Detector
	for _, bad := range []string{``, `{}`, `{"version":1}`, `{"version":2,"config":{}}`, `not json`} {
		if err := d.UnmarshalBinary([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// A valid snapshot with one field corrupted.
	good, _ := New(DefaultConfig())
	ts, vs := signal(300, nil)
	for i := range ts {
		good.Update(ts[i], vs[i])
	}
	blob, _ := good.MarshalBinary()
	for _, corrupt := range []struct{ from, to string }{
		{`"Mode":0`, `"Mode":7`},
		{`"Run":1`, `"Run":0`},
		{`"half_life":3000`, `"half_life":-1`},
	} {
		b := bytes.Replace(blob, []byte(corrupt.from), []byte(corrupt.to), 1)
		if bytes.Equal(b, blob) {
			t.Fatalf("snapshot has no %s", corrupt.from)
		}
		if err := d.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: no error", corrupt.to)
		}
	}
}

func TestDeterministic(t *testing.T) {
	ts, vs := signal(5000, nil)
	a, b := run(t, ts, vs), run(t, ts, vs)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("reading %d differs between two runs", i)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Config){
		func(c *Config) { c.Warmup = -1 },
		func(c *Config) { c.MinHistory = 0 },
		func(c *Config) { c.HalfLife = math.NaN() },
		func(c *Config) { c.HalfLife = 1 },
		func(c *Config) { c.SuppressHalfLife = 0 },
		func(c *Config) { c.Decades = math.Inf(1) },
		func(c *Config) { c.AlertThreshold = 0 },
		func(c *Config) { c.AlertThreshold = 1.5 },
		func(c *Config) { c.MinAlertGap = -time.Second },
	}
	for i, f := range bad {
		c := DefaultConfig()
		f(&c)
		if _, err := New(c); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	ts, vs := signal(1<<14, nil)
	d, _ := New(DefaultConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (1<<14 - 1)
		d.Update(ts[j].Add(time.Duration(i>>14)*time.Duration(1<<14)*5*time.Minute), vs[j])
	}
}
