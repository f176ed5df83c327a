package tree

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

func TestIsotonicPAV(t *testing.T) {
	scores := []float64{1, 2, 3, 4, 5, 6}
	labels := []float64{0, 1, 0, 0, 1, 1}
	c, err := FitCalibrator(CalibrationIsotonic, scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	// PAV pools (2,3,4) to 1/3: fitted 0, 1/3, 1/3, 1/3, 1, 1.
	want := []float64{0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1, 1}
	for i, s := range scores {
		if got := c.Apply(s); math.Abs(got-want[i]) > 1e-15 {
			t.Errorf("Apply(%g) = %g, want %g", s, got, want[i])
		}
	}
	if got := c.Apply(1.5); math.Abs(got-1.0/6) > 1e-15 {
		t.Errorf("interpolated Apply(1.5) = %g, want 1/6", got)
	}
	if c.Apply(-10) != 0 || c.Apply(10) != 1 {
		t.Error("scores outside the range should take the end values")
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// Ties are pooled before PAV: two samples at the same score, labels 0 and 1.
	c2, _ := FitCalibrator(CalibrationIsotonic, []float64{1, 1, 2}, []float64{0, 1, 1})
	if got := c2.Apply(1); got != 0.5 {
		t.Errorf("tied score maps to %g, want 0.5", got)
	}
}

func TestPlattRecoversParameters(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 20000
	scores := make([]float64, n)
	labels := make([]float64, n)
	for i := range scores {
		s := rng.NormFloat64() * 3
		scores[i] = s
		if rng.Float64() < sigmoid(-(-1.5*s + 0.7)) {
			labels[i] = 1
		}
	}
	c, err := FitCalibrator(CalibrationPlatt, scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.A+1.5) > 0.1 || math.Abs(c.B-0.7) > 0.1 {
		t.Fatalf("Platt A=%g B=%g, want about −1.5 and 0.7", c.A, c.B)
	}
	b, _ := json.Marshal(c)
	var back Calibrator
	if err := json.Unmarshal(b, &back); err != nil || back.Apply(0.3) != c.Apply(0.3) {
		t.Fatal("calibrator did not survive a JSON round trip")
	}
}

func TestCalibratorErrors(t *testing.T) {
	if _, err := FitCalibrator("beta", []float64{1}, []float64{1}); err == nil {
		t.Error("unknown method accepted")
	}
	if _, err := FitCalibrator(CalibrationIsotonic, []float64{math.NaN()}, []float64{1}); err == nil {
		t.Error("NaN score accepted")
	}
	if _, err := FitCalibrator(CalibrationIsotonic, []float64{1, 2}, []float64{1}); err == nil {
		t.Error("misaligned input accepted")
	}
	bad := &Calibrator{Method: CalibrationIsotonic, X: []float64{2, 1}, Y: []float64{0, 1}}
	if bad.Validate() == nil {
		t.Error("unordered breakpoints accepted")
	}
}
