package ingest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"smartmaint"
)

// utf8BOM is the byte order mark that spreadsheet exports put first.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// csvHeader reads the header line and decides the layout:
//
//   - long format when a column is named sensor_id or value: the columns are
//     sensor_id, timestamp, value and optionally quality, in any order;
//   - wide format when the first column is timestamp and no column is named
//     sensor_id or value: every other column is a sensor ID.
//
// Column names are matched ignoring case and surrounding spaces; sensor IDs
// of a wide header keep their case. Header problems reject the whole body.
func (d *Decoder) csvHeader() error {
	c := &d.csv
	var line []byte
	for {
		l, ok := d.src.nextLine()
		if !ok {
			if err := d.src.failed(); err != nil {
				return err
			}
			return smartmaint.Errorf(smartmaint.EINVALID,
				"The body is empty: CSV needs a header line, sensor_id,timestamp,value[,quality] or timestamp,<sensor>,...")
		}
		d.line++
		if d.line == 1 {
			l = bytes.TrimPrefix(l, utf8BOM)
		}
		if !isBlank(l) {
			line = l
			break
		}
	}
	cells, scratch, reason := splitCSV(line, nil, nil)
	if reason != "" {
		return d.headerError("", reason)
	}
	names := make([]string, len(cells))
	for i, cell := range cells {
		names[i] = string(trimSpace(cell))
	}
	c.headerRead, c.cols, c.scratch = true, len(names), scratch
	if isLongHeader(names) {
		return d.longHeader(names)
	}
	if strings.EqualFold(names[0], "timestamp") {
		return d.wideHeader(names)
	}
	return d.headerError("", fmt.Sprintf(
		"the header %q is neither long format (sensor_id,timestamp,value[,quality]) nor wide format (timestamp,<sensor>,...)",
		clipString(string(line))))
}

func isLongHeader(names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, "sensor_id") || strings.EqualFold(n, "value") {
			return true
		}
	}
	return false
}

// headerError is the request-level error for a bad header.
func (d *Decoder) headerError(field, reason string) error {
	msg := "CSV header (line " + fmt.Sprint(d.line) + "): "
	if field != "" {
		msg += field + ": "
	}
	return &smartmaint.Error{Code: smartmaint.EINVALID, Message: msg + reason + ".",
		Details: []smartmaint.FieldError{{Line: d.line, Field: field, Reason: reason}}}
}

func (d *Decoder) longHeader(names []string) error {
	c := &d.csv
	c.sensorCol, c.timeCol, c.valueCol, c.qualityCol = -1, -1, -1, -1
	for i, n := range names {
		var col *int
		switch strings.ToLower(n) {
		case "sensor_id":
			col = &c.sensorCol
		case "timestamp":
			col = &c.timeCol
		case "value":
			col = &c.valueCol
		case "quality":
			col = &c.qualityCol
		default:
			return d.headerError(columnName(i, n), "unknown column; long format allows sensor_id, timestamp, value and quality")
		}
		if *col >= 0 {
			return d.headerError(columnName(i, n), fmt.Sprintf("duplicate column (also column %d)", *col+1))
		}
		*col = i
	}
	for _, req := range []struct {
		name string
		col  int
	}{{"sensor_id", c.sensorCol}, {"timestamp", c.timeCol}, {"value", c.valueCol}} {
		if req.col < 0 {
			return d.headerError(req.name, "missing column; long format needs sensor_id, timestamp and value")
		}
	}
	return nil
}

func (d *Decoder) wideHeader(names []string) error {
	c := &d.csv
	c.wide = true
	if len(names) < 2 {
		return d.headerError("", "wide format needs at least one sensor column after timestamp")
	}
	c.sensors = make([]string, len(names))
	seen := make(map[string]int, len(names))
	for i, n := range names[1:] {
		col := i + 1
		if err := smartmaint.ValidateID("sensor_id", n); err != nil {
			return d.headerError(columnName(col, n), fmt.Sprintf("column %d is not a valid sensor ID: %s",
				col+1, smartmaint.ErrorDetails(err)[0].Reason))
		}
		if prev, ok := seen[n]; ok {
			return d.headerError(columnName(col, n), fmt.Sprintf("duplicate sensor column (also column %d)", prev+1))
		}
		seen[n] = col
		c.sensors[col] = d.p.in.intern([]byte(n))
	}
	return nil
}

// columnName names a header column in an error: its name when it has one,
// else its 1-based number.
func columnName(i int, name string) string {
	switch {
	case name == "":
		return fmt.Sprintf("column %d", i+1)
	case !utf8.ValidString(name) || len(name) > 64:
		return strconv.Quote(clipString(name))
	}
	return name
}
