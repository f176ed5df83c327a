package multivar

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// ridge is added to the diagonal of every scatter matrix (in robustly
// standardised units, where variances are near 1), so that a constant or
// collinear sensor leaves it invertible.
const ridge = 1e-6

// scatter is a location and scatter estimate with its Cholesky factor.
type scatter struct {
	mean   []float64
	cov    *mat.SymDense
	chol   mat.Cholesky
	lower  *mat.TriDense // L of cov + ridge·I = L·Lᵀ
	logdet float64
}

// estimate computes the mean and (maximum-likelihood) covariance of the rows
// idx of Z, and factorises it.
func estimate(Z [][]float64, idx []int) *scatter {
	p := len(Z[0])
	mean := make([]float64, p)
	for _, i := range idx {
		for j, v := range Z[i] {
			mean[j] += v
		}
	}
	inv := 1 / float64(len(idx))
	for j := range mean {
		mean[j] *= inv
	}
	acc := make([]float64, p*p) // upper triangle, row-major
	dev := make([]float64, p)
	for _, i := range idx {
		for j, v := range Z[i] {
			dev[j] = v - mean[j]
		}
		for a := 0; a < p; a++ {
			da := dev[a]
			row := acc[a*p : a*p+p]
			for b := a; b < p; b++ {
				row[b] += da * dev[b]
			}
		}
	}
	for a := 0; a < p; a++ {
		for b := 0; b < a; b++ {
			acc[a*p+b] = acc[b*p+a]
		}
	}
	cov := mat.NewSymDense(p, acc)
	cov.ScaleSym(inv, cov)
	return factorise(mean, cov)
}

// factorise adds the ridge and computes the Cholesky factor of cov.
func factorise(mean []float64, cov *mat.SymDense) *scatter {
	p := len(mean)
	reg := mat.NewSymDense(p, nil)
	reg.CopySym(cov)
	for j := 0; j < p; j++ {
		reg.SetSym(j, j, reg.At(j, j)+ridge)
	}
	s := &scatter{mean: mean, cov: cov}
	if !s.chol.Factorize(reg) {
		// Not positive definite even with the ridge (non-finite input or
		// a pathological subset): make it the identity so the search moves on.
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				v := 0.0
				if a == b {
					v = 1
				}
				reg.SetSym(a, b, v)
			}
		}
		s.chol.Factorize(reg)
		s.logdet = math.Inf(1)
	} else {
		s.logdet = s.chol.LogDet()
	}
	s.lower = mat.NewTriDense(p, mat.Lower, nil)
	s.chol.LTo(s.lower)
	return s
}

// distances returns the squared Mahalanobis distance of every row of Z to
// s, by forward substitution with L.
func (s *scatter) distances(Z [][]float64, out []float64) []float64 {
	p := len(s.mean)
	y := make([]float64, p)
	L := s.lower.RawTriangular()
	for i, row := range Z {
		d2 := 0.0
		for a := 0; a < p; a++ {
			v := row[a] - s.mean[a]
			for b := 0; b < a; b++ {
				v -= L.Data[a*L.Stride+b] * y[b]
			}
			v /= L.Data[a*L.Stride+a]
			y[a] = v
			d2 += v * v
		}
		out[i] = d2
	}
	return out
}

// smallest returns the indices of the h smallest values of d (ties broken
// by index, so the result is deterministic).
func smallest(d []float64, h int) []int {
	type pair struct {
		d float64
		i int
	}
	ps := make([]pair, len(d))
	for i, v := range d {
		ps[i] = pair{v, i}
	}
	slices.SortFunc(ps, func(a, b pair) int {
		if c := cmp.Compare(a.d, b.d); c != 0 {
			return c
		}
		return a.i - b.i
	})
	idx := make([]int, h)
	for k := range idx {
		idx[k] = ps[k].i
	}
	return idx
}

// cstep is the concentration step: the h rows nearest to s give the next
// estimate, whose determinant is not larger (Rousseeuw and Van Driessen).
func cstep(Z [][]float64, s *scatter, h int, buf []float64) *scatter {
	return estimate(Z, smallest(s.distances(Z, buf), h))
}

// fastMCD searches the h-subset of Z with the smallest covariance
// determinant: random (p+1)-subsets of a sub-sample, two C-steps each, then
// the ten best iterated to convergence on all rows.
func fastMCD(Z [][]float64, h int, cfg MCDConfig) *scatter {
	n, p := len(Z), len(Z[0])
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x4d4344)) // "MCD"
	sub := Z
	hSub := h
	if n > cfg.Subsample {
		perm := rng.Perm(n)[:cfg.Subsample]
		slices.Sort(perm)
		sub = make([][]float64, len(perm))
		for i, r := range perm {
			sub[i] = Z[r]
		}
		hSub = max(int(math.Ceil(float64(h)/float64(n)*float64(len(sub)))), (len(sub)+p+2)/2)
	}
	buf := make([]float64, len(sub))
	var best []*scatter
	start := make([]int, len(sub))
	for i := range start {
		start[i] = i
	}
	for t := 0; t < cfg.Trials; t++ {
		for i := 0; i <= p && i < len(start); i++ { // partial Fisher–Yates
			j := i + rng.IntN(len(start)-i)
			start[i], start[j] = start[j], start[i]
		}
		s := estimate(sub, start[:min(p+1, len(start))])
		s = cstep(sub, s, hSub, buf)
		s = cstep(sub, s, hSub, buf)
		best = keepBest(best, s, 10)
	}
	full := make([]float64, n)
	var winner *scatter
	for _, s := range best {
		for it := 0; it < 100; it++ {
			next := cstep(Z, s, h, full)
			done := next.logdet >= s.logdet-1e-12
			s = next
			if done {
				break
			}
		}
		if winner == nil || s.logdet < winner.logdet {
			winner = s
		}
	}
	return winner
}

// keepBest keeps the k estimates with the smallest determinants.
func keepBest(best []*scatter, s *scatter, k int) []*scatter {
	best = append(best, s)
	sort.SliceStable(best, func(a, b int) bool { return best[a].logdet < best[b].logdet })
	if len(best) > k {
		best = best[:k]
	}
	return best
}
