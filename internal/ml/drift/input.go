package drift

import (
	"math"
	"slices"

	"smartmaint"
)

// checkFinite returns an EINVALID error naming field and the first position
// of a NaN or infinite value in xs.
func checkFinite(field string, xs []float64) error {
	for i, v := range xs {
		if math.IsNaN(v) {
			return smartmaint.FieldErrorf(field, "value at index %d is NaN", i)
		}
		if math.IsInf(v, 0) {
			return smartmaint.FieldErrorf(field, "value at index %d is infinite", i)
		}
	}
	return nil
}

// checkSample rejects an empty sample or one with non-finite values.
func checkSample(field string, xs []float64) error {
	if len(xs) == 0 {
		return smartmaint.FieldErrorf(field, "sample is empty")
	}
	return checkFinite(field, xs)
}

// sortedCopy returns a sorted copy of xs.
func sortedCopy(xs []float64) []float64 {
	out := make([]float64, len(xs))
	copy(out, xs)
	slices.Sort(out)
	return out
}
