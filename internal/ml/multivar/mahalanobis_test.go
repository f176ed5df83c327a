package multivar

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"smartmaint"
)

// correlated returns n rows of a bivariate normal with unit variances and
// correlation rho, plus extra independent standard normal columns.
func correlated(n, extra int, rho float64, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	X := make([][]float64, n)
	for i := range X {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		row := []float64{a, rho*a + math.Sqrt(1-rho*rho)*b}
		for k := 0; k < extra; k++ {
			row = append(row, rng.NormFloat64())
		}
		X[i] = row
	}
	return X
}

var fastCfg = MCDConfig{Trials: 50, Seed: 3}

func TestMCDResistsContamination(t *testing.T) {
	X := correlated(800, 1, 0.8, 1)
	for i := 0; i < 200; i++ { // 20 % of the rows are a far cluster
		X[i] = []float64{6 + 0.1*float64(i%7), -6, 4}
	}
	m, err := FitMahalanobis(X, nil, fastCfg)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range m.Location() {
		if math.Abs(v) > 0.15 {
			t.Fatalf("location[%d] = %.3f, pulled by the outliers (want ≈ 0)", j, v)
		}
	}
	// Clean rows are ordinary, the contaminating cluster is far away.
	if s := m.Score([]float64{0.5, 0.4, -0.3}); s > m.Threshold() {
		t.Fatalf("clean row scores %.2f above threshold %.2f", s, m.Threshold())
	}
	if s := m.Score(X[0]); s < 50 {
		t.Fatalf("outlier cluster scores %.2f", s)
	}
}

