// Package iforest is Isolation Forest (Liu, Ting and Zhou, "Isolation
// Forest", ICDM 2008) for multivariate detection on one asset: trained on the
// recent history of several sensors (rows are times, columns are sensors), it
// scores a row by how quickly random axis-parallel cuts isolate it, and says
// which sensors did the isolating.
//
// Training follows the paper: each of Trees trees is grown on a sub-sample of
// SampleSize rows drawn without replacement, to the height limit
// ceil(log2 ψ); a node picks a feature uniformly among those not constant in
// its sample (the paper picks among all; a constant one cannot split) and a
// cut uniformly between that feature's minimum and maximum. A leaf at depth e
// holding n training rows has path length e + c(n), with
// c(n) = 2H(n−1) − 2(n−1)/n, H(i) = ln(i) + 0.5772156649 (Euler's
// constant), c(2) = 1, c(1) = c(0) = 0, and the score is
// s = 2^(−E[h]/c(ψ)): near 1 for anomalies, at most about 0.5 for normal
// rows. Randomness comes from a PCG generator seeded with (Seed, tree
// number), so a forest is reproducible.
//
// Contributions ("isolation credit"): when a row goes from a node holding n
// training rows to a child holding m, the split's feature is credited
// log2(n/m) bits; a feature's contribution is its credit summed over the
// row's paths in all trees, and its share that credit over the total. An
// extreme value on a sensor sends the row into small children on that
// sensor's cuts, so that sensor collects most of the bits; a row that is
// ordinary on a sensor keeps, on that sensor's cuts, to the large side.
//
// Scoring is flat: every tree is stored as a complete binary tree of height
// ceil(log2 ψ) in one array (a leaf above the last level is carried down
// by pass-through nodes whose cut is +Inf, which always go left), so a row
// descends exactly that many levels per tree with no branches on node kind,
// and batches are scored tree by tree while the tree stays in the L1 cache.
package iforest

import (
	"math"
	"math/rand/v2"

	"smartmaint"
	"smartmaint/internal/ml/multivar"
)

// EulerGamma is the Euler–Mascheroni constant used in H(i) ≈ ln(i) + γ.
const EulerGamma = 0.5772156649015329

// Config sets how a forest is grown.
type Config struct {
	Trees      int    // number of trees (default 100)
	SampleSize int    // ψ, rows per tree (default 256, at most the rows given)
	Seed       uint64 // random seed
	// ThresholdQuantile is the quantile of the training rows' scores used as
	// the alarm threshold (default 0.995).
	ThresholdQuantile float64
}

// DefaultConfig returns 100 trees of 256 rows, seed 1, threshold at the
// 0.995 quantile of the training scores.
func DefaultConfig() Config {
	return Config{Trees: 100, SampleSize: 256, Seed: 1, ThresholdQuantile: 0.995}
}

func (c *Config) fill() error {
	if c.Trees == 0 {
		c.Trees = 100
	}
	if c.SampleSize == 0 {
		c.SampleSize = 256
	}
	if c.ThresholdQuantile == 0 {
		c.ThresholdQuantile = 0.995
	}
	if c.Trees < 1 || c.Trees > 10000 {
		return smartmaint.FieldErrorf("trees", "%d: want 1 to 10000", c.Trees)
	}
	if c.SampleSize < 2 || c.SampleSize > 1<<16 {
		return smartmaint.FieldErrorf("sample_size", "%d: want 2 to 65536", c.SampleSize)
	}
	if !(c.ThresholdQuantile > 0 && c.ThresholdQuantile <= 1) {
		return smartmaint.FieldErrorf("threshold_quantile", "%v: want a quantile in (0, 1]", c.ThresholdQuantile)
	}
	return nil
}

// node is one internal node: rows with x[j] < Thr go to child 2i+1, the
// others to 2i+2, where j = Off/8 is the feature (Off is its byte offset in a
// row). A pass-through node has Thr +Inf and Off 0 (every finite row goes
// left).
type node struct {
	Thr float64
	Off uint64
}

