package multivar

import "testing"

// BenchmarkFitMahalanobis fits the default configuration (500 starts) on
// 5000 rows of 8 sensors.
func BenchmarkFitMahalanobis(b *testing.B) {
	X := correlated(5000, 6, 0.8, 1)
	for b.Loop() {
		if _, err := FitMahalanobis(X, nil, DefaultMCDConfig()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreMahalanobis scores one 8-sensor row.
func BenchmarkScoreMahalanobis(b *testing.B) {
	m, err := FitMahalanobis(correlated(2000, 6, 0.8, 1), nil, fastCfg)
	if err != nil {
		b.Fatal(err)
	}
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	for b.Loop() {
		m.Score(x)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
}
