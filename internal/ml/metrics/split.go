package metrics

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Fold is one train/test partition of sample indices (both sorted).
type Fold struct {
	Train []int
	Test  []int
}

// KFold splits n samples into k folds after a seeded shuffle.
func KFold(n, k int, seed uint64) ([]Fold, error) {
	if err := checkK(n, k); err != nil {
		return nil, err
	}
	perm := rand.New(rand.NewPCG(seed, 0x6b666f6c64)).Perm(n)
	assign := make([]int, n)
	for pos, i := range perm {
		assign[i] = pos % k
	}
	return foldsFrom(assign, k), nil
}

// StratifiedKFold splits samples into k folds so that each fold holds the
// same share of every class (label >= 0.5 is the positive class), within one
// sample. Each class is shuffled with the seed and dealt round-robin, the
// dealing continuing where the previous class stopped so fold sizes stay
// balanced. Every class must have at least k samples.
func StratifiedKFold(labels []float64, k int, seed uint64) ([]Fold, error) {
	if err := checkK(len(labels), k); err != nil {
		return nil, err
	}
	var classes [2][]int
	for i, y := range labels {
		c := 0
		if y >= 0.5 {
			c = 1
		}
		classes[c] = append(classes[c], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x7374726174))
	assign := make([]int, len(labels))
	next := 0
	for c, members := range classes {
		if len(members) < k {
			return nil, fmt.Errorf("metrics: class %d has %d samples, fewer than %d folds", c, len(members), k)
		}
		rng.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
		for _, i := range members {
			assign[i] = next % k
			next++
		}
	}
	return foldsFrom(assign, k), nil
}

// GroupKFold splits samples into k folds so that all samples of a group
// (for instance one engine's run-to-failure history) are in the same fold:
// the distinct groups are sorted, shuffled with the seed and dealt
// round-robin, so folds hold equal numbers of groups (within one). There must
// be at least k groups.
func GroupKFold(groups []string, k int, seed uint64) ([]Fold, error) {
	if err := checkK(len(groups), k); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, g := range groups {
		if !seen[g] {
			seen[g] = true
			names = append(names, g)
		}
	}
	if len(names) < k {
		return nil, fmt.Errorf("metrics: %d groups, fewer than %d folds", len(names), k)
	}
	sort.Strings(names)
	rand.New(rand.NewPCG(seed, 0x67726f7570)).Shuffle(len(names), func(a, b int) { names[a], names[b] = names[b], names[a] })
	foldOf := make(map[string]int, len(names))
	for pos, g := range names {
		foldOf[g] = pos % k
	}
	assign := make([]int, len(groups))
	for i, g := range groups {
		assign[i] = foldOf[g]
	}
	return foldsFrom(assign, k), nil
}

func checkK(n, k int) error {
	if k < 2 {
		return fmt.Errorf("metrics: need at least 2 folds, got %d", k)
	}
	if n < k {
		return fmt.Errorf("metrics: %d samples, fewer than %d folds", n, k)
	}
	return nil
}

func foldsFrom(assign []int, k int) []Fold {
	folds := make([]Fold, k)
	for i, f := range assign {
		for j := range folds {
			if j == f {
				folds[j].Test = append(folds[j].Test, i)
			} else {
				folds[j].Train = append(folds[j].Train, i)
			}
		}
	}
	return folds
}
