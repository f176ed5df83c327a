package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// order returns the indices of scores sorted by decreasing score; ties keep
// index order so the result is deterministic.
func order(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}

func countPositives(labels []float64) int {
	n := 0
	for _, y := range labels {
		if y >= 0.5 {
			n++
		}
	}
	return n
}

// PRAUC is the area under the precision–recall curve computed as average
// precision: Σ (R_k − R_{k−1}) · P_k over the distinct score thresholds, the
// step-wise estimator that does not interpolate optimistically. Tied scores
// form one threshold. It is an error when there are no positives.
func PRAUC(labels, scores []float64) (float64, error) {
	if err := checkPair(labels, scores); err != nil {
		return 0, err
	}
	pos := countPositives(labels)
	if pos == 0 {
		return 0, errors.New("metrics: PR-AUC needs at least one positive label")
	}
	idx := order(scores)
	var ap, prevRecall float64
	tp, fp := 0, 0
	for k := 0; k < len(idx); k++ {
		if labels[idx[k]] >= 0.5 {
			tp++
		} else {
			fp++
		}
		if k+1 < len(idx) && scores[idx[k+1]] == scores[idx[k]] {
			continue
		}
		recall := float64(tp) / float64(pos)
		precision := float64(tp) / float64(tp+fp)
		ap += (recall - prevRecall) * precision
		prevRecall = recall
	}
	return ap, nil
}

// ROCAUC is the area under the ROC curve, the probability that a random
// positive scores above a random negative (ties count one half). It is an
// error when either class is missing.
func ROCAUC(labels, scores []float64) (float64, error) {
	if err := checkPair(labels, scores); err != nil {
		return 0, err
	}
	pos := countPositives(labels)
	neg := len(labels) - pos
	if pos == 0 || neg == 0 {
		return 0, fmt.Errorf("metrics: ROC-AUC needs both classes (%d positive, %d negative)", pos, neg)
	}
	idx := order(scores)
	// Walk groups of tied scores from the top; each negative in a group
	// beats the positives seen below it.
	var auc float64
	tpAbove := 0
	for k := 0; k < len(idx); {
		j := k
		gp, gn := 0, 0
		for j < len(idx) && scores[idx[j]] == scores[idx[k]] {
			if labels[idx[j]] >= 0.5 {
				gp++
			} else {
				gn++
			}
			j++
		}
		auc += float64(gn) * (float64(tpAbove) + 0.5*float64(gp))
		tpAbove += gp
		k = j
	}
	return auc / (float64(pos) * float64(neg)), nil
}

// Brier is the mean squared difference between predicted probabilities and
// the 0/1 outcomes. Probabilities outside [0, 1] are an error.
func Brier(labels, probs []float64) (float64, error) {
	if err := checkPair(labels, probs); err != nil {
		return 0, err
	}
	var s float64
	for i, p := range probs {
		if p < 0 || p > 1 {
			return 0, fmt.Errorf("metrics: probability %g at index %d is outside [0, 1]", p, i)
		}
		y := 0.0
		if labels[i] >= 0.5 {
			y = 1
		}
		s += (p - y) * (p - y)
	}
	return s / float64(len(probs)), nil
}

// LogLoss is the mean negative log-likelihood of the 0/1 outcomes, with
// probabilities clipped to [1e-15, 1−1e-15].
func LogLoss(labels, probs []float64) (float64, error) {
	if err := checkPair(labels, probs); err != nil {
		return 0, err
	}
	var s float64
	for i, p := range probs {
		p = math.Min(math.Max(p, 1e-15), 1-1e-15)
		if labels[i] >= 0.5 {
			s -= math.Log(p)
		} else {
			s -= math.Log(1 - p)
		}
	}
	return s / float64(len(probs)), nil
}

// Bin is one row of a reliability table.
type Bin struct {
	Lo, Hi    float64 // the probability range [Lo, Hi) (the last bin includes 1)
	Count     int     // samples whose predicted probability falls in the bin
	MeanPred  float64 // their mean predicted probability
	Frequency float64 // the observed fraction of positives among them
}

// Reliability groups predicted probabilities into n equal-width bins and
// compares the mean prediction with the observed frequency in each; empty
// bins are kept with Count 0. It also returns the expected calibration error,
// Σ count/N · |frequency − mean prediction|.
func Reliability(labels, probs []float64, n int) ([]Bin, float64, error) {
	if err := checkPair(labels, probs); err != nil {
		return nil, 0, err
	}
	if n < 1 {
		return nil, 0, fmt.Errorf("metrics: reliability needs at least one bin, got %d", n)
	}
	bins := make([]Bin, n)
	pos := make([]float64, n)
	for b := range bins {
		bins[b].Lo = float64(b) / float64(n)
		bins[b].Hi = float64(b+1) / float64(n)
	}
	for i, p := range probs {
		if p < 0 || p > 1 {
			return nil, 0, fmt.Errorf("metrics: probability %g at index %d is outside [0, 1]", p, i)
		}
		b := min(int(p*float64(n)), n-1)
		bins[b].Count++
		bins[b].MeanPred += p
		if labels[i] >= 0.5 {
			pos[b]++
		}
	}
	var ece float64
	for b := range bins {
		if bins[b].Count == 0 {
			continue
		}
		c := float64(bins[b].Count)
		bins[b].MeanPred /= c
		bins[b].Frequency = pos[b] / c
		ece += c / float64(len(probs)) * math.Abs(bins[b].Frequency-bins[b].MeanPred)
	}
	return bins, ece, nil
}

// BestF1Threshold returns the decision threshold that maximises F1 when a
// sample is called positive at score >= threshold, and that F1. The threshold
// is placed halfway between the lowest score called positive and the next
// lower distinct score, so that it does not sit on a training score. Ties in
// F1 keep the higher threshold. With no positives it returns +Inf and 0.
func BestF1Threshold(labels, scores []float64) (float64, float64, error) {
	if err := checkPair(labels, scores); err != nil {
		return 0, 0, err
	}
	pos := countPositives(labels)
	if pos == 0 {
		return math.Inf(1), 0, nil
	}
	idx := order(scores)
	best, bestF1 := math.Inf(1), -1.0
	tp, fp := 0, 0
	for k := 0; k < len(idx); k++ {
		if labels[idx[k]] >= 0.5 {
			tp++
		} else {
			fp++
		}
		if k+1 < len(idx) && scores[idx[k+1]] == scores[idx[k]] {
			continue
		}
		f1 := 2 * float64(tp) / float64(2*tp+fp+(pos-tp))
		if f1 > bestF1 {
			bestF1 = f1
			s := scores[idx[k]]
			if k+1 < len(idx) {
				best = midpoint(scores[idx[k+1]], s)
			} else {
				best = s
			}
		}
	}
	return best, bestF1, nil
}

// midpoint returns a value in (lo, hi] halfway between lo and hi.
func midpoint(lo, hi float64) float64 {
	m := lo + (hi-lo)/2
	if m <= lo {
		return hi
	}
	return m
}
