package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/stat"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g", name, got, want)
	}
}

func TestConfusion(t *testing.T) {
	labels := []float64{1, 1, 1, 0, 0, 0, 0}
	scores := []float64{0.9, 0.6, 0.2, 0.7, 0.1, 0.3, 0.0}
	c, err := ConfusionAt(labels, scores, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if c != (Confusion{TP: 2, FP: 1, TN: 3, FN: 1}) {
		t.Fatalf("confusion = %+v", c)
	}
	near(t, "precision", c.Precision(), 2.0/3, 1e-15)
	near(t, "recall", c.Recall(), 2.0/3, 1e-15)
	near(t, "f1", c.F1(), 2.0/3, 1e-15)
	if (Confusion{TN: 5}).F1() != 0 {
		t.Error("F1 with no positives and no predictions should be 0")
	}
}

func TestRankingKnownValues(t *testing.T) {
	// The example of scikit-learn's average_precision_score and roc_auc_score.
	labels := []float64{0, 0, 1, 1}
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	ap, err := PRAUC(labels, scores)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "average precision", ap, 0.8333333333333333, 1e-12)
	auc, err := ROCAUC(labels, scores)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "roc auc", auc, 0.75, 1e-15)
	// All tied: AUC one half, AP the prevalence.
	tied := []float64{0.5, 0.5, 0.5, 0.5}
	auc, _ = ROCAUC(labels, tied)
	near(t, "tied auc", auc, 0.5, 0)
	ap, _ = PRAUC(labels, tied)
	near(t, "tied ap", ap, 0.5, 0)
	if _, err := PRAUC([]float64{0, 0}, []float64{1, 2}); err == nil {
		t.Error("PR-AUC without positives should fail")
	}
	if _, err := ROCAUC([]float64{1, 1}, []float64{1, 2}); err == nil {
		t.Error("ROC-AUC with one class should fail")
	}
	if _, err := ROCAUC([]float64{1, 0}, []float64{math.NaN(), 2}); err == nil {
		t.Error("NaN score should fail")
	}
}

// TestROCAUCAgainstGonum compares with the trapezoidal area under gonum's
// ROC curve on random scores with ties.
func TestROCAUCAgainstGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 500
	labels := make([]float64, n)
	scores := make([]float64, n)
	classes := make([]bool, n)
	for i := range labels {
		if rng.Float64() < 0.3 {
			labels[i] = 1
			classes[i] = true
		}
		scores[i] = math.Round((rng.NormFloat64()+labels[i])*10) / 10
	}
	got, err := ROCAUC(labels, scores)
	if err != nil {
		t.Fatal(err)
	}
	// gonum wants the scores sorted ascending with classes alongside.
	idx := order(scores)
	y := make([]float64, n)
	c := make([]bool, n)
	for k := range idx {
		y[n-1-k] = scores[idx[k]]
		c[n-1-k] = classes[idx[k]]
	}
	tpr, fpr, _ := stat.ROC(nil, y, c, nil)
	want := integrate.Trapezoidal(fpr, tpr)
	near(t, "roc auc vs gonum", got, want, 1e-12)
}

func TestRegressionMetrics(t *testing.T) {
	truth := []float64{10, 20, 30}
	pred := []float64{12, 17, 30}
	r, _ := RMSE(truth, pred)
	near(t, "rmse", r, math.Sqrt(13.0/3), 1e-15)
	m, _ := MAE(truth, pred)
	near(t, "mae", m, 5.0/3, 1e-15)
	r2, _ := R2(truth, pred)
	near(t, "r2", r2, 1-13.0/200, 1e-15)
	// d = +2 (late) and −3 (early) and 0.
	s, _ := NASAScore(truth, pred)
	near(t, "nasa", s, math.Exp(0.2)-1+math.Exp(3.0/13)-1, 1e-15)
	if _, err := RMSE(nil, nil); err == nil {
		t.Error("RMSE of nothing should fail")
	}
	if _, err := RMSE([]float64{1}, []float64{1, 2}); err == nil {
		t.Error("length mismatch should fail")
	}
	r2, _ = R2([]float64{5, 5}, []float64{5, 5})
	near(t, "r2 constant exact", r2, 0, 0)
}

