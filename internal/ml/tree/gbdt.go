package tree

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
)

// Objective is the loss a boosted model minimises.
type Objective string

// Objectives.
const (
	// Squared is the squared error, for regression.
	Squared Objective = "squared"
	// Logistic is the binary log-loss; targets must be 0 or 1.
	Logistic Objective = "logistic"
)

// GBDTParams configures gradient boosting.
type GBDTParams struct {
	Objective    Objective
	Rounds       int     // maximum number of trees
	LearningRate float64 // shrinkage applied to every tree
	MaxDepth     int     // 0: unlimited
	MaxLeaves    int     // leaves per tree (best-first growth); 0: unlimited
	MinLeaf      int     // minimum samples per leaf
	MinHessian   float64 // minimum hessian sum per leaf
	L2           float64 // L2 regularisation of leaf values (λ)
	MinGain      float64 // minimum loss reduction to split
	Subsample    float64 // fraction of rows drawn (without replacement) per tree
	ColSample    float64 // fraction of features drawn per tree
	MaxBins      int     // histogram bins per feature
	// EarlyStopping stops when the validation loss has not improved for this
	// many rounds and keeps the best round; 0 disables the validation split.
	EarlyStopping int
	// ValidationFraction is the share of training rows (or of groups, when
	// groups are given) held out for early stopping.
	ValidationFraction float64
	Seed               uint64
}

// DefaultGBDTParams returns sensible defaults for an objective.
func DefaultGBDTParams(obj Objective) GBDTParams {
	return GBDTParams{
		Objective: obj, Rounds: 1000, LearningRate: 0.05, MaxDepth: 8, MaxLeaves: 31,
		MinLeaf: 10, MinHessian: 1e-3, L2: 1, Subsample: 0.8, ColSample: 0.8, MaxBins: 255,
		EarlyStopping: 50, ValidationFraction: 0.15, Seed: 1,
	}
}

// Validate reports the first invalid parameter.
func (p GBDTParams) Validate() error {
	switch {
	case p.Objective != Squared && p.Objective != Logistic:
		return fmt.Errorf("tree: objective %q: want %q or %q", p.Objective, Squared, Logistic)
	case p.Rounds < 1:
		return fmt.Errorf("tree: rounds %d: want at least 1", p.Rounds)
	case !(p.LearningRate > 0 && p.LearningRate <= 1):
		return fmt.Errorf("tree: learning rate %g: want (0, 1]", p.LearningRate)
	case p.MaxDepth < 0 || p.MaxLeaves < 0 || (p.MaxLeaves == 1):
		return fmt.Errorf("tree: max depth %d / max leaves %d: want >= 0 (and leaves != 1)", p.MaxDepth, p.MaxLeaves)
	case p.MaxDepth == 0 && p.MaxLeaves == 0:
		return errors.New("tree: boosting needs a depth or a leaf limit")
	case p.MinLeaf < 1:
		return fmt.Errorf("tree: min leaf %d: want at least 1", p.MinLeaf)
	case p.MinHessian < 0 || p.L2 < 0 || p.MinGain < 0:
		return errors.New("tree: min hessian, L2 and min gain must be >= 0")
	case !(p.Subsample > 0 && p.Subsample <= 1) || !(p.ColSample > 0 && p.ColSample <= 1):
		return fmt.Errorf("tree: subsample %g / colsample %g: want (0, 1]", p.Subsample, p.ColSample)
	case p.EarlyStopping < 0:
		return fmt.Errorf("tree: early stopping %d: want >= 0", p.EarlyStopping)
	case p.EarlyStopping > 0 && !(p.ValidationFraction > 0 && p.ValidationFraction < 1):
		return fmt.Errorf("tree: validation fraction %g: want (0, 1) with early stopping", p.ValidationFraction)
	}
	return nil
}

// Map returns the parameters as strings, for a model registry.
func (p GBDTParams) Map() map[string]string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return map[string]string{
		"algorithm": "gbdt", "objective": string(p.Objective), "rounds": strconv.Itoa(p.Rounds),
		"learning_rate": f(p.LearningRate), "max_depth": strconv.Itoa(p.MaxDepth),
		"max_leaves": strconv.Itoa(p.MaxLeaves), "min_leaf": strconv.Itoa(p.MinLeaf),
		"min_hessian": f(p.MinHessian), "l2": f(p.L2), "min_gain": f(p.MinGain),
		"subsample": f(p.Subsample), "colsample": f(p.ColSample), "max_bins": strconv.Itoa(p.MaxBins),
		"early_stopping": strconv.Itoa(p.EarlyStopping), "validation_fraction": f(p.ValidationFraction),
		"seed": strconv.FormatUint(p.Seed, 10),
	}
}

