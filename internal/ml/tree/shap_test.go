package tree

import (
	"math"
	"math/rand/v2"
	"testing"
)

// condExpect is E[f(X) | X_S = x_S] as path-dependent TreeSHAP defines it
// (Algorithm 1 of Lundberg et al.): follow x on features in S, average the
// branches by cover otherwise.
func condExpect(t *Tree, node int, x []float64, inS []bool) float64 {
	n := &t.Nodes[node]
	if n.IsLeaf() {
		return n.Value
	}
	if inS[n.Feature] {
		return condExpect(t, n.next(x), x, inS)
	}
	l, r := &t.Nodes[n.Left], &t.Nodes[n.Right]
	return (l.Cover*condExpect(t, n.Left, x, inS) + r.Cover*condExpect(t, n.Right, x, inS)) / n.Cover
}

// bruteShapley computes Shapley values by enumerating all subsets.
func bruteShapley(m *Model, x []float64) []float64 {
	d := m.NumFeatures
	phi := make([]float64, d)
	fact := func(k int) float64 { return math.Gamma(float64(k + 1)) }
	value := func(mask int) float64 {
		inS := make([]bool, d)
		for j := 0; j < d; j++ {
			inS[j] = mask&(1<<j) != 0
		}
		s := m.Base
		for t := range m.Trees {
			s += condExpect(&m.Trees[t], 0, x, inS)
		}
		return s
	}
	for i := 0; i < d; i++ {
		for mask := 0; mask < 1<<d; mask++ {
			if mask&(1<<i) != 0 {
				continue
			}
			size := 0
			for j := 0; j < d; j++ {
				if mask&(1<<j) != 0 {
					size++
				}
			}
			w := fact(size) * fact(d-size-1) / fact(d)
			phi[i] += w * (value(mask|1<<i) - value(mask))
		}
	}
	return phi
}

// randomTree builds a random tree of the given depth on d features, with
// features repeated along paths, consistent covers and random NaN routing.
func randomTree(rng *rand.Rand, d, depth int) Tree {
	t := Tree{}
	var build func(level int, cover float64) int
	build = func(level int, cover float64) int {
		i := len(t.Nodes)
		t.Nodes = append(t.Nodes, Node{Feature: -1, Cover: cover, Value: rng.NormFloat64()})
		if level == depth || (level > 1 && rng.Float64() < 0.2) {
			return i
		}
		share := 0.1 + 0.8*rng.Float64()
		l := build(level+1, cover*share)
		r := build(level+1, cover*(1-share))
		t.Nodes[i] = Node{Feature: rng.IntN(d), Threshold: rng.Float64(), DefaultLeft: rng.IntN(2) == 0,
			Left: l, Right: r, Cover: cover}
		return i
	}
	build(0, 1000)
	return t
}

func TestTreeSHAPMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	for trial := 0; trial < 40; trial++ {
		d := 2 + rng.IntN(4)
		m := &Model{Kind: KindGBDT, Output: OutputValue, NumFeatures: d, Base: rng.NormFloat64()}
		for k := 0; k < 1+rng.IntN(3); k++ {
			m.Trees = append(m.Trees, randomTree(rng, d, 2+rng.IntN(4)))
		}
		e := NewExplainer(m)
		for r := 0; r < 5; r++ {
			x := make([]float64, d)
			for j := range x {
				x[j] = rng.Float64()
				if rng.Float64() < 0.15 {
					x[j] = math.NaN()
				}
			}
			got, err := e.SHAP(x)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteShapley(m, x)
			for j := range want {
				if math.Abs(got[j]-want[j]) > 1e-9 {
					t.Fatalf("trial %d feature %d: TreeSHAP %.12g, brute force %.12g", trial, j, got[j], want[j])
				}
			}
		}
	}
}

func checkAdditivity(t *testing.T, name string, m *Model, x Matrix) {
	t.Helper()
	e := NewExplainer(m)
	for i := 0; i < x.Rows; i++ {
		phi, err := e.SHAP(x.Row(i))
		if err != nil {
			t.Fatal(err)
		}
		s := e.ExpectedValue()
		for _, v := range phi {
			s += v
		}
		if raw := m.Raw(x.Row(i)); math.Abs(s-raw) > 1e-9*max(1, math.Abs(raw)) {
			t.Fatalf("%s row %d: expected value + contributions = %.12g, raw output %.12g", name, i, s, raw)
		}
	}
}

func TestTreeSHAPAdditivityOnTrainedModels(t *testing.T) {
	x, y := synth(600, 5, 31, func(x []float64, rng *rand.Rand) float64 {
		if x[0]+x[1]*x[2]+0.2*rng.NormFloat64() > 0.8 {
			return 1
		}
		return 0
	})
	for i := 0; i < x.Rows; i += 7 {
		x.Set(i, 3, math.NaN())
	}
	gb, _, err := TrainGBDT(x, y, nil, DefaultGBDTParams(Logistic))
	if err != nil {
		t.Fatal(err)
	}
	checkAdditivity(t, "gbdt", gb, x)
	fp := DefaultForestParams(Classification)
	fp.Trees = 15
	rf, err := TrainForest(x, y, fp)
	if err != nil {
		t.Fatal(err)
	}
	checkAdditivity(t, "forest", rf, x)
	cart, err := TrainCART(x, y, CARTParams{Task: Classification, MaxDepth: 6, MinLeaf: 3, MaxBins: 64})
	if err != nil {
		t.Fatal(err)
	}
	checkAdditivity(t, "cart", cart, x)
	// On a small trained tree, TreeSHAP equals the brute-force values too.
	small, _ := TrainCART(x, y, CARTParams{Task: Classification, MaxDepth: 4, MinLeaf: 5, MaxBins: 32})
	e := NewExplainer(small)
	for i := 0; i < 20; i++ {
		got, _ := e.SHAP(x.Row(i))
		want := bruteShapley(small, x.Row(i))
		for j := range want {
			if math.Abs(got[j]-want[j]) > 1e-12 {
				t.Fatalf("row %d feature %d: %g vs %g", i, j, got[j], want[j])
			}
		}
	}
}

func TestImportances(t *testing.T) {
	x, y := synth(1000, 4, 41, func(x []float64, _ *rand.Rand) float64 { return 5*x[2] + x[0] })
	p := DefaultGBDTParams(Squared)
	p.ColSample = 1
	p.Rounds = 200
	p.LearningRate = 0.1
	m, _, err := TrainGBDT(x, y, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	gain := GainImportance(m)
	sum := 0.0
	for _, v := range gain {
		sum += v
	}
	if math.Abs(sum-1) > 1e-12 || gain[2] < gain[0] || gain[0] < gain[1] || gain[0] < gain[3] {
		t.Fatalf("gain importance %v: want x2 > x0 > noise, summing to 1", gain)
	}
	shap, err := MeanAbsSHAP(m, x.SelectRows(sample(x.Rows, 4)))
	if err != nil {
		t.Fatal(err)
	}
	// For y = 5·x2 + x0 with x uniform, mean |contribution| is 5/4 and 1/4.
	if math.Abs(shap[2]-1.25) > 0.1 || math.Abs(shap[0]-0.25) > 0.05 || shap[1] > 0.05 {
		t.Fatalf("mean |SHAP| %v: want about [0.25 0 1.25 0]", shap)
	}
}

// sample returns every step-th row index.
func sample(n, step int) []int {
	var idx []int
	for i := 0; i < n; i += step {
		idx = append(idx, i)
	}
	return idx
}
