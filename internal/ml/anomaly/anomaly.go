// Package anomaly is smartmaint's default streaming anomaly detector for one
// sensor: one (timestamp, value) reading in, one anomaly score in [0, 1] and
// an alert decision out, using only the past, in constant memory and
// constant time per reading.
//
// The detector watches several complementary statistics of the stream — a
// one-step jump (spikes), the gap between fast and slow moving averages at
// two scales (level shifts, trends that accelerate), the sustained deviation
// from a time-of-day or hour-of-week profile (contextual anomalies in
// seasonal signals), the local volatility in both directions (changes in
// noise) and the length of runs of identical values (flat lines, stuck
// sensors). Each statistic is calibrated against its own history into a tail
// probability (see calibrate.go), so that one threshold fits many sensors;
// the smallest probability, corrected for the number of statistics, becomes
// the raw score −log10(p)/Decades. The published score then keeps only the
// onset of an episode: a raw score is reported when it reaches Escalation
// times the decaying score of the last report, so one incident yields one
// or two high scores instead of a plateau.
//
// A Detector is deterministic (no randomness) and can be saved and restored
// with MarshalBinary and UnmarshalBinary: a restored detector continues
// exactly where the saved one stopped.
package anomaly

import (
	"fmt"
	"math"
	"time"
)

// Config holds the detector's parameters. Start from DefaultConfig.
type Config struct {
	// Warmup is the number of readings scored 0 while the detector learns.
	Warmup int `json:"warmup"`
	// MinHistory is the number of samples a statistic needs before it may
	// contribute.
	MinHistory int `json:"min_history"`
	// HalfLife is the memory of the calibration, in readings.
	HalfLife float64 `json:"half_life"`
	// SuppressHalfLife is how fast the memory of a reported episode fades, in
	// readings.
	SuppressHalfLife float64 `json:"suppress_half_life"`
	// Escalation is how many times the decayed score of the episode's last
	// report a raw score must reach to be reported again (≥ 1).
	Escalation float64 `json:"escalation"`
	// Decades maps probabilities to scores: score = −log10(p)/Decades.
	Decades float64 `json:"decades"`
	// AlertThreshold is the score at or above which an alert is raised.
	AlertThreshold float64 `json:"alert_threshold"`
	// MinAlertGap is the least time between two alerts.
	MinAlertGap time.Duration `json:"min_alert_gap"`
}

// DefaultConfig returns the configuration of the platform's default
// detector.
func DefaultConfig() Config {
	return Config{
		Warmup:           150,
		MinHistory:       100,
		HalfLife:         3000,
		SuppressHalfLife: 150,
		Escalation:       2,
		Decades:          10,
		AlertThreshold:   0.15,
		MinAlertGap:      time.Hour,
	}
}

// Validate reports the first invalid field of c.
func (c Config) Validate() error {
	switch {
	case c.Warmup < 0:
		return fmt.Errorf("anomaly config: warmup: %d is negative", c.Warmup)
	case c.MinHistory < 1:
		return fmt.Errorf("anomaly config: min_history: %d is below 1", c.MinHistory)
	case !(c.HalfLife >= 10) || math.IsInf(c.HalfLife, 0):
		return fmt.Errorf("anomaly config: half_life: %g is not a number of readings ≥ 10", c.HalfLife)
	case !(c.SuppressHalfLife > 0) || math.IsInf(c.SuppressHalfLife, 0):
		return fmt.Errorf("anomaly config: suppress_half_life: %g is not a positive number", c.SuppressHalfLife)
	case !(c.Escalation >= 1) || math.IsInf(c.Escalation, 0):
		return fmt.Errorf("anomaly config: escalation: %g is not a number ≥ 1", c.Escalation)
	case !(c.Decades > 0) || math.IsInf(c.Decades, 0):
		return fmt.Errorf("anomaly config: decades: %g is not a positive number", c.Decades)
	case !(c.AlertThreshold > 0 && c.AlertThreshold <= 1):
		return fmt.Errorf("anomaly config: alert_threshold: %g is not in (0, 1]", c.AlertThreshold)
	case c.MinAlertGap < 0:
		return fmt.Errorf("anomaly config: min_alert_gap: %s is negative", c.MinAlertGap)
	}
	return nil
}

// Cause names the statistic behind a score.
type Cause string

// The causes a Result can carry.
const (
	CauseNone       Cause = ""
	CauseSpike      Cause = "spike"       // a jump from the previous reading
	CauseLevelShift Cause = "level_shift" // the recent mean moved away from the longer-term mean
	CauseContext    Cause = "context"     // sustained deviation from the usual value at this time of day/week
	CauseNoiseUp    Cause = "noise_up"    // the signal became more volatile
	CauseNoiseDown  Cause = "noise_down"  // the signal became unusually quiet
	CauseFlatline   Cause = "flatline"    // the same value repeated unusually long
	CauseLevel      Cause = "level"       // the value is far from its long-term range
)

// Result is the detector's verdict on one reading.
type Result struct {
	// Score is the anomaly score in [0, 1] the platform thresholds: the onset
	// of an episode is reported, its continuation is suppressed.
	Score float64
	// Raw is the calibrated score before suppression: how unusual the
	// reading is on its own.
	Raw float64
	// PValue is the Bonferroni-corrected tail probability behind Raw.
	PValue float64
	// Cause names the most unusual statistic.
	Cause Cause
	// Alert reports whether the platform should raise an alert now.
	Alert bool
	// Skipped reports that the value was not a finite number and was ignored.
	Skipped bool
}

// Detector is a streaming anomaly detector for one sensor. It is not safe
// for concurrent use.
type Detector struct {
	cfg Config
	st  state
}

// New returns a fresh detector.
func New(cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Detector{cfg: cfg, st: newState(cfg)}, nil
}

// Config returns the detector's configuration.
func (d *Detector) Config() Config { return d.cfg }

// Update scores reading v at time t and learns from it. A non-finite v is
// ignored (Result.Skipped). Timestamps should increase; a timestamp at or
// before the previous one is treated as no time having passed.
func (d *Detector) Update(t time.Time, v float64) Result {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Result{Skipped: true, PValue: 1}
	}
	st := &d.st
	p, cause := st.observe(t, v, d.cfg)
	res := Result{PValue: p, Cause: cause}
	if st.Count <= d.cfg.Warmup {
		res.PValue, res.Cause = 1, CauseNone
	}
	res.Raw = math.Min(1, -math.Log10(res.PValue)/d.cfg.Decades)
	if res.Raw <= 0 {
		res.Raw = 0
	}
	st.Peak *= math.Exp2(-1 / d.cfg.SuppressHalfLife)
	if res.Raw > 0 && res.Raw >= d.cfg.Escalation*st.Peak {
		res.Score = res.Raw
		st.Peak = res.Raw
	}
	if res.Score >= d.cfg.AlertThreshold {
		sec := t.UnixNano()
		if !st.Alerted || time.Duration(sec-st.LastAlert) >= d.cfg.MinAlertGap {
			res.Alert, st.Alerted, st.LastAlert = true, true, sec
		}
	}
	return res
}
