package smartmaint_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

func TestScoreQuality(t *testing.T) {
	tests := []struct {
		name     string
		reported float64
		inRange  bool
		age      time.Duration
		want     float64
	}{
		{"fresh and in range", 1, true, 0, 1},
		{"reported quality counts", 0.5, true, 0, 0.85},
		{"out of range", 1, false, 0, 0.86},
		{"two hours old", 1, true, 2 * time.Hour, 0.93},
		{"a week old is scored, not rejected", 1, true, 7 * 24 * time.Hour, 0.79},
		{"everything wrong", 0, false, 48 * time.Hour, 0.35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Exactly: the score is rounded, so it prints as 0.93, not 0.9299999999999999.
			if got := smartmaint.ScoreQuality(tt.reported, tt.inRange, tt.age); got != tt.want {
				t.Fatalf("ScoreQuality = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateReading(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	lim := smartmaint.DefaultReadingLimits()
	ok := smartmaint.Reading{SensorID: "pump-1-temp", Time: now, Value: 20, Quality: 1}
	tests := []struct {
		name   string
		modify func(r *smartmaint.Reading)
		field  string
		reason string
	}{
		{"valid", func(r *smartmaint.Reading) {}, "", ""},
		{"NaN", func(r *smartmaint.Reading) { r.Value = math.NaN() }, "value", "finite"},
		{"Inf", func(r *smartmaint.Reading) { r.Value = math.Inf(-1) }, "value", "finite"},
		{"quality above 1", func(r *smartmaint.Reading) { r.Quality = 1.5 }, "quality", "between 0 and 1"},
		{"no sensor", func(r *smartmaint.Reading) { r.SensorID = "" }, "sensor_id", "required"},
		{"bad sensor id", func(r *smartmaint.Reading) { r.SensorID = "a b" }, "sensor_id", "allowed"},
		{"no time", func(r *smartmaint.Reading) { r.Time = time.Time{} }, "timestamp", "required"},
		{"far future", func(r *smartmaint.Reading) { r.Time = now.Add(2 * time.Hour) }, "timestamp", "ahead"},
		{"beyond retention", func(r *smartmaint.Reading) { r.Time = now.AddDate(-1, 0, 0) }, "timestamp", "180 days"},
		{"backfill within retention", func(r *smartmaint.Reading) { r.Time = now.AddDate(0, -3, 0) }, "", ""},
		{"custom type", func(r *smartmaint.Reading) { r.SensorType = "oil_particles" }, "", ""},
		{"bad type", func(r *smartmaint.Reading) { r.SensorType = "Oil Particles" }, "sensor_type", "lowercase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.modify(&r)
			err := smartmaint.ValidateReading(&r, now, lim)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			d := smartmaint.ErrorDetails(err)
			if smartmaint.ErrorCode(err) != smartmaint.EINVALID || len(d) != 1 || d[0].Field != tt.field || !strings.Contains(d[0].Reason, tt.reason) {
				t.Fatalf("err = %v, details %+v; want field %q with %q", err, d, tt.field, tt.reason)
			}
		})
	}
}

func TestInferSensorType(t *testing.T) {
	for id, want := range map[string]string{
		"pump-7-bearing":  "bearing",
		"main_pump_flow":  "pump",
		"motor-vib-x":     "vibration",
		"sensor_temp_001": "temperature",
		"PRESS-01":        "pressure",
		"mic-3":           "audio",
		"line1-humidity":  "humidity",
		"sensor-001":      "general",
	} {
		if got := smartmaint.InferSensorType(id); got != want {
			t.Errorf("InferSensorType(%q) = %q, want %q", id, got, want)
		}
	}
}
