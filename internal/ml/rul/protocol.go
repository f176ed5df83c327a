package rul

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Target returns the training target of each step of a unit observed until
// its failure at step n−1: the remaining steps n−1−t, capped at cap (the
// piecewise-linear target: early in life the remaining life cannot be told
// apart, so it is held constant).
func Target(n int, cap float64) []float64 {
	y := make([]float64, n)
	for t := range y {
		y[t] = math.Min(float64(n-1-t), cap)
	}
	return y
}

// Protocol is the evaluation on cut trajectories.
type Protocol struct {
	// Cap is the RUL cap applied to targets and to the truth that RMSE
	// compares with.
	Cap float64
	// Cuts is the number of random cuts per validation unit.
	Cuts int
	// MinObserved is the fewest steps a cut trajectory keeps (31 is the
	// shortest trajectory of the official FD001 test set).
	MinObserved int
	// MaxRUL bounds the true remaining life at a cut, drawn uniformly in
	// [1, MaxRUL] (150 covers the range of the official test sets' RULs).
	MaxRUL int
	// Seed draws the cuts (the trainer mixes in its own seed).
	Seed uint64
}

// DefaultProtocol returns the C-MAPSS settings.
func DefaultProtocol() Protocol {
	return Protocol{Cap: 125, Cuts: 10, MinObserved: 31, MaxRUL: 150, Seed: 1}
}

// Validate checks the protocol.
func (p Protocol) Validate() error {
	if !(p.Cap > 0) || p.Cuts < 1 || p.MinObserved < 1 || p.MaxRUL < 1 {
		return fmt.Errorf("rul: protocol cap %g, cuts %d, min observed %d, max RUL %d: all must be positive",
			p.Cap, p.Cuts, p.MinObserved, p.MaxRUL)
	}
	return nil
}

// CutPoints returns, for a unit of n steps named unit, the index of the last
// observed step of each cut. The true remaining life at a cut c is n−1−c,
// drawn uniformly in [1, min(MaxRUL, n−MinObserved)] (at least 1 and at most
// n−1). The draws depend on the seed and the unit's name only, not on the
// fold the unit is in.
func (p Protocol) CutPoints(unit string, n int) []int {
	if n < 2 {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(unit))
	rng := rand.New(rand.NewPCG(p.Seed, h.Sum64()))
	hi := min(p.MaxRUL, n-p.MinObserved, n-1)
	hi = max(hi, 1)
	cuts := make([]int, p.Cuts)
	for k := range cuts {
		r := 1 + rng.IntN(hi)
		cuts[k] = n - 1 - r
	}
	return cuts
}
