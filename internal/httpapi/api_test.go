package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// TestIngestAndQuery follows readings from the ingest endpoints to every
// query endpoint, on both stores.
func TestIngestAndQuery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		t0 := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Minute)
		body := api.run(t, scenario{method: "POST", url: "/api/v1/data/ingest",
			headers: map[string]string{"Idempotency-Key": "k-1", "X-Request-ID": "req-42"},
			body:    fmt.Sprintf(`{"sensor_id":"line1/motor-2/temp","value":41.5,"timestamp":%q,"quality":0.9,"unit":"C"}`, ts(t0)),
			status:  200, contains: []string{`"status":"stored"`, `"correlation_id":"req-42"`, `"sensor_registered":true`}})
		// Same key: the first response again, byte for byte, and no second write.
		resp, again := api.do(t, "POST", "/api/v1/data/ingest", map[string]string{"Idempotency-Key": "k-1"},
			fmt.Sprintf(`{"sensor_id":"line1/motor-2/temp","value":99,"timestamp":%q}`, ts(t0.Add(time.Second))))
		if resp.StatusCode != 200 || string(again) != string(body) || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %q (replayed=%q), want the first body %q", resp.StatusCode, again, resp.Header.Get("Idempotent-Replayed"), body)
		}
		// The same reading without a key is a duplicate, not an error.
		api.run(t, scenario{method: "POST", url: "/api/v1/data/ingest",
			body:   fmt.Sprintf(`{"sensor_id":"line1/motor-2/temp","value":7,"timestamp":%q}`, ts(t0)),
			status: 200, contains: []string{`"status":"duplicate"`}})

		// One batch per format; the CSV repeats a JSON reading (a duplicate).
		var nd strings.Builder
		for i := 1; i <= 120; i++ {
			fmt.Fprintf(&nd, `{"sensor_id":"line1/motor-2/temp","value":%d,"timestamp":%q}`+"\n", 40+i%5, ts(t0.Add(time.Duration(i)*time.Second)))
		}
		api.run(t, scenario{method: "POST", url: "/api/v1/data/batch", headers: map[string]string{"Content-Type": "application/x-ndjson"},
			body: nd.String(), status: 200, contains: []string{`"accepted":120`, `"duplicates":0`, `"rejected_count":0`}})
		api.run(t, scenario{method: "POST", url: "/api/v1/data/batch",
			body:   fmt.Sprintf(`[{"sensor_id":"vib-1","value":0.5,"timestamp":%q},{"sensor_id":"vib-1","value":"bad","timestamp":%q}]`, ts(t0), ts(t0.Add(time.Second))),
			status: 200, contains: []string{`"accepted":1`, `"rejected_count":1`, `"index":1`, `"field":"value"`, `"new_sensors":["vib-1"]`}})
		api.run(t, scenario{method: "POST", url: "/api/v1/data/batch", headers: map[string]string{"Content-Type": "text/csv"},
			body:   fmt.Sprintf("timestamp,vib-1,press-9\n%s,0.5,3.2\n%s,,3.3\n", ts(t0), ts(t0.Add(time.Minute))),
			status: 200, contains: []string{`"accepted":3`, `"duplicates":1`}})

		// Sensors: registered, typed from their IDs, counted from maintained statistics.
		var summaries []struct {
			SensorID     string     `json:"sensor_id"`
			ReadingCount int64      `json:"reading_count"`
			FirstReading *time.Time `json:"first_reading"`
			LastReading  *time.Time `json:"last_reading"`
		}
		api.getJSON(t, "/api/v1/sensors/sensors", &summaries)
		counts := map[string]int64{}
		for _, s := range summaries {
			counts[s.SensorID] = s.ReadingCount
		}
		want := map[string]int64{"line1/motor-2/temp": 121, "vib-1": 1, "press-9": 2}
		for id, n := range want {
			if counts[id] != n {
				t.Errorf("%s: reading_count %d, want %d (all: %v)", id, counts[id], n, counts)
			}
		}
		var sensor smartmaint.Sensor
		api.getJSON(t, "/api/v1/sensors/vib-1", &sensor)
		if sensor.Type != "vibration" || sensor.Status != "active" || sensor.Stats.LastValue == nil || *sensor.Stats.LastValue != 0.5 {
			t.Fatalf("vib-1 = %+v", sensor)
		}
		api.getJSON(t, "/api/v1/sensors/line1%2Fmotor-2%2Ftemp", &sensor)
		if sensor.Unit != "C" || sensor.Type != "temperature" {
			t.Fatalf("a sensor ID with slashes: %+v", sensor)
		}

		// Readings newest first; cursor pages cover everything once.
		var first []struct {
			SensorID  string    `json:"sensor_id"`
			Value     float64   `json:"value"`
			Timestamp time.Time `json:"timestamp"`
			Quality   float64   `json:"quality"`
		}
		api.getJSON(t, "/api/v1/sensors/readings?sensor_id=line1/motor-2/temp&limit=1", &first)
		if len(first) != 1 || !first[0].Timestamp.Equal(t0.Add(120*time.Second)) {
			t.Fatalf("newest reading %+v", first)
		}
		first = nil
		api.getJSON(t, "/api/v1/sensors/readings?sensor_id=line1/motor-2/temp&limit=1&offset=120", &first)
		if len(first) != 1 || !first[0].Timestamp.Equal(t0) || first[0].Value != 41.5 {
			t.Fatalf("oldest reading %+v: the first write must win", first)
		}
		seen := map[time.Time]bool{}
		next := "/api/v1/sensors/readings?sensor_id=line1/motor-2/temp&limit=50"
		for pages := 0; next != ""; pages++ {
			resp, body := api.do(t, "GET", next, nil, "")
			var page []struct{ Timestamp time.Time }
			if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != 200 {
				t.Fatalf("page %d: %d %s", pages, resp.StatusCode, body)
			}
			for _, r := range page {
				if seen[r.Timestamp] {
					t.Fatalf("page %d repeats %s", pages, r.Timestamp)
				}
				seen[r.Timestamp] = true
			}
			next = ""
			if c := resp.Header.Get("X-Next-Cursor"); c != "" {
				next = "/api/v1/sensors/readings?sensor_id=line1/motor-2/temp&limit=50&cursor=" + c
			}
		}
		if len(seen) != 121 {
			t.Fatalf("cursor pages returned %d readings, want 121", len(seen))
		}

		// The series from the minute rollups agrees with the raw readings, once
		// the rollups have caught up (a background job, seconds behind).
		if err := api.store.RefreshRollups(smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)); err != nil {
			t.Fatal(err)
		}
		var series smartmaint.Series
		api.getJSON(t, fmt.Sprintf("/api/v1/sensors/line1%%2Fmotor-2%%2Ftemp/series?from=%s&to=%s&step=1m", ts(t0), ts(t0.Add(3*time.Minute))), &series)
		var total int64
		for _, b := range series.Buckets {
			total += b.Count
		}
		if series.Source != "1m" || total != 121 || series.Buckets[0].First != 41.5 {
			t.Fatalf("series %+v", series)
		}

		// Export, then re-import into a fresh sensor name space: all duplicates.
		resp, csv := api.do(t, "GET", "/api/v1/export/readings?format=csv&sensor_id=press-9", nil, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(string(csv), "sensor_id,timestamp,value,quality\npress-9,") || strings.Count(string(csv), "\n") != 3 {
			t.Fatalf("export: %d %q", resp.StatusCode, csv)
		}
		api.run(t, scenario{method: "POST", url: "/api/v1/data/batch", headers: map[string]string{"Content-Type": "text/csv"},
			body: string(csv), status: 200, contains: []string{`"accepted":2`, `"duplicates":2`}})
		resp, nd2 := api.do(t, "GET", "/api/v1/export/readings?format=ndjson", nil, "")
		if resp.StatusCode != 200 || strings.Count(string(nd2), "\n") != 124 {
			t.Fatalf("ndjson export: %d, %d lines", resp.StatusCode, strings.Count(string(nd2), "\n"))
		}
	})
}

