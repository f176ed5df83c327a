package tabular

import (
	"math"

	"smartmaint"
	"smartmaint/internal/ml/metrics"
	"smartmaint/internal/ml/rul"
	"smartmaint/internal/ml/tree"
)

func trainRegressor(t *Table, x tree.Matrix, y []float64, cfg *TrainConfig, p *Pipeline, rep *Report) error {
	var groups []string
	var folds []metrics.Fold
	var err error
	if cfg.Roles.ID != "" {
		if groups, err = t.Column(cfg.Roles.ID); err != nil {
			return err
		}
		folds, err = metrics.GroupKFold(groups, cfg.Folds, cfg.Seed)
	} else {
		folds, err = metrics.KFold(x.Rows, cfg.Folds, cfg.Seed)
	}
	if err != nil {
		return smartmaint.Errorf(smartmaint.EINVALID, "cross-validation: %v", err)
	}
	rep.Folds = make([]map[string]float64, len(folds))
	var final *tree.Model
	err = parallel(len(folds)+1, func(k int) error {
		if k == len(folds) {
			m, err := cfg.fit(x, y, groups, derive(cfg.Seed, 20))
			final = m
			return err
		}
		f := folds[k]
		xt, yt := sub(x, y, f.Train)
		m, err := cfg.fit(xt, yt, subStrings(groups, f.Train), derive(cfg.Seed, 10, uint64(k)))
		if err != nil {
			return err
		}
		truth := make([]float64, len(f.Test))
		pred := make([]float64, len(f.Test))
		for j, i := range f.Test {
			truth[j], pred[j] = y[i], m.Raw(x.Row(i))
		}
		rep.Folds[k], err = regressionMetrics(truth, pred)
		return err
	})
	if err != nil {
		return err
	}
	for _, key := range []string{"rmse", "mae", "r2"} {
		rep.Metrics["cv_"+key] = meanOf(rep.Folds, key)
	}
	p.Model = final
	p.Importance, err = importance(final, x, featureNames(p.Features))
	rep.Importance = p.Importance
	return err
}

func subStrings(s []string, idx []int) []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = s[i]
	}
	return out
}

func regressionMetrics(truth, pred []float64) (map[string]float64, error) {
	m := map[string]float64{}
	var err error
	if m["rmse"], err = metrics.RMSE(truth, pred); err != nil {
		return nil, err
	}
	if m["mae"], err = metrics.MAE(truth, pred); err != nil {
		return nil, err
	}
	if m["r2"], err = metrics.R2(truth, pred); err != nil {
		return nil, err
	}
	return m, nil
}

// rulInputs chooses the numeric feature columns that get window features,
// leaving out columns constant over the training data (FD001 has six).
func rulInputs(t *Table, s *Schema) ([]string, error) {
	var inputs []string
	for _, c := range s.Columns {
		if c.Role != RoleFeature {
			continue
		}
		if c.Type != TypeFloat {
			return nil, smartmaint.FieldErrorf(c.Name, "rul uses numeric columns only; drop this categorical column (--drop)")
		}
		v, err := t.Float(c.Name)
		if err != nil {
			return nil, err
		}
		if !constant(v) {
			inputs = append(inputs, c.Name)
		}
	}
	if len(inputs) == 0 {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "no non-constant numeric feature column for rul")
	}
	return inputs, nil
}

func constant(v []float64) bool {
	first := math.NaN()
	for _, x := range v {
		if math.IsNaN(x) {
			continue
		}
		if math.IsNaN(first) {
			first = x
		} else if x != first {
			return false
		}
	}
	return true
}

func trainRUL(t *Table, cfg *TrainConfig, p *Pipeline, rep *Report) error {
	inputs, err := rulInputs(t, &p.Schema)
	if err != nil {
		return err
	}
	spec := cfg.Window
	p.Inputs, p.Window, p.RULCap = inputs, &spec, cfg.Protocol.Cap
	d, err := buildRUL(t, inputs, spec, cfg.Roles.ID, cfg.Roles.Time, cfg.Roles.Target, cfg.Protocol.Cap)
	if err != nil {
		return err
	}
	rep.Units = len(d.u.ids)
	groups := make([]string, d.x.Rows)
	for i, k := range d.unit {
		groups[i] = d.u.ids[k]
	}
	folds, err := metrics.GroupKFold(groups, cfg.Folds, cfg.Seed)
	if err != nil {
		return smartmaint.Errorf(smartmaint.EINVALID, "cross-validation: %v", err)
	}
	// The cuts follow the run's seed too, so that another seed is another
	// draw of the validation trajectories, not only of the folds.
	prot := cfg.Protocol
	prot.Seed = derive(cfg.Seed, 30, prot.Seed)
	ev := newRULEval(d, prot)
	var final *tree.Model
	err = parallel(len(folds)+1, func(k int) error {
		if k == len(folds) {
			m, err := cfg.fit(d.x, d.y, groups, derive(cfg.Seed, 20))
			final = m
			return err
		}
		f := folds[k]
		xt, yt := sub(d.x, d.y, f.Train)
		m, err := cfg.fit(xt, yt, subStrings(groups, f.Train), derive(cfg.Seed, 10, uint64(k)))
		if err != nil {
			return err
		}
		ev.predictFold(m, f.Test)
		return nil
	})
	if err != nil {
		return err
	}
	if err := ev.report(rep, folds); err != nil {
		return err
	}
	p.Model = final
	p.Importance, err = importance(final, d.x, spec.Names(inputs))
	rep.Importance = p.Importance
	return err
}

