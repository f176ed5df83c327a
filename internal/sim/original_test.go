package sim

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var now = time.Date(2025, 6, 2, 14, 30, 0, 0, time.UTC)

func TestDriftScenarioFormula(t *testing.T) {
	req := DefaultDriftRequest()
	req.NoiseLevel = 0
	res, err := req.Generate(now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Readings) != 50 {
		t.Fatalf("%d readings", len(res.Readings))
	}
	for i, r := range res.Readings {
		want := 25 + float64(i)/50*2
		if math.Abs(r.Value-want) > 1e-12 || !r.Time.Equal(now.Add(-time.Duration(50-i)*time.Minute)) {
			t.Fatalf("reading %d: %v at %s, want %v at now-%d min", i, r.Value, r.Time, want, 50-i)
		}
		if r.SensorID != "demo-sensor-001" || r.SensorType != "temperature" || r.Unit != "celsius" || r.Quality != 1 {
			t.Fatalf("reading %d: %+v", i, r)
		}
	}
	var meta map[string]any
	if err := json.Unmarshal(res.Readings[7].Metadata, &meta); err != nil || meta["drift_simulation"] != true ||
		meta["drift_magnitude"] != 2.0 || meta["sample_index"] != 7.0 || meta["simulation"] != true {
		t.Errorf("metadata %s", res.Readings[7].Metadata)
	}
	if len(res.Truth) != 1 || res.Truth[0].Kind != "drift" || !res.Truth[0].Start.Equal(res.Readings[0].Time) {
		t.Errorf("truth %+v", res.Truth)
	}
	// Clipping at 100.
	req = DriftRequest{SensorID: "s", DriftMagnitude: 10, NumSamples: 20, BaseValue: 100, NoiseLevel: 5, Seed: 1}
	res, _ = req.Generate(now)
	for _, r := range res.Readings {
		if r.Value > 100 || r.Value < 0 {
			t.Fatalf("value %v outside [0, 100]", r.Value)
		}
	}
}

func TestDriftScenarioStatistics(t *testing.T) {
	// Last 10 minus first 10 of 50: (44.5 − 4.5)/50 · magnitude = 0.8 · 2.0.
	sum := 0.0
	for seed := range uint64(40) {
		req := DefaultDriftRequest()
		req.Seed = seed
		res, _ := req.Generate(now)
		v := values(res.Readings)
		sum += mean(v[40:]) - mean(v[:10])
	}
	if d := sum / 40; math.Abs(d-1.6) > 0.3 {
		t.Fatalf("last 10 exceed the first 10 by %.2f on average, want 1.6", d)
	}
}

func values(rs []smartmaint.Reading) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.Value
	}
	return out
}

func TestAnomalyScenario(t *testing.T) {
	for _, req := range []AnomalyRequest{DefaultAnomalyRequest(), {SensorID: "x", AnomalyMagnitude: 20, NumAnomalies: 200, Seed: 9}} {
		res, err := req.Generate(now)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Readings) != 5*req.NumAnomalies || len(res.Truth) != req.NumAnomalies {
			t.Fatalf("%d readings, %d anomalies; want %d and %d", len(res.Readings), len(res.Truth), 5*req.NumAnomalies, req.NumAnomalies)
		}
		var normal []float64
		anomalies := 0
		for i, r := range res.Readings {
			if !r.Time.Equal(now.Add(-time.Duration(len(res.Readings)-i) * time.Minute)) {
				t.Fatalf("reading %d at %s", i, r.Time)
			}
			if !res.Truth.Anomalous(req.SensorID, r.Time) {
				normal = append(normal, r.Value)
				continue
			}
			anomalies++
			m := req.AnomalyMagnitude
			high := r.Value >= math.Min(60, 25+3*m) && r.Value <= math.Min(60, 25+5*m)
			low := r.Value <= math.Max(-10, 25-2*m) && r.Value >= math.Max(-10, 25-3*m)
			if !high && !low || r.Quality < 0.6 || r.Quality >= 0.85 {
				t.Fatalf("anomaly %v (quality %v) is neither 25+%g·U(3,5) nor 25−%g·U(2,3)", r.Value, r.Quality, m, m)
			}
		}
		if anomalies != req.NumAnomalies {
			t.Fatalf("%d readings in anomaly windows, want %d", anomalies, req.NumAnomalies)
		}
		if len(normal) >= 100 && (math.Abs(mean(normal)-25) > 0.3 || math.Abs(stddev(normal)-1) > 0.2) {
			t.Errorf("normal readings: mean %.2f sd %.2f, want N(25, 1)", mean(normal), stddev(normal))
		}
	}
}

