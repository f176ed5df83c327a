package mlcli

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"smartmaint"
	"smartmaint/internal/ml/anomaly"
	"smartmaint/internal/ml/nab"
)

// runDetect implements `smartmaint ml detect`: it scores a timestamp,value
// CSV with the default streaming detector, row by row in time order, exactly
// as the live pipeline scores a sensor's stream, and writes
// timestamp,value,anomaly_score,alert. --alert-threshold and --min-alert-gap
// change when a row is an alert, not its score.
//
// Input rules: the header must name the time and value columns; every value
// must be a finite number. Rows are scored in file order, which is the order
// a live stream would deliver them. A timestamp that is not after the
// previous row's (real files repeat an hour when clocks go back) is accepted
// and counted in a note on stderr; with --strict-time it is an error naming
// its line. The output is written to a temporary file renamed into place only
// when the whole input is valid.
func runDetect(ctx context.Context, args []string, io IO) error {
	fs := flag.NewFlagSet("smartmaint ml detect", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	input := fs.String("input", "", "input CSV with a header (required)")
	output := fs.String("output", "", "output CSV: timestamp,value,anomaly_score,alert (required)")
	timeCol := fs.String("time-col", "timestamp", "name of the timestamp column")
	valueCol := fs.String("value-col", "value", "name of the value column")
	strict := fs.Bool("strict-time", false, "reject a timestamp that is not after the previous row's")
	cfg := anomaly.DefaultConfig()
	fs.Float64Var(&cfg.AlertThreshold, "alert-threshold", cfg.AlertThreshold, "score at or above which a row is an alert, in (0, 1] (evaluate-detector reports the threshold that suits labelled incidents)")
	fs.DurationVar(&cfg.MinAlertGap, "min-alert-gap", cfg.MinAlertGap, "least time between two alerts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *input == "" || *output == "" {
		return smartmaint.Errorf(smartmaint.EINVALID, "detect: --input and --output are required")
	}
	switch {
	case !(cfg.AlertThreshold > 0 && cfg.AlertThreshold <= 1):
		return smartmaint.FieldErrorf("--alert-threshold", "%g: want a score in (0, 1]", cfg.AlertThreshold)
	case cfg.MinAlertGap < 0:
		return smartmaint.FieldErrorf("--min-alert-gap", "%s: want a duration ≥ 0", cfg.MinAlertGap)
	}
	in, err := os.Open(*input)
	if err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(*output), ".detect-*.csv")
	if err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	defer os.Remove(tmp.Name())
	det, err := anomaly.New(cfg)
	if err != nil {
		return err
	}
	src := detectSource{name: *input, timeCol: *timeCol, valueCol: *valueCol, strict: *strict}
	detectDisorder, err := detectStream(ctx, in, tmp, src, det)
	if err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	if err := os.Rename(tmp.Name(), *output); err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	detectDisorder.note(io.Stderr, *input)
	return nil
}

// detectStream scores every row of r with det and writes the result to w.
func detectStream(ctx context.Context, r io.Reader, w io.Writer, src detectSource, det *anomaly.Detector) (detectDisorder, error) {
	out := csv.NewWriter(w)
	if err := out.Write([]string{"timestamp", "value", "anomaly_score", "alert"}); err != nil {
		return detectDisorder{}, err
	}
	dis, err := detectReadCSV(ctx, r, src, func(rd detectReading) error {
		res := det.Update(rd.t, rd.v)
		alert := "0"
		if res.Alert {
			alert = "1"
		}
		return out.Write([]string{rd.rawTime, rd.rawValue, strconv.FormatFloat(res.Score, 'f', -1, 64), alert})
	})
	if err != nil {
		return dis, err
	}
	out.Flush()
	return dis, out.Error()
}

// detectSource describes a timestamp,value CSV input.
type detectSource struct {
	name              string // for messages
	timeCol, valueCol string
	strict            bool // reject timestamps that are not after the previous row's
}

