package iforest

import (
	"math"
	"math/rand/v2"
)

// builder grows trees on one training matrix; it is reused across trees.
type builder struct {
	X     [][]float64
	d     int
	depth int
	nInt  int
	perm  []int     // row indices, partially shuffled for each sub-sample
	cand  []int32   // non-constant features of the current node
	lo    []float64 // per-feature minimum of the current node
	hi    []float64 // per-feature maximum of the current node

	rng *rand.Rand
	t   tree // the tree being grown
}

func newBuilder(X [][]float64, depth int) *builder {
	d := len(X[0])
	perm := make([]int, len(X))
	for i := range perm {
		perm[i] = i
	}
	return &builder{X: X, d: d, depth: depth, nInt: 1<<depth - 1, perm: perm,
		cand: make([]int32, 0, d), lo: make([]float64, d), hi: make([]float64, d)}
}

// grow draws psi rows without replacement (a partial Fisher–Yates shuffle)
// and grows one tree into the given arrays.
func (b *builder) grow(rng *rand.Rand, psi int, t tree) {
	b.rng, b.t = rng, t
	for i := 0; i < psi; i++ {
		j := i + rng.IntN(len(b.perm)-i)
		b.perm[i], b.perm[j] = b.perm[j], b.perm[i]
	}
	sample := make([]int, psi)
	copy(sample, b.perm[:psi])
	b.split(sample, 0, 0)
}

// split makes heap position pos (at depth e) from the rows idx.
func (b *builder) split(idx []int, pos, e int) {
	b.t.sizes[pos] = int32(len(idx))
	if e == b.depth || len(idx) <= 1 {
		b.leaf(pos, e, len(idx))
		return
	}
	f := b.pickFeature(idx)
	if f < 0 {
		b.leaf(pos, e, len(idx))
		return
	}
	lo, hi := b.lo[f], b.hi[f]
	thr := lo + b.rng.Float64()*(hi-lo)
	if thr <= lo { // keep both children non-empty: lo < thr ≤ hi
		thr = math.Nextafter(lo, hi)
	}
	b.t.nodes[pos] = node{Thr: thr, Off: uint64(f) * 8}
	b.t.spans[pos] = span{Lo: lo, Hi: hi}
	// Partition in place: x < thr first.
	k := 0
	for i, r := range idx {
		if b.X[r][f] < thr {
			idx[i], idx[k] = idx[k], idx[i]
			k++
		}
	}
	b.split(idx[:k], 2*pos+1, e+1)
	b.split(idx[k:], 2*pos+2, e+1)
}

// pickFeature chooses uniformly among the features not constant over idx,
// leaving their ranges in lo and hi; -1 when all are constant.
func (b *builder) pickFeature(idx []int) int {
	first := b.X[idx[0]]
	copy(b.lo, first)
	copy(b.hi, first)
	for _, r := range idx[1:] {
		row := b.X[r]
		for j, v := range row {
			if v < b.lo[j] {
				b.lo[j] = v
			} else if v > b.hi[j] {
				b.hi[j] = v
			}
		}
	}
	b.cand = b.cand[:0]
	for j := 0; j < b.d; j++ {
		if b.hi[j] > b.lo[j] {
			b.cand = append(b.cand, int32(j))
		}
	}
	if len(b.cand) == 0 {
		return -1
	}
	return int(b.cand[b.rng.IntN(len(b.cand))])
}

// leaf ends a path at pos (depth e, n training rows): pass-through nodes
// carry it down the left edge to a leaf slot holding e + c(n).
func (b *builder) leaf(pos, e, n int) {
	for pos < b.nInt {
		b.t.nodes[pos] = node{Thr: math.Inf(1)}
		b.t.sizes[pos] = int32(n)
		pos = 2*pos + 1
	}
	b.t.sizes[pos] = int32(n)
	b.t.leaves[pos-b.nInt] = float64(e) + C(n)
}
