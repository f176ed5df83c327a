package forecast

import (
	"math/rand/v2"
	"testing"
)

func benchmarkFit(b *testing.B, n, period int, damped bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	y, _ := seasonalSeries(rng, n, period, 0.5)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(y, Options{Period: period, Damped: damped}); err != nil {
			b.Fatal(err)
		}
	}
}

// Holt–Winters fit (3 Nelder–Mead runs on the one-step SSE) on 2,000 points.
func BenchmarkFit2000Period24(b *testing.B)        { benchmarkFit(b, 2000, 24, false) }
func BenchmarkFit2000Period24Damped(b *testing.B)  { benchmarkFit(b, 2000, 24, true) }
func BenchmarkFit2000Period288(b *testing.B)       { benchmarkFit(b, 2000, 288, false) }
func BenchmarkFit2000Period288Damped(b *testing.B) { benchmarkFit(b, 2000, 288, true) }

// Period detection (FFT autocorrelation) on 2,000 and 20,000 points.
func BenchmarkDetectPeriod2000(b *testing.B)  { benchmarkDetect(b, 2000) }
func BenchmarkDetectPeriod20000(b *testing.B) { benchmarkDetect(b, 20000) }

func benchmarkDetect(b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(1, 1))
	y, _ := seasonalSeries(rng, n, 288, 0.5)
	b.ResetTimer()
	for b.Loop() {
		if _, err := DetectPeriod(y, PeriodOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Fit with period detection, then a 288-step forecast: one /ml/forecast call.
func BenchmarkFitDetectForecast2000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	y, _ := seasonalSeries(rng, 2000, 288, 0.5)
	b.ResetTimer()
	for b.Loop() {
		m, err := Fit(y, Options{Damped: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Forecast(288, 0.95); err != nil {
			b.Fatal(err)
		}
	}
}
