package drift

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"

	"smartmaint"
)

// loadJSON decodes testdata/name into v.
func loadJSON(tb testing.TB, name string, v any) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("read reference file: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
}

func parseAlternative(tb testing.TB, s string) Alternative {
	tb.Helper()
	switch s {
	case "two-sided":
		return TwoSided
	case "less":
		return Less
	case "greater":
		return Greater
	}
	tb.Fatalf("unknown alternative %q", s)
	return 0
}

// closeRel reports whether got is within rel of want (relative), or within
// abs when want is tiny.
func closeRel(got, want, rel, abs float64) bool {
	return math.Abs(got-want) <= math.Max(abs, rel*math.Abs(want))
}

// TestKSExactAgainstEnumeration compares statistic and exact p-value with
// the brute-force enumeration in testdata/reference.py, ties included.
func TestKSExactAgainstEnumeration(t *testing.T) {
	var ref struct {
		Samples []struct {
			Name        string
			X, Y        []float64
			Alternative string
			Statistic   float64
			PValue      float64 `json:"p_value"`
		}
	}
	loadJSON(t, "ks_reference.json", &ref)
	if len(ref.Samples) < 30 {
		t.Fatalf("only %d reference cases", len(ref.Samples))
	}
	for _, c := range ref.Samples {
		alt := parseAlternative(t, c.Alternative)
		got, err := KS2Samp(c.X, c.Y, KSOptions{Alternative: alt, Method: MethodExact})
		if err != nil {
			t.Fatalf("%s/%s: %v", c.Name, c.Alternative, err)
		}
		if !closeRel(got.Statistic, c.Statistic, 1e-12, 1e-15) {
			t.Errorf("%s/%s: D = %.17g, want %.17g", c.Name, c.Alternative, got.Statistic, c.Statistic)
		}
		if !closeRel(got.PValue, c.PValue, 1e-10, 1e-15) {
			t.Errorf("%s/%s: p = %.17g, want %.17g", c.Name, c.Alternative, got.PValue, c.PValue)
		}
	}
}

// TestKSExactLattice checks the lattice recursion at sizes too large to
// enumerate, against the Gnedenko–Korolyuk closed form (n = m) and big-integer
// path counting (n ≠ m).
func TestKSExactLattice(t *testing.T) {
	var ref struct {
		Lattice []struct {
			N, M, H     int64
			Alternative string
			PValue      float64 `json:"p_value"`
		}
	}
	loadJSON(t, "ks_reference.json", &ref)
	for _, c := range ref.Lattice {
		ends := make([]bool, c.N+c.M+1)
		for i := range ends {
			ends[i] = true
		}
		got := exactPValue(c.N, c.M, c.H, parseAlternative(t, c.Alternative), ends)
		if !closeRel(got, c.PValue, 1e-9, 1e-300) {
			t.Errorf("n=%d m=%d h=%d %s: p = %.17g, want %.17g", c.N, c.M, c.H, c.Alternative, got, c.PValue)
		}
	}
}

// TestKolmogorovSF checks the limiting distribution against an independent
// series evaluation and the published critical values.
func TestKolmogorovSF(t *testing.T) {
	var ref struct {
		Series, Published []struct{ Lambda, SF float64 }
	}
	loadJSON(t, "kolmogorov_reference.json", &ref)
	for _, c := range ref.Series {
		if got := KolmogorovSF(c.Lambda); !closeRel(got, c.SF, 1e-12, 1e-15) {
			t.Errorf("Q(%g) = %.17g, want %.17g", c.Lambda, got, c.SF)
		}
	}
	for _, c := range ref.Published {
		if got := KolmogorovSF(c.Lambda); math.Abs(got-c.SF) > 5e-5 {
			t.Errorf("Q(%g) = %.6g, published %g", c.Lambda, got, c.SF)
		}
	}
	if KolmogorovSF(0) != 1 || KolmogorovSF(-1) != 1 || KolmogorovSF(40) != 0 {
		t.Errorf("boundary values wrong: %g %g %g", KolmogorovSF(0), KolmogorovSF(-1), KolmogorovSF(40))
	}
}

// TestKSStatisticMatchesGonum compares D with gonum's independent
// implementation on random samples with and without ties.
func TestKSStatisticMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n, m := 1+rng.IntN(60), 1+rng.IntN(60)
		x, y := make([]float64, n), make([]float64, m)
		for i := range x {
			x[i] = math.Round(rng.NormFloat64() * 3)
		}
		for i := range y {
			y[i] = math.Round(rng.NormFloat64()*3 + 1)
		}
		if trial%2 == 0 {
			for i := range x {
				x[i] += rng.Float64()
			}
		}
		got, err := KS2Samp(x, y, KSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		xs, ys := slices.Sorted(slices.Values(x)), slices.Sorted(slices.Values(y))
		want := stat.KolmogorovSmirnov(xs, nil, ys, nil)
		if math.Abs(got.Statistic-want) > 1e-12 {
			t.Fatalf("trial %d: D = %g, gonum %g", trial, got.Statistic, want)
		}
	}
}

