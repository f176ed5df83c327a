package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// TestMalformedRequests sends bad requests of every kind and checks that each
// gets a 4xx with the right code and a message naming the field and the reason.
func TestMalformedRequests(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		now := time.Now().UTC()
		setup := []scenario{
			{method: "POST", url: "/api/v1/sites", body: `{"id":"plant-a","name":"Plant A"}`, status: 201},
			{method: "POST", url: "/api/v1/assets", body: `{"id":"pump-1","site_id":"plant-a","name":"Pump 1"}`, status: 201},
			{method: "POST", url: "/api/v1/sensors", body: `{"sensor_id":"pump-1-temp","asset_id":"pump-1","sensor_type":"temperature"}`, status: 201},
		}
		for _, sc := range setup {
			api.run(t, sc)
		}
		long := strings.Repeat("x", 300)
		json := map[string]string{"Content-Type": "application/json"}
		ndjson := map[string]string{"Content-Type": "application/x-ndjson"}
		csv := map[string]string{"Content-Type": "text/csv"}
		tooMany := strings.Repeat(fmt.Sprintf(`{"sensor_id":"s","value":1,"timestamp":%q}`+"\n", ts(now)), 1001)
		tests := []struct {
			name          string
			method, url   string
			headers       map[string]string
			body          string
			status        int
			code          string
			field, reason string // field named in the details (or message), and a reason substring
		}{
			// One reading.
			{"ingest empty body", "POST", "/api/v1/data/ingest", json, "", 400, "invalid", "", "empty"},
			{"ingest truncated JSON", "POST", "/api/v1/data/ingest", json, `{"sensor_id":`, 400, "invalid", "", "JSON"},
			{"ingest array", "POST", "/api/v1/data/ingest", json, `[]`, 400, "invalid", "", "object"},
			{"ingest no sensor", "POST", "/api/v1/data/ingest", json, `{"value":1}`, 400, "invalid", "sensor_id", "required"},
			{"ingest no value", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a"}`, 400, "invalid", "value", "required"},
			{"ingest value as string", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":"12.5"}`, 400, "invalid", "value", "number"},
			{"ingest NaN literal", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":NaN}`, 400, "invalid", "value", ""},
			{"ingest overflowing number", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1e400}`, 400, "invalid", "value", "finite"},
			{"ingest quality above 1", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"quality":1.5}`, 400, "invalid", "quality", "between 0 and 1"},
			{"ingest negative quality", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"quality":-0.1}`, 400, "invalid", "quality", "between 0 and 1"},
			{"ingest unknown field", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"colour":"red"}`, 400, "invalid", "colour", "unknown"},
			{"ingest duplicate key", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"value":2}`, 400, "invalid", "value", "duplicate key"},
			{"ingest far future", "POST", "/api/v1/data/ingest", json, fmt.Sprintf(`{"sensor_id":"a","value":1,"timestamp":%q}`, ts(now.Add(48*time.Hour))), 400, "invalid", "timestamp", "ahead"},
			{"ingest beyond retention", "POST", "/api/v1/data/ingest", json, fmt.Sprintf(`{"sensor_id":"a","value":1,"timestamp":%q}`, ts(now.AddDate(-2, 0, 0))), 400, "invalid", "timestamp", "retention"},
			{"ingest unparseable timestamp", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"timestamp":"yesterday"}`, 400, "invalid", "timestamp", ""},
			{"ingest milliseconds", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"timestamp":1700000000000}`, 400, "invalid", "timestamp", "milliseconds"},
			{"ingest sensor with space", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a b","value":1}`, 400, "invalid", "sensor_id", "allowed"},
			{"ingest sensor too long", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"` + long + `","value":1}`, 400, "invalid", "sensor_id", "maximum"},
			{"ingest bad sensor type", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"sensor_type":"Temp Sensor"}`, 400, "invalid", "sensor_type", ""},
			{"ingest metadata not object", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"metadata":[1]}`, 400, "invalid", "metadata", "object"},
			{"ingest correlation id too long", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"correlation_id":"` + long + `"}`, 400, "invalid", "correlation_id", ""},
			{"ingest text/plain", "POST", "/api/v1/data/ingest", map[string]string{"Content-Type": "text/plain"}, `{"sensor_id":"a","value":1}`, 415, "unsupported", "", "application/json"},
			{"ingest oversized", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"a","value":1,"metadata":{"x":"` + strings.Repeat("y", 2<<20) + `"}}`, 413, "too_large", "", ""},
			{"ingest unknown query parameter", "POST", "/api/v1/data/ingest?foo=1", json, `{"sensor_id":"a","value":1}`, 400, "invalid", "foo", "not a known"},
			{"ingest idempotency key too long", "POST", "/api/v1/data/ingest", map[string]string{"Idempotency-Key": long}, `{"sensor_id":"a","value":1}`, 400, "invalid", "Idempotency-Key", ""},
			{"ingest decommissioned sensor", "POST", "/api/v1/data/ingest", json, `{"sensor_id":"gone-1","value":1}`, 400, "invalid", "sensor_id", "decommissioned"},

			// Batches.
			{"batch without content type", "POST", "/api/v1/data/batch", map[string]string{"Content-Type": ""}, `[{"sensor_id":"a","value":1}]`, 415, "unsupported", "", ""},
			{"batch as XML", "POST", "/api/v1/data/batch", map[string]string{"Content-Type": "application/xml"}, `<r/>`, 415, "unsupported", "", ""},
			{"batch truncated array", "POST", "/api/v1/data/batch", json, `[{"sensor_id":"a","value":1},`, 400, "invalid", "", ""},
			{"batch object instead of array", "POST", "/api/v1/data/batch", json, `{"sensor_id":"a","value":1}`, 400, "invalid", "", "array"},
			{"batch NDJSON all invalid", "POST", "/api/v1/data/batch", ndjson, "{\"sensor_id\":\"a\"}\n{\"value\":2}\n", 400, "invalid", "value", "required"},
			{"batch NDJSON broken line", "POST", "/api/v1/data/batch", ndjson, "{\"sensor_id\":\n", 400, "invalid", "", ""},
			{"batch CSV unknown columns", "POST", "/api/v1/data/batch", csv, "foo,bar\n1,2\n", 400, "invalid", "", ""},
			{"batch CSV NaN value", "POST", "/api/v1/data/batch", csv, "sensor_id,timestamp,value\na," + ts(now) + ",NaN\n", 400, "invalid", "value", "finite"},
			{"batch CSV short row", "POST", "/api/v1/data/batch", csv, "sensor_id,timestamp,value\na," + ts(now) + "\n", 400, "invalid", "", ""},
			{"batch atomic with one bad reading", "POST", "/api/v1/data/batch?atomic=true", ndjson, fmt.Sprintf("{\"sensor_id\":\"atomic-1\",\"value\":1,\"timestamp\":%q}\n{\"sensor_id\":\"atomic-1\",\"value\":\"x\"}\n", ts(now)), 400, "invalid", "value", "number"},
			{"batch atomic not a boolean", "POST", "/api/v1/data/batch?atomic=maybe", ndjson, "{\"sensor_id\":\"a\",\"value\":1}\n", 400, "invalid", "atomic", "true or false"},
			{"batch too many readings", "POST", "/api/v1/data/batch", ndjson, tooMany, 413, "too_large", "", "1000"},
			{"batch empty", "POST", "/api/v1/data/batch", ndjson, "", 400, "invalid", "", ""},

			// Queries.
			{"readings limit 0", "GET", "/api/v1/sensors/readings?limit=0", nil, "", 400, "invalid", "limit", "between 1 and 1000"},
			{"readings limit 5000", "GET", "/api/v1/sensors/readings?limit=5000", nil, "", 400, "invalid", "limit", "between 1 and 1000"},
			{"readings negative offset", "GET", "/api/v1/sensors/readings?offset=-1", nil, "", 400, "invalid", "offset", ""},
			{"readings bad start", "GET", "/api/v1/sensors/readings?start_ts=notatime", nil, "", 400, "invalid", "start_ts", "RFC 3339"},
			{"readings end before start", "GET", "/api/v1/sensors/readings?start_ts=2026-01-02T00:00:00Z&end_ts=2026-01-01T00:00:00Z", nil, "", 400, "invalid", "end_ts", "before"},
			{"readings garbage cursor", "GET", "/api/v1/sensors/readings?cursor=zzzz", nil, "", 400, "invalid", "cursor", "not a cursor"},
			{"readings malformed query string", "GET", "/api/v1/sensors/readings?limit=%zz", nil, "", 400, "invalid", "query", "malformed"},
			{"readings unknown parameter", "GET", "/api/v1/sensors/readings?sensor=pump", nil, "", 400, "invalid", "sensor", "not a known"},
			{"series bad step", "GET", "/api/v1/sensors/pump-1-temp/series?step=7x", nil, "", 400, "invalid", "step", "duration"},
			{"series zero max points", "GET", "/api/v1/sensors/pump-1-temp/series?max_points=0", nil, "", 400, "invalid", "max_points", ""},
			{"series from after to", "GET", "/api/v1/sensors/pump-1-temp/series?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", nil, "", 400, "invalid", "to", "after"},
			{"series unknown sensor", "GET", "/api/v1/sensors/nope/series", nil, "", 404, "not_found", "", ""},
			{"export as XML", "GET", "/api/v1/export/readings?format=xml", nil, "", 400, "invalid", "format", "csv or ndjson"},

			// The plant model.
			{"site unknown field", "POST", "/api/v1/sites", json, `{"name":"X","city":"Porto"}`, 400, "invalid", "city", "not a known"},
			{"site without name", "POST", "/api/v1/sites", json, `{"id":"s2"}`, 400, "invalid", "name", "required"},
			{"site bad time zone", "POST", "/api/v1/sites", json, `{"name":"X","timezone":"Mars/Olympus"}`, 400, "invalid", "timezone", "IANA"},
			{"site duplicate", "POST", "/api/v1/sites", json, `{"id":"plant-a","name":"Again"}`, 409, "conflict", "", ""},
			{"site with assets deleted", "DELETE", "/api/v1/sites/plant-a", nil, "", 409, "conflict", "", ""},
			{"asset criticality 9", "POST", "/api/v1/assets", json, `{"name":"X","criticality":9}`, 400, "invalid", "criticality", "between 1 and 5"},
			{"asset on unknown site", "POST", "/api/v1/assets", json, `{"name":"X","site_id":"nowhere"}`, 400, "invalid", "site_id", ""},
			{"asset criticality as string", "POST", "/api/v1/assets", json, `{"name":"X","criticality":"high"}`, 400, "invalid", "criticality", "number"},
			{"sensor bad status", "POST", "/api/v1/sensors", json, `{"sensor_id":"x1","sensor_type":"pressure","status":"broken"}`, 400, "invalid", "status", "one of"},
			{"sensor inverted range", "POST", "/api/v1/sensors", json, `{"sensor_id":"x2","sensor_type":"pressure","expected_min":10,"expected_max":1}`, 400, "invalid", "expected_max", "greater"},
			{"sensor alarm limits out of order", "POST", "/api/v1/sensors", json, `{"sensor_id":"x3","sensor_type":"pressure","alarm_limits":{"low":5,"high":3}}`, 400, "invalid", "alarm_limits.high", "above"},
			{"sensor patch unknown", "PATCH", "/api/v1/sensors/ghost", json, `{"name":"x"}`, 404, "not_found", "", ""},
			{"sensor body two objects", "POST", "/api/v1/sensors", json, `{"sensor_id":"x4","sensor_type":"pressure"}{}`, 400, "invalid", "", "exactly one"},

			// Routing and simulation.
			{"unknown route", "GET", "/api/v1/nope", nil, "", 404, "not_found", "", "No route"},
			{"wrong method", "PUT", "/api/v1/sites", json, `{}`, 405, "invalid", "", "GET, POST"},
			{"unknown scenario", "POST", "/api/v1/simulate/earthquake", nil, "", 404, "not_found", "", "earthquake"},
			{"drift magnitude out of range", "POST", "/api/v1/simulate/drift", json, `{"drift_magnitude":50}`, 400, "invalid", "drift_magnitude", ""},
			{"anomaly count not a number", "POST", "/api/v1/simulate/anomaly?num_anomalies=abc", nil, "", 400, "invalid", "num_anomalies", ""},
		}
		if len(tests) < 40 {
			t.Fatalf("only %d malformed cases", len(tests))
		}
		// A decommissioned sensor for its case.
		api.run(t, scenario{method: "POST", url: "/api/v1/sensors", body: `{"sensor_id":"gone-1","sensor_type":"pressure","status":"decommissioned"}`, status: 201})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := api.do(t, tt.method, tt.url, tt.headers, tt.body)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				if resp.StatusCode < 400 || resp.StatusCode >= 500 {
					t.Fatalf("status %d is not a client error", resp.StatusCode)
				}
				code, msg, details := errorOf(t, body)
				if code != tt.code {
					t.Errorf("code %q, want %q: %s", code, tt.code, body)
				}
				if msg == "" {
					t.Errorf("empty message: %s", body)
				}
				if tt.field != "" && !namesField(msg, details, tt.field) {
					t.Errorf("the error does not name field %q: %s", tt.field, body)
				}
				if tt.reason != "" && !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tt.reason)) {
					t.Errorf("the error does not say %q: %s", tt.reason, body)
				}
			})
		}
		// Nothing of the atomic batch was stored.
		resp, body := api.do(t, "GET", "/api/v1/sensors/readings?sensor_id=atomic-1", nil, "")
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
			t.Fatalf("the rejected atomic batch stored readings: %d %s", resp.StatusCode, body)
		}
	})
}

func namesField(msg string, details []smartmaint.FieldError, field string) bool {
	for _, d := range details {
		if d.Field == field {
			return true
		}
	}
	return strings.Contains(msg, field)
}
