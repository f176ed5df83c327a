package ingest_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"smartmaint"
	"smartmaint/internal/ingest"
)

// The fuzzers feed arbitrary bodies to the service over the in-memory store
// and check that nothing panics, that the counts add up, and that every
// stored reading is valid: a valid sensor ID, a finite value, a quality in
// [0, 1], a UTC timestamp at microsecond precision within the limits, and
// metadata that is a JSON object.

func FuzzJSONObject(f *testing.F) {
	for _, c := range malformedCases() {
		if c.ct == "" {
			f.Add([]byte(c.body))
		}
	}
	f.Add([]byte(`{"sensor_id":"pump-1-temp","value":71.5,"timestamp":"2026-06-01T11:59:00.123456789+01:00","quality":0.9,"unit":"°C","sensor_type":"temperature","correlation_id":"c","metadata":{"a":[1,{"b":null}]}}`))
	f.Add([]byte(`{"sensor_id":"a\u00e9","value":-0,"timestamp":1780315199.999999}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		svc, store, _, ctx := newService(t, ingest.Options{})
		res, err := svc.IngestOne(ctx, bytes.NewReader(body), "")
		syntaxErr := strings.Contains(smartmaint.ErrorMessage(err), "not valid JSON")
		if err == nil && !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if syntaxErr && json.Valid(body) && nesting(body) <= 64 {
			t.Fatalf("rejected valid JSON %q: %v", body, err)
		}
		if err != nil {
			assertRejection(t, err)
			if store.count() != 0 {
				t.Fatal("a rejected reading was stored")
			}
			return
		}
		if store.count() != 1 || res.Status != ingest.StatusStored {
			t.Fatalf("%+v, %d stored", res, store.count())
		}
		if want, _ := json.Marshal(res); string(want) != string(res.Raw) {
			t.Fatalf("response %s, encoding/json gives %s", res.Raw, want)
		}
		assertStoredValid(t, store)
		// encoding/json must read the same sensor and value.
		var ref struct {
			SensorID string  `json:"sensor_id"`
			Value    float64 `json:"value"`
		}
		if err := json.Unmarshal(body, &ref); err != nil || ref.SensorID != res.SensorID || ref.Value != res.Value {
			t.Fatalf("encoding/json reads %+v (%v); ingest read %q %v", ref, err, res.SensorID, res.Value)
		}
	})
}

func FuzzJSONArray(f *testing.F) {
	addSeeds(f, ctJSON)
	f.Add([]byte(`[{"sensor_id":"a","value":1}, {"sensor_id":"b","value":2,"timestamp":"2026-06-01T11:00:00Z"}, 3, {"value":"x"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzBatch(t, ctJSON, body)
		// The decoder finds a syntax error exactly when encoding/json does
		// (short of the nesting limit of metadata).
		d := decodeAll(t, ingest.FormatJSON, string(body), ingest.Limits{})
		syntaxErr := strings.Contains(smartmaint.ErrorMessage(d.err), "not valid JSON")
		if d.err == nil && !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if syntaxErr && json.Valid(body) && nesting(body) <= 64 {
			t.Fatalf("rejected valid JSON %q: %v", body, d.err)
		}
	})
}

func FuzzNDJSON(f *testing.F) {
	addSeeds(f, ctNDJSON)
	f.Add([]byte("{\"sensor_id\":\"a\",\"value\":1}\n\n{\"sensor_id\":\"b\",\"value\":2,\"timestamp\":1780315100.5}\r\n{bad}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzBatch(t, ctNDJSON, body)
		d := decodeAll(t, ingest.FormatNDJSON, string(body), ingest.Limits{})
		lines := bytes.Count(body, []byte{'\n'}) + 1
		for _, it := range d.items {
			if it.Line < 1 || it.Line > lines {
				t.Fatalf("item at line %d of %d", it.Line, lines)
			}
		}
	})
}

func FuzzCSV(f *testing.F) {
	addSeeds(f, ctCSV)
	f.Add([]byte("sensor_id,timestamp,value,quality\na,2026-06-01T11:00:00Z,1.5,0.5\n\"b\"\"\",1780315100,-2e3,\n"))
	f.Add([]byte("timestamp,s1,s2\n2026-06-01T11:00:00Z,1,\n2026-06-01T11:00:01Z,,x\n1780315100,3,4\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzBatch(t, ctCSV, body)
	})
}

// nesting returns how deeply the JSON text b nests arrays and objects.
func nesting(b []byte) int {
	depth, most, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}

func addSeeds(f *testing.F, ct string) {
	for _, c := range malformedCases() {
		if c.ct == ct {
			f.Add([]byte(c.body))
		}
	}
}

// fuzzBatch ingests body and checks the result against the store.
func fuzzBatch(t *testing.T, ct string, body []byte) {
	svc, store, _, ctx := newService(t, ingest.Options{MaxReadings: 1000, MaxBytes: 1 << 20})
	res, err := svc.IngestBatch(ctx, bytes.NewReader(body), ct, false)
	if err != nil {
		assertRejection(t, err)
		if store.count() != 0 {
			t.Fatal("a rejected batch stored readings")
		}
		return
	}
	if res.Accepted < 1 || res.Accepted-res.Duplicates != store.count() || len(res.Rejected) > 1000 ||
		res.RejectedCount > 0 && len(res.Rejected) == 0 {
		t.Fatalf("result %+v with %d stored", res, store.count())
	}
	for _, d := range res.Rejected {
		if d.Reason == "" || (d.Index == nil) == (d.Line == 0) {
			t.Fatalf("rejection without a reason or a single position: %+v", d)
		}
	}
	assertStoredValid(t, store)
}

// assertRejection checks that a refused request has a client error code and
// a message.
func assertRejection(t *testing.T, err error) {
	t.Helper()
	switch smartmaint.ErrorCode(err) {
	case smartmaint.EINVALID, smartmaint.ETOOLARGE:
	default:
		t.Fatalf("error %v is not a client error", err)
	}
	if smartmaint.ErrorMessage(err) == "" {
		t.Fatal("error without a message")
	}
}

func assertStoredValid(t *testing.T, store *fakeStore) {
	t.Helper()
	lim := smartmaint.DefaultReadingLimits()
	store.mu.Lock()
	defer store.mu.Unlock()
	for _, r := range store.readings {
		if err := smartmaint.ValidateID("sensor_id", r.SensorID); err != nil {
			t.Fatalf("stored sensor ID %q: %v", r.SensorID, err)
		}
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) || !(r.Quality >= 0 && r.Quality <= 1) {
			t.Fatalf("stored value %v quality %v", r.Value, r.Quality)
		}
		if r.Time.Location() != testNow.Location() || r.Time.Nanosecond()%1000 != 0 ||
			r.Time.Before(testNow.Add(-lim.MaxAge)) || r.Time.After(testNow.Add(lim.MaxFuture)) {
			t.Fatalf("stored time %v", r.Time)
		}
		if len(r.Metadata) > 0 && (r.Metadata[0] != '{' || !json.Valid(r.Metadata)) {
			t.Fatalf("stored metadata %q", r.Metadata)
		}
		if r.SensorType != "" && smartmaint.ValidateSensorType(r.SensorType) != nil {
			t.Fatalf("stored sensor type %q", r.SensorType)
		}
	}
}
