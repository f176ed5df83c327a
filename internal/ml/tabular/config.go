package tabular

import (
	"fmt"
	"strconv"

	"smartmaint/internal/ml/rul"
	"smartmaint/internal/ml/tree"
)

// Algorithms.
const (
	AlgoGBDT   = "gbdt"
	AlgoForest = "forest"
	AlgoCART   = "cart"
)

// Interaction settings.
const (
	InteractionsAuto     = "auto"     // pairwise when there are at most MaxInteractionInputs numeric columns
	InteractionsPairwise = "pairwise" // always
	InteractionsNone     = "none"
)

// TrainConfig configures Train.
type TrainConfig struct {
	Task      Task
	Roles     Roles
	Algorithm string
	// GBDT, Forest and CART configure the algorithm in use; their objective
	// or task and their seed are set from Task and Seed.
	GBDT   tree.GBDTParams
	Forest tree.ForestParams
	CART   tree.CARTParams
	// Folds is the number of cross-validation folds (stratified for
	// classify, grouped by unit for rul and for regress with an id column).
	Folds int
	// InnerFolds (classify) is the number of folds inside each training set
	// whose out-of-fold scores fit the calibration and choose the threshold.
	InnerFolds  int
	Calibration string
	// Interactions (classify, regress) controls pairwise derived features.
	Interactions string
	// Window (rul) is the window feature set; Protocol the evaluation.
	Window   rul.Spec
	Protocol rul.Protocol
	Seed     uint64
}

// DefaultTrainConfig returns the defaults for a task.
func DefaultTrainConfig(task Task) TrainConfig {
	obj, ct := tree.Logistic, tree.Classification
	if task != TaskClassify {
		obj, ct = tree.Squared, tree.Regression
	}
	c := TrainConfig{
		Task: task, Algorithm: AlgoGBDT,
		GBDT:   tree.DefaultGBDTParams(obj),
		Forest: tree.DefaultForestParams(ct),
		CART:   tree.DefaultCARTParams(ct),
		Folds:  5, InnerFolds: 4, Calibration: tree.CalibrationIsotonic,
		Interactions: InteractionsAuto, Window: rul.DefaultSpec(), Protocol: rul.DefaultProtocol(), Seed: 1,
	}
	c.CART.MinLeaf = 5
	c.CART.MaxDepth = 10
	switch task {
	case TaskRUL:
		c.GBDT = rulGBDT()
	case TaskClassify:
		c.GBDT = classifyGBDT()
	}
	return c
}

// classifyGBDT are the boosting defaults for failure classification: a fixed
// number of small trees on all rows and features. Early stopping on the
// validation log-loss is available but off: with rare failures (3 % on
// AI4I) the log-loss of a small validation split bottoms out before the
// decision boundary is sharp, and cross-validated F1 was lower with it
// (docs/bench/supervised.md).
func classifyGBDT() tree.GBDTParams {
	p := tree.DefaultGBDTParams(tree.Logistic)
	p.Rounds = 300
	p.MaxLeaves = 8
	p.MinLeaf = 3
	p.Subsample = 1
	p.ColSample = 1
	p.EarlyStopping = 0
	return p
}

// rulGBDT are the boosting defaults for remaining-useful-life regression:
// shallower trees and stronger subsampling, since successive steps of a unit
// are strongly correlated.
func rulGBDT() tree.GBDTParams {
	p := tree.DefaultGBDTParams(tree.Squared)
	p.MaxLeaves = 15
	p.MaxDepth = 6
	p.MinLeaf = 50
	p.Subsample = 0.5
	p.ColSample = 0.5
	return p
}

