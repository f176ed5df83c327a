package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"smartmaint"
)

// AnomalyKind names an injected anomaly.
type AnomalyKind string

// Anomaly kinds. A spike adds Magnitude to the readings of its window, a dip
// subtracts it, a stuck sensor repeats its last good reading, a noise burst
// adds Gaussian noise of standard deviation Magnitude.
const (
	AnomalySpike      AnomalyKind = "spike"
	AnomalyDip        AnomalyKind = "dip"
	AnomalyStuck      AnomalyKind = "stuck"
	AnomalyNoiseBurst AnomalyKind = "noise_burst"
)

// AnomalyKinds lists every anomaly kind.
var AnomalyKinds = []AnomalyKind{AnomalySpike, AnomalyDip, AnomalyStuck, AnomalyNoiseBurst}

// Anomaly readings carry a reported quality drawn from [anomalyQualityLow,
// anomalyQualityHigh), as the original generator did.
const (
	anomalyQualityLow  = 0.6
	anomalyQualityHigh = 0.85
)

// AnomalyEvent is one anomaly on one sensor. Its window starts at the first
// sample at or after Start and covers the samples before Start+Duration, at
// least one.
type AnomalyEvent struct {
	SensorID  string        `json:"sensor_id"`
	Kind      AnomalyKind   `json:"kind"`
	Start     time.Time     `json:"start"`
	Duration  time.Duration `json:"duration"`
	Magnitude float64       `json:"magnitude"` // spike and dip: offset; noise burst: σ; in the sensor's unit
}

// Anomalies injects anomalies into an asset's sensors: the listed Events,
// plus Count events drawn from the seed (a "seeded mix"): each on one of
// Sensors (empty: all the asset's sensors), of one of Kinds (empty: all),
// starting within [Start, Start+Span). Drawn events never overlap on one
// sensor; when the span is too crowded fewer than Count are placed, and the
// ground truth lists those that were. Drawn magnitudes are 15–30 % of the
// sensor's expected range for spikes and dips, 4–8 % for noise bursts.
type Anomalies struct {
	Asset  string
	Events []AnomalyEvent

	Count   int
	Start   time.Time
	Span    time.Duration
	Sensors []string
	Kinds   []AnomalyKind
}

// Kind returns "anomaly".
func (Anomalies) Kind() string     { return ScenarioAnomaly }
func (s Anomalies) target() string { return s.Asset }

func (s Anomalies) validate(a *AssetModel) error {
	if len(s.Events) == 0 && s.Count == 0 {
		return smartmaint.FieldErrorf("events", "anomalies on %q: give events or a count", s.Asset)
	}
	for _, ev := range s.Events {
		if err := ev.validate(a); err != nil {
			return err
		}
	}
	if s.Count == 0 {
		return nil
	}
	switch {
	case s.Count < 0 || s.Count > 10000:
		return smartmaint.FieldErrorf("count", "anomalies on %q: must be between 0 and 10000, got %d", s.Asset, s.Count)
	case s.Start.IsZero():
		return smartmaint.FieldErrorf("start", "anomalies on %q: is required with a count", s.Asset)
	case s.Span <= 0:
		return smartmaint.FieldErrorf("span", "anomalies on %q: must be positive", s.Asset)
	}
	for _, k := range s.Kinds {
		if !slices.Contains(AnomalyKinds, k) {
			return smartmaint.FieldErrorf("kinds", "unknown anomaly kind %q", k)
		}
	}
	return checkSensors(a, s.Sensors)
}

func (ev AnomalyEvent) validate(a *AssetModel) error {
	if _, ok := a.sensor(ev.SensorID); !ok {
		return smartmaint.FieldErrorf("sensor_id", "%q is not a sensor of asset %q", ev.SensorID, a.Asset.ID)
	}
	switch {
	case !slices.Contains(AnomalyKinds, ev.Kind):
		return smartmaint.FieldErrorf("kind", "unknown anomaly kind %q", ev.Kind)
	case ev.Start.IsZero():
		return smartmaint.FieldErrorf("start", "anomaly on %q: is required", ev.SensorID)
	case ev.Duration < 0:
		return smartmaint.FieldErrorf("duration", "anomaly on %q: must not be negative", ev.SensorID)
	case math.IsNaN(ev.Magnitude) || math.IsInf(ev.Magnitude, 0) || ev.Magnitude < 0:
		return smartmaint.FieldErrorf("magnitude", "anomaly on %q: must be a finite number ≥ 0", ev.SensorID)
	}
	return nil
}

