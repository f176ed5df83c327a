package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

// singleCallsPerOp is how many one-reading WriteReadings calls make one
// benchmark operation, so that -benchtime 150x runs long enough to measure.
const singleCallsPerOp = 200

// BenchmarkWriteReadingsSingle measures the single-reading ingest path (a
// gateway posting one reading per request): WriteReadings calls of one
// reading each, over 100 known sensors, from one caller or eight callers
// sharing group commits (8, or 32 like the HTTP benchmark's connections).
// One operation is singleCallsPerOp calls.
func BenchmarkWriteReadingsSingle(b *testing.B) {
	for _, callers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("sync=normal/callers=%d", callers), func(b *testing.B) {
			benchWriteSingle(b, callers)
		})
	}
}

func benchWriteSingle(b *testing.B, callers int) {
	db := openBench(b, "normal")
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	// Register the sensors first: the measured calls write to known sensors.
	warm := newBenchBatch()
	benchBatchAt(warm, 0)
	if _, err := db.WriteReadings(ctx, warm[:benchSensors], smartmaint.WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	calls := b.N * singleCallsPerOp
	var next int
	var mu sync.Mutex
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= calls {
			return 0, false
		}
		next++
		return next - 1, true
	}
	cpu0, st0 := cpuTime(), db.Stats()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := []smartmaint.Reading{{Quality: 1}}
			for n, ok := take(); ok; n, ok = take() {
				i := n % benchSensors
				r[0].SensorID = fmt.Sprintf("plant-1/asset-%02d/temp-%d", i/7, i)
				r[0].Time = benchStart.Add(time.Hour + time.Duration(n/benchSensors)*time.Second)
				r[0].Value = float64(n % 97)
				res, err := db.WriteReadings(ctx, r, smartmaint.WriteOptions{})
				if err != nil || res.Inserted != 1 || len(res.NewSensors) != 0 {
					b.Errorf("WriteReadings: %+v, %v", res, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(calls)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(calls)/(cpuTime()-cpu0).Seconds(), "calls/cpu-s")
	st := db.Stats()
	b.ReportMetric(float64(calls)/(st.WriterBusy-st0.WriterBusy).Seconds(), "calls/writer-cpu-s")
	b.ReportMetric(float64(st.Jobs-st0.Jobs)/float64(st.Commits-st0.Commits), "jobs/commit")
}

// BenchmarkSensorRegistration measures writes that register every sensor
// they name: one operation is one WriteReadings call of one reading for
// each of 100 sensors never seen before (each registration is also a
// sensor.register audit entry).
func BenchmarkSensorRegistration(b *testing.B) {
	db := openBench(b, "normal")
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
	rs := make([]smartmaint.Reading, benchSensors)
	st0 := db.Stats()
	n := 0
	for b.Loop() {
		for i := range rs {
			rs[i] = smartmaint.Reading{SensorID: fmt.Sprintf("line-%d/sensor-%d", n, i), Time: benchStart, Value: 1, Quality: 1,
				SensorType: "temperature", Unit: "°C"}
		}
		res, err := db.WriteReadings(ctx, rs, smartmaint.WriteOptions{})
		if err != nil || len(res.NewSensors) != benchSensors {
			b.Fatalf("WriteReadings: %+v, %v", res, err)
		}
		n++
	}
	st := db.Stats()
	b.ReportMetric(float64(n*benchSensors)/(st.WriterBusy-st0.WriterBusy).Seconds(), "sensors/writer-cpu-s")
}
