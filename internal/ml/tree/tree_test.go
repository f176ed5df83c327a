package tree

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// synth returns n rows of d features uniform in [0, 1) and a target
// y = f(x) (+ noise).
func synth(n, d int, seed uint64, f func(x []float64, rng *rand.Rand) float64) (Matrix, []float64) {
	rng := rand.New(rand.NewPCG(seed, 9))
	x := NewMatrix(n, d)
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, rng.Float64())
		}
		y[i] = f(x.Row(i), rng)
	}
	return x, y
}

func mse(m *Model, x Matrix, y []float64) float64 {
	var s float64
	for i := 0; i < x.Rows; i++ {
		d := m.Raw(x.Row(i)) - y[i]
		s += d * d
	}
	return s / float64(x.Rows)
}

func TestCARTFitsStepExactly(t *testing.T) {
	x, y := synth(200, 3, 1, func(x []float64, _ *rand.Rand) float64 {
		if x[1] > 0.6 {
			return 5
		}
		return -1
	})
	m, err := TrainCART(x, y, DefaultCARTParams(Regression))
	if err != nil {
		t.Fatal(err)
	}
	root := m.Trees[0].Nodes[0]
	if root.Feature != 1 || len(m.Trees[0].Nodes) != 3 {
		t.Fatalf("root splits feature %d into %d nodes; want feature 1, one split", root.Feature, len(m.Trees[0].Nodes))
	}
	if got := mse(m, x, y); got != 0 {
		t.Fatalf("training MSE %g, want 0", got)
	}
}

// TestCARTRootIsBestSplit compares the root split with an exhaustive search
// over all features and all thresholds between distinct values.
func TestCARTRootIsBestSplit(t *testing.T) {
	x, y := synth(120, 4, 2, func(x []float64, rng *rand.Rand) float64 {
		return math.Sin(6*x[0]) + x[2]*x[3] + 0.3*rng.NormFloat64()
	})
	m, err := TrainCART(x, y, CARTParams{Task: Regression, MaxDepth: 1, MinLeaf: 1, MaxBins: 1024})
	if err != nil {
		t.Fatal(err)
	}
	bestSSE, bestF, bestT := math.Inf(1), -1, 0.0
	for f := 0; f < x.Cols; f++ {
		for i := 0; i < x.Rows; i++ {
			th := x.At(i, f)
			var sl, sr, ql, qr, nl, nr float64
			for k := 0; k < x.Rows; k++ {
				if x.At(k, f) <= th {
					sl, ql, nl = sl+y[k], ql+y[k]*y[k], nl+1
				} else {
					sr, qr, nr = sr+y[k], qr+y[k]*y[k], nr+1
				}
			}
			if nl == 0 || nr == 0 {
				continue
			}
			sse := ql - sl*sl/nl + qr - sr*sr/nr
			if sse < bestSSE-1e-12 {
				bestSSE, bestF, bestT = sse, f, th
			}
		}
	}
	root := m.Trees[0].Nodes[0]
	if root.Feature != bestF {
		t.Fatalf("root feature %d, exhaustive search %d", root.Feature, bestF)
	}
	// The tree's threshold lies between bestT and the next value above it.
	next := math.Inf(1)
	for i := 0; i < x.Rows; i++ {
		if v := x.At(i, bestF); v > bestT && v < next {
			next = v
		}
	}
	if root.Threshold < bestT || root.Threshold >= next {
		t.Fatalf("threshold %g not in [%g, %g)", root.Threshold, bestT, next)
	}
}

func TestCARTClassificationGiniLeaves(t *testing.T) {
	x, y := synth(400, 2, 3, func(x []float64, _ *rand.Rand) float64 {
		if x[0]+x[1] > 1 {
			return 1
		}
		return 0
	})
	m, err := TrainCART(x, y, CARTParams{Task: Classification, MaxDepth: 3, MinLeaf: 5, MaxBins: 255})
	if err != nil {
		t.Fatal(err)
	}
	if m.Output != OutputProbability {
		t.Fatalf("output %q", m.Output)
	}
	for _, n := range m.Trees[0].Nodes {
		if n.IsLeaf() && (n.Value < 0 || n.Value > 1) {
			t.Fatalf("leaf probability %g outside [0, 1]", n.Value)
		}
	}
	if _, err := TrainCART(x, []float64{2}, DefaultCARTParams(Classification)); err == nil {
		t.Error("mismatched targets should fail")
	}
	bad := append([]float64(nil), y...)
	bad[0] = 0.5
	if _, err := TrainCART(x, bad, DefaultCARTParams(Classification)); err == nil {
		t.Error("non-binary classification target should fail")
	}
}

