package mlcli

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"smartmaint"
	"smartmaint/internal/ml/tabular"
	"smartmaint/internal/registry"
)

// runPredict applies a registered model to a file:
// smartmaint ml predict --model NAME[@VERSION|@production|@staging|@latest]
// --input FILE --output OUT.csv [--explain] [--top N] [--registry DIR].
//
// The output is CSV: for rul one row per unit, "<id-col>,rul", at the unit's
// last row; for classify "<key>,probability,label" per row; for regress
// "<key>,prediction" per row, where the key is the id column when the model
// has one and the 1-based row number ("row") otherwise. --explain appends
// the N largest TreeSHAP contributions as top1_feature,top1_contribution,…
// (raw-output units: log-odds for classify). The model's feature schema is
// enforced: a missing, extra or renamed column is an error naming them.
func runPredict(ctx context.Context, args []string, io IO) error {
	fs := flag.NewFlagSet("smartmaint ml predict", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	modelRef := fs.String("model", "", "NAME[@VERSION|@production|@staging|@latest] (required; no @ means @latest: Production, else Staging, else the newest)")
	input := fs.String("input", "", "data file with the model's columns (required)")
	output := fs.String("output", "", "output CSV file, or - for stdout (required)")
	explain := fs.Bool("explain", false, "add the top contributing features of every prediction")
	topN := fs.Int("top", 3, "number of contributing features with --explain")
	columns := fs.String("columns", "", "comma-separated column names of a headerless input (default: the training file's names when it was headerless too)")
	dirFlag := fs.String("registry", "", "registry directory (default $"+registry.DirEnv+" or ./"+registry.DefaultDir+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("predict: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *modelRef == "":
		return smartmaint.FieldErrorf("model", "required: NAME or NAME@VERSION")
	case *input == "":
		return smartmaint.FieldErrorf("input", "required: the data to predict")
	case *output == "":
		return smartmaint.FieldErrorf("output", "required: a CSV file, or - for stdout")
	case *topN < 1:
		return smartmaint.FieldErrorf("top", "%d: want at least 1", *topN)
	}
	name, ref, err := registry.ParseModelRef(*modelRef)
	if err != nil {
		return err
	}
	reg, err := registry.Open(registry.Dir(*dirFlag))
	if err != nil {
		return err
	}
	v, artifact, err := reg.Load(ctx, name, ref)
	if err != nil {
		return err
	}
	pipe, err := tabular.Load(artifact)
	if err != nil {
		return fmt.Errorf("predict: %s version %d: %w", v.Model, v.Version, err)
	}
	preds, err := predictFile(pipe, *input, tabular.ParseColumns(*columns), *explain, *topN)
	if err != nil {
		return err
	}
	if err := writeOutput(*output, io.Stdout, predictionWriter(pipe, preds, *explain, *topN)); err != nil {
		return err
	}
	fmt.Fprintf(io.Stderr, "%d predictions of %s version %d (%s) written to %s\n", len(preds), v.Model, v.Version, v.Stage, *output)
	return nil
}

func predictFile(pipe *tabular.Pipeline, path string, columns []string, explain bool, top int) ([]tabular.Prediction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	defer f.Close()
	opts := pipe.ReadOptions()
	if len(columns) > 0 {
		opts.Columns = columns
	}
	tab, err := tabular.Read(bufio.NewReader(f), opts)
	if err != nil {
		return nil, err
	}
	po := tabular.PredictOptions{}
	if explain {
		po.Explain = top
	}
	return pipe.Predict(tab, po)
}

func predictionWriter(p *tabular.Pipeline, preds []tabular.Prediction, explain bool, top int) func(io.Writer) error {
	return func(w io.Writer) error { return writePredictions(w, p, preds, explain, top) }
}

// writeOutput writes to a file (created only when writing succeeds) or to
// stdout for "-".
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("predict: write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

func writePredictions(w io.Writer, p *tabular.Pipeline, preds []tabular.Prediction, explain bool, top int) error {
	cw := csv.NewWriter(w)
	key := p.IDColumn
	if key == "" {
		key = "row"
	}
	header := []string{key}
	switch p.Task {
	case tabular.TaskClassify:
		header = append(header, "probability", "label")
	case tabular.TaskRUL:
		header = append(header, "rul")
	default:
		header = append(header, "prediction")
	}
	if explain {
		for k := 1; k <= top; k++ {
			header = append(header, fmt.Sprintf("top%d_feature", k), fmt.Sprintf("top%d_contribution", k))
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, pr := range preds {
		rec := []string{pr.Key}
		switch p.Task {
		case tabular.TaskClassify:
			rec = append(rec, strconv.FormatFloat(pr.Value, 'f', 6, 64), strconv.Itoa(pr.Label))
		case tabular.TaskRUL:
			rec = append(rec, strconv.FormatFloat(pr.Value, 'f', 2, 64))
		default:
			rec = append(rec, strconv.FormatFloat(pr.Value, 'g', 10, 64))
		}
		if explain {
			for k := 0; k < top; k++ {
				if k < len(pr.Top) {
					rec = append(rec, pr.Top[k].Feature, strconv.FormatFloat(pr.Top[k].Value, 'f', 6, 64))
				} else {
					rec = append(rec, "", "")
				}
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