func TestNormalScenario(t *testing.T) {
	req := NormalRequest{SensorID: "n", NumSamples: 1000, DurationMinutes: 1440, Seed: 456}
	res, err := req.Generate(now)
	if err != nil {
		t.Fatal(err)
	}
	rs := res.Readings
	if len(rs) != 1000 || !rs[0].Time.Equal(now.Add(-24*time.Hour)) || !rs[999].Time.Equal(now) {
		t.Fatalf("%d readings from %s to %s", len(rs), rs[0].Time, rs[len(rs)-1].Time)
	}
	var resid []float64
	for _, r := range rs {
		h := float64(r.Time.Hour()) + float64(r.Time.Minute())/60 + float64(r.Time.Second())/3600
		resid = append(resid, r.Value-(23+3*math.Sin(2*math.Pi*h/24)))
		if r.Value < 15 || r.Value > 35 {
			t.Fatalf("value %v outside [15, 35]", r.Value)
		}
	}
	if math.Abs(mean(resid)) > 0.06 || math.Abs(stddev(resid)-0.5) > 0.05 {
		t.Fatalf("residuals: mean %.3f sd %.3f, want N(0, 0.5)", mean(resid), stddev(resid))
	}
	if len(res.Truth) != 0 {
		t.Errorf("normal data has truth %+v", res.Truth)
	}
}

// TestOriginalScenariosGolden pins the default outputs, so a change of the
// random streams or the formulas shows up in review (go test -update).
func TestOriginalScenariosGolden(t *testing.T) {
	var buf bytes.Buffer
	for _, gen := range []func(time.Time) (*Result, error){
		DefaultDriftRequest().Generate, DefaultAnomalyRequest().Generate, DefaultNormalRequest().Generate,
	} {
		res, err := gen(now)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(AppendNDJSON(nil, res.Readings))
	}
	checkGolden(t, "original.golden.ndjson", buf.Bytes())
}

// TestDemoPlantGolden pins two minutes of the demo plant during the morning
// shift, a day into the demo story.
func TestDemoPlantGolden(t *testing.T) {
	start := monday.Add(32 * time.Hour)
	s := newDemo(t, 1, DemoScenarios(monday, monday.Add(24*time.Hour))...)
	checkGolden(t, "demo.golden.ndjson", AppendNDJSON(nil, s.Generate(start, start.Add(2*time.Minute))))
}

// checkGolden compares NDJSON output with testdata/name, which -update
// rewrites.
func checkGolden(t *testing.T, name string, out []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	got, exp := strings.Split(string(out), "\n"), strings.Split(string(want), "\n")
	if len(got) != len(exp) {
		t.Fatalf("%s: %d lines, golden has %d (go test -update rewrites it if the change is intended)", name, len(got), len(exp))
	}
	for i := range got {
		if !sameLine(got[i], exp[i]) {
			t.Fatalf("%s line %d changed:\n got %s\nwant %s\n(go test -update rewrites the golden file if intended)", name, i+1, got[i], exp[i])
		}
	}
}

// sameLine compares two NDJSON lines, allowing values to differ in the last
// bits: architectures that fuse multiply-adds (arm64) round differently.
func sameLine(a, b string) bool {
	var x, y map[string]any
	if a == "" || b == "" {
		return a == b
	}
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	for _, k := range []string{"value", "quality"} {
		u, v := x[k].(float64), y[k].(float64)
		if math.Abs(u-v) > 1e-12*math.Max(1, math.Abs(v)) {
			return false
		}
		delete(x, k)
		delete(y, k)
	}
	return reflect.DeepEqual(x, y)
}

