package sim

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"smartmaint"
)

// FailureRequest is the failure scenario of POST /api/v1/simulate/failure:
// one asset of AssetType, its sensors named "<asset_id>-<measurement>",
// simulated over the last DurationHours with readings every IntervalSeconds.
// Its wear starts DegradationHours before the failure, which happens
// TimeToFailureHours after the start of the window: inside the window the
// machine then stops; beyond it the readings end while the asset degrades.
type FailureRequest struct {
	AssetID            string  `json:"asset_id"`   // default "demo-<asset_type>-001"
	AssetType          string  `json:"asset_type"` // one of AssetKinds
	DurationHours      float64 `json:"duration_hours"`
	TimeToFailureHours float64 `json:"time_to_failure_hours"`
	DegradationHours   float64 `json:"degradation_hours"` // 0: min(48, 0.8·time_to_failure_hours)
	IntervalSeconds    int     `json:"interval_seconds"`
	Severity           float64 `json:"severity"`
	Seed               uint64  `json:"seed"`
}

// MaxFailureReadings bounds the readings one failure request may generate.
const MaxFailureReadings = 500000

// DefaultFailureRequest returns a pump that fails 60 hours into a 72-hour
// window, after 48 hours of bearing wear, sampled every minute.
func DefaultFailureRequest() FailureRequest {
	return FailureRequest{AssetType: AssetPump, DurationHours: 72, TimeToFailureHours: 60, IntervalSeconds: 60,
		Severity: 1, Seed: 789}
}

func (r FailureRequest) assetID() string {
	if r.AssetID == "" {
		return "demo-" + r.AssetType + "-001"
	}
	return r.AssetID
}

func (r FailureRequest) degradation() float64 {
	if r.DegradationHours == 0 {
		return math.Min(48, 0.8*r.TimeToFailureHours)
	}
	return r.DegradationHours
}

// Validate names every field out of its range.
func (r FailureRequest) Validate() error {
	var idErr, kindErr, intervalErr, sizeErr error
	if r.AssetID != "" {
		idErr = smartmaint.ValidateID("asset_id", r.AssetID)
		if idErr == nil && len(r.AssetID) > 100 {
			idErr = smartmaint.FieldErrorf("asset_id", "is %d bytes long; the maximum is 100 (it prefixes the sensor IDs)", len(r.AssetID))
		}
	}
	if !slices.Contains(AssetKinds, r.AssetType) {
		kindErr = smartmaint.FieldErrorf("asset_type", "must be one of %s, got %q", strings.Join(AssetKinds, ", "), r.AssetType)
	}
	intervalErr = intRange("interval_seconds", r.IntervalSeconds, 5, 3600)
	if intervalErr == nil && r.IntervalSeconds%5 != 0 {
		intervalErr = smartmaint.FieldErrorf("interval_seconds", "must be a multiple of 5, got %d", r.IntervalSeconds)
	}
	if intervalErr == nil && r.DurationHours > 0 {
		if n := r.DurationHours * 3600 / float64(r.IntervalSeconds) * 5; n > MaxFailureReadings {
			sizeErr = smartmaint.FieldErrorf("interval_seconds", "%d s over %g hours gives %.0f readings; the maximum is %d",
				r.IntervalSeconds, r.DurationHours, n, MaxFailureReadings)
		}
	}
	degErr := inRange("degradation_hours", r.DegradationHours, 0, 8760)
	if degErr == nil && r.degradation() > r.TimeToFailureHours {
		degErr = smartmaint.FieldErrorf("degradation_hours", "must not exceed time_to_failure_hours (%g)", r.TimeToFailureHours)
	}
	return collect(idErr, kindErr,
		inRange("duration_hours", r.DurationHours, 1, 720),
		inRange("time_to_failure_hours", r.TimeToFailureHours, 0.5, 8760),
		degErr, intervalErr, sizeErr,
		inRange("severity", r.Severity, 0.2, 5))
}

