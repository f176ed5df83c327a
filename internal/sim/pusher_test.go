package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smartmaint"
)

// ingestServer is a fake batch endpoint: it decodes NDJSON bodies and answers
// with the status that respond picks for each request (200 when nil).
type ingestServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	lines    []map[string]any
	headers  []http.Header
	respond  func(n int, lines int) (status int, body string)
}

func newIngestServer(t *testing.T, respond func(n, lines int) (int, string)) *ingestServer {
	t.Helper()
	s := &ingestServer{respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/data/batch" {
			http.Error(w, "wrong route", http.StatusNotFound)
			return
		}
		var lines []map[string]any
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("bad NDJSON line %q: %v", sc.Text(), err)
			}
			lines = append(lines, m)
		}
		s.mu.Lock()
		s.requests++
		n := s.requests
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		status, body := http.StatusOK, ""
		if s.respond != nil {
			status, body = s.respond(n, len(lines))
		}
		if status == http.StatusOK {
			s.mu.Lock()
			s.lines = append(s.lines, lines...)
			s.mu.Unlock()
			if body == "" {
				body = fmt.Sprintf(`{"accepted":%d,"duplicates":0,"rejected_count":0,"rejected":[]}`, len(lines))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func testReadings(n int) []smartmaint.Reading {
	out := make([]smartmaint.Reading, n)
	for i := range out {
		out[i] = smartmaint.Reading{SensorID: fmt.Sprintf("pump-01-sensor-%d", i), Time: monday.Add(time.Duration(i) * time.Second),
			Value: float64(i) + 0.25, Quality: 1, SensorType: "temperature", Unit: "°C"}
	}
	return out
}

func TestPushSendsNDJSONInBatches(t *testing.T) {
	srv := newIngestServer(t, nil)
	p := &Pusher{BaseURL: srv.URL + "/", APIKey: "sk-test", BatchSize: 10}
	rs := testReadings(25)
	rs[3].Time = time.Date(2025, 3, 3, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	if err := p.Push(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	if srv.requests != 3 || len(srv.lines) != 25 {
		t.Fatalf("%d requests carrying %d readings, want 3 and 25", srv.requests, len(srv.lines))
	}
	for _, h := range srv.headers {
		if h.Get("Content-Type") != "application/x-ndjson" || h.Get("Authorization") != "Bearer sk-test" {
			t.Fatalf("headers %v", h)
		}
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	for i, m := range srv.lines {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"quality", "sensor_id", "sensor_type", "timestamp", "unit", "value"}) {
			t.Fatalf("line %d has fields %v", i, keys)
		}
		if !stamp.MatchString(m["timestamp"].(string)) || m["value"] != rs[i].Value || m["unit"] != "°C" {
			t.Fatalf("line %d: %v", i, m)
		}
	}
	if got := srv.lines[3]["timestamp"]; got != "2025-03-03T09:00:00.123456Z" {
		t.Errorf("timestamp %v, want UTC with microseconds", got)
	}
	if a, d := p.Accepted(); a != 25 || d != 0 {
		t.Errorf("Accepted() = %d, %d", a, d)
	}
}

func TestPushRetriesTransientFailures(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway} {
		failures := 2
		if status == http.StatusTooManyRequests {
			failures = 1 // answered with Retry-After: 1
		}
		srv := newIngestServer(t, func(n, _ int) (int, string) {
			if n <= failures {
				return status, `{"error":{"code":"unavailable","message":"The store is busy."}}`
			}
			return http.StatusOK, ""
		})
		p := &Pusher{BaseURL: srv.URL, Backoff: time.Millisecond}
		start := time.Now()
		if err := p.Push(context.Background(), testReadings(5)); err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		if srv.requests != failures+1 || len(srv.lines) != 5 {
			t.Errorf("%d: %d requests, %d readings stored", status, srv.requests, len(srv.lines))
		}
		if status == http.StatusTooManyRequests && time.Since(start) < time.Second {
			t.Errorf("%d: retried without honouring Retry-After: 1", status)
		}
	}
}

func TestPushGivesUpAfterMaxAttempts(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // connection refused from now on
	p := &Pusher{BaseURL: url, MaxAttempts: 3, Backoff: time.Millisecond}
	err := p.Push(context.Background(), testReadings(1))
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 tries") {
		t.Fatalf("got %v", err)
	}
}

func TestPushReportsClientErrors(t *testing.T) {
	srv := newIngestServer(t, func(int, int) (int, string) {
		return http.StatusBadRequest, `{"error":{"code":"invalid","message":"line 1: timestamp: is required","details":[{"line":1,"field":"timestamp","reason":"is required"}]}}`
	})
	err := (&Pusher{BaseURL: srv.URL, Backoff: time.Millisecond}).Push(context.Background(), testReadings(3))
	if smartmaint.ErrorCode(err) != smartmaint.EINVALID || smartmaint.ErrorMessage(err) != "line 1: timestamp: is required" {
		t.Fatalf("got %v", err)
	}
	if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != "timestamp" {
		t.Errorf("details %+v", d)
	}
	if srv.requests != 1 {
		t.Errorf("a 400 was sent %d times", srv.requests)
	}
	plain := newIngestServer(t, func(int, int) (int, string) { return http.StatusUnauthorized, "no key\n" })
	err = (&Pusher{BaseURL: plain.URL}).Push(context.Background(), testReadings(1))
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "no key") {
		t.Errorf("got %v", err)
	}
}

