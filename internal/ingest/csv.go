package ingest

import (
	"bytes"
	"fmt"
	"time"

	"smartmaint"
)

// csvState is the CSV decoder's state: the header's layout and, for a wide
// body, the row whose cells are being returned one by one.
type csvState struct {
	headerRead bool
	wide       bool
	cols       int // cells per line
	// long format: column of each field, -1 when absent
	sensorCol, timeCol, valueCol, qualityCol int
	// wide format: sensor ID of each column (index 0 is the timestamp)
	sensors []string

	cells   [][]byte
	scratch []byte

	rowTime time.Time // wide: timestamp of the current row
	next    int       // wide: next column of the current row; 0 when none
}

// nextCSV returns the next reading of a CSV body. The header decides the
// layout: long (one reading per line) or wide (one reading per non-empty
// cell).
func (d *Decoder) nextCSV(it *Item) error {
	c := &d.csv
	if !c.headerRead {
		if err := d.csvHeader(); err != nil {
			return err
		}
	}
	for {
		if c.next > 0 {
			if done, err := d.wideCell(it); !done {
				return err
			}
		}
		line, ok := d.src.nextLine()
		if !ok {
			return d.endOfBody()
		}
		d.line++
		if isBlank(line) {
			continue
		}
		var reason string
		c.cells, c.scratch, reason = splitCSV(line, c.cells, c.scratch)
		if reason == "" && len(c.cells) != c.cols {
			reason = fmt.Sprintf("has %d fields, the header has %d", len(c.cells), c.cols)
		}
		if c.wide {
			if err := d.wideRow(reason); err != nil {
				return err
			}
			continue
		}
		if err := d.counted(1); err != nil {
			return err
		}
		if reason != "" {
			return d.lineError("", reason, 1)
		}
		return d.longRow(it)
	}
}

// lineError rejects the current line.
func (d *Decoder) lineError(field, reason string, readings int) *ItemError {
	return &ItemError{Readings: readings, Details: []smartmaint.FieldError{{Line: d.line, Field: field, Reason: reason}}}
}

// longRow decodes a long-format line: sensor_id, timestamp, value and an
// optional quality.
func (d *Decoder) longRow(it *Item) error {
	c := &d.csv
	d.p.errs = d.p.errs[:0]
	it.Reading = smartmaint.Reading{Quality: 1}
	it.CorrelationID = ""
	it.Reading.SensorID = d.p.in.intern(trimSpace(c.cells[c.sensorCol]))
	if t, reason := cellTime(trimSpace(c.cells[c.timeCol])); reason != "" {
		d.p.fieldError("timestamp", "%s", reason)
	} else {
		it.Reading.Time = t
	}
	if v, reason := cellNumber(trimSpace(c.cells[c.valueCol])); reason != "" {
		d.p.fieldError("value", "%s", reason)
	} else {
		it.Reading.Value = v
	}
	if c.qualityCol >= 0 {
		if q := trimSpace(c.cells[c.qualityCol]); len(q) > 0 {
			if v, reason := cellNumber(q); reason != "" {
				d.p.fieldError("quality", "%s", reason)
			} else {
				it.Reading.Quality = v
			}
		}
	}
	if len(d.p.errs) > 0 {
		return d.itemError(-1, d.line)
	}
	it.Index, it.Line, it.Column = -1, d.line, 0
	return nil
}

// wideRow starts a wide-format line: it checks the line and its timestamp,
// then wideCell returns its values. A bad line or timestamp rejects every
// value on the line.
func (d *Decoder) wideRow(reason string) error {
	c := &d.csv
	values := 0
	for _, cell := range c.cells[min(1, len(c.cells)):] {
		if len(trimSpace(cell)) > 0 {
			values++
		}
	}
	if err := d.counted(values); err != nil {
		return err
	}
	field := ""
	if reason == "" {
		field = "timestamp"
		c.rowTime, reason = cellTime(trimSpace(c.cells[0]))
	}
	if reason != "" {
		return d.lineError(field, reason, max(1, values))
	}
	c.next = 1
	d.count -= values // wideCell counts each value as it returns it
	return nil
}

