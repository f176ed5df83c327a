package sim

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"time"

	"smartmaint"
)

// The original system's three demo scenarios (POST /api/v1/simulate/...),
// with its parameters, defaults, seeds and formulas. The original drew from
// NumPy's global Mersenne Twister; Go cannot reproduce those streams, so the
// same seed gives different numbers here, with the same distributions.
// Readings are those of one sensor, typed temperature in celsius as the
// original's drift scenario was (the original did not type the other two).

// Result is what a simulate request generates: the readings to ingest and
// the ground truth of what was injected.
type Result struct {
	Scenario string               `json:"scenario"`
	Readings []smartmaint.Reading `json:"-"`
	Truth    Truth                `json:"ground_truth"`
	// Plant holds the simulated asset and its sensors (failure only), ready
	// to be created through the store before the readings are ingested.
	Plant *Plant `json:"-"`
}

// DriftRequest is the original drift scenario: value_i = base + (i/n)·magnitude
// + N(0, noise), clipped to [0, 100], at now − (n−i) minutes for i = 0…n−1.
type DriftRequest struct {
	SensorID       string  `json:"sensor_id"`
	DriftMagnitude float64 `json:"drift_magnitude"`
	NumSamples     int     `json:"num_samples"`
	BaseValue      float64 `json:"base_value"`
	NoiseLevel     float64 `json:"noise_level"`
	Seed           uint64  `json:"seed"`
}

// DefaultDriftRequest returns the original's defaults.
func DefaultDriftRequest() DriftRequest {
	return DriftRequest{SensorID: "demo-sensor-001", DriftMagnitude: 2.0, NumSamples: 50, BaseValue: 25.0, NoiseLevel: 1.0, Seed: 42}
}

// Validate names every field out of its range (those of the original UI).
func (r DriftRequest) Validate() error {
	return collect(
		smartmaint.ValidateID("sensor_id", r.SensorID),
		inRange("drift_magnitude", r.DriftMagnitude, 0.1, 10),
		intRange("num_samples", r.NumSamples, 10, 500),
		inRange("base_value", r.BaseValue, 0, 100),
		inRange("noise_level", r.NoiseLevel, 0, 10),
	)
}

// Generate returns the drift readings ending one minute before now.
func (r DriftRequest) Generate(now time.Time) (*Result, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(r.Seed, 0))
	now = now.UTC().Truncate(smartmaint.TimePrecision)
	n := r.NumSamples
	res := &Result{Scenario: ScenarioDrift, Readings: make([]smartmaint.Reading, n)}
	for i := range n {
		v := r.BaseValue + float64(i)/float64(n)*r.DriftMagnitude + r.NoiseLevel*rng.NormFloat64()
		res.Readings[i] = originalReading(r.SensorID, now.Add(-time.Duration(n-i)*time.Minute), clamp(v, 0, 100), 1,
			map[string]any{"simulation": true, "drift_simulation": true, "drift_magnitude": r.DriftMagnitude, "sample_index": i})
	}
	res.Truth = Truth{{Kind: "drift", Scenario: ScenarioDrift, SensorID: r.SensorID,
		Start: res.Readings[0].Time, End: res.Readings[n-1].Time, Magnitude: r.DriftMagnitude}}
	return res, nil
}

// AnomalyRequest is the original anomaly scenario: 5·num_anomalies readings
// at one-minute spacing ending one minute before now; num_anomalies of them,
// chosen without replacement, are anomalies, 25 + magnitude·U(3, 5) or
// 25 − magnitude·U(2, 3) with even odds; the others are N(25, 1); all are
// clipped to [−10, 60]. Anomalies are reported with quality U(0.6, 0.85).
type AnomalyRequest struct {
	SensorID         string  `json:"sensor_id"`
	AnomalyMagnitude float64 `json:"anomaly_magnitude"`
	NumAnomalies     int     `json:"num_anomalies"`
	Seed             uint64  `json:"seed"`
}

// DefaultAnomalyRequest returns the original's defaults.
func DefaultAnomalyRequest() AnomalyRequest {
	return AnomalyRequest{SensorID: "demo-sensor-002", AnomalyMagnitude: 5.0, NumAnomalies: 10, Seed: 123}
}

// Validate names every field out of its range (those of the original UI).
func (r AnomalyRequest) Validate() error {
	return collect(
		smartmaint.ValidateID("sensor_id", r.SensorID),
		inRange("anomaly_magnitude", r.AnomalyMagnitude, 0.5, 20),
		intRange("num_anomalies", r.NumAnomalies, 1, 200),
	)
}

