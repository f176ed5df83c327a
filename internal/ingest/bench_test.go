package ingest_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/ingest"
)

// benchNow is the server clock of the benchmarks.
var benchNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// benchBody returns a body of n readings from 100 sensors, one second apart
// per round, ending shortly before benchNow.
func benchBody(f ingest.Format, n int) string {
	const sensors = 100
	var b strings.Builder
	start := benchNow.Add(-time.Duration(n/sensors+1) * time.Second)
	switch f {
	case ingest.FormatCSV:
		b.WriteString("sensor_id,timestamp,value,quality\n")
	case ingest.FormatJSON:
		b.WriteString("[")
	}
	for i := range n {
		id := fmt.Sprintf("plant-1/pump-%02d-bearing-temp", i%sensors)
		ts := start.Add(time.Duration(i/sensors)*time.Second + time.Duration(i%sensors)*1234*time.Microsecond).Format(time.RFC3339Nano)
		v := 20 + float64(i%997)*0.0137
		switch f {
		case ingest.FormatCSV:
			fmt.Fprintf(&b, "%s,%s,%.4f,0.98\n", id, ts, v)
		case ingest.FormatNDJSON:
			fmt.Fprintf(&b, `{"sensor_id":%q,"timestamp":%q,"value":%.4f,"quality":0.98}`+"\n", id, ts, v)
		case ingest.FormatJSON:
			if i > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, `{"sensor_id":%q,"timestamp":%q,"value":%.4f,"quality":0.98}`, id, ts, v)
		}
	}
	if f == ingest.FormatJSON {
		b.WriteString("]\n")
	}
	return b.String()
}

// benchWideBody returns a wide CSV body of n readings: 100 sensor columns.
func benchWideBody(n int) string {
	const sensors = 100
	var b strings.Builder
	b.WriteString("timestamp")
	for s := range sensors {
		fmt.Fprintf(&b, ",plant-1/pump-%02d-bearing-temp", s)
	}
	b.WriteString("\n")
	rows := n / sensors
	start := benchNow.Add(-time.Duration(rows+1) * time.Second)
	for r := range rows {
		b.WriteString(start.Add(time.Duration(r) * time.Second).Format(time.RFC3339Nano))
		for s := range sensors {
			fmt.Fprintf(&b, ",%.4f", 20+float64((r*sensors+s)%997)*0.0137)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// BenchmarkDecodeValidate measures decoding plus smartmaint.ValidateReading
// of 10,000-reading bodies from 100 sensors, per format.
func BenchmarkDecodeValidate(b *testing.B) {
	cases := []struct {
		name string
		f    ingest.Format
		body string
	}{
		{"ndjson", ingest.FormatNDJSON, benchBody(ingest.FormatNDJSON, 10_000)},
		{"csv-long", ingest.FormatCSV, benchBody(ingest.FormatCSV, 10_000)},
		{"csv-wide", ingest.FormatCSV, benchWideBody(10_000)},
		{"json-array", ingest.FormatJSON, benchBody(ingest.FormatJSON, 10_000)},
	}
	lim := smartmaint.DefaultReadingLimits()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			n := 0
			cpu := processCPUTime()
			for b.Loop() {
				dec := ingest.NewDecoder(strings.NewReader(c.body), c.f, ingest.Limits{})
				n = 0
				var it ingest.Item
				for {
					err := dec.Next(&it)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := smartmaint.ValidateReading(&it.Reading, benchNow, lim); err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			if n != 10_000 {
				b.Fatalf("decoded %d readings", n)
			}
			reportThroughput(b, n, processCPUTime()-cpu)
		})
	}
}

// reportThroughput reports readings per second of wall time and per second
// of process CPU time, and allocations per reading.
func reportThroughput(b *testing.B, perOp int, cpu time.Duration) {
	readings := float64(perOp) * float64(b.N)
	b.ReportMetric(readings/b.Elapsed().Seconds(), "readings/s")
	if cpu > 0 {
		b.ReportMetric(readings/cpu.Seconds(), "readings/cpu-s")
	}
}

// nopStore accepts every write and knows no sensor.
type nopStore struct{ smartmaint.Store }

func (nopStore) FindTenantByID(ctx context.Context, id string) (*smartmaint.Tenant, error) {
	return &smartmaint.Tenant{ID: id, RawRetentionDays: 180}, nil
}

func (nopStore) FindSensors(ctx context.Context, f smartmaint.SensorFilter) ([]*smartmaint.Sensor, int, error) {
	return nil, 0, nil
}

func (nopStore) WriteReadings(ctx context.Context, rs []smartmaint.Reading, opts smartmaint.WriteOptions) (smartmaint.WriteResult, error) {
	res := smartmaint.WriteResult{Inserted: len(rs)}
	if opts.Response != nil {
		if _, err := opts.Response(res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// BenchmarkIngestBatch measures the whole service path (decode, validate,
// sensor cache, scoring) with a store that does nothing.
func BenchmarkIngestBatch(b *testing.B) {
	svc := ingest.NewService(nopStore{}, ingest.Options{Now: func() time.Time { return benchNow }})
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	for _, c := range []struct {
		name string
		ct   string
		body string
	}{
		{"ndjson", "application/x-ndjson", benchBody(ingest.FormatNDJSON, 10_000)},
		{"csv-long", "text/csv", benchBody(ingest.FormatCSV, 10_000)},
		{"csv-wide", "text/csv", benchWideBody(10_000)},
		{"json-array", "application/json", benchBody(ingest.FormatJSON, 10_000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			cpu := processCPUTime()
			for b.Loop() {
				res, err := svc.IngestBatch(ctx, strings.NewReader(c.body), c.ct, false)
				if err != nil || res.Accepted != 10_000 {
					b.Fatal(res, err)
				}
			}
			reportThroughput(b, 10_000, processCPUTime()-cpu)
		})
	}
}

// BenchmarkIngestOne measures one single-reading request through the service
// with a store that does nothing, with and without an idempotency key.
func BenchmarkIngestOne(b *testing.B) {
	svc := ingest.NewService(nopStore{}, ingest.Options{Now: func() time.Time { return benchNow }})
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	body := `{"sensor_id":"plant-1/pump-07-bearing-temp","value":71.25,"timestamp":"2026-06-01T11:59:59.5Z","quality":0.97,"correlation_id":"c-1"}`
	for _, key := range []string{"", "key"} {
		b.Run("key="+fmt.Sprint(key != ""), func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPUTime()
			for b.Loop() {
				res, err := svc.IngestOne(ctx, strings.NewReader(body), key)
				if err != nil || len(res.Raw) == 0 {
					b.Fatal(err)
				}
			}
			if cpu := processCPUTime() - cpu; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
