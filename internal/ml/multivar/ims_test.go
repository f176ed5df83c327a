package multivar_test

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"smartmaint/internal/ml/iforest"
	"smartmaint/internal/ml/multivar"
)

// imsRun is one IMS run-to-failure test: times, channel names and values.
type imsRun struct {
	times    []time.Time
	channels []string
	rows     [][]float64
}

// readIMS reads an aggregated IMS file: an unnamed index column, Datetime
// ("2003.10.22.12.06.24") and one column per channel.
func readIMS(r io.Reader) (*imsRun, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 || len(recs[0]) < 3 || recs[0][1] != "Datetime" {
		return nil, fmt.Errorf("ims: want a header ',Datetime,<channels>'")
	}
	run := &imsRun{channels: recs[0][2:]}
	for i, rec := range recs[1:] {
		t, err := time.Parse("2006.01.02.15.04.05", rec[1])
		if err != nil {
			return nil, fmt.Errorf("ims: line %d: %v", i+2, err)
		}
		row := make([]float64, len(rec)-2)
		for j, s := range rec[2:] {
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fmt.Errorf("ims: line %d column %d: %v", i+2, j+3, err)
			}
		}
		run.times = append(run.times, t)
		run.rows = append(run.rows, row)
	}
	return run, nil
}

// dropShutdown removes the trailing rows where every channel reads below
// 0.01: the rig stopped after the failure (tests 2 and 3 end with such rows).
func (r *imsRun) dropShutdown() {
	n := len(r.rows)
	for n > 0 {
		low := true
		for _, v := range r.rows[n-1] {
			low = low && v < 0.01
		}
		if !low {
			break
		}
		n--
	}
	r.times, r.rows = r.times[:n], r.rows[:n]
}

// imsDataDir returns ../shared/data/ims-bearing beside the module root.
func imsDataDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "ims-bearing")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// imsResult is what the check reports for one detector on one run.
type imsResult struct {
	alarmAt     time.Time
	hoursBefore float64 // from the alarm to the last running row
	alarmTop    []string
	lastDayTop  []string // sensors ranked by summed share over the last 24 h
}

// evaluate scores the rows after trainEnd and raises the alarm at the first
// row that ends a run of `persistence` rows above the detector's threshold.
func evaluate(run *imsRun, det multivar.Detector, trainEnd, persistence int) (imsResult, error) {
	var res imsResult
	streak, alarm := 0, -1
	for i := trainEnd; i < len(run.rows) && alarm < 0; i++ {
		e, err := det.Explain(run.rows[i])
		if err != nil {
			return res, err
		}
		if streak = streak + 1; !e.Anomalous {
			streak = 0
		}
		if streak == persistence {
			alarm = i
			for _, c := range e.Top(3) {
				res.alarmTop = append(res.alarmTop, c.Feature)
			}
		}
	}
	if alarm < 0 {
		return res, nil
	}
	end := run.times[len(run.times)-1]
	res.alarmAt = run.times[alarm]
	res.hoursBefore = end.Sub(res.alarmAt).Hours()
	share := make([]float64, len(run.channels))
	for i := len(run.rows) - 1; i >= trainEnd && end.Sub(run.times[i]) <= 24*time.Hour; i-- {
		e, err := det.Explain(run.rows[i])
		if err != nil {
			return res, err
		}
		for _, c := range e.Contributions {
			share[c.Index] += c.Share
		}
	}
	order := make([]int, len(share))
	for j := range order {
		order[j] = j
	}
	sort.SliceStable(order, func(a, b int) bool { return share[order[a]] > share[order[b]] })
	for _, j := range order[:min(3, len(order))] {
		res.lastDayTop = append(res.lastDayTop, run.channels[j])
	}
	return res, nil
}

// imsCase is one run with the bearings that failed at its end.
type imsCase struct {
	file    string
	failing []string // channel-name prefixes of the failed bearings
}