func TestCorrelationBreakIsAnomalous(t *testing.T) {
	X := correlated(1000, 2, 0.95, 2)
	m, err := FitMahalanobis(X, []string{"bearing_a", "bearing_b", "temp", "speed"}, fastCfg)
	if err != nil {
		t.Fatal(err)
	}
	// Each of the first two sensors is within 1.5σ, but they disagree.
	e, err := m.Explain([]float64{1.5, -1.5, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if !e.Anomalous || e.Score < 50 {
		t.Fatalf("correlation break: %+v", e)
	}
	top := e.Top(2)
	if !(top[0].Index < 2 && top[1].Index < 2) || top[0].Share < 0.4 || top[1].Share < 0.4 {
		t.Fatalf("top contributors %+v", top)
	}
	// The same deviation along the correlation is ordinary.
	if e2, _ := m.Explain([]float64{1.5, 1.5, 0, 0}); e2.Anomalous {
		t.Fatalf("a row along the correlation is anomalous: %+v", e2)
	}
	// Unlike the isolation forest, the score keeps growing with the deviation.
	if a, b := m.Score([]float64{6, 6, 0, 0}), m.Score([]float64{60, 60, 0, 0}); b < 50*a {
		t.Fatalf("d² at 6σ %.1f, at 60σ %.1f: want quadratic growth", a, b)
	}
}

// TestContributionsAreShapleyValues checks φ_j = r_j (P r)_j against the
// Shapley formula evaluated by brute force over every coalition, with
// v(S) = d² of the row whose sensors outside S are at their location.
func TestContributionsAreShapleyValues(t *testing.T) {
	X := correlated(500, 2, 0.7, 4)
	m, err := FitMahalanobis(X, nil, fastCfg)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{2.5, -1, 0.7, 3}
	p := len(x)
	v := func(mask int) float64 {
		y := m.Location()
		for j := 0; j < p; j++ {
			if mask&(1<<j) != 0 {
				y[j] = x[j]
			}
		}
		return m.Score(y)
	}
	fact := func(k int) float64 { return math.Gamma(float64(k + 1)) }
	e, _ := m.Explain(x)
	for _, c := range e.Contributions {
		j := c.Index
		phi := 0.0
		for mask := 0; mask < 1<<p; mask++ {
			if mask&(1<<j) != 0 {
				continue
			}
			s := 0
			for k := 0; k < p; k++ {
				if mask&(1<<k) != 0 {
					s++
				}
			}
			w := fact(s) * fact(p-s-1) / fact(p)
			phi += w * (v(mask|1<<j) - v(mask))
		}
		if math.Abs(phi-c.Value) > 1e-9*math.Max(1, math.Abs(phi)) {
			t.Fatalf("sensor %d: φ %v, brute-force Shapley %v", j, c.Value, phi)
		}
	}
	sum := 0.0
	for _, c := range e.Contributions {
		sum += c.Value
	}
	if math.Abs(sum-e.Score) > 1e-9*e.Score {
		t.Fatalf("contributions add to %v, score %v", sum, e.Score)
	}
}

func TestMahalanobisSeededAndSerialisable(t *testing.T) {
	X := correlated(3000, 3, 0.5, 5) // more rows than the sub-sample
	a, err := FitMahalanobis(X, nil, fastCfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := FitMahalanobis(X, nil, fastCfg)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("the same seed gave two detectors")
	}
	var c Mahalanobis
	if err := json.Unmarshal(ja, &c); err != nil {
		t.Fatal(err)
	}
	x := []float64{1, 2, 3, 4, 5}
	if a.Score(x) != c.Score(x) || c.Threshold() != a.Threshold() || c.FeatureNames()[4] != "x4" {
		t.Fatal("round trip changed the detector")
	}
	for name, bad := range map[string]string{
		"kind":  `{"kind":"other","version":1}`,
		"shape": `{"kind":"robust-mahalanobis","version":1,"features":["a","b"],"location":[0],"scale":[1,1],"precision":[1,0,0,1]}`,
		"scale": `{"kind":"robust-mahalanobis","version":1,"features":["a"],"location":[0],"scale":[0],"precision":[1]}`,
		"json":  `{`,
	} {
		var d Mahalanobis
		if err := d.UnmarshalJSON([]byte(bad)); smartmaint.ErrorCode(err) != smartmaint.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestMahalanobisConstantSensorAndBadInput(t *testing.T) {
	X := correlated(300, 1, 0.3, 6)
	for _, r := range X {
		r[2] = 7 // a sensor that never moves
	}
	m, err := FitMahalanobis(X, nil, fastCfg)
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Score([]float64{0, 0, 7}); math.IsNaN(s) || s > m.Threshold() {
		t.Fatalf("ordinary row with the constant sensor at its value: %v", s)
	}
	e, _ := m.Explain([]float64{0, 0, 7.5})
	if !e.Anomalous || e.Top(1)[0].Index != 2 {
		t.Fatalf("the constant sensor moved: %+v", e)
	}
	if s := m.Score([]float64{math.NaN(), 0, 7}); !math.IsNaN(s) {
		t.Fatalf("NaN row scores %v", s)
	}
	if _, err := m.Explain([]float64{math.Inf(1), 0, 7}); smartmaint.ErrorCode(err) != smartmaint.EINVALID {
		t.Fatalf("Inf row: %v", err)
	}
	cases := []struct {
		name  string
		X     [][]float64
		cfg   MCDConfig
		field string
	}{
		{"too few rows", correlated(3, 1, 0, 1), fastCfg, "rows"},
		{"support", X, MCDConfig{Support: 0.2}, "support"},
		{"trials", X, MCDConfig{Trials: -3}, "trials"},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 1}, {0, 0}, {1, 1}, {2, 2}}, fastCfg, "rows[1][0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitMahalanobis(tc.X, nil, tc.cfg)
			if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != tc.field {
				t.Fatalf("%v, want field %q", err, tc.field)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	for _, tc := range []struct{ q, want float64 }{{0, 1}, {0.5, 3}, {1, 5}, {0.9, 4.6}} {
		if got := Quantile(append([]float64(nil), xs...), tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("quantile of nothing is not NaN")
	}
}
