package tabular

import (
	"bytes"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"smartmaint"
)

// UnitsColumns names the columns of testdata/units.txt.
var UnitsColumns = []string{"unit", "cycle", "op", "const", "s1", "s2", "s3"}

func fixture(tb testing.TB, name string, opts ReadOptions) *Table {
	tb.Helper()
	return readFile(tb, "testdata/"+name, opts)
}

// smallClassify is a fast configuration for the failures fixture.
func smallClassify() TrainConfig {
	c := DefaultTrainConfig(TaskClassify)
	c.Roles = Roles{Target: "failure", ID: "id", Drop: []string{"mode"}}
	c.GBDT.Rounds = 40
	c.GBDT.LearningRate = 0.3
	c.Folds, c.InnerFolds = 3, 3
	return c
}

var classified struct {
	once sync.Once
	p    *Pipeline
	rep  *Report
	err  error
}

// trainedClassifier trains the failures fixture once for all tests.
func trainedClassifier(tb testing.TB) (*Table, *Pipeline, *Report) {
	tb.Helper()
	tab := fixture(tb, "failures.csv", ReadOptions{})
	classified.once.Do(func() { classified.p, classified.rep, classified.err = Train(tab, smallClassify()) })
	if classified.err != nil {
		tb.Fatal(classified.err)
	}
	return tab, classified.p, classified.rep
}

func smallRUL() TrainConfig {
	c := DefaultTrainConfig(TaskRUL)
	c.Roles = Roles{ID: "unit", Time: "cycle"}
	c.GBDT.Rounds = 80
	c.GBDT.LearningRate = 0.1
	c.GBDT.MinLeaf = 20
	c.Folds = 4
	c.Protocol.Cap = 60
	c.Protocol.Cuts = 3
	c.Protocol.MaxRUL = 70
	return c
}

func TestClassifyPipeline(t *testing.T) {
	tab, p, rep := trainedClassifier(t)
	// The fixture's failures follow three physical rules plus 1 % noise; the
	// interactions make them learnable.
	if rep.Metrics["cv_f1"] < 0.8 || rep.Metrics["cv_pr_auc"] < 0.8 {
		t.Fatalf("cv metrics %v: want F1 and PR-AUC >= 0.8", rep.Metrics)
	}
	if rep.Positives != 100 || rep.Rows != 600 || len(rep.Folds) != 3 || len(rep.Reliability) != 10 {
		t.Fatalf("report: positives %d rows %d folds %d bins %d", rep.Positives, rep.Rows, len(rep.Folds), len(rep.Reliability))
	}
	for _, f := range p.Features {
		if f.A == "mode" || f.B == "mode" || f.A == "id" || f.A == "failure" {
			t.Fatalf("feature %q uses a dropped, id or target column", f.Name)
		}
	}
	preds, err := p.Predict(tab, PredictOptions{Explain: 2})
	if err != nil {
		t.Fatal(err)
	}
	y, _ := tab.Float("failure")
	wrong := 0
	for i, pr := range preds {
		if pr.Value < 0 || pr.Value > 1 || len(pr.Top) != 2 || pr.Key != tab.Cells[0][i] {
			t.Fatalf("prediction %d: %+v", i, pr)
		}
		if float64(pr.Label) != y[i] {
			wrong++
		}
	}
	if wrong > 30 {
		t.Fatalf("%d of 600 training rows mislabelled", wrong)
	}
}

func TestExplanationsAddUp(t *testing.T) {
	tab, p, _ := trainedClassifier(t)
	preds, err := p.Predict(tab, PredictOptions{Explain: len(p.FeatureNames)})
	if err != nil {
		t.Fatal(err)
	}
	for i, pr := range preds[:50] {
		s := pr.Expected
		for _, c := range pr.Top {
			s += c.Value
		}
		if math.Abs(s-pr.Raw) > 1e-9 {
			t.Fatalf("row %d: expected %g + contributions = %g, raw %g", i, pr.Expected, s, pr.Raw)
		}
		for k := 1; k < len(pr.Top); k++ {
			if math.Abs(pr.Top[k].Value) > math.Abs(pr.Top[k-1].Value) {
				t.Fatalf("row %d: contributions not sorted by magnitude", i)
			}
		}
	}
}

func TestDeterministicArtifact(t *testing.T) {
	tab, a, _ := trainedClassifier(t)
	b, _, err := Train(tab, smallClassify())
	if err != nil {
		t.Fatal(err)
	}
	ba, _ := a.Marshal()
	bb, _ := b.Marshal()
	if !bytes.Equal(ba, bb) {
		t.Fatal("the same seed gave different artifacts")
	}
	back, err := Load(ba)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := back.Marshal()
	if !bytes.Equal(ba, again) {
		t.Fatal("load then marshal changed the artifact")
	}
	pa, _ := a.Predict(tab, PredictOptions{})
	pb, _ := back.Predict(tab, PredictOptions{})
	for i := range pa {
		if pa[i].Value != pb[i].Value || pa[i].Raw != pb[i].Raw || pa[i].Label != pb[i].Label {
			t.Fatalf("row %d: %+v vs %+v after reload", i, pa[i], pb[i])
		}
	}
	cfg := smallClassify()
	cfg.Seed = 2
	c, _, _ := Train(tab, cfg)
	bc, _ := c.Marshal()
	if bytes.Equal(ba, bc) {
		t.Fatal("different seeds gave identical artifacts")
	}
}

