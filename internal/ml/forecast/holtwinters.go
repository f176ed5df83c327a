package forecast

import (
	"math"

	"smartmaint"
)

// Params are the smoothing parameters of Holt–Winters in component form.
type Params struct {
	Alpha float64 `json:"alpha"` // level
	Beta  float64 `json:"beta"`  // trend (β* of the component form)
	Gamma float64 `json:"gamma"` // seasonality (0 without seasonality)
	Phi   float64 `json:"phi"`   // damping (1 for an undamped trend)
}

// State is the level, trend and the next Period seasonal terms (Season[k]
// applies k+1 steps ahead) after the last observation.
type State struct {
	Level  float64   `json:"level"`
	Slope  float64   `json:"slope"`
	Season []float64 `json:"season,omitempty"`
}

func (s State) clone() State {
	s.Season = append([]float64(nil), s.Season...)
	return s
}

// Model is a fitted Holt–Winters model. It is plain data: it can be stored
// as JSON and advanced with Update as new values arrive.
type Model struct {
	Params  Params `json:"params"`
	Period  int    `json:"period"` // 1 means no seasonality
	Damped  bool   `json:"damped"`
	Initial State  `json:"initial"`
	State   State  `json:"state"`
	// N is the number of values the model has filtered, SSE the sum of their
	// squared one-step errors, Sigma2 the residual variance used for the
	// intervals (estimated at fit time).
	N      int     `json:"n"`
	SSE    float64 `json:"sse"`
	Sigma2 float64 `json:"sigma2"`
	// DetectedPeriod reports whether Period was found by DetectPeriod.
	DetectedPeriod bool `json:"detected_period"`
}

// seasonal reports whether the model has a seasonal component.
func (m *Model) seasonal() bool { return m.Period > 1 }

// step applies one observation y to state s and returns the one-step error.
func step(p Params, s *State, y float64) float64 {
	season := 0.0
	if len(s.Season) > 0 {
		season = s.Season[0]
	}
	pred := s.Level + p.Phi*s.Slope + season
	e := y - pred
	s.Level = s.Level + p.Phi*s.Slope + p.Alpha*e
	s.Slope = p.Phi*s.Slope + p.Alpha*p.Beta*e
	if len(s.Season) > 0 {
		copy(s.Season, s.Season[1:])
		s.Season[len(s.Season)-1] = season + p.Gamma*e
	}
	return e
}

// Update advances the model state by one observed value (the parameters
// stay as fitted). A non-finite y is rejected.
func (m *Model) Update(y float64) error {
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return smartmaint.FieldErrorf("y", "value %g is not finite", y)
	}
	e := step(m.Params, &m.State, y)
	m.N++
	m.SSE += e * e
	return nil
}

// Forecast returns point forecasts and prediction intervals at the given
// level (e.g. 0.95) for steps 1…h after the last observation.
func (m *Model) Forecast(h int, level float64) (Forecast, error) {
	if err := checkHorizon(h, level); err != nil {
		return Forecast{}, err
	}
	f := Forecast{Method: MethodHoltWinters, Level: level, Point: m.points(m.State, h)}
	f.setIntervals(m.stdErrors(h), level)
	return f, nil
}

// points returns the point forecasts for steps 1…h from state s.
func (m *Model) points(s State, h int) []float64 {
	out := make([]float64, h)
	phiSum := 0.0
	phiPow := 1.0
	for k := 1; k <= h; k++ {
		phiPow *= m.Params.Phi
		phiSum += phiPow
		v := s.Level + phiSum*s.Slope
		if len(s.Season) > 0 {
			v += s.Season[(k-1)%len(s.Season)]
		}
		out[k-1] = v
	}
	return out
}

// stdErrors returns σₕ for steps 1…h (ETS(A,Ad,A) analytic variance).
func (m *Model) stdErrors(h int) []float64 {
	p := m.Params
	out := make([]float64, h)
	acc := 1.0 // 1 + Σ c_j² for j < k
	phiSum, phiPow := 0.0, 1.0
	for k := 1; k <= h; k++ {
		out[k-1] = math.Sqrt(m.Sigma2 * acc)
		phiPow *= p.Phi
		phiSum += phiPow
		c := p.Alpha + p.Alpha*p.Beta*phiSum
		if m.seasonal() && k%m.Period == 0 {
			c += p.Gamma
		}
		acc += c * c
	}
	return out
}

// filter runs the recursions over y from init and returns the final state
// and the sum of squared one-step errors. The fitted value at t is y[t] minus
// the error; errs, when non-nil, receives the errors.
func filter(p Params, init State, y []float64, errs []float64) (State, float64) {
	s := init.clone()
	var sse float64
	for t, v := range y {
		e := step(p, &s, v)
		sse += e * e
		if errs != nil {
			errs[t] = e
		}
	}
	return s, sse
}
