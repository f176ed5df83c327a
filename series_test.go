package smartmaint_test

import (
	"math"
	"testing"
	"time"

	"smartmaint"
)

func TestPlanSeries(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		q          smartmaint.SeriesQuery
		wantStep   time.Duration
		wantSource string
		wantErr    string
	}{
		{"30 days auto 1000 points uses hours", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(30 * 24 * time.Hour)}, time.Hour, "1h", ""},
		{"one hour auto uses 5s raw", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(time.Hour)}, 5 * time.Second, "raw", ""},
		{"one day auto uses 2m", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(24 * time.Hour)}, 2 * time.Minute, "1m", ""},
		{"explicit 90s is raw", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(time.Hour), Step: 90 * time.Second}, 90 * time.Second, "raw", ""},
		{"explicit 2h is hourly", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(48 * time.Hour), Step: 2 * time.Hour}, 2 * time.Hour, "1h", ""},
		{"to before from", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0}, 0, "", "to"},
		{"too many buckets", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(24 * time.Hour), Step: time.Second}, 0, "", "step"},
		{"sub-second step", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(time.Minute), Step: time.Millisecond}, 0, "", "step"},
		{"max points out of range", smartmaint.SeriesQuery{SensorID: "s", From: t0, To: t0.Add(time.Minute), MaxPoints: 100001}, 0, "", "max_points"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := smartmaint.PlanSeries(tt.q)
			if tt.wantErr != "" {
				d := smartmaint.ErrorDetails(err)
				if len(d) != 1 || d[0].Field != tt.wantErr {
					t.Fatalf("err = %v (details %+v), want a problem with field %q", err, d, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Step != tt.wantStep || p.Source != tt.wantSource {
				t.Fatalf("plan = %s from %s, want %s from %s", p.Step, p.Source, tt.wantStep, tt.wantSource)
			}
			if n := p.To.Sub(p.From) / p.Step; n > smartmaint.DefaultMaxPoints {
				t.Fatalf("%d buckets, more than the default maximum", n)
			}
		})
	}
}

func TestRollupMergeMatchesDirect(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	values := []float64{1e6 + 1, 1e6 + 3, 1e6 - 2, 1e6 + 10, 1e6, 1e6 + 7, 1e6 - 5}
	var all, a, b smartmaint.Rollup
	for i, v := range values {
		ts := t0.Add(time.Duration(i) * time.Second)
		all.Add(ts, v)
		if i%2 == 0 {
			a.Add(ts, v)
		} else {
			b.Add(ts, v)
		}
	}
	a.Merge(b)
	want, got := all.Bucket(t0), a.Bucket(t0)
	if got.Count != 7 || got.Min != 1e6-5 || got.Max != 1e6+10 || got.First != values[0] || got.Last != values[6] {
		t.Fatalf("merged bucket %+v", got)
	}
	if math.Abs(got.Mean-want.Mean) > 1e-9 || math.Abs(got.Stddev-want.Stddev) > 1e-9 {
		t.Fatalf("merged mean/stddev %v/%v, direct %v/%v", got.Mean, got.Stddev, want.Mean, want.Stddev)
	}
	// Population standard deviation of the deviations {1,3,-2,10,0,7,-5}.
	if math.Abs(got.Stddev-4.780914) > 1e-6 {
		t.Fatalf("stddev %v, want 4.780914 (sqrt(160/7))", got.Stddev)
	}
}