// TestKSAsymptoticNearExact: at n = m = 1000 the asymptotic p-value is within
// 0.0075 (two-sided) and 0.0136 (one-sided) of the exact one over D = k/n;
// the gap shrinks like 1/√n (0.0023 and 0.0043 at n = m = 10,000, where
// MethodAuto switches), because the exact statistic lives on a lattice.
func TestKSAsymptoticNearExact(t *testing.T) {
	const n = 1000
	ends := make([]bool, 2*n+1)
	for i := range ends {
		ends[i] = true
	}
	for _, k := range []int64{30, 40, 50, 60, 70, 90} {
		d := float64(k) / n
		exact := exactPValue(n, n, k*n, TwoSided, ends)
		asym := asymptoticPValue(n, n, d, TwoSided)
		if math.Abs(exact-asym) > 0.0076 {
			t.Errorf("D=%g: exact %g, asymptotic %g", d, exact, asym)
		}
		ex1 := exactPValue(n, n, k*n, Greater, ends)
		as1 := asymptoticPValue(n, n, d, Greater)
		if math.Abs(ex1-as1) > 0.0137 {
			t.Errorf("one-sided D=%g: exact %g, asymptotic %g", d, ex1, as1)
		}
	}
}

func TestKSAutoSwitch(t *testing.T) {
	x, y := make([]float64, 100), make([]float64, 100)
	for i := range x {
		x[i], y[i] = float64(i), float64(i)+20.5
	}
	r, err := KS2Samp(x, y, KSOptions{})
	if err != nil || r.Method != MethodExact || r.MethodName != "exact" {
		t.Fatalf("100x100 should be exact: %+v %v", r, err)
	}
	r, err = KS2Samp(x, y, KSOptions{ExactMaxProduct: 9999})
	if err != nil || r.Method != MethodAsymptotic {
		t.Fatalf("limit 9999 should be asymptotic: %+v %v", r, err)
	}
	if math.Abs(r.Statistic-0.21) > 1e-12 {
		t.Fatalf("D = %g, want 0.21", r.Statistic)
	}
}

func TestKSInputErrors(t *testing.T) {
	cases := []struct {
		name  string
		x, y  []float64
		opts  KSOptions
		field string
	}{
		{"empty x", nil, []float64{1}, KSOptions{}, "x"},
		{"empty y", []float64{1}, []float64{}, KSOptions{}, "y"},
		{"nan x", []float64{1, math.NaN()}, []float64{1}, KSOptions{}, "x"},
		{"inf y", []float64{1}, []float64{math.Inf(-1)}, KSOptions{}, "y"},
		{"bad alternative", []float64{1}, []float64{2}, KSOptions{Alternative: 7}, "alternative"},
		{"bad method", []float64{1}, []float64{2}, KSOptions{Method: -1}, "method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := KS2Samp(c.x, c.y, c.opts)
			assertFieldError(t, err, c.field)
		})
	}
}

// assertFieldError checks that err is an EINVALID error about field.
func assertFieldError(tb testing.TB, err error, field string) {
	tb.Helper()
	if smartmaint.ErrorCode(err) != smartmaint.EINVALID {
		tb.Fatalf("want EINVALID error, got %v", err)
	}
	var e *smartmaint.Error
	if !errorsAs(err, &e) || len(e.Details) == 0 || e.Details[0].Field != field {
		tb.Fatalf("want error about field %q, got %v", field, err)
	}
}

func TestKSConstantAndDoesNotModifyInput(t *testing.T) {
	x := []float64{3, 1, 2}
	y := []float64{3, 3, 3, 3}
	r, err := KS2Samp([]float64{5, 5, 5}, []float64{5, 5}, KSOptions{})
	if err != nil || r.Statistic != 0 || r.PValue != 1 || !r.Ties {
		t.Fatalf("equal constants: %+v %v", r, err)
	}
	if _, err := KS2Samp(x, y, KSOptions{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, []float64{3, 1, 2}) {
		t.Fatalf("input modified: %v", x)
	}
}

// TestKSFalsePositiveRate: under the null the exact test rejects at most at
// the nominal rate (it is exact, so close to it for continuous data).
func TestKSFalsePositiveRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	const trials = 400
	var rejects int
	for range trials {
		x, y := make([]float64, 40), make([]float64, 50)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range y {
			y[i] = rng.NormFloat64()
		}
		r, err := KS2Samp(x, y, KSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.PValue < 0.05 {
			rejects++
		}
	}
	// Binomial(400, ≤0.05): mean ≤ 20, sd ≈ 4.4; the exact test with a
	// discrete statistic sits a little below 0.05.
	if rejects > 33 {
		t.Fatalf("false positive rate %d/%d above nominal 5%%", rejects, trials)
	}
	if rejects < 5 {
		t.Fatalf("false positive rate %d/%d implausibly low: p-values too large", rejects, trials)
	}
}
