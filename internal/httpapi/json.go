package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"smartmaint"
)

// maxJSONBody bounds the bodies of ordinary (non-ingest) requests.
const maxJSONBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may be gone; nothing useful to do
}

// decodeJSON decodes one JSON object from the body into v, rejecting unknown
// fields, trailing data and oversized bodies with errors that name the field.
func decodeJSON(r *http.Request, v any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body := http.MaxBytesReader(nil, r.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return smartmaint.Errorf(smartmaint.EINVALID, "The body must hold exactly one JSON object.")
	}
	return nil
}

func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil // curl without -H; the body is parsed as JSON anyway
	}
	media, _, _ := strings.Cut(ct, ";")
	if strings.TrimSpace(strings.ToLower(media)) != "application/json" {
		return smartmaint.Errorf(smartmaint.EUNSUPPORTED, "Content-Type %q is not supported here; send application/json.", ct)
	}
	return nil
}

// jsonError turns an encoding/json error into a domain error naming the field.
func jsonError(err error) error {
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return smartmaint.Errorf(smartmaint.EINVALID, "The body is empty; send a JSON object.")
	case errors.As(err, &tooLarge):
		return smartmaint.Errorf(smartmaint.ETOOLARGE, "The body exceeds %d bytes.", tooLarge.Limit)
	case errors.As(err, &syntax):
		return smartmaint.Errorf(smartmaint.EINVALID, "Malformed JSON at byte %d: %s.", syntax.Offset, syntax.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return smartmaint.FieldErrorf(field, "must be %s, got %s", jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return smartmaint.Errorf(smartmaint.EINVALID, "Malformed JSON: the body ends in the middle of a value.")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, _ := strconv.Unquote(name)
		return smartmaint.FieldErrorf(field, "is not a known field")
	}
	return smartmaint.Errorf(smartmaint.EINVALID, "Malformed JSON body.")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "float64", "float32", "int", "int64", "int32", "uint", "uint64":
		return "a number"
	}
	return "a " + kind
}

// query reads and validates URL query parameters, collecting every problem so
// that the client learns all of them at once.
type query struct {
	values map[string][]string
	errs   []smartmaint.FieldError
	known  map[string]bool
}

func newQuery(r *http.Request) *query {
	values, err := url.ParseQuery(r.URL.RawQuery)
	q := &query{values: values, known: map[string]bool{}}
	if err != nil {
		// url.Values drops the pairs it cannot decode; say so instead.
		q.fail("query", "is malformed: %v", err)
	}
	return q
}

func (q *query) fail(field, format string, args ...any) {
	q.errs = append(q.errs, smartmaint.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (q *query) str(name string) string {
	q.known[name] = true
	v := q.values[name]
	if len(v) == 0 {
		return ""
	}
	if len(v) > 1 {
		q.fail(name, "is given %d times; give it once", len(v))
	}
	return v[0]
}

func (q *query) int(name string, def, min, max int) int {
	s := q.str(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		q.fail(name, "must be an integer, got %q", s)
		return def
	}
	if n < min || n > max {
		q.fail(name, "must be between %d and %d, got %d", min, max, n)
		return def
	}
	return n
}

func (q *query) bool(name string) bool {
	s := q.str(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.fail(name, "must be true or false, got %q", s)
	}
	return b
}

// time parses an RFC 3339 timestamp (a value without zone is UTC) or Unix
// seconds.
func (q *query) time(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := parseTime(s)
	if err != nil {
		q.fail(name, "must be an RFC 3339 timestamp or Unix seconds, got %q", s)
	}
	return t
}

// done reports every problem found, plus any parameter the route does not know.
func (q *query) done() error {
	for name := range q.values {
		if !q.known[name] {
			q.fail(name, "is not a known query parameter")
		}
	}
	if len(q.errs) == 0 {
		return nil
	}
	msgs := make([]string, len(q.errs))
	for i, e := range q.errs {
		msgs[i] = e.Field + ": " + e.Reason
	}
	return &smartmaint.Error{Code: smartmaint.EINVALID, Message: strings.Join(msgs, "; "), Details: q.errs}
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"}

func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1e11 {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).Truncate(time.Microsecond).UTC(), nil
	}
	return time.Time{}, errors.New("unparseable time")
}

// parseStep reads a series step: Go durations ("90s", "5m", "1h") and days ("1d", "7d").
func parseStep(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("must be a duration such as 30s, 5m, 1h or 1d, got %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("must be a duration such as 30s, 5m, 1h or 1d, got %q", s)
	}
	return d, nil
}
