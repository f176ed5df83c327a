package tsblock

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// samePoint reports whether two points are equal bit for bit.
func samePoint(a, b Point) bool {
	return a.TS == b.TS && math.Float64bits(a.Value) == math.Float64bits(b.Value) &&
		math.Float64bits(a.Quality) == math.Float64bits(b.Quality) &&
		(a.Metadata == nil) == (b.Metadata == nil) && bytes.Equal(a.Metadata, b.Metadata)
}

func TestViewMatchesDecode(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	cases := map[string][]Point{
		"one point":       {{TS: -7, Value: math.NaN(), Quality: 0.5, Metadata: []byte(`{}`)}},
		"same quality":    samplePoints(r, 300, true),
		"varying quality": samplePoints(r, 300, false),
		"empty metadata":  {{TS: 1, Metadata: []byte{}}, {TS: 2, Value: 1}},
	}
	var v View // reused across blocks
	for name, pts := range cases {
		data := Encode(nil, pts)
		if err := v.Reset(data); err != nil {
			t.Fatalf("%s: Reset: %v", name, err)
		}
		if v.Len() != len(pts) {
			t.Fatalf("%s: %d points, want %d", name, v.Len(), len(pts))
		}
		for i, p := range pts {
			if got := v.Point(i); !samePoint(got, p) {
				t.Fatalf("%s: point %d = %+v, want %+v", name, i, got, p)
			}
		}
		for i, p := range pts {
			if got := v.Search(p.TS); got != i {
				t.Fatalf("%s: Search(%d) = %d, want %d", name, p.TS, got, i)
			}
		}
		if got := v.Search(pts[len(pts)-1].TS + 1); got != len(pts) {
			t.Fatalf("%s: Search past the end = %d", name, got)
		}
	}
}

func TestViewCorruption(t *testing.T) {
	b := Encode(nil, samplePoints(rand.New(rand.NewPCG(23, 24)), 40, false))
	var v View
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x04
		if err := v.Reset(c); err == nil {
			t.Fatalf("a flipped bit at byte %d went unnoticed", i)
		}
		if v.Len() != 0 {
			t.Fatalf("a failed Reset left %d points", v.Len())
		}
	}
	for _, cut := range []int{0, 3, 6, len(b) - 1} {
		if err := v.Reset(b[:cut]); err == nil {
			t.Fatalf("a block cut at %d opened", cut)
		}
	}
}

func FuzzView(f *testing.F) {
	f.Add(Encode(nil, samplePoints(rand.New(rand.NewPCG(25, 26)), 20, false)))
	f.Add([]byte{1, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var v View
		verr := v.Reset(data)
		pts, derr := Decode(nil, data)
		if (verr == nil) != (derr == nil) {
			t.Fatalf("View error %v, Decode error %v", verr, derr)
		}
		if verr != nil {
			return
		}
		for i, p := range pts {
			if got := v.Point(i); !samePoint(got, p) {
				t.Fatalf("point %d: View %+v, Decode %+v", i, got, p)
			}
		}
	})
}

func BenchmarkView3600(b *testing.B) {
	data := Encode(nil, samplePoints(rand.New(rand.NewPCG(11, 12)), 3600, true))
	var v View
	for b.Loop() {
		if err := v.Reset(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkView3600Regular(b *testing.B) {
	pts := make([]Point, 3600)
	for i := range pts {
		pts[i] = Point{TS: 1_700_000_000_000_000 + int64(i)*1_000_000, Value: float64(i), Quality: 1}
	}
	data := Encode(nil, pts)
	var v View
	for b.Loop() {
		if err := v.Reset(data); err != nil {
			b.Fatal(err)
		}
	}
}
