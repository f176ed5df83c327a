// Package metrics scores supervised models: classification (confusion counts,
// F1, precision, recall, PR-AUC, ROC-AUC, Brier score, reliability tables),
// regression (RMSE, MAE, R²) and remaining-useful-life (the NASA asymmetric
// score), plus the cross-validation splitters the trainers use (plain,
// stratified and grouped K-fold). Everything is a pure function of its
// arguments; splitters are deterministic for a given seed.
package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Confusion counts the outcomes of a binary decision.
type Confusion struct {
	TP, FP, TN, FN int
}

// ConfusionAt thresholds scores (predict positive when score >= threshold)
// and counts the outcomes against labels (positive when label >= 0.5).
func ConfusionAt(labels, scores []float64, threshold float64) (Confusion, error) {
	if err := checkPair(labels, scores); err != nil {
		return Confusion{}, err
	}
	var c Confusion
	for i, y := range labels {
		pos := y >= 0.5
		pred := scores[i] >= threshold
		switch {
		case pos && pred:
			c.TP++
		case pos:
			c.FN++
		case pred:
			c.FP++
		default:
			c.TN++
		}
	}
	return c, nil
}

// Precision is TP/(TP+FP), or 0 when nothing was predicted positive.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), or 0 when there are no positives.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 2TP/(2TP+FP+FN), or 0 when
// there are neither positives nor positive predictions.
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

// Accuracy is the fraction of correct decisions.
func (c Confusion) Accuracy() float64 { return ratio(c.TP+c.TN, c.TP+c.TN+c.FP+c.FN) }

// Add returns the element-wise sum of two confusion tables.
func (c Confusion) Add(o Confusion) Confusion {
	return Confusion{TP: c.TP + o.TP, FP: c.FP + o.FP, TN: c.TN + o.TN, FN: c.FN + o.FN}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// checkPair validates two aligned slices: same non-zero length, no NaN.
func checkPair(a, b []float64) error {
	if len(a) != len(b) {
		return fmt.Errorf("metrics: length mismatch: %d labels, %d predictions", len(a), len(b))
	}
	if len(a) == 0 {
		return errors.New("metrics: no samples")
	}
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return fmt.Errorf("metrics: NaN at index %d", i)
		}
	}
	return nil
}

// RMSE is the root mean squared error of predictions against truth.
func RMSE(truth, pred []float64) (float64, error) {
	if err := checkPair(truth, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range truth {
		d := pred[i] - truth[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(truth))), nil
}

// MAE is the mean absolute error of predictions against truth.
func MAE(truth, pred []float64) (float64, error) {
	if err := checkPair(truth, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range truth {
		s += math.Abs(pred[i] - truth[i])
	}
	return s / float64(len(truth)), nil
}

// R2 is the coefficient of determination, 1 − SSE/SST; it is 0 when the truth
// is constant and the predictions are exact, and −Inf when the truth is
// constant and they are not.
func R2(truth, pred []float64) (float64, error) {
	if err := checkPair(truth, pred); err != nil {
		return 0, err
	}
	var mean float64
	for _, v := range truth {
		mean += v
	}
	mean /= float64(len(truth))
	var sse, sst float64
	for i, v := range truth {
		sse += (pred[i] - v) * (pred[i] - v)
		sst += (v - mean) * (v - mean)
	}
	if sst == 0 {
		if sse == 0 {
			return 0, nil
		}
		return math.Inf(-1), nil
	}
	return 1 - sse/sst, nil
}

// NASAScore is the asymmetric scoring function of the PHM08 challenge
// (Saxena et al. 2008): Σ exp(−d/13) − 1 for early predictions (d < 0) and
// exp(d/10) − 1 for late ones, with d = predicted − true RUL. Late predictions
// are punished more. It is a sum, so it grows with the number of units.
func NASAScore(truth, pred []float64) (float64, error) {
	if err := checkPair(truth, pred); err != nil {
		return 0, err
	}
	var s float64
	for i := range truth {
		d := pred[i] - truth[i]
		if d < 0 {
			s += math.Exp(-d/13) - 1
		} else {
			s += math.Exp(d/10) - 1
		}
	}
	return s, nil
}
