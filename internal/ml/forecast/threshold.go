package forecast

import (
	"math"

	"smartmaint"
)

// Direction says on which side of a limit the failure region lies.
type Direction string

// Directions.
const (
	Above Direction = "above" // crossing means reaching or exceeding the limit
	Below Direction = "below" // crossing means reaching or falling under it
)

// NotWithinHorizon is the step reported when no crossing happens within the
// forecast horizon.
const NotWithinHorizon = 0

// Crossing is the answer of TimeToThreshold. Steps are 1-based forecast
// steps; NotWithinHorizon (0) means the forecast never crosses.
type Crossing struct {
	Limit     float64   `json:"limit"`
	Direction Direction `json:"direction"`
	Horizon   int       `json:"horizon"`
	Level     float64   `json:"level"`
	// Step is the first step at which the point forecast crosses.
	Step int `json:"step"`
	// Earliest is the first step at which the interval bound nearer the
	// limit crosses (the upper bound for Above): from then on a crossing is
	// plausible at the interval's level.
	Earliest int `json:"earliest"`
	// Latest is the first step at which even the far bound crosses (the
	// lower bound for Above): by then a crossing is expected at the level.
	Latest int `json:"latest"`
	// WithinHorizon reports whether the point forecast crosses (Step > 0).
	WithinHorizon bool `json:"within_horizon"`
}

// TimeToThreshold finds when forecast f crosses limit in direction dir.
func TimeToThreshold(f Forecast, limit float64, dir Direction) (Crossing, error) {
	if math.IsNaN(limit) || math.IsInf(limit, 0) {
		return Crossing{}, smartmaint.FieldErrorf("limit", "must be finite, got %g", limit)
	}
	if dir != Above && dir != Below {
		return Crossing{}, smartmaint.FieldErrorf("direction", "must be above or below, got %q", string(dir))
	}
	h := len(f.Point)
	if h == 0 {
		return Crossing{}, smartmaint.FieldErrorf("forecast", "has no steps")
	}
	if len(f.Lower) != h || len(f.Upper) != h {
		return Crossing{}, smartmaint.FieldErrorf("forecast", "bounds have %d and %d steps, point has %d",
			len(f.Lower), len(f.Upper), h)
	}
	near, far := f.Upper, f.Lower
	if dir == Below {
		near, far = f.Lower, f.Upper
	}
	c := Crossing{Limit: limit, Direction: dir, Horizon: h, Level: f.Level,
		Step: firstCrossing(f.Point, limit, dir), Earliest: firstCrossing(near, limit, dir),
		Latest: firstCrossing(far, limit, dir)}
	c.WithinHorizon = c.Step != NotWithinHorizon
	return c, nil
}

// firstCrossing returns the 1-based index of the first value of xs on the
// failure side of limit, or NotWithinHorizon.
func firstCrossing(xs []float64, limit float64, dir Direction) int {
	for i, v := range xs {
		if (dir == Above && v >= limit) || (dir == Below && v <= limit) {
			return i + 1
		}
	}
	return NotWithinHorizon
}
