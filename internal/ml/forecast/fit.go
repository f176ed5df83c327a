package forecast

import (
	"math"

	"gonum.org/v1/gonum/optimize"

	"smartmaint"
)

// Options configures Fit. The zero value detects the period and fits an
// undamped trend.
type Options struct {
	// Period is the seasonal period in steps: 0 detects it (DetectPeriod),
	// 1 means no seasonality, ≥ 2 is used as given.
	Period int
	// MaxPeriod bounds the detection (0: n/2).
	MaxPeriod int
	// Damped adds the damping parameter φ ∈ [0.8, 0.98] to the trend.
	Damped bool
	// Params, when set, are used as given instead of being fitted
	// (Gamma is ignored without seasonality, Phi without damping).
	Params *Params
}

// Parameter bounds (the usual region for ETS models).
const (
	minSmooth = 1e-4
	maxSmooth = 0.9999
	minPhi    = 0.8
	maxPhi    = 0.98
)

// Fit fits Holt–Winters to y (finite values, evenly spaced, oldest first).
// With seasonality it needs at least two full periods; without, 4 values.
func Fit(y []float64, opts Options) (*Model, error) {
	if err := checkSeries("y", y, 4); err != nil {
		return nil, err
	}
	if opts.Period < 0 {
		return nil, smartmaint.FieldErrorf("period", "must not be negative, got %d", opts.Period)
	}
	m := &Model{Period: opts.Period, Damped: opts.Damped}
	if m.Period == 0 {
		d, err := DetectPeriod(y, PeriodOptions{MaxPeriod: opts.MaxPeriod})
		if err != nil {
			return nil, err
		}
		m.Period, m.DetectedPeriod = d.Period, true
	}
	if m.Period > 1 && len(y) < 2*m.Period {
		return nil, smartmaint.FieldErrorf("y", "needs two full periods (%d values) for period %d, got %d",
			2*m.Period, m.Period, len(y))
	}
	m.Initial = initialState(y, m.Period)
	if opts.Params != nil {
		p, err := m.checkParams(*opts.Params)
		if err != nil {
			return nil, err
		}
		m.Params = p
	} else {
		m.Params = m.optimise(y)
	}
	m.State, m.SSE = filter(m.Params, m.Initial, y, nil)
	m.N = len(y)
	m.Sigma2 = m.SSE / float64(max(1, len(y)-m.freeParams()))
	return m, nil
}

// freeParams is the number of fitted smoothing parameters.
func (m *Model) freeParams() int {
	k := 2
	if m.seasonal() {
		k++
	}
	if m.Damped {
		k++
	}
	return k
}

// checkParams validates fixed parameters and normalises the unused ones.
func (m *Model) checkParams(p Params) (Params, error) {
	in01 := func(v float64) bool { return v >= 0 && v <= 1 }
	if !in01(p.Alpha) {
		return p, smartmaint.FieldErrorf("alpha", "must be in [0, 1], got %g", p.Alpha)
	}
	if !in01(p.Beta) {
		return p, smartmaint.FieldErrorf("beta", "must be in [0, 1], got %g", p.Beta)
	}
	if !m.seasonal() {
		p.Gamma = 0
	} else if !in01(p.Gamma) {
		return p, smartmaint.FieldErrorf("gamma", "must be in [0, 1], got %g", p.Gamma)
	}
	if !m.Damped {
		p.Phi = 1
	} else if !(p.Phi > 0 && p.Phi <= 1) {
		return p, smartmaint.FieldErrorf("phi", "must be in (0, 1], got %g", p.Phi)
	}
	return p, nil
}

// initialState is the documented heuristic for ℓ₀, b₀ and s₁…sₘ.
func initialState(y []float64, period int) State {
	if period <= 1 {
		k := min(len(y), 10)
		a, b := lineFit(y[:k])
		return State{Level: a, Slope: b}
	}
	m := period
	seasons := min(len(y)/m, 4)
	means := make([]float64, seasons)
	for k := range means {
		means[k] = meanOf(y[k*m : (k+1)*m])
	}
	b0 := (means[seasons-1] - means[0]) / float64((seasons-1)*m)
	l0 := means[0] - b0*float64(m+1)/2
	season := make([]float64, m)
	for i := range m {
		var s float64
		for k := range seasons {
			t := k*m + i + 1
			s += y[t-1] - (l0 + float64(t)*b0)
		}
		season[i] = s / float64(seasons)
	}
	c := meanOf(season)
	for i := range season {
		season[i] -= c
	}
	return State{Level: l0, Slope: b0, Season: season}
}

