package nab

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// minutes returns n timestamps one minute apart.
func minutes(n int) []time.Time {
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * time.Minute)
	}
	return ts
}

// series builds a 100-row series with one window on rows 40..59 and the
// given non-zero scores.
func series(scores map[int]float64) Series {
	ts := minutes(100)
	s := Series{Name: "f", Times: ts, Scores: make([]float64, 100),
		Windows: []Window{{Start: ts[40], End: ts[59]}}}
	for i, v := range scores {
		s.Scores[i] = v
	}
	return s
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestProbationLength(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{0, 0}, {6, 0}, {7, 1}, {100, 15}, {1882, 282}, {4032, 604}, {5000, 750}, {22695, 750},
	} {
		if got := ProbationLength(c.n); got != c.want {
			t.Errorf("ProbationLength(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

func TestScaledSigmoid(t *testing.T) {
	// Reference values from NAB's documentation of the curve.
	for _, c := range []struct{ y, want float64 }{
		{-1, 0.98661}, {-0.5, 0.84828}, {0, 0}, {1, -0.98661}, {3, -1}, {10, -1},
	} {
		if got := ScaledSigmoid(c.y); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("ScaledSigmoid(%g) = %g, want %g", c.y, got, c.want)
		}
	}
}

func TestNullAndPerfect(t *testing.T) {
	ts := minutes(1000)
	windows := []Window{{ts[200], ts[249]}, {ts[600], ts[689]}, {ts[900], ts[909]}}
	null := Series{Name: "a", Times: ts, Scores: make([]float64, 1000), Windows: windows}
	perfect := Series{Name: "a", Times: ts, Scores: make([]float64, 1000), Windows: windows}
	for _, i := range []int{200, 600, 900} {
		perfect.Scores[i] = 0.8
	}
	for _, p := range Profiles() {
		r, err := Evaluate([]Series{null}, p)
		if err != nil {
			t.Fatal(err)
		}
		if r.Score != 0 || !math.IsInf(r.Threshold, 1) || r.Raw != -3*p.FN {
			t.Errorf("%s: null detector: score %g threshold %g raw %g, want 0, +Inf, %g", p.Name, r.Score, r.Threshold, r.Raw, -3*p.FN)
		}
		r, err = Evaluate([]Series{perfect}, p)
		if err != nil {
			t.Fatal(err)
		}
		if !near(r.Score, 100) || r.Threshold != 0.8 || !near(r.Raw, 3*p.TP) {
			t.Errorf("%s: perfect detector: score %g threshold %g raw %g, want 100, 0.8, %g", p.Name, r.Score, r.Threshold, r.Raw, 3*p.TP)
		}
		if r.Files[0].Detected != 3 || r.Files[0].FalsePositives != 0 {
			t.Errorf("%s: perfect detector: %d detected, %d FP", p.Name, r.Files[0].Detected, r.Files[0].FalsePositives)
		}
	}
}

func TestSweepPicksBestThreshold(t *testing.T) {
	// Expected values computed independently with Python's math module:
	// TP at row 50 of a 40..59 window: sig(-0.5)/sig(-1) = 0.8597925669097837;
	// TP at row 45: sig(-15/20)/sig(-1) = 0.9669890878000605;
	// FP at row 69, 10 rows past a 20-row window: 0.11·sig(10/19) = -0.09523063024539194.
	cases := []struct {
		name      string
		scores    map[int]float64
		threshold float64
		raw       float64
	}{
		{"late high score wins", map[int]float64{5: 0.99, 20: 0.9, 45: 0.7, 50: 0.95, 69: 0.8}, 0.95, 0.8597925669097837},
		{"earlier detection worth the FP", map[int]float64{20: 0.9, 45: 0.92, 50: 0.95, 69: 0.8}, 0.92, 0.9669890878000605},
		{"FPs after the window", map[int]float64{45: 0.5, 69: 0.5}, 0.5, 0.9669890878000605 - 0.09523063024539194},
		{"probation is ignored", map[int]float64{3: 1, 10: 1}, math.Inf(1), -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Evaluate([]Series{series(c.scores)}, Standard)
			if err != nil {
				t.Fatal(err)
			}
			if r.Threshold != c.threshold || !near(r.Raw, c.raw) {
				t.Fatalf("threshold %g raw %.12f, want %g %.12f", r.Threshold, r.Raw, c.threshold, c.raw)
			}
			if !near(r.Files[0].Raw, c.raw) {
				t.Fatalf("file raw %.12f, want %.12f", r.Files[0].Raw, c.raw)
			}
			if want := 100 * (c.raw + 1) / 2; !near(r.Score, want) {
				t.Fatalf("score %g, want %g", r.Score, want)
			}
		})
	}
}

func TestOnlyFirstDetectionCounts(t *testing.T) {
	s := series(map[int]float64{45: 1, 46: 1, 50: 1, 59: 1})
	r, err := Evaluate([]Series{s}, Standard)
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.Raw, 0.9669890878000605) || r.Files[0].Detected != 1 {
		t.Fatalf("raw %.12f detected %d, want one detection worth 0.966989", r.Raw, r.Files[0].Detected)
	}
	if w := r.Files[0].Windows[0]; !w.At.Equal(s.Times[45]) {
		t.Fatalf("first detection at %s, want row 45", w.At)
	}
}

func TestCorpusWideThreshold(t *testing.T) {
	// File a wants threshold 0.6 alone, file b is hurt by it: one threshold
	// must be chosen for both.
	a := series(map[int]float64{45: 0.6})
	b := series(map[int]float64{45: 0.9})
	b.Name = "b"
	for i := 60; i < 100; i++ {
		b.Scores[i] = 0.6 // 40 FPs at 0.6
	}
	r, err := Evaluate([]Series{a, b}, Standard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Threshold != 0.9 {
		t.Fatalf("threshold %g, want 0.9", r.Threshold)
	}
	if !near(r.Raw, -1+0.9669890878000605) || r.Null != -2 || r.Perfect != 2 {
		t.Fatalf("raw %g null %g perfect %g", r.Raw, r.Null, r.Perfect)
	}
}

func TestFalsePositiveBeforeAnyWindowCostsFullWeight(t *testing.T) {
	s := series(map[int]float64{20: 1, 30: 1, 45: 1})
	r, err := Evaluate([]Series{s}, RewardLowFP)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.9669890878000605 - 2*0.22; !near(r.Raw, want) || r.Files[0].FalsePositives != 2 {
		t.Fatalf("raw %g FP %d, want %g and 2", r.Raw, r.Files[0].FalsePositives, want)
	}
}

func TestErrors(t *testing.T) {
	ts := minutes(100)
	cases := map[string]Series{
		"length":        {Name: "x", Times: ts, Scores: make([]float64, 99)},
		"nan":           {Name: "x", Times: ts, Scores: append(make([]float64, 99), math.NaN())},
		"empty window":  {Name: "x", Times: ts, Scores: make([]float64, 100), Windows: []Window{{t0.Add(-time.Hour), t0.Add(-time.Minute)}}},
		"overlap":       {Name: "x", Times: ts, Scores: make([]float64, 100), Windows: []Window{{ts[30], ts[50]}, {ts[50], ts[60]}}},
		"no window":     {Name: "x", Times: ts, Scores: make([]float64, 100)},
		"in probation":  {Name: "x", Times: ts, Scores: make([]float64, 100), Windows: []Window{{ts[1], ts[5]}}},
		"reversed ends": {Name: "x", Times: ts, Scores: make([]float64, 100), Windows: []Window{{ts[50], ts[40]}}},
	}
	for name, s := range cases {
		if _, err := Evaluate([]Series{s}, Standard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseWindows(t *testing.T) {
	w, err := ParseWindows([]byte(`{"realKnownCause/a.csv": [["2014-02-19 10:50:00.000000", "2014-02-19 11:50:00.000000"]], "b.csv": []}`))
	if err != nil {
		t.Fatal(err)
	}
	got := w["realKnownCause/a.csv"]
	if len(got) != 1 || !got[0].Start.Equal(time.Date(2014, 2, 19, 10, 50, 0, 0, time.UTC)) ||
		!got[0].End.Equal(time.Date(2014, 2, 19, 11, 50, 0, 0, time.UTC)) || len(w["b.csv"]) != 0 {
		t.Fatalf("got %v", w)
	}
	for _, bad := range []string{`[]`, `{"a": [["2014-02-19"]]}`, `{"a": [["x", "2014-02-19"]]}`,
		`{"a": [["2014-02-20", "2014-02-19"]]}`} {
		if _, err := ParseWindows([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	want := time.Date(2014, 2, 19, 10, 50, 0, 0, time.UTC)
	for _, s := range []string{"2014-02-19 10:50:00", "2014-02-19 10:50:00.000000", "2014-02-19T10:50:00Z", "2014-02-19T10:50:00"} {
		got, err := ParseTimestamp(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseTimestamp("yesterday"); err == nil {
		t.Error("no error for a bad timestamp")
	}
}
