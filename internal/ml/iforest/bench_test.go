package iforest

import (
	"math/rand/v2"
	"testing"
)

// gaussian returns n rows of d independent standard normal values.
func gaussian(n, d int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 0))
	X := make([][]float64, n)
	for i := range X {
		X[i] = make([]float64, d)
		for j := range X[i] {
			X[i][j] = rng.NormFloat64()
		}
	}
	return X
}

func flatten(X [][]float64) []float64 {
	var out []float64
	for _, r := range X {
		out = append(out, r...)
	}
	return out
}

// BenchmarkScoreFlat scores 8-sensor rows with 100 trees of 256 rows on one
// goroutine, reporting points per wall-clock second and per CPU-second of
// the process (the machine is shared, so the second is the per-core figure).
func BenchmarkScoreFlat(b *testing.B) {
	f, err := Fit(gaussian(5000, 8, 1), nil, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	const n = 65536
	data := flatten(gaussian(n, 8, 2))
	out := make([]float64, n)
	cpu0 := processCPU()
	for b.Loop() {
		if err := f.ScoreFlat(data, out); err != nil {
			b.Fatal(err)
		}
	}
	points := float64(n) * float64(b.N)
	b.ReportMetric(points/b.Elapsed().Seconds(), "points/s")
	if cpu := (processCPU() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(points/cpu, "points/cpu-s")
	}
}

// BenchmarkScoreOne scores one row at a time.
func BenchmarkScoreOne(b *testing.B) {
	f, err := Fit(gaussian(5000, 8, 1), nil, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	X := gaussian(1024, 8, 2)
	i := 0
	for b.Loop() {
		f.Score(X[i&1023])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkFit grows 100 trees of 256 rows on 5000 × 8.
func BenchmarkFit(b *testing.B) {
	X := gaussian(5000, 8, 1)
	for b.Loop() {
		if _, err := Fit(X, nil, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}
