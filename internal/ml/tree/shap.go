package tree

import "fmt"

// pathElem is one element of the unique feature path of TreeSHAP.
type pathElem struct {
	feature      int
	zeroFraction float64 // share of training samples that took this path
	oneFraction  float64 // 1 if x takes this path, else 0
	weight       float64 // proportion of subsets of a given size
}

// Explainer computes exact SHAP values of a tree model with the polynomial
// time path-dependent algorithm of Lundberg, Erion and Lee (2018,
// Algorithm 2): O(T·L·D²) per row for T trees of L leaves and depth D. The
// contributions of a row plus ExpectedValue add up to the model's raw output
// (log-odds for boosted classifiers); the conditional expectations that
// define them are taken over the training samples as the node covers record
// them. An Explainer is safe for concurrent use.
type Explainer struct {
	m        *Model
	depth    []int
	expected float64
}

// NewExplainer prepares the explanation of m.
func NewExplainer(m *Model) *Explainer {
	e := &Explainer{m: m, depth: make([]int, len(m.Trees)), expected: m.ExpectedValue()}
	for t := range m.Trees {
		e.depth[t] = m.Trees[t].Depth()
	}
	return e
}

// ExpectedValue is the reference output: the raw output averaged over the
// training samples.
func (e *Explainer) ExpectedValue() float64 { return e.expected }

// SHAP returns the contribution of every feature to the raw output for x.
func (e *Explainer) SHAP(x []float64) ([]float64, error) {
	if len(x) != e.m.NumFeatures {
		return nil, fmt.Errorf("tree: input has %d features, model %d", len(x), e.m.NumFeatures)
	}
	phi := make([]float64, e.m.NumFeatures)
	var buf []pathElem
	for t := range e.m.Trees {
		d := e.depth[t] + 2
		if need := d * (d + 1) / 2; len(buf) < need {
			buf = make([]pathElem, need)
		}
		tr := &e.m.Trees[t]
		if tr.Nodes[0].IsLeaf() {
			continue // a stump contributes only to the expected value
		}
		tr.shapRecurse(0, x, phi, buf, 0, 1, 1, -1)
	}
	return phi, nil
}

// shapRecurse is RECURSE of Algorithm 2. path holds the parent's unique path
// of length depth (before extension); this call works on a copy placed just
// after it in the same buffer.
func (t *Tree) shapRecurse(node int, x, phi []float64, parent []pathElem, depth int,
	zeroFrac, oneFrac float64, feature int) {
	path := parent[depth:]
	if depth > 0 {
		copy(path, parent[:depth])
	}
	extendPath(path, depth, zeroFrac, oneFrac, feature)
	n := &t.Nodes[node]
	if n.IsLeaf() {
		for i := 1; i <= depth; i++ {
			w := unwoundPathSum(path, depth, i)
			el := path[i]
			phi[el.feature] += w * (el.oneFraction - el.zeroFraction) * n.Value
		}
		return
	}
	hot := n.next(x)
	cold := n.Left
	if hot == n.Left {
		cold = n.Right
	}
	hotZero := t.Nodes[hot].Cover / n.Cover
	coldZero := t.Nodes[cold].Cover / n.Cover
	inZero, inOne := 1.0, 1.0
	// If the feature was already split on above, undo that split and redo
	// it here with the combined fractions.
	k := 0
	for ; k <= depth; k++ {
		if path[k].feature == n.Feature {
			break
		}
	}
	if k <= depth {
		inZero, inOne = path[k].zeroFraction, path[k].oneFraction
		unwindPath(path, depth, k)
		depth--
	}
	t.shapRecurse(hot, x, phi, path, depth+1, hotZero*inZero, inOne, n.Feature)
	t.shapRecurse(cold, x, phi, path, depth+1, coldZero*inZero, 0, n.Feature)
}

// extendPath is EXTEND: it adds an element to the path of length depth and
// updates the subset-size weights.
func extendPath(path []pathElem, depth int, zeroFrac, oneFrac float64, feature int) {
	w := 0.0
	if depth == 0 {
		w = 1
	}
	path[depth] = pathElem{feature: feature, zeroFraction: zeroFrac, oneFraction: oneFrac, weight: w}
	d1 := float64(depth + 1)
	for i := depth - 1; i >= 0; i-- {
		path[i+1].weight += oneFrac * path[i].weight * float64(i+1) / d1
		path[i].weight = zeroFrac * path[i].weight * float64(depth-i) / d1
	}
}

// unwindPath is UNWIND: it removes element k from the path of length depth
// and undoes its effect on the weights.
func unwindPath(path []pathElem, depth, k int) {
	one, zero := path[k].oneFraction, path[k].zeroFraction
	next := path[depth].weight
	d1 := float64(depth + 1)
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := path[i].weight
			path[i].weight = next * d1 / (float64(i+1) * one)
			next = tmp - path[i].weight*zero*float64(depth-i)/d1
		} else {
			path[i].weight = path[i].weight * d1 / (zero * float64(depth-i))
		}
	}
	for i := k; i < depth; i++ {
		path[i].feature = path[i+1].feature
		path[i].zeroFraction = path[i+1].zeroFraction
		path[i].oneFraction = path[i+1].oneFraction
	}
}

// unwoundPathSum returns the total weight the path would have with element
// k removed, without modifying it.
func unwoundPathSum(path []pathElem, depth, k int) float64 {
	one, zero := path[k].oneFraction, path[k].zeroFraction
	next := path[depth].weight
	d1 := float64(depth + 1)
	total := 0.0
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := next * d1 / (float64(i+1) * one)
			total += tmp
			next = path[i].weight - tmp*zero*float64(depth-i)/d1
		} else if zero != 0 {
			total += path[i].weight / zero / (float64(depth-i) / d1)
		}
	}
	return total
}