// feature returns the node's feature index.
func (n node) feature() int { return int(n.Off / 8) }

// Forest is a trained Isolation Forest. It is safe for concurrent use.
type Forest struct {
	features   []string
	trees      int
	sampleSize int // ψ actually used
	depth      int // height limit: internal levels per tree
	seed       uint64
	quantile   float64
	threshold  float64
	cpsi       float64   // c(ψ)
	nodes      []node    // trees × (2^depth − 1)
	leaves     []float64 // trees × 2^depth: path length e + c(n) of each leaf slot
	sizes      []int32   // trees × (2^(depth+1) − 1): training rows per heap position
	spans      []span    // trees × (2^depth − 1): range of each cut's feature in the node's rows
}

// span is the range [Lo, Hi] of a node's cut feature over the training rows
// that reached the node (zero for pass-through nodes); attribution uses it.
type span struct{ Lo, Hi float64 }

// tree is one tree's slices of the forest's arrays.
type tree struct {
	nodes  []node
	leaves []float64
	sizes  []int32
	spans  []span
}

// tree returns tree t's slices.
func (f *Forest) tree(t int) tree {
	nInt, nLeaf := f.perTree()
	return tree{
		nodes:  f.nodes[t*nInt : (t+1)*nInt : (t+1)*nInt],
		leaves: f.leaves[t*nLeaf : (t+1)*nLeaf : (t+1)*nLeaf],
		sizes:  f.sizes[t*(nInt+nLeaf) : (t+1)*(nInt+nLeaf)],
		spans:  f.spans[t*nInt : (t+1)*nInt],
	}
}

var _ multivar.Detector = (*Forest)(nil)

// C returns c(n), the average path length of an unsuccessful search in a
// binary search tree of n keys: the normalisation of Isolation Forest.
func C(n int) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	m := float64(n - 1)
	return 2*(math.Log(m)+EulerGamma) - 2*m/float64(n)
}

// Fit grows a forest on X (rows are times, columns are sensors named by
// features; nil names them x0, x1, …). Values must be finite.
func Fit(X [][]float64, features []string, cfg Config) (*Forest, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	names, err := multivar.CheckMatrix(X, features, 2)
	if err != nil {
		return nil, err
	}
	psi := min(cfg.SampleSize, len(X))
	depth := int(math.Ceil(math.Log2(float64(psi))))
	f := &Forest{features: names, trees: cfg.Trees, sampleSize: psi, depth: depth, seed: cfg.Seed,
		quantile: cfg.ThresholdQuantile, cpsi: C(psi)}
	nInt, nLeaf := f.perTree()
	f.nodes = make([]node, cfg.Trees*nInt)
	f.leaves = make([]float64, cfg.Trees*nLeaf)
	f.sizes = make([]int32, cfg.Trees*(nInt+nLeaf))
	f.spans = make([]span, cfg.Trees*nInt)
	b := newBuilder(X, depth)
	for t := 0; t < cfg.Trees; t++ {
		b.grow(rand.New(rand.NewPCG(cfg.Seed, uint64(t))), psi, f.tree(t))
	}
	scores := f.ScoreRows(X)
	f.threshold = multivar.Quantile(scores, cfg.ThresholdQuantile)
	return f, nil
}

// perTree returns the internal nodes and leaf slots of one tree.
func (f *Forest) perTree() (nInt, nLeaf int) {
	nLeaf = 1 << f.depth
	return nLeaf - 1, nLeaf
}

// FeatureNames returns the sensor names, in input order.
func (f *Forest) FeatureNames() []string { return append([]string(nil), f.features...) }

// Threshold returns the alarm threshold: the configured quantile of the
// training rows' scores.
func (f *Forest) Threshold() float64 { return f.threshold }

// SetThreshold replaces the alarm threshold (for example one calibrated on
// labelled incidents).
func (f *Forest) SetThreshold(t float64) { f.threshold = t }

// SampleSize returns ψ, the rows each tree was grown on.
func (f *Forest) SampleSize() int { return f.sampleSize }

// Trees returns the number of trees.
func (f *Forest) Trees() int { return f.trees }
