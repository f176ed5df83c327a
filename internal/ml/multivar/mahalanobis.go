package multivar

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"smartmaint"
)

// MCDConfig sets how a robust Mahalanobis detector is fitted.
type MCDConfig struct {
	// Support is the share h/n of rows the MCD subset holds (default 0.75;
	// 0.5 tolerates the most outliers, 1 is the classical estimate).
	Support float64
	// Trials is the number of random starts (default 500, as in FastMCD).
	Trials int
	// Subsample bounds the rows the random starts look at (default 1500);
	// the final concentration steps use every row.
	Subsample int
	Seed      uint64
	// ThresholdQuantile is the quantile of the training rows' scores used
	// as the alarm threshold (default 0.995).
	ThresholdQuantile float64
}

// DefaultMCDConfig returns support 0.75, 500 trials on at most 1500 rows,
// seed 1, threshold at the 0.995 quantile of the training scores.
func DefaultMCDConfig() MCDConfig {
	return MCDConfig{Support: 0.75, Trials: 500, Subsample: 1500, Seed: 1, ThresholdQuantile: 0.995}
}

func (c *MCDConfig) fill() error {
	d := DefaultMCDConfig()
	if c.Support == 0 {
		c.Support = d.Support
	}
	if c.Trials == 0 {
		c.Trials = d.Trials
	}
	if c.Subsample == 0 {
		c.Subsample = d.Subsample
	}
	if c.ThresholdQuantile == 0 {
		c.ThresholdQuantile = d.ThresholdQuantile
	}
	switch {
	case !(c.Support >= 0.5 && c.Support <= 1):
		return smartmaint.FieldErrorf("support", "%v: want a share in [0.5, 1]", c.Support)
	case c.Trials < 1 || c.Trials > 100000:
		return smartmaint.FieldErrorf("trials", "%d: want 1 to 100000", c.Trials)
	case c.Subsample < 10:
		return smartmaint.FieldErrorf("subsample", "%d: want at least 10", c.Subsample)
	case !(c.ThresholdQuantile > 0 && c.ThresholdQuantile <= 1):
		return smartmaint.FieldErrorf("threshold_quantile", "%v: want a quantile in (0, 1]", c.ThresholdQuantile)
	}
	return nil
}

// Mahalanobis is a robust Mahalanobis detector: the score of a row x is
// d²(x) = rᵀ P r with r_j = (x_j − loc_j)/scale_j, where scale is the
// sensors' robust scale (1.4826·MAD), loc the reweighted MCD location and P
// the inverse of the reweighted MCD scatter. It is safe for concurrent use.
//
// Contributions are the exact Shapley values of d² when a sensor left out
// of a coalition is set to its location: φ_j = r_j·(P r)_j. They add up to
// d²; a sensor far from its usual value, or breaking its usual correlation
// with the others, has a large φ_j; a negative φ_j means the sensor's
// deviation makes the row more consistent with the others.
type Mahalanobis struct {
	features  []string
	loc       []float64
	scale     []float64
	prec      []float64 // p×p, row-major
	threshold float64
	quantile  float64
	support   float64
	seed      uint64
}

var _ Detector = (*Mahalanobis)(nil)

// FitMahalanobis fits the detector on X (rows are times, columns are
// sensors named by names; nil names them x0, x1, …). It needs at least
// p + 2 finite rows for p sensors, and many more to be meaningful.
func FitMahalanobis(X [][]float64, names []string, cfg MCDConfig) (*Mahalanobis, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	names, err := CheckMatrix(X, names, 3)
	if err != nil {
		return nil, err
	}
	n, p := len(X), len(X[0])
	if n < p+2 {
		return nil, smartmaint.FieldErrorf("rows", "%d rows for %d sensors: need at least %d", n, p, p+2)
	}
	center, scale := robustScale(X)
	Z := make([][]float64, n)
	for i, row := range X {
		Z[i] = make([]float64, p)
		for j, v := range row {
			Z[i][j] = (v - center[j]) / scale[j]
		}
	}
	h := max(int(math.Ceil(cfg.Support*float64(n))), (n+p+2)/2)
	h = min(h, n)
	raw := fastMCD(Z, h, cfg)
	final := reweight(Z, raw)
	m := &Mahalanobis{features: names, loc: make([]float64, p), scale: scale, threshold: 0,
		quantile: cfg.ThresholdQuantile, support: cfg.Support, seed: cfg.Seed}
	for j := range m.loc {
		m.loc[j] = center[j] + scale[j]*final.mean[j]
	}
	var inv mat.SymDense
	if err := final.chol.InverseTo(&inv); err != nil {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "multivar: the robust covariance cannot be inverted: %v", err)
	}
	m.prec = make([]float64, p*p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			m.prec[a*p+b] = inv.At(a, b)
		}
	}
	scores := make([]float64, n)
	for i, row := range X {
		scores[i] = m.Score(row)
	}
	m.threshold = Quantile(scores, cfg.ThresholdQuantile)
	return m, nil
}

