package tsblock

import (
	"encoding/binary"
	"math"
	"sort"
)

// View is a block opened for reading: its checksum is verified and its
// timestamps are decoded, while values, qualities and metadata are read from
// the block's bytes only for the points asked for. A listing that needs a
// few points of a large block pays for its timestamps only.
//
// A View keeps a reference to the block's bytes; Reset reuses its memory.
type View struct {
	TS      []int64 // the points' timestamps, strictly increasing
	values  []byte  // len(TS) × 8 bytes
	quality []byte  // 8 bytes (one for every point) or len(TS) × 8
	metaAt  []int32 // indexes of the points that carry metadata, increasing
	meta    [][]byte
}

// Open returns a View of data.
func Open(data []byte) (*View, error) {
	v := &View{}
	return v, v.Reset(data)
}

// Reset makes v a view of data, reusing v's memory. On error v is empty.
func (v *View) Reset(data []byte) error {
	v.TS, v.values, v.quality, v.metaAt, v.meta = v.TS[:0], nil, nil, v.metaAt[:0], v.meta[:0]
	if err := v.reset(data); err != nil {
		v.TS, v.metaAt, v.meta = v.TS[:0], v.metaAt[:0], v.meta[:0]
		return err
	}
	return nil
}

func (v *View) reset(data []byte) error {
	r, err := newReader(data)
	if err != nil {
		return err
	}
	n, ok := r.uvarint()
	if !ok || n == 0 || n > uint64(len(data)) {
		return ErrCorrupt
	}
	ts, ok := r.varint()
	if !ok {
		return ErrCorrupt
	}
	if uint64(cap(v.TS)) < n {
		v.TS = make([]int64, 0, n)
	}
	out := v.TS[:n]
	out[0] = ts
	b := r.b
	for i := 1; i < len(out); i++ {
		d, k := binary.Uvarint(b)
		if k <= 0 || d == 0 || d > math.MaxInt64 || ts > math.MaxInt64-int64(d) {
			return ErrCorrupt
		}
		b = b[k:]
		ts += int64(d)
		out[i] = ts
	}
	v.TS, r.b = out, b
	if uint64(len(r.b)) < 8*n+1 {
		return ErrCorrupt
	}
	v.values, r.b = r.b[:8*n], r.b[8*n:]
	mode, _ := r.byte()
	qn := uint64(8)
	switch {
	case mode == 1:
		qn = 8 * n
	case mode != 0:
		return ErrCorrupt
	}
	if uint64(len(r.b)) < qn {
		return ErrCorrupt
	}
	v.quality, r.b = r.b[:qn], r.b[qn:]
	if err := v.indexMetadata(r, n); err != nil {
		return err
	}
	if len(r.b) != 0 {
		return ErrCorrupt
	}
	return nil
}

func (v *View) indexMetadata(r *reader, n uint64) error {
	m, ok := r.uvarint()
	if !ok || m > n {
		return ErrCorrupt
	}
	next := uint64(0)
	for j := uint64(0); j < m; j++ {
		i, ok := r.uvarint()
		if !ok || i < next || i >= n {
			return ErrCorrupt
		}
		l, ok := r.uvarint()
		if !ok || l > uint64(len(r.b)) {
			return ErrCorrupt
		}
		v.metaAt = append(v.metaAt, int32(i))
		v.meta = append(v.meta, r.b[:l:l])
		r.b = r.b[l:]
		next = i + 1
	}
	return nil
}

// Len returns the number of points.
func (v *View) Len() int { return len(v.TS) }

// Value returns the value of point i.
func (v *View) Value(i int) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(v.values[8*i:]))
}

// Quality returns the quality of point i.
func (v *View) Quality(i int) float64 {
	if len(v.quality) == 8 {
		i = 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v.quality[8*i:]))
}

// Metadata returns the metadata of point i (nil if it has none). The slice
// aliases the block's bytes.
func (v *View) Metadata(i int) []byte {
	if len(v.metaAt) == 0 {
		return nil
	}
	j := sort.Search(len(v.metaAt), func(j int) bool { return v.metaAt[j] >= int32(i) })
	if j < len(v.metaAt) && v.metaAt[j] == int32(i) {
		return v.meta[j]
	}
	return nil
}

// Point returns point i.
func (v *View) Point(i int) Point {
	return Point{TS: v.TS[i], Value: v.Value(i), Quality: v.Quality(i), Metadata: v.Metadata(i)}
}

// Search returns the index of the first point whose timestamp is at least
// ts (Len if none is).
func (v *View) Search(ts int64) int {
	return sort.Search(len(v.TS), func(i int) bool { return v.TS[i] >= ts })
}
