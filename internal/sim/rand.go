package sim

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// newRand returns a PCG-backed generator for the named stream of seed. Streams
// with different names are independent; the same (seed, name) always yields
// the same sequence.
func newRand(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(splitmix(seed), splitmix(h.Sum64())))
}

// splitmix is the SplitMix64 finaliser; it spreads nearby seeds apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// uniform returns a value drawn uniformly from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}

// ouStep advances an Ornstein-Uhlenbeck process with stationary standard
// deviation sd and time constant tau by a fixed step dt, exactly.
type ouStep struct{ a, s float64 }

func newOU(sd, tau, dt float64) ouStep {
	a := math.Exp(-dt / tau)
	return ouStep{a: a, s: sd * math.Sqrt(1-a*a)}
}

func (o ouStep) next(r *rand.Rand, x float64) float64 {
	return o.a*x + o.s*r.NormFloat64()
}

// decay is a first-order lag with time constant tau over a fixed step dt,
// the input held constant over the step.
type decay float64

func newDecay(tau, dt float64) decay {
	if tau <= 0 {
		return 0
	}
	return decay(math.Exp(-dt / tau))
}

// lag moves x towards target by one step.
func (a decay) lag(x, target float64) float64 {
	return target + (x-target)*float64(a)
}

func clamp(x, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, x))
}

// roundTo rounds x to a multiple of step; step ≤ 0 leaves x unchanged. For
// steps like 0.1 or 0.01 it divides by the whole reciprocal, so the result is
// the float64 nearest the decimal (23.4, not 23.400000000000002).
func roundTo(x, step float64) float64 {
	if step <= 0 {
		return x
	}
	if inv := math.Round(1 / step); inv >= 1 && math.Abs(1/step-inv) < 1e-9 {
		return math.Round(x*inv) / inv
	}
	return math.Round(x/step) * step
}
