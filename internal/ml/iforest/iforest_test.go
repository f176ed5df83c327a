package iforest

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"smartmaint"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestC(t *testing.T) {
	// c(n) = 2(ln(n−1) + γ) − 2(n−1)/n, by hand.
	cases := []struct {
		n    int
		want float64
	}{{0, 0}, {1, 0}, {2, 1}, {3, 1.2073923575896231}, {256, 10.244770920119918}}
	for _, tc := range cases {
		if got := C(tc.n); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("C(%d) = %.15g, want %.15g", tc.n, got, tc.want)
		}
	}
}

// referencePath walks one tree the plain way (comparisons, stopping at the
// first pass-through node) and computes e + c(n) from the node sizes, not
// from the leaf array.
func referencePath(f *Forest, t int, x []float64) float64 {
	nInt, nLeaf := f.perTree()
	nodes := f.nodes[t*nInt : (t+1)*nInt]
	sizes := f.sizes[t*(nInt+nLeaf) : (t+1)*(nInt+nLeaf)]
	i, e := 0, 0
	for i < nInt && !math.IsInf(nodes[i].Thr, 1) {
		if x[nodes[i].feature()] < nodes[i].Thr {
			i = 2*i + 1
		} else {
			i = 2*i + 2
		}
		e++
	}
	return float64(e) + C(int(sizes[i]))
}