// Validate checks the configuration.
func (c *TrainConfig) Validate() error {
	switch c.Task {
	case TaskClassify, TaskRegress, TaskRUL:
	default:
		return fmt.Errorf("tabular: task %q: want classify, regress or rul", c.Task)
	}
	switch c.Algorithm {
	case AlgoGBDT, AlgoForest, AlgoCART:
	default:
		return fmt.Errorf("tabular: algorithm %q: want gbdt, forest or cart", c.Algorithm)
	}
	switch c.Interactions {
	case InteractionsAuto, InteractionsPairwise, InteractionsNone:
	default:
		return fmt.Errorf("tabular: interactions %q: want auto, pairwise or none", c.Interactions)
	}
	if c.Folds < 2 || (c.Task == TaskClassify && c.InnerFolds < 2) {
		return fmt.Errorf("tabular: folds %d / inner folds %d: want at least 2", c.Folds, c.InnerFolds)
	}
	if c.Task == TaskClassify && c.Calibration != tree.CalibrationIsotonic && c.Calibration != tree.CalibrationPlatt {
		return fmt.Errorf("tabular: calibration %q: want isotonic or platt", c.Calibration)
	}
	if c.Roles.Target == "" && c.Task != TaskRUL {
		return fmt.Errorf("tabular: a target column is required for %s", c.Task)
	}
	if c.Task == TaskRUL {
		if c.Roles.ID == "" {
			return fmt.Errorf("tabular: rul needs the unit id column (--id-col)")
		}
		if err := c.Window.Validate(); err != nil {
			return err
		}
		if err := c.Protocol.Validate(); err != nil {
			return err
		}
	}
	if c.Algorithm == AlgoGBDT {
		p := c.GBDT
		p.Objective = c.objective()
		return p.Validate()
	}
	return nil
}

func (c *TrainConfig) objective() tree.Objective {
	if c.Task == TaskClassify {
		return tree.Logistic
	}
	return tree.Squared
}

func (c *TrainConfig) treeTask() tree.Task {
	if c.Task == TaskClassify {
		return tree.Classification
	}
	return tree.Regression
}

// fit trains one model of the configured algorithm.
func (c *TrainConfig) fit(x tree.Matrix, y []float64, groups []string, seed uint64) (*tree.Model, error) {
	switch c.Algorithm {
	case AlgoForest:
		p := c.Forest
		p.Task, p.Seed = c.treeTask(), seed
		return tree.TrainForest(x, y, p)
	case AlgoCART:
		p := c.CART
		p.Task, p.Seed = c.treeTask(), seed
		return tree.TrainCART(x, y, p)
	}
	p := c.GBDT
	p.Objective, p.Seed = c.objective(), seed
	m, _, err := tree.TrainGBDT(x, y, groups, p)
	return m, err
}

// Params returns the training parameters as strings, for a model registry.
func (c *TrainConfig) Params() map[string]string {
	var out map[string]string
	switch c.Algorithm {
	case AlgoForest:
		p := c.Forest
		p.Task, p.Seed = c.treeTask(), c.Seed
		out = p.Map()
	case AlgoCART:
		p := c.CART
		p.Task, p.Seed = c.treeTask(), c.Seed
		out = p.Map()
	default:
		p := c.GBDT
		p.Objective, p.Seed = c.objective(), c.Seed
		out = p.Map()
	}
	out["task"] = string(c.Task)
	out["folds"] = strconv.Itoa(c.Folds)
	if c.Task == TaskClassify {
		out["inner_folds"] = strconv.Itoa(c.InnerFolds)
		out["calibration"] = c.Calibration
	}
	if c.Task != TaskRUL {
		out["interactions"] = c.Interactions
	} else {
		f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
		out["rul_cap"] = f(c.Protocol.Cap)
		out["cuts"] = strconv.Itoa(c.Protocol.Cuts)
		out["cut_min_observed"] = strconv.Itoa(c.Protocol.MinObserved)
		out["cut_max_rul"] = strconv.Itoa(c.Protocol.MaxRUL)
	}
	return out
}

// derive mixes a seed with indices into a new seed (SplitMix64 finaliser).
func derive(seed uint64, k ...uint64) uint64 {
	z := seed
	for _, v := range k {
		z += 0x9e3779b97f4a7c15 * (v + 1)
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
	}
	return z
}
