package tabular

import (
	"math"
	"testing"

	"smartmaint"
)

func TestEvaluateClassifierMatchesItsPredictions(t *testing.T) {
	tab, p, _ := trainedClassifier(t)
	m, err := p.Evaluate(tab)
	if err != nil {
		t.Fatal(err)
	}
	preds, err := p.Predict(tab, PredictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	y, _ := tab.Float("failure")
	var tp, fp, fn float64
	for i, pr := range preds {
		switch {
		case pr.Label == 1 && y[i] == 1:
			tp++
		case pr.Label == 1:
			fp++
		case y[i] == 1:
			fn++
		}
	}
	if want := 2 * tp / (2*tp + fp + fn); math.Abs(m["f1"]-want) > 1e-12 {
		t.Errorf("f1 %g, want %g from the labels Predict gives", m["f1"], want)
	}
	for _, k := range []string{"precision", "recall", "pr_auc", "roc_auc", "brier"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %s in %v", k, m)
		}
	}
	if _, ok := m["tp"]; ok {
		t.Error("counts reported as scores")
	}
}

func TestEvaluateRULAtEveryStep(t *testing.T) {
	tab := fixture(t, "units.txt", ReadOptions{Columns: UnitsColumns})
	p, _, err := Train(tab, smallRUL())
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Evaluate(tab)
	if err != nil {
		t.Fatal(err)
	}
	// The same figure by hand: the capped steps to each unit's end against
	// the model's clipped output at every step.
	d, err := buildRUL(tab, p.Inputs, *p.Window, "unit", "cycle", "", p.RULCap)
	if err != nil {
		t.Fatal(err)
	}
	var sse, sseMean, mean float64
	for _, v := range d.y {
		mean += v / float64(len(d.y))
	}
	for i, v := range d.y {
		e := math.Min(math.Max(p.Model.Raw(d.x.Row(i)), 0), p.RULCap) - v
		sse += e * e
		sseMean += (mean - v) * (mean - v)
	}
	if want := math.Sqrt(sse / float64(len(d.y))); math.Abs(m["rmse"]-want) > 1e-9 {
		t.Errorf("rmse %g, want %g", m["rmse"], want)
	}
	if base := math.Sqrt(sseMean / float64(len(d.y))); !(m["rmse"] < base/2) {
		t.Errorf("rmse %g on its training units, not below half of a constant guess's %g", m["rmse"], base)
	}
}

func TestEvaluateNeedsTheTarget(t *testing.T) {
	tab, p, _ := trainedClassifier(t)
	cols := []string{}
	for _, c := range tab.Columns {
		if c != "failure" {
			cols = append(cols, c)
		}
	}
	rows := make([][]string, tab.Rows())
	for r := range rows {
		for _, c := range cols {
			cells, _ := tab.Column(c)
			rows[r] = append(rows[r], cells[r])
		}
	}
	unlabelled, err := NewTable(cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Evaluate(unlabelled); smartmaint.ErrorCode(err) != smartmaint.EINVALID {
		t.Fatalf("%v, want %s", err, smartmaint.EINVALID)
	}
}