// detectDisorder counts rows whose timestamp is not after the previous row's.
type detectDisorder struct {
	rows      int
	firstLine int
}

// note writes a one-line note about out-of-order rows, if there were any.
func (d detectDisorder) note(w io.Writer, name string) {
	if d.rows > 0 {
		fmt.Fprintf(w, "note: %s: %d rows have a timestamp not after the previous row's (first on line %d); they were scored in file order\n",
			name, d.rows, d.firstLine)
	}
}

// detectReading is one parsed input row, with its original text.
type detectReading struct {
	line              int
	rawTime, rawValue string
	t                 time.Time
	v                 float64
}

// detectReadCSV parses a timestamp,value CSV and calls fn for each row in
// file order. Errors name the file, line and column.
func detectReadCSV(ctx context.Context, r io.Reader, src detectSource, fn func(detectReading) error) (detectDisorder, error) {
	var dis detectDisorder
	name, timeCol, valueCol := src.name, src.timeCol, src.valueCol
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return dis, detectLineError(name, 1, "", "the file is empty: want a header with %q and %q", timeCol, valueCol)
	} else if err != nil {
		return dis, detectCSVError(name, err)
	}
	ti, vi := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) {
		case timeCol:
			ti = i
		case valueCol:
			vi = i
		}
	}
	if ti < 0 {
		return dis, detectLineError(name, 1, timeCol, "missing column %q in header %q", timeCol, strings.Join(header, ","))
	}
	if vi < 0 {
		return dis, detectLineError(name, 1, valueCol, "missing column %q in header %q", valueCol, strings.Join(header, ","))
	}
	var prev detectReading
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return dis, nil
		} else if err != nil {
			return dis, detectCSVError(name, err)
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return dis, ctx.Err()
		}
		line, _ := cr.FieldPos(0)
		rd, err := detectParseRow(name, line, rec[ti], rec[vi], timeCol, valueCol)
		if err != nil {
			return dis, err
		}
		if n > 0 && !rd.t.After(prev.t) {
			if src.strict {
				return dis, detectLineError(name, line, timeCol, "timestamp %q is not after %q on line %d (--strict-time)",
					rd.rawTime, prev.rawTime, prev.line)
			}
			if dis.rows == 0 {
				dis.firstLine = line
			}
			dis.rows++
		}
		if err := fn(rd); err != nil {
			return dis, err
		}
		prev = rd
	}
}

// detectParseRow parses one row's timestamp and value.
func detectParseRow(name string, line int, rawTime, rawValue, timeCol, valueCol string) (detectReading, error) {
	rd := detectReading{line: line, rawTime: rawTime, rawValue: rawValue}
	var err error
	if rd.t, err = nab.ParseTimestamp(rawTime); err != nil {
		return rd, detectLineError(name, line, timeCol, "%v", err)
	}
	s := strings.TrimSpace(rawValue)
	if s == "" {
		return rd, detectLineError(name, line, valueCol, "the value is empty")
	}
	if rd.v, err = strconv.ParseFloat(s, 64); err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return rd, detectLineError(name, line, valueCol, "%q is out of the range of a float64", rawValue)
		}
		return rd, detectLineError(name, line, valueCol, "%q is not a number", rawValue)
	}
	if math.IsNaN(rd.v) || math.IsInf(rd.v, 0) {
		return rd, detectLineError(name, line, valueCol, "%q is not a finite number", rawValue)
	}
	return rd, nil
}

// detectLineError returns an EINVALID error naming the file, line and column.
func detectLineError(name string, line int, col, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	msg := fmt.Sprintf("%s: line %d", name, line)
	if col != "" {
		msg += fmt.Sprintf(", column %q", col)
	}
	return &smartmaint.Error{Code: smartmaint.EINVALID, Message: msg + ": " + reason,
		Details: []smartmaint.FieldError{{Line: line, Field: col, Reason: reason}}}
}

// detectCSVError turns a CSV syntax error into an EINVALID error with its line.
func detectCSVError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return detectLineError(name, pe.Line, "", "%v", pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}
