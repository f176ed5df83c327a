package tree

import (
	"fmt"
	"math"
)

// GainImportance returns, per feature, the total loss reduction of the splits
// on it, normalised to sum to 1 (all zeros for a model without splits).
func GainImportance(m *Model) []float64 {
	imp := make([]float64, m.NumFeatures)
	var total float64
	for _, t := range m.Trees {
		for _, n := range t.Nodes {
			if !n.IsLeaf() {
				imp[n.Feature] += n.Gain
				total += n.Gain
			}
		}
	}
	if total > 0 {
		for f := range imp {
			imp[f] /= total
		}
	}
	return imp
}

// MeanAbsSHAP returns, per feature, the mean absolute SHAP contribution over
// the rows of x (in raw-output units), the global importance that agrees
// with the per-row explanations.
func MeanAbsSHAP(m *Model, x Matrix) ([]float64, error) {
	if x.Cols != m.NumFeatures {
		return nil, fmt.Errorf("tree: input has %d features, model %d", x.Cols, m.NumFeatures)
	}
	if x.Rows == 0 {
		return nil, fmt.Errorf("tree: no rows to explain")
	}
	e := NewExplainer(m)
	imp := make([]float64, m.NumFeatures)
	for i := 0; i < x.Rows; i++ {
		phi, err := e.SHAP(x.Row(i))
		if err != nil {
			return nil, err
		}
		for f, v := range phi {
			imp[f] += math.Abs(v)
		}
	}
	for f := range imp {
		imp[f] /= float64(x.Rows)
	}
	return imp, nil
}
