package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"smartmaint"
)

// Item is one reading as decoded from a body, before the service validates
// and scores it.
type Item struct {
	// Reading holds what the payload said. Reading.Quality is the quality the
	// sensor reported (1 when absent); Reading.Time is zero when the payload
	// had no timestamp (the service then uses the server clock).
	Reading smartmaint.Reading
	// CorrelationID is the reading's correlation_id, if any.
	CorrelationID string
	// Index is the 0-based position in a JSON array, -1 in other formats.
	Index int
	// Line is the 1-based line in an NDJSON or CSV body, 0 for JSON.
	Line int
	// Column is the 1-based CSV column of the value (wide CSV), else 0.
	Column int
}

// Fields of a reading object, as bits of the "seen" mask.
const (
	fSensorID = 1 << iota
	fValue
	fTimestamp
	fSensorType
	fUnit
	fQuality
	fCorrelationID
	fMetadata
)

// readingFields lists the accepted keys, for the unknown-field message.
const readingFields = "sensor_id, value, timestamp, sensor_type, unit, quality, correlation_id, metadata"

// MaxCorrelationIDBytes bounds a reading's correlation_id.
const MaxCorrelationIDBytes = 255

// fieldBit maps a key to its field bit, or 0 for an unknown key.
func fieldBit(key []byte) int {
	switch string(key) {
	case "sensor_id":
		return fSensorID
	case "value":
		return fValue
	case "timestamp":
		return fTimestamp
	case "sensor_type":
		return fSensorType
	case "unit":
		return fUnit
	case "quality":
		return fQuality
	case "correlation_id":
		return fCorrelationID
	case "metadata":
		return fMetadata
	}
	return 0
}

// objectParser decodes reading objects. Field problems (wrong type, unknown
// or duplicate key, bad value) are collected in errs and decoding goes on, so
// one response names every problem of an item; syntax errors stop it.
type objectParser struct {
	scanner
	in   *interner
	errs []smartmaint.FieldError
}

// parse decodes the reading object in b (surrounding whitespace allowed)
// into it. It returns false on a syntax error (see synOff, synMsg); field
// problems are in p.errs, which parse resets.
func (p *objectParser) parse(b []byte, it *Item) bool {
	return p.parseValue(b, it) && p.end()
}

// parseValue decodes the reading object at the start of b (after optional
// whitespace) and stops after it: p.i is then the end of the object.
func (p *objectParser) parseValue(b []byte, it *Item) bool {
	p.reset(b)
	p.errs = p.errs[:0]
	it.Reading = smartmaint.Reading{Quality: 1}
	it.CorrelationID = ""
	p.ws()
	if c := p.peek(); c != '{' {
		if !p.skipValue(0) {
			return false
		}
		p.fieldError("", "must be a JSON object, got %s", kind(c))
		return true
	}
	return p.object(it)
}

// end checks that only whitespace follows the value.
func (p *objectParser) end() bool {
	p.ws()
	if p.i < len(p.b) {
		return p.fail("unexpected %s after the reading object", p.describe())
	}
	return true
}

