package tree

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
)

// Task is what a CART tree or a forest predicts.
type Task string

// Tasks.
const (
	// Classification: binary 0/1 targets; leaves hold the positive share
	// and splits minimise the Gini impurity.
	Classification Task = "classification"
	// Regression: real targets; leaves hold the mean and splits minimise
	// the squared error.
	Regression Task = "regression"
)

// CARTParams configures one CART tree.
type CARTParams struct {
	Task      Task
	MaxDepth  int // 0: unlimited
	MaxLeaves int // 0: unlimited
	MinLeaf   int // minimum samples per leaf
	// MaxFeatures is the number of features drawn at random for each split
	// (0: all of them, the plain CART; forests use fewer).
	MaxFeatures int
	// MaxBins bounds the candidate thresholds per feature; a feature with at
	// most MaxBins distinct values is split exactly.
	MaxBins int
	Seed    uint64
}

// DefaultCARTParams returns a fully grown tree with exact splits on up to
// 1024 distinct values per feature.
func DefaultCARTParams(task Task) CARTParams {
	return CARTParams{Task: task, MinLeaf: 1, MaxBins: 1024, Seed: 1}
}

func (p CARTParams) validate() error {
	switch {
	case p.Task != Classification && p.Task != Regression:
		return fmt.Errorf("tree: task %q: want %q or %q", p.Task, Classification, Regression)
	case p.MaxDepth < 0 || p.MaxLeaves < 0 || p.MaxLeaves == 1:
		return fmt.Errorf("tree: max depth %d / max leaves %d: want >= 0 (and leaves != 1)", p.MaxDepth, p.MaxLeaves)
	case p.MinLeaf < 1:
		return fmt.Errorf("tree: min leaf %d: want at least 1", p.MinLeaf)
	case p.MaxFeatures < 0:
		return fmt.Errorf("tree: max features %d: want >= 0", p.MaxFeatures)
	}
	return nil
}

func (p CARTParams) output() Output {
	if p.Task == Classification {
		return OutputProbability
	}
	return OutputValue
}

func (p CARTParams) growConfig(scale float64) growConfig {
	return growConfig{maxDepth: p.MaxDepth, maxLeaves: p.MaxLeaves, minLeaf: p.MinLeaf,
		mtry: p.MaxFeatures, scale: scale}
}

// cartTargets returns g = −y and h = 1 (see grower).
func cartTargets(x Matrix, y []float64, task Task) ([]float64, []float64, error) {
	if err := x.check(y); err != nil {
		return nil, nil, err
	}
	if task == Classification {
		if err := checkBinary(y); err != nil {
			return nil, nil, err
		}
	}
	g := make([]float64, len(y))
	h := make([]float64, len(y))
	for i, v := range y {
		g[i], h[i] = -v, 1
	}
	return g, h, nil
}

// TrainCART fits one CART tree.
func TrainCART(x Matrix, y []float64, p CARTParams) (*Model, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	g, h, err := cartTargets(x, y, p.Task)
	if err != nil {
		return nil, err
	}
	binner, err := FitBinner(x, nil, p.MaxBins)
	if err != nil {
		return nil, err
	}
	bins, err := binner.Bin(x)
	if err != nil {
		return nil, err
	}
	rows := make([]int32, x.Rows)
	for i := range rows {
		rows[i] = int32(i)
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x63617274))
	t := newGrower(p.growConfig(1), binner, bins, g, h, rng).grow(rows, usableFeatures(bins))
	return &Model{Kind: KindCART, Output: p.output(), NumFeatures: x.Cols, Trees: []Tree{*t},
		Params: cartMap(p)}, nil
}

// Map returns the parameters as strings, for a model registry.
func (p CARTParams) Map() map[string]string { return cartMap(p) }

// Map returns the parameters as strings, for a model registry.
func (p ForestParams) Map() map[string]string { return forestMap(p) }

func forestMap(p ForestParams) map[string]string {
	params := cartMap(p.CARTParams)
	params["algorithm"] = "forest"
	params["trees"] = strconv.Itoa(p.Trees)
	params["bootstrap"] = strconv.FormatBool(p.Bootstrap)
	return params
}

func cartMap(p CARTParams) map[string]string {
	return map[string]string{
		"algorithm": "cart", "task": string(p.Task), "max_depth": strconv.Itoa(p.MaxDepth),
		"max_leaves": strconv.Itoa(p.MaxLeaves), "min_leaf": strconv.Itoa(p.MinLeaf),
		"max_features": strconv.Itoa(p.MaxFeatures), "max_bins": strconv.Itoa(p.MaxBins),
		"seed": strconv.FormatUint(p.Seed, 10),
	}
}

// ForestParams configures a random forest.
type ForestParams struct {
	CARTParams
	Trees int
	// Bootstrap draws each tree's rows with replacement (n of n); without
	// it every tree sees all rows and only the feature draws differ.
	Bootstrap bool
}

// DefaultForestParams returns Breiman's defaults: 200 bootstrapped trees
// grown fully, √d features per split for classification and d/3 for
// regression (MaxFeatures 0 means "choose by this rule").
func DefaultForestParams(task Task) ForestParams {
	p := DefaultCARTParams(task)
	p.MaxBins = 255
	if task == Regression {
		p.MinLeaf = 5
	}
	return ForestParams{CARTParams: p, Trees: 200, Bootstrap: true}
}

// TrainForest fits a random forest. Trees are grown in parallel, each with
// its own seeded generator, so the result does not depend on scheduling.
func TrainForest(x Matrix, y []float64, p ForestParams) (*Model, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if p.Trees < 1 {
		return nil, fmt.Errorf("tree: forest size %d: want at least 1", p.Trees)
	}
	g, h, err := cartTargets(x, y, p.Task)
	if err != nil {
		return nil, err
	}
	binner, err := FitBinner(x, nil, p.MaxBins)
	if err != nil {
		return nil, err
	}
	bins, err := binner.Bin(x)
	if err != nil {
		return nil, err
	}
	feats := usableFeatures(bins)
	if p.MaxFeatures == 0 {
		p.MaxFeatures = forestMtry(p.Task, len(feats))
	}
	trees := make([]Tree, p.Trees)
	cfg := p.growConfig(1 / float64(p.Trees))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				rng := rand.New(rand.NewPCG(p.Seed, uint64(t)+1))
				rows := forestRows(x.Rows, p.Bootstrap, rng)
				trees[t] = *newGrower(cfg, binner, bins, g, h, rng).grow(rows, feats)
			}
		}()
	}
	for t := range trees {
		work <- t
	}
	close(work)
	wg.Wait()
	return &Model{Kind: KindForest, Output: p.output(), NumFeatures: x.Cols, Trees: trees, Params: forestMap(p)}, nil
}

func forestMtry(task Task, d int) int {
	if d == 0 {
		return 1
	}
	if task == Classification {
		return max(1, int(math.Sqrt(float64(d))))
	}
	return max(1, d/3)
}

func forestRows(n int, bootstrap bool, rng *rand.Rand) []int32 {
	rows := make([]int32, n)
	if !bootstrap {
		for i := range rows {
			rows[i] = int32(i)
		}
		return rows
	}
	counts := make([]int32, n)
	for range n {
		counts[rng.IntN(n)]++
	}
	k := 0
	for i, c := range counts {
		for range c {
			rows[k] = int32(i)
			k++
		}
	}
	return rows
}
