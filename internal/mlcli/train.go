package mlcli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"smartmaint"
	"smartmaint/internal/ml/tabular"
	"smartmaint/internal/ml/tree"
	"smartmaint/internal/registry"
)

// trainFlags are the flags of `smartmaint ml train`.
type trainFlags struct {
	task, input, target, idCol, timeCol, drop, columns, name, registry string
	algorithm, interactions, calibration, description                  string
	seed                                                               uint64
	folds                                                              int
	// Model knobs; applied only when given on the command line.
	rounds, maxDepth, maxLeaves, minLeaf, maxBins, earlyStop, trees, cuts int
	lr, l2, subsample, colsample, rulCap                                  float64
}

func (f *trainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.task, "task", "", "classify, regress or rul (required)")
	fs.StringVar(&f.input, "input", "", "training data: CSV with a header, or whitespace-separated with --columns (required)")
	fs.StringVar(&f.target, "target", "", "target column (required for classify and regress; rul derives the remaining life from each unit's last row when omitted)")
	fs.StringVar(&f.idCol, "id-col", "", "unit id column (required for rul; groups the folds of regress)")
	fs.StringVar(&f.timeCol, "time-col", "", "time or cycle column ordering each unit's rows (not a feature)")
	fs.StringVar(&f.drop, "drop", "", "comma-separated columns to leave out (identifiers, columns that leak the answer)")
	fs.StringVar(&f.columns, "columns", "", "comma-separated column names of a headerless file")
	fs.StringVar(&f.name, "name", "", "model name in the registry (default: the input file's name)")
	fs.StringVar(&f.registry, "registry", "", "registry directory (default $"+registry.DirEnv+" or ./"+registry.DefaultDir+")")
	fs.StringVar(&f.description, "description", "", "free text recorded with the version")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed: the same seed gives the same model and output")
	fs.IntVar(&f.folds, "folds", 5, "cross-validation folds")
	fs.StringVar(&f.algorithm, "algorithm", tabular.AlgoGBDT, "gbdt, forest or cart")
	fs.StringVar(&f.interactions, "interactions", tabular.InteractionsAuto, "pairwise products, differences and ratios of numeric columns: auto, pairwise or none")
	fs.StringVar(&f.calibration, "calibration", tree.CalibrationIsotonic, "probability calibration for classify: isotonic or platt")
	fs.IntVar(&f.rounds, "rounds", 0, "gbdt: maximum number of trees")
	fs.Float64Var(&f.lr, "learning-rate", 0, "gbdt: learning rate")
	fs.IntVar(&f.maxDepth, "max-depth", 0, "maximum tree depth (0 keeps the default)")
	fs.IntVar(&f.maxLeaves, "max-leaves", 0, "gbdt: leaves per tree")
	fs.IntVar(&f.minLeaf, "min-leaf", 0, "minimum samples per leaf")
	fs.Float64Var(&f.l2, "l2", 0, "gbdt: L2 regularisation of leaf values")
	fs.Float64Var(&f.subsample, "subsample", 0, "gbdt: fraction of rows per tree")
	fs.Float64Var(&f.colsample, "colsample", 0, "gbdt: fraction of features per tree")
	fs.IntVar(&f.maxBins, "max-bins", 0, "histogram bins per feature")
	fs.IntVar(&f.earlyStop, "early-stopping", 0, "gbdt: stop after this many rounds without improvement on a held-out validation split (0 keeps the task's default)")
	fs.IntVar(&f.trees, "trees", 0, "forest: number of trees")
	fs.Float64Var(&f.rulCap, "rul-cap", 0, "rul: cap of the remaining-life target (default 125)")
	fs.IntVar(&f.cuts, "cuts", 0, "rul: random cuts per validation unit (default 10)")
}