func TestGBDTRegressionLearns(t *testing.T) {
	f := func(x []float64, rng *rand.Rand) float64 {
		return 3*math.Sin(4*x[0]) + 2*x[1]*x[2] + 0.1*rng.NormFloat64()
	}
	x, y := synth(2000, 5, 4, f)
	xt, yt := synth(500, 5, 5, f)
	p := DefaultGBDTParams(Squared)
	m, info, err := TrainGBDT(x, y, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Rounds < 50 || info.ValidRows != 300 {
		t.Fatalf("rounds %d, valid rows %d", info.Rounds, info.ValidRows)
	}
	var varY float64
	for _, v := range yt {
		varY += v * v
	}
	if got := mse(m, xt, yt); got > 0.05 {
		t.Fatalf("test MSE %g, want < 0.05 (target mean square %g)", got, varY/float64(len(yt)))
	}
}

func TestGBDTLogistic(t *testing.T) {
	x, y := synth(3000, 4, 6, func(x []float64, rng *rand.Rand) float64 {
		if x[0]*x[1] > 0.25+0.05*rng.NormFloat64() {
			return 1
		}
		return 0
	})
	m, _, err := TrainGBDT(x, y, nil, DefaultGBDTParams(Logistic))
	if err != nil {
		t.Fatal(err)
	}
	if m.Output != OutputLogOdds {
		t.Fatalf("output %q", m.Output)
	}
	wrong := 0
	for i := 0; i < x.Rows; i++ {
		p := m.Probability(x.Row(i))
		if (p >= 0.5) != (y[i] == 1) {
			wrong++
		}
	}
	if wrong > x.Rows/10 {
		t.Fatalf("%d of %d training rows misclassified", wrong, x.Rows)
	}
}

func TestGBDTValidationIsGrouped(t *testing.T) {
	n := 600
	groups := make([]string, n)
	y := make([]float64, n)
	for i := range groups {
		groups[i] = string(rune('a' + i/30))
	}
	p := DefaultGBDTParams(Squared)
	p.ValidationFraction = 0.25
	train, valid := validationSplit(y, groups, p, rand.New(rand.NewPCG(1, 1)))
	inValid := map[string]bool{}
	for _, i := range valid {
		inValid[groups[i]] = true
	}
	for _, i := range train {
		if inValid[groups[i]] {
			t.Fatalf("group %s is in both the training and validation split", groups[i])
		}
	}
	if len(inValid) != 5 {
		t.Fatalf("%d validation groups, want 5 of 20", len(inValid))
	}
}

func TestGBDTParamsValidate(t *testing.T) {
	for name, mod := range map[string]func(*GBDTParams){
		"objective":     func(p *GBDTParams) { p.Objective = "hinge" },
		"learning rate": func(p *GBDTParams) { p.LearningRate = 0 },
		"subsample":     func(p *GBDTParams) { p.Subsample = 1.5 },
		"leaves":        func(p *GBDTParams) { p.MaxLeaves = 1 },
		"no limit":      func(p *GBDTParams) { p.MaxLeaves, p.MaxDepth = 0, 0 },
		"valid frac":    func(p *GBDTParams) { p.ValidationFraction = 1 },
	} {
		p := DefaultGBDTParams(Squared)
		mod(&p)
		if p.Validate() == nil {
			t.Errorf("%s: invalid parameters accepted", name)
		}
	}
}

func encode(t *testing.T, m *Model) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterminismAndRoundTrip(t *testing.T) {
	x, y := synth(800, 6, 7, func(x []float64, rng *rand.Rand) float64 {
		return x[0] + x[1]*x[1] + 0.2*rng.NormFloat64()
	})
	p := DefaultGBDTParams(Squared)
	p.Rounds = 60
	a, _, _ := TrainGBDT(x, y, nil, p)
	b, _, _ := TrainGBDT(x, y, nil, p)
	ja, jb := encode(t, a), encode(t, b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("same seed gave different models")
	}
	p.Seed = 2
	c, _, _ := TrainGBDT(x, y, nil, p)
	if bytes.Equal(ja, encode(t, c)) {
		t.Fatal("different seeds gave identical models")
	}
	var back Model
	if err := json.Unmarshal(ja, &back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, encode(t, &back)) {
		t.Fatal("decode then encode changed the bytes")
	}
	for i := 0; i < x.Rows; i++ {
		if a.Raw(x.Row(i)) != back.Raw(x.Row(i)) {
			t.Fatalf("row %d: prediction changed after round trip", i)
		}
	}
}

func TestForestDeterministicAcrossCPUs(t *testing.T) {
	x, y := synth(500, 5, 8, func(x []float64, rng *rand.Rand) float64 {
		if x[0]+0.3*rng.NormFloat64() > 0.5 {
			return 1
		}
		return 0
	})
	p := DefaultForestParams(Classification)
	p.Trees = 20
	prev := runtime.GOMAXPROCS(1)
	a, err := TrainForest(x, y, p)
	runtime.GOMAXPROCS(4)
	b, _ := TrainForest(x, y, p)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, a), encode(t, b)) {
		t.Fatal("forest depends on the number of CPUs")
	}
	// Averaged leaves: the raw output is a probability.
	for i := 0; i < x.Rows; i++ {
		if v := a.Raw(x.Row(i)); v < -1e-12 || v > 1+1e-12 {
			t.Fatalf("forest output %g outside [0, 1]", v)
		}
	}
}