func TestBrierAndReliability(t *testing.T) {
	labels := []float64{1, 0, 1, 0}
	probs := []float64{0.9, 0.1, 0.6, 0.8}
	b, err := Brier(labels, probs)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "brier", b, (0.01+0.01+0.16+0.64)/4, 1e-15)
	bins, ece, err := Reliability(labels, probs, 2)
	if err != nil {
		t.Fatal(err)
	}
	if bins[0].Count != 1 || bins[1].Count != 3 {
		t.Fatalf("bin counts %d %d", bins[0].Count, bins[1].Count)
	}
	near(t, "bin1 mean", bins[1].MeanPred, (0.9+0.6+0.8)/3, 1e-15)
	near(t, "bin1 freq", bins[1].Frequency, 2.0/3, 1e-15)
	near(t, "ece", ece, 0.25*0.1+0.75*math.Abs(2.0/3-2.3/3), 1e-12)
	if _, err := Brier(labels, []float64{1.2, 0, 0, 0}); err == nil {
		t.Error("probability above 1 should fail")
	}
}

func TestBestF1Threshold(t *testing.T) {
	labels := []float64{1, 1, 0, 1, 0, 0}
	scores := []float64{0.9, 0.8, 0.7, 0.6, 0.2, 0.1}
	th, f1, err := BestF1Threshold(labels, scores)
	if err != nil {
		t.Fatal(err)
	}
	// Calling the top four positive gives TP 3, FP 1: F1 6/7.
	near(t, "f1", f1, 6.0/7, 1e-15)
	near(t, "threshold", th, 0.4, 1e-15)
	c, _ := ConfusionAt(labels, scores, th)
	near(t, "f1 at threshold", c.F1(), f1, 1e-15)
}

func foldCheck(t *testing.T, folds []Fold, n int) {
	t.Helper()
	seen := make([]int, n)
	for _, f := range folds {
		if len(f.Train)+len(f.Test) != n {
			t.Fatalf("fold covers %d of %d", len(f.Train)+len(f.Test), n)
		}
		for _, i := range f.Test {
			seen[i]++
		}
	}
	for i, s := range seen {
		if s != 1 {
			t.Fatalf("sample %d is in %d test folds", i, s)
		}
	}
}

func TestStratifiedKFold(t *testing.T) {
	labels := make([]float64, 1000)
	for i := 0; i < 34; i++ {
		labels[i*29] = 1
	}
	folds, err := StratifiedKFold(labels, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	foldCheck(t, folds, len(labels))
	for _, f := range folds {
		pos := 0
		for _, i := range f.Test {
			pos += int(labels[i])
		}
		if pos < 6 || pos > 7 || len(f.Test) != 200 {
			t.Errorf("fold has %d positives of %d, want 6–7 of 200", pos, len(f.Test))
		}
	}
	again, _ := StratifiedKFold(labels, 5, 7)
	for k := range folds {
		for j := range folds[k].Test {
			if folds[k].Test[j] != again[k].Test[j] {
				t.Fatal("same seed gave different folds")
			}
		}
	}
	if _, err := StratifiedKFold([]float64{1, 0, 0, 0, 0, 0}, 5, 1); err == nil {
		t.Error("a class smaller than k should fail")
	}
}

func TestGroupKFold(t *testing.T) {
	var groups []string
	for u := 0; u < 23; u++ {
		for c := 0; c <= u%7+3; c++ {
			groups = append(groups, string(rune('A'+u)))
		}
	}
	folds, err := GroupKFold(groups, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	foldCheck(t, folds, len(groups))
	for k, f := range folds {
		test := map[string]bool{}
		for _, i := range f.Test {
			test[groups[i]] = true
		}
		for _, i := range f.Train {
			if test[groups[i]] {
				t.Fatalf("fold %d: group %s is in both train and test", k, groups[i])
			}
		}
		if len(test) < 4 || len(test) > 5 {
			t.Errorf("fold %d has %d groups, want 4–5", k, len(test))
		}
	}
	if _, err := GroupKFold([]string{"a", "a", "b"}, 3, 1); err == nil {
		t.Error("fewer groups than folds should fail")
	}
}

func TestKFold(t *testing.T) {
	folds, err := KFold(11, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	foldCheck(t, folds, 11)
	if _, err := KFold(3, 1, 1); err == nil {
		t.Error("k = 1 should fail")
	}
}
