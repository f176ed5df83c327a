package ingest

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// plainString marks the bytes a string may hold that need no attention:
// printable ASCII other than '"' and '\\'.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// maxNesting bounds how deeply metadata may nest objects and arrays.
const maxNesting = 64

// scanner is a strict JSON scanner over one complete value (a line, an array
// element or a whole body). Syntax errors stop it: the first one is kept in
// synOff/synMsg. It never allocates on the success path except to decode
// strings with escapes into its reused scratch buffer.
type scanner struct {
	b      []byte
	i      int
	synOff int
	synMsg string
	str    []byte // scratch for strings with escapes
}

func (s *scanner) reset(b []byte) {
	s.b, s.i, s.synOff, s.synMsg = b, 0, -1, ""
}

// fail records a syntax error at the current position and returns false.
func (s *scanner) fail(format string, args ...any) bool {
	if s.synOff < 0 {
		s.synOff = s.i
		s.synMsg = fmt.Sprintf(format, args...)
	}
	return false
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the byte at the current position, or 0 at the end.
func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// describe names the byte at the current position for a syntax error.
func (s *scanner) describe() string {
	if s.i >= len(s.b) {
		return "end of input"
	}
	c := s.b[s.i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// str scans the string at the current position (which holds '"'). It returns
// the decoded content, which aliases the input when the string has no
// escapes and the scratch buffer otherwise (valid until the next call), and
// whether the content is valid UTF-8 (lone surrogate escapes are not).
func (s *scanner) string() (val []byte, validUTF8, ok bool) {
	s.i++
	start := s.i
	ascii := true
	for s.i < len(s.b) {
		b := s.b[s.i:]
		n := 0
		for n < len(b) && plainString[b[n]] {
			n++
		}
		s.i += n
		if s.i == len(s.b) {
			break
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			val = s.b[start:s.i]
			s.i++
			return val, ascii || utf8.Valid(val), true
		case c == '\\':
			return s.escapedString(start)
		case c < 0x20:
			return nil, false, s.fail("control character 0x%02x in a string (escape it)", c)
		case c >= 0x80:
			ascii = false
		}
		s.i++
	}
	return nil, false, s.fail("unterminated string")
}

// escapedString continues string after the first backslash, decoding into
// the scratch buffer.
func (s *scanner) escapedString(start int) ([]byte, bool, bool) {
	out := append(s.str[:0], s.b[start:s.i]...)
	valid := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			s.str = out
			return out, valid && utf8.Valid(out), true
		case c < 0x20:
			return nil, false, s.fail("control character 0x%02x in a string (escape it)", c)
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.unicodeEscape()
			if !ok {
				return nil, false, false
			}
			if r == utf8.RuneError {
				valid = false
			}
			out = utf8.AppendRune(out, r)
		default:
			s.i--
			return nil, false, s.fail("invalid escape \\%c in a string", e)
		}
	}
	return nil, false, s.fail("unterminated string")
}

// unicodeEscape decodes the hex digits after \u (and a low surrogate escape
// after a high one). A lone surrogate decodes to utf8.RuneError.
func (s *scanner) unicodeEscape() (rune, bool) {
	r, ok := s.hex4()
	if !ok {
		return 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, true
	}
	if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
		save := s.i
		s.i += 2
		r2, ok := s.hex4()
		if !ok {
			return 0, false
		}
		if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
			return d, true
		}
		s.i = save
	}
	return utf8.RuneError, true
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		s.i = len(s.b)
		return 0, s.fail("unterminated \\u escape")
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, s.fail("invalid \\u escape")
		}
	}
	s.i += 4
	return r, true
}

// number scans the number literal at the current position.
func (s *scanner) number() ([]byte, bool) {
	n := scanJSONNumber(s.b[s.i:])
	if n == 0 {
		return nil, s.fail("invalid number")
	}
	lit := s.b[s.i : s.i+n]
	s.i += n
	return lit, true
}

// literal scans true, false or null.
func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return s.fail("invalid character %s looking for a value", s.describe())
}

// kind names the JSON type of the value starting with c, for error messages.
func kind(c byte) string {
	switch {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "number"
	}
	return "invalid value"
}

// skipValue scans and checks any JSON value at the current position.
func (s *scanner) skipValue(depth int) bool {
	switch c := s.peek(); {
	case c == '"':
		_, _, ok := s.string()
		return ok
	case c == '{' || c == '[':
		if depth >= maxNesting {
			return s.fail("values nest deeper than %d levels", maxNesting)
		}
		return s.container(depth)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		_, ok := s.number()
		return ok
	}
	return s.fail("invalid character %s looking for a value", s.describe())
}

// container scans an object or an array.
func (s *scanner) container(depth int) bool {
	isObject := s.b[s.i] == '{'
	end := byte(']')
	if isObject {
		end = '}'
	}
	s.i++
	s.ws()
	if s.peek() == end {
		s.i++
		return true
	}
	for {
		s.ws()
		if isObject {
			if s.peek() != '"' {
				return s.fail("expected a quoted key, found %s", s.describe())
			}
			if _, _, ok := s.string(); !ok {
				return false
			}
			s.ws()
			if s.peek() != ':' {
				return s.fail("expected ':' after a key, found %s", s.describe())
			}
			s.i++
			s.ws()
		}
		if !s.skipValue(depth + 1) {
			return false
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case end:
			s.i++
			return true
		default:
			return s.fail("expected ',' or '%c', found %s", end, s.describe())
		}
	}
}
