package drift

import (
	"math"
	"testing"
)

// TestPSIReference compares with testdata/reference.py (statistics.quantiles
// edges, bisect binning, fsum).
func TestPSIReference(t *testing.T) {
	var ref []struct {
		Name                    string
		Reference, Current      []float64
		Bins                    int
		Epsilon, PSI            float64
		Edges, Expected, Actual []float64
	}
	loadJSON(t, "psi_reference.json", &ref)
	for _, c := range ref {
		got, err := PSI(c.Reference, c.Current, PSIOptions{Bins: c.Bins, Epsilon: c.Epsilon})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !closeRel(got.PSI, c.PSI, 1e-12, 1e-15) {
			t.Errorf("%s: PSI %.17g, want %.17g", c.Name, got.PSI, c.PSI)
		}
		assertClose(t, c.Name+" edges", got.Edges, c.Edges, 1e-12)
		assertClose(t, c.Name+" expected", got.Expected, c.Expected, 1e-15)
		assertClose(t, c.Name+" actual", got.Actual, c.Actual, 1e-15)
	}
}

func assertClose(tb testing.TB, what string, got, want []float64, tol float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if !closeRel(got[i], want[i], tol, tol) {
			tb.Errorf("%s[%d] = %.17g, want %.17g", what, i, got[i], want[i])
		}
	}
}

func TestPSIEdgeCases(t *testing.T) {
	r, err := PSI([]float64{2, 2, 2}, []float64{2, 2}, PSIOptions{})
	if err != nil || r.PSI != 0 || len(r.Edges) != 1 {
		t.Fatalf("constant equal: %+v %v", r, err)
	}
	r, err = PSI([]float64{2, 2, 2}, []float64{3, 3}, PSIOptions{})
	// Expected (1, eps), actual (eps, 1): 2·(1−eps)·ln(1/eps).
	want := 2 * (1 - DefaultPSIEpsilon) * math.Log(1/DefaultPSIEpsilon)
	if err != nil || !closeRel(r.PSI, want, 1e-12, 0) {
		t.Fatalf("constant shifted: %g, want %g (%v)", r.PSI, want, err)
	}
	cases := []struct {
		name     string
		ref, cur []float64
		opts     PSIOptions
		field    string
	}{
		{"empty reference", nil, []float64{1}, PSIOptions{}, "reference"},
		{"nan current", []float64{1}, []float64{math.NaN()}, PSIOptions{}, "current"},
		{"one bin", []float64{1}, []float64{1}, PSIOptions{Bins: 1}, "bins"},
		{"bad epsilon", []float64{1}, []float64{1}, PSIOptions{Epsilon: 2}, "epsilon"},
	}
	for _, c := range cases {
		_, err := PSI(c.ref, c.cur, c.opts)
		assertFieldError(t, err, c.field)
	}
}

// TestWassersteinReference compares with the quantile-function integral in
// testdata/reference.py and the value printed in scipy's documentation.
func TestWassersteinReference(t *testing.T) {
	var ref []struct {
		Name      string
		X, Y      []float64
		Distance  float64
		Published *float64
	}
	loadJSON(t, "wasserstein_reference.json", &ref)
	for _, c := range ref {
		got, err := Wasserstein1(c.X, c.Y)
		if err != nil {
			t.Fatal(err)
		}
		if !closeRel(got, c.Distance, 1e-12, 1e-15) {
			t.Errorf("%s: W1 %.17g, want %.17g", c.Name, got, c.Distance)
		}
		if c.Published != nil && got != *c.Published {
			t.Errorf("%s: W1 %.17g, published %g", c.Name, got, *c.Published)
		}
	}
	if _, err := Wasserstein1([]float64{1}, []float64{math.Inf(1)}); err == nil {
		t.Fatal("Inf accepted")
	}
}
