package drift

import "math"

// exactPValue returns the permutation probability that the statistic (in
// units of 1/(n·m)) reaches h when n of the n+m pooled positions are given to
// the first sample uniformly at random. blockEnd[k] reports whether pooled
// position k (1-based) ends a block of tied values; the distance is only
// evaluated there.
//
// prob[i] is the probability of being at lattice point (i, k−i) after k steps
// without having reached h; the mass that reaches h is moved to out, so the
// result is a sum of positive terms.
func exactPValue(n, m, h int64, alt Alternative, blockEnd []bool) float64 {
	if h <= 0 {
		return 1
	}
	total := n + m
	// One spare slot so that i = n can write next[n+1] (with weight zero).
	prob := make([]float64, n+2)
	next := make([]float64, n+2)
	prob[0] = 1
	lo, hi := int64(0), int64(0) // prob is zero outside [lo, hi]
	var out, comp float64        // Kahan-compensated sum of the exited mass
	fn, fm := float64(n), float64(m)
	for k := int64(0); k < total; k++ {
		nlo, nhi := max(lo, k+1-m), min(hi+1, n)
		clear(next[nlo : nhi+2])
		inv := 1 / float64(total-k)
		fi, fj := float64(lo), float64(k-lo)
		for i := lo; i <= hi; i++ {
			p := prob[i] * inv
			next[i+1] += p * (fn - fi) // next element from the first sample
			next[i] += p * (fm - fj)   // next element from the second sample
			fi++
			fj--
		}
		prob, next = next, prob
		lo, hi = nlo, nhi
		if blockEnd[k+1] {
			for i := lo; i <= hi; i++ {
				if prob[i] != 0 && reached(i*m-(k+1-i)*n, h, alt) {
					y := prob[i] - comp
					t := out + y
					comp = (t - out) - y
					out = t
					prob[i] = 0
				}
			}
		}
		lo, hi = trimZeros(prob, lo, hi)
		if lo > hi {
			break // every path has reached h
		}
	}
	return math.Min(out, 1)
}

// negligible is the probability below which a lattice point at the edge of
// the live range is dropped. The dropped mass is under 1e-270 in total, far
// below any p-value the platform reports, and it keeps the recursion out of
// slow subnormal arithmetic in the far tails.
const negligible = 1e-280

// trimZeros narrows [lo, hi] to the entries of p above negligible at its
// ends (the mass of the recursion is unimodal in i, so only the ends can be
// negligible). It returns lo > hi when nothing is left.
func trimZeros(p []float64, lo, hi int64) (int64, int64) {
	for lo <= hi && p[lo] < negligible {
		p[lo] = 0
		lo++
	}
	for hi >= lo && p[hi] < negligible {
		p[hi] = 0
		hi--
	}
	return lo, hi
}

// reached reports whether the signed distance d = i·m − j·n attains h for the
// alternative.
func reached(d, h int64, alt Alternative) bool {
	switch alt {
	case Greater:
		return d >= h
	case Less:
		return -d >= h
	}
	return d >= h || -d >= h
}

// asymptoticPValue is the large-sample p-value of statistic d.
func asymptoticPValue(n, m int64, d float64, alt Alternative) float64 {
	if d <= 0 {
		return 1
	}
	big, small := float64(max(n, m)), float64(min(n, m))
	en := big * small / (big + small)
	if alt == TwoSided {
		s := math.Sqrt(en)
		return KolmogorovSF((s + 0.12 + 0.11/s) * d)
	}
	z := math.Sqrt(en) * d
	expt := -2*z*z - 2*z*(big+2*small)/math.Sqrt(big*small*(big+small))/3
	return math.Min(1, math.Exp(expt))
}

// KolmogorovSF returns Q(λ) = P(K > λ) for the Kolmogorov distribution, the
// limit of √n·Dₙ. For λ < 1.18 it uses 1 − (√(2π)/λ) Σ exp(−(2k−1)²π²/(8λ²)),
// otherwise 2 Σ (−1)^(k−1) exp(−2k²λ²); both series are summed until their
// terms no longer change the result.
func KolmogorovSF(lambda float64) float64 {
	if math.IsNaN(lambda) {
		return math.NaN()
	}
	if lambda <= 0 {
		return 1
	}
	if lambda < 1.18 {
		return math.Max(0, 1-kolmogorovCDFSmall(lambda))
	}
	var sum float64
	for k := 1; k <= 100; k++ {
		t := math.Exp(-2 * float64(k*k) * lambda * lambda)
		if k%2 == 0 {
			t = -t
		}
		sum += t
		if math.Abs(t) <= 1e-17*math.Abs(sum) {
			break
		}
	}
	return math.Min(1, math.Max(0, 2*sum))
}

// kolmogorovCDFSmall is P(K ≤ λ) by the Jacobi-theta form of the series,
// which converges fast for small λ.
func kolmogorovCDFSmall(lambda float64) float64 {
	c := math.Pi * math.Pi / (8 * lambda * lambda)
	var sum float64
	for k := 1; k <= 100; k++ {
		o := float64(2*k - 1)
		t := math.Exp(-o * o * c)
		sum += t
		if t <= 1e-17*sum {
			break
		}
	}
	return math.Sqrt(2*math.Pi) / lambda * sum
}
