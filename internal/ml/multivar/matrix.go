package multivar

import (
	"fmt"
	"math"

	"smartmaint"
)

// CheckMatrix validates a training matrix (rows are times, columns are
// sensors): at least minRows rows, at least one column, every row the same
// width, every value finite. It returns the column names: names when given
// (one per column, distinct, not empty), else "x0", "x1", ….
func CheckMatrix(X [][]float64, names []string, minRows int) ([]string, error) {
	if len(X) < minRows {
		return nil, smartmaint.FieldErrorf("rows", "%d rows: need at least %d", len(X), minRows)
	}
	d := len(X[0])
	if d == 0 {
		return nil, smartmaint.FieldErrorf("columns", "no sensor columns")
	}
	for i, row := range X {
		if len(row) != d {
			return nil, smartmaint.FieldErrorf(fmt.Sprintf("rows[%d]", i), "%d values, the first row has %d", len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, smartmaint.FieldErrorf(fmt.Sprintf("rows[%d][%d]", i, j), "%v is not a finite number", v)
			}
		}
	}
	return checkNames(names, d)
}

func checkNames(names []string, d int) ([]string, error) {
	if names == nil {
		names = make([]string, d)
		for j := range names {
			names[j] = fmt.Sprintf("x%d", j)
		}
		return names, nil
	}
	if len(names) != d {
		return nil, smartmaint.FieldErrorf("features", "%d names for %d columns", len(names), d)
	}
	seen := make(map[string]bool, d)
	for j, n := range names {
		if n == "" || seen[n] {
			return nil, smartmaint.FieldErrorf(fmt.Sprintf("features[%d]", j), "%q is empty or repeated", n)
		}
		seen[n] = true
	}
	return append([]string(nil), names...), nil
}

// HasNaN reports whether x holds a NaN.
func HasNaN(x []float64) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}

// Quantile returns the q-quantile of xs (linear interpolation between order
// statistics, as NumPy's default); xs is sorted in place.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sortFloats(xs)
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	if lo >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	frac := pos - float64(lo)
	return xs[lo] + frac*(xs[lo+1]-xs[lo])
}
