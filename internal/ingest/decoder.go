package ingest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"

	"smartmaint"
)

// Format is the encoding of a batch body.
type Format int

// Batch body formats.
const (
	FormatJSON   Format = iota + 1 // a JSON array of reading objects
	FormatNDJSON                   // one reading object per line
	FormatCSV                      // long or wide CSV with a header line
)

// String returns the media type of the format.
func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "application/json"
	case FormatNDJSON:
		return "application/x-ndjson"
	case FormatCSV:
		return "text/csv"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// FormatForContentType maps a Content-Type header to a batch format. It
// accepts application/json, application/x-ndjson (also application/ndjson
// and application/jsonl) and text/csv (also application/csv), with an
// optional charset of utf-8 or us-ascii. Anything else is EUNSUPPORTED.
func FormatForContentType(contentType string) (Format, error) {
	const supported = "application/json, application/x-ndjson or text/csv"
	if strings.TrimSpace(contentType) == "" {
		return 0, smartmaint.Errorf(smartmaint.EUNSUPPORTED, "Content-Type is required: use %s.", supported)
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, smartmaint.Errorf(smartmaint.EUNSUPPORTED, "Content-Type %q cannot be parsed: use %s.", clipString(contentType), supported)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		return 0, smartmaint.Errorf(smartmaint.EUNSUPPORTED, "Charset %q is not supported: send UTF-8.", clipString(cs))
	}
	switch mt {
	case "application/json":
		return FormatJSON, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl":
		return FormatNDJSON, nil
	case "text/csv", "application/csv":
		return FormatCSV, nil
	}
	return 0, smartmaint.Errorf(smartmaint.EUNSUPPORTED, "Content-Type %q is not supported: use %s.", clipString(mt), supported)
}

func clipString(s string) string { return clip([]byte(s)) }

// Limits bound one request body.
type Limits struct {
	MaxReadings int   // readings per body, rejected ones included; 0 means DefaultMaxReadings
	MaxBytes    int64 // bytes per body; 0 means DefaultMaxBytes
}

// Default limits of a request body.
const (
	DefaultMaxReadings = 100_000
	DefaultMaxBytes    = 32 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxReadings <= 0 {
		l.MaxReadings = DefaultMaxReadings
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// ItemError reports readings that Decoder.Next rejected; decoding goes on
// after it. Every detail carries the Index (JSON array) or Line (NDJSON, CSV)
// of the item.
type ItemError struct {
	Details []smartmaint.FieldError
	// Readings is how many readings were rejected: 1, or the number of
	// values on a wide CSV line whose timestamp is bad.
	Readings int
}

// Error implements the error interface.
func (e *ItemError) Error() string {
	if len(e.Details) == 0 {
		return "ingest: reading rejected"
	}
	d := e.Details[0]
	return fmt.Sprintf("ingest: reading rejected: %s: %s", d.Field, d.Reason)
}

// Decoder streams the readings of a batch body.
type Decoder struct {
	src    source
	format Format
	lim    Limits
	count  int   // readings produced, rejected ones included
	err    error // sticky request-level error
	line   int   // NDJSON/CSV: current line
	p      objectParser
	json   jsonState
	csv    csvState
}

// NewDecoder returns a decoder of body in format f.
func NewDecoder(body io.Reader, f Format, lim Limits) *Decoder {
	d := &Decoder{}
	d.reset(body, f, lim, newInterner(), nil)
	return d
}

func (d *Decoder) reset(body io.Reader, f Format, lim Limits, in *interner, buf []byte) {
	lim = lim.withDefaults()
	*d = Decoder{format: f, lim: lim, p: objectParser{in: in, errs: d.p.errs[:0], scanner: scanner{str: d.p.str[:0]}},
		csv: csvState{cells: d.csv.cells[:0]}}
	d.src.init(body, lim.MaxBytes, buf, f == FormatJSON)
}

// Next decodes the next reading into it. It returns nil when it holds a
// reading, io.EOF at the end of the body, an *ItemError when an item was
// rejected (call Next again for the next one), and any other error — an
// EINVALID *smartmaint.Error for a malformed body, ETOOLARGE for a body over
// the limits, or a read failure — when the body cannot be decoded further.
func (d *Decoder) Next(it *Item) error {
	if d.err != nil {
		return d.err
	}
	var err error
	switch d.format {
	case FormatJSON:
		err = d.nextJSON(it)
	case FormatNDJSON:
		err = d.nextNDJSON(it)
	case FormatCSV:
		err = d.nextCSV(it)
	default:
		err = smartmaint.Errorf(smartmaint.EUNSUPPORTED, "Unsupported batch format %v.", d.format)
	}
	if _, ok := err.(*ItemError); err != nil && !ok {
		d.err = err
	}
	return err
}

// counted accounts for n more readings against MaxReadings.
func (d *Decoder) counted(n int) error {
	d.count += n
	if d.count > d.lim.MaxReadings {
		return smartmaint.Errorf(smartmaint.ETOOLARGE,
			"The batch holds more than %d readings, the limit per request.", d.lim.MaxReadings)
	}
	return nil
}

// endOfBody returns io.EOF at a clean end and the body's error otherwise.
func (d *Decoder) endOfBody() error {
	if err := d.src.failed(); err != nil {
		return err
	}
	return io.EOF
}

// nextLine returns the next line without its line break, or false at the end
// of the body (or on a read error).
func (s *source) nextLine() ([]byte, bool) {
	scanned := 0
	for {
		if i := bytes.IndexByte(s.buf[s.start+scanned:s.end], '\n'); i >= 0 {
			line := s.buf[s.start : s.start+scanned+i]
			s.start += scanned + i + 1
			return trimCR(line), true
		}
		scanned = s.end - s.start
		if !s.fill() {
			if s.err == io.EOF && s.end > s.start {
				line := s.buf[s.start:s.end]
				s.start = s.end
				return trimCR(line), true
			}
			return nil, false
		}
	}
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func (d *Decoder) nextNDJSON(it *Item) error {
	for {
		line, ok := d.src.nextLine()
		if !ok {
			return d.endOfBody()
		}
		d.line++
		if isBlank(line) {
			continue
		}
		if err := d.counted(1); err != nil {
			return err
		}
		if !d.p.parse(line, it) {
			return &ItemError{Readings: 1, Details: []smartmaint.FieldError{{Line: d.line,
				Reason: fmt.Sprintf("malformed JSON at column %d: %s", d.p.synOff+1, d.p.synMsg)}}}
		}
		if len(d.p.errs) > 0 {
			return d.itemError(-1, d.line)
		}
		it.Index, it.Line, it.Column = -1, d.line, 0
		return nil
	}
}

// itemError turns the parser's field errors into an *ItemError at a
// position (index >= 0 for a JSON array, line > 0 otherwise).
func (d *Decoder) itemError(index, line int) *ItemError {
	details := make([]smartmaint.FieldError, len(d.p.errs))
	copy(details, d.p.errs)
	if index >= 0 {
		for i := range details {
			details[i].Index = &index
		}
	} else {
		for i := range details {
			details[i].Line = line
		}
	}
	return &ItemError{Details: details, Readings: 1}
}