// GBDTInfo describes a boosting run.
type GBDTInfo struct {
	TrainRows, ValidRows int
	// Rounds is the number of trees kept (the best round with early stopping).
	Rounds int
	// ValidLoss is the validation loss after each round (empty without
	// early stopping).
	ValidLoss []float64
}

// TrainGBDT fits gradient-boosted trees to x and y. With early stopping, a
// validation split is held out: whole groups when groups is not nil (so that
// rows of one unit do not straddle it), stratified by class for the logistic
// objective, random otherwise.
func TrainGBDT(x Matrix, y []float64, groups []string, p GBDTParams) (*Model, *GBDTInfo, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	if err := x.check(y); err != nil {
		return nil, nil, err
	}
	if groups != nil && len(groups) != x.Rows {
		return nil, nil, fmt.Errorf("tree: %d groups for %d rows", len(groups), x.Rows)
	}
	if p.Objective == Logistic {
		if err := checkBinary(y); err != nil {
			return nil, nil, err
		}
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x67626474))
	train, valid := validationSplit(y, groups, p, rng)
	if len(train) < 2*p.MinLeaf {
		return nil, nil, fmt.Errorf("tree: %d training rows, fewer than 2×min leaf (%d)", len(train), p.MinLeaf)
	}
	binner, err := FitBinner(x, train, p.MaxBins)
	if err != nil {
		return nil, nil, err
	}
	bins, err := binner.Bin(x)
	if err != nil {
		return nil, nil, err
	}
	b := &booster{p: p, x: x, y: y, train: train, valid: valid, binner: binner, bins: bins, rng: rng}
	return b.run()
}

type booster struct {
	p            GBDTParams
	x            Matrix
	y            []float64
	train, valid []int
	binner       *Binner
	bins         *Binned
	rng          *rand.Rand
}

func (b *booster) run() (*Model, *GBDTInfo, error) {
	p := b.p
	base := baseScore(p.Objective, b.y, b.train)
	f := make([]float64, b.x.Rows)
	for i := range f {
		f[i] = base
	}
	g := make([]float64, b.x.Rows)
	h := make([]float64, b.x.Rows)
	usable := usableFeatures(b.bins)
	cfg := growConfig{maxDepth: p.MaxDepth, maxLeaves: p.MaxLeaves, minLeaf: p.MinLeaf,
		minHess: p.MinHessian, lambda: p.L2, minGain: p.MinGain, scale: p.LearningRate}
	model := &Model{Kind: KindGBDT, Output: OutputValue, NumFeatures: b.x.Cols, Base: base, Params: p.Map()}
	if p.Objective == Logistic {
		model.Output = OutputLogOdds
	}
	info := &GBDTInfo{TrainRows: len(b.train), ValidRows: len(b.valid)}
	best, bestLoss := 0, math.Inf(1)
	gr := newGrower(cfg, b.binner, b.bins, g, h, nil)
	for round := 0; round < p.Rounds; round++ {
		for _, i := range b.train {
			g[i], h[i] = gradient(p.Objective, f[i], b.y[i])
		}
		rows := b.sampleRows()
		feats := b.sampleFeatures(usable)
		if len(feats) == 0 {
			break
		}
		t := gr.grow(rows, feats)
		model.Trees = append(model.Trees, *t)
		for i := range f {
			f[i] += route(t, b.bins, i)
		}
		if p.EarlyStopping == 0 {
			continue
		}
		loss := meanLoss(p.Objective, f, b.y, b.valid)
		info.ValidLoss = append(info.ValidLoss, loss)
		if loss < bestLoss {
			best, bestLoss = round+1, loss
		} else if round+1-best >= p.EarlyStopping {
			break
		}
	}
	if p.EarlyStopping > 0 && best > 0 {
		model.Trees = model.Trees[:best]
	}
	info.Rounds = len(model.Trees)
	return model, info, nil
}

