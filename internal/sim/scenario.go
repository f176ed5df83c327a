package sim

import (
	"fmt"
	"math"
	"slices"
	"time"

	"smartmaint"
)

// Scenario kinds, as reported by Scenario.Kind and TruthEvent.Scenario.
const (
	ScenarioNormal  = "normal"
	ScenarioDrift   = "drift"
	ScenarioAnomaly = "anomaly"
	ScenarioFailure = "failure"
)

// Scenario is something injected into one asset's behaviour: Normal, Drift,
// Anomalies or *Degradation (a pointer). An asset may carry several
// scenarios, but at most one Degradation.
type Scenario interface {
	// Kind names the scenario: normal, drift, anomaly or failure.
	Kind() string
	target() string
	validate(a *AssetModel) error
	// compile adds the scenario's effects and ground truth to e; seed
	// serves scenarios that draw their own events.
	compile(e *effects, a *AssetModel, seed uint64)
}

// effects are the compiled scenarios of one asset.
type effects struct {
	degradation *Degradation
	drifts      map[string][]Drift        // by sensor ID
	events      map[string][]AnomalyEvent // by sensor ID, sorted by start
	truth       Truth
}

func newEffects() *effects {
	return &effects{drifts: map[string][]Drift{}, events: map[string][]AnomalyEvent{}}
}

// Normal is the asset's normal behaviour, with nothing injected.
type Normal struct {
	Asset string
}

// Kind returns "normal".
func (Normal) Kind() string                          { return ScenarioNormal }
func (s Normal) target() string                      { return s.Asset }
func (Normal) validate(*AssetModel) error            { return nil }
func (Normal) compile(*effects, *AssetModel, uint64) {}

// Drift shifts the readings of some of an asset's sensors by an offset that
// grows from 0 at Start to Magnitude at Start+Duration and then stays: a
// sensor losing calibration, or a slow process change. Quality stays 1.
type Drift struct {
	Asset string
	// Sensors lists the drifting sensors; empty means the asset's machine
	// temperature sensors.
	Sensors     []string
	Start       time.Time
	Duration    time.Duration
	Magnitude   float64 // offset reached at Start+Duration, in the sensor's unit
	Exponential bool    // grow exponentially (slow, then fast) instead of linearly
}

// Kind returns "drift".
func (Drift) Kind() string     { return ScenarioDrift }
func (s Drift) target() string { return s.Asset }
func (s Drift) sensors(a *AssetModel) []string {
	if len(s.Sensors) > 0 {
		return s.Sensors
	}
	var out []string
	for _, sm := range a.Sensors {
		if sm.Channel == ChannelTemperature {
			out = append(out, sm.Sensor.ID)
		}
	}
	return out
}

func (s Drift) validate(a *AssetModel) error {
	switch {
	case s.Start.IsZero():
		return smartmaint.FieldErrorf("start", "drift on %q: is required", s.Asset)
	case s.Duration <= 0:
		return smartmaint.FieldErrorf("duration", "drift on %q: must be positive", s.Asset)
	case math.IsNaN(s.Magnitude) || math.IsInf(s.Magnitude, 0):
		return smartmaint.FieldErrorf("magnitude", "drift on %q: must be a finite number", s.Asset)
	case len(s.sensors(a)) == 0:
		return smartmaint.FieldErrorf("sensors", "drift on %q: the asset has no temperature sensor; name the sensors", s.Asset)
	}
	return checkSensors(a, s.sensors(a))
}

func (s Drift) compile(e *effects, a *AssetModel, _ uint64) {
	for _, id := range s.sensors(a) {
		e.drifts[id] = append(e.drifts[id], s)
		e.truth = append(e.truth, TruthEvent{Kind: "drift", Scenario: ScenarioDrift, AssetID: a.Asset.ID, SensorID: id,
			Start: s.Start, End: s.Start.Add(s.Duration), Magnitude: s.Magnitude})
	}
}

// offset returns the drift's offset at t.
func (s *Drift) offset(t time.Time) float64 {
	if t.Before(s.Start) {
		return 0
	}
	u := math.Min(1, float64(t.Sub(s.Start))/float64(s.Duration))
	if s.Exponential {
		return s.Magnitude * math.Expm1(3*u) / math.Expm1(3)
	}
	return s.Magnitude * u
}

