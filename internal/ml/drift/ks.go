package drift

import (
	"fmt"
	"math"

	"smartmaint"
)

// Alternative is the alternative hypothesis of a Kolmogorov–Smirnov test,
// with F the distribution of the first sample and G that of the second.
type Alternative int

// Alternatives, with scipy.stats.ks_2samp's meaning.
const (
	// TwoSided: F ≠ G; the statistic is max |F − G|.
	TwoSided Alternative = iota
	// Less: F(t) < G(t) for some t; the statistic is max (G − F).
	Less
	// Greater: F(t) > G(t) for some t; the statistic is max (F − G).
	Greater
)

// String returns the scipy name of the alternative.
func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two-sided"
	case Less:
		return "less"
	case Greater:
		return "greater"
	}
	return fmt.Sprintf("Alternative(%d)", int(a))
}

// Method selects how a Kolmogorov–Smirnov p-value is computed.
type Method int

// Methods.
const (
	// MethodAuto is exact when n·m ≤ ExactMaxProduct, asymptotic otherwise.
	MethodAuto Method = iota
	// MethodExact is the exact permutation distribution (any size; cost
	// O((n+m)·min(n,m))).
	MethodExact
	// MethodAsymptotic is the Kolmogorov limit (two-sided) or Hodges'
	// formula (one-sided).
	MethodAsymptotic
)

// String returns "auto", "exact" or "asymptotic".
func (m Method) String() string {
	switch m {
	case MethodAuto:
		return "auto"
	case MethodExact:
		return "exact"
	case MethodAsymptotic:
		return "asymptotic"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// DefaultExactMaxProduct is the largest n·m for which MethodAuto computes the
// exact p-value.
const DefaultExactMaxProduct = 100_000_000

// KSOptions configures KS2Samp. The zero value is a two-sided test with
// MethodAuto and DefaultExactMaxProduct.
type KSOptions struct {
	Alternative     Alternative
	Method          Method
	ExactMaxProduct int64 // 0 means DefaultExactMaxProduct
}

// KSResult is the outcome of a two-sample Kolmogorov–Smirnov test.
type KSResult struct {
	Statistic   float64     `json:"statistic"`
	PValue      float64     `json:"p_value"`
	Method      Method      `json:"-"`
	MethodName  string      `json:"method"`
	Alternative Alternative `json:"-"`
	N           int         `json:"n"`
	M           int         `json:"m"`
	Ties        bool        `json:"ties"`
}

// KS2Samp runs the two-sample Kolmogorov–Smirnov test of x against y. Both
// samples must be non-empty and finite; they are not modified.
func KS2Samp(x, y []float64, opts KSOptions) (KSResult, error) {
	if err := checkSample("x", x); err != nil {
		return KSResult{}, err
	}
	if err := checkSample("y", y); err != nil {
		return KSResult{}, err
	}
	if opts.Alternative < TwoSided || opts.Alternative > Greater {
		return KSResult{}, smartmaint.FieldErrorf("alternative", "unknown value %d", int(opts.Alternative))
	}
	if opts.Method < MethodAuto || opts.Method > MethodAsymptotic {
		return KSResult{}, smartmaint.FieldErrorf("method", "unknown value %d", int(opts.Method))
	}
	if opts.ExactMaxProduct < 0 {
		return KSResult{}, smartmaint.FieldErrorf("exact_max_product", "must not be negative")
	}
	xs, ys := sortedCopy(x), sortedCopy(y)
	e := ecdfExtremes(xs, ys)
	n, m := int64(len(xs)), int64(len(ys))
	h := e.threshold(opts.Alternative)
	res := KSResult{
		Statistic: float64(h) / float64(n*m), N: len(xs), M: len(ys),
		Alternative: opts.Alternative, Ties: e.ties,
	}
	res.Method = chooseMethod(opts, n, m)
	if res.Method == MethodExact {
		res.PValue = exactSmallFirst(xs, ys, h, opts.Alternative)
	} else {
		res.PValue = asymptoticPValue(n, m, res.Statistic, opts.Alternative)
	}
	res.MethodName = res.Method.String()
	return res, nil
}

// exactSmallFirst runs the exact recursion with the smaller sample as the
// first one (its memory is proportional to the first sample's size). Swapping
// the samples negates i·m − j·n, so Less and Greater swap too.
func exactSmallFirst(xs, ys []float64, h int64, alt Alternative) float64 {
	if len(xs) > len(ys) {
		xs, ys = ys, xs
		switch alt {
		case Less:
			alt = Greater
		case Greater:
			alt = Less
		}
	}
	return exactPValue(int64(len(xs)), int64(len(ys)), h, alt, blockEnds(xs, ys))
}

func chooseMethod(opts KSOptions, n, m int64) Method {
	if opts.Method != MethodAuto {
		return opts.Method
	}
	limit := opts.ExactMaxProduct
	if limit == 0 {
		limit = DefaultExactMaxProduct
	}
	if n*m <= limit {
		return MethodExact
	}
	return MethodAsymptotic
}

// extremes holds the largest values of i·m − j·n (pos) and j·n − i·m (neg)
// over the distinct pooled values, where i and j count the elements of x and
// y that are ≤ the value. Dividing by n·m gives max(F−G) and max(G−F).
type extremes struct {
	pos, neg int64
	ties     bool
}

func (e extremes) threshold(alt Alternative) int64 {
	switch alt {
	case Greater:
		return e.pos
	case Less:
		return e.neg
	}
	return max(e.pos, e.neg)
}

// ecdfExtremes walks the two sorted samples together and evaluates both
// empirical distribution functions after each distinct value.
func ecdfExtremes(xs, ys []float64) extremes {
	n, m := int64(len(xs)), int64(len(ys))
	var e extremes
	var i, j int
	for i < len(xs) || j < len(ys) {
		v := nextValue(xs, ys, i, j)
		c := 0
		for i < len(xs) && xs[i] == v {
			i++
			c++
		}
		for j < len(ys) && ys[j] == v {
			j++
			c++
		}
		if c > 1 {
			e.ties = true
		}
		d := int64(i)*m - int64(j)*n
		e.pos = max(e.pos, d)
		e.neg = max(e.neg, -d)
	}
	return e
}

func nextValue(xs, ys []float64, i, j int) float64 {
	switch {
	case i == len(xs):
		return ys[j]
	case j == len(ys):
		return xs[i]
	}
	return math.Min(xs[i], ys[j])
}

// blockEnds merges the sorted samples and reports, for every 1-based
// position k of the pooled sequence, whether k ends a block of equal values.
func blockEnds(xs, ys []float64) []bool {
	pooled := make([]float64, 0, len(xs)+len(ys))
	var i, j int
	for i < len(xs) || j < len(ys) {
		if j == len(ys) || (i < len(xs) && xs[i] <= ys[j]) {
			pooled = append(pooled, xs[i])
			i++
		} else {
			pooled = append(pooled, ys[j])
			j++
		}
	}
	end := make([]bool, len(pooled)+1)
	for k := 1; k <= len(pooled); k++ {
		end[k] = k == len(pooled) || pooled[k] != pooled[k-1]
	}
	return end
}
