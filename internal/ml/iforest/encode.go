package iforest

import (
	"encoding/binary"
	"fmt"
	"math"

	"smartmaint"
)

// magic starts a serialised forest; formatVersion is its layout.
const (
	magic         = "SMIF"
	formatVersion = 1
)

// MarshalBinary encodes the forest (little-endian): "SMIF", the format
// version, the shape, seed, threshold quantile and threshold, the feature
// names, then every tree's cuts (threshold, feature), leaf path lengths,
// node sizes and cut-feature ranges.
func (f *Forest) MarshalBinary() ([]byte, error) {
	le := binary.LittleEndian
	b := []byte(magic)
	for _, v := range []int{formatVersion, f.trees, f.sampleSize, f.depth, len(f.features)} {
		b = le.AppendUint32(b, uint32(v))
	}
	b = le.AppendUint64(b, f.seed)
	b = le.AppendUint64(b, math.Float64bits(f.quantile))
	b = le.AppendUint64(b, math.Float64bits(f.threshold))
	for _, name := range f.features {
		b = le.AppendUint32(b, uint32(len(name)))
		b = append(b, name...)
	}
	for _, n := range f.nodes {
		b = le.AppendUint64(b, math.Float64bits(n.Thr))
		b = le.AppendUint32(b, uint32(n.feature()))
	}
	for _, v := range f.leaves {
		b = le.AppendUint64(b, math.Float64bits(v))
	}
	for _, v := range f.sizes {
		b = le.AppendUint32(b, uint32(v))
	}
	for _, sp := range f.spans {
		b = le.AppendUint64(b, math.Float64bits(sp.Lo))
		b = le.AppendUint64(b, math.Float64bits(sp.Hi))
	}
	return b, nil
}

// reader consumes a serialised forest, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = smartmaint.Errorf(smartmaint.EINVALID, "iforest: serialised forest is truncated")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) f64() float64 { return math.Float64frombits(r.u64()) }

// UnmarshalBinary decodes a forest written by MarshalBinary and checks every
// invariant scoring relies on, so a damaged or hostile file is an error, not
// a crash.
func (f *Forest) UnmarshalBinary(data []byte) error {
	r := &reader{b: data}
	if string(r.take(4)) != magic {
		return smartmaint.Errorf(smartmaint.EINVALID, "iforest: not a serialised forest (bad magic)")
	}
	if v := r.u32(); v != formatVersion {
		return smartmaint.Errorf(smartmaint.EINVALID, "iforest: format version %d, this program reads %d", v, formatVersion)
	}
	g := Forest{trees: int(r.u32()), sampleSize: int(r.u32()), depth: int(r.u32())}
	d := int(r.u32())
	g.seed, g.quantile, g.threshold = r.u64(), r.f64(), r.f64()
	if r.err != nil {
		return r.err
	}
	if err := g.checkShape(d); err != nil {
		return err
	}
	for j := 0; j < d && r.err == nil; j++ {
		g.features = append(g.features, string(r.take(int(r.u32()))))
	}
	nInt, nLeaf := g.perTree()
	if want := g.trees * (12*nInt + 8*nLeaf + 4*(nInt+nLeaf) + 16*nInt); r.err == nil && len(r.b) != want {
		return smartmaint.Errorf(smartmaint.EINVALID, "iforest: %d bytes of trees, the header implies %d", len(r.b), want)
	}
	g.nodes = make([]node, 0, g.trees*nInt)
	for i := 0; i < g.trees*nInt && r.err == nil; i++ {
		thr, feat := r.f64(), r.u32()
		g.nodes = append(g.nodes, node{Thr: thr, Off: uint64(feat) * 8})
		if r.err == nil && (int(feat) >= d || math.IsNaN(thr) || (math.IsInf(thr, 1) && feat != 0)) {
			return smartmaint.Errorf(smartmaint.EINVALID, "iforest: node %d is malformed (feature %d of %d, cut %v)", i, feat, d, thr)
		}
	}
	g.leaves = make([]float64, 0, g.trees*nLeaf)
	for i := 0; i < g.trees*nLeaf && r.err == nil; i++ {
		g.leaves = append(g.leaves, r.f64())
	}
	g.sizes = make([]int32, 0, g.trees*(nInt+nLeaf))
	for i := 0; i < g.trees*(nInt+nLeaf) && r.err == nil; i++ {
		g.sizes = append(g.sizes, int32(r.u32()))
	}
	g.spans = make([]span, 0, g.trees*nInt)
	for i := 0; i < g.trees*nInt && r.err == nil; i++ {
		sp := span{Lo: r.f64(), Hi: r.f64()}
		if r.err == nil && !(sp.Lo <= sp.Hi) && !math.IsInf(g.nodes[i].Thr, 1) {
			return smartmaint.Errorf(smartmaint.EINVALID, "iforest: node %d has range [%v, %v]", i, sp.Lo, sp.Hi)
		}
		g.spans = append(g.spans, sp)
	}
	if r.err != nil {
		return r.err
	}
	for i, v := range g.leaves {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return smartmaint.Errorf(smartmaint.EINVALID, "iforest: leaf %d has path length %v", i, v)
		}
	}
	if len(r.b) != 0 {
		return smartmaint.Errorf(smartmaint.EINVALID, "iforest: %d unexpected bytes after the forest", len(r.b))
	}
	if _, err := checkNamesUnique(g.features); err != nil {
		return err
	}
	g.cpsi = C(g.sampleSize)
	*f = g
	return nil
}

// checkShape validates the header of a serialised forest.
func (f *Forest) checkShape(d int) error {
	bad := func(what string, v any) error {
		return smartmaint.Errorf(smartmaint.EINVALID, "iforest: serialised forest has %s %v", what, v)
	}
	switch {
	case f.trees < 1 || f.trees > 10000:
		return bad("tree count", f.trees)
	case f.sampleSize < 2 || f.sampleSize > 1<<16:
		return bad("sample size", f.sampleSize)
	case f.depth != int(math.Ceil(math.Log2(float64(f.sampleSize)))):
		return bad("height limit", fmt.Sprintf("%d for sample size %d", f.depth, f.sampleSize))
	case d < 1 || d > 1<<16:
		return bad("feature count", d)
	case math.IsNaN(f.threshold) || !(f.quantile > 0 && f.quantile <= 1):
		return bad("threshold", fmt.Sprintf("%v (quantile %v)", f.threshold, f.quantile))
	}
	return nil
}

func checkNamesUnique(names []string) ([]string, error) {
	seen := make(map[string]bool, len(names))
	for j, n := range names {
		if n == "" || seen[n] {
			return nil, smartmaint.Errorf(smartmaint.EINVALID, "iforest: feature %d name %q is empty or repeated", j, n)
		}
		seen[n] = true
	}
	return names, nil
}