func (b *booster) sampleRows() []int32 {
	n := len(b.train)
	k := n
	if b.p.Subsample < 1 {
		k = max(1, int(math.Round(b.p.Subsample*float64(n))))
	}
	rows := make([]int32, 0, k)
	if k == n {
		for _, i := range b.train {
			rows = append(rows, int32(i))
		}
		return rows
	}
	perm := b.rng.Perm(n)[:k]
	sort.Ints(perm)
	for _, j := range perm {
		rows = append(rows, int32(b.train[j]))
	}
	return rows
}

func (b *booster) sampleFeatures(usable []int) []int {
	if b.p.ColSample >= 1 || len(usable) == 0 {
		return usable
	}
	k := max(1, int(math.Round(b.p.ColSample*float64(len(usable)))))
	perm := b.rng.Perm(len(usable))[:k]
	out := make([]int, k)
	for j, q := range perm {
		out[j] = usable[q]
	}
	slices.Sort(out)
	return out
}

// usableFeatures lists the features with at least two value bins (a
// feature that is constant, or constant apart from missing values, cannot
// split).
func usableFeatures(bins *Binned) []int {
	var out []int
	for f, nb := range bins.NumBins {
		if nb > 2 {
			out = append(out, f)
		}
	}
	return out
}

func checkBinary(y []float64) error {
	for i, v := range y {
		if v != 0 && v != 1 {
			return fmt.Errorf("tree: target %d is %g; classification targets must be 0 or 1", i, v)
		}
	}
	return nil
}

func baseScore(obj Objective, y []float64, rows []int) float64 {
	var s float64
	for _, i := range rows {
		s += y[i]
	}
	m := s / float64(len(rows))
	if obj == Logistic {
		m = math.Min(math.Max(m, 1e-6), 1-1e-6)
		return math.Log(m / (1 - m))
	}
	return m
}

func gradient(obj Objective, f, y float64) (float64, float64) {
	if obj == Logistic {
		p := sigmoid(f)
		return p - y, math.Max(p*(1-p), 1e-16)
	}
	return f - y, 1
}

func meanLoss(obj Objective, f, y []float64, rows []int) float64 {
	var s float64
	for _, i := range rows {
		if obj == Logistic {
			p := math.Min(math.Max(sigmoid(f[i]), 1e-15), 1-1e-15)
			if y[i] == 1 {
				s -= math.Log(p)
			} else {
				s -= math.Log(1 - p)
			}
		} else {
			d := f[i] - y[i]
			s += d * d
		}
	}
	return s / float64(len(rows))
}

// validationSplit returns sorted training and validation row indices.
func validationSplit(y []float64, groups []string, p GBDTParams, rng *rand.Rand) ([]int, []int) {
	n := len(y)
	inValid := make([]bool, n)
	if p.EarlyStopping > 0 {
		switch {
		case groups != nil:
			markGroups(groups, p.ValidationFraction, rng, inValid)
		case p.Objective == Logistic:
			var cls [2][]int
			for i, v := range y {
				cls[int(v)] = append(cls[int(v)], i)
			}
			for _, c := range cls {
				markShare(c, p.ValidationFraction, rng, inValid)
			}
		default:
			all := make([]int, n)
			for i := range all {
				all[i] = i
			}
			markShare(all, p.ValidationFraction, rng, inValid)
		}
	}
	var train, valid []int
	for i, v := range inValid {
		if v {
			valid = append(valid, i)
		} else {
			train = append(train, i)
		}
	}
	return train, valid
}

func markShare(idx []int, frac float64, rng *rand.Rand, mark []bool) {
	k := int(math.Round(frac * float64(len(idx))))
	if k >= len(idx) {
		k = len(idx) - 1
	}
	for _, j := range rng.Perm(len(idx))[:max(k, 0)] {
		mark[idx[j]] = true
	}
}

func markGroups(groups []string, frac float64, rng *rand.Rand, mark []bool) {
	seen := map[string]bool{}
	var names []string
	for _, g := range groups {
		if !seen[g] {
			seen[g] = true
			names = append(names, g)
		}
	}
	sort.Strings(names)
	k := max(1, int(math.Round(frac*float64(len(names)))))
	if k >= len(names) {
		k = len(names) - 1
	}
	chosen := map[string]bool{}
	for _, j := range rng.Perm(len(names))[:max(k, 0)] {
		chosen[names[j]] = true
	}
	for i, g := range groups {
		mark[i] = chosen[g]
	}
}
