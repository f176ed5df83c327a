package tsblock

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func samplePoints(r *rand.Rand, n int, sameQ bool) []Point {
	pts := make([]Point, n)
	ts := int64(1_700_000_000_000_000)
	for i := range pts {
		ts += 1 + r.Int64N(10_000_000)
		pts[i] = Point{TS: ts, Value: r.NormFloat64() * 100, Quality: 1}
		if !sameQ {
			pts[i].Quality = r.Float64()
		}
		if r.IntN(10) == 0 {
			pts[i].Metadata = []byte(`{"k":` + string(rune('0'+r.IntN(10))) + `}`)
		}
	}
	return pts
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	specials := []Point{
		{TS: -5, Value: math.Inf(1), Quality: 0},
		{TS: 0, Value: math.Copysign(0, -1), Quality: 0.5, Metadata: []byte{}},
		{TS: 1, Value: math.MaxFloat64, Quality: 1, Metadata: []byte(`{"a":[1,2]}`)},
		{TS: math.MaxInt64, Value: math.SmallestNonzeroFloat64, Quality: 0.25},
	}
	cases := map[string][]Point{
		"one point":         {{TS: 42, Value: 1.5, Quality: 1}},
		"same quality":      samplePoints(r, 500, true),
		"varying quality":   samplePoints(r, 500, false),
		"extremes":          specials,
		"negative start ts": {{TS: -1_000_000, Value: 1, Quality: 1}, {TS: -999_999, Value: 2, Quality: 1}},
	}
	for name, pts := range cases {
		t.Run(name, func(t *testing.T) {
			b := Encode([]byte("prefix"), pts)
			if !bytes.HasPrefix(b, []byte("prefix")) {
				t.Fatal("Encode must append")
			}
			got, err := Decode(nil, b[len("prefix"):])
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(pts) {
				t.Fatalf("%d points back, want %d", len(got), len(pts))
			}
			for i := range pts {
				w, g := pts[i], got[i]
				if w.TS != g.TS || math.Float64bits(w.Value) != math.Float64bits(g.Value) ||
					math.Float64bits(w.Quality) != math.Float64bits(g.Quality) || !reflect.DeepEqual(w.Metadata, g.Metadata) {
					t.Fatalf("point %d = %+v, want %+v", i, g, w)
				}
			}
			n, first, last, err := Header(b[len("prefix"):])
			if err != nil || n != len(pts) || first != pts[0].TS || last != pts[len(pts)-1].TS {
				t.Fatalf("Header = %d %d %d %v", n, first, last, err)
			}
		})
	}
}

func TestCompact(t *testing.T) {
	pts := samplePoints(rand.New(rand.NewPCG(3, 4)), 1000, true)
	for i := range pts {
		pts[i].Metadata = nil
	}
	if size := len(Encode(nil, pts)); size > 1000*8+1000*4+32 {
		t.Fatalf("1000 points take %d bytes; a value is 8 bytes and a delta at most 4", size)
	}
}

func TestCorruptionDetected(t *testing.T) {
	b := Encode(nil, samplePoints(rand.New(rand.NewPCG(5, 6)), 50, false))
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		if _, err := Decode(nil, c); err == nil {
			t.Fatalf("a flipped bit at byte %d went unnoticed", i)
		}
	}
	for _, cut := range []int{0, 1, 5, len(b) - 1} {
		if _, err := Decode(nil, b[:cut]); err == nil {
			t.Fatalf("a block cut at %d decoded", cut)
		}
	}
}

func TestEncodePanicsOnDisorder(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic on equal timestamps")
		}
	}()
	Encode(nil, []Point{{TS: 1}, {TS: 1}})
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(nil, samplePoints(rand.New(rand.NewPCG(7, 8)), 20, false)))
	f.Add([]byte{1, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		pts, err := Decode(nil, data)
		if err != nil {
			return
		}
		for i := 1; i < len(pts); i++ {
			if pts[i].TS <= pts[i-1].TS {
				t.Fatal("decoded timestamps not increasing")
			}
		}
		again := Encode(nil, pts)
		if back, err := Decode(nil, again); err != nil || len(back) != len(pts) {
			t.Fatalf("re-encoding a decoded block failed: %v", err)
		}
	})
}

func BenchmarkEncode100(b *testing.B) {
	pts := samplePoints(rand.New(rand.NewPCG(9, 10)), 100, true)
	var buf []byte
	b.SetBytes(100)
	for b.Loop() {
		buf = Encode(buf[:0], pts)
	}
}

func BenchmarkDecode3600(b *testing.B) {
	data := Encode(nil, samplePoints(rand.New(rand.NewPCG(11, 12)), 3600, true))
	var pts []Point
	for b.Loop() {
		pts, _ = Decode(pts[:0], data)
	}
}
