package forecast

import (
	"math"

	"smartmaint"
)

// Naive forecasts the last value for every step. The interval at step h is
// ±z·σ√h, σ² being the mean squared one-step difference of y (the random
// walk model, FPP §5.5).
func Naive(y []float64, h int, level float64) (Forecast, error) {
	if err := checkSeries("y", y, 2); err != nil {
		return Forecast{}, err
	}
	if err := checkHorizon(h, level); err != nil {
		return Forecast{}, err
	}
	sigma := math.Sqrt(lagMeanSquare(y, 1))
	f := Forecast{Method: MethodNaive, Level: level, Point: make([]float64, h)}
	sd := make([]float64, h)
	for k := range h {
		f.Point[k] = y[len(y)-1]
		sd[k] = sigma * math.Sqrt(float64(k+1))
	}
	f.setIntervals(sd, level)
	return f, nil
}

// SeasonalNaive forecasts, for step h, the last observed value of the same
// season: y[T+h−m(k+1)] with k = ⌊(h−1)/m⌋. The interval is ±z·σ√(k+1), σ²
// being the mean squared difference of y at lag m (FPP §5.5). It needs at
// least one full period plus one value.
func SeasonalNaive(y []float64, period, h int, level float64) (Forecast, error) {
	if period < 1 {
		return Forecast{}, smartmaint.FieldErrorf("period", "must be at least 1, got %d", period)
	}
	if err := checkSeries("y", y, period+1); err != nil {
		return Forecast{}, err
	}
	if err := checkHorizon(h, level); err != nil {
		return Forecast{}, err
	}
	sigma := math.Sqrt(lagMeanSquare(y, period))
	f := Forecast{Method: MethodSeasonalNaive, Level: level, Point: make([]float64, h)}
	sd := make([]float64, h)
	for k := range h {
		f.Point[k] = seasonalNaivePoint(y, len(y), period, k+1)
		sd[k] = sigma * math.Sqrt(float64(k/period+1))
	}
	f.setIntervals(sd, level)
	return f, nil
}

// seasonalNaivePoint is the seasonal-naive forecast h steps after the first
// t values of y.
func seasonalNaivePoint(y []float64, t, period, h int) float64 {
	k := (h - 1) / period
	return y[t-1+h-period*(k+1)]
}

// lagMeanSquare is the mean of (y[t] − y[t−lag])².
func lagMeanSquare(y []float64, lag int) float64 {
	var s float64
	for t := lag; t < len(y); t++ {
		d := y[t] - y[t-lag]
		s += d * d
	}
	return s / float64(len(y)-lag)
}

// lagMeanAbs is the mean of |y[t] − y[t−lag]|, the in-sample MAE of the
// (seasonal) naive one-step forecast.
func lagMeanAbs(y []float64, lag int) float64 {
	var s float64
	for t := lag; t < len(y); t++ {
		s += math.Abs(y[t] - y[t-lag])
	}
	return s / float64(len(y)-lag)
}
