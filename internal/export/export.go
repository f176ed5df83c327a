// Package export writes readings in smartmaint's interchange formats: the long
// CSV (sensor_id,timestamp,value,quality) and NDJSON with the ingest field
// names. Both are accepted back by POST /api/v1/data/batch, so an export can
// be re-imported as it is.
package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"smartmaint"
)

// Formats.
const (
	CSV    = "csv"
	NDJSON = "ndjson"
)

// ContentType returns the media type of a format.
func ContentType(format string) string {
	if format == NDJSON {
		return "application/x-ndjson"
	}
	return "text/csv; charset=utf-8"
}

// ValidateFormat reports whether format is csv or ndjson.
func ValidateFormat(format string) error {
	if format != CSV && format != NDJSON {
		return smartmaint.FieldErrorf("format", "must be csv or ndjson, got %q", format)
	}
	return nil
}

// flushEvery is how many rows are buffered between flushes.
const flushEvery = 4096

// Write streams every reading matching f from store to w, oldest first by
// default, without holding the range in memory. After every few thousand rows
// it flushes its buffer and calls flush (when not nil), so that an HTTP client
// receives data as it goes. It returns the number of rows written.
func Write(ctx context.Context, w io.Writer, store smartmaint.ReadingService, f smartmaint.ReadingFilter, format string, flush func()) (int64, error) {
	if err := ValidateFormat(format); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := encoder{w: bw, format: format}
	if err := enc.header(); err != nil {
		return 0, err
	}
	var n int64
	err := store.ExportReadings(ctx, f, func(rd *smartmaint.Reading) error {
		if err := enc.row(rd); err != nil {
			return err
		}
		if n++; n%flushEvery == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
			if flush != nil {
				flush()
			}
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("export after %d rows: %w", n, err)
	}
	return n, bw.Flush()
}

// encoder writes readings in the long CSV or the NDJSON ingest format.
type encoder struct {
	w      *bufio.Writer
	format string
	buf    []byte
}

func (e *encoder) header() error {
	if e.format != CSV {
		return nil
	}
	_, err := io.WriteString(e.w, "sensor_id,timestamp,value,quality\n")
	return err
}

func (e *encoder) row(rd *smartmaint.Reading) error {
	b := e.buf[:0]
	ts := rd.Time.UTC()
	if e.format == CSV {
		b = appendCSVField(b, rd.SensorID)
		b = append(b, ',')
		b = ts.AppendFormat(b, time.RFC3339Nano)
		b = append(b, ',')
		b = strconv.AppendFloat(b, rd.Value, 'g', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, rd.Quality, 'g', -1, 64)
		b = append(b, '\n')
	} else {
		b = append(b, `{"sensor_id":`...)
		id, _ := json.Marshal(rd.SensorID)
		b = append(b, id...)
		b = append(b, `,"timestamp":"`...)
		b = ts.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","value":`...)
		b = strconv.AppendFloat(b, rd.Value, 'g', -1, 64)
		b = append(b, `,"quality":`...)
		b = strconv.AppendFloat(b, rd.Quality, 'g', -1, 64)
		if len(rd.Metadata) > 0 {
			b = append(b, `,"metadata":`...)
			b = append(b, rd.Metadata...)
		}
		b = append(b, "}\n"...)
	}
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

// appendCSVField quotes s when it holds a comma, a quote or a line break.
// Sensor IDs cannot (see smartmaint.ValidateID), but the encoder does not rely
// on it.
func appendCSVField(b []byte, s string) []byte {
	needs := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			needs = true
			break
		}
	}
	if !needs {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
