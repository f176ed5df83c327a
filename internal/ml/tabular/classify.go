package tabular

import (
	"math"

	"smartmaint"
	"smartmaint/internal/ml/metrics"
	"smartmaint/internal/ml/tree"
)

// classifier is a fitted model with its calibration and threshold.
type classifier struct {
	model     *tree.Model
	cal       *tree.Calibrator
	threshold float64
}

func (c *classifier) prob(x []float64) float64 { return c.cal.Apply(c.model.Raw(x)) }

// fitClassifier fits a calibrated classifier on (x, y) using only these
// rows: inner stratified folds give out-of-fold raw scores, on which the
// calibration is fitted and the F1-optimal threshold chosen; then the model
// is refitted on all rows.
func fitClassifier(x tree.Matrix, y []float64, cfg *TrainConfig, seed uint64) (*classifier, error) {
	folds, err := metrics.StratifiedKFold(y, cfg.InnerFolds, derive(seed, 1))
	if err != nil {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "calibration folds: %v", err)
	}
	oof := make([]float64, x.Rows)
	var final *tree.Model
	err = parallel(len(folds)+1, func(k int) error {
		if k == len(folds) {
			m, err := cfg.fit(x, y, nil, derive(seed, 3))
			final = m
			return err
		}
		xt, yt := sub(x, y, folds[k].Train)
		m, err := cfg.fit(xt, yt, nil, derive(seed, 2, uint64(k)))
		if err != nil {
			return err
		}
		for _, i := range folds[k].Test {
			oof[i] = m.Raw(x.Row(i))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cal, err := tree.FitCalibrator(cfg.Calibration, oof, y)
	if err != nil {
		return nil, err
	}
	probs := make([]float64, len(oof))
	for i, s := range oof {
		probs[i] = cal.Apply(s)
	}
	th, _, err := metrics.BestF1Threshold(y, probs)
	if err != nil {
		return nil, err
	}
	th = math.Min(math.Max(th, 0), 1)
	return &classifier{model: final, cal: cal, threshold: th}, nil
}

func trainClassifier(x tree.Matrix, y []float64, cfg *TrainConfig, p *Pipeline, rep *Report) error {
	for _, v := range y {
		if v == 1 {
			rep.Positives++
		}
	}
	folds, err := metrics.StratifiedKFold(y, cfg.Folds, cfg.Seed)
	if err != nil {
		return smartmaint.Errorf(smartmaint.EINVALID, "cross-validation: %v", err)
	}
	oofProb := make([]float64, x.Rows)
	oofLabel := make([]float64, x.Rows)
	for k, f := range folds {
		xt, yt := sub(x, y, f.Train)
		c, err := fitClassifier(xt, yt, cfg, derive(cfg.Seed, 10, uint64(k)))
		if err != nil {
			return err
		}
		labels := make([]float64, len(f.Test))
		probs := make([]float64, len(f.Test))
		for j, i := range f.Test {
			labels[j] = y[i]
			probs[j] = c.prob(x.Row(i))
			oofProb[i] = probs[j]
			if probs[j] >= c.threshold {
				oofLabel[i] = 1
			}
		}
		fm, err := classificationMetrics(labels, probs, c.threshold)
		if err != nil {
			return err
		}
		rep.Folds = append(rep.Folds, fm)
	}
	for _, key := range []string{"f1", "precision", "recall", "pr_auc", "roc_auc", "brier", "threshold"} {
		rep.Metrics["cv_"+key] = meanOf(rep.Folds, key)
	}
	rep.Metrics["cv_f1_std"] = stdOf(rep.Folds, "f1")
	pooled, err := metrics.ConfusionAt(y, oofLabel, 0.5)
	if err != nil {
		return err
	}
	rep.Metrics["cv_f1_pooled"] = pooled.F1()
	bins, ece, err := metrics.Reliability(y, oofProb, 10)
	if err != nil {
		return err
	}
	rep.Reliability = bins
	rep.Metrics["cv_ece"] = ece
	c, err := fitClassifier(x, y, cfg, derive(cfg.Seed, 20))
	if err != nil {
		return err
	}
	p.Model, p.Calibration, p.Threshold = c.model, c.cal, c.threshold
	p.Importance, err = importance(c.model, x, featureNames(p.Features))
	rep.Importance = p.Importance
	return err
}

func classificationMetrics(labels, probs []float64, threshold float64) (map[string]float64, error) {
	c, err := metrics.ConfusionAt(labels, probs, threshold)
	if err != nil {
		return nil, err
	}
	m := map[string]float64{"f1": c.F1(), "precision": c.Precision(), "recall": c.Recall(), "threshold": threshold,
		"tp": float64(c.TP), "fp": float64(c.FP), "fn": float64(c.FN), "tn": float64(c.TN)}
	if m["pr_auc"], err = metrics.PRAUC(labels, probs); err != nil {
		return nil, err
	}
	if m["roc_auc"], err = metrics.ROCAUC(labels, probs); err != nil {
		return nil, err
	}
	if m["brier"], err = metrics.Brier(labels, probs); err != nil {
		return nil, err
	}
	return m, nil
}