func (p *objectParser) fieldError(field, format string, args ...any) {
	p.errs = append(p.errs, smartmaint.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (p *objectParser) object(it *Item) bool {
	p.i++ // '{'
	seen := 0
	p.ws()
	if p.peek() == '}' {
		p.i++
		return p.required(seen)
	}
	for {
		p.ws()
		if p.peek() != '"' {
			return p.fail("expected a quoted field name, found %s", p.describe())
		}
		key, validKey, ok := p.string()
		if !ok {
			return false
		}
		bit := fieldBit(key)
		var name string
		switch {
		case bit == 0:
			name = clip(key)
		default:
			name = fieldName(bit)
		}
		p.ws()
		if p.peek() != ':' {
			return p.fail("expected ':' after field name %q, found %s", name, p.describe())
		}
		p.i++
		p.ws()
		switch {
		case bit == 0:
			if !validKey {
				name = strconv.Quote(name)
			}
			p.fieldError(name, "unknown field; allowed are %s", readingFields)
			ok = p.skipValue(0)
		case seen&bit != 0:
			p.fieldError(name, "duplicate key")
			ok = p.skipValue(0)
		default:
			seen |= bit
			ok = p.field(bit, name, it)
		}
		if !ok {
			return false
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return p.required(seen)
		default:
			return p.fail("expected ',' or '}' after the value of %q, found %s", name, p.describe())
		}
	}
}

// required reports the required fields that were absent.
func (p *objectParser) required(seen int) bool {
	if seen&fSensorID == 0 {
		p.fieldError("sensor_id", "is required")
	}
	if seen&fValue == 0 {
		p.fieldError("value", "is required")
	}
	return true
}

func fieldName(bit int) string {
	switch bit {
	case fSensorID:
		return "sensor_id"
	case fValue:
		return "value"
	case fTimestamp:
		return "timestamp"
	case fSensorType:
		return "sensor_type"
	case fUnit:
		return "unit"
	case fQuality:
		return "quality"
	case fCorrelationID:
		return "correlation_id"
	}
	return "metadata"
}

// field decodes the value of one known field.
func (p *objectParser) field(bit int, name string, it *Item) bool {
	r := &it.Reading
	switch bit {
	case fValue:
		return p.numberField(name, false, &r.Value)
	case fQuality:
		return p.numberField(name, true, &r.Quality)
	case fTimestamp:
		return p.timestampField(it)
	case fMetadata:
		return p.metadataField(it)
	}
	s, present, ok := p.stringField(name, bit == fSensorID)
	if !ok || !present {
		return ok
	}
	switch bit {
	case fSensorID:
		r.SensorID = p.in.intern(s)
	case fSensorType:
		r.SensorType = p.in.sensorType(s)
	case fUnit:
		r.Unit = p.in.intern(s)
	case fCorrelationID:
		if len(s) > MaxCorrelationIDBytes {
			p.fieldError(name, "is %d bytes long; the maximum is %d", len(s), MaxCorrelationIDBytes)
		} else if i := strings.IndexFunc(string(s), isControl); i >= 0 {
			p.fieldError(name, "contains a control character at byte %d", i)
		} else {
			it.CorrelationID = string(s)
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// stringField decodes a string value. null counts as absent unless the field
// is required.
func (p *objectParser) stringField(name string, required bool) (s []byte, present, ok bool) {
	switch c := p.peek(); c {
	case '"':
		s, valid, ok := p.string()
		if ok && !valid {
			p.fieldError(name, "is not valid UTF-8")
			return nil, false, true
		}
		return s, ok, ok
	case 'n':
		if required {
			p.fieldError(name, "must be a string, got null")
		}
		return nil, false, p.literal("null")
	default:
		p.fieldError(name, "must be a string, got %s", kind(c))
		return nil, false, p.skipValue(0)
	}
}

// numberField decodes a number; null is allowed for optional fields.
func (p *objectParser) numberField(name string, optional bool, dst *float64) bool {
	c := p.peek()
	switch {
	case c == '-' || c >= '0' && c <= '9':
		lit, ok := p.number()
		if !ok {
			return false
		}
		v := parseDecimal(lit)
		if v-v != 0 { // NaN or ±Inf: the literal is beyond float64
			p.fieldError(name, "must be a finite number, got %s (out of range)", clip(lit))
			return true
		}
		*dst = v
		return true
	case c == 'n' && optional:
		return p.literal("null")
	}
	p.fieldError(name, "must be a number, got %s", kind(c))
	return p.skipValue(0)
}

// timestampField decodes an RFC 3339 string or a number of Unix seconds.
func (p *objectParser) timestampField(it *Item) bool {
	const name = "timestamp"
	switch c := p.peek(); {
	case c == '"':
		s, _, ok := p.string()
		if !ok {
			return false
		}
		t, tok := parseTimeText(s)
		if !tok {
			p.fieldError(name, "%q is not an RFC 3339 time such as 2026-06-01T12:00:00Z (or send a number of Unix seconds)", clip(s))
			return true
		}
		it.Reading.Time = t
		return true
	case c == '-' || c >= '0' && c <= '9':
		lit, ok := p.number()
		if !ok {
			return false
		}
		t, reason := unixNumberTime(lit)
		if reason != "" {
			p.fieldError(name, "%s", reason)
			return true
		}
		it.Reading.Time = t
		return true
	case c == 'n':
		return p.literal("null")
	default:
		p.fieldError(name, "must be an RFC 3339 string or a number of Unix seconds, got %s", kind(c))
		return p.skipValue(0)
	}
}

// metadataField keeps a JSON object as sent (copied, since the input buffer
// is reused).
func (p *objectParser) metadataField(it *Item) bool {
	switch c := p.peek(); c {
	case '{':
		start := p.i
		if !p.skipValue(0) {
			return false
		}
		it.Reading.Metadata = append([]byte(nil), p.b[start:p.i]...)
		return true
	case 'n':
		return p.literal("null")
	default:
		p.fieldError("metadata", "must be a JSON object, got %s", kind(c))
		return p.skipValue(0)
	}
}