func TestPushSplitsTooLargeRequests(t *testing.T) {
	srv := newIngestServer(t, func(_, lines int) (int, string) {
		if lines > 4 {
			return http.StatusRequestEntityTooLarge, `{"error":{"code":"too_large","message":"too many readings"}}`
		}
		return http.StatusOK, ""
	})
	if err := (&Pusher{BaseURL: srv.URL}).Push(context.Background(), testReadings(10)); err != nil {
		t.Fatal(err)
	}
	if len(srv.lines) != 10 || srv.lines[9]["sensor_id"] != "pump-01-sensor-9" {
		t.Fatalf("stored %d readings", len(srv.lines))
	}
}

func TestPushRejectsABadBaseURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://host", "http://"} {
		err := (&Pusher{BaseURL: u}).Push(context.Background(), testReadings(1))
		assertField(t, err, "base_url")
	}
}

func TestPushReportsRejectedReadings(t *testing.T) {
	srv := newIngestServer(t, func(int, int) (int, string) {
		return http.StatusOK, `{"accepted":1,"duplicates":0,"rejected_count":1,"rejected":[{"index":1,"field":"value","reason":"must be a finite number"}]}`
	})
	err := (&Pusher{BaseURL: srv.URL}).Push(context.Background(), testReadings(2))
	if smartmaint.ErrorCode(err) != smartmaint.EINVALID || !strings.Contains(err.Error(), "rejected 1 of 2") {
		t.Fatalf("got %v", err)
	}
}

func TestPushHonoursContext(t *testing.T) {
	var calls atomic.Int32
	srv := newIngestServer(t, func(int, int) (int, string) {
		calls.Add(1)
		return http.StatusServiceUnavailable, `{"error":{"code":"unavailable","message":"down"}}`
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := (&Pusher{BaseURL: srv.URL, Backoff: time.Hour}).Push(ctx, testReadings(1))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %s", err, time.Since(start))
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls", calls.Load())
	}
}

func TestAppendNDJSONEscapesAndRoundTrips(t *testing.T) {
	in := []smartmaint.Reading{
		{SensorID: `odd"id\with` + "\x01ctl", Time: monday, Value: -1.5e-9, Quality: 0.7, Unit: "°C",
			Metadata: json.RawMessage(`{"a":1}`)},
		{SensorID: "big", Time: monday, Value: 3e22, Quality: 1},
		{SensorID: "bad-utf8\xff", Time: monday, Value: 0, Quality: 1},
	}
	out := AppendNDJSON(nil, in)
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for i := range in {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %d of %q: %v", i, out, err)
		}
		if i < 2 && (m["sensor_id"] != in[i].SensorID || m["value"] != in[i].Value) {
			t.Errorf("line %d decodes to %v", i, m)
		}
		if i == 2 && m["sensor_id"] != "bad-utf8\ufffd" {
			t.Errorf("invalid UTF-8 became %q", m["sensor_id"])
		}
	}
	if !strings.Contains(string(out), `"metadata":{"a":1}`) {
		t.Errorf("metadata missing from %s", out)
	}
}
