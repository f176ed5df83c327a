package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/ingest"
)

// testNow is the server clock of the service tests.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const (
	ctJSON   = "application/json"
	ctNDJSON = "application/x-ndjson"
	ctCSV    = "text/csv"
)

// malformedCase is one bad request: ct "" sends body to IngestOne, anything
// else to IngestBatch. at is the expected position of the problem ("index
// N", "line N", or "" for none).
type malformedCase struct {
	name   string
	ct     string
	body   string
	atomic bool
	key    string
	code   string
	field  string
	reason string
	at     string
}

func malformedCases() []malformedCase {
	ok := `{"sensor_id":"s1","value":1}`
	long := "sensor_id,timestamp,value,quality\n"
	ts := "2026-06-01T11:00:00Z"
	return []malformedCase{
		// One reading (POST /api/v1/data/ingest).
		{name: "unknown field", body: `{"sensor_id":"s1","value":1,"temp":3}`, code: smartmaint.EINVALID, field: "temp", reason: "unknown field"},
		{name: "key case matters", body: `{"Sensor_ID":"s1","value":1}`, code: smartmaint.EINVALID, field: "Sensor_ID", reason: "unknown field"},
		{name: "duplicate key", body: `{"sensor_id":"s1","value":1,"value":2}`, code: smartmaint.EINVALID, field: "value", reason: "duplicate key"},
		{name: "value as string", body: `{"sensor_id":"s1","value":"12.5"}`, code: smartmaint.EINVALID, field: "value", reason: "must be a number, got string"},
		{name: "value null", body: `{"sensor_id":"s1","value":null}`, code: smartmaint.EINVALID, field: "value", reason: "must be a number, got null"},
		{name: "value missing", body: `{"sensor_id":"s1"}`, code: smartmaint.EINVALID, field: "value", reason: "is required"},
		{name: "sensor_id missing", body: `{"value":1}`, code: smartmaint.EINVALID, field: "sensor_id", reason: "is required"},
		{name: "sensor_id number", body: `{"sensor_id":7,"value":1}`, code: smartmaint.EINVALID, field: "sensor_id", reason: "must be a string, got number"},
		{name: "sensor_id empty", body: `{"sensor_id":"","value":1}`, code: smartmaint.EINVALID, field: "sensor_id", reason: "is required"},
		{name: "sensor_id with a space", body: `{"sensor_id":"pump 1","value":1}`, code: smartmaint.EINVALID, field: "sensor_id", reason: "contains ' '"},
		{name: "sensor_id too long", body: `{"sensor_id":"` + strings.Repeat("x", 129) + `","value":1}`, code: smartmaint.EINVALID, field: "sensor_id", reason: "the maximum is 128"},
		{name: "huge number", body: `{"sensor_id":"s1","value":1e400}`, code: smartmaint.EINVALID, field: "value", reason: "must be a finite number, got 1e400"},
		{name: "NaN literal", body: `{"sensor_id":"s1","value":NaN}`, code: smartmaint.EINVALID, reason: "malformed JSON at line 1, column 27", at: "line 1"},
		{name: "leading zero", body: `{"sensor_id":"s1","value":01}`, code: smartmaint.EINVALID, reason: "malformed JSON", at: "line 1"},
		{name: "timestamp words", body: `{"sensor_id":"s1","value":1,"timestamp":"yesterday"}`, code: smartmaint.EINVALID, field: "timestamp", reason: "is not an RFC 3339 time"},
		{name: "timestamp impossible date", body: `{"sensor_id":"s1","value":1,"timestamp":"2026-02-30T00:00:00Z"}`, code: smartmaint.EINVALID, field: "timestamp", reason: "is not an RFC 3339 time"},
		{name: "timestamp in milliseconds", body: `{"sensor_id":"s1","value":1,"timestamp":1780315200000}`, code: smartmaint.EINVALID, field: "timestamp", reason: "looks like milliseconds"},
		{name: "timestamp boolean", body: `{"sensor_id":"s1","value":1,"timestamp":true}`, code: smartmaint.EINVALID, field: "timestamp", reason: "got boolean"},
		{name: "timestamp beyond retention", body: `{"sensor_id":"s1","value":1,"timestamp":"2020-01-01T00:00:00Z"}`, code: smartmaint.EINVALID, field: "timestamp", reason: "older than the retention"},
		{name: "timestamp in the future", body: `{"sensor_id":"s1","value":1,"timestamp":"2026-06-01T14:00:00Z"}`, code: smartmaint.EINVALID, field: "timestamp", reason: "ahead of the server clock"},
		{name: "quality above 1", body: `{"sensor_id":"s1","value":1,"quality":1.5}`, code: smartmaint.EINVALID, field: "quality", reason: "between 0 and 1"},
		{name: "quality string", body: `{"sensor_id":"s1","value":1,"quality":"high"}`, code: smartmaint.EINVALID, field: "quality", reason: "must be a number, got string"},
		{name: "metadata array", body: `{"sensor_id":"s1","value":1,"metadata":[1]}`, code: smartmaint.EINVALID, field: "metadata", reason: "must be a JSON object, got array"},
		{name: "metadata too big", body: `{"sensor_id":"s1","value":1,"metadata":{"x":"` + strings.Repeat("a", 5000) + `"}}`, code: smartmaint.EINVALID, field: "metadata", reason: "the maximum is 4096"},
		{name: "correlation_id too long", body: `{"sensor_id":"s1","value":1,"correlation_id":"` + strings.Repeat("c", 256) + `"}`, code: smartmaint.EINVALID, field: "correlation_id", reason: "the maximum is 255"},
		{name: "sensor_type invalid", body: `{"sensor_id":"s1","value":1,"sensor_type":"Bad Type!"}`, code: smartmaint.EINVALID, field: "sensor_type", reason: "is not a valid type"},
		{name: "unit too long", body: `{"sensor_id":"s1","value":1,"unit":"` + strings.Repeat("u", 51) + `"}`, code: smartmaint.EINVALID, field: "unit", reason: "the maximum is 50"},
		{name: "bad UTF-8", body: "{\"sensor_id\":\"s\xff1\",\"value\":1}", code: smartmaint.EINVALID, field: "sensor_id", reason: "is not valid UTF-8"},
		{name: "lone surrogate", body: `{"sensor_id":"s1","value":1,"unit":"\ud800"}`, code: smartmaint.EINVALID, field: "unit", reason: "is not valid UTF-8"},
		{name: "raw control character", body: "{\"sensor_id\":\"s\t1\",\"value\":1}", code: smartmaint.EINVALID, reason: "control character 0x09", at: "line 1"},
		{name: "not an object", body: `[` + ok + `]`, code: smartmaint.EINVALID, reason: "must be a JSON object, got array"},
		{name: "unclosed object", body: `{"sensor_id":"s1","value":1`, code: smartmaint.EINVALID, reason: "malformed JSON at line 1", at: "line 1"},
		{name: "two objects", body: ok + " " + ok, code: smartmaint.EINVALID, reason: "after the reading object", at: "line 1"},
		{name: "empty body", body: " \n", code: smartmaint.EINVALID, reason: "body is empty"},
		{name: "oversized body", body: `{"sensor_id":"s1","value":1,"metadata":{"x":"` + strings.Repeat("a", 9000) + `"}}`, code: smartmaint.ETOOLARGE, reason: "limit of 8192 bytes (8 KiB)"},
		{name: "bad idempotency key", body: ok, key: "key\n", code: smartmaint.EINVALID, field: "Idempotency-Key", reason: "printable ASCII"},
		{name: "decommissioned sensor", body: `{"sensor_id":"old-1","value":1}`, code: smartmaint.EINVALID, field: "sensor_id", reason: "is decommissioned"},

		// JSON arrays.
		{name: "array: wrong type", ct: ctJSON, body: `[{"sensor_id":"s1","value":true}]`, code: smartmaint.EINVALID, field: "value", reason: "got boolean", at: "index 0"},
		{name: "array: atomic names the bad element", ct: ctJSON, atomic: true, body: `[` + ok + `,{"sensor_id":"s2","value":"x"}]`, code: smartmaint.EINVALID, field: "value", reason: "got string", at: "index 1"},
		{name: "array: element not an object", ct: ctJSON, body: `[5]`, code: smartmaint.EINVALID, reason: "must be a JSON object, got number", at: "index 0"},
		{name: "array: syntax error", ct: ctJSON, body: "[\n" + ok + ",\n{\"sensor_id\":\"s2\" \"value\":1}]", code: smartmaint.EINVALID, reason: "malformed JSON at line 3, column 19 (byte offset 50)", at: "line 3"},
		{name: "array: object instead", ct: ctJSON, body: ok, code: smartmaint.EINVALID, reason: "must be a JSON array"},
		{name: "array: trailing comma", ct: ctJSON, body: `[` + ok + `,]`, code: smartmaint.EINVALID, reason: "trailing comma", at: "line 1"},
		{name: "array: not closed", ct: ctJSON, body: `[` + ok, code: smartmaint.EINVALID, reason: "not closed", at: "line 1"},
		{name: "array: data after it", ct: ctJSON, body: `[` + ok + `] x`, code: smartmaint.EINVALID, reason: "unexpected data after the JSON array", at: "line 1"},
		{name: "array: empty", ct: ctJSON, body: `[]`, code: smartmaint.EINVALID, reason: "no readings"},
		{name: "array: empty body", ct: ctJSON, body: ``, code: smartmaint.EINVALID, reason: "body is empty"},
		{name: "array: too many readings", ct: ctJSON, body: `[` + strings.Repeat(ok+",", 3) + ok + `]`, code: smartmaint.ETOOLARGE, reason: "more than 3 readings"},

		// NDJSON.
		{name: "ndjson: malformed line", ct: ctNDJSON, body: "{\"sensor_id\":\"s1\",\"value\":}\n", code: smartmaint.EINVALID, reason: "malformed JSON at column 27", at: "line 1"},
		{name: "ndjson: unknown field after blank lines", ct: ctNDJSON, body: "\n\n{\"sensor_id\":\"s1\",\"value\":1,\"x\":1}\n", code: smartmaint.EINVALID, field: "x", reason: "unknown field", at: "line 3"},
		{name: "ndjson: Infinity", ct: ctNDJSON, body: "{\"sensor_id\":\"s1\",\"value\":Infinity}", code: smartmaint.EINVALID, reason: "malformed JSON", at: "line 1"},
		{name: "ndjson: array line", ct: ctNDJSON, body: "[1,2]\n", code: smartmaint.EINVALID, reason: "must be a JSON object, got array", at: "line 1"},
		{name: "ndjson: only blank lines", ct: ctNDJSON, body: "\n  \n\r\n", code: smartmaint.EINVALID, reason: "no readings"},
		{name: "ndjson: atomic", ct: ctNDJSON, atomic: true, body: ok + "\n" + `{"sensor_id":"s1","value":1,"quality":-0.1}` + "\n", code: smartmaint.EINVALID, field: "quality", reason: "between 0 and 1", at: "line 2"},
		{name: "ndjson: oversized", ct: ctNDJSON, body: strings.Repeat(ok+"\n", 300), code: smartmaint.ETOOLARGE, reason: "exceeds the limit"},

		// CSV, long format.
		{name: "csv: no header", ct: ctCSV, body: "s1," + ts + ",1\n", code: smartmaint.EINVALID, reason: "neither long format", at: "line 1"},
		{name: "csv: unknown column", ct: ctCSV, body: "sensor_id,timestamp,value,unit\n", code: smartmaint.EINVALID, field: "unit", reason: "unknown column", at: "line 1"},
		{name: "csv: missing column", ct: ctCSV, body: "sensor_id,value\ns1,1\n", code: smartmaint.EINVALID, field: "timestamp", reason: "missing column", at: "line 1"},
		{name: "csv: duplicate column", ct: ctCSV, body: "sensor_id,timestamp,value,value\n", code: smartmaint.EINVALID, field: "value", reason: "duplicate column (also column 3)", at: "line 1"},
		{name: "csv: NaN", ct: ctCSV, body: long + "s1," + ts + ",NaN,\n", code: smartmaint.EINVALID, field: "value", reason: "must be a finite number, got NaN", at: "line 2"},
		{name: "csv: -inf", ct: ctCSV, body: long + "s1," + ts + ",-inf,\n", code: smartmaint.EINVALID, field: "value", reason: "got -Inf", at: "line 2"},
		{name: "csv: huge number", ct: ctCSV, body: long + "s1," + ts + ",1e999,\n", code: smartmaint.EINVALID, field: "value", reason: "out of range", at: "line 2"},
		{name: "csv: text value", ct: ctCSV, body: long + "s1," + ts + ",abc,\n", code: smartmaint.EINVALID, field: "value", reason: `must be a number, got "abc"`, at: "line 2"},
		{name: "csv: hex value", ct: ctCSV, body: long + "s1," + ts + ",0x10,\n", code: smartmaint.EINVALID, field: "value", reason: "must be a number", at: "line 2"},
		{name: "csv: field count", ct: ctCSV, body: long + "s1," + ts + "\n", code: smartmaint.EINVALID, reason: "has 2 fields, the header has 4", at: "line 2"},
		{name: "csv: unterminated quote", ct: ctCSV, body: long + "\"s1," + ts + ",1,\n", code: smartmaint.EINVALID, reason: "unterminated quoted field", at: "line 2"},
		{name: "csv: bad timestamp", ct: ctCSV, body: long + "s1,2026-13-01T00:00:00Z,1,\n", code: smartmaint.EINVALID, field: "timestamp", reason: "not an RFC 3339 time", at: "line 2"},
		{name: "csv: empty timestamp", ct: ctCSV, body: long + "s1,,1,\n", code: smartmaint.EINVALID, field: "timestamp", reason: "is required", at: "line 2"},
		{name: "csv: milliseconds", ct: ctCSV, body: long + "s1,1780315200000,1,\n", code: smartmaint.EINVALID, field: "timestamp", reason: "looks like milliseconds", at: "line 2"},
		{name: "csv: quality above 1", ct: ctCSV, body: long + "s1," + ts + ",1,2\n", code: smartmaint.EINVALID, field: "quality", reason: "between 0 and 1", at: "line 2"},
		{name: "csv: bad UTF-8 sensor", ct: ctCSV, body: long + "s\xff," + ts + ",1,\n", code: smartmaint.EINVALID, field: "sensor_id", reason: "contains", at: "line 2"},
		{name: "csv: empty body", ct: ctCSV, body: "", code: smartmaint.EINVALID, reason: "body is empty"},

		// CSV, wide format.
		{name: "wide: bad cell", ct: ctCSV, atomic: true, body: "timestamp,s1,s2\n" + ts + ",1,x\n", code: smartmaint.EINVALID, field: "s2", reason: `column 3: must be a number, got "x"`, at: "line 2"},
		{name: "wide: NaN cell", ct: ctCSV, body: "timestamp,s1,s2\n" + ts + ",NaN,\n", code: smartmaint.EINVALID, field: "s1", reason: "column 2: must be a finite number, got NaN", at: "line 2"},
		{name: "wide: bad timestamp", ct: ctCSV, body: "timestamp,s1,s2\nnoon,1,2\n", code: smartmaint.EINVALID, field: "timestamp", reason: "not an RFC 3339 time", at: "line 2"},
		{name: "wide: bad sensor header", ct: ctCSV, body: "timestamp,s1,bad sensor\n", code: smartmaint.EINVALID, field: "bad sensor", reason: "column 3 is not a valid sensor ID", at: "line 1"},
		{name: "wide: duplicate sensor", ct: ctCSV, body: "timestamp,s1,s1\n", code: smartmaint.EINVALID, field: "s1", reason: "duplicate sensor column", at: "line 1"},
		{name: "wide: no sensor column", ct: ctCSV, body: "timestamp\n" + ts + "\n", code: smartmaint.EINVALID, reason: "at least one sensor column", at: "line 1"},
		{name: "wide: too many cells", ct: ctCSV, body: "timestamp,s1\n" + ts + ",1,2\n", code: smartmaint.EINVALID, reason: "has 3 fields, the header has 2", at: "line 2"},

		// Content types.
		{name: "unsupported content type", ct: "text/plain", body: ok, code: smartmaint.EUNSUPPORTED, reason: "not supported"},
		{name: "unsupported charset", ct: "text/csv; charset=latin1", body: ok, code: smartmaint.EUNSUPPORTED, reason: "Charset"},
	}
}

