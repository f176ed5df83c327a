package anomaly

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"smartmaint/internal/ml/nab"
)

// nabDir returns the shared NAB data directory, or skips the test.
func nabDir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "..", "..", "shared", "data", "nab")
	if _, err := os.Stat(filepath.Join(dir, "windows.json")); err != nil {
		tb.Skipf("NAB data not found at %s (shared data is not beside the repo)", dir)
	}
	return dir
}

type nabFile struct {
	key     string
	times   []time.Time
	values  []float64
	windows []nab.Window
}

// loadNAB reads every file of the shared NAB directory.
func loadNAB(tb testing.TB) []nabFile {
	tb.Helper()
	dir := nabDir(tb)
	raw, err := os.ReadFile(filepath.Join(dir, "windows.json"))
	if err != nil {
		tb.Fatal(err)
	}
	ws, err := nab.ParseWindows(raw)
	if err != nil {
		tb.Fatal(err)
	}
	var keys []string
	for k := range ws {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []nabFile
	for _, k := range keys {
		f, err := os.Open(filepath.Join(dir, filepath.Base(k)))
		if err != nil {
			tb.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		nf := nabFile{key: k, windows: ws[k]}
		for _, r := range recs[1:] {
			t, err := nab.ParseTimestamp(r[0])
			if err != nil {
				tb.Fatal(err)
			}
			v, err := strconv.ParseFloat(r[1], 64)
			if err != nil {
				tb.Fatal(err)
			}
			nf.times = append(nf.times, t)
			nf.values = append(nf.values, v)
		}
		out = append(out, nf)
	}
	return out
}

// TestNABReport prints the NAB scores of the default detector on the shared
// files. Run with SMARTMAINT_NAB_REPORT=1 go test -run NABReport -v.
func TestNABReport(t *testing.T) {
	if os.Getenv("SMARTMAINT_NAB_REPORT") == "" {
		t.Skip("set SMARTMAINT_NAB_REPORT=1 to print the NAB report")
	}
	report(t, "synthetic", synthCorpus(testConfig(t)), os.Getenv("SMARTMAINT_NAB_REPORT") == "2")
	files := loadNAB(t)
	cfg := testConfig(t)
	var corpus []nab.Series
	for _, f := range files {
		d, _ := New(cfg)
		s := nab.Series{Name: f.key, Times: f.times, Windows: f.windows}
		for i := range f.times {
			s.Scores = append(s.Scores, d.Update(f.times[i], f.values[i]).Score)
		}
		corpus = append(corpus, s)
	}
	report(t, "NAB", corpus, true)
}

// testConfig returns DefaultConfig overridden by the JSON in
// SMARTMAINT_DETECTOR_CONFIG (for experiments).
func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	if js := os.Getenv("SMARTMAINT_DETECTOR_CONFIG"); js != "" {
		if err := json.Unmarshal([]byte(js), &cfg); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

// report prints the three profile scores of a corpus, and per-file details
// of the standard profile when detail is set.
func report(t *testing.T, title string, corpus []nab.Series, detail bool) {
	fmt.Println(title)
	for _, p := range nab.Profiles() {
		r, err := nab.Evaluate(corpus, p)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%-14s %6.2f  thr %.4f\n", p.Name, r.Score, r.Threshold)
		if p.Name != "standard" || !detail {
			continue
		}
		for _, f := range r.Files {
			fmt.Printf("  %-60s det %d/%d fp %3d raw %+.3f\n", f.Name, f.Detected, len(f.Windows), f.FalsePositives, f.Raw)
		}
	}
}