// fitBoth trains both detectors on the first 40 % of the running rows.
func fitBoth(tb testing.TB, run *imsRun, mcd multivar.MCDConfig) (int, map[string]multivar.Detector) {
	tb.Helper()
	trainEnd := len(run.rows) * 4 / 10
	fo, err := iforest.Fit(run.rows[:trainEnd], run.channels, iforest.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	ma, err := multivar.FitMahalanobis(run.rows[:trainEnd], run.channels, mcd)
	if err != nil {
		tb.Fatal(err)
	}
	return trainEnd, map[string]multivar.Detector{"iforest": fo, "mahalanobis": ma}
}

// checkFailingStandsOut asserts an alarm at least minHours before the end,
// with a failed bearing's channel among the two top contributors both at the
// alarm and over the last 24 hours.
func checkFailingStandsOut(t *testing.T, c imsCase, name string, r imsResult, minHours float64) {
	t.Helper()
	failing := func(top []string) bool {
		for _, ch := range top[:min(2, len(top))] {
			for _, f := range c.failing {
				if strings.HasPrefix(ch, f) {
					return true
				}
			}
		}
		return false
	}
	if r.alarmAt.IsZero() || r.hoursBefore < minHours {
		t.Errorf("%s %s: alarm %.1f h before the end (want ≥ %.0f h)", c.file, name, r.hoursBefore, minHours)
	}
	if !failing(r.alarmTop) || !failing(r.lastDayTop) {
		t.Errorf("%s %s: top contributors at the alarm %v, over the last day %v; want one of %v first or second",
			c.file, name, r.alarmTop, r.lastDayTop, c.failing)
	}
}

func openRun(tb testing.TB, path string) *imsRun {
	tb.Helper()
	fh, err := os.Open(path)
	if err != nil {
		tb.Skipf("IMS bearing data not available: %v", err)
	}
	defer fh.Close()
	run, err := readIMS(fh)
	if err != nil {
		tb.Fatal(err)
	}
	run.dropShutdown()
	return run
}

// TestIMSFixture runs the check on the shipped 30-minute extract of IMS
// test 2 (bearing 1 fails): persistence 2 rows = 1 hour.
func TestIMSFixture(t *testing.T) {
	run := openRun(t, filepath.Join("testdata", "ims_test2_30min.csv"))
	c := imsCase{"ims_test2_30min.csv", []string{"Bearing 1"}}
	trainEnd, dets := fitBoth(t, run, multivar.MCDConfig{Trials: 100, Seed: 1})
	for _, name := range []string{"iforest", "mahalanobis"} {
		r, err := evaluate(run, dets[name], trainEnd, 2)
		if err != nil {
			t.Fatal(err)
		}
		checkFailingStandsOut(t, c, name, r, 12)
	}
}

// TestIMSBearings is the check on the three full IMS runs in
// ../shared/data/ims-bearing (skipped when absent, and with -short): train
// on the first 40 % of the running rows, alarm after an hour (6 rows) above
// the threshold (the 0.995 quantile of the training scores). The figures it
// logs are in docs/bench/multivariate-registry.md.
func TestIMSBearings(t *testing.T) {
	if testing.Short() {
		t.Skip("full IMS runs take a few seconds")
	}
	cases := []imsCase{
		{"1st_test_10min.csv", []string{"Bearing 3", "Bearing 4"}},
		{"2nd_test_10min.csv", []string{"Bearing 1"}},
		{"3rd_test_10min.csv", []string{"Bearing 3"}},
	}
	for _, c := range cases {
		run := openRun(t, filepath.Join(imsDataDir(t), c.file))
		trainEnd, dets := fitBoth(t, run, multivar.DefaultMCDConfig())
		for _, name := range []string{"iforest", "mahalanobis"} {
			r, err := evaluate(run, dets[name], trainEnd, 6)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("| %s | %s | %d / %d | %s | %s | %.1f | %s | %s |", c.file, name, trainEnd, len(run.rows),
				run.times[trainEnd-1].Format("2006-01-02 15:04"), r.alarmAt.Format("2006-01-02 15:04"), r.hoursBefore,
				strings.Join(r.alarmTop, ", "), strings.Join(r.lastDayTop, ", "))
			checkFailingStandsOut(t, c, name, r, 5)
		}
	}
}
