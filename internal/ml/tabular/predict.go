package tabular

import (
	"math"
	"sort"
	"strconv"

	"smartmaint"
	"smartmaint/internal/ml/tree"
)

// Contribution is one feature's signed share of a prediction: its exact
// TreeSHAP value in raw-output units (log-odds for a boosted classifier,
// probability for a forest classifier, the target's unit for regress and
// rul). Positive pushes the prediction up (towards failure for classify,
// towards a longer remaining life for rul).
type Contribution struct {
	Feature string  `json:"feature"`
	Value   float64 `json:"value"`
}

// Prediction is the model's answer for one row (classify, regress) or one
// unit (rul).
type Prediction struct {
	// Key is the id column's value when the model has one (the unit for
	// rul), else the 1-based data row number.
	Key string `json:"key"`
	// Line is the input line of the row (for rul, of the unit's last row).
	Line int `json:"line"`
	// Value is the calibrated probability of the positive class (classify),
	// the predicted value (regress) or the remaining life, clipped to
	// [0, cap] (rul).
	Value float64 `json:"value"`
	// Label is 1 when Value >= the model's threshold (classify only).
	Label int `json:"label"`
	// Raw is the model's uncalibrated output.
	Raw float64 `json:"raw"`
	// Expected is the average raw output over the training data; Expected
	// plus the contributions of all features equals Raw.
	Expected float64 `json:"expected,omitempty"`
	// Top lists the largest contributions by magnitude (with explanations).
	Top []Contribution `json:"top,omitempty"`
}

// PredictOptions controls Predict.
type PredictOptions struct {
	// Explain > 0 adds the Explain largest contributions to every prediction.
	Explain int
}

// NewTable builds a table from column names and rows of cells, for callers
// that do not read a file (Lines are the 1-based row numbers).
func NewTable(columns []string, rows [][]string) (*Table, error) {
	if err := checkNames(columns); err != nil {
		return nil, err
	}
	t := &Table{Columns: columns, Cells: make([][]string, len(columns)), Lines: make([]int, len(rows))}
	for r, row := range rows {
		if len(row) != len(columns) {
			return nil, smartmaint.Errorf(smartmaint.EINVALID, "row %d has %d values for %d columns", r+1, len(row), len(columns))
		}
		for c, v := range row {
			t.Cells[c] = append(t.Cells[c], v)
		}
		t.Lines[r] = r + 1
	}
	return t, nil
}

// ReadOptions returns how to read a prediction input for this pipeline: a
// headerless file is read with the training file's column names.
func (p *Pipeline) ReadOptions() ReadOptions {
	if p.Schema.Headerless {
		return ReadOptions{Columns: p.Schema.Names()}
	}
	return ReadOptions{}
}

// Predict applies the pipeline to a table after enforcing its schema.
func (p *Pipeline) Predict(t *Table, opts PredictOptions) ([]Prediction, error) {
	if err := p.Schema.Check(t); err != nil {
		return nil, err
	}
	if t.Rows() == 0 {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "the input has no data rows")
	}
	x, keys, lines, err := p.matrix(t)
	if err != nil {
		return nil, err
	}
	var ex *tree.Explainer
	if opts.Explain > 0 {
		ex = tree.NewExplainer(p.Model)
	}
	out := make([]Prediction, x.Rows)
	for i := range out {
		row := x.Row(i)
		raw := p.Model.Raw(row)
		pr := Prediction{Key: keys[i], Line: lines[i], Raw: raw}
		switch p.Task {
		case TaskClassify:
			pr.Value = p.Calibration.Apply(raw)
			if pr.Value >= p.Threshold {
				pr.Label = 1
			}
		case TaskRUL:
			pr.Value = clip(raw, p.RULCap)
		default:
			pr.Value = raw
		}
		if ex != nil {
			phi, err := ex.SHAP(row)
			if err != nil {
				return nil, err
			}
			pr.Expected = ex.ExpectedValue()
			pr.Top = top(phi, p.FeatureNames, opts.Explain)
		}
		out[i] = pr
	}
	return out, nil
}

// matrix builds the model input: one row per table row, or for rul one row
// per unit at its last step.
func (p *Pipeline) matrix(t *Table) (tree.Matrix, []string, []int, error) {
	if p.Task != TaskRUL {
		x, err := buildMatrix(t, &p.Schema, p.Features)
		if err != nil {
			return tree.Matrix{}, nil, nil, err
		}
		keys := make([]string, t.Rows())
		if p.IDColumn != "" {
			ids, _ := t.Column(p.IDColumn)
			copy(keys, ids)
		} else {
			for r := range keys {
				keys[r] = strconv.Itoa(r + 1)
			}
		}
		return x, keys, t.Lines, nil
	}
	d, err := buildRUL(t, p.Inputs, *p.Window, p.IDColumn, p.TimeColumn, "", p.RULCap)
	if err != nil {
		return tree.Matrix{}, nil, nil, err
	}
	x := tree.NewMatrix(len(d.u.ids), d.x.Cols)
	lines := make([]int, len(d.u.ids))
	for k := range d.u.ids {
		copy(x.Row(k), d.x.Row(d.start[k]+d.size[k]-1))
		rows := d.u.rows[k]
		lines[k] = t.Lines[rows[len(rows)-1]]
	}
	return x, d.u.ids, lines, nil
}

// top returns the k largest contributions by magnitude (ties by name).
func top(phi []float64, names []string, k int) []Contribution {
	all := make([]Contribution, len(phi))
	for f, v := range phi {
		all[f] = Contribution{Feature: names[f], Value: v}
	}
	sort.SliceStable(all, func(a, b int) bool {
		va, vb := math.Abs(all[a].Value), math.Abs(all[b].Value)
		if va != vb {
			return va > vb
		}
		return all[a].Feature < all[b].Feature
	})
	return all[:min(k, len(all))]
}
