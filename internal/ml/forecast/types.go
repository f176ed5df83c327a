package forecast

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"smartmaint"
)

// Method names used in Forecast.Method and in comparisons.
const (
	MethodHoltWinters   = "holt-winters"
	MethodNaive         = "naive"
	MethodSeasonalNaive = "seasonal-naive"
)

// DefaultLevel is the default coverage of prediction intervals.
const DefaultLevel = 0.95

// Forecast holds forecasts for steps 1…H after the last observation:
// Point[k] is the forecast k+1 steps ahead, Lower[k] and Upper[k] the
// bounds of the central prediction interval with coverage Level.
type Forecast struct {
	Method string    `json:"method"`
	Level  float64   `json:"level"`
	Point  []float64 `json:"point"`
	Lower  []float64 `json:"lower"`
	Upper  []float64 `json:"upper"`
}

// Horizon returns the number of forecast steps.
func (f Forecast) Horizon() int { return len(f.Point) }

// setIntervals fills Lower and Upper as Point ± z·σₖ (Gaussian).
func (f *Forecast) setIntervals(sigma []float64, level float64) {
	z := distuv.UnitNormal.Quantile(0.5 + level/2)
	f.Lower = make([]float64, len(f.Point))
	f.Upper = make([]float64, len(f.Point))
	for k, p := range f.Point {
		f.Lower[k] = p - z*sigma[k]
		f.Upper[k] = p + z*sigma[k]
	}
}

// checkHorizon validates a forecast horizon and interval level.
func checkHorizon(h int, level float64) error {
	if h < 1 {
		return smartmaint.FieldErrorf("horizon", "must be at least 1, got %d", h)
	}
	if !(level > 0 && level < 1) {
		return smartmaint.FieldErrorf("level", "must be in (0, 1), got %g", level)
	}
	return nil
}

// checkSeries rejects a series with non-finite values or fewer than min.
func checkSeries(field string, y []float64, min int) error {
	if len(y) < min {
		return smartmaint.FieldErrorf(field, "needs at least %d values, got %d", min, len(y))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return smartmaint.FieldErrorf(field, "value at index %d is not finite (%g)", i, v)
		}
	}
	return nil
}