func (s Anomalies) compile(e *effects, a *AssetModel, seed uint64) {
	for _, ev := range s.Events {
		sm, _ := a.sensor(ev.SensorID)
		e.addEvent(a, ev.align(sm))
	}
	if s.Count > 0 {
		s.draw(e, a, newRand(seed, "anomalies/"+a.Asset.ID))
	}
}

// draw places Count seeded events, retrying a crowded placement a few times.
func (s Anomalies) draw(e *effects, a *AssetModel, rng *rand.Rand) {
	sensors := s.Sensors
	if len(sensors) == 0 {
		for _, sm := range a.Sensors {
			sensors = append(sensors, sm.Sensor.ID)
		}
	}
	kinds := s.Kinds
	if len(kinds) == 0 {
		kinds = AnomalyKinds
	}
	for range s.Count {
		for range 20 {
			sm, _ := a.sensor(sensors[rng.IntN(len(sensors))])
			ev := randomEvent(rng, sm, kinds[rng.IntN(len(kinds))], s.Start, s.Span).align(sm)
			if !e.overlaps(ev, sm) {
				e.addEvent(a, ev)
				break
			}
		}
	}
}

func randomEvent(rng *rand.Rand, sm *SensorModel, kind AnomalyKind, start time.Time, span time.Duration) AnomalyEvent {
	ev := AnomalyEvent{SensorID: sm.Sensor.ID, Kind: kind,
		Start: start.Add(time.Duration(rng.Int64N(int64(span))))}
	interval := time.Duration(sm.Sensor.SamplingInterval) * time.Second
	switch kind {
	case AnomalySpike, AnomalyDip:
		ev.Duration = time.Duration(1+rng.IntN(3)) * interval
		ev.Magnitude = uniform(rng, 0.15, 0.3) * sm.span()
	case AnomalyStuck:
		ev.Duration = time.Duration(uniform(rng, 15, 120) * float64(time.Minute))
	case AnomalyNoiseBurst:
		ev.Duration = time.Duration(uniform(rng, 5, 30) * float64(time.Minute))
		ev.Magnitude = uniform(rng, 0.04, 0.08) * sm.span()
	}
	return ev
}

// align moves the window onto the sensor's sample grid: Start to the first
// sample at or after it, Duration to whole samples (at least one).
func (ev AnomalyEvent) align(sm *SensorModel) AnomalyEvent {
	iv := int64(sm.Sensor.SamplingInterval)
	start := ceilTo(ev.Start, iv)
	end := ceilTo(ev.Start.Add(ev.Duration), iv)
	if min := start.Add(time.Duration(iv) * time.Second); end.Before(min) {
		end = min
	}
	ev.Start, ev.Duration = start, end.Sub(start)
	return ev
}

// ceilTo returns the first instant at or after t that is a whole multiple of
// step seconds since the Unix epoch.
func ceilTo(t time.Time, step int64) time.Time {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	if r := ((sec % step) + step) % step; r != 0 {
		sec += step - r
	}
	return time.Unix(sec, 0).UTC()
}

// overlaps reports whether ev comes within one sample of another event on
// the same sensor.
func (e *effects) overlaps(ev AnomalyEvent, sm *SensorModel) bool {
	gap := time.Duration(sm.Sensor.SamplingInterval) * time.Second
	for _, o := range e.events[ev.SensorID] {
		if ev.Start.Before(o.Start.Add(o.Duration+gap)) && o.Start.Before(ev.Start.Add(ev.Duration+gap)) {
			return true
		}
	}
	return false
}

func (e *effects) addEvent(a *AssetModel, ev AnomalyEvent) {
	e.events[ev.SensorID] = append(e.events[ev.SensorID], ev)
	e.truth = append(e.truth, TruthEvent{Kind: string(ev.Kind), Scenario: ScenarioAnomaly, AssetID: a.Asset.ID,
		SensorID: ev.SensorID, Start: ev.Start, End: ev.Start.Add(ev.Duration), Magnitude: ev.Magnitude})
}

// covers reports whether the event's window holds t.
func (ev *AnomalyEvent) covers(t time.Time) bool {
	return !t.Before(ev.Start) && t.Before(ev.Start.Add(ev.Duration))
}
