package sim

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkGenerateDay generates one day of the whole demo plant (25 sensors,
// 159,840 readings) from the origin.
func BenchmarkGenerateDay(b *testing.B) {
	s := newDemo(b, 1, DemoScenarios(monday, monday.Add(12*time.Hour))...)
	n := 0
	for b.Loop() {
		n = len(s.Generate(monday, monday.Add(24*time.Hour)))
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkReadingsWeek iterates over a week of the demo plant without
// holding it in memory.
func BenchmarkReadingsWeek(b *testing.B) {
	s := newDemo(b, 1)
	n := 0
	for b.Loop() {
		n = 0
		for range s.Readings(monday, monday.Add(7*24*time.Hour)) {
			n++
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkCursorLate starts a cursor 30 days after the origin: the cost of
// stepping the state there before the first reading.
func BenchmarkCursorLate(b *testing.B) {
	s := newDemo(b, 1)
	from := monday.Add(30 * 24 * time.Hour)
	for b.Loop() {
		c, _ := s.Cursor(from)
		if len(c.Next(from.Add(time.Minute), 0)) == 0 {
			b.Fatal("no readings")
		}
	}
}

// BenchmarkAppendNDJSON encodes 10,000 readings.
func BenchmarkAppendNDJSON(b *testing.B) {
	rs := newDemo(b, 1).Generate(monday, monday.Add(2*time.Hour))[:10000]
	var buf []byte
	for b.Loop() {
		buf = AppendNDJSON(buf[:0], rs)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(len(rs))*float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkPushLocal pushes 10,000 readings per request to a local server
// that reads and discards the body: the client side of the ingest path.
func BenchmarkPushLocal(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"accepted":10000,"duplicates":0,"rejected_count":0,"rejected":[]}`)
	}))
	defer srv.Close()
	rs := newDemo(b, 1).Generate(monday, monday.Add(2*time.Hour))[:10000]
	p := &Pusher{BaseURL: srv.URL, Client: srv.Client()}
	for b.Loop() {
		if err := p.Push(context.Background(), rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rs))*float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}