// TestPlantCRUD creates, reads, changes and deletes sites, assets and sensors.
func TestPlantCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		steps := []scenario{
			{name: "create site", method: "POST", url: "/api/v1/sites", body: `{"id":"north","name":"North plant","timezone":"Europe/Lisbon"}`, status: 201, contains: []string{`"id":"north"`}},
			{name: "generated asset id", method: "POST", url: "/api/v1/assets", body: `{"site_id":"north","name":"Compressor"}`, status: 201, contains: []string{`"criticality":3`}},
			{name: "create asset", method: "POST", url: "/api/v1/assets", body: `{"id":"pump-7","site_id":"north","name":"Pump 7","type":"pump","criticality":5}`, status: 201},
			{name: "create sensor", method: "POST", url: "/api/v1/sensors", body: `{"sensor_id":"pump-7-vib","asset_id":"pump-7","sensor_type":"vibration","unit":"mm/s","expected_min":0,"expected_max":50,"alarm_limits":{"high":4.5,"high_high":7.1}}`, status: 201, contains: []string{`"status":"active"`}},
			{name: "list assets of the site", method: "GET", url: "/api/v1/assets?site_id=north", status: 200, contains: []string{`"total":2`, `"pump-7"`}},
			{name: "list sensors of the asset", method: "GET", url: "/api/v1/sensors?asset_id=pump-7", status: 200, contains: []string{`"total":1`, `"pump-7-vib"`}},
			{name: "clear the expected maximum", method: "PATCH", url: "/api/v1/sensors/pump-7-vib", body: `{"expected_max":null,"status":"maintenance"}`, status: 200, contains: []string{`"status":"maintenance"`, `"expected_min":0`}, absent: []string{`"expected_max"`}},
			{name: "rename the site", method: "PATCH", url: "/api/v1/sites/north", body: `{"name":"North"}`, status: 200, contains: []string{`"name":"North"`}},
			{name: "delete the asset", method: "DELETE", url: "/api/v1/assets/pump-7", status: 204},
			{name: "its sensor is detached", method: "GET", url: "/api/v1/sensors/pump-7-vib", status: 200, absent: []string{`"asset_id"`}},
			{name: "the asset is gone", method: "GET", url: "/api/v1/assets/pump-7", status: 404},
			{name: "delete the sensor", method: "DELETE", url: "/api/v1/sensors/pump-7-vib", status: 204},
			{name: "the sensor is gone", method: "GET", url: "/api/v1/sensors/pump-7-vib", status: 404},
		}
		for _, sc := range steps {
			t.Run(sc.name, func(t *testing.T) { api.run(t, sc) })
		}
	})
}

