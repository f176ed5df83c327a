package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestTimeToThreshold(t *testing.T) {
	f := Forecast{Level: 0.95,
		Point: []float64{70, 74, 78, 82, 86},
		Lower: []float64{68, 70, 72, 74, 76},
		Upper: []float64{72, 78, 84, 90, 96}}
	cases := []struct {
		name                   string
		limit                  float64
		dir                    Direction
		step, earliest, latest int
	}{
		{"above, all three cross", 76, Above, 3, 2, 5},
		{"above, only the upper bound crosses", 90, Above, NotWithinHorizon, 4, NotWithinHorizon},
		{"above, nothing crosses", 100, Above, NotWithinHorizon, NotWithinHorizon, NotWithinHorizon},
		{"above, already at step 1", 70, Above, 1, 1, 2},
		{"below", 71, Below, 1, 1, NotWithinHorizon},
		{"limit reached exactly counts", 82, Above, 4, 3, NotWithinHorizon},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := TimeToThreshold(f, c.limit, c.dir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Step != c.step || got.Earliest != c.earliest || got.Latest != c.latest ||
				got.WithinHorizon != (c.step != NotWithinHorizon) || got.Horizon != 5 {
				t.Fatalf("got %+v, want step %d earliest %d latest %d", got, c.step, c.earliest, c.latest)
			}
		})
	}
	_, err := TimeToThreshold(f, math.NaN(), Above)
	assertFieldError(t, err, "limit")
	_, err = TimeToThreshold(f, 1, "sideways")
	assertFieldError(t, err, "direction")
	_, err = TimeToThreshold(Forecast{Point: []float64{1}}, 1, Above)
	assertFieldError(t, err, "forecast")
	_, err = TimeToThreshold(Forecast{}, 1, Above)
	assertFieldError(t, err, "forecast")
}

// TestTimeToThresholdOnFit: a rising series crosses its limit in the
// forecast at about the step the trend implies.
func TestTimeToThresholdOnFit(t *testing.T) {
	y := make([]float64, 100)
	rng := rand.New(rand.NewPCG(2, 9))
	for i := range y {
		y[i] = 50 + 0.2*float64(i) + 0.05*rng.NormFloat64()
	}
	m, err := Fit(y, Options{Period: 1})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := m.Forecast(100, 0.95)
	c, err := TimeToThreshold(f, 80, Above)
	if err != nil {
		t.Fatal(err)
	}
	// Last value ≈ 69.8, slope 0.2: the limit 80 is about 51 steps away.
	if c.Step < 48 || c.Step > 54 || !(c.Earliest <= c.Step && c.Step <= c.Latest) {
		t.Fatalf("crossing %+v, want step ≈ 51 inside [earliest, latest]", c)
	}
}

func TestBaselines(t *testing.T) {
	y := []float64{1, 3, 2, 4, 3, 5, 4, 6}
	f, err := Naive(y, 3, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	assertSlice(t, "naive", f.Point, []float64{6, 6, 6}, 0)
	// σ² = mean squared difference = (4+1+4+1+4+1+4)/7 = 19/7.
	sd := math.Sqrt(19.0 / 7)
	z := 1.959963984540054
	if !closeTo(f.Upper[1]-f.Point[1], z*sd*math.Sqrt(2), 1e-12) {
		t.Fatalf("naive half-width at h=2: %g", f.Upper[1]-f.Point[1])
	}
	f, err = SeasonalNaive(y, 2, 5, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	assertSlice(t, "seasonal naive", f.Point, []float64{4, 6, 4, 6, 4}, 0)
	// Lag-2 differences are all 1: σ = 1; h = 3 is in the second cycle.
	if !closeTo(f.Upper[2]-f.Point[2], z*math.Sqrt(2), 1e-12) {
		t.Fatalf("seasonal naive half-width at h=3: %g", f.Upper[2]-f.Point[2])
	}
	_, err = SeasonalNaive(y, 8, 1, 0.95)
	assertFieldError(t, err, "y")
	_, err = Naive([]float64{1}, 1, 0.95)
	assertFieldError(t, err, "y")
}

// TestCompareSameHorizon: all methods are scored on the same number of
// forecasts at each horizon, the naive errors equal a direct computation,
// and Holt–Winters beats both baselines on a seasonal series with a trend.
func TestCompareSameHorizon(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	y, _ := seasonalSeries(rng, 720, 24, 0.5)
	c, err := Compare(y, CompareOptions{Horizons: []int{1, 12, 48}, Train: 480})
	if err != nil {
		t.Fatal(err)
	}
	if c.Period != 24 || c.Origins != 720-480-48+1 || c.FirstOrigin != 480 || c.LastOrigin != 672 {
		t.Fatalf("comparison setup %+v", c)
	}
	if len(c.Scores) != 9 {
		t.Fatalf("%d scores", len(c.Scores))
	}
	byKey := map[string]Score{}
	for _, s := range c.Scores {
		if s.N != c.Origins {
			t.Fatalf("%s h=%d scored on %d forecasts, not %d", s.Method, s.Horizon, s.N, c.Origins)
		}
		byKey[fmt.Sprintf("%s/%d", s.Method, s.Horizon)] = s
	}
	// Naive at h=12 by hand over the same origins.
	var sum float64
	for t0 := 480; t0 <= 672; t0++ {
		sum += math.Abs(y[t0-1+12] - y[t0-1])
	}
	naive12 := byKey[MethodNaive+"/12"]
	if !closeTo(naive12.MAE, sum/float64(c.Origins), 1e-12) {
		t.Fatalf("naive MAE at h=12 %g, direct %g", naive12.MAE, sum/float64(c.Origins))
	}
	scale, _ := MASEScale(y[:480], 24)
	if !closeTo(naive12.MASE, naive12.MAE/scale, 1e-12) {
		t.Fatalf("MASE %g, want %g", naive12.MASE, naive12.MAE/scale)
	}
	for _, h := range []int{12, 48} {
		get := func(m string) Score { return byKey[fmt.Sprintf("%s/%d", m, h)] }
		hw, nv, sn := get(MethodHoltWinters), get(MethodNaive), get(MethodSeasonalNaive)
		if !(hw.MAE < nv.MAE && hw.MAE < sn.MAE) {
			t.Fatalf("h=%d: HW %g, naive %g, seasonal naive %g", h, hw.MAE, nv.MAE, sn.MAE)
		}
		if hw.Coverage < 0.85 {
			t.Fatalf("h=%d: HW interval coverage %g", h, hw.Coverage)
		}
	}
	again, _ := Compare(y, CompareOptions{Horizons: []int{1, 12, 48}, Train: 480})
	if !reflect.DeepEqual(c, again) {
		t.Fatal("Compare is not deterministic")
	}
}

func TestCompareErrors(t *testing.T) {
	y := make([]float64, 100)
	for i := range y {
		y[i] = math.Sin(float64(i))
	}
	cases := []struct {
		name  string
		opts  CompareOptions
		field string
	}{
		{"horizon beyond data", CompareOptions{Train: 90, Horizons: []int{20}}, "horizons"},
		{"zero horizon", CompareOptions{Horizons: []int{0}}, "horizons"},
		{"train too small", CompareOptions{Train: 2}, "train"},
		{"negative step", CompareOptions{Step: -1}, "step"},
	}
	for _, c := range cases {
		_, err := Compare(y, c.opts)
		assertFieldError(t, err, c.field)
	}
}
