package forecast

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nabDir returns ../shared/data/nab relative to the module root, or skips.
func nabDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("module root not found")
		}
		dir = parent
	}
	nab := filepath.Join(dir, "..", "shared", "data", "nab")
	if _, err := os.Stat(nab); err != nil {
		tb.Skipf("NAB data not found at %s: %v", nab, err)
	}
	return nab
}

// readValues reads the value column of a timestamp,value CSV.
func readValues(tb testing.TB, path string) []float64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("open %s: %v", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	var out []float64
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("%s line %d: %v", path, line, err)
		}
		if line == 1 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil {
			tb.Fatalf("%s line %d: %v", path, line, err)
		}
		out = append(out, v)
	}
	return out
}

// TestNABComparison prints the same-horizon comparison table of
// docs/bench/drift-forecast.md. It reads ../shared/data/nab and takes a few
// seconds, so it runs only with SMARTMAINT_NAB_FORECAST=1:
//
//	SMARTMAINT_NAB_FORECAST=1 go test ./internal/ml/forecast -run TestNABComparison -v
func TestNABComparison(t *testing.T) {
	if os.Getenv("SMARTMAINT_NAB_FORECAST") == "" {
		t.Skip("set SMARTMAINT_NAB_FORECAST=1 to run the NAB forecasting comparison")
	}
	dir := nabDir(t)
	runs := []struct {
		file   string
		period int
		damped bool
	}{
		{"machine_temperature_system_failure.csv", 0, false},
		{"machine_temperature_system_failure.csv", 0, true},
		{"machine_temperature_system_failure.csv", 288, true},
		{"nyc_taxi.csv", 0, false},
		{"nyc_taxi.csv", 0, true},
		{"nyc_taxi.csv", 48, true},
	}
	for _, r := range runs {
		y := readValues(t, filepath.Join(dir, r.file))
		start := time.Now()
		c, err := Compare(y, CompareOptions{Horizons: []int{1, 12, 48}, Period: r.period, Damped: r.damped})
		if err != nil {
			t.Fatalf("%s: %v", r.file, err)
		}
		t.Logf("%s: n=%d train=%d origins=%d (%d…%d) period=%d detected=%v damped=%v params=%+v scale(lag %d)=%.4g time=%v",
			r.file, len(y), c.Train, c.Origins, c.FirstOrigin, c.LastOrigin, c.Period, c.DetectedPeriod, r.damped,
			c.Params, c.ScaleLag, c.Scale, time.Since(start).Round(time.Millisecond))
		fmt.Println("| file | period | damped | h | method | MAE | RMSE | MASE | 95% coverage |")
		for _, s := range c.Scores {
			fmt.Printf("| %s | %d%s | %v | %d | %s | %.4f | %.4f | %.3f | %.3f |\n",
				strings.TrimSuffix(r.file, ".csv"), c.Period, map[bool]string{true: " (detected)"}[c.DetectedPeriod],
				r.damped, s.Horizon, s.Method, s.MAE, s.RMSE, s.MASE, s.Coverage)
		}
	}
}
