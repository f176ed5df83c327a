package forecast

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"smartmaint"
)

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

func closeTo(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(1, math.Abs(want))
}

func assertSlice(tb testing.TB, what string, got, want []float64, rel float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !closeTo(got[i], want[i], rel) {
			tb.Fatalf("%s[%d] = %.17g, want %.17g", what, i, got[i], want[i])
		}
	}
}

func assertFieldError(tb testing.TB, err error, field string) {
	tb.Helper()
	e, ok := err.(*smartmaint.Error)
	if !ok || e.Code != smartmaint.EINVALID || len(e.Details) == 0 || e.Details[0].Field != field {
		tb.Fatalf("want EINVALID error about %q, got %v", field, err)
	}
}

type hwCase struct {
	Series  string
	Y       []float64
	Period  int
	Damped  bool
	Params  Params
	Initial State
	Fitted  []float64
	SSE     float64
	Final   State
	Sigma2  float64
	Points  []float64
	SD      []float64
	Bounds  map[string]struct{ Lower, Upper []float64 }
}

// TestHoltWintersReference checks initial states, one-step fitted values,
// SSE, final state, point forecasts, standard errors and interval bounds
// against the component-form Python implementation in testdata/reference.py,
// to 1e-9.
func TestHoltWintersReference(t *testing.T) {
	var cases []hwCase
	loadJSON(t, "holtwinters_reference.json", &cases)
	if len(cases) != 5 {
		t.Fatalf("%d reference cases", len(cases))
	}
	const rel = 1e-9
	for _, c := range cases {
		p := c.Params
		m, err := Fit(c.Y, Options{Period: c.Period, Damped: c.Damped, Params: &p})
		if err != nil {
			t.Fatalf("%s/%d: %v", c.Series, c.Period, err)
		}
		name := c.Series
		if !closeTo(m.Initial.Level, c.Initial.Level, rel) || !closeTo(m.Initial.Slope, c.Initial.Slope, rel) {
			t.Fatalf("%s: initial %+v, want %+v", name, m.Initial, c.Initial)
		}
		assertSlice(t, name+" initial season", m.Initial.Season, c.Initial.Season, rel)
		errs := make([]float64, len(c.Y))
		filter(m.Params, m.Initial, c.Y, errs)
		fitted := make([]float64, len(c.Y))
		for i := range errs {
			fitted[i] = c.Y[i] - errs[i]
		}
		assertSlice(t, name+" fitted", fitted, c.Fitted, rel)
		if !closeTo(m.SSE, c.SSE, rel) || !closeTo(m.Sigma2, c.Sigma2, rel) {
			t.Fatalf("%s: SSE %g σ² %g, want %g %g", name, m.SSE, m.Sigma2, c.SSE, c.Sigma2)
		}
		if _, sse := fastSSE(m.Params, m.Initial, c.Y); !closeTo(sse, c.SSE, rel) {
			t.Fatalf("%s: fastSSE %g, want %g", name, sse, c.SSE)
		}
		if !closeTo(m.State.Level, c.Final.Level, rel) || !closeTo(m.State.Slope, c.Final.Slope, rel) {
			t.Fatalf("%s: final %+v, want %+v", name, m.State, c.Final)
		}
		assertSlice(t, name+" final season", m.State.Season, c.Final.Season, rel)
		assertSlice(t, name+" sd", m.stdErrors(len(c.Points)), c.SD, rel)
		for _, level := range []float64{0.8, 0.95} {
			f, err := m.Forecast(len(c.Points), level)
			if err != nil {
				t.Fatal(err)
			}
			b := c.Bounds[map[float64]string{0.8: "0.8", 0.95: "0.95"}[level]]
			assertSlice(t, name+" points", f.Point, c.Points, rel)
			assertSlice(t, name+" lower", f.Lower, b.Lower, rel)
			assertSlice(t, name+" upper", f.Upper, b.Upper, rel)
		}
	}
}

// TestModelUpdateMatchesFilter: fitting on a prefix and feeding the rest
// with Update ends in the same state as filtering the whole series.
func TestModelUpdateMatchesFilter(t *testing.T) {
	var cases []hwCase
	loadJSON(t, "holtwinters_reference.json", &cases)
	c := cases[1]
	p := c.Params
	m, err := Fit(c.Y[:60], Options{Period: c.Period, Damped: c.Damped, Params: &p})
	if err != nil {
		t.Fatal(err)
	}
	m.Initial = initialState(c.Y, c.Period) // the reference initialises on the full series
	m.State, _ = filter(m.Params, m.Initial, c.Y[:60], nil)
	for _, v := range c.Y[60:] {
		if err := m.Update(v); err != nil {
			t.Fatal(err)
		}
	}
	if !closeTo(m.State.Level, c.Final.Level, 1e-9) {
		t.Fatalf("level %g, want %g", m.State.Level, c.Final.Level)
	}
	assertSlice(t, "season", m.State.Season, c.Final.Season, 1e-9)
	assertFieldError(t, m.Update(math.NaN()), "y")
}

func TestACFReference(t *testing.T) {
	var ref struct{ Y, ACF []float64 }
	loadJSON(t, "acf_reference.json", &ref)
	got, err := ACF(ref.Y, 30)
	if err != nil {
		t.Fatal(err)
	}
	assertSlice(t, "acf", got, ref.ACF, 1e-12)
	_, err = ACF([]float64{2, 2, 2}, 1)
	assertFieldError(t, err, "y")
}

func TestMetricsReference(t *testing.T) {
	var ref struct {
		Train, Actual, Pred []float64
		MAE, RMSE           float64
		MASE                map[string]float64
	}
	loadJSON(t, "metrics_reference.json", &ref)
	mae, _ := MAE(ref.Actual, ref.Pred)
	rmse, _ := RMSE(ref.Actual, ref.Pred)
	if !closeTo(mae, ref.MAE, 1e-15) || !closeTo(rmse, ref.RMSE, 1e-15) {
		t.Fatalf("MAE %g RMSE %g, want %g %g", mae, rmse, ref.MAE, ref.RMSE)
	}
	for _, m := range []int{1, 2, 4} {
		got, err := MASE(ref.Actual, ref.Pred, ref.Train, m)
		want := ref.MASE[map[int]string{1: "1", 2: "2", 4: "4"}[m]]
		if err != nil || !closeTo(got, want, 1e-15) {
			t.Fatalf("MASE m=%d: %g, want %g (%v)", m, got, want, err)
		}
	}
	_, err := MAE([]float64{1, 2}, []float64{1})
	assertFieldError(t, err, "pred")
	_, err = MASE([]float64{1}, []float64{1}, []float64{3, 3, 3}, 1)
	assertFieldError(t, err, "train")
	_, err = RMSE([]float64{math.NaN()}, []float64{1})
	assertFieldError(t, err, "actual")
}
