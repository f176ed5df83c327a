package tabular

import (
	"math"
	"sort"
	"time"

	"smartmaint"
	"smartmaint/internal/ml/rul"
	"smartmaint/internal/ml/tree"
)

// units groups the rows of a table by unit, each unit's rows in time order.
type units struct {
	ids  []string // in order of first appearance
	rows [][]int  // table row indices of each unit
}

// groupUnits groups rows by the id column and orders each unit by the time
// column (numbers or timestamps), or keeps file order without one.
func groupUnits(t *Table, idCol, timeCol string) (*units, error) {
	ids, err := t.Column(idCol)
	if err != nil {
		return nil, err
	}
	u := &units{}
	pos := map[string]int{}
	for r, id := range ids {
		if IsMissing(id) {
			return nil, lineError(t.Lines[r], idCol, "the unit id is missing")
		}
		k, ok := pos[id]
		if !ok {
			k = len(u.ids)
			pos[id] = k
			u.ids = append(u.ids, id)
			u.rows = append(u.rows, nil)
		}
		u.rows[k] = append(u.rows[k], r)
	}
	if timeCol == "" {
		return u, nil
	}
	keys, err := timeKeys(t, timeCol)
	if err != nil {
		return nil, err
	}
	for _, rows := range u.rows {
		sort.SliceStable(rows, func(a, b int) bool { return keys[rows[a]] < keys[rows[b]] })
	}
	return u, nil
}

// timeKeys parses a time column as numbers, or else as timestamps (seconds
// since the epoch). A missing or unparseable value is an error.
func timeKeys(t *Table, name string) ([]float64, error) {
	cells, err := t.Column(name)
	if err != nil {
		return nil, err
	}
	if v, err := t.Float(name); err == nil {
		for r, x := range v {
			if math.IsNaN(x) {
				return nil, lineError(t.Lines[r], name, "the time is missing")
			}
		}
		return v, nil
	}
	out := make([]float64, len(cells))
	for r, s := range cells {
		ts, ok := ParseTime(s)
		if !ok {
			return nil, lineError(t.Lines[r], name, "%q is neither a number nor a timestamp", s)
		}
		out[r] = float64(ts.UnixNano()) / 1e9
	}
	return out, nil
}

// ParseTime parses the timestamp layouts found in sensor exports: RFC 3339
// (with or without fractional seconds), "2006-01-02 15:04:05" and
// "2006-01-02" (UTC).
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if ts, err := time.Parse(layout, s); err == nil {
			return ts.UTC(), true
		}
	}
	return time.Time{}, false
}

// rulData is the feature matrix of a run-to-failure table: every step of
// every unit, units one after the other.
type rulData struct {
	x     tree.Matrix
	unit  []int     // unit index of each matrix row
	step  []int     // step index within its unit
	start []int     // first matrix row of each unit
	size  []int     // steps of each unit
	y     []float64 // capped target
	truth []float64 // uncapped remaining life
	u     *units
}

// buildRUL computes window features for every step of every unit, and the
// remaining life: the target column when it is named and present, else the
// steps to the unit's last row (y is capped, truth is not).
func buildRUL(t *Table, inputs []string, spec rul.Spec, idCol, timeCol, target string, cap float64) (*rulData, error) {
	u, err := groupUnits(t, idCol, timeCol)
	if err != nil {
		return nil, err
	}
	cols := make([][]float64, len(inputs))
	for c, name := range inputs {
		if cols[c], err = t.Float(name); err != nil {
			return nil, err
		}
	}
	var tcol []float64
	if target != "" && t.Index(target) >= 0 {
		if tcol, err = t.Float(target); err != nil {
			return nil, err
		}
	}
	d := &rulData{u: u, x: tree.NewMatrix(t.Rows(), spec.Width(len(inputs)))}
	row := 0
	series := make([][]float64, len(inputs))
	for k, rows := range u.rows {
		for c := range inputs {
			series[c] = series[c][:0]
			for _, r := range rows {
				series[c] = append(series[c], cols[c][r])
			}
		}
		d.start = append(d.start, row)
		d.size = append(d.size, len(rows))
		for step, f := range spec.Unit(series) {
			copy(d.x.Row(row), f)
			d.unit = append(d.unit, k)
			d.step = append(d.step, step)
			row++
		}
		if tcol != nil {
			for _, r := range rows {
				if math.IsNaN(tcol[r]) {
					return nil, lineError(t.Lines[r], target, "the target is missing")
				}
				d.truth = append(d.truth, tcol[r])
				d.y = append(d.y, math.Min(tcol[r], cap))
			}
			continue
		}
		n := len(rows)
		for step := range rows {
			d.truth = append(d.truth, float64(n-1-step))
		}
		d.y = append(d.y, rul.Target(n, cap)...)
	}
	if row == 0 {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "no rows to compute features from")
	}
	return d, nil
}