// Generate returns the anomaly readings; the truth lists each anomaly as a
// one-minute "spike" or "dip" window.
func (r AnomalyRequest) Generate(now time.Time) (*Result, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(r.Seed, 0))
	now = now.UTC().Truncate(smartmaint.TimePrecision)
	total := 5 * r.NumAnomalies
	anomalous := make([]bool, total)
	for _, i := range rng.Perm(total)[:r.NumAnomalies] {
		anomalous[i] = true
	}
	res := &Result{Scenario: ScenarioAnomaly, Readings: make([]smartmaint.Reading, total)}
	for i := range total {
		at := now.Add(-time.Duration(total-i) * time.Minute)
		v, q := 25+rng.NormFloat64(), 1.0
		if anomalous[i] {
			kind := AnomalySpike
			if rng.Float64() < 0.5 {
				v = 25 + r.AnomalyMagnitude*uniform(rng, 3, 5)
			} else {
				v, kind = 25-r.AnomalyMagnitude*uniform(rng, 2, 3), AnomalyDip
			}
			q = uniform(rng, anomalyQualityLow, anomalyQualityHigh)
			v = clamp(v, -10, 60)
			res.Truth = append(res.Truth, TruthEvent{Kind: string(kind), Scenario: ScenarioAnomaly, SensorID: r.SensorID,
				Start: at, End: at.Add(time.Minute), Magnitude: math.Abs(v - 25)})
		}
		res.Readings[i] = originalReading(r.SensorID, at, clamp(v, -10, 60), q,
			map[string]any{"simulation": true, "anomaly_simulation": true, "anomaly_magnitude": r.AnomalyMagnitude, "sample_index": i})
	}
	return res, nil
}

// NormalRequest is the original normal scenario: num_samples readings evenly
// spaced over the last duration_minutes (linspace, both ends included),
// value = 23 + 3·sin(2π·hour/24) + N(0, 0.5) clipped to [15, 35], where hour
// is the fractional UTC hour of the reading.
type NormalRequest struct {
	SensorID        string `json:"sensor_id"`
	NumSamples      int    `json:"num_samples"`
	DurationMinutes int    `json:"duration_minutes"`
	Seed            uint64 `json:"seed"`
}

// DefaultNormalRequest returns the original's defaults.
func DefaultNormalRequest() NormalRequest {
	return NormalRequest{SensorID: "demo-sensor-003", NumSamples: 100, DurationMinutes: 60, Seed: 456}
}

// Validate names every field out of its range (those of the original UI).
func (r NormalRequest) Validate() error {
	return collect(
		smartmaint.ValidateID("sensor_id", r.SensorID),
		intRange("num_samples", r.NumSamples, 10, 1000),
		intRange("duration_minutes", r.DurationMinutes, 10, 1440),
	)
}

// Generate returns the normal readings, the last one at now.
func (r NormalRequest) Generate(now time.Time) (*Result, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(r.Seed, 0))
	now = now.UTC().Truncate(smartmaint.TimePrecision)
	start := now.Add(-time.Duration(r.DurationMinutes) * time.Minute)
	n := r.NumSamples
	span := float64(r.DurationMinutes) * float64(time.Minute)
	res := &Result{Scenario: ScenarioNormal, Readings: make([]smartmaint.Reading, n)}
	for i := range n {
		at := start.Add(time.Duration(span * float64(i) / float64(n-1))).Truncate(smartmaint.TimePrecision)
		h := hourOfDay(at, time.UTC) + float64(at.Nanosecond())/float64(time.Hour)
		v := 23 + 3*math.Sin(2*math.Pi*h/24) + 0.5*rng.NormFloat64()
		res.Readings[i] = originalReading(r.SensorID, at, clamp(v, 15, 35), 1,
			map[string]any{"simulation": true, "normal_simulation": true, "sample_index": i})
	}
	return res, nil
}

func originalReading(sensorID string, at time.Time, v, quality float64, meta map[string]any) smartmaint.Reading {
	raw, _ := json.Marshal(meta) // a map of plain values always marshals
	return smartmaint.Reading{SensorID: sensorID, Time: at, Value: v, Quality: quality,
		SensorType: smartmaint.SensorTypeTemperature, Unit: "celsius", Metadata: raw}
}