func TestForestRegressionBeatsMean(t *testing.T) {
	f := func(x []float64, rng *rand.Rand) float64 { return 4*x[0] - 2*x[1] + 0.1*rng.NormFloat64() }
	x, y := synth(1000, 4, 10, f)
	xt, yt := synth(300, 4, 11, f)
	p := DefaultForestParams(Regression)
	p.Trees = 50
	m, err := TrainForest(x, y, p)
	if err != nil {
		t.Fatal(err)
	}
	// The target's variance is 16/12 + 4/12 ≈ 1.67: the forest must explain
	// more than 90 % of it.
	if got := mse(m, xt, yt); got > 0.167 {
		t.Fatalf("forest test MSE %g, want < 0.167", got)
	}
}

func TestMissingAndConstantColumns(t *testing.T) {
	x, y := synth(1000, 3, 12, func(x []float64, _ *rand.Rand) float64 { return 10 * x[0] })
	for i := 0; i < x.Rows; i++ {
		x.Set(i, 2, 7) // constant column
		if i%4 == 0 {
			x.Set(i, 0, math.NaN())
			y[i] = 20 // missing values carry their own signal
		}
	}
	p := DefaultGBDTParams(Squared)
	m, _, err := TrainGBDT(x, y, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range m.Trees {
		for _, n := range tr.Nodes {
			if n.Feature == 2 {
				t.Fatal("split on a constant column")
			}
		}
	}
	nan := []float64{math.NaN(), 0.5, 7}
	if got := m.Raw(nan); math.Abs(got-20) > 1 {
		t.Fatalf("prediction for a missing value %g, want about 20", got)
	}
	if got := m.Raw([]float64{0.5, 0.5, 7}); math.Abs(got-5) > 1 {
		t.Fatalf("prediction %g, want about 5", got)
	}
	// All-NaN and all-constant inputs train a model that predicts the mean.
	flat := NewMatrix(50, 2)
	for i := range flat.Data {
		flat.Data[i] = math.NaN()
	}
	yy := make([]float64, 50)
	for i := range yy {
		yy[i] = float64(i % 2)
	}
	m2, _, err := TrainGBDT(flat, yy, nil, GBDTParams{Objective: Squared, Rounds: 5, LearningRate: 0.1,
		MaxLeaves: 4, MinLeaf: 1, L2: 1, Subsample: 1, ColSample: 1, MaxBins: 16})
	if err != nil {
		t.Fatal(err)
	}
	if got := m2.Raw([]float64{1, 2}); got != 0.5 {
		t.Fatalf("prediction without usable features %g, want the mean 0.5", got)
	}
}

func TestValidateRejectsCorruptModels(t *testing.T) {
	good := &Model{Kind: KindCART, Output: OutputValue, NumFeatures: 2, Trees: []Tree{{Nodes: []Node{
		{Feature: 1, Threshold: 0.5, Left: 1, Right: 2, Cover: 10},
		{Feature: -1, Value: 1, Cover: 4}, {Feature: -1, Value: 2, Cover: 6}}}}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(m *Model){
		"feature out of range": func(m *Model) { m.Trees[0].Nodes[0].Feature = 5 },
		"cycle":                func(m *Model) { m.Trees[0].Nodes[0].Left = 0 },
		"zero cover":           func(m *Model) { m.Trees[0].Nodes[1].Cover = 0 },
		"kind":                 func(m *Model) { m.Kind = "svm" },
	} {
		b := encode(t, good)
		var m Model
		_ = json.Unmarshal(b, &m)
		mod(&m)
		if m.Validate() == nil {
			t.Errorf("%s: corrupt model accepted", name)
		}
	}
}