func TestLoadRejectsBadArtifacts(t *testing.T) {
	_, p, _ := trainedClassifier(t)
	good, _ := p.Marshal()
	for name, mod := range map[string]func(string) string{
		"format":  func(s string) string { return strings.Replace(s, `"smartmaint.pipeline"`, `"other"`, 1) },
		"version": func(s string) string { return strings.Replace(s, `"version":1`, `"version":9`, 1) },
		"unknown": func(s string) string { return strings.Replace(s, `{"format"`, `{"extra":1,"format"`, 1) },
		"task":    func(s string) string { return strings.Replace(s, `"task":"classify"`, `"task":"cluster"`, 1) },
		"truncated": func(s string) string {
			return s[:len(s)/2]
		},
	} {
		if _, err := Load([]byte(mod(string(good)))); err == nil {
			t.Errorf("%s: bad artifact accepted", name)
		}
	}
}

func TestPredictEnforcesSchema(t *testing.T) {
	_, p, _ := trainedClassifier(t)
	renamed, _ := Read(strings.NewReader("id,Type,air_temp,process_temp,rpm,torque,wear\n1,L,300,310,1500,40,10\n"), ReadOptions{})
	_, err := p.Predict(renamed, PredictOptions{})
	msg := smartmaint.ErrorMessage(err)
	if err == nil || !strings.Contains(msg, `missing column(s) "speed"`) || !strings.Contains(msg, `unexpected column(s) "rpm"`) {
		t.Fatalf("renamed column: %v", err)
	}
	// Without the target and the dropped column the input is fine.
	ok, _ := Read(strings.NewReader("id,Type,air_temp,process_temp,speed,torque,wear\n7,M,300,310,1500,40,10\n"), ReadOptions{})
	preds, err := p.Predict(ok, PredictOptions{})
	if err != nil || len(preds) != 1 || preds[0].Key != "7" {
		t.Fatalf("valid input: %v %+v", err, preds)
	}
	nan, _ := Read(strings.NewReader("id,Type,air_temp,process_temp,speed,torque,wear\n8,H,,310,1500,,10\n"), ReadOptions{})
	if preds, err := p.Predict(nan, PredictOptions{Explain: 3}); err != nil || math.IsNaN(preds[0].Value) {
		t.Fatalf("missing values: %v %+v", err, preds)
	}
}

func TestRULPipeline(t *testing.T) {
	tab := fixture(t, "units.txt", ReadOptions{Columns: UnitsColumns})
	p, rep, err := Train(tab, smallRUL())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Units != 16 || len(rep.Folds) != 4 {
		t.Fatalf("units %d folds %d", rep.Units, len(rep.Folds))
	}
	// The constant column is in the schema (required) but not an input.
	if strings.Contains(strings.Join(p.Inputs, ","), "const") || p.Schema.Find("const").Role != RoleFeature {
		t.Fatalf("inputs %v", p.Inputs)
	}
	// A constant prediction of the cap's middle would score about 20 here.
	if r := rep.Metrics["cv_rmse"]; r > 12 {
		t.Fatalf("cv RMSE %g, want < 12", r)
	}
	if rep.Metrics["cv_nasa_score"] <= 0 {
		t.Fatalf("NASA score %g", rep.Metrics["cv_nasa_score"])
	}
	// Predict on the units cut 20 steps before their end: one row per unit.
	var b strings.Builder
	f, _ := os.ReadFile("testdata/units.txt")
	lines := strings.Split(strings.TrimSpace(string(f)), "\n")
	count := map[string]int{}
	for _, l := range lines {
		count[strings.Fields(l)[0]]++
	}
	seen := map[string]int{}
	for _, l := range lines {
		u := strings.Fields(l)[0]
		seen[u]++
		if seen[u] <= count[u]-20 {
			b.WriteString(l + "\n")
		}
	}
	cut, err := Read(strings.NewReader(b.String()), p.ReadOptions())
	if err != nil {
		t.Fatal(err)
	}
	preds, err := p.Predict(cut, PredictOptions{Explain: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != 16 || preds[0].Key != "1" {
		t.Fatalf("%d predictions, first %+v", len(preds), preds[0])
	}
	var se float64
	for _, pr := range preds {
		if pr.Value < 0 || pr.Value > 60 {
			t.Fatalf("RUL %g outside [0, cap]", pr.Value)
		}
		se += (pr.Value - 20) * (pr.Value - 20)
	}
	if rmse := math.Sqrt(se / 16); rmse > 12 {
		t.Fatalf("RMSE at 20 cycles before failure %g (training units)", rmse)
	}
}

func TestRULNeedsID(t *testing.T) {
	tab := fixture(t, "units.txt", ReadOptions{Columns: UnitsColumns})
	c := smallRUL()
	c.Roles.ID = ""
	if _, _, err := Train(tab, c); err == nil || !strings.Contains(err.Error()+smartmaint.ErrorMessage(err), "id") {
		t.Fatalf("rul without id: %v", err)
	}
}

func TestRegressPipeline(t *testing.T) {
	tab := fixture(t, "failures.csv", ReadOptions{})
	c := DefaultTrainConfig(TaskRegress)
	c.Roles = Roles{Target: "process_temp", Drop: []string{"mode", "failure", "id"}}
	c.GBDT.Rounds = 100
	c.Folds = 3
	p, rep, err := Train(tab, c)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Metrics["cv_r2"] < 0.7 {
		t.Fatalf("cv R² %g", rep.Metrics["cv_r2"])
	}
	preds, err := p.Predict(tab, PredictOptions{})
	if err != nil || preds[0].Key != "1" {
		t.Fatalf("%v %+v", err, preds[0])
	}
}