// wideCell returns the next non-empty value of the current wide row. It
// reports done=false when it returned a reading or an error, done=true when
// the row is exhausted.
func (d *Decoder) wideCell(it *Item) (done bool, err error) {
	c := &d.csv
	for c.next < c.cols {
		col := c.next
		c.next++
		cell := trimSpace(c.cells[col])
		if len(cell) == 0 {
			continue
		}
		if err := d.counted(1); err != nil {
			return false, err
		}
		v, reason := cellNumber(cell)
		if reason != "" {
			return false, d.lineError(c.sensors[col], fmt.Sprintf("column %d: %s", col+1, reason), 1)
		}
		it.Reading = smartmaint.Reading{SensorID: c.sensors[col], Time: c.rowTime, Value: v, Quality: 1}
		it.CorrelationID = ""
		it.Index, it.Line, it.Column = -1, d.line, col+1
		return false, nil
	}
	c.next = 0
	return true, nil
}

// cellNumber parses a CSV number cell.
func cellNumber(b []byte) (float64, string) {
	switch {
	case len(b) == 0:
		return 0, "is required"
	case validDecimal(b):
		v := parseDecimal(b)
		if v-v != 0 {
			return 0, fmt.Sprintf("must be a finite number, got %s (out of range)", clip(b))
		}
		return v, ""
	}
	if name := nonFiniteName(b); name != "" {
		return 0, "must be a finite number, got " + name
	}
	return 0, fmt.Sprintf("must be a number, got %q", clip(b))
}

// cellTime parses a CSV timestamp cell: RFC 3339 text or Unix seconds.
func cellTime(b []byte) (time.Time, string) {
	if len(b) == 0 {
		return time.Time{}, "is required in CSV"
	}
	if t, ok := parseTimeText(b); ok {
		return t, ""
	}
	if n := scanJSONNumber(b); n > 0 && n == len(b) {
		t, reason := unixNumberTime(b)
		return t, reason
	}
	return time.Time{}, fmt.Sprintf("%q is not an RFC 3339 time such as 2026-06-01T12:00:00Z or a number of Unix seconds", clip(b))
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// splitCSV splits one line into cells (RFC 4180 quoting; a quoted cell
// cannot span lines, since no field of a reading can hold a line break).
// Cells alias line, or scratch for quoted cells with doubled quotes; scratch
// is sized so that it never moves while the line is split.
func splitCSV(line []byte, cells [][]byte, scratch []byte) ([][]byte, []byte, string) {
	cells = cells[:0]
	if cap(scratch) < len(line) {
		scratch = make([]byte, 0, len(line))
	}
	scratch = scratch[:0]
	for i := 0; ; {
		if i < len(line) && line[i] == '"' {
			cell, next, reason := quotedCell(line, i, &scratch)
			if reason != "" {
				return cells, scratch, reason
			}
			cells = append(cells, cell)
			if next >= len(line) {
				return cells, scratch, ""
			}
			i = next + 1
			continue
		}
		j := bytes.IndexByte(line[i:], ',')
		if j < 0 {
			return append(cells, line[i:]), scratch, ""
		}
		cells = append(cells, line[i:i+j])
		i += j + 1
	}
}

// quotedCell decodes the quoted cell starting at line[i] and returns it with
// the index of the comma (or end of line) after it.
func quotedCell(line []byte, i int, scratch *[]byte) ([]byte, int, string) {
	start := i + 1
	var out []byte
	escaped := false
	for j := start; j < len(line); j++ {
		if line[j] != '"' {
			continue
		}
		if j+1 < len(line) && line[j+1] == '"' {
			if !escaped {
				escaped = true
				out = (*scratch)[len(*scratch):]
			}
			out = append(out, line[start:j+1]...)
			j++
			start = j + 1
			continue
		}
		cell := line[start:j]
		if escaped {
			out = append(out, cell...)
			*scratch = (*scratch)[:len(*scratch)+len(out)]
			cell = out
		}
		rest := trimSpace(line[j+1:])
		if len(rest) > 0 && rest[0] != ',' {
			return nil, 0, fmt.Sprintf("unexpected %s after a quoted field", describeByte(rest[0]))
		}
		return cell, len(line) - len(rest), ""
	}
	return nil, 0, "unterminated quoted field (a field cannot span lines)"
}
