package rul

import (
	"math"
	"testing"
)

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12 && !(math.IsNaN(got) && math.IsNaN(want)) {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

func TestWindowFeaturesKnownValues(t *testing.T) {
	s := Spec{MeanWindows: []int{2}, SlopeWindows: []int{3}, StdWindows: []int{3}, Baseline: 2, BaselineWindow: 1, Age: true}
	col := []float64{1, 3, 2, math.NaN(), 6}
	out := s.Unit([][]float64{col})
	names := s.Names([]string{"x"})
	want := []string{"x@last", "x@mean2", "x@slope3", "x@std3", "x@drift", "age"}
	if len(names) != len(want) || s.Width(1) != len(want) {
		t.Fatalf("names %v, width %d", names, s.Width(1))
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names %v, want %v", names, want)
		}
	}
	// Step 2: last 2; mean of (3, 2) = 2.5; slope of (1, 3, 2) over t = 0, 1, 2 is 0.5;
	// std of (1, 3, 2) = sqrt(2/3); drift = 2 − mean(1, 3) = 0; age 3.
	near(t, "last", out[2][0], 2)
	near(t, "mean2", out[2][1], 2.5)
	near(t, "slope3", out[2][2], 0.5)
	near(t, "std3", out[2][3], math.Sqrt(2.0/3))
	near(t, "drift", out[2][4], 0)
	near(t, "age", out[2][5], 3)
	// Step 3 is missing: last carries the previous value; the windows skip it.
	near(t, "last at gap", out[3][0], 2)
	near(t, "mean2 at gap", out[3][1], 2)
	near(t, "slope3 at gap", out[3][2], -1) // (3 at t=1, 2 at t=2)
	// Step 4: slope of (2 at t=2, 6 at t=4) = 2.
	near(t, "slope3 after gap", out[4][2], 2)
	near(t, "drift after gap", out[4][4], 6-2)
	// Step 0: one value, so slope and spread are undefined.
	if !math.IsNaN(out[0][2]) || !math.IsNaN(out[0][3]) {
		t.Errorf("step 0 slope %g std %g, want NaN", out[0][2], out[0][3])
	}
}

// TestFeaturesUseThePastOnly checks that a cut trajectory has the same
// features at its last step as the full one at that step.
func TestFeaturesUseThePastOnly(t *testing.T) {
	s := DefaultSpec()
	n := 90
	a := make([]float64, n)
	b := make([]float64, n)
	for i := range a {
		a[i] = math.Sin(float64(i)/7) + float64(i)*0.01
		b[i] = math.Exp(float64(i) / 40)
	}
	full := s.Unit([][]float64{a, b})
	for _, cut := range []int{1, 15, 44, 89} {
		part := s.Unit([][]float64{a[:cut], b[:cut]})
		for j := range part[cut-1] {
			x, y := part[cut-1][j], full[cut-1][j]
			if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				t.Fatalf("cut %d feature %d: %g vs %g", cut, j, x, y)
			}
		}
	}
}

func TestConstantAndMissingColumns(t *testing.T) {
	s := DefaultSpec()
	flat := make([]float64, 40)
	gone := make([]float64, 40)
	for i := range gone {
		flat[i] = 5
		gone[i] = math.NaN()
	}
	out := s.Unit([][]float64{flat, gone})
	per := s.perColumn()
	for _, row := range out[1:] {
		for j := 0; j < per; j++ {
			v := row[j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("constant column feature %d is %g", j, v)
			}
		}
		for j := per; j < 2*per; j++ {
			if !math.IsNaN(row[j]) {
				t.Fatalf("all-missing column feature %d is %g, want NaN", j-per, row[j])
			}
		}
	}
	if s.Unit(nil) != nil {
		t.Error("no columns should give no rows")
	}
}

func TestTargetAndCuts(t *testing.T) {
	y := Target(200, 125)
	if y[0] != 125 || y[199] != 0 || y[100] != 99 || y[74] != 125 || y[75] != 124 {
		t.Fatalf("target %v…", y[:3])
	}
	p := DefaultProtocol()
	cuts := p.CutPoints("unit-7", 200)
	again := p.CutPoints("unit-7", 200)
	other := p.CutPoints("unit-8", 200)
	if len(cuts) != p.Cuts {
		t.Fatalf("%d cuts", len(cuts))
	}
	differs := false
	for k, c := range cuts {
		rul := 199 - c
		if rul < 1 || rul > 150 || c+1 < p.MinObserved {
			t.Fatalf("cut %d leaves RUL %d and %d observed steps", c, rul, c+1)
		}
		if again[k] != c {
			t.Fatal("cuts are not deterministic")
		}
		differs = differs || other[k] != c
	}
	if !differs {
		t.Error("two units got identical cuts")
	}
	// A short unit keeps at least MinObserved steps where it can.
	for _, c := range p.CutPoints("short", 40) {
		if 39-c < 1 || 39-c > 9 {
			t.Fatalf("short unit: RUL %d, want 1…9", 39-c)
		}
	}
	if p.CutPoints("tiny", 1) != nil {
		t.Error("a one-step unit cannot be cut")
	}
	bad := p
	bad.Cuts = 0
	if bad.Validate() == nil {
		t.Error("zero cuts accepted")
	}
	if (Spec{SlopeWindows: []int{1}}).Validate() == nil {
		t.Error("a one-step slope window accepted")
	}
}