// rulEval collects predictions at the cut points of every unit.
type rulEval struct {
	d    *rulData
	prot rul.Protocol
	cuts [][]int     // per unit, the cut step of each round
	pred [][]float64 // per unit, the prediction at each cut
}

func newRULEval(d *rulData, prot rul.Protocol) *rulEval {
	e := &rulEval{d: d, prot: prot, cuts: make([][]int, len(d.u.ids)), pred: make([][]float64, len(d.u.ids))}
	for k, id := range d.u.ids {
		e.cuts[k] = prot.CutPoints(id, d.size[k])
	}
	return e
}

// predictFold predicts the cut points of the units whose rows are in test.
func (e *rulEval) predictFold(m *tree.Model, test []int) {
	done := map[int]bool{}
	for _, i := range test {
		k := e.d.unit[i]
		if done[k] {
			continue
		}
		done[k] = true
		e.pred[k] = make([]float64, len(e.cuts[k]))
		for r, c := range e.cuts[k] {
			e.pred[k][r] = clip(m.Raw(e.d.x.Row(e.d.start[k]+c)), e.prot.Cap)
		}
	}
}

func clip(v, cap float64) float64 { return math.Min(math.Max(v, 0), cap) }

// report fills per-fold and summary metrics: RMSE and MAE against the
// capped truth, RMSE against the uncapped truth, and the NASA score summed
// over units, averaged over the cut rounds.
func (e *rulEval) report(rep *Report, folds []metrics.Fold) error {
	for _, f := range folds {
		units := map[int]bool{}
		for _, i := range f.Test {
			units[e.d.unit[i]] = true
		}
		m, err := e.metrics(func(k int) bool { return units[k] })
		if err != nil {
			return err
		}
		rep.Folds = append(rep.Folds, m)
	}
	all, err := e.metrics(func(int) bool { return true })
	if err != nil {
		return err
	}
	for k, v := range all {
		rep.Metrics["cv_"+k] = v
	}
	rep.Metrics["cv_rmse_fold_std"] = stdOf(rep.Folds, "rmse")
	return nil
}

func (e *rulEval) metrics(include func(unit int) bool) (map[string]float64, error) {
	var truth, capped, pred []float64
	rounds := e.prot.Cuts
	nasa := make([]float64, rounds)
	roundRMSE := make([]float64, rounds)
	for r := 0; r < rounds; r++ {
		var tr, pr []float64
		for k := range e.cuts {
			if !include(k) || len(e.cuts[k]) == 0 {
				continue
			}
			c := e.cuts[k][r]
			tv := e.d.truth[e.d.start[k]+c]
			tr = append(tr, math.Min(tv, e.prot.Cap))
			pr = append(pr, e.pred[k][r])
			truth = append(truth, tv)
		}
		var err error
		if nasa[r], err = metrics.NASAScore(tr, pr); err != nil {
			return nil, err
		}
		roundRMSE[r], _ = metrics.RMSE(tr, pr)
		capped = append(capped, tr...)
		pred = append(pred, pr...)
	}
	m := map[string]float64{}
	var err error
	if m["rmse"], err = metrics.RMSE(capped, pred); err != nil {
		return nil, err
	}
	m["mae"], _ = metrics.MAE(capped, pred)
	m["rmse_uncapped"], _ = metrics.RMSE(truth, pred)
	var ns, rs, rss float64
	for r := range nasa {
		ns += nasa[r]
		rs += roundRMSE[r]
		rss += roundRMSE[r] * roundRMSE[r]
	}
	n := float64(rounds)
	m["nasa_score"] = ns / n
	m["rmse_round_std"] = math.Sqrt(math.Max(rss/n-(rs/n)*(rs/n), 0))
	return m, nil
}
