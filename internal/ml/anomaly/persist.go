package anomaly

import (
	"encoding/json"
	"fmt"
)

// snapshotVersion is the format of MarshalBinary's output.
const snapshotVersion = 1

// snapshot is the saved form of a detector.
type snapshot struct {
	Version int    `json:"version"`
	Config  Config `json:"config"`
	State   state  `json:"state"`
}

// MarshalBinary saves the detector's configuration and state. Restoring it
// with UnmarshalBinary continues exactly where this detector stopped.
func (d *Detector) MarshalBinary() ([]byte, error) {
	return json.Marshal(snapshot{Version: snapshotVersion, Config: d.cfg, State: d.st})
}

// UnmarshalBinary replaces the detector's configuration and state with a
// saved one.
func (d *Detector) UnmarshalBinary(data []byte) error {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("anomaly: restore: %w", err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("anomaly: restore: snapshot version %d, want %d", s.Version, snapshotVersion)
	}
	if err := s.Config.Validate(); err != nil {
		return fmt.Errorf("anomaly: restore: %w", err)
	}
	if err := s.State.check(); err != nil {
		return fmt.Errorf("anomaly: restore: %w", err)
	}
	d.cfg, d.st = s.Config, s.State
	return nil
}

// check verifies that a decoded state has the shape a detector needs.
func (st *state) check() error {
	if st.Mode < 0 || st.Mode >= numModes {
		return fmt.Errorf("seasonal mode %d out of range", st.Mode)
	}
	if st.Count < 0 || (st.Count > 0 && st.Run < 1) {
		return fmt.Errorf("malformed run of repeated values")
	}
	for i, t := range st.Tails {
		if len(t.Tree) != fenwickSize+1 || !(t.Decay > 0 && t.Decay < 1) || !(t.W > 0) {
			return fmt.Errorf("statistic %d: malformed calibration", i)
		}
	}
	for _, p := range []profile{st.Daily, st.Weekly} {
		if p.Period <= 0 || len(p.Offsets) == 0 || len(p.Offsets) != len(p.Seen) {
			return fmt.Errorf("malformed seasonal profile")
		}
	}
	return nil
}
