package mlcli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"smartmaint"
	"smartmaint/internal/ml/tabular"
	"smartmaint/internal/registry"
)

// promoteKnownMetrics are the cross-validation metrics the gate picks by
// default, in order, when neither --metric nor the challenger's
// "primary_metric" tag names one.
var promoteKnownMetrics = []string{"cv_f1", "cv_pr_auc", "cv_roc_auc", "cv_rmse", "cv_nasa_score", "cv_mae"}

// promoteLowerWords mark metrics where lower is better.
var promoteLowerWords = []string{"rmse", "mae", "mse", "mape", "mase", "loss", "error", "nasa", "brier"}

// promoteHigherWords mark metrics where higher is better.
var promoteHigherWords = []string{"f1", "auc", "accuracy", "precision", "recall", "r2", "nab"}

// promoteOptions are the flags of `smartmaint ml promote`.
type promoteOptions struct {
	dir, model, stage, reason, by string
	version                       int
	metric, direction             string
	holdout, holdoutColumns       string
	margin                        float64
	override                      string
	asJSON                        bool
}

// runPromote moves a version to a stage. Into Production it goes through the
// promotion gate: with --holdout, champion and challenger are both scored on
// that labelled file; without, the gate compares the metric each recorded at
// training time (the same cross-validation protocol) and refuses when they
// were trained on data with different fingerprints. --override-reason
// promotes a refused challenger. Other stages are plain recorded transitions.
func runPromote(ctx context.Context, args []string, io IO) error {
	o, err := promoteParse(args, io)
	if err != nil {
		return err
	}
	stage, err := registry.ParseStage(o.stage)
	if err != nil {
		return err
	}
	reg, err := registry.Open(registry.Dir(o.dir))
	if err != nil {
		return err
	}
	if stage != registry.StageProduction {
		v, err := reg.Transition(ctx, o.model, o.version, stage, o.by, o.reason)
		if err != nil {
			return err
		}
		if o.asJSON {
			return promoteJSON(io, v)
		}
		_, err = fmt.Fprintf(io.Stdout, "Model %s version %d is now in %s.\n", v.Model, v.Version, v.Stage)
		return err
	}
	return promoteGated(ctx, reg, o, io)
}

func promoteParse(args []string, io IO) (*promoteOptions, error) {
	o := &promoteOptions{}
	fs := flag.NewFlagSet("smartmaint ml promote", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.StringVar(&o.dir, "registry", "", "registry directory (default $"+registry.DirEnv+" or ./"+registry.DefaultDir+")")
	fs.StringVar(&o.model, "model", "", "model name (required)")
	fs.IntVar(&o.version, "version", 0, "version number (required)")
	fs.StringVar(&o.stage, "stage", "Production", "target stage: Production, Staging, Archived or None")
	fs.StringVar(&o.reason, "reason", "", "why (recorded in the version's history)")
	fs.StringVar(&o.by, "by", promoteDefaultBy(), "who makes the change (recorded)")
	fs.StringVar(&o.metric, "metric", "", "recorded metric the gate compares (default: the challenger's primary_metric tag, else the first of "+strings.Join(promoteKnownMetrics, ", ")+")")
	fs.StringVar(&o.direction, "direction", "", "higher or lower is better (default: inferred from the metric name)")
	fs.StringVar(&o.holdout, "holdout", "", "labelled data neither version was trained on: the gate scores champion and challenger on it (--metric then names a held-out metric: f1, precision, recall, pr_auc, roc_auc, brier for classify; rmse, mae, r2 for regress and rul; default f1 or rmse)")
	fs.StringVar(&o.holdoutColumns, "holdout-columns", "", "comma-separated column names of a headerless --holdout file (default: the training file's names when it was headerless too)")
	fs.Float64Var(&o.margin, "margin", 0.01, "relative margin the challenger must beat the champion by (0.01 = 1 %)")
	fs.StringVar(&o.override, "override-reason", "", "promote even if the gate refuses; the reason is recorded")
	fs.BoolVar(&o.asJSON, "json", false, "print the version or the gate decision as JSON")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("promote: unexpected argument %q", fs.Arg(0))
	}
	if o.model == "" {
		return nil, smartmaint.FieldErrorf("--model", "required")
	}
	if o.version < 1 {
		return nil, smartmaint.FieldErrorf("--version", "required: a version number of 1 or more")
	}
	return o, nil
}

func promoteDefaultBy() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "cli"
}

