package tree

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// The JSON form of a model, documented here because artifacts outlive code:
//
//	{
//	  "kind": "gbdt" | "forest" | "cart",
//	  "output": "value" | "probability" | "logodds",
//	  "num_features": 12,
//	  "base": -3.21,                    // added to the sum of the trees
//	  "params": {"learning_rate": "0.05", …},
//	  "trees": [{                       // one object per tree, node 0 is the root
//	    "feature":      [3, 0, -1, …],  // split feature, −1 for a leaf
//	    "threshold":    [0.5, 1.2, 0, …],// x <= threshold goes left
//	    "default_left": [1, 0, 0, …],   // 1: a missing value goes left
//	    "left":         [1, 3, 0, …],   // child indices (0 for leaves)
//	    "right":        [2, 4, 0, …],
//	    "value":        [0, 0, 0.13, …],// leaf output (reference value for splits)
//	    "cover":        [900, 400, …],  // training samples reaching the node
//	    "gain":         [12.5, 3.1, …]  // loss reduction of the split
//	  }]
//	}
//
// Numbers are written in Go's shortest round-trip form, so decoding and
// re-encoding gives identical bytes and identical predictions.

type treeJSON struct {
	Feature     []int     `json:"feature"`
	Threshold   []float64 `json:"threshold"`
	DefaultLeft []uint8   `json:"default_left"`
	Left        []int     `json:"left"`
	Right       []int     `json:"right"`
	Value       []float64 `json:"value"`
	Cover       []float64 `json:"cover"`
	Gain        []float64 `json:"gain"`
}

type modelJSON struct {
	Kind        Kind              `json:"kind"`
	Output      Output            `json:"output"`
	NumFeatures int               `json:"num_features"`
	Base        float64           `json:"base"`
	Params      map[string]string `json:"params,omitempty"`
	Trees       []treeJSON        `json:"trees"`
}

// MarshalJSON encodes the model in the documented form.
func (m *Model) MarshalJSON() ([]byte, error) {
	out := modelJSON{Kind: m.Kind, Output: m.Output, NumFeatures: m.NumFeatures, Base: m.Base,
		Params: m.Params, Trees: make([]treeJSON, len(m.Trees))}
	if !finite(m.Base) {
		return nil, errors.New("tree: model base is not finite")
	}
	for t, tr := range m.Trees {
		j := treeJSON{}
		for _, n := range tr.Nodes {
			if !finite(n.Threshold) || !finite(n.Value) || !finite(n.Cover) || !finite(n.Gain) {
				return nil, fmt.Errorf("tree: tree %d has a non-finite number", t)
			}
			dl := uint8(0)
			if n.DefaultLeft {
				dl = 1
			}
			j.Feature = append(j.Feature, n.Feature)
			j.Threshold = append(j.Threshold, n.Threshold)
			j.DefaultLeft = append(j.DefaultLeft, dl)
			j.Left = append(j.Left, n.Left)
			j.Right = append(j.Right, n.Right)
			j.Value = append(j.Value, n.Value)
			j.Cover = append(j.Cover, n.Cover)
			j.Gain = append(j.Gain, n.Gain)
		}
		out.Trees[t] = j
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes and validates a model.
func (m *Model) UnmarshalJSON(b []byte) error {
	var in modelJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("tree: decode model: %w", err)
	}
	out := Model{Kind: in.Kind, Output: in.Output, NumFeatures: in.NumFeatures, Base: in.Base,
		Params: in.Params, Trees: make([]Tree, len(in.Trees))}
	for t, j := range in.Trees {
		tr, err := j.decode(in.NumFeatures)
		if err != nil {
			return fmt.Errorf("tree: tree %d: %w", t, err)
		}
		out.Trees[t] = tr
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*m = out
	return nil
}

func (j treeJSON) decode(numFeatures int) (Tree, error) {
	n := len(j.Feature)
	if n == 0 {
		return Tree{}, errors.New("no nodes")
	}
	for _, l := range [][]int{j.Left, j.Right} {
		if len(l) != n {
			return Tree{}, errors.New("node arrays differ in length")
		}
	}
	for _, l := range [][]float64{j.Threshold, j.Value, j.Cover, j.Gain} {
		if len(l) != n {
			return Tree{}, errors.New("node arrays differ in length")
		}
	}
	if len(j.DefaultLeft) != n {
		return Tree{}, errors.New("node arrays differ in length")
	}
	tr := Tree{Nodes: make([]Node, n)}
	for i := range tr.Nodes {
		tr.Nodes[i] = Node{Feature: j.Feature[i], Threshold: j.Threshold[i], DefaultLeft: j.DefaultLeft[i] == 1,
			Left: j.Left[i], Right: j.Right[i], Value: j.Value[i], Cover: j.Cover[i], Gain: j.Gain[i]}
	}
	return tr, nil
}

// Validate checks the structure of a model: known kind and output, feature
// indices in range, children after their parent (so there are no cycles),
// every node reached once, positive covers.
func (m *Model) Validate() error {
	switch m.Kind {
	case KindCART, KindForest, KindGBDT:
	default:
		return fmt.Errorf("tree: unknown model kind %q", m.Kind)
	}
	switch m.Output {
	case OutputValue, OutputProbability, OutputLogOdds:
	default:
		return fmt.Errorf("tree: unknown model output %q", m.Output)
	}
	if m.NumFeatures < 1 || len(m.Trees) == 0 {
		return fmt.Errorf("tree: model has %d features and %d trees", m.NumFeatures, len(m.Trees))
	}
	for t := range m.Trees {
		if err := m.Trees[t].validate(m.NumFeatures); err != nil {
			return fmt.Errorf("tree: tree %d: %w", t, err)
		}
	}
	return nil
}

func (t *Tree) validate(numFeatures int) error {
	seen := make([]bool, len(t.Nodes))
	seen[0] = true
	for i, n := range t.Nodes {
		if !(n.Cover > 0) || !finite(n.Value) || !finite(n.Threshold) {
			return fmt.Errorf("node %d: cover must be positive and numbers finite", i)
		}
		if n.IsLeaf() {
			continue
		}
		if n.Feature >= numFeatures {
			return fmt.Errorf("node %d: feature %d out of range", i, n.Feature)
		}
		for _, c := range []int{n.Left, n.Right} {
			if c <= i || c >= len(t.Nodes) || seen[c] {
				return fmt.Errorf("node %d: bad child %d", i, c)
			}
			seen[c] = true
		}
	}
	for i, s := range seen {
		if !s {
			return fmt.Errorf("node %d is unreachable", i)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
