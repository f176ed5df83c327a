// Package rul prepares remaining-useful-life (RUL) regression from
// run-to-failure histories: window features computed per unit from its past
// only (levels, slopes and spreads over several window lengths, drift from
// the unit's own early baseline, and age), the piecewise-linear target capped
// at a maximum (125 cycles for C-MAPSS, after Heimes 2008), and the
// evaluation protocol of the PHM08/C-MAPSS test sets: cut each validation
// unit at a random point, predict at its last observed cycle, compare with
// the true remaining life, average over several seeded cuts.
//
// Everything is a pure function of its inputs; the cuts are deterministic for
// a seed.
package rul

import (
	"fmt"
	"math"
	"strconv"
)

// Spec says which window features to compute for every input column.
type Spec struct {
	// MeanWindows: mean of the last w values (the level, denoised).
	MeanWindows []int `json:"mean_windows"`
	// SlopeWindows: least-squares slope per step over the last w values.
	SlopeWindows []int `json:"slope_windows"`
	// StdWindows: standard deviation of the last w values.
	StdWindows []int `json:"std_windows"`
	// Baseline > 0 adds, per column, the difference between the mean of the
	// last BaselineWindow values and the mean of the unit's first Baseline
	// values (its drift from its own starting point: engines start with
	// different wear and manufacturing variation).
	Baseline       int `json:"baseline"`
	BaselineWindow int `json:"baseline_window"`
	// Age adds the number of observed steps of the unit so far.
	Age bool `json:"age"`
}

// DefaultSpec is the feature set used for C-MAPSS.
func DefaultSpec() Spec {
	return Spec{
		MeanWindows:  []int{5, 10, 20, 30},
		SlopeWindows: []int{10, 20, 40},
		StdWindows:   []int{10, 30},
		Baseline:     20, BaselineWindow: 10,
		Age: true,
	}
}

// Validate checks the window lengths.
func (s Spec) Validate() error {
	for _, ws := range [][]int{s.MeanWindows, s.SlopeWindows, s.StdWindows} {
		for _, w := range ws {
			if w < 1 {
				return fmt.Errorf("rul: window length %d: want at least 1", w)
			}
		}
	}
	for _, w := range s.SlopeWindows {
		if w < 2 {
			return fmt.Errorf("rul: slope window %d: want at least 2", w)
		}
	}
	if s.Baseline < 0 || (s.Baseline > 0 && s.BaselineWindow < 1) {
		return fmt.Errorf("rul: baseline %d / window %d: want baseline >= 0 and window >= 1", s.Baseline, s.BaselineWindow)
	}
	return nil
}

// Names returns the feature names for the given input columns, in the order
// Unit produces them.
func (s Spec) Names(columns []string) []string {
	var names []string
	for _, c := range columns {
		names = append(names, c+"@last")
		for _, w := range s.MeanWindows {
			names = append(names, c+"@mean"+strconv.Itoa(w))
		}
		for _, w := range s.SlopeWindows {
			names = append(names, c+"@slope"+strconv.Itoa(w))
		}
		for _, w := range s.StdWindows {
			names = append(names, c+"@std"+strconv.Itoa(w))
		}
		if s.Baseline > 0 {
			names = append(names, c+"@drift")
		}
	}
	if s.Age {
		names = append(names, "age")
	}
	return names
}

// perColumn is the number of features of one input column.
func (s Spec) perColumn() int {
	per := 1 + len(s.MeanWindows) + len(s.SlopeWindows) + len(s.StdWindows)
	if s.Baseline > 0 {
		per++
	}
	return per
}

// Width returns the number of features for n input columns.
func (s Spec) Width(n int) int {
	w := n * s.perColumn()
	if s.Age {
		w++
	}
	return w
}

// Unit computes the features of one unit at every step. series[c][t] is
// column c at step t (time order); out[t] uses steps 0…t only, so the
// features of a cut trajectory equal those of the full one at the cut.
// Missing values (NaN) are skipped; a window without enough values gives NaN.
func (s Spec) Unit(series [][]float64) [][]float64 {
	if len(series) == 0 {
		return nil
	}
	n := len(series[0])
	width := s.Width(len(series))
	out := make([][]float64, n)
	flat := make([]float64, n*width)
	for t := range out {
		out[t] = flat[t*width : (t+1)*width]
	}
	k := 0
	for _, col := range series {
		base := math.NaN()
		for t := 0; t < n; t++ {
			row := out[t]
			j := k
			row[j] = last(col, t)
			j++
			for _, w := range s.MeanWindows {
				row[j] = mean(col, t-w+1, t)
				j++
			}
			for _, w := range s.SlopeWindows {
				row[j] = slope(col, t-w+1, t)
				j++
			}
			for _, w := range s.StdWindows {
				row[j] = std(col, t-w+1, t)
				j++
			}
			if s.Baseline > 0 {
				if t < s.Baseline {
					base = mean(col, 0, t)
				}
				row[j] = mean(col, t-s.BaselineWindow+1, t) - base
			}
		}
		k += s.perColumn()
	}
	if s.Age {
		for t := range out {
			out[t][width-1] = float64(t + 1)
		}
	}
	return out
}

// last returns the most recent non-missing value up to t.
func last(col []float64, t int) float64 {
	for ; t >= 0; t-- {
		if !math.IsNaN(col[t]) {
			return col[t]
		}
	}
	return math.NaN()
}

// mean of the non-missing values in col[a…b] (a clipped at 0).
func mean(col []float64, a, b int) float64 {
	var s float64
	n := 0
	for t := max(a, 0); t <= b; t++ {
		if v := col[t]; !math.IsNaN(v) {
			s += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// std is the population standard deviation of the non-missing values in
// col[a…b]; NaN with fewer than two values.
func std(col []float64, a, b int) float64 {
	m := mean(col, a, b)
	var s float64
	n := 0
	for t := max(a, 0); t <= b; t++ {
		if v := col[t]; !math.IsNaN(v) {
			s += (v - m) * (v - m)
			n++
		}
	}
	if n < 2 {
		return math.NaN()
	}
	return math.Sqrt(s / float64(n))
}

// slope is the least-squares slope of the non-missing values of col[a…b]
// against their step index; NaN with fewer than two values.
func slope(col []float64, a, b int) float64 {
	var st, sv float64
	n := 0
	for t := max(a, 0); t <= b; t++ {
		if v := col[t]; !math.IsNaN(v) {
			st += float64(t)
			sv += v
			n++
		}
	}
	if n < 2 {
		return math.NaN()
	}
	mt, mv := st/float64(n), sv/float64(n)
	var num, den float64
	for t := max(a, 0); t <= b; t++ {
		if v := col[t]; !math.IsNaN(v) {
			num += (float64(t) - mt) * (v - mv)
			den += (float64(t) - mt) * (float64(t) - mt)
		}
	}
	return num / den
}
