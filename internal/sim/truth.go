package sim

import (
	"cmp"
	"slices"
	"time"
)

// TruthEvent is one labelled fact of the ground truth, against which
// detection, prediction and drift work can be scored.
//
// Kinds: "spike", "dip", "stuck", "noise_burst" (anomaly windows on one
// sensor; Start inclusive, End exclusive, both on the sensor's sample grid),
// "drift" (one sensor: the offset starts at Start and reaches Magnitude at
// End), "degradation" (an asset wears from Start until End) and "failure"
// (the asset stops at Start; End equals Start).
type TruthEvent struct {
	Kind      string    `json:"kind"`
	Scenario  string    `json:"scenario"`
	AssetID   string    `json:"asset_id"`
	SensorID  string    `json:"sensor_id,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Magnitude float64   `json:"magnitude,omitempty"`
}

// Truth is a ground truth: events ordered by start, then asset and sensor.
type Truth []TruthEvent

func (t Truth) sort() {
	slices.SortStableFunc(t, func(a, b TruthEvent) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.AssetID, b.AssetID); c != 0 {
			return c
		}
		return cmp.Compare(a.SensorID, b.SensorID)
	})
}

// Anomalous reports whether the reading of sensorID at at lies in an
// injected anomaly window (spike, dip, stuck or noise burst).
func (t Truth) Anomalous(sensorID string, at time.Time) bool {
	for _, e := range t {
		if e.SensorID == sensorID && e.Scenario == ScenarioAnomaly && !at.Before(e.Start) && at.Before(e.End) {
			return true
		}
	}
	return false
}

// FailureTime returns the time the asset fails, if a scenario makes it fail.
func (t Truth) FailureTime(assetID string) (time.Time, bool) {
	for _, e := range t {
		if e.AssetID == assetID && e.Kind == "failure" {
			return e.Start, true
		}
	}
	return time.Time{}, false
}

// Filter returns the events of the given kind ("" for any) on the given
// asset ("" for any).
func (t Truth) Filter(kind, assetID string) Truth {
	var out Truth
	for _, e := range t {
		if (kind == "" || e.Kind == kind) && (assetID == "" || e.AssetID == assetID) {
			out = append(out, e)
		}
	}
	return out
}
