package tabular

import (
	"testing"

	"smartmaint/internal/ml/tree"
)

func ai4iMatrix(b *testing.B) (tree.Matrix, []float64, TrainConfig) {
	tab := readFile(b, sharedData(b, "ai4i2020/ai4i2020.csv"), ReadOptions{})
	cfg := ai4iConfig()
	s, err := InferSchema(tab, cfg.Roles)
	if err != nil {
		b.Fatal(err)
	}
	y, _ := targetColumn(tab, cfg.Task, cfg.Roles.Target)
	x, err := buildMatrix(tab, s, planFeatures(s, true))
	if err != nil {
		b.Fatal(err)
	}
	return x, y, cfg
}

// BenchmarkGBDTAI4I fits one boosted classifier on all AI4I rows with the
// default classify parameters (300 trees of 8 leaves, 38 features).
func BenchmarkGBDTAI4I(b *testing.B) {
	x, y, cfg := ai4iMatrix(b)
	p := cfg.GBDT
	p.Objective = tree.Logistic
	b.ResetTimer()
	for range b.N {
		_, info, err := tree.TrainGBDT(x, y, nil, p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(info.Rounds), "trees")
	}
}

// BenchmarkCalibratedClassifierAI4I builds the model that `ml train`
// registers: out-of-fold scores of the inner folds, isotonic calibration,
// threshold, final fit (the folds and the final fit run in parallel).
func BenchmarkCalibratedClassifierAI4I(b *testing.B) {
	x, y, cfg := ai4iMatrix(b)
	b.ResetTimer()
	for range b.N {
		if _, err := fitClassifier(x, y, &cfg, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRULFD001 computes the window features of all 20,631 FD001 rows
// and fits the final boosted model on them (grouped early stopping).
func BenchmarkRULFD001(b *testing.B) {
	tab := readFile(b, sharedData(b, "cmapss/train_FD001.txt"), ReadOptions{Columns: FD001Columns})
	cfg := fd001Config()
	b.ResetTimer()
	for range b.N {
		s, err := InferSchema(tab, cfg.Roles)
		if err != nil {
			b.Fatal(err)
		}
		inputs, err := rulInputs(tab, s)
		if err != nil {
			b.Fatal(err)
		}
		d, err := buildRUL(tab, inputs, cfg.Window, "unit", "cycle", "", cfg.Protocol.Cap)
		if err != nil {
			b.Fatal(err)
		}
		groups := make([]string, d.x.Rows)
		for i, k := range d.unit {
			groups[i] = d.u.ids[k]
		}
		p := cfg.GBDT
		_, info, err := tree.TrainGBDT(d.x, d.y, groups, p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(info.Rounds), "trees")
	}
}

// BenchmarkRULFeaturesFD001 computes the window features only.
func BenchmarkRULFeaturesFD001(b *testing.B) {
	tab := readFile(b, sharedData(b, "cmapss/train_FD001.txt"), ReadOptions{Columns: FD001Columns})
	cfg := fd001Config()
	s, _ := InferSchema(tab, cfg.Roles)
	inputs, _ := rulInputs(tab, s)
	b.ResetTimer()
	for range b.N {
		if _, err := buildRUL(tab, inputs, cfg.Window, "unit", "cycle", "", cfg.Protocol.Cap); err != nil {
			b.Fatal(err)
		}
	}
}
