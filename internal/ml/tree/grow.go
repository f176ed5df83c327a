package tree

import (
	"math"
	"math/rand/v2"
	"slices"
)

// growConfig holds what one tree's growth needs.
type growConfig struct {
	maxDepth  int     // 0: unlimited
	maxLeaves int     // 0: unlimited (grown depth first); else best first
	minLeaf   int     // minimum samples per leaf, >= 1
	minHess   float64 // minimum hessian sum per leaf
	lambda    float64 // L2 regularisation of leaf values
	minGain   float64 // minimum gain to split
	mtry      int     // > 0: features drawn at random per split (forests)
	scale     float64 // leaf value = −G/(H+λ)·scale
}

// stats sums gradients, hessians and counts.
type stats struct {
	g, h float64
	n    int
}

func (s *stats) add(o stats) { s.g += o.g; s.h += o.h; s.n += o.n }

func (s stats) minus(o stats) stats { return stats{s.g - o.g, s.h - o.h, s.n - o.n} }

type candidate struct {
	ok          bool
	feature     int     // index into grower.feats
	threshold   float64 // x <= threshold goes left
	defaultLeft bool
	gain        float64
	left        stats
}

type pending struct {
	node       int
	begin, end int
	depth      int
	tot        stats
	hist       []stats // histograms of all features (subtraction mode only)
	best       candidate
}

// entry is one sample of a refinement window.
type entry struct {
	v float64
	s stats
}

// grower grows trees on binned data with per-sample gradients and hessians.
// Candidate splits are found on the histograms, then each feature's best
// split is refined on the raw values of the samples in the two bins around
// it, so thresholds are exact where it matters (physical limits often sit
// in the sparse tails that quantile bins cover coarsely).
//
// A CART tree is grown with g = −y, h = 1, λ = 0: the gain is then the
// decrease of the sum of squared errors, which for 0/1 targets is twice the
// decrease of the Gini impurity, and the leaf value is the mean target.
type grower struct {
	cfg    growConfig
	binner *Binner
	bins   *Binned
	g, h   []float64
	feats  []int // candidate features of the current tree
	rng    *rand.Rand
	rows   []int32
	buf    []int32
	gs, hs []float64
	offset []int // feature index → offset in a full histogram
	size   int
	pool   [][]stats
	window []entry
	nodes  []Node
}

// newGrower prepares a grower for any subset of the binned features; g and
// h may be updated between trees.
func newGrower(cfg growConfig, binner *Binner, bins *Binned, g, h []float64, rng *rand.Rand) *grower {
	gr := &grower{cfg: cfg, binner: binner, bins: bins, g: g, h: h, rng: rng}
	gr.offset = make([]int, len(bins.NumBins))
	for f, nb := range bins.NumBins {
		gr.offset[f] = gr.size
		gr.size += nb
	}
	return gr
}

func (gr *grower) subtraction() bool { return gr.cfg.mtry == 0 }

// grow grows a tree on the sample rows (repeats allowed: a bootstrap) using
// the features feats.
func (gr *grower) grow(rows []int32, feats []int) *Tree {
	gr.feats = feats
	gr.rows = rows
	if cap(gr.buf) < len(rows) {
		gr.buf = make([]int32, len(rows))
		gr.gs = make([]float64, len(rows))
		gr.hs = make([]float64, len(rows))
	}
	var tot stats
	for _, r := range rows {
		tot.add(stats{gr.g[r], gr.h[r], 1})
	}
	gr.nodes = []Node{gr.leaf(tot)}
	root := &pending{node: 0, begin: 0, end: len(rows), tot: tot}
	if gr.subtraction() && gr.canSplit(root) {
		root.hist = gr.alloc()
		gr.buildHist(root.hist, 0, len(rows))
	}
	gr.evaluate(root)
	queue := []*pending{root}
	leaves := 1
	for len(queue) > 0 && (gr.cfg.maxLeaves == 0 || leaves < gr.cfg.maxLeaves) {
		k := gr.pick(queue)
		if k < 0 {
			break
		}
		p := queue[k]
		queue = slices.Delete(queue, k, k+1)
		l, r := gr.split(p)
		leaves++
		gr.evaluate(l)
		gr.evaluate(r)
		queue = append(queue, l, r)
	}
	for _, p := range queue {
		gr.release(p.hist)
	}
	return &Tree{Nodes: gr.nodes}
}

// pick chooses the next leaf to split: the last one when growth is depth
// first, the one with the largest gain (the earliest on ties) when it is best
// first. It returns −1 when no leaf can be split.
func (gr *grower) pick(queue []*pending) int {
	if gr.cfg.maxLeaves == 0 {
		for k := len(queue) - 1; k >= 0; k-- {
			if queue[k].best.ok {
				return k
			}
		}
		return -1
	}
	best := -1
	for k, p := range queue {
		if p.best.ok && (best < 0 || p.best.gain > queue[best].best.gain) {
			best = k
		}
	}
	return best
}

