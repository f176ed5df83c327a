package smartmaint

import (
	"errors"
	"fmt"
)

// Error codes. Every error that crosses a surface (HTTP, CLI) carries one of
// these; anything else is reported as EINTERNAL with a generic message.
const (
	EINVALID      = "invalid"      // the request is malformed or a value is out of range (400/422)
	ENOTFOUND     = "not_found"    // the object does not exist, or belongs to another tenant (404)
	ECONFLICT     = "conflict"     // the object already exists or changed meanwhile (409)
	EUNAUTHORIZED = "unauthorized" // no valid credentials (401)
	EFORBIDDEN    = "forbidden"    // credentials lack the permission (403)
	ETOOLARGE     = "too_large"    // the body or batch exceeds a configured limit (413)
	EUNSUPPORTED  = "unsupported"  // unsupported media type (415)
	ERATELIMITED  = "rate_limited" // too many requests (429)
	EUNAVAILABLE  = "unavailable"  // a dependency (the store) cannot be reached (503)
	EINTERNAL     = "internal"     // a defect or an unexpected failure (500)
)

// Error is the one error type of the domain. Message is meant for people and
// is safe to show to a client; Details lists per-field or per-item problems.
type Error struct {
	Code    string
	Message string
	Details []FieldError
}

// FieldError names one rejected value: where it is (Index in a JSON array or
// NDJSON stream, Line in a CSV or NDJSON body), which field, and why.
type FieldError struct {
	Index  *int   `json:"index,omitempty"`
	Line   int    `json:"line,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return fmt.Sprintf("smartmaint error: code=%s message=%s", e.Code, e.Message)
	}
	return fmt.Sprintf("smartmaint error: code=%s message=%s details=%d", e.Code, e.Message, len(e.Details))
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one field.
func FieldErrorf(field, format string, args ...any) *Error {
	reason := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: field + ": " + reason,
		Details: []FieldError{{Field: field, Reason: reason}}}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for any other error, so that internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorDetails returns the details of the first *Error in err's chain.
func ErrorDetails(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}
