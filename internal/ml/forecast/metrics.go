package forecast

import (
	"math"

	"smartmaint"
)

// MAE is the mean absolute error of pred against actual.
func MAE(actual, pred []float64) (float64, error) {
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range actual {
		s += math.Abs(actual[i] - pred[i])
	}
	return s / float64(len(actual)), nil
}

// RMSE is the root mean squared error of pred against actual.
func RMSE(actual, pred []float64) (float64, error) {
	if err := checkPair(actual, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range actual {
		d := actual[i] - pred[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(actual))), nil
}

// MASEScale is the denominator of MASE (Hyndman & Koehler 2006): the
// in-sample mean absolute error of the one-step naive forecast on train, at
// lag period for seasonal data (period ≥ 2) and lag 1 otherwise.
func MASEScale(train []float64, period int) (float64, error) {
	lag := max(period, 1)
	if err := checkSeries("train", train, lag+1); err != nil {
		return 0, err
	}
	scale := lagMeanAbs(train, lag)
	if scale == 0 {
		return 0, smartmaint.FieldErrorf("train", "naive in-sample error at lag %d is zero; MASE is undefined", lag)
	}
	return scale, nil
}

// MASE is the mean absolute scaled error: MAE(actual, pred) / MASEScale(train,
// period). Below 1 the forecast beats the in-sample (seasonal) naive method.
func MASE(actual, pred, train []float64, period int) (float64, error) {
	mae, err := MAE(actual, pred)
	if err != nil {
		return 0, err
	}
	scale, err := MASEScale(train, period)
	if err != nil {
		return 0, err
	}
	return mae / scale, nil
}

func checkPair(actual, pred []float64) error {
	if len(actual) != len(pred) {
		return smartmaint.FieldErrorf("pred", "has %d values, actual has %d", len(pred), len(actual))
	}
	if err := checkSeries("actual", actual, 1); err != nil {
		return err
	}
	return checkSeries("pred", pred, 1)
}
