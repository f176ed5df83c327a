package smartmaint

import (
	"context"
	"math"
	"time"
)

// Sensor statuses.
const (
	SensorActive         = "active"
	SensorInactive       = "inactive"
	SensorMaintenance    = "maintenance"
	SensorDecommissioned = "decommissioned"
)

// Sensor is one measured quantity on an asset. Its ID is chosen by the plant
// ("pump-7-bearing-temp") and is unique per tenant.
type Sensor struct {
	ID          string `json:"sensor_id"`
	AssetID     string `json:"asset_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Type        string `json:"sensor_type"` // see SensorTypes; custom lowercase names are allowed
	Unit        string `json:"unit,omitempty"`
	Location    string `json:"location,omitempty"`
	Status      string `json:"status"`
	Description string `json:"description,omitempty"`

	// ExpectedMin and ExpectedMax bound the physically plausible range; a
	// reading outside it is stored with a lower quality score.
	ExpectedMin *float64 `json:"expected_min,omitempty"`
	ExpectedMax *float64 `json:"expected_max,omitempty"`

	// SamplingInterval is the nominal period between readings, in seconds.
	SamplingInterval float64 `json:"sampling_interval_seconds,omitempty"`

	Alarms   AlarmLimits    `json:"alarm_limits"`
	Metadata map[string]any `json:"metadata,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Stats is maintained by the store as readings arrive; it is read-only.
	Stats SensorStats `json:"stats"`
}

// AlarmLimits are the four classic process alarm limits; nil means unset.
// When set they must be ordered LowLow ≤ Low < High ≤ HighHigh.
type AlarmLimits struct {
	LowLow   *float64 `json:"low_low,omitempty"`
	Low      *float64 `json:"low,omitempty"`
	High     *float64 `json:"high,omitempty"`
	HighHigh *float64 `json:"high_high,omitempty"`
}

// SensorStats summarises a sensor's stored raw readings.
type SensorStats struct {
	ReadingCount   int64      `json:"reading_count"`
	FirstReadingAt *time.Time `json:"first_reading,omitempty"`
	LastReadingAt  *time.Time `json:"last_reading,omitempty"`
	LastValue      *float64   `json:"last_value,omitempty"`
	LastQuality    *float64   `json:"last_quality,omitempty"`
}

// Validate returns an EINVALID error naming every problem with s.
func (s *Sensor) Validate() error {
	var asset, status, rng, interval error
	if s.AssetID != "" {
		asset = ValidateID("asset_id", s.AssetID)
	}
	switch s.Status {
	case SensorActive, SensorInactive, SensorMaintenance, SensorDecommissioned:
	default:
		status = FieldErrorf("status", "must be one of active, inactive, maintenance, decommissioned; got %q", s.Status)
	}
	if s.ExpectedMin != nil && s.ExpectedMax != nil && !(*s.ExpectedMin < *s.ExpectedMax) {
		rng = FieldErrorf("expected_max", "must be greater than expected_min")
	} else if !finite(s.ExpectedMin) || !finite(s.ExpectedMax) {
		rng = FieldErrorf("expected_min", "expected_min and expected_max must be finite numbers")
	}
	if s.SamplingInterval < 0 || math.IsNaN(s.SamplingInterval) || math.IsInf(s.SamplingInterval, 0) {
		interval = FieldErrorf("sampling_interval_seconds", "must be a non-negative number of seconds")
	}
	return joinErrors(
		ValidateID("sensor_id", s.ID), asset, ValidateSensorType(s.Type), status, rng, interval,
		s.Alarms.Validate(),
		validateText("name", s.Name, 200), validateText("unit", s.Unit, 50),
		validateText("location", s.Location, 255), validateText("description", s.Description, 2000),
	)
}

// Validate reports whether the limits are finite and ordered.
func (a AlarmLimits) Validate() error {
	limits := []struct {
		name string
		v    *float64
	}{{"alarm_limits.low_low", a.LowLow}, {"alarm_limits.low", a.Low}, {"alarm_limits.high", a.High}, {"alarm_limits.high_high", a.HighHigh}}
	prev := -1
	for i, l := range limits {
		if l.v == nil {
			continue
		}
		if !finite(l.v) {
			return FieldErrorf(l.name, "must be a finite number")
		}
		if prev >= 0 {
			p := *limits[prev].v
			strict := prev <= 1 && i >= 2 // a low limit must stay below a high one
			if *l.v < p || strict && *l.v == p {
				return FieldErrorf(l.name, "must be above %s (%g)", limits[prev].name, p)
			}
		}
		prev = i
	}
	return nil
}

// InRange reports whether v lies within the sensor's expected range (an unset
// bound does not constrain).
func (s *Sensor) InRange(v float64) bool {
	return (s.ExpectedMin == nil || v >= *s.ExpectedMin) && (s.ExpectedMax == nil || v <= *s.ExpectedMax)
}

func finite(p *float64) bool {
	return p == nil || !(math.IsNaN(*p) || math.IsInf(*p, 0))
}

// SensorUpdate lists the fields of a sensor that can change; nil means keep.
// The sensor ID cannot change: it is how readings refer to the sensor.
type SensorUpdate struct {
	AssetID          *string         `json:"asset_id"`
	Name             *string         `json:"name"`
	Type             *string         `json:"sensor_type"`
	Unit             *string         `json:"unit"`
	Location         *string         `json:"location"`
	Status           *string         `json:"status"`
	Description      *string         `json:"description"`
	ExpectedMin      **float64       `json:"expected_min"`
	ExpectedMax      **float64       `json:"expected_max"`
	SamplingInterval *float64        `json:"sampling_interval_seconds"`
	Alarms           *AlarmLimits    `json:"alarm_limits"`
	Metadata         *map[string]any `json:"metadata"`
}

// Apply copies the non-nil fields of upd onto s.
func (upd SensorUpdate) Apply(s *Sensor) {
	setIf(&s.AssetID, upd.AssetID)
	setIf(&s.Name, upd.Name)
	setIf(&s.Type, upd.Type)
	setIf(&s.Unit, upd.Unit)
	setIf(&s.Location, upd.Location)
	setIf(&s.Status, upd.Status)
	setIf(&s.Description, upd.Description)
	setIf(&s.ExpectedMin, upd.ExpectedMin)
	setIf(&s.ExpectedMax, upd.ExpectedMax)
	setIf(&s.SamplingInterval, upd.SamplingInterval)
	setIf(&s.Alarms, upd.Alarms)
	setIf(&s.Metadata, upd.Metadata)
}

// SensorFilter selects sensors. Zero values select everything.
type SensorFilter struct {
	IDs     []string // exact sensor IDs
	AssetID string
	Type    string
	Status  string
	Limit   int
	Offset  int
}

// SensorService manages the sensors of the tenant in ctx.
type SensorService interface {
	FindSensorByID(ctx context.Context, id string) (*Sensor, error)
	// FindSensors returns the matching sensors ordered by ID, and the total
	// number of matches ignoring Limit and Offset.
	FindSensors(ctx context.Context, filter SensorFilter) ([]*Sensor, int, error)
	// CreateSensor sets Status to active when empty; EINVALID if AssetID names
	// no asset of the tenant; ECONFLICT if the ID exists.
	CreateSensor(ctx context.Context, s *Sensor) error
	UpdateSensor(ctx context.Context, id string, upd SensorUpdate) (*Sensor, error)
	// DeleteSensor deletes the sensor with its readings and rollups.
	DeleteSensor(ctx context.Context, id string) error
}
