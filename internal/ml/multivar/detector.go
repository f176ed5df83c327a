// Package multivar is multivariate anomaly detection for one asset: models
// trained on the recent history of several of its sensors (rows are times,
// columns are sensors) that score a new row and say which sensors contribute
// most to the score.
//
// It defines the Detector interface and the Explanation both detectors
// return, and implements a robust Mahalanobis detector (MCD): the mean and
// covariance of the healthy history estimated by the Minimum Covariance
// Determinant (FastMCD, Rousseeuw and Van Driessen 1999), so that the
// anomalies in the history do not inflate them; the score is the squared
// robust Mahalanobis distance and its exact Shapley decomposition over the
// sensors gives the contributions. The other detector, Isolation Forest, is
// in internal/ml/iforest.
//
// The two are complementary: the forest isolates with axis-parallel cuts, so
// it sees a sensor outside its usual range and copes with multi-modal normal
// behaviour, but it is blind to a broken correlation between sensors that
// each stay in range and its score saturates once a point is beyond the
// training range; the Mahalanobis distance models the correlations and keeps
// growing with the deviation, but assumes one elliptical normal mode.
package multivar

import "sort"

// Detector is a trained multivariate detector.
type Detector interface {
	// FeatureNames returns the sensor (column) names, in input order.
	FeatureNames() []string
	// Score returns the anomaly score of one row (higher is more
	// anomalous); NaN when the row holds a NaN.
	Score(x []float64) float64
	// Explain scores one row, decides against the detector's threshold and
	// attributes the score to the sensors.
	Explain(x []float64) (Explanation, error)
}

// Explanation is a scored row with its per-sensor attribution.
type Explanation struct {
	Score     float64 `json:"score"`
	Threshold float64 `json:"threshold"`
	Anomalous bool    `json:"anomalous"` // Score > Threshold
	// Contributions has one entry per sensor, largest Value first.
	Contributions []Contribution `json:"contributions"`
}

// Contribution is one sensor's part in a score.
type Contribution struct {
	Feature string `json:"feature"`
	Index   int    `json:"index"` // column in the input row
	// Value is in the detector's own units (bits of isolation for the
	// forest, a part of the squared distance for Mahalanobis).
	Value float64 `json:"value"`
	// Share is Value divided by the sum of all Values (the values add up
	// to the whole), so shares sum to 1.
	Share float64 `json:"share"`
}

// Top returns the k largest contributions (all when k ≤ 0 or k exceeds the
// count).
func (e Explanation) Top(k int) []Contribution {
	if k <= 0 || k > len(e.Contributions) {
		k = len(e.Contributions)
	}
	return e.Contributions[:k]
}

// NewContributions builds sorted contributions from per-feature values, the
// shares dividing by total (0 shares when total is 0).
func NewContributions(names []string, values []float64, total float64) []Contribution {
	cs := make([]Contribution, len(values))
	for i, v := range values {
		share := 0.0
		if total != 0 {
			share = v / total
		}
		cs[i] = Contribution{Feature: names[i], Index: i, Value: v, Share: share}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].Value > cs[b].Value })
	return cs
}