func TestRequestValidation(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		fields []string
	}{
		{"drift magnitude", DriftRequest{SensorID: "s", DriftMagnitude: 0, NumSamples: 50, BaseValue: 25, NoiseLevel: 1}.Validate(), []string{"drift_magnitude"}},
		{"drift many", DriftRequest{SensorID: "", DriftMagnitude: 11, NumSamples: 501, BaseValue: -1, NoiseLevel: 10.5}.Validate(),
			[]string{"sensor_id", "drift_magnitude", "num_samples", "base_value", "noise_level"}},
		{"anomaly", AnomalyRequest{SensorID: "a b", AnomalyMagnitude: 0.4, NumAnomalies: 201}.Validate(),
			[]string{"sensor_id", "anomaly_magnitude", "num_anomalies"}},
		{"normal", NormalRequest{SensorID: "s", NumSamples: 9, DurationMinutes: 1441}.Validate(), []string{"num_samples", "duration_minutes"}},
		{"failure kind", FailureRequest{AssetType: "turbine", DurationHours: 72, TimeToFailureHours: 60, IntervalSeconds: 60, Severity: 1}.Validate(), []string{"asset_type"}},
		{"failure interval", FailureRequest{AssetType: "pump", DurationHours: 72, TimeToFailureHours: 60, IntervalSeconds: 7, Severity: 1}.Validate(), []string{"interval_seconds"}},
		{"failure size", FailureRequest{AssetType: "pump", DurationHours: 720, TimeToFailureHours: 60, IntervalSeconds: 5, Severity: 1}.Validate(), []string{"interval_seconds"}},
		{"failure wear", FailureRequest{AssetType: "pump", DurationHours: 72, TimeToFailureHours: 10, DegradationHours: 20, IntervalSeconds: 60, Severity: 1}.Validate(), []string{"degradation_hours"}},
		{"failure ranges", FailureRequest{AssetID: "x y", AssetType: "fan", DurationHours: 0, TimeToFailureHours: 0, IntervalSeconds: 60, Severity: 9}.Validate(),
			[]string{"asset_id", "duration_hours", "time_to_failure_hours", "severity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range tt.fields {
				assertField(t, tt.err, f)
			}
			if got := len(smartmaint.ErrorDetails(tt.err)); got != len(tt.fields) {
				t.Errorf("%d problems reported, want %d: %v", got, len(tt.fields), tt.err)
			}
		})
	}
	for _, err := range []error{DefaultDriftRequest().Validate(), DefaultAnomalyRequest().Validate(),
		DefaultNormalRequest().Validate(), DefaultFailureRequest().Validate()} {
		if err != nil {
			t.Errorf("defaults rejected: %v", err)
		}
	}
	if _, err := (AnomalyRequest{}).Generate(now); smartmaint.ErrorCode(err) != smartmaint.EINVALID {
		t.Errorf("Generate of an invalid request: %v", err)
	}
}

func TestApplyQuery(t *testing.T) {
	req := DefaultAnomalyRequest()
	q, _ := url.ParseQuery("sensor_id=demo-x&anomaly_magnitude=7.5&num_anomalies=20&seed=5")
	if err := req.ApplyQuery(q); err != nil {
		t.Fatal(err)
	}
	if req != (AnomalyRequest{SensorID: "demo-x", AnomalyMagnitude: 7.5, NumAnomalies: 20, Seed: 5}) {
		t.Fatalf("got %+v", req)
	}
	q, _ = url.ParseQuery("num_samples=ten&duration_minutes=1e3&colour=red&seed=-1")
	nreq := DefaultNormalRequest()
	err := nreq.ApplyQuery(q)
	for _, f := range []string{"num_samples", "duration_minutes", "colour", "seed"} {
		assertField(t, err, f)
	}
	if !strings.Contains(smartmaint.ErrorMessage(err), "unknown query parameter") {
		t.Errorf("message %q", smartmaint.ErrorMessage(err))
	}
	f := DefaultFailureRequest()
	q, _ = url.ParseQuery("asset_type=motor&time_to_failure_hours=30.5")
	if err := f.ApplyQuery(q); err != nil || f.AssetType != "motor" || f.TimeToFailureHours != 30.5 {
		t.Fatalf("%v %+v", err, f)
	}
	d := DefaultDriftRequest()
	if err := d.ApplyQuery(url.Values{"noise_level": {"NaN"}}); err == nil {
		t.Error("NaN accepted")
	}
}