// Generate simulates the asset over [now − duration, now]; the result holds
// the one-asset plant, the readings and the truth (degradation and failure).
func (r FailureRequest) Generate(now time.Time) (*Result, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	a := NewAsset(r.AssetType, r.assetID(), "")
	for i := range a.Sensors {
		a.Sensors[i].Sensor.SamplingInterval = float64(r.IntervalSeconds)
	}
	plant := &Plant{Assets: []*AssetModel{a}}
	origin := now.Add(-time.Duration(r.DurationHours * float64(time.Hour)))
	failAt := origin.Add(time.Duration(r.TimeToFailureHours * float64(time.Hour))).Truncate(time.Second)
	deg := &Degradation{Asset: a.Asset.ID, FailureAt: failAt, Severity: r.Severity,
		Start: failAt.Add(-time.Duration(r.degradation() * float64(time.Hour)))}
	s, err := New(plant, Config{Seed: r.Seed, Origin: origin, Scenarios: []Scenario{deg}})
	if err != nil {
		return nil, err
	}
	c, _ := s.Cursor(origin)
	c.reserve(plant.Assets, origin, now)
	return &Result{Scenario: ScenarioFailure, Readings: c.Next(now.Add(time.Nanosecond), 0), Truth: s.Truth(), Plant: plant}, nil
}

// collect merges field errors into one EINVALID error listing each, or nil.
func collect(errs ...error) error {
	var out *smartmaint.Error
	for _, err := range errs {
		var e *smartmaint.Error
		if err == nil {
			continue
		} else if !errors.As(err, &e) {
			return err
		}
		if out == nil {
			out = &smartmaint.Error{Code: smartmaint.EINVALID}
		}
		out.Details = append(out.Details, e.Details...)
	}
	if out == nil {
		return nil
	}
	msgs := make([]string, len(out.Details))
	for i, d := range out.Details {
		msgs[i] = d.Field + ": " + d.Reason
	}
	out.Message = strings.Join(msgs, "; ")
	return out
}

func inRange(field string, v, lo, hi float64) error {
	if math.IsNaN(v) || v < lo || v > hi {
		return smartmaint.FieldErrorf(field, "must be between %g and %g, got %g", lo, hi, v)
	}
	return nil
}

func intRange(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return smartmaint.FieldErrorf(field, "must be between %d and %d, got %d", lo, hi, v)
	}
	return nil
}

// ApplyQuery sets the fields named in q (the original passed the anomaly
// and normal parameters in the query string); unknown names are an error.
func (r *DriftRequest) ApplyQuery(q url.Values) error {
	return applyQuery(q, map[string]any{"sensor_id": &r.SensorID, "drift_magnitude": &r.DriftMagnitude,
		"num_samples": &r.NumSamples, "base_value": &r.BaseValue, "noise_level": &r.NoiseLevel, "seed": &r.Seed})
}

// ApplyQuery sets the fields named in q; unknown names are an error.
func (r *AnomalyRequest) ApplyQuery(q url.Values) error {
	return applyQuery(q, map[string]any{"sensor_id": &r.SensorID, "anomaly_magnitude": &r.AnomalyMagnitude,
		"num_anomalies": &r.NumAnomalies, "seed": &r.Seed})
}

// ApplyQuery sets the fields named in q; unknown names are an error.
func (r *NormalRequest) ApplyQuery(q url.Values) error {
	return applyQuery(q, map[string]any{"sensor_id": &r.SensorID, "num_samples": &r.NumSamples,
		"duration_minutes": &r.DurationMinutes, "seed": &r.Seed})
}

// ApplyQuery sets the fields named in q; unknown names are an error.
func (r *FailureRequest) ApplyQuery(q url.Values) error {
	return applyQuery(q, map[string]any{"asset_id": &r.AssetID, "asset_type": &r.AssetType,
		"duration_hours": &r.DurationHours, "time_to_failure_hours": &r.TimeToFailureHours,
		"degradation_hours": &r.DegradationHours, "interval_seconds": &r.IntervalSeconds,
		"severity": &r.Severity, "seed": &r.Seed})
}

func applyQuery(q url.Values, fields map[string]any) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	var errs []error
	for _, name := range names {
		dst, ok := fields[name]
		if !ok {
			errs = append(errs, smartmaint.FieldErrorf(name, "unknown query parameter"))
			continue
		}
		if err := parseInto(dst, q.Get(name)); err != nil {
			errs = append(errs, smartmaint.FieldErrorf(name, "%v", err))
		}
	}
	return collect(errs...)
}

func parseInto(dst any, s string) error {
	switch d := dst.(type) {
	case *string:
		*d = s
	case *float64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("must be a number, got %q", s)
		}
		*d = v
	case *int:
		v, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("must be an integer, got %q", s)
		}
		*d = v
	case *uint64:
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("must be a non-negative integer, got %q", s)
		}
		*d = v
	}
	return nil
}