// robustScale returns each column's median and 1.4826·MAD; a column with no
// spread around its median falls back to its standard deviation, and a
// constant one to max(1e-3·|median|, 1e-9), so that any later change of a
// sensor that never moved stands out.
func robustScale(X [][]float64) (center, scale []float64) {
	n, p := len(X), len(X[0])
	center, scale = make([]float64, p), make([]float64, p)
	col := make([]float64, n)
	for j := 0; j < p; j++ {
		for i := range X {
			col[i] = X[i][j]
		}
		center[j] = Quantile(col, 0.5)
		for i := range X {
			col[i] = math.Abs(X[i][j] - center[j])
		}
		scale[j] = 1.482602218505602 * Quantile(col, 0.5)
		if scale[j] == 0 {
			scale[j] = stddev(X, j)
		}
		if scale[j] == 0 {
			scale[j] = max(1e-3*math.Abs(center[j]), 1e-9)
		}
	}
	return center, scale
}

func stddev(X [][]float64, j int) float64 {
	mean := 0.0
	for _, r := range X {
		mean += r[j]
	}
	mean /= float64(len(X))
	ss := 0.0
	for _, r := range X {
		ss += (r[j] - mean) * (r[j] - mean)
	}
	return math.Sqrt(ss / float64(len(X)))
}

// chi2 returns the q-quantile of the chi-squared distribution with p degrees
// of freedom.
func chi2(p int, q float64) float64 {
	return distuv.ChiSquared{K: float64(p)}.Quantile(q)
}

// consistent rescales s so that the median squared distance of Z matches
// the chi-squared median (consistency at the normal distribution).
func consistent(Z [][]float64, s *scatter) *scatter {
	d := s.distances(Z, make([]float64, len(Z)))
	med := Quantile(d, 0.5)
	if !(med > 0) {
		return s
	}
	cov := mat.NewSymDense(len(s.mean), nil)
	cov.ScaleSym(med/chi2(len(s.mean), 0.5), s.cov)
	return factorise(s.mean, cov)
}

// reweight makes the raw MCD consistent, keeps the rows within the 0.975
// chi-squared quantile and re-estimates (one-step reweighted MCD).
func reweight(Z [][]float64, raw *scatter) *scatter {
	raw = consistent(Z, raw)
	d := raw.distances(Z, make([]float64, len(Z)))
	cut := chi2(len(raw.mean), 0.975)
	var keep []int
	for i, v := range d {
		if v <= cut {
			keep = append(keep, i)
		}
	}
	if len(keep) <= len(raw.mean) {
		return raw
	}
	return consistent(Z, estimate(Z, keep))
}

// FeatureNames returns the sensor names, in input order.
func (m *Mahalanobis) FeatureNames() []string { return append([]string(nil), m.features...) }

// Threshold returns the alarm threshold on d².
func (m *Mahalanobis) Threshold() float64 { return m.threshold }

// SetThreshold replaces the alarm threshold.
func (m *Mahalanobis) SetThreshold(t float64) { m.threshold = t }

// residual returns r and P r for x.
func (m *Mahalanobis) residual(x []float64) (r, pr []float64) {
	p := len(m.loc)
	r, pr = make([]float64, p), make([]float64, p)
	for j := range r {
		r[j] = (x[j] - m.loc[j]) / m.scale[j]
	}
	for a := 0; a < p; a++ {
		s := 0.0
		for b, v := range r {
			s += m.prec[a*p+b] * v
		}
		pr[a] = s
	}
	return r, pr
}

// Score returns d²(x), the squared robust Mahalanobis distance; NaN when x
// holds a NaN. It panics if x has the wrong length.
func (m *Mahalanobis) Score(x []float64) float64 {
	if len(x) != len(m.loc) {
		panic("multivar: row width differs from the detector's")
	}
	r, pr := m.residual(x)
	d2 := 0.0
	for j := range r {
		d2 += r[j] * pr[j]
	}
	return d2
}

// Explain scores x and splits d² into per-sensor Shapley contributions.
func (m *Mahalanobis) Explain(x []float64) (Explanation, error) {
	if len(x) != len(m.loc) {
		return Explanation{}, smartmaint.FieldErrorf("row", "%d values for %d features", len(x), len(m.loc))
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Explanation{}, smartmaint.FieldErrorf("row", "holds NaN or an infinity: impute missing sensors before scoring")
		}
	}
	r, pr := m.residual(x)
	phi := make([]float64, len(r))
	d2 := 0.0
	for j := range r {
		phi[j] = r[j] * pr[j]
		d2 += phi[j]
	}
	return Explanation{Score: d2, Threshold: m.threshold, Anomalous: d2 > m.threshold,
		Contributions: NewContributions(m.features, phi, d2)}, nil
}

// Location returns the robust location of each sensor, in its own units.
func (m *Mahalanobis) Location() []float64 { return append([]float64(nil), m.loc...) }

// sortFloats sorts in place (kept apart so Quantile reads plainly).
func sortFloats(xs []float64) { sort.Float64s(xs) }
