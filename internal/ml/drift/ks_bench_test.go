package drift

import (
	"math/rand/v2"
	"testing"
)

func benchSamples(n int, shift float64) ([]float64, []float64) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		y[i] = rng.NormFloat64() + shift
	}
	return x, y
}

func benchmarkKS(b *testing.B, n int, shift float64, method Method) {
	x, y := benchSamples(n, shift)
	b.ResetTimer()
	for b.Loop() {
		if _, err := KS2Samp(x, y, KSOptions{Method: method}); err != nil {
			b.Fatal(err)
		}
	}
}

// 10k vs 10k, same distribution: MethodAuto is exact at this size.
func BenchmarkKS10kExactNull(b *testing.B)  { benchmarkKS(b, 10000, 0, MethodExact) }
func BenchmarkKS10kExactShift(b *testing.B) { benchmarkKS(b, 10000, 0.5, MethodExact) }
func BenchmarkKS10kAsymptotic(b *testing.B) { benchmarkKS(b, 10000, 0, MethodAsymptotic) }
func BenchmarkKS1kExact(b *testing.B)       { benchmarkKS(b, 1000, 0, MethodExact) }
