package tabular

import (
	"math"
	"runtime"
	"sort"
	"sync"

	"smartmaint"
	"smartmaint/internal/ml/metrics"
	"smartmaint/internal/ml/tree"
)

// Report is what training measured.
type Report struct {
	Task      Task
	Algorithm string
	Rows      int
	Units     int // rul: distinct units
	Positives int // classify: rows of the positive class
	Features  int
	// Folds holds the metrics of every cross-validation fold.
	Folds []map[string]float64
	// Metrics summarises the cross-validation (names start with "cv_").
	Metrics map[string]float64
	// Reliability compares out-of-fold calibrated probabilities with
	// observed frequencies (classify).
	Reliability []metrics.Bin
	// Importance is the final model's global importance, largest mean
	// |SHAP| first.
	Importance []Importance
}

// Train cross-validates the configured model on t, then fits it on all rows
// and returns the pipeline to store and the report to show.
func Train(t *Table, cfg TrainConfig) (*Pipeline, *Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, smartmaint.Errorf(smartmaint.EINVALID, "%v", err)
	}
	s, err := InferSchema(t, cfg.Roles)
	if err != nil {
		return nil, nil, err
	}
	if t.Rows() < cfg.Folds {
		return nil, nil, smartmaint.Errorf(smartmaint.EINVALID, "%d rows, fewer than %d folds", t.Rows(), cfg.Folds)
	}
	p := &Pipeline{Format: FormatName, Version: FormatVersion, Task: cfg.Task, Schema: *s,
		Target: cfg.Roles.Target, IDColumn: cfg.Roles.ID, TimeColumn: cfg.Roles.Time}
	rep := &Report{Task: cfg.Task, Algorithm: cfg.Algorithm, Rows: t.Rows(), Metrics: map[string]float64{}}
	if cfg.Task == TaskRUL {
		err = trainRUL(t, &cfg, p, rep)
	} else {
		err = trainTabular(t, &cfg, p, rep)
	}
	if err != nil {
		return nil, nil, err
	}
	p.FeatureNames = p.featureNames()
	rep.Features = len(p.FeatureNames)
	return p, rep, nil
}

// targetColumn parses and checks the target of a classify or regress task.
func targetColumn(t *Table, task Task, target string) ([]float64, error) {
	y, err := t.Float(target)
	if err != nil {
		return nil, err
	}
	for r, v := range y {
		if math.IsNaN(v) {
			return nil, lineError(t.Lines[r], target, "the target is missing")
		}
		if task == TaskClassify && v != 0 && v != 1 {
			return nil, lineError(t.Lines[r], target, "classification targets must be 0 or 1, got %g", v)
		}
	}
	return y, nil
}

func trainTabular(t *Table, cfg *TrainConfig, p *Pipeline, rep *Report) error {
	y, err := targetColumn(t, cfg.Task, cfg.Roles.Target)
	if err != nil {
		return err
	}
	inter := cfg.Interactions == InteractionsPairwise ||
		(cfg.Interactions == InteractionsAuto && numericInputs(&p.Schema) <= MaxInteractionInputs)
	p.Features = planFeatures(&p.Schema, inter)
	if len(p.Features) == 0 {
		return smartmaint.Errorf(smartmaint.EINVALID, "no feature columns left (all are target, id, time or dropped)")
	}
	x, err := buildMatrix(t, &p.Schema, p.Features)
	if err != nil {
		return err
	}
	if cfg.Task == TaskClassify {
		return trainClassifier(x, y, cfg, p, rep)
	}
	return trainRegressor(t, x, y, cfg, p, rep)
}

// parallel runs f(0…n−1) on up to GOMAXPROCS goroutines and returns the
// first error by index. Results must be written to disjoint places, so they
// do not depend on scheduling.
func parallel(n int, f func(k int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[k] = f(k)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sub returns the rows idx of x and y.
func sub(x tree.Matrix, y []float64, idx []int) (tree.Matrix, []float64) {
	yy := make([]float64, len(idx))
	for k, i := range idx {
		yy[k] = y[i]
	}
	return x.SelectRows(idx), yy
}

// importance computes gain and mean |SHAP| (over at most 300 evenly spaced
// rows of x) per feature, sorted by mean |SHAP|, then gain, then name.
func importance(m *tree.Model, x tree.Matrix, names []string) ([]Importance, error) {
	step := max(1, x.Rows/300)
	var idx []int
	for i := 0; i < x.Rows; i += step {
		idx = append(idx, i)
	}
	shap, err := tree.MeanAbsSHAP(m, x.SelectRows(idx))
	if err != nil {
		return nil, err
	}
	gain := tree.GainImportance(m)
	out := make([]Importance, len(names))
	for f, n := range names {
		out[f] = Importance{Feature: n, Gain: gain[f], MeanAbsSHAP: shap[f]}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].MeanAbsSHAP != out[b].MeanAbsSHAP {
			return out[a].MeanAbsSHAP > out[b].MeanAbsSHAP
		}
		if out[a].Gain != out[b].Gain {
			return out[a].Gain > out[b].Gain
		}
		return out[a].Feature < out[b].Feature
	})
	return out, nil
}

// meanOf averages one metric over the folds.
func meanOf(folds []map[string]float64, key string) float64 {
	var s float64
	for _, f := range folds {
		s += f[key]
	}
	return s / float64(len(folds))
}

// stdOf is the sample standard deviation of one metric over the folds.
func stdOf(folds []map[string]float64, key string) float64 {
	if len(folds) < 2 {
		return 0
	}
	m := meanOf(folds, key)
	var s float64
	for _, f := range folds {
		s += (f[key] - m) * (f[key] - m)
	}
	return math.Sqrt(s / float64(len(folds)-1))
}

func (p *Pipeline) featureNames() []string {
	if p.Task == TaskRUL {
		return p.Window.Names(p.Inputs)
	}
	return featureNames(p.Features)
}