// newTestService returns a service over a fake store at testNow with small
// limits (8 KiB, 3 readings) and a decommissioned sensor old-1.
func newTestService(tb testing.TB) (*ingest.Service, *fakeStore, context.Context) {
	tb.Helper()
	now := func() time.Time { return testNow }
	store := newFakeStore(now)
	store.addSensor(smartmaint.Sensor{ID: "old-1", Type: "temperature", Status: smartmaint.SensorDecommissioned})
	svc := ingest.NewService(store, ingest.Options{Now: now, MaxBytes: 8192, MaxReadings: 3})
	ctx := smartmaint.NewContextWithRequestID(
		smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID), "req-1")
	return svc, store, ctx
}

func TestMalformedInput(t *testing.T) {
	cases := malformedCases()
	if len(cases) < 40 {
		t.Fatalf("only %d malformed cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc, store, ctx := newTestService(t)
			var err error
			if tc.ct == "" {
				_, err = svc.IngestOne(ctx, strings.NewReader(tc.body), tc.key)
			} else {
				_, err = svc.IngestBatch(ctx, strings.NewReader(tc.body), tc.ct, tc.atomic)
			}
			if got := smartmaint.ErrorCode(err); got != tc.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.code)
			}
			checkProblem(t, err, tc.field, tc.reason, tc.at)
			if n := store.count(); n != 0 {
				t.Fatalf("%d readings stored by a rejected request", n)
			}
		})
	}
}

// checkProblem asserts that err names the problem: a detail with the field,
// a reason containing reason and the position at; or, for request-level
// errors without a field, a message containing reason.
func checkProblem(tb testing.TB, err error, field, reason, at string) {
	tb.Helper()
	for _, d := range smartmaint.ErrorDetails(err) {
		if d.Field == field && strings.Contains(d.Reason, reason) {
			if got := position(d); got != at {
				tb.Fatalf("problem %q at %q, want %q", d.Reason, got, at)
			}
			return
		}
	}
	if field == "" && at == "" && strings.Contains(smartmaint.ErrorMessage(err), reason) {
		return
	}
	tb.Fatalf("no problem with field %q and reason containing %q in %q %+v",
		field, reason, smartmaint.ErrorMessage(err), smartmaint.ErrorDetails(err))
}

func position(d smartmaint.FieldError) string {
	switch {
	case d.Index != nil:
		return fmt.Sprintf("index %d", *d.Index)
	case d.Line > 0:
		return fmt.Sprintf("line %d", d.Line)
	}
	return ""
}