// promoteGated runs the gate on the held-out file, or on the recorded
// metric.
func promoteGated(ctx context.Context, reg *registry.Registry, o *promoteOptions, io IO) error {
	chal, err := reg.Resolve(ctx, o.model, fmt.Sprint(o.version))
	if err != nil {
		return err
	}
	req := registry.PromoteRequest{
		Model: o.model, Version: o.version, By: o.by, Reason: o.reason, OverrideReason: o.override,
		Policy: registry.PromotionPolicy{Margin: o.margin},
	}
	if o.holdout != "" {
		if err := holdoutGate(&req, chal, o); err != nil {
			return err
		}
	} else {
		metric, higher, err := promoteMetric(chal, o.metric, o.direction)
		if err != nil && o.override == "" {
			return err
		}
		req.Policy.Metric, req.Policy.HigherIsBetter = metric, higher
		req.Evaluate, req.RequireSameData = registry.RecordedMetric(metric), true
		if err != nil { // no usable metric, but overridden: promote without scores
			req.Policy.Metric, req.Evaluate = "(none)", nil
		}
	}
	d, err := reg.Promote(ctx, req)
	if err != nil {
		return err
	}
	if o.asJSON {
		if err := promoteJSON(io, d); err != nil {
			return err
		}
	} else {
		promotePrintDecision(io, d)
	}
	if !d.Promoted {
		return smartmaint.Errorf(smartmaint.ECONFLICT, "promotion refused: %s (override with --override-reason)", d.Explanation)
	}
	return nil
}

// holdoutGate makes the gate score both versions on the --holdout file:
// each version's artifact (verified by the registry) is decoded and
// evaluated on the same rows. The metric is named after the file and its
// SHA-256, so the recorded decision says what it was judged on.
func holdoutGate(req *registry.PromoteRequest, chal *registry.Version, o *promoteOptions) error {
	raw, err := os.ReadFile(o.holdout)
	if err != nil {
		return smartmaint.FieldErrorf("--holdout", "%v", err)
	}
	metric := o.metric
	if metric == "" {
		metric = "rmse"
		if chal.Task == string(tabular.TaskClassify) {
			metric = "f1"
		}
	}
	_, higher, err := promoteMetric(chal, metric, o.direction)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	req.Policy.Metric = fmt.Sprintf("%s on %s (sha256:%s)", metric, filepath.Base(o.holdout), hex.EncodeToString(sum[:6]))
	req.Policy.HigherIsBetter = higher
	req.Evaluate = func(_ context.Context, v *registry.Version, artifact []byte) (float64, error) {
		pipe, err := tabular.Load(artifact)
		if err != nil {
			return 0, err
		}
		opts := pipe.ReadOptions()
		if cols := tabular.ParseColumns(o.holdoutColumns); len(cols) > 0 {
			opts.Columns = cols
		}
		tab, err := tabular.Read(bytes.NewReader(raw), opts)
		if err != nil {
			return 0, err
		}
		scores, err := pipe.Evaluate(tab)
		if err != nil {
			return 0, err
		}
		x, ok := scores[metric]
		if !ok {
			return 0, smartmaint.FieldErrorf("--metric", "%q is not a held-out metric of a %s model; want one of %s",
				metric, pipe.Task, strings.Join(slices.Sorted(maps.Keys(scores)), ", "))
		}
		return x, nil
	}
	return nil
}

func promotePrintDecision(io IO, d *registry.PromoteDecision) {
	switch {
	case d.Override:
		fmt.Fprintf(io.Stdout, "Model %s version %d is now in Production by override (%s); the gate said: %s.\n",
			d.Model, d.Challenger, d.OverrideReason, d.Explanation)
	case d.Promoted:
		fmt.Fprintf(io.Stdout, "Model %s version %d is now in Production: %s.\n", d.Model, d.Challenger, d.Explanation)
	default:
		fmt.Fprintf(io.Stdout, "Model %s version %d stays in its stage: %s.\n", d.Model, d.Challenger, d.Explanation)
	}
	if d.Promoted && d.Champion > 0 {
		fmt.Fprintf(io.Stdout, "Version %d, the previous Production version, is Archived.\n", d.Champion)
	}
}

func promoteJSON(io IO, v any) error {
	enc := json.NewEncoder(io.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// promoteMetric picks the metric the gate compares and its direction.
func promoteMetric(v *registry.Version, metric, direction string) (string, bool, error) {
	if metric == "" {
		metric = v.Tags["primary_metric"]
	}
	if metric == "" {
		for _, m := range promoteKnownMetrics {
			if _, ok := v.Metrics[m]; ok {
				metric = m
				break
			}
		}
	}
	if metric == "" {
		return "", false, smartmaint.FieldErrorf("--metric", "version %d records none of %s; name one of its metrics [%s]",
			v.Version, strings.Join(promoteKnownMetrics, ", "), strings.Join(slices.Sorted(maps.Keys(v.Metrics)), ", "))
	}
	switch strings.ToLower(direction) {
	case "higher":
		return metric, true, nil
	case "lower":
		return metric, false, nil
	case "":
		return promoteInferDirection(metric)
	}
	return "", false, smartmaint.FieldErrorf("--direction", "%q: want higher or lower", direction)
}

func promoteInferDirection(metric string) (string, bool, error) {
	name := strings.ToLower(metric)
	for _, w := range promoteLowerWords {
		if strings.Contains(name, w) {
			return metric, false, nil
		}
	}
	for _, w := range promoteHigherWords {
		if strings.Contains(name, w) {
			return metric, true, nil
		}
	}
	return "", false, smartmaint.FieldErrorf("--direction", "cannot tell whether higher or lower %s is better; say it", metric)
}
