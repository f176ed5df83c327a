package mlcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"smartmaint"
	"smartmaint/internal/ml/anomaly"
	"smartmaint/internal/ml/nab"
)

// runEvaluateDetector implements `smartmaint ml evaluate-detector`: it runs
// the default streaming detector over every file named in a NAB windows
// file and scores it the way NAB does (see package nab), printing the
// normalised score of each profile, the corpus-wide threshold and per-file
// details.
func runEvaluateDetector(ctx context.Context, args []string, io IO) error {
	fs := flag.NewFlagSet("smartmaint ml evaluate-detector", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	dataDir := fs.String("data", "", "directory of timestamp,value CSV files (required)")
	windowsPath := fs.String("windows", "", `labelled windows, JSON {"dir/file.csv": [[start, end], ...]} (required)`)
	profile := fs.String("profile", "all", "NAB profile: all, standard, reward_low_fp or reward_low_fn")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || *windowsPath == "" {
		return smartmaint.Errorf(smartmaint.EINVALID, "evaluate-detector: --data and --windows are required")
	}
	profiles := nab.Profiles()
	if *profile != "all" {
		p, err := nab.ProfileByName(*profile)
		if err != nil {
			return smartmaint.Errorf(smartmaint.EINVALID, "evaluate-detector: --profile: %v", err)
		}
		profiles = []nab.Profile{p}
	}
	corpus, err := evaluateScoreCorpus(ctx, *dataDir, *windowsPath, anomaly.DefaultConfig())
	if err != nil {
		return err
	}
	results := make([]nab.Result, 0, len(profiles))
	for _, p := range profiles {
		r, err := nab.Evaluate(corpus, p)
		if err != nil {
			return fmt.Errorf("evaluate-detector: %w", err)
		}
		results = append(results, r)
	}
	return evaluatePrint(io.Stdout, corpus, results)
}

// evaluateScoreCorpus runs a fresh detector with cfg over every file named in the
// windows file and returns the scored series, in the windows file's key
// order.
func evaluateScoreCorpus(ctx context.Context, dataDir, windowsPath string, cfg anomaly.Config) ([]nab.Series, error) {
	raw, err := os.ReadFile(windowsPath)
	if err != nil {
		return nil, fmt.Errorf("evaluate-detector: %w", err)
	}
	windows, err := nab.ParseWindows(raw)
	if err != nil {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "evaluate-detector: %s: %v", windowsPath, err)
	}
	if len(windows) == 0 {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "evaluate-detector: %s names no file", windowsPath)
	}
	keys := make([]string, 0, len(windows))
	for k := range windows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	corpus := make([]nab.Series, 0, len(keys))
	for _, k := range keys {
		s, err := evaluateScoreFile(ctx, dataDir, k, cfg)
		if err != nil {
			return nil, err
		}
		s.Windows = windows[k]
		corpus = append(corpus, s)
	}
	return corpus, nil
}

// evaluateScoreFile finds the file named key (as dataDir/key, or dataDir/<base of
// key>) and scores it with a fresh detector.
func evaluateScoreFile(ctx context.Context, dataDir, key string, cfg anomaly.Config) (nab.Series, error) {
	path := filepath.Join(dataDir, filepath.FromSlash(key))
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		path = filepath.Join(dataDir, filepath.Base(filepath.FromSlash(key)))
		f, err = os.Open(path)
	}
	if err != nil {
		return nab.Series{}, fmt.Errorf("evaluate-detector: file %q of the windows file: %w", key, err)
	}
	defer f.Close()
	det, err := anomaly.New(cfg)
	if err != nil {
		return nab.Series{}, err
	}
	s := nab.Series{Name: key}
	_, err = detectReadCSV(ctx, f, detectSource{name: path, timeCol: "timestamp", valueCol: "value"}, func(rd detectReading) error {
		s.Times = append(s.Times, rd.t)
		s.Scores = append(s.Scores, det.Update(rd.t, rd.v).Score)
		return nil
	})
	return s, err
}

// evaluatePrint writes the profile scores and per-file details.
func evaluatePrint(w io.Writer, corpus []nab.Series, results []nab.Result) error {
	rows, windows := 0, 0
	for i, s := range corpus {
		rows += len(s.Times)
		windows += len(results[0].Files[i].Windows)
	}
	fmt.Fprintf(w, "NAB evaluation of the default detector: %d files, %d rows, %d scored windows\n\n", len(corpus), rows, windows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "profile\tscore\tthreshold\traw\tnull\tperfect")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%.2f\t%s\t%.4f\t%.4f\t%.4f\n", r.Profile.Name, r.Score, evaluateThreshold(r.Threshold), r.Raw, r.Null, r.Perfect)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		fmt.Fprintf(w, "\nper file, profile %s, threshold %s:\n", r.Profile.Name, evaluateThreshold(r.Threshold))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "file\trows\tprobation\twindows\tdetected\tfalse_pos\traw")
		for _, f := range r.Files {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.4f\n", f.Name, f.Rows, f.Probation, len(f.Windows), f.Detected, f.FalsePositives, f.Raw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "windows, profile %s:\n", r.Profile.Name)
		for _, f := range r.Files {
			for _, win := range f.Windows {
				fmt.Fprintf(w, "  %s  %s .. %s  %-29s %+.4f\n", f.Name, win.Start.Format(evaluateTimeLayout),
					win.End.Format(evaluateTimeLayout), evaluateDetectedAt(win), win.Value)
			}
		}
	}
	return nil
}

const evaluateTimeLayout = "2006-01-02 15:04:05"

// evaluateThreshold prints a threshold, "never" when detecting nothing is best.
func evaluateThreshold(t float64) string {
	if math.IsInf(t, 1) {
		return "never"
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", t), "0"), ".")
}

// evaluateDetectedAt describes when a window was first detected.
func evaluateDetectedAt(w nab.WindowResult) string {
	if !w.Detected {
		return "missed"
	}
	return "at " + w.At.Format(evaluateTimeLayout)
}
