package smartmaint

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxIDLength is the longest ID a client may choose for a site, an asset or a
// sensor.
const MaxIDLength = 128

// ValidateID reports whether id is acceptable as a client-chosen identifier:
// 1 to MaxIDLength bytes of letters, digits and . _ - : / @ with no leading or
// trailing space. field names the field in the error.
func ValidateID(field, id string) error {
	switch {
	case id == "":
		return FieldErrorf(field, "is required")
	case len(id) > MaxIDLength:
		return FieldErrorf(field, "is %d bytes long; the maximum is %d", len(id), MaxIDLength)
	}
	for i := 0; i < len(id); i++ {
		if !idByte[id[i]] {
			r, _ := utf8.DecodeRuneInString(id[i:])
			return FieldErrorf(field, "contains %q at byte %d; allowed are letters, digits and . _ - : / @", r, i)
		}
	}
	return nil
}

// idByte marks the bytes an ID may hold: ASCII letters, digits and ._-:/@.
// Any byte of a multi-byte UTF-8 sequence is outside the table.
var idByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "._-:/@" {
		t[c] = true
	}
	return t
}()

// validateText checks an optional free-text field against a maximum length.
func validateText(field, s string, max int) error {
	if len(s) > max {
		return FieldErrorf(field, "is %d bytes long; the maximum is %d", len(s), max)
	}
	return nil
}

// joinErrors merges several validation errors into one EINVALID error whose
// details list every problem, or returns nil when all are nil.
func joinErrors(errs ...error) error {
	var out *Error
	for _, err := range errs {
		if err == nil {
			continue
		}
		e, ok := err.(*Error)
		if !ok {
			return err
		}
		if out == nil {
			out = &Error{Code: EINVALID}
		}
		out.Details = append(out.Details, e.Details...)
		if len(e.Details) == 0 {
			out.Details = append(out.Details, FieldError{Reason: e.Message})
		}
	}
	if out == nil {
		return nil
	}
	msgs := make([]string, 0, len(out.Details))
	for _, d := range out.Details {
		if d.Field != "" {
			msgs = append(msgs, d.Field+": "+d.Reason)
		} else {
			msgs = append(msgs, d.Reason)
		}
	}
	out.Message = strings.Join(msgs, "; ")
	if len(msgs) > 1 {
		out.Message = fmt.Sprintf("%d problems: %s", len(msgs), out.Message)
	}
	return out
}
