package tabular

import "smartmaint"

// Evaluate scores the pipeline on labelled data it was not trained on, for
// a promotion gate that compares two versions on the same held-out file.
// The table must hold the model's columns and its target:
//
//   - classify: f1, precision and recall at the model's own threshold,
//     pr_auc, roc_auc and brier of the calibrated probabilities;
//   - regress: rmse, mae and r2;
//   - rul: rmse and mae of the remaining life predicted at every step of
//     every unit (from that step's past only) against the truth capped as in
//     training — the target column when the model was trained with one, else
//     the steps to each unit's last row, so the file holds run-to-failure
//     histories.
func (p *Pipeline) Evaluate(t *Table) (map[string]float64, error) {
	if err := p.Schema.Check(t); err != nil {
		return nil, err
	}
	if t.Rows() == 0 {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "the held-out data has no rows")
	}
	if p.Task == TaskRUL {
		return p.evaluateRUL(t)
	}
	if p.Target == "" || t.Index(p.Target) < 0 {
		return nil, smartmaint.FieldErrorf(p.Target, "the held-out data needs the target column to be scored")
	}
	y, err := targetColumn(t, p.Task, p.Target)
	if err != nil {
		return nil, err
	}
	preds, err := p.Predict(t, PredictOptions{})
	if err != nil {
		return nil, err
	}
	values := make([]float64, len(preds))
	for i, pr := range preds {
		values[i] = pr.Value
	}
	if p.Task == TaskClassify {
		m, err := classificationMetrics(y, values, p.Threshold)
		if err != nil {
			return nil, smartmaint.Errorf(smartmaint.EINVALID, "held-out data: %v", err)
		}
		for _, k := range []string{"threshold", "tp", "fp", "fn", "tn"} {
			delete(m, k) // counts and the model's own threshold, not scores
		}
		return m, nil
	}
	return regressionMetrics(y, values)
}

func (p *Pipeline) evaluateRUL(t *Table) (map[string]float64, error) {
	target := ""
	if p.Target != "" && t.Index(p.Target) >= 0 {
		target = p.Target
	}
	d, err := buildRUL(t, p.Inputs, *p.Window, p.IDColumn, p.TimeColumn, target, p.RULCap)
	if err != nil {
		return nil, err
	}
	pred := make([]float64, d.x.Rows)
	for i := range pred {
		pred[i] = clip(p.Model.Raw(d.x.Row(i)), p.RULCap)
	}
	return regressionMetrics(d.y, pred)
}