func (gr *grower) leaf(tot stats) Node {
	v := 0.0
	if d := tot.h + gr.cfg.lambda; d > 0 {
		v = -tot.g / d * gr.cfg.scale
	}
	return Node{Feature: -1, Value: v, Cover: float64(tot.n)}
}

func (gr *grower) canSplit(p *pending) bool {
	return (gr.cfg.maxDepth == 0 || p.depth < gr.cfg.maxDepth) && p.tot.n >= 2*gr.cfg.minLeaf
}

func (gr *grower) alloc() []stats {
	if n := len(gr.pool); n > 0 {
		h := gr.pool[n-1]
		gr.pool = gr.pool[:n-1]
		return h
	}
	return make([]stats, gr.size)
}

func (gr *grower) release(h []stats) {
	if h != nil {
		gr.pool = append(gr.pool, h)
	}
}

// gather copies the gradients and hessians of rows[begin:end] into
// contiguous scratch slices.
func (gr *grower) gather(begin, end int) ([]int32, []float64, []float64) {
	rows := gr.rows[begin:end]
	gs, hs := gr.gs[:len(rows)], gr.hs[:len(rows)]
	for k, r := range rows {
		gs[k], hs[k] = gr.g[r], gr.h[r]
	}
	return rows, gs, hs
}

// fill computes the histogram h of feature f over gathered rows.
func (gr *grower) fill(h []stats, f int, rows []int32, gs, hs []float64) {
	clear(h)
	col := gr.bins.Cols[f]
	for k, r := range rows {
		b := &h[col[r]]
		b.g += gs[k]
		b.h += hs[k]
		b.n++
	}
}

func (gr *grower) histOf(all []stats, f int) []stats {
	return all[gr.offset[f] : gr.offset[f]+gr.bins.NumBins[f]]
}

// buildHist fills the histograms of the tree's features over
// rows[begin:end].
func (gr *grower) buildHist(dst []stats, begin, end int) {
	rows, gs, hs := gr.gather(begin, end)
	for _, f := range gr.feats {
		gr.fill(gr.histOf(dst, f), f, rows, gs, hs)
	}
}

// goesLeft reports whether a value goes to the left child of a split.
func goesLeft(v, threshold float64, defaultLeft bool) bool {
	if math.IsNaN(v) {
		return defaultLeft
	}
	return v <= threshold
}

// split partitions a pending leaf's rows by its best split and returns the
// two children.
func (gr *grower) split(p *pending) (*pending, *pending) {
	c := p.best
	f := gr.feats[c.feature]
	vals := gr.bins.Values[f]
	nl, nr := 0, 0
	rows := gr.rows[p.begin:p.end]
	right := gr.buf[:0]
	for _, r := range rows {
		if goesLeft(vals[r], c.threshold, c.defaultLeft) {
			rows[nl] = r
			nl++
		} else {
			right = append(right, r)
			nr++
		}
	}
	copy(rows[nl:], right)
	li := len(gr.nodes)
	lt := c.left
	rt := p.tot.minus(c.left)
	gr.nodes = append(gr.nodes, gr.leaf(lt), gr.leaf(rt))
	n := &gr.nodes[p.node]
	n.Feature, n.Threshold, n.DefaultLeft = f, c.threshold, c.defaultLeft
	n.Left, n.Right, n.Gain = li, li+1, c.gain
	l := &pending{node: li, begin: p.begin, end: p.begin + nl, depth: p.depth + 1, tot: lt}
	r := &pending{node: li + 1, begin: p.begin + nl, end: p.end, depth: p.depth + 1, tot: rt}
	if gr.subtraction() && (gr.canSplit(l) || gr.canSplit(r)) {
		small, large := l, r
		if nr < nl {
			small, large = r, l
		}
		small.hist = gr.alloc()
		gr.buildHist(small.hist, small.begin, small.end)
		large.hist = p.hist
		for _, f := range gr.feats {
			lh, sh := gr.histOf(large.hist, f), gr.histOf(small.hist, f)
			for i := range lh {
				lh[i] = lh[i].minus(sh[i])
			}
		}
		p.hist = nil
	}
	gr.release(p.hist)
	return l, r
}

// route returns the leaf value for row i of the binned data.
func route(t *Tree, bins *Binned, i int) float64 {
	k := 0
	for {
		n := &t.Nodes[k]
		if n.Feature < 0 {
			return n.Value
		}
		if goesLeft(bins.Values[n.Feature][i], n.Threshold, n.DefaultLeft) {
			k = n.Left
		} else {
			k = n.Right
		}
	}
}
