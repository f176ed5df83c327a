package forecast

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"smartmaint"
)

// CompareOptions configures Compare.
type CompareOptions struct {
	// Horizons are the forecast steps evaluated (default 1, 12, 48).
	Horizons []int
	// Train is the number of leading values used to fit the models, detect
	// the period and scale MASE (default two thirds of the series).
	Train int
	// Step is the distance between successive forecast origins (default 1).
	Step int
	// Period, MaxPeriod, Damped are passed to Fit (Period 0 detects the
	// period on the training part only).
	Period    int
	MaxPeriod int
	Damped    bool
	// Level is the prediction-interval level whose coverage is reported
	// (default DefaultLevel).
	Level float64
}

// Score is the accuracy of one method at one horizon.
type Score struct {
	Method  string  `json:"method"`
	Horizon int     `json:"horizon"`
	N       int     `json:"n"` // number of forecasts evaluated
	MAE     float64 `json:"mae"`
	RMSE    float64 `json:"rmse"`
	MASE    float64 `json:"mase"`
	// Coverage is the fraction of actual values inside the method's
	// prediction interval at Level.
	Coverage float64 `json:"coverage"`
}

// Comparison is the outcome of Compare.
type Comparison struct {
	Period         int     `json:"period"`
	DetectedPeriod bool    `json:"detected_period"`
	Params         Params  `json:"params"`
	Train          int     `json:"train"`
	Origins        int     `json:"origins"`
	FirstOrigin    int     `json:"first_origin"`
	LastOrigin     int     `json:"last_origin"`
	ScaleLag       int     `json:"scale_lag"`
	Scale          float64 `json:"scale"`
	Level          float64 `json:"level"`
	Scores         []Score `json:"scores"`
}

// Compare evaluates Holt–Winters, naive and seasonal-naive forecasts on the
// values after the training part, on a rolling origin: at every origin t
// (t = Train, Train+Step, …, n − max horizon) each method forecasts from
// y[:t] only, and all methods are scored on the same targets y[t−1+h] at the
// same horizon h. Holt–Winters parameters are fitted once on the training
// part; its state is then updated with each new value (no refitting, no look
// ahead). MASE is scaled by the training part's in-sample (seasonal) naive
// MAE, at lag Period when seasonal and lag 1 otherwise.
func Compare(y []float64, opts CompareOptions) (Comparison, error) {
	o, err := opts.withDefaults(len(y))
	if err != nil {
		return Comparison{}, err
	}
	if err := checkSeries("y", y, 8); err != nil {
		return Comparison{}, err
	}
	maxH := slices.Max(o.Horizons)
	if o.Train+maxH > len(y) {
		return Comparison{}, smartmaint.FieldErrorf("horizons",
			"train (%d) + largest horizon (%d) exceeds the series (%d values)", o.Train, maxH, len(y))
	}
	model, err := Fit(y[:o.Train], Options{Period: o.Period, MaxPeriod: o.MaxPeriod, Damped: o.Damped})
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Period: model.Period, DetectedPeriod: model.DetectedPeriod, Params: model.Params,
		Train: o.Train, ScaleLag: max(model.Period, 1), Level: o.Level}
	if c.Scale, err = MASEScale(y[:o.Train], model.Period); err != nil {
		return Comparison{}, err
	}
	acc := newAccumulators(o.Horizons)
	ev := newEvaluator(y, model, o)
	for t := o.Train; t+maxH <= len(y); t += o.Step {
		ev.advanceTo(t)
		ev.score(t, acc)
		if c.Origins == 0 {
			c.FirstOrigin = t
		}
		c.LastOrigin = t
		c.Origins++
	}
	c.Scores = acc.scores(c.Scale)
	return c, nil
}

