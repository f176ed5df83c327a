package drift

import (
	"math"
	"slices"
	"sort"

	"smartmaint"
)

// Default PSI settings.
const (
	DefaultPSIBins    = 10
	DefaultPSIEpsilon = 1e-4
)

// PSIOptions configures PSI. Zero fields take the defaults.
type PSIOptions struct {
	// Bins is the number of quantile bins of the reference sample.
	Bins int
	// Epsilon replaces a bin proportion of zero (in either sample), so that
	// an empty bin adds a large but finite term instead of +Inf.
	Epsilon float64
}

// PSIResult is a Population Stability Index with the bins it used.
type PSIResult struct {
	// PSI is Σ (actual − expected)·ln(actual/expected) over the bins.
	PSI float64 `json:"psi"`
	// Edges are the inner bin edges (strictly increasing); bin k is
	// (Edges[k−1], Edges[k]] with −∞ and +∞ at the ends.
	Edges []float64 `json:"edges"`
	// Expected and Actual are the bin proportions of the reference and the
	// current sample, after the epsilon floor.
	Expected []float64 `json:"expected"`
	Actual   []float64 `json:"actual"`
}

// PSI computes the Population Stability Index of current against reference.
//
// The inner edges are the reference quantiles at k/Bins, k = 1…Bins−1, by
// linear interpolation between order statistics (Hyndman–Fan type 7, the
// default of numpy and R). Repeated edges (tied reference values) are merged,
// so a constant reference gives two bins. Proportions of zero are replaced by
// Epsilon (default 1e-4) in both samples; the others are left as they are.
// Common reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
func PSI(reference, current []float64, opts PSIOptions) (PSIResult, error) {
	if err := checkSample("reference", reference); err != nil {
		return PSIResult{}, err
	}
	if err := checkSample("current", current); err != nil {
		return PSIResult{}, err
	}
	bins, eps := opts.Bins, opts.Epsilon
	if bins == 0 {
		bins = DefaultPSIBins
	}
	if eps == 0 {
		eps = DefaultPSIEpsilon
	}
	if bins < 2 {
		return PSIResult{}, smartmaint.FieldErrorf("bins", "must be at least 2, got %d", bins)
	}
	if !(eps > 0 && eps < 1) {
		return PSIResult{}, smartmaint.FieldErrorf("epsilon", "must be in (0, 1), got %g", eps)
	}
	ref := sortedCopy(reference)
	edges := quantileEdges(ref, bins)
	res := PSIResult{
		Edges:    edges,
		Expected: binProportions(reference, edges, eps),
		Actual:   binProportions(current, edges, eps),
	}
	terms := make([]float64, len(edges)+1)
	for k := range terms {
		p, q := res.Expected[k], res.Actual[k]
		terms[k] = (q - p) * math.Log(q/p)
	}
	res.PSI = kahanSum(terms)
	return res, nil
}

// quantileEdges returns the distinct type-7 quantiles of sorted at k/bins.
func quantileEdges(sorted []float64, bins int) []float64 {
	edges := make([]float64, 0, bins-1)
	for k := 1; k < bins; k++ {
		q := quantile7(sorted, float64(k)/float64(bins))
		if len(edges) == 0 || q > edges[len(edges)-1] {
			edges = append(edges, q)
		}
	}
	return edges
}

// quantile7 is the Hyndman–Fan type 7 quantile of a sorted sample.
func quantile7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (h-float64(lo))*(sorted[hi]-sorted[lo])
}

// binProportions counts xs into the bins (Edges[k−1], Edges[k]] and returns
// the proportions with zeros replaced by eps.
func binProportions(xs, edges []float64, eps float64) []float64 {
	counts := make([]int, len(edges)+1)
	for _, v := range xs {
		counts[sort.SearchFloat64s(edges, v)]++
	}
	out := make([]float64, len(counts))
	for k, c := range counts {
		out[k] = float64(c) / float64(len(xs))
		if c == 0 {
			out[k] = eps
		}
	}
	return out
}

// kahanSum adds xs with compensated summation.
func kahanSum(xs []float64) float64 {
	var sum, c float64
	for _, x := range xs {
		y := x - c
		t := sum + y
		c = (t - sum) - y
		sum = t
	}
	return sum
}

// Wasserstein1 returns the first Wasserstein (earth mover's) distance
// between the empirical distributions of x and y, ∫ |F(t) − G(t)| dt, which
// is scipy.stats.wasserstein_distance without weights. It is in the unit of
// the data.
func Wasserstein1(x, y []float64) (float64, error) {
	if err := checkSample("x", x); err != nil {
		return 0, err
	}
	if err := checkSample("y", y); err != nil {
		return 0, err
	}
	xs, ys := sortedCopy(x), sortedCopy(y)
	all := slices.Concat(xs, ys)
	slices.Sort(all)
	n, m := float64(len(xs)), float64(len(ys))
	terms := make([]float64, 0, len(all))
	var i, j int
	for k := 0; k+1 < len(all); k++ {
		for i < len(xs) && xs[i] <= all[k] {
			i++
		}
		for j < len(ys) && ys[j] <= all[k] {
			j++
		}
		if w := all[k+1] - all[k]; w > 0 {
			terms = append(terms, math.Abs(float64(i)/n-float64(j)/m)*w)
		}
	}
	return kahanSum(terms), nil
}
