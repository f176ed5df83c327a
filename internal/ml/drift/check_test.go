package drift

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func gaussian(rng *rand.Rand, n int, mu, sd float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = mu + sd*rng.NormFloat64()
	}
	return xs
}

func TestCheckDetectsShiftedMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	base := gaussian(rng, 200, 50, 2)
	recent := gaussian(rng, 150, 51.5, 2)
	r, err := Check(base, recent, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.DriftDetected || r.InsufficientData || r.PValue >= 1e-4 || r.KSMethod != "exact" {
		t.Fatalf("shift of 0.75 sd not detected: %+v", r)
	}
	if r.PSI < 0.25 || math.Abs(r.Wasserstein-1.5) > 0.5 || math.Abs(r.MeanShift-1.5) > 0.5 {
		t.Fatalf("PSI %g, W1 %g, mean shift %g", r.PSI, r.Wasserstein, r.MeanShift)
	}
}

// TestCheckFalsePositiveRate: same distribution, 500 seeded trials; drift is
// reported at about the nominal 5 % (the exact test is slightly conservative
// because the statistic is discrete).
func TestCheckFalsePositiveRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const trials = 500
	var hits int
	for range trials {
		r, err := Check(gaussian(rng, 60, 0, 1), gaussian(rng, 45, 0, 1), CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.DriftDetected {
			hits++
		}
	}
	// Binomial(500, 0.05): mean 25, sd 4.9.
	if hits < 10 || hits > 40 {
		t.Fatalf("false positive rate %d/%d, nominal 25", hits, trials)
	}
}

func TestCheckInsufficientAndEmpty(t *testing.T) {
	r, err := Check([]float64{1, 2, 3}, []float64{10, 11, 12}, CheckOptions{})
	if err != nil || !r.InsufficientData || r.DriftDetected || r.KSStatistic != 1 || len(r.Notes) == 0 {
		t.Fatalf("small samples: %+v %v", r, err)
	}
	r, err = Check(nil, []float64{1}, CheckOptions{MinSamples: 6})
	if err != nil || !r.InsufficientData || r.DriftDetected || r.PValue != 1 || r.BaselineCount != 0 {
		t.Fatalf("empty baseline: %+v %v", r, err)
	}
}

func TestCheckConstantSamples(t *testing.T) {
	same := make([]float64, 40)
	for i := range same {
		same[i] = 7
	}
	r, err := Check(same, same, CheckOptions{})
	if err != nil || r.DriftDetected || r.PValue != 1 || r.PSI != 0 || r.Wasserstein != 0 || len(r.Notes) != 2 {
		t.Fatalf("constant equal: %+v %v", r, err)
	}
	other := make([]float64, 40)
	for i := range other {
		other[i] = 8
	}
	r, err = Check(same, other, CheckOptions{})
	if err != nil || !r.DriftDetected || r.Wasserstein != 1 {
		t.Fatalf("constant shifted: %+v %v", r, err)
	}
}

func TestCheckErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	_, err := Check([]float64{1, math.NaN()}, ok, CheckOptions{})
	assertFieldError(t, err, "baseline")
	_, err = Check(ok, []float64{math.Inf(1)}, CheckOptions{})
	assertFieldError(t, err, "recent")
	_, err = Check(ok, ok, CheckOptions{PValueThreshold: 1.5})
	assertFieldError(t, err, "p_value_threshold")
	_, err = Check(ok, ok, CheckOptions{MinSamples: -1})
	assertFieldError(t, err, "min_samples")
}

func TestCheckDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, b := gaussian(rng, 300, 0, 1), gaussian(rng, 300, 0.2, 1)
	r1, _ := Check(a, b, CheckOptions{})
	r2, _ := Check(a, b, CheckOptions{})
	if !reflect.DeepEqual(r1, r2) {
		t.Fatalf("two runs differ: %+v vs %+v", r1, r2)
	}
}

func BenchmarkPSI10k(b *testing.B) {
	x, y := benchSamples(10000, 0.1)
	for b.Loop() {
		if _, err := PSI(x, y, PSIOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWasserstein10k(b *testing.B) {
	x, y := benchSamples(10000, 0.1)
	for b.Loop() {
		if _, err := Wasserstein1(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck10k(b *testing.B) {
	x, y := benchSamples(10000, 0)
	for b.Loop() {
		if _, err := Check(x, y, CheckOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
