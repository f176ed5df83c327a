package tree

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Calibration methods.
const (
	CalibrationIsotonic = "isotonic"
	CalibrationPlatt    = "platt"
)

// Calibrator maps a model's raw score to a calibrated probability. It is
// fitted on out-of-fold scores, never on the scores of the rows a model was
// trained on.
type Calibrator struct {
	Method string `json:"method"`
	// X and Y are the breakpoints of the isotonic map (X ascending, Y
	// non-decreasing); scores between breakpoints are interpolated linearly,
	// scores outside take the end values.
	X []float64 `json:"x,omitempty"`
	Y []float64 `json:"y,omitempty"`
	// A and B define the Platt map p = 1/(1+exp(A·s+B)).
	A float64 `json:"a,omitempty"`
	B float64 `json:"b,omitempty"`
}

// Apply returns the calibrated probability of a raw score.
func (c *Calibrator) Apply(s float64) float64 {
	if c.Method == CalibrationPlatt {
		return sigmoid(-(c.A*s + c.B))
	}
	n := len(c.X)
	if s <= c.X[0] {
		return c.Y[0]
	}
	if s >= c.X[n-1] {
		return c.Y[n-1]
	}
	j := sort.SearchFloat64s(c.X, s) // X[j-1] < s <= X[j]
	x0, x1, y0, y1 := c.X[j-1], c.X[j], c.Y[j-1], c.Y[j]
	return y0 + (y1-y0)*(s-x0)/(x1-x0)
}

// Validate checks a calibrator read from an artifact.
func (c *Calibrator) Validate() error {
	switch c.Method {
	case CalibrationPlatt:
		if math.IsNaN(c.A) || math.IsNaN(c.B) || math.IsInf(c.A, 0) || math.IsInf(c.B, 0) {
			return errors.New("tree: Platt calibration parameters must be finite")
		}
		return nil
	case CalibrationIsotonic:
		if len(c.X) == 0 || len(c.X) != len(c.Y) {
			return fmt.Errorf("tree: isotonic calibration has %d x and %d y breakpoints", len(c.X), len(c.Y))
		}
		for i := range c.X {
			if c.Y[i] < 0 || c.Y[i] > 1 || (i > 0 && (c.X[i] <= c.X[i-1] || c.Y[i] < c.Y[i-1])) {
				return fmt.Errorf("tree: isotonic calibration breakpoint %d is out of order or range", i)
			}
		}
		return nil
	}
	return fmt.Errorf("tree: unknown calibration method %q", c.Method)
}

// FitCalibrator fits the named method to scores and 0/1 labels.
func FitCalibrator(method string, scores, labels []float64) (*Calibrator, error) {
	if len(scores) != len(labels) || len(scores) == 0 {
		return nil, fmt.Errorf("tree: calibration needs aligned, non-empty scores and labels (%d, %d)", len(scores), len(labels))
	}
	if err := checkBinary(labels); err != nil {
		return nil, err
	}
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("tree: calibration score %d is %g", i, s)
		}
	}
	switch method {
	case CalibrationIsotonic:
		return fitIsotonic(scores, labels), nil
	case CalibrationPlatt:
		return fitPlatt(scores, labels), nil
	}
	return nil, fmt.Errorf("tree: calibration method %q: want %q or %q", method, CalibrationIsotonic, CalibrationPlatt)
}

// fitIsotonic runs pool-adjacent-violators on the scores' distinct values
// and keeps the ends of every constant run as breakpoints.
func fitIsotonic(scores, labels []float64) *Calibrator {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	type block struct{ x0, x1, sum, w float64 }
	var blocks []block
	for k := 0; k < len(idx); {
		j := k
		var s float64
		for j < len(idx) && scores[idx[j]] == scores[idx[k]] {
			s += labels[idx[j]]
			j++
		}
		x := scores[idx[k]]
		blocks = append(blocks, block{x, x, s, float64(j - k)})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/a.w <= b.sum/b.w {
				break
			}
			blocks = blocks[:len(blocks)-2]
			blocks = append(blocks, block{a.x0, b.x1, a.sum + b.sum, a.w + b.w})
		}
		k = j
	}
	c := &Calibrator{Method: CalibrationIsotonic}
	for _, b := range blocks {
		y := b.sum / b.w
		c.X = append(c.X, b.x0)
		c.Y = append(c.Y, y)
		if b.x1 > b.x0 {
			c.X = append(c.X, b.x1)
			c.Y = append(c.Y, y)
		}
	}
	return c
}

// fitPlatt fits p = 1/(1+exp(A·s+B)) by Newton's method on the log-loss
// with Platt's smoothed targets (Platt 1999; Lin, Lin and Weng 2007).
func fitPlatt(scores, labels []float64) *Calibrator {
	var pos, neg float64
	for _, y := range labels {
		if y == 1 {
			pos++
		} else {
			neg++
		}
	}
	hi, lo := (pos+1)/(pos+2), 1/(neg+2)
	t := make([]float64, len(labels))
	for i, y := range labels {
		t[i] = lo
		if y == 1 {
			t[i] = hi
		}
	}
	a, b := 0.0, math.Log((neg+1)/(pos+1))
	for iter := 0; iter < 100; iter++ {
		var g1, g2, h11, h12, h22 float64
		for i, s := range scores {
			p := sigmoid(-(a*s + b))
			d := t[i] - p // derivative of the loss w.r.t. (A s + B)
			w := math.Max(p*(1-p), 1e-12)
			g1 += d * s
			g2 += d
			h11 += w * s * s
			h12 += w * s
			h22 += w
		}
		h11 += 1e-12
		h22 += 1e-12
		det := h11*h22 - h12*h12
		if det <= 0 {
			break
		}
		da := (h22*g1 - h12*g2) / det
		db := (h11*g2 - h12*g1) / det
		a -= da
		b -= db
		if math.Abs(da) < 1e-10 && math.Abs(db) < 1e-10 {
			break
		}
	}
	return &Calibrator{Method: CalibrationPlatt, A: a, B: b}
}
