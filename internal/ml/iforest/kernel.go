package iforest

import (
	"math"
	"unsafe"
)

// The kernel addresses nodes as 16-byte records.
var (
	_ [unsafe.Sizeof(node{}) - 16]struct{}
	_ [16 - unsafe.Sizeof(node{})]struct{}
)

// walkTree adds to acc[p] the path length, in one tree, of row p of rows
// (row-major, d values per row, len(acc) rows).
//
// It is the hot loop of scoring, written for throughput:
//   - level by level over the whole block, so that the rows' chains of
//     dependent loads are independent and overlap;
//   - branch-free: the side taken is the sign bit of x − cut (x ≥ cut gives
//     +0 or more: right, child 2i+2; x < cut: left, 2i+1; a pass-through node's
//     cut is +Inf, so every finite x goes left);
//   - without bounds checks, through unsafe pointers. This is sound because
//     of invariants the Forest keeps (checked by Fit and UnmarshalBinary):
//     nodes holds a complete tree of 2^depth − 1 nodes, so after at most
//     depth steps from the root, i < 2^(depth+1) − 1 and the last step lands
//     in the leaves; every node's Off is a feature index times 8 with the
//     index below d; and rows holds len(acc)·d values (checked by the
//     callers).
func walkTree(nodes []node, leaves []float64, rows []float64, d, depth int, acc []float64) {
	// idx holds byte offsets of nodes: node i is at 16·i, its children at
	// 2·o + 16 (left) and 2·o + 32 (right).
	var idxa [block]uintptr
	idx := idxa[:len(acc)]
	if len(nodes) == 0 || len(rows) < len(acc)*d {
		panic("iforest: walkTree called with an empty tree or short rows")
	}
	nb := unsafe.Pointer(unsafe.SliceData(nodes))
	rb := unsafe.Pointer(unsafe.SliceData(rows))
	stride := uintptr(d) * 8
	for range depth {
		// ro is the byte offset of row p; it stays an integer so no pointer
		// is ever formed past the end of rows.
		ro := uintptr(0)
		p := 0
		for ; p+2 <= len(idx); p += 2 {
			o0, o1 := idx[p], idx[p+1]
			n0 := (*node)(unsafe.Add(nb, o0))
			n1 := (*node)(unsafe.Add(nb, o1))
			x0 := *(*float64)(unsafe.Add(rb, ro+uintptr(n0.Off)))
			x1 := *(*float64)(unsafe.Add(rb, ro+stride+uintptr(n1.Off)))
			idx[p] = 2*o0 + 32 - uintptr(int64(math.Float64bits(x0-n0.Thr))>>63)&16
			idx[p+1] = 2*o1 + 32 - uintptr(int64(math.Float64bits(x1-n1.Thr))>>63)&16
			ro += 2 * stride
		}
		if p < len(idx) {
			o := idx[p]
			n := (*node)(unsafe.Add(nb, o))
			x := *(*float64)(unsafe.Add(rb, ro+uintptr(n.Off)))
			idx[p] = 2*o + 32 - uintptr(int64(math.Float64bits(x-n.Thr))>>63)&16
		}
	}
	nInt := uintptr(len(nodes))
	for p := range idx {
		acc[p] += leaves[idx[p]/16-nInt]
	}
}
