// Package tabular turns data files into model inputs and back: it loads CSV
// files with a header and headerless whitespace-separated files (such as
// NASA's C-MAPSS train_FD001.txt, given column names), infers and records a
// feature schema (numeric and categorical columns and their roles), encodes
// categories, builds derived and run-to-failure window features, and
// enforces the schema at prediction time: a missing, extra or renamed
// column is an error that names the columns, never silently padded.
//
// It also holds the Pipeline: the artifact the registry stores, made of the
// schema, the feature construction, the tree model, its probability
// calibration and decision threshold, so that predict applies exactly what
// training did. See Pipeline for the artifact format.
package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"smartmaint"
)

// Table is a loaded data file: column names and cells kept as text, column
// by column, in file order.
type Table struct {
	Columns []string
	// Cells[c][r] is the text of column c in data row r.
	Cells [][]string
	// Headerless reports whether the file had no header line (the names
	// came from ReadOptions.Columns).
	Headerless bool
	// Lines[r] is the 1-based line number of data row r in the file.
	Lines []int
}

// ReadOptions controls Read.
type ReadOptions struct {
	// Columns names the columns of a headerless file. When the file's first
	// line holds exactly these names, it is taken as a header instead.
	Columns []string
}

// Rows returns the number of data rows.
func (t *Table) Rows() int {
	if len(t.Cells) == 0 {
		return 0
	}
	return len(t.Cells[0])
}

// Index returns the position of the named column, or −1.
func (t *Table) Index(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// Column returns the cells of the named column, or an error naming it.
func (t *Table) Column(name string) ([]string, error) {
	i := t.Index(name)
	if i < 0 {
		return nil, smartmaint.FieldErrorf(name, "no such column (columns: %s)", quoteList(t.Columns))
	}
	return t.Cells[i], nil
}

// Float parses the named column as numbers; empty cells and NA/NaN/null are
// missing (NaN). A cell that is not a number is an error naming the column
// and the line.
func (t *Table) Float(name string) ([]float64, error) {
	cells, err := t.Column(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(cells))
	for r, s := range cells {
		v, ok := parseNumber(s)
		if !ok {
			return nil, lineError(t.Lines[r], name, "%q is not a number", s)
		}
		out[r] = v
	}
	return out, nil
}

// IsMissing reports whether a cell denotes a missing value.
func IsMissing(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "na", "nan", "null", "none":
		return true
	}
	return false
}

// parseNumber parses a finite number or a missing marker (NaN). Infinite
// values are refused: they would break the bins of every tree.
func parseNumber(s string) (float64, bool) {
	if IsMissing(s) {
		return math.NaN(), true
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// isNumeric reports whether every non-missing cell is a number.
func isNumeric(cells []string) bool {
	for _, s := range cells {
		if _, ok := parseNumber(s); !ok {
			return false
		}
	}
	return true
}

func lineError(line int, field, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return &smartmaint.Error{Code: smartmaint.EINVALID,
		Message: fmt.Sprintf("line %d, column %q: %s", line, field, reason),
		Details: []smartmaint.FieldError{{Line: line, Field: field, Reason: reason}}}
}

// Read loads a table. A first line containing a comma means CSV (RFC 4180,
// with a header unless opts.Columns is given); otherwise fields are separated
// by runs of blanks. A file whose first line is all numbers has no header:
// its column names must be given in opts.Columns.
func Read(r io.Reader, opts ReadOptions) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("tabular: read: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	records, lines, err := split(data)
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "the input file is empty")
	}
	t := &Table{}
	switch {
	case len(opts.Columns) > 0 && sameStrings(records[0], opts.Columns):
		t.Columns, records, lines = records[0], records[1:], lines[1:]
	case len(opts.Columns) > 0:
		t.Columns, t.Headerless = opts.Columns, true
	case allNumbers(records[0]):
		return nil, smartmaint.Errorf(smartmaint.EINVALID,
			"the file has no header line (its first line is all numbers): give the column names (--columns)")
	default:
		t.Columns, records, lines = records[0], records[1:], lines[1:]
	}
	t.Columns = trimAll(t.Columns)
	if err := checkNames(t.Columns); err != nil {
		return nil, err
	}
	t.Cells = make([][]string, len(t.Columns))
	for c := range t.Cells {
		t.Cells[c] = make([]string, len(records))
	}
	for r, rec := range records {
		if len(rec) != len(t.Columns) {
			return nil, smartmaint.Errorf(smartmaint.EINVALID, "line %d has %d fields, the header %d (%s)",
				lines[r], len(rec), len(t.Columns), quoteList(t.Columns))
		}
		for c, s := range rec {
			t.Cells[c][r] = strings.TrimSpace(s)
		}
	}
	t.Lines = lines
	return t, nil
}

// split cuts the file into records with their line numbers, skipping blank
// lines.
func split(data []byte) ([][]string, []int, error) {
	first := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
	}
	var records [][]string
	var lines []int
	if bytes.IndexByte(first, ',') >= 0 {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		cr.TrimLeadingSpace = true
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, smartmaint.Errorf(smartmaint.EINVALID, "CSV: %v", err)
			}
			line, _ := cr.FieldPos(0)
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			records = append(records, rec)
			lines = append(lines, line)
		}
		return records, lines, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		records = append(records, f)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("tabular: scan: %w", err)
	}
	return records, lines, nil
}

func trimAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSpace(n)
	}
	return out
}

func allNumbers(rec []string) bool {
	for _, s := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return false
		}
	}
	return true
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.TrimSpace(a[i]) != b[i] {
			return false
		}
	}
	return true
}

func checkNames(names []string) error {
	seen := map[string]bool{}
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			return smartmaint.Errorf(smartmaint.EINVALID, "column %d has an empty name", i+1)
		}
		if seen[n] {
			return smartmaint.FieldErrorf(n, "the column name appears twice")
		}
		seen[n] = true
	}
	return nil
}

// ParseColumns splits a comma-separated list of column names, trimming
// blanks; an empty string gives nil.
func ParseColumns(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
