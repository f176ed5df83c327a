// Package tree implements decision-tree models in pure Go: CART for
// classification and regression, random forests, and gradient-boosted trees
// with histogram splits (squared and logistic loss, learning rate, depth and
// leaf limits, L2 regularisation, row and column subsampling, early stopping
// on a validation split). It also computes exact TreeSHAP explanations
// (Lundberg et al., "Consistent Individualized Feature Attribution for Tree
// Ensembles", 2018, Algorithm 2), global importances (mean |SHAP| and gain),
// and probability calibration (isotonic regression and Platt scaling).
//
// All models are "base + Σ trees": the raw output of a model is its Base plus
// the sum of its trees' leaf values (a forest stores its leaves already
// divided by the number of trees, a boosted model already multiplied by the
// learning rate), so predictions and explanations share one code path.
// Training is deterministic for a given seed, whatever the number of CPUs.
// Missing values (NaN) are supported: each split learns the side they go to.
package tree

import "fmt"

// Matrix is a dense row-major matrix of feature values. NaN marks a missing
// value.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// NewMatrix returns a zero matrix with the given shape.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// MatrixFromRows copies rows (all the same length) into a Matrix.
func MatrixFromRows(rows [][]float64) (Matrix, error) {
	if len(rows) == 0 {
		return Matrix{}, nil
	}
	m := NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		if len(r) != m.Cols {
			return Matrix{}, fmt.Errorf("tree: row %d has %d values, want %d", i, len(r), m.Cols)
		}
		copy(m.Row(i), r)
	}
	return m, nil
}

// Row returns row i as a slice sharing the matrix's storage.
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// At returns the value at row i, column j.
func (m Matrix) At(i, j int) float64 { return m.Data[i*m.Cols+j] }

// Set sets the value at row i, column j.
func (m Matrix) Set(i, j int, v float64) { m.Data[i*m.Cols+j] = v }

// SelectRows returns a new matrix made of the given rows, in order.
func (m Matrix) SelectRows(idx []int) Matrix {
	out := NewMatrix(len(idx), m.Cols)
	for k, i := range idx {
		copy(out.Row(k), m.Row(i))
	}
	return out
}

func (m Matrix) check(y []float64) error {
	if m.Rows == 0 || m.Cols == 0 {
		return fmt.Errorf("tree: empty training matrix (%d×%d)", m.Rows, m.Cols)
	}
	if len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("tree: matrix holds %d values, want %d×%d", len(m.Data), m.Rows, m.Cols)
	}
	if y != nil && len(y) != m.Rows {
		return fmt.Errorf("tree: %d targets for %d rows", len(y), m.Rows)
	}
	for i, v := range y {
		if v != v || v > 1e300 || v < -1e300 {
			return fmt.Errorf("tree: target %d is %g; targets must be finite", i, v)
		}
	}
	return nil
}