// TestSimulateIngestsThroughTheRealPath checks that simulated readings are
// stored and queryable, and that the original query-string parameters work.
func TestSimulateIngestsThroughTheRealPath(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		api.run(t, scenario{method: "POST", url: "/api/v1/simulate/anomaly-event?sensor_id=demo-sensor-002&num_anomalies=4", status: 200,
			contains: []string{`"events_generated":20`, `"readings_accepted":20`, `"status":"success"`}})
		api.run(t, scenario{method: "POST", url: "/api/v1/simulate/drift", body: `{"sensor_id":"drift-1","num_samples":30}`, status: 200,
			contains: []string{`"readings_accepted":30`}})
		api.run(t, scenario{method: "POST", url: "/api/v1/simulate/failure", body: `{"asset_id":"pump-x","duration_hours":2,"time_to_failure_hours":1,"degradation_hours":1}`, status: 200,
			contains: []string{`"kind":"failure"`}})
		var n []struct{ SensorID string }
		api.getJSON(t, "/api/v1/sensors/readings?sensor_id=demo-sensor-002&limit=1000", &n)
		if len(n) != 20 {
			t.Fatalf("%d anomaly readings stored, want 20", len(n))
		}
		var asset smartmaint.Asset
		api.getJSON(t, "/api/v1/assets/pump-x", &asset)
	})
}

// TestRequestIDs echoes a client's X-Request-ID and generates one otherwise.
func TestRequestIDs(t *testing.T) {
	api := newTestAPI(t, backends()[0].open(t))
	resp, _ := api.do(t, "GET", "/health", map[string]string{"X-Request-ID": "abc-123"}, "")
	if got := resp.Header.Get("X-Request-ID"); got != "abc-123" {
		t.Fatalf("X-Request-ID %q, want it echoed", got)
	}
	resp, _ = api.do(t, "GET", "/health", map[string]string{"X-Request-ID": "bad id with spaces"}, "")
	if got := resp.Header.Get("X-Request-ID"); len(got) != 36 {
		t.Fatalf("X-Request-ID %q, want a generated UUID instead of an unsafe value", got)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("security headers missing: %v", resp.Header)
	}
}

// TestStoreDown: health says 503, and API errors say "unavailable" without
// any driver text.
func TestStoreDown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		api.run(t, scenario{method: "GET", url: "/health", status: 200, contains: []string{`"status":"ok"`}})
		if err := api.store.Close(); err != nil {
			t.Fatal(err)
		}
		api.run(t, scenario{method: "GET", url: "/health", status: 503, contains: []string{`"database":"failed"`}})
		api.run(t, scenario{method: "GET", url: "/health/db", status: 503, contains: []string{`"unreachable"`}})
		resp, body := api.do(t, "GET", "/api/v1/sensors", nil, "")
		code, msg, _ := errorOf(t, body)
		if resp.StatusCode != http.StatusServiceUnavailable || code != "unavailable" {
			t.Fatalf("status %d code %q: %s", resp.StatusCode, code, body)
		}
		for _, leak := range []string{"sql", "pgx", "sqlite", "closed pool", "database is closed", ".go:"} {
			if strings.Contains(strings.ToLower(msg), leak) {
				t.Fatalf("the message leaks %q: %s", leak, msg)
			}
		}
	})
}
