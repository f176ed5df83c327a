package tree

import (
	"fmt"
	"math"
)

// Node is one node of a tree. A leaf has Feature −1.
type Node struct {
	// Feature is the index of the split feature, or −1 for a leaf.
	Feature int
	// Threshold: a value x goes left when x <= Threshold.
	Threshold float64
	// DefaultLeft says where a missing value (NaN) goes.
	DefaultLeft bool
	// Left and Right are child node indices (internal nodes only).
	Left, Right int
	// Value is the leaf's contribution to the raw output (for an internal
	// node, the value it would have as a leaf, for reference).
	Value float64
	// Cover is the number of training samples that reached the node; it
	// weighs the branches in TreeSHAP.
	Cover float64
	// Gain is the reduction of the training loss brought by the split.
	Gain float64
}

// IsLeaf reports whether the node is a leaf.
func (n *Node) IsLeaf() bool { return n.Feature < 0 }

// Tree is a binary decision tree; node 0 is the root.
type Tree struct {
	Nodes []Node
}

// next returns the child of internal node n that x goes to.
func (n *Node) next(x []float64) int {
	v := x[n.Feature]
	if v != v {
		if n.DefaultLeft {
			return n.Left
		}
		return n.Right
	}
	if v <= n.Threshold {
		return n.Left
	}
	return n.Right
}

// Predict returns the value of the leaf x falls in.
func (t *Tree) Predict(x []float64) float64 {
	i := 0
	for {
		n := &t.Nodes[i]
		if n.Feature < 0 {
			return n.Value
		}
		i = n.next(x)
	}
}

// Depth returns the number of edges on the longest root-to-leaf path.
func (t *Tree) Depth() int {
	var walk func(i int) int
	walk = func(i int) int {
		n := &t.Nodes[i]
		if n.IsLeaf() {
			return 0
		}
		return 1 + max(walk(n.Left), walk(n.Right))
	}
	return walk(0)
}

// ExpectedValue is the cover-weighted mean of the leaf values, the tree's
// average output over its training samples.
func (t *Tree) ExpectedValue() float64 {
	var walk func(i int) float64
	walk = func(i int) float64 {
		n := &t.Nodes[i]
		if n.IsLeaf() {
			return n.Value
		}
		l, r := &t.Nodes[n.Left], &t.Nodes[n.Right]
		return (l.Cover*walk(n.Left) + r.Cover*walk(n.Right)) / (l.Cover + r.Cover)
	}
	return walk(0)
}

// Kind names the algorithm that trained a model.
type Kind string

// Kinds of model.
const (
	KindCART   Kind = "cart"
	KindForest Kind = "forest"
	KindGBDT   Kind = "gbdt"
)

// Output says what a model's raw output means.
type Output string

// Outputs.
const (
	// OutputValue: the raw output is the predicted value (regression).
	OutputValue Output = "value"
	// OutputProbability: the raw output is the estimated probability of the
	// positive class (classification trees and forests).
	OutputProbability Output = "probability"
	// OutputLogOdds: the raw output is the log-odds of the positive class
	// (boosting with logistic loss).
	OutputLogOdds Output = "logodds"
)

// Model is a tree model: its raw output is Base + Σ Trees[t].Predict(x).
type Model struct {
	Kind        Kind
	Output      Output
	NumFeatures int
	Base        float64
	Trees       []Tree
	// Params records the training parameters, for reference.
	Params map[string]string
}

// Raw returns the raw output for x (see Output).
func (m *Model) Raw(x []float64) float64 {
	s := m.Base
	for t := range m.Trees {
		s += m.Trees[t].Predict(x)
	}
	return s
}

// Probability returns the estimated probability of the positive class for a
// classification model, or the raw value for a regression model.
func (m *Model) Probability(x []float64) float64 {
	return m.Transform(m.Raw(x))
}

// Transform maps a raw output to the model's natural scale: the sigmoid for
// log-odds, clipping to [0, 1] for probabilities, identity for values.
func (m *Model) Transform(raw float64) float64 {
	switch m.Output {
	case OutputLogOdds:
		return sigmoid(raw)
	case OutputProbability:
		return math.Min(1, math.Max(0, raw))
	}
	return raw
}

// PredictRaw returns the raw outputs of all rows of x.
func (m *Model) PredictRaw(x Matrix) ([]float64, error) {
	if x.Cols != m.NumFeatures {
		return nil, fmt.Errorf("tree: input has %d features, model %d", x.Cols, m.NumFeatures)
	}
	out := make([]float64, x.Rows)
	for i := range out {
		out[i] = m.Raw(x.Row(i))
	}
	return out, nil
}

// ExpectedValue is the model's average raw output over its training data as
// the trees' covers describe it: Base plus each tree's expected value. It is
// the reference point of SHAP contributions.
func (m *Model) ExpectedValue() float64 {
	s := m.Base
	for t := range m.Trees {
		s += m.Trees[t].ExpectedValue()
	}
	return s
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
