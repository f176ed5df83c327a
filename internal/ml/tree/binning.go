package tree

import (
	"fmt"
	"math"
	"sort"
)

// MaxBinsLimit is the largest number of value bins per feature.
const MaxBinsLimit = 65534

// Binner maps feature values to histogram bins. Bin 0 holds missing values
// (NaN); bins 1…len(Edges[f])+1 hold values, bin b covering
// (Edges[f][b−2], Edges[f][b−1]]. A feature with at most maxBins distinct
// values gets one bin per value, so splits on it are exact (edges are the
// midpoints between consecutive distinct values); otherwise bins hold about
// equal numbers of training values (quantile binning).
type Binner struct {
	Edges [][]float64
}

// Binned is a matrix of bin indices stored column by column, with the raw
// values alongside (split thresholds are refined on them).
type Binned struct {
	Rows   int
	Cols   [][]uint16
	Values [][]float64
	// NumBins[f] counts the bins of feature f, including the missing bin.
	NumBins []int
}

// FitBinner computes bin edges for every column of x from the given rows
// (all rows when rows is nil). Non-finite values do not move the edges.
func FitBinner(x Matrix, rows []int, maxBins int) (*Binner, error) {
	if maxBins < 2 || maxBins > MaxBinsLimit {
		return nil, fmt.Errorf("tree: max bins must be in [2, %d], got %d", MaxBinsLimit, maxBins)
	}
	if rows == nil {
		rows = make([]int, x.Rows)
		for i := range rows {
			rows[i] = i
		}
	}
	b := &Binner{Edges: make([][]float64, x.Cols)}
	vals := make([]float64, 0, len(rows))
	for f := 0; f < x.Cols; f++ {
		vals = vals[:0]
		for _, i := range rows {
			v := x.At(i, f)
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				vals = append(vals, v)
			}
		}
		b.Edges[f] = quantileEdges(vals, maxBins)
	}
	return b, nil
}

// quantileEdges sorts vals in place and returns the upper edges of at most
// maxBins bins.
func quantileEdges(vals []float64, maxBins int) []float64 {
	if len(vals) == 0 {
		return nil
	}
	sort.Float64s(vals)
	var distinct []float64
	var counts []int
	for _, v := range vals {
		if len(distinct) > 0 && distinct[len(distinct)-1] == v {
			counts[len(counts)-1]++
			continue
		}
		distinct = append(distinct, v)
		counts = append(counts, 1)
	}
	edges := []float64{}
	if len(distinct) <= maxBins {
		for i := 0; i+1 < len(distinct); i++ {
			edges = append(edges, midpoint(distinct[i], distinct[i+1]))
		}
		return edges
	}
	n := float64(len(vals))
	cum := 0
	for i := 0; i+1 < len(distinct) && len(edges) < maxBins-1; i++ {
		cum += counts[i]
		if float64(cum) >= float64(len(edges)+1)*n/float64(maxBins) {
			edges = append(edges, midpoint(distinct[i], distinct[i+1]))
		}
	}
	return edges
}

// midpoint returns a value m with lo <= m < hi, halfway when representable.
func midpoint(lo, hi float64) float64 {
	m := lo + (hi-lo)/2
	if m >= hi || m < lo {
		return lo
	}
	return m
}

// BinValue returns the bin of value v for feature f.
func (b *Binner) BinValue(f int, v float64) uint16 {
	if math.IsNaN(v) {
		return 0
	}
	return uint16(1 + sort.SearchFloat64s(b.Edges[f], v))
}

// Bin maps every value of x to its bin.
func (b *Binner) Bin(x Matrix) (*Binned, error) {
	if x.Cols != len(b.Edges) {
		return nil, fmt.Errorf("tree: matrix has %d columns, binner %d", x.Cols, len(b.Edges))
	}
	out := &Binned{Rows: x.Rows, Cols: make([][]uint16, x.Cols), Values: make([][]float64, x.Cols),
		NumBins: make([]int, x.Cols)}
	for f := range out.Cols {
		col := make([]uint16, x.Rows)
		vals := make([]float64, x.Rows)
		for i := range col {
			vals[i] = x.At(i, f)
			col[i] = b.BinValue(f, vals[i])
		}
		out.Cols[f] = col
		out.Values[f] = vals
		out.NumBins[f] = len(b.Edges[f]) + 2
	}
	return out, nil
}
