package anomaly

import (
	"math"
	"testing"
)

func TestTailCalibration(t *testing.T) {
	// Exponential(1) samples through the inverse CDF on a fixed grid: the
	// calibrated P(X ≥ x) must be close to e^{−x} in the body and keep
	// falling past the largest sample.
	c := newTail(1e9)
	const n = 20000
	for i := 0; i < n; i++ {
		u := (float64(i*7919%n) + 0.5) / n
		c.update(-math.Log(u))
	}
	c.refreshQuantiles()
	for _, x := range []float64{0.5, 1, 2, 3} {
		got, want := c.pvalue(x), math.Exp(-x)
		if math.Abs(math.Log(got/want)) > 0.25 {
			t.Errorf("P(X ≥ %g) = %.4f, want about %.4f", x, got, want)
		}
	}
	if p := c.pvalue(30); !(p < 1.0/n) {
		t.Errorf("P(X ≥ 30) = %g, want below 1/n", p)
	}
	if c.pvalue(40) >= c.pvalue(30) || c.pvalue(1e6) >= c.pvalue(40) {
		t.Error("tail probability does not fall past the data")
	}
}

func TestTailRecurringValues(t *testing.T) {
	// A value beyond the 99th percentile that recurs (the edge of a square
	// wave: zero jumps, then a jump of 60 every 200 samples) is as rare as
	// its history says, not extrapolated to near-impossibility; a value seen
	// beyond the tail only once or twice still is.
	c := newTail(1e9)
	for i := 1; i <= 10000; i++ {
		x := 0.0
		if i%200 == 0 {
			x = 60
		}
		c.update(x)
	}
	c.update(1000)
	c.update(1000)
	// Mid-p: the two samples above and half of the 50 in the bin.
	if p, want := c.pvalue(60), 27.0/10002; math.Abs(math.Log(p/want)) > 0.25 {
		t.Errorf("P(X ≥ 60) = %g after 50 of 10,002 samples, want about %g", p, want)
	}
	if p := c.pvalue(1000); !(p < 1e-6) {
		t.Errorf("P(X ≥ 1000) = %g after two such samples, want the tail's extrapolation (< 1e-6)", p)
	}
}

func TestTailDecayAndRescale(t *testing.T) {
	// A calibrator with a short memory forgets an old regime, and its
	// weights stay finite through many rescalings.
	c := newTail(50)
	for i := 0; i < 100000; i++ {
		x := 1.0
		if i >= 99000 {
			x = 100
		}
		c.update(x)
	}
	if p := c.pvalue(100); p < 0.3 {
		t.Errorf("after 1000 samples of the new regime P(X ≥ 100) = %g", p)
	}
	if math.IsInf(c.Total, 0) || math.IsNaN(c.Total) {
		t.Fatal("weights overflowed")
	}
}

func TestTailEdgeInputs(t *testing.T) {
	c := newTail(100)
	if p := c.pvalue(1); p != 1 {
		t.Errorf("empty calibrator: p = %g, want 1", p)
	}
	for _, x := range []float64{0, math.SmallestNonzeroFloat64, 1e300, math.Inf(1), math.NaN()} {
		c.update(x)
		if p := c.pvalue(x); !(p > 0 && p <= 1) {
			t.Errorf("p(%g) = %g", x, p)
		}
	}
}

func TestOctaves(t *testing.T) {
	for _, x := range []float64{1e-9, 0.001, 0.3, 1, 1.5, 2, 3.999, 1234.5, 6.02e8} {
		if got, want := octaves(x), math.Log2(x); math.Abs(got-want) > 1e-5 {
			t.Errorf("octaves(%g) = %.8f, want %.8f", x, got, want)
		}
	}
	if octaves(0) != minOctave || octaves(1e-300) != minOctave || octaves(1e300) != maxOctave || octaves(math.NaN()) != minOctave {
		t.Error("octaves does not clamp")
	}
}

func TestPointQuery(t *testing.T) {
	c := newTail(1e9)
	for i := 0; i < 1000; i++ {
		c.update(float64(i%37) + 0.5)
	}
	for b := 1; b <= numBins; b++ {
		if got, want := c.point(b), c.prefix(b)-c.prefix(b-1); math.Abs(got-want) > 1e-9 {
			t.Fatalf("point(%d) = %g, want %g", b, got, want)
		}
	}
}
