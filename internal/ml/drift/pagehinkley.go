package drift

import (
	"encoding/json"
	"math"

	"smartmaint"
)

// PHMode selects which changes of the mean Page–Hinkley looks for.
type PHMode string

// Modes, with river's names.
const (
	PHBoth PHMode = "both" // increases and decreases (two-sided)
	PHUp   PHMode = "up"   // increases only
	PHDown PHMode = "down" // decreases only
)

// PageHinkleyConfig holds the parameters of PageHinkley.
type PageHinkleyConfig struct {
	// MinInstances is the number of values before a drift may be reported
	// (river: 30).
	MinInstances int `json:"min_instances"`
	// Delta is the tolerated change δ, in the unit of the data (river: 0.005).
	Delta float64 `json:"delta"`
	// Threshold is λ, in unit × values (river: 50).
	Threshold float64 `json:"threshold"`
	// Alpha is the forgetting factor of the cumulative sums (river: 0.9999).
	Alpha float64 `json:"alpha"`
	// Mode is both, up or down (river: both).
	Mode PHMode `json:"mode"`
}

// DefaultPageHinkleyConfig returns river's defaults: 30 instances,
// δ = 0.005, λ = 50, α = 1 − 0.0001, both directions.
func DefaultPageHinkleyConfig() PageHinkleyConfig {
	return PageHinkleyConfig{MinInstances: 30, Delta: 0.005, Threshold: 50, Alpha: 1 - 0.0001, Mode: PHBoth}
}

// Validate reports an EINVALID error for an unusable configuration.
func (c PageHinkleyConfig) Validate() error {
	switch {
	case c.MinInstances < 1:
		return smartmaint.FieldErrorf("min_instances", "must be at least 1, got %d", c.MinInstances)
	case !(c.Delta >= 0) || math.IsInf(c.Delta, 0):
		return smartmaint.FieldErrorf("delta", "must be finite and not negative, got %g", c.Delta)
	case !(c.Threshold > 0) || math.IsInf(c.Threshold, 0):
		return smartmaint.FieldErrorf("threshold", "must be finite and positive, got %g", c.Threshold)
	case !(c.Alpha > 0 && c.Alpha <= 1):
		return smartmaint.FieldErrorf("alpha", "must be in (0, 1], got %g", c.Alpha)
	case c.Mode != PHBoth && c.Mode != PHUp && c.Mode != PHDown:
		return smartmaint.FieldErrorf("mode", "must be both, up or down, got %q", string(c.Mode))
	}
	return nil
}

// PageHinkley is the Page–Hinkley change detector, a port of river's
// drift.PageHinkley: with the running mean x̄ of the values since the last
// reset, it keeps S⁺ = α·S⁺ + (x − x̄ − δ) and S⁻ = α·S⁻ + (x − x̄ + δ) and
// reports a drift when S⁺ − min S⁺ (up) or max S⁻ − S⁻ (down) exceeds λ.
// As in river, the update after a detection starts from scratch, and the
// running maximum of S⁻ starts at −1.
type PageHinkley struct {
	cfg            PageHinkleyConfig
	n              int
	mean           float64
	sumInc, sumDec float64
	minInc, maxDec float64
	detected       bool
	detections     int
}

// NewPageHinkley returns a fresh detector.
func NewPageHinkley(cfg PageHinkleyConfig) (*PageHinkley, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &PageHinkley{cfg: cfg}
	p.reset()
	return p, nil
}

func (p *PageHinkley) reset() {
	p.n, p.mean, p.sumInc, p.sumDec = 0, 0, 0, 0
	p.minInc, p.maxDec = math.Inf(1), -1
	p.detected = false
}

// Update adds x and reports whether a drift was detected at this value. A
// non-finite x is rejected and leaves the detector unchanged.
func (p *PageHinkley) Update(x float64) (bool, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false, smartmaint.FieldErrorf("x", "value %g is not finite", x)
	}
	if p.detected {
		p.reset()
	}
	p.n++
	p.mean += (x - p.mean) / float64(p.n)
	dev := x - p.mean
	p.sumInc = p.cfg.Alpha*p.sumInc + dev - p.cfg.Delta
	p.sumDec = p.cfg.Alpha*p.sumDec + dev + p.cfg.Delta
	p.minInc = math.Min(p.minInc, p.sumInc)
	p.maxDec = math.Max(p.maxDec, p.sumDec)
	if p.n >= p.cfg.MinInstances {
		up, down := p.sumInc-p.minInc, p.maxDec-p.sumDec
		switch p.cfg.Mode {
		case PHUp:
			p.detected = up > p.cfg.Threshold
		case PHDown:
			p.detected = down > p.cfg.Threshold
		default:
			p.detected = up > p.cfg.Threshold || down > p.cfg.Threshold
		}
	}
	if p.detected {
		p.detections++
	}
	return p.detected, nil
}

// DriftDetected reports whether the last Update detected a drift.
func (p *PageHinkley) DriftDetected() bool { return p.detected }

// Detections returns the number of drifts detected since NewPageHinkley.
func (p *PageHinkley) Detections() int { return p.detections }

// Mean returns the running mean since the last reset.
func (p *PageHinkley) Mean() float64 { return p.mean }

// phState is the serialised form of a PageHinkley. MinIncrease is absent
// (and +Inf) before the first value after a reset.
type phState struct {
	Config      PageHinkleyConfig `json:"config"`
	N           int               `json:"n"`
	Mean        float64           `json:"mean"`
	SumIncrease float64           `json:"sum_increase"`
	SumDecrease float64           `json:"sum_decrease"`
	MinIncrease *float64          `json:"min_increase,omitempty"`
	MaxDecrease float64           `json:"max_decrease"`
	Detected    bool              `json:"detected"`
	Detections  int               `json:"detections"`
}

// MarshalJSON saves the complete state.
func (p *PageHinkley) MarshalJSON() ([]byte, error) {
	s := phState{Config: p.cfg, N: p.n, Mean: p.mean, SumIncrease: p.sumInc, SumDecrease: p.sumDec,
		MaxDecrease: p.maxDec, Detected: p.detected, Detections: p.detections}
	if !math.IsInf(p.minInc, 1) {
		m := p.minInc
		s.MinIncrease = &m
	}
	return json.Marshal(s)
}

// UnmarshalJSON restores a state saved by MarshalJSON.
func (p *PageHinkley) UnmarshalJSON(b []byte) error {
	var s phState
	if err := json.Unmarshal(b, &s); err != nil {
		return smartmaint.Errorf(smartmaint.EINVALID, "page-hinkley state: %v", err)
	}
	if err := s.Config.Validate(); err != nil {
		return err
	}
	if s.N < 0 {
		return smartmaint.FieldErrorf("n", "must not be negative, got %d", s.N)
	}
	minInc := math.Inf(1)
	if s.MinIncrease != nil {
		minInc = *s.MinIncrease
	}
	*p = PageHinkley{cfg: s.Config, n: s.N, mean: s.Mean, sumInc: s.SumIncrease, sumDec: s.SumDecrease,
		minInc: minInc, maxDec: s.MaxDecrease, detected: s.Detected, detections: s.Detections}
	return nil
}