// lineFit returns the intercept a (at t = 0) and slope b of the
// least-squares line y ≈ a + b·t through ys at t = 1…len(ys).
func lineFit(ys []float64) (float64, float64) {
	n := float64(len(ys))
	tm := (n + 1) / 2
	ym := meanOf(ys)
	var sxy, sxx float64
	for i, v := range ys {
		dt := float64(i+1) - tm
		sxy += dt * (v - ym)
		sxx += dt * dt
	}
	b := 0.0
	if sxx > 0 {
		b = sxy / sxx
	}
	return ym - b*tm, b
}

func meanOf(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// optimise minimises the one-step SSE over the free parameters.
func (m *Model) optimise(y []float64) Params {
	k := m.freeParams()
	obj := func(u []float64) float64 {
		_, sse := fastSSE(m.decode(u), m.Initial, y)
		if math.IsNaN(sse) || math.IsInf(sse, 0) {
			return math.MaxFloat64
		}
		return sse
	}
	starts := [][4]float64{{0.3, 0.05, 0.1, 0.95}, {0.7, 0.2, 0.3, 0.9}, {0.05, 0.01, 0.05, 0.85}}
	best, bestF := Params{}, math.Inf(1)
	for _, s := range starts {
		u0 := m.encode(Params{Alpha: s[0], Beta: s[1], Gamma: s[2] * (1 - s[0]), Phi: s[3]})
		res, err := optimize.Minimize(optimize.Problem{Func: obj}, u0,
			&optimize.Settings{MajorIterations: 400, FuncEvaluations: 1500,
				Converger: &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-8, Iterations: 30}},
			&optimize.NelderMead{})
		if err != nil && res == nil {
			continue
		}
		if res.F < bestF {
			best, bestF = m.decode(res.X), res.F
		}
	}
	if math.IsInf(bestF, 1) {
		return m.decode(make([]float64, k))
	}
	return best
}

// The parameter vector u is unconstrained; decode maps it into the bounds.
func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

func scaled(u, lo, hi float64) float64 { return lo + (hi-lo)*logistic(u) }

func unscaled(v, lo, hi float64) float64 {
	f := (v - lo) / (hi - lo)
	return logit(math.Min(math.Max(f, 1e-9), 1-1e-9))
}

func (m *Model) decode(u []float64) Params {
	p := Params{Alpha: scaled(u[0], minSmooth, maxSmooth), Beta: scaled(u[1], minSmooth, maxSmooth), Phi: 1}
	i := 2
	if m.seasonal() {
		p.Gamma = scaled(u[i], minSmooth, maxSmooth*(1-p.Alpha))
		i++
	}
	if m.Damped {
		p.Phi = scaled(u[i], minPhi, maxPhi)
	}
	return p
}

func (m *Model) encode(p Params) []float64 {
	u := []float64{unscaled(p.Alpha, minSmooth, maxSmooth), unscaled(p.Beta, minSmooth, maxSmooth)}
	if m.seasonal() {
		u = append(u, unscaled(p.Gamma, minSmooth, maxSmooth*(1-p.Alpha)))
	}
	if m.Damped {
		u = append(u, unscaled(p.Phi, minPhi, maxPhi))
	}
	return u
}

// fastSSE is filter with a ring buffer for the seasonal terms (no copying),
// used inside the optimiser. It returns the final level and the SSE.
func fastSSE(p Params, init State, y []float64) (float64, float64) {
	level, slope := init.Level, init.Slope
	season := append([]float64(nil), init.Season...)
	m := len(season)
	var sse float64
	pos := 0
	for _, v := range y {
		s := 0.0
		if m > 0 {
			s = season[pos]
		}
		base := level + p.Phi*slope
		e := v - base - s
		level = base + p.Alpha*e
		slope = p.Phi*slope + p.Alpha*p.Beta*e
		if m > 0 {
			season[pos] = s + p.Gamma*e
			pos++
			if pos == m {
				pos = 0
			}
		}
		sse += e * e
	}
	return level, sse
}