// config turns the flags into a training configuration; set names the
// flags given on the command line.
func (f *trainFlags) config(set map[string]bool) (tabular.TrainConfig, error) {
	task := tabular.Task(f.task)
	switch task {
	case tabular.TaskClassify, tabular.TaskRegress, tabular.TaskRUL:
	default:
		return tabular.TrainConfig{}, smartmaint.FieldErrorf("task", "%q: want classify, regress or rul", f.task)
	}
	c := tabular.DefaultTrainConfig(task)
	c.Roles = tabular.Roles{Target: f.target, ID: f.idCol, Time: f.timeCol, Drop: tabular.ParseColumns(f.drop)}
	c.Algorithm, c.Interactions, c.Calibration = f.algorithm, f.interactions, f.calibration
	c.Seed, c.Folds = f.seed, f.folds
	g := &c.GBDT
	ints := []struct {
		flag string
		dst  []*int
		v    int
	}{
		{"rounds", []*int{&g.Rounds}, f.rounds},
		{"max-depth", []*int{&g.MaxDepth, &c.CART.MaxDepth, &c.Forest.MaxDepth}, f.maxDepth},
		{"max-leaves", []*int{&g.MaxLeaves}, f.maxLeaves},
		{"min-leaf", []*int{&g.MinLeaf, &c.CART.MinLeaf, &c.Forest.MinLeaf}, f.minLeaf},
		{"max-bins", []*int{&g.MaxBins, &c.CART.MaxBins, &c.Forest.MaxBins}, f.maxBins},
		{"early-stopping", []*int{&g.EarlyStopping}, f.earlyStop},
		{"trees", []*int{&c.Forest.Trees}, f.trees},
		{"cuts", []*int{&c.Protocol.Cuts}, f.cuts},
	}
	for _, o := range ints {
		if set[o.flag] {
			for _, d := range o.dst {
				*d = o.v
			}
		}
	}
	floats := []struct {
		flag string
		dst  *float64
		v    float64
	}{
		{"learning-rate", &g.LearningRate, f.lr}, {"l2", &g.L2, f.l2}, {"subsample", &g.Subsample, f.subsample},
		{"colsample", &g.ColSample, f.colsample}, {"rul-cap", &c.Protocol.Cap, f.rulCap},
	}
	for _, o := range floats {
		if set[o.flag] {
			*o.dst = o.v
		}
	}
	if err := c.Validate(); err != nil {
		return c, smartmaint.Errorf(smartmaint.EINVALID, "%v", err)
	}
	return c, nil
}

// runTrain trains, cross-validates, prints the metrics and registers a
// version: smartmaint ml train --task classify|regress|rul --input FILE
// --target COL [flags]. The report on stdout depends only on the data, the
// flags and the seed; the registration (a new version number each time)
// is reported on stderr.
func runTrain(ctx context.Context, args []string, io IO) error {
	var f trainFlags
	fs := flag.NewFlagSet("smartmaint ml train", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected argument %q", fs.Arg(0))
	}
	if f.input == "" {
		return smartmaint.FieldErrorf("input", "required: the training data file")
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	cfg, err := f.config(set)
	if err != nil {
		return err
	}
	name := f.name
	if name == "" {
		name = defaultModelName(f.input)
	}
	if err := registry.ValidateModelName(name); err != nil {
		return err
	}
	raw, err := os.ReadFile(f.input)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	tab, err := tabular.Read(bytes.NewReader(raw), tabular.ReadOptions{Columns: tabular.ParseColumns(f.columns)})
	if err != nil {
		return err
	}
	pipe, rep, err := tabular.Train(tab, cfg)
	if err != nil {
		return err
	}
	artifact, err := pipe.Marshal()
	if err != nil {
		return err
	}
	printReport(io.Stdout, filepath.Base(f.input), &cfg, rep)
	nv, err := newVersion(name, &f, &cfg, tab, raw, pipe, rep, artifact)
	if err != nil {
		return err
	}
	dir := registry.Dir(f.registry)
	reg, err := registry.Open(dir)
	if err != nil {
		return err
	}
	v, err := reg.Register(ctx, nv)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Stderr, "registered %s version %d (stage %s, artifact sha256 %s) in %s\n",
		v.Model, v.Version, v.Stage, v.Artifact.SHA256, dir)
	return nil
}

// defaultModelName derives a registry name from a file name.
func defaultModelName(path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	for _, c := range stem {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteRune('_')
		}
	}
	s := strings.TrimLeft(b.String(), "._-")
	if s == "" {
		return "model"
	}
	return s
}

// newVersion assembles what the registry records.
func newVersion(name string, f *trainFlags, cfg *tabular.TrainConfig, tab *tabular.Table, raw []byte,
	p *tabular.Pipeline, rep *tabular.Report, artifact []byte) (registry.NewVersion, error) {
	sum := sha256.Sum256(raw)
	data := registry.DataFingerprint{Rows: tab.Rows(), SHA256: hex.EncodeToString(sum[:]), Source: filepath.Base(f.input)}
	if f.timeCol != "" {
		data.Start, data.End = timeRange(tab, f.timeCol)
	}
	var feats []registry.Feature
	for _, c := range p.Schema.Columns {
		if c.Role == tabular.RoleFeature {
			feats = append(feats, registry.Feature{Name: c.Name, Type: c.Type})
		}
	}
	metrics := map[string]float64{}
	for k, v := range rep.Metrics {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			metrics[k] = v
		}
	}
	params := cfg.Params()
	params["model_features"] = strconv.Itoa(rep.Features)
	tags := map[string]string{"algorithm": cfg.Algorithm}
	if cfg.Roles.Target != "" {
		tags["target"] = cfg.Roles.Target
	}
	desc := f.description
	if desc == "" {
		desc = fmt.Sprintf("%s trained on %s", cfg.Task, filepath.Base(f.input))
	}
	by := os.Getenv("USER")
	if by == "" {
		by = "smartmaint ml train"
	}
	return registry.NewVersion{Model: name, Description: desc, Task: string(cfg.Task), Tags: tags, Params: params,
		Metrics: metrics, Data: data, Features: feats, CreatedBy: by, Artifact: artifact}, nil
}