func (o CompareOptions) withDefaults(n int) (CompareOptions, error) {
	if len(o.Horizons) == 0 {
		o.Horizons = []int{1, 12, 48}
	}
	for _, h := range o.Horizons {
		if h < 1 {
			return o, smartmaint.FieldErrorf("horizons", "must be at least 1, got %d", h)
		}
	}
	if o.Train == 0 {
		o.Train = 2 * n / 3
	}
	if o.Step == 0 {
		o.Step = 1
	}
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	if o.Train < 4 || o.Train > n {
		return o, smartmaint.FieldErrorf("train", "must be in [4, %d], got %d", n, o.Train)
	}
	if o.Step < 1 {
		return o, smartmaint.FieldErrorf("step", "must be at least 1, got %d", o.Step)
	}
	if !(o.Level > 0 && o.Level < 1) {
		return o, smartmaint.FieldErrorf("level", "must be in (0, 1), got %g", o.Level)
	}
	return o, nil
}

// evaluator produces the three methods' forecasts at successive origins.
type evaluator struct {
	y        []float64
	model    *Model
	seen     int // values the model state has absorbed
	period   int
	hwSD     []float64
	naiveSD  float64
	seasSD   float64
	z        float64
	horizons []int
}

func newEvaluator(y []float64, m *Model, o CompareOptions) *evaluator {
	train := y[:o.Train]
	ev := &evaluator{y: y, model: m, seen: o.Train, period: max(m.Period, 1), horizons: o.Horizons,
		hwSD: m.stdErrors(slices.Max(o.Horizons)), z: distuv.UnitNormal.Quantile(0.5 + o.Level/2)}
	ev.naiveSD = math.Sqrt(lagMeanSquare(train, 1))
	ev.seasSD = math.Sqrt(lagMeanSquare(train, ev.period))
	return ev
}

// advanceTo feeds the model the values it has not seen before origin t.
func (ev *evaluator) advanceTo(t int) {
	for ; ev.seen < t; ev.seen++ {
		step(ev.model.Params, &ev.model.State, ev.y[ev.seen])
	}
}

// score adds the errors of all methods at origin t.
func (ev *evaluator) score(t int, acc *accumulators) {
	hw := ev.model.points(ev.model.State, slices.Max(ev.horizons))
	last := ev.y[t-1]
	for i, h := range ev.horizons {
		actual := ev.y[t-1+h]
		k := float64((h-1)/ev.period + 1)
		acc.add(0, i, actual, hw[h-1], ev.z*ev.hwSD[h-1])
		acc.add(1, i, actual, last, ev.z*ev.naiveSD*math.Sqrt(float64(h)))
		acc.add(2, i, actual, seasonalNaivePoint(ev.y, t, ev.period, h), ev.z*ev.seasSD*math.Sqrt(k))
	}
}

var compareMethods = []string{MethodHoltWinters, MethodNaive, MethodSeasonalNaive}

// accumulators sums errors per method (row) and horizon (column).
type accumulators struct {
	horizons        []int
	abs, sq, inside [3][]float64
	n               []int
}

func newAccumulators(horizons []int) *accumulators {
	a := &accumulators{horizons: horizons, n: make([]int, len(horizons))}
	for m := range 3 {
		a.abs[m] = make([]float64, len(horizons))
		a.sq[m] = make([]float64, len(horizons))
		a.inside[m] = make([]float64, len(horizons))
	}
	return a
}

func (a *accumulators) add(method, h int, actual, pred, halfWidth float64) {
	e := actual - pred
	a.abs[method][h] += math.Abs(e)
	a.sq[method][h] += e * e
	if math.Abs(e) <= halfWidth {
		a.inside[method][h]++
	}
	if method == 0 {
		a.n[h]++
	}
}

func (a *accumulators) scores(scale float64) []Score {
	var out []Score
	for i, h := range a.horizons {
		n := float64(a.n[i])
		for m, name := range compareMethods {
			mae := a.abs[m][i] / n
			out = append(out, Score{Method: name, Horizon: h, N: a.n[i], MAE: mae,
				RMSE: math.Sqrt(a.sq[m][i] / n), MASE: mae / scale, Coverage: a.inside[m][i] / n})
		}
	}
	return out
}