func TestScoreMatchesReference(t *testing.T) {
	X := gaussian(1000, 5, 3)
	f, err := Fit(X, nil, Config{Trees: 50, SampleSize: 100, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	test := gaussian(300, 5, 4)
	test[0][2] = 8 // an outlier, to reach short paths
	got := f.ScoreRows(test)
	for p, x := range test {
		sum := 0.0
		for tr := 0; tr < f.trees; tr++ {
			sum += referencePath(f, tr, x)
		}
		want := math.Exp2(-sum / float64(f.trees) / C(100))
		if math.Abs(got[p]-want) > 1e-12 {
			t.Fatalf("row %d: score %v, reference %v", p, got[p], want)
		}
		if one := f.Score(x); one != got[p] {
			t.Fatalf("row %d: Score %v, ScoreRows %v", p, one, got[p])
		}
	}
}

func TestOutliersScoreHighAndNameTheirSensor(t *testing.T) {
	X := gaussian(2000, 4, 5)
	names := []string{"temp", "vib_x", "vib_y", "current"}
	f, err := Fit(X, names, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	centre := []float64{0.1, -0.2, 0.3, 0}
	normal, _ := f.Explain(centre)
	if normal.Anomalous || normal.Score > 0.45 {
		t.Fatalf("a central row is anomalous: %+v", normal)
	}
	for j := range names {
		x := append([]float64(nil), centre...)
		x[j] = 6
		e, err := f.Explain(x)
		if err != nil {
			t.Fatal(err)
		}
		if e.Score < normal.Score+0.08 {
			t.Fatalf("6σ on %s: score %.3f, centre %.3f", names[j], e.Score, normal.Score)
		}
		top := e.Top(1)[0]
		if top.Feature != names[j] || top.Index != j || top.Share < 0.5 {
			t.Fatalf("6σ on %s: top contributor %+v (all %+v)", names[j], top, e.Contributions)
		}
		sum := 0.0
		for _, c := range e.Contributions {
			sum += c.Share
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("shares sum to %v", sum)
		}
	}
	// Beyond the training range the forest saturates: 6σ and 60σ isolate
	// alike (the Mahalanobis detector keeps growing).
	if a, b := f.Score([]float64{6, 0, 0, 0}), f.Score([]float64{60, 0, 0, 0}); a != b {
		t.Fatalf("6σ scores %v, 60σ %v: expected the same", a, b)
	}
	// Its attribution does not: of two sensors beyond their training range,
	// the farther one collects more isolation credit.
	e, _ := f.Explain([]float64{5, 0, 40, 0})
	if e.Top(1)[0].Feature != "vib_y" || e.Top(2)[1].Feature != "temp" || e.Top(1)[0].Value < 1.3*e.Top(2)[1].Value {
		t.Fatalf("5σ on temp, 40σ on vib_y: %+v", e.Contributions)
	}
	// Deviating on every sensor at once is past the threshold.
	if e, _ := f.Explain([]float64{4, 4, 4, 4}); !e.Anomalous {
		t.Fatalf("4σ on every sensor: %+v", e)
	}
}

func TestIsolationBits(t *testing.T) {
	sp := span{Lo: 0, Hi: 10}
	cases := []struct {
		v    float64
		n, m int32
		want float64
	}{
		{5, 64, 16, 2},                                          // inside: log2(n/m)
		{20, 64, 16, 0.5*math.Log2(65) + 0.5*2},                 // q = (20−10)/(20−0) = 0.5
		{-10, 64, 16, 0.5*math.Log2(65) + 0.5*2},                // symmetric below
		{1e12, 64, 16, math.Log2(65) - 1e-11*(math.Log2(65)-2)}, // q = 1 − 1e-11
	}
	for _, tc := range cases {
		if got := isolationBits(tc.v, sp, tc.n, tc.m); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("isolationBits(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestThresholdIsTrainingQuantile(t *testing.T) {
	X := gaussian(1000, 3, 6)
	f, err := Fit(X, nil, Config{Seed: 2, ThresholdQuantile: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	above := 0
	for _, s := range f.ScoreRows(X) {
		if s > f.Threshold() {
			above++
		}
	}
	if above < 95 || above > 105 {
		t.Fatalf("%d of 1000 training rows above the 0.9 quantile threshold", above)
	}
}

func TestConstantInput(t *testing.T) {
	X := make([][]float64, 50)
	for i := range X {
		X[i] = []float64{3, 3}
	}
	f, err := Fit(X, nil, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	// No cut is possible: every row has path length c(ψ), score exactly 0.5.
	for _, x := range [][]float64{{3, 3}, {100, -4}} {
		if s := f.Score(x); math.Abs(s-0.5) > 1e-12 {
			t.Fatalf("score %v of %v on a constant forest, want 0.5", s, x)
		}
	}
	// A constant column is never cut, so it never contributes.
	Y := gaussian(500, 3, 7)
	for _, r := range Y {
		r[1] = 42
	}
	g, err := Fit(Y, nil, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := g.Explain([]float64{5, 42, 0})
	for _, c := range e.Contributions {
		if c.Index == 1 && c.Value != 0 {
			t.Fatalf("constant column credited %v", c.Value)
		}
	}
}

func TestNonFiniteInput(t *testing.T) {
	f, err := Fit(gaussian(100, 2, 8), nil, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range [][]float64{{math.NaN(), 0}, {0, math.Inf(1)}, {math.Inf(-1), 0}} {
		if s := f.Score(x); !math.IsNaN(s) {
			t.Fatalf("score of %v = %v, want NaN", x, s)
		}
		if _, err := f.Explain(x); smartmaint.ErrorCode(err) != smartmaint.EINVALID {
			t.Fatalf("explain %v: %v", x, err)
		}
	}
	X := gaussian(10, 2, 1)
	X[4][1] = math.NaN()
	_, err = Fit(X, nil, DefaultConfig())
	if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != "rows[4][1]" {
		t.Fatalf("NaN in training: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	good := gaussian(10, 2, 1)
	cases := []struct {
		name  string
		X     [][]float64
		names []string
		cfg   Config
		field string
	}{
		{"one row", good[:1], nil, Config{}, "rows"},
		{"ragged", [][]float64{{1, 2}, {3}}, nil, Config{}, "rows[1]"},
		{"no columns", [][]float64{{}, {}}, nil, Config{}, "columns"},
		{"names", good, []string{"a"}, Config{}, "features"},
		{"repeated name", good, []string{"a", "a"}, Config{}, "features[1]"},
		{"trees", good, nil, Config{Trees: -1}, "trees"},
		{"sample size", good, nil, Config{SampleSize: 1}, "sample_size"},
		{"quantile", good, nil, Config{ThresholdQuantile: 1.5}, "threshold_quantile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fit(tc.X, tc.names, tc.cfg)
			if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != tc.field {
				t.Fatalf("error %v, want field %q", err, tc.field)
			}
		})
	}
	f, _ := Fit(good, nil, Config{})
	if err := f.ScoreFlat(make([]float64, 5), make([]float64, 3)); err == nil {
		t.Fatal("ScoreFlat accepted 5 values for 3 rows of 2")
	}
	if f.SampleSize() != 10 || f.depth != 4 {
		t.Fatalf("ψ %d, height %d for 10 rows; want 10, 4", f.SampleSize(), f.depth)
	}
}

func TestSeededAndSerialisable(t *testing.T) {
	X := gaussian(600, 3, 10)
	a, _ := Fit(X, []string{"a", "b", "c"}, Config{Seed: 5})
	b, _ := Fit(X, []string{"a", "b", "c"}, Config{Seed: 5})
	c, _ := Fit(X, []string{"a", "b", "c"}, Config{Seed: 6})
	ba, _ := a.MarshalBinary()
	bb, _ := b.MarshalBinary()
	bc, _ := c.MarshalBinary()
	if !bytes.Equal(ba, bb) || bytes.Equal(ba, bc) {
		t.Fatal("same seed must give the same forest, another seed another")
	}
	var g Forest
	if err := g.UnmarshalBinary(ba); err != nil {
		t.Fatal(err)
	}
	test := gaussian(100, 3, 11)
	sa, sg := a.ScoreRows(test), g.ScoreRows(test)
	for i := range sa {
		if sa[i] != sg[i] {
			t.Fatalf("row %d: %v before, %v after a round trip", i, sa[i], sg[i])
		}
	}
	if g.Threshold() != a.Threshold() || g.FeatureNames()[2] != "c" {
		t.Fatal("threshold or names lost")
	}
	ea, _ := a.Explain(test[0])
	eg, _ := g.Explain(test[0])
	if ea.Contributions[0] != eg.Contributions[0] {
		t.Fatal("explanations differ after a round trip")
	}
}

func TestUnmarshalRejectsDamage(t *testing.T) {
	f, _ := Fit(gaussian(100, 2, 1), nil, Config{Trees: 3, SampleSize: 8})
	good, _ := f.MarshalBinary()
	header := 4 + 5*4 + 3*8 + 2*(4+2) // magic, 5 u32, 3 u64, names "x0" "x1"
	badFeature := bytes.Clone(good)
	// First node's feature index (after its threshold) := 7, beyond 2 features.
	badFeature[header+8] = 7
	if math.IsInf(f.nodes[0].Thr, 1) {
		t.Fatal("test forest's root is a pass-through node")
	}
	cases := map[string][]byte{
		"magic":     append([]byte("XXXX"), good[4:]...),
		"truncated": good[:len(good)-3],
		"trailing":  append(bytes.Clone(good), 0),
		"feature":   badFeature,
		"empty":     nil,
	}
	for name, data := range cases {
		var g Forest
		if err := g.UnmarshalBinary(data); smartmaint.ErrorCode(err) != smartmaint.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	fo, _ := Fit(gaussian(50, 2, 1), nil, Config{Trees: 2, SampleSize: 4})
	good, _ := fo.MarshalBinary()
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		var g Forest
		if g.UnmarshalBinary(data) == nil {
			g.Score(make([]float64, len(g.features)))
			g.Explain(make([]float64, len(g.features)))
		}
	})
}

// TestGoldenScores pins the scores of a fixed forest on a fixed fixture, so
// that a change of algorithm or random stream is noticed (go test -update
// rewrites the file after a deliberate change).
func TestGoldenScores(t *testing.T) {
	X := gaussian(400, 3, 12)
	f, err := Fit(X, nil, Config{Trees: 20, SampleSize: 64, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	test := gaussian(10, 3, 13)
	test[9] = []float64{4, -4, 4}
	got := f.ScoreRows(test)
	path := filepath.Join("testdata", "golden_scores.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []float64
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("row %d: %v, golden %v", i, got[i], want[i])
		}
	}
	if got[9] < 0.65 {
		t.Fatalf("the outlier row scores %v", got[9])
	}
}
