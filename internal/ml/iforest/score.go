package iforest

import (
	"fmt"
	"math"

	"smartmaint"
	"smartmaint/internal/ml/multivar"
)

// block is the number of rows scored together, tree by tree.
const block = 128

// Score returns the anomaly score of one row, in (0, 1]; NaN when the row
// holds a NaN or an infinity. It panics if x has the wrong length.
func (f *Forest) Score(x []float64) float64 {
	var out [1]float64
	f.mustWidth(len(x))
	f.scoreBlock(x, out[:])
	return out[0]
}

func (f *Forest) mustWidth(n int) {
	if n != len(f.features) {
		panic(fmt.Sprintf("iforest: row of %d values for a forest of %d features", n, len(f.features)))
	}
}

// ScoreRows scores every row of X; rows must have the forest's width.
func (f *Forest) ScoreRows(X [][]float64) []float64 {
	d := len(f.features)
	out := make([]float64, len(X))
	buf := make([]float64, 0, block*d)
	for start := 0; start < len(X); start += block {
		end := min(start+block, len(X))
		buf = buf[:0]
		for _, row := range X[start:end] {
			f.mustWidth(len(row))
			buf = append(buf, row...)
		}
		f.scoreBlock(buf, out[start:end])
	}
	return out
}

// ScoreFlat scores rows stored one after the other in data (row-major, the
// forest's width per row) into out, one score per row. It is the fast path.
func (f *Forest) ScoreFlat(data, out []float64) error {
	d := len(f.features)
	if len(data) != len(out)*d {
		return smartmaint.FieldErrorf("data", "%d values for %d rows of %d features", len(data), len(out), d)
	}
	for start := 0; start < len(out); start += block {
		end := min(start+block, len(out))
		f.scoreBlock(data[start*d:end*d], out[start:end])
	}
	return nil
}

// scoreBlock scores up to block rows (row-major in rows) into out, tree by
// tree so that each tree stays in cache while the rows pass through it.
func (f *Forest) scoreBlock(rows, out []float64) {
	d := len(f.features)
	nInt, nLeaf := f.perTree()
	m := len(out)
	var acc [block]float64
	for t := 0; t < f.trees; t++ {
		nodes := f.nodes[t*nInt : (t+1)*nInt : (t+1)*nInt]
		leaves := f.leaves[t*nLeaf : (t+1)*nLeaf : (t+1)*nLeaf]
		walkTree(nodes, leaves, rows, d, f.depth, acc[:m])
	}
	norm := 1 / (float64(f.trees) * f.cpsi)
	for p := 0; p < m; p++ {
		out[p] = math.Exp2(-acc[p] * norm)
		if !finite(rows[p*d : p*d+d]) {
			out[p] = math.NaN()
		}
	}
}

// PathLength returns E[h(x)], the row's path length averaged over the trees.
func (f *Forest) PathLength(x []float64) float64 {
	return -math.Log2(f.Score(x)) * f.cpsi
}

// Explain scores x and attributes it to the sensors by isolation credit (see
// the package comment): Value is the bits of isolation a sensor's cuts gave
// per tree, Share its part of all bits.
func (f *Forest) Explain(x []float64) (multivar.Explanation, error) {
	if len(x) != len(f.features) {
		return multivar.Explanation{}, smartmaint.FieldErrorf("row", "%d values for %d features", len(x), len(f.features))
	}
	if !finite(x) {
		return multivar.Explanation{}, smartmaint.FieldErrorf("row", "holds NaN or an infinity: impute missing sensors before scoring")
	}
	credit := make([]float64, len(f.features))
	total := 0.0
	for t := 0; t < f.trees; t++ {
		tr := f.tree(t)
		i := 0
		for range f.depth {
			n := tr.nodes[i]
			child := 2*i + 1
			if x[n.feature()] >= n.Thr {
				child++
			}
			if !math.IsInf(n.Thr, 1) {
				bits := isolationBits(x[n.feature()], tr.spans[i], tr.sizes[i], tr.sizes[child])
				credit[n.feature()] += bits
				total += bits
			}
			i = child
		}
	}
	inv := 1 / float64(f.trees) // bits per tree
	for j := range credit {
		credit[j] *= inv
	}
	s := f.Score(x)
	return multivar.Explanation{Score: s, Threshold: f.threshold, Anomalous: s > f.threshold,
		Contributions: multivar.NewContributions(f.features, credit, total*inv)}, nil
}

// isolationBits is the credit of one cut for a row whose value on the cut's
// feature is v: log2(n/m) when the cut sends the row from a node of n
// training rows to a child of m. When v lies outside the node's range
// [lo, hi] the cut, drawn in [lo, hi], cannot separate the row from its
// neighbours, however far it is; had the row been in the node's sample the
// cut would have been drawn over [lo, v] (or [v, hi]) and would have isolated
// it alone with probability q = (v − hi)/(v − lo), for log2(n+1) bits. The
// credit is then the expectation q·log2(n+1) + (1−q)·log2(n/m), so that of
// two sensors beyond their training range the farther one gets more. The
// score itself is the standard one.
func isolationBits(v float64, sp span, n, m int32) float64 {
	bits := math.Log2(float64(n) / float64(m))
	var q float64
	switch {
	case v > sp.Hi:
		q = (v - sp.Hi) / (v - sp.Lo)
	case v < sp.Lo:
		q = (sp.Lo - v) / (sp.Hi - v)
	default:
		return bits
	}
	return q*math.Log2(float64(n)+1) + (1-q)*bits
}

// finite reports whether every value of x is finite.
func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
