package ingest

import (
	"fmt"
	"io"

	"smartmaint"
)

// jsonState tracks where a JSON array decoder is.
type jsonState struct {
	stage int // jsonStart, jsonFirst, jsonNext or jsonDone
	index int // index of the next element
}

const (
	jsonStart = iota // before '['
	jsonFirst        // after '[': an element or ']'
	jsonNext         // after an element: ',' or ']'
	jsonDone         // after ']': only whitespace may follow
)

// nextJSON decodes the next element of a JSON array. The array is streamed:
// each element is framed (its end found by tracking strings and nesting),
// then parsed strictly. Syntax errors anywhere make the whole body invalid.
func (d *Decoder) nextJSON(it *Item) error {
	for {
		c, ok := d.skipSpace()
		if !ok {
			return d.jsonEnd()
		}
		switch d.json.stage {
		case jsonStart:
			if c != '[' {
				return d.notArray(c)
			}
			d.src.start++
			d.json.stage = jsonFirst
		case jsonFirst, jsonNext:
			if c == ']' {
				d.src.start++
				d.json.stage = jsonDone
				continue
			}
			if d.json.stage == jsonNext {
				if c != ',' {
					return d.syntaxError(d.src.start, "expected ',' or ']' after an array element, found "+describeByte(c))
				}
				d.src.start++
				if c, ok = d.skipSpace(); !ok {
					return d.jsonEnd()
				}
				if c == ']' {
					return d.syntaxError(d.src.start, "trailing comma before ']'")
				}
			}
			return d.element(it)
		case jsonDone:
			return d.syntaxError(d.src.start, "unexpected data after the JSON array")
		}
	}
}

// element decodes the array element at the current position. It parses in
// place; when the element may continue past the bytes read so far (the parse
// failed or ended at the end of the buffer and frameComplete cannot tell it
// is whole), it reads at least as much again and parses again. That happens
// about once per chunk of the body, and the doubling keeps the work linear
// in the element's size however small the reads of the body are.
func (d *Decoder) element(it *Item) error {
	if err := d.counted(1); err != nil {
		return err
	}
	index := d.json.index
	d.json.index++
	d.json.stage = jsonNext
	s := &d.src
	if c := s.buf[s.start]; kind(c) == "invalid value" {
		return d.syntaxError(s.start, "expected a reading object, found "+describeByte(c))
	}
	for {
		b := s.buf[s.start:s.end]
		ok := d.p.parseValue(b, it)
		more := s.err == nil
		if ok && (d.p.i < len(b) || !more) {
			break
		}
		if !ok && (!more || frameComplete(b)) {
			return d.syntaxError(s.start+d.p.synOff, d.p.synMsg)
		}
		if err := s.fillTo(2 * len(b)); err != nil {
			return err
		}
	}
	s.start += d.p.i
	if len(d.p.errs) > 0 {
		return d.itemError(index, 0)
	}
	it.Index, it.Line, it.Column = index, 0, 0
	return nil
}

// skipSpace skips whitespace, reading more of the body as needed, and
// returns the next byte, or false at the end of the body.
func (d *Decoder) skipSpace() (byte, bool) {
	s := &d.src
	for {
		for s.start < s.end {
			switch c := s.buf[s.start]; c {
			case ' ', '\t', '\n', '\r':
				s.start++
			default:
				return c, true
			}
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// jsonEnd reports the end of the body in the current stage.
func (d *Decoder) jsonEnd() error {
	if err := d.src.failed(); err != nil {
		return err
	}
	switch d.json.stage {
	case jsonStart:
		return smartmaint.Errorf(smartmaint.EINVALID, "The body is empty: send a JSON array of readings.")
	case jsonDone:
		return io.EOF
	}
	return d.syntaxError(d.src.end, "unexpected end of input: the array is not closed with ']'")
}

// notArray rejects a body that is not a JSON array.
func (d *Decoder) notArray(c byte) error {
	switch k := kind(c); {
	case c == '{':
		return smartmaint.Errorf(smartmaint.EINVALID,
			"A batch must be a JSON array of readings, got an object: wrap it in [ ] or send it to /api/v1/data/ingest.")
	case k != "invalid value":
		return smartmaint.Errorf(smartmaint.EINVALID, "A batch must be a JSON array of readings, got %s.", k)
	}
	return d.syntaxError(d.src.start, "expected '[' to start the array of readings, found "+describeByte(c))
}

// frameComplete reports whether the JSON value starting at b[0] ends within
// b. It only tracks strings and nesting; the parser checks the syntax. A
// scalar is complete only when a delimiter follows it.
func frameComplete(b []byte) bool {
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					return true
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth <= 1 {
				return true
			}
			depth--
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return true
			}
		}
	}
	return false
}

// syntaxError returns the request-level error for malformed JSON at buf[i].
func (d *Decoder) syntaxError(i int, msg string) error {
	line, col := d.src.position(i)
	reason := fmt.Sprintf("malformed JSON at line %d, column %d (byte offset %d): %s", line, col, d.src.base+int64(i), msg)
	return &smartmaint.Error{Code: smartmaint.EINVALID, Message: "The body is not valid JSON: " + reason + ".",
		Details: []smartmaint.FieldError{{Line: line, Reason: reason}}}
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
