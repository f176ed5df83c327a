// Package tsblock encodes one sensor's readings as a compact block: the
// embedded store keeps readings as blocks of consecutive samples rather than
// one row each, which makes ingest a few blob writes per sensor instead of a
// B-tree insert per reading.
//
// A block holds points in strictly increasing timestamp order. The format
// (version 1, little-endian) is lossless: every timestamp, value, quality and
// metadata document comes back bit for bit.
//
//	byte     version (1)
//	uvarint  n, the number of points (≥ 1)
//	varint   first timestamp (µs since the epoch)
//	n−1 ×    uvarint timestamp delta (> 0)
//	n × 8    values, IEEE 754 bits
//	byte     quality mode: 0 = one quality for every point, 1 = one per point
//	8 | n×8  qualities
//	uvarint  m, the number of points with metadata
//	m ×      uvarint point index (increasing), uvarint length, bytes
//	4        CRC-32C of everything before it
package tsblock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Point is one reading of a block.
type Point struct {
	TS       int64 // microseconds since the Unix epoch
	Value    float64
	Quality  float64
	Metadata []byte // JSON, or nil
}

const version = 1

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt reports a block that does not decode.
var ErrCorrupt = errors.New("tsblock: corrupt block")

// Encode appends the block of pts to dst. pts must be non-empty and strictly
// increasing in TS; Encode panics otherwise (a caller's bug, not bad input).
func Encode(dst []byte, pts []Point) []byte {
	if len(pts) == 0 {
		panic("tsblock: empty block")
	}
	start := len(dst)
	dst = append(dst, version)
	dst = binary.AppendUvarint(dst, uint64(len(pts)))
	dst = binary.AppendVarint(dst, pts[0].TS)
	for i := 1; i < len(pts); i++ {
		d := pts[i].TS - pts[i-1].TS
		if d <= 0 {
			panic(fmt.Sprintf("tsblock: timestamps not strictly increasing at %d", i))
		}
		dst = binary.AppendUvarint(dst, uint64(d))
	}
	for _, p := range pts {
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.Value))
	}
	if sameQuality(pts) {
		dst = append(dst, 0)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(pts[0].Quality))
	} else {
		dst = append(dst, 1)
		for _, p := range pts {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.Quality))
		}
	}
	m := 0
	for _, p := range pts {
		if p.Metadata != nil {
			m++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(m))
	for i, p := range pts {
		if p.Metadata != nil {
			dst = binary.AppendUvarint(dst, uint64(i))
			dst = binary.AppendUvarint(dst, uint64(len(p.Metadata)))
			dst = append(dst, p.Metadata...)
		}
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], crcTable))
}

func sameQuality(pts []Point) bool {
	q := math.Float64bits(pts[0].Quality)
	for _, p := range pts[1:] {
		if math.Float64bits(p.Quality) != q {
			return false
		}
	}
	return true
}

// Decode appends the points of data to dst. Metadata slices alias data.
func Decode(dst []Point, data []byte) ([]Point, error) {
	r, err := newReader(data)
	if err != nil {
		return dst, err
	}
	n, ok := r.uvarint()
	if !ok || n == 0 || n > uint64(len(data)) {
		return dst, ErrCorrupt
	}
	first, ok := r.varint()
	if !ok {
		return dst, ErrCorrupt
	}
	base := len(dst)
	ts := first
	for i := uint64(0); i < n; i++ {
		if i > 0 {
			d, ok := r.uvarint()
			if !ok || d == 0 || d > math.MaxInt64 || ts > math.MaxInt64-int64(d) {
				return dst[:base], ErrCorrupt
			}
			ts += int64(d)
		}
		dst = append(dst, Point{TS: ts})
	}
	pts := dst[base:]
	for i := range pts {
		v, ok := r.uint64()
		if !ok {
			return dst[:base], ErrCorrupt
		}
		pts[i].Value = math.Float64frombits(v)
	}
	mode, ok := r.byte()
	if !ok || mode > 1 {
		return dst[:base], ErrCorrupt
	}
	for i := range pts {
		if mode == 0 && i > 0 {
			pts[i].Quality = pts[0].Quality
			continue
		}
		q, ok := r.uint64()
		if !ok {
			return dst[:base], ErrCorrupt
		}
		pts[i].Quality = math.Float64frombits(q)
	}
	if err := r.metadata(pts); err != nil {
		return dst[:base], err
	}
	if len(r.b) != 0 {
		return dst[:base], ErrCorrupt
	}
	return dst, nil
}

// Header returns the number of points and the first and last timestamps of a
// block without decoding its values.
func Header(data []byte) (n int, first, last int64, err error) {
	r, err := newReader(data)
	if err != nil {
		return 0, 0, 0, err
	}
	un, ok := r.uvarint()
	if !ok || un == 0 || un > uint64(len(data)) {
		return 0, 0, 0, ErrCorrupt
	}
	first, ok = r.varint()
	if !ok {
		return 0, 0, 0, ErrCorrupt
	}
	last = first
	for i := uint64(1); i < un; i++ {
		d, ok := r.uvarint()
		if !ok || d == 0 || d > math.MaxInt64 || last > math.MaxInt64-int64(d) {
			return 0, 0, 0, ErrCorrupt
		}
		last += int64(d)
	}
	return int(un), first, last, nil
}

// reader walks a block whose checksum has been verified.
type reader struct{ b []byte }

func newReader(data []byte) (*reader, error) {
	if len(data) < 6 || data[0] != version {
		return nil, ErrCorrupt
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, ErrCorrupt
	}
	return &reader{b: body[1:]}, nil
}

func (r *reader) uvarint() (uint64, bool) {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		return 0, false
	}
	r.b = r.b[n:]
	return v, true
}

func (r *reader) varint() (int64, bool) {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		return 0, false
	}
	r.b = r.b[n:]
	return v, true
}

func (r *reader) uint64() (uint64, bool) {
	if len(r.b) < 8 {
		return 0, false
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v, true
}

func (r *reader) byte() (byte, bool) {
	if len(r.b) < 1 {
		return 0, false
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v, true
}

func (r *reader) metadata(pts []Point) error {
	m, ok := r.uvarint()
	if !ok || m > uint64(len(pts)) {
		return ErrCorrupt
	}
	next := uint64(0)
	for j := uint64(0); j < m; j++ {
		i, ok := r.uvarint()
		if !ok || i < next || i >= uint64(len(pts)) {
			return ErrCorrupt
		}
		l, ok := r.uvarint()
		if !ok || l > uint64(len(r.b)) {
			return ErrCorrupt
		}
		pts[i].Metadata = r.b[:l:l]
		r.b = r.b[l:]
		next = i + 1
	}
	return nil
}