// timeRange returns the first and last timestamps of a time column, or nils
// when it does not hold timestamps (cycle numbers, for instance).
func timeRange(tab *tabular.Table, col string) (*time.Time, *time.Time) {
	cells, err := tab.Column(col)
	if err != nil {
		return nil, nil
	}
	var lo, hi time.Time
	for i, s := range cells {
		ts, ok := tabular.ParseTime(s)
		if !ok {
			return nil, nil
		}
		if i == 0 || ts.Before(lo) {
			lo = ts
		}
		if i == 0 || ts.After(hi) {
			hi = ts
		}
	}
	if len(cells) == 0 {
		return nil, nil
	}
	return &lo, &hi
}

// printReport writes the cross-validation report. It contains nothing that
// varies between two runs with the same data, flags and seed.
func printReport(w io.Writer, source string, cfg *tabular.TrainConfig, rep *tabular.Report) {
	fmt.Fprintf(w, "task %s, algorithm %s, seed %d, data %s: %d rows", rep.Task, rep.Algorithm, cfg.Seed, source, rep.Rows)
	switch rep.Task {
	case tabular.TaskClassify:
		fmt.Fprintf(w, " (%d positive), %d features\n", rep.Positives, rep.Features)
		fmt.Fprintf(w, "cross-validation: %d stratified folds; in each, calibration (%s) and the F1-optimal threshold come from %d inner folds of the training part only\n\n",
			cfg.Folds, cfg.Calibration, cfg.InnerFolds)
		printFolds(w, rep, []string{"f1", "precision", "recall", "pr_auc", "roc_auc", "brier", "threshold"})
		fmt.Fprintf(w, "pooled F1 of all out-of-fold labels: %.4f\n\n", rep.Metrics["cv_f1_pooled"])
		printReliability(w, rep)
	case tabular.TaskRUL:
		fmt.Fprintf(w, ", %d units, %d features\n", rep.Units, rep.Features)
		p := cfg.Protocol
		fmt.Fprintf(w, "cross-validation: %d folds grouped by unit; each validation unit is cut at %d random points "+
			"(true RUL uniform in [1, min(%d, length-%d)]) and predicted at its last observed row; RUL capped at %g\n\n",
			cfg.Folds, p.Cuts, p.MaxRUL, p.MinObserved, p.Cap)
		printFolds(w, rep, []string{"rmse", "mae", "nasa_score", "rmse_uncapped"})
		fmt.Fprintf(w, "rmse and mae against the capped truth; nasa_score summed over the units, averaged over the %d cut rounds\n\n", p.Cuts)
	default:
		fmt.Fprintf(w, ", %d features\n", rep.Features)
		fmt.Fprintf(w, "cross-validation: %d folds\n\n", cfg.Folds)
		printFolds(w, rep, []string{"rmse", "mae", "r2"})
		fmt.Fprintln(w)
	}
	printImportance(w, rep, 10)
}

func printFolds(w io.Writer, rep *tabular.Report, keys []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "fold\t%s\n", strings.Join(keys, "\t"))
	for k, f := range rep.Folds {
		fmt.Fprintf(tw, "%d", k+1)
		for _, key := range keys {
			fmt.Fprintf(tw, "\t%.4f", f[key])
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprint(tw, "cv")
	for _, key := range keys {
		fmt.Fprintf(tw, "\t%.4f", rep.Metrics["cv_"+key])
	}
	fmt.Fprintln(tw)
	tw.Flush()
}

func printReliability(w io.Writer, rep *tabular.Report) {
	fmt.Fprintln(w, "reliability of the out-of-fold calibrated probabilities:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "probability\trows\tmean predicted\tobserved")
	for _, b := range rep.Reliability {
		if b.Count == 0 {
			continue
		}
		fmt.Fprintf(tw, "[%.1f, %.1f)\t%d\t%.4f\t%.4f\n", b.Lo, b.Hi, b.Count, b.MeanPred, b.Frequency)
	}
	tw.Flush()
	fmt.Fprintf(w, "Brier score %.5f, expected calibration error %.5f\n\n", rep.Metrics["cv_brier"], rep.Metrics["cv_ece"])
}

func printImportance(w io.Writer, rep *tabular.Report, n int) {
	unit := "target units"
	if rep.Task == tabular.TaskClassify {
		unit = "log-odds"
	}
	fmt.Fprintf(w, "top features of the final model (mean |SHAP| in %s; share of split gain):\n", unit)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, im := range rep.Importance[:min(n, len(rep.Importance))] {
		fmt.Fprintf(tw, "%d\t%s\t%.4f\t%.4f\n", i+1, im.Feature, im.MeanAbsSHAP, im.Gain)
	}
	tw.Flush()
}