// Degradation wears an asset out until it fails: from Start the wear grows
// slowly, then faster (w = 0.25u + 0.75u⁴ of the elapsed fraction u), raising
// vibration (up to 6× its healthy level at severity 1, with growing impacts),
// temperature (+18 °C) and current (+6 %). At FailureAt the machine trips and
// stays stopped: speed coasts to 0, current drops to 0, vibration falls to
// the noise floor and temperature cools to ambient.
type Degradation struct {
	Asset     string
	Start     time.Time
	FailureAt time.Time
	// Severity scales the vibration and heating of the wear; 0 means 1.
	Severity float64
}

// Kind returns "failure".
func (*Degradation) Kind() string     { return ScenarioFailure }
func (s *Degradation) target() string { return s.Asset }

func (s *Degradation) validate(*AssetModel) error {
	switch {
	case s.Start.IsZero() || s.FailureAt.IsZero():
		return smartmaint.FieldErrorf("start", "degradation of %q: start and failure time are required", s.Asset)
	case !s.FailureAt.After(s.Start):
		return smartmaint.FieldErrorf("failure_at", "degradation of %q: must be after the start of the wear", s.Asset)
	case s.Severity < 0 || s.Severity > 5 || math.IsNaN(s.Severity):
		return smartmaint.FieldErrorf("severity", "degradation of %q: must be between 0 and 5", s.Asset)
	}
	return nil
}

func (s *Degradation) compile(e *effects, a *AssetModel, _ uint64) {
	e.degradation = s
	e.truth = append(e.truth,
		TruthEvent{Kind: "degradation", Scenario: ScenarioFailure, AssetID: a.Asset.ID, Start: s.Start, End: s.FailureAt},
		TruthEvent{Kind: "failure", Scenario: ScenarioFailure, AssetID: a.Asset.ID, Start: s.FailureAt, End: s.FailureAt})
}

// state returns the wear (0–1) at t and whether the machine still runs. A
// nil degradation is a healthy machine.
func (s *Degradation) state(t time.Time) (wear float64, running bool) {
	if s == nil || t.Before(s.Start) {
		return 0, true
	}
	if !t.Before(s.FailureAt) {
		return 1, false
	}
	u := float64(t.Sub(s.Start)) / float64(s.FailureAt.Sub(s.Start))
	return 0.25*u + 0.75*u*u*u*u, true
}

func (s *Degradation) severity() float64 {
	if s == nil || s.Severity == 0 {
		return 1
	}
	return s.Severity
}

func checkSensors(a *AssetModel, ids []string) error {
	for _, id := range ids {
		if _, ok := a.sensor(id); !ok {
			return smartmaint.FieldErrorf("sensors", "%q is not a sensor of asset %q", id, a.Asset.ID)
		}
	}
	return nil
}

// compileScenarios validates the scenarios against the plant and compiles
// them per asset.
func compileScenarios(p *Plant, scenarios []Scenario, seed uint64) (map[string]*effects, error) {
	out := map[string]*effects{}
	for i, sc := range scenarios {
		if sc == nil {
			return nil, smartmaint.FieldErrorf("scenarios", "scenario %d is nil", i)
		}
		a, ok := p.Asset(sc.target())
		if !ok {
			return nil, smartmaint.FieldErrorf("asset", "%s scenario %d: the plant has no asset %q", sc.Kind(), i, sc.target())
		}
		if err := sc.validate(a); err != nil {
			return nil, fmt.Errorf("scenario %d: %w", i, err)
		}
		e := out[a.Asset.ID]
		if e == nil {
			e = newEffects()
			out[a.Asset.ID] = e
		}
		if _, deg := sc.(*Degradation); deg && e.degradation != nil {
			return nil, smartmaint.FieldErrorf("scenarios", "asset %q has more than one degradation", a.Asset.ID)
		}
		sc.compile(e, a, seed+uint64(i))
	}
	for _, e := range out {
		for id := range e.events {
			slices.SortFunc(e.events[id], func(x, y AnomalyEvent) int { return x.Start.Compare(y.Start) })
		}
	}
	return out, nil
}
