package drift

import (
	"encoding/json"
	"math"

	"smartmaint"
)

// ADWINConfig holds the parameters of ADWIN. DefaultADWINConfig gives the
// defaults of river's drift.ADWIN.
type ADWINConfig struct {
	// Delta is the confidence value δ of the cut test (river: 0.002).
	Delta float64 `json:"delta"`
	// Clock is how often, in updates, the window is checked (river: 32).
	Clock int `json:"clock"`
	// MaxBuckets is the number of buckets of each size kept before two are
	// merged (river: 5).
	MaxBuckets int `json:"max_buckets"`
	// MinWindowLength is the minimum length of each sub-window (river: 5).
	MinWindowLength int `json:"min_window_length"`
	// GracePeriod is the number of values before any check (river: 10).
	GracePeriod int `json:"grace_period"`
}

// DefaultADWINConfig returns river's defaults: δ = 0.002, clock 32, 5
// buckets per size, sub-windows of at least 5, grace period 10.
func DefaultADWINConfig() ADWINConfig {
	return ADWINConfig{Delta: 0.002, Clock: 32, MaxBuckets: 5, MinWindowLength: 5, GracePeriod: 10}
}

// Validate reports an EINVALID error for an unusable configuration.
func (c ADWINConfig) Validate() error {
	switch {
	case !(c.Delta > 0 && c.Delta < 1):
		return smartmaint.FieldErrorf("delta", "must be in (0, 1), got %g", c.Delta)
	case c.Clock < 1:
		return smartmaint.FieldErrorf("clock", "must be at least 1, got %d", c.Clock)
	case c.MaxBuckets < 2:
		return smartmaint.FieldErrorf("max_buckets", "must be at least 2, got %d", c.MaxBuckets)
	case c.MinWindowLength < 1:
		return smartmaint.FieldErrorf("min_window_length", "must be at least 1, got %d", c.MinWindowLength)
	case c.GracePeriod < 0:
		return smartmaint.FieldErrorf("grace_period", "must not be negative, got %d", c.GracePeriod)
	}
	return nil
}

// bucketRow holds the buckets of one size (2^row), oldest first: the sum of
// their values and their internal sum of squared deviations.
type bucketRow struct {
	Total    []float64 `json:"total"`
	Variance []float64 `json:"variance"`
}

func (b *bucketRow) insert(total, variance float64) {
	b.Total = append(b.Total, total)
	b.Variance = append(b.Variance, variance)
}

// drop removes the k oldest buckets.
func (b *bucketRow) drop(k int) {
	b.Total = append(b.Total[:0], b.Total[k:]...)
	b.Variance = append(b.Variance[:0], b.Variance[k:]...)
}

// ADWIN is the ADaptive WINdowing drift detector of Bifet and Gavaldà
// (2007), a port of river's drift.ADWIN: an exponential histogram of the
// recent values, cut into an older and a newer sub-window at every bucket
// boundary each Clock updates; when their means differ by more than the
// Hoeffding/Bernstein bound the oldest buckets are dropped and a drift is
// reported. As in river, the update after a detection starts a new, empty
// window. Memory is O(MaxBuckets·log width).
type ADWIN struct {
	cfg             ADWINConfig
	rows            []bucketRow
	total, variance float64
	width           float64
	tick            int
	detected        bool
	detections      int
}

// NewADWIN returns an empty detector.
func NewADWIN(cfg ADWINConfig) (*ADWIN, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &ADWIN{cfg: cfg}
	a.reset()
	return a, nil
}

func (a *ADWIN) reset() {
	a.rows = []bucketRow{{}}
	a.total, a.variance, a.width, a.tick = 0, 0, 0, 0
	a.detected = false
}

// Update adds x and reports whether a drift was detected at this value. A
// non-finite x is rejected and leaves the detector unchanged.
func (a *ADWIN) Update(x float64) (bool, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false, smartmaint.FieldErrorf("x", "value %g is not finite", x)
	}
	if a.detected {
		a.reset()
	}
	a.insert(x)
	a.detected = a.detectChange()
	if a.detected {
		a.detections++
	}
	return a.detected, nil
}

// DriftDetected reports whether the last Update detected a drift.
func (a *ADWIN) DriftDetected() bool { return a.detected }

// Width returns the number of values in the window.
func (a *ADWIN) Width() int { return int(a.width) }

// Estimation returns the mean of the window (0 when it is empty).
func (a *ADWIN) Estimation() float64 {
	if a.width == 0 {
		return 0
	}
	return a.total / a.width
}

// Variance returns the sum of squared deviations from the mean in the window
// (river's ADWIN.variance).
func (a *ADWIN) Variance() float64 { return a.variance }

// Detections returns the number of drifts detected since NewADWIN (it is not
// cleared by the reset that follows a detection).
func (a *ADWIN) Detections() int { return a.detections }

func (a *ADWIN) insert(x float64) {
	a.rows[0].insert(x, 0)
	a.width++
	if a.width > 1 {
		d := x - a.total/(a.width-1)
		a.variance += (a.width - 1) * d * d / a.width
	}
	a.total += x
	a.compress()
}

// compress merges the two oldest buckets of a full row into one bucket of
// the next size, cascading upwards.
func (a *ADWIN) compress() {
	for idx := 0; idx < len(a.rows); idx++ {
		if len(a.rows[idx].Total) != a.cfg.MaxBuckets+1 {
			return
		}
		if idx+1 == len(a.rows) {
			a.rows = append(a.rows, bucketRow{})
		}
		b, next := &a.rows[idx], &a.rows[idx+1]
		n1 := float64(uint64(1) << idx)
		mu1, mu2 := b.Total[0]/n1, b.Total[1]/n1
		next.insert(b.Total[0]+b.Total[1], b.Variance[0]+b.Variance[1]+n1*0.5*(mu1-mu2)*(mu1-mu2))
		b.drop(2)
		if len(next.Total) <= a.cfg.MaxBuckets {
			return
		}
	}
}

// detectChange runs the cut test every Clock updates and shrinks the window
// while a cut is significant.
func (a *ADWIN) detectChange() bool {
	a.tick++
	if a.tick%a.cfg.Clock != 0 || a.width <= float64(a.cfg.GracePeriod) {
		return false
	}
	changed := false
	for a.scanCuts() {
		changed = true
	}
	return changed
}

// scanCuts walks the cuts from the oldest bucket to the newest; at the first
// significant one it drops the oldest bucket and returns true.
func (a *ADWIN) scanCuts() bool {
	b := a.newCutBound()
	n0, n1, u0, u1 := 0.0, a.width, 0.0, a.total
	for idx := len(a.rows) - 1; idx >= 0; idx-- {
		row := a.rows[idx]
		size := float64(uint64(1) << idx)
		for k, t := range row.Total {
			n0 += size
			n1 -= size
			u0 += t
			u1 -= t
			if idx == 0 && k == len(row.Total)-1 {
				return false
			}
			if n1 >= b.minLen && n0 >= b.minLen && b.significant(n0, n1, u0/n0-u1/n1) {
				a.deleteOldest()
				return true
			}
		}
	}
	return false
}

// cutBound is river's _evaluate_cut with the terms that do not depend on
// the cut computed once per scan (the window does not change during a scan).
type cutBound struct {
	minLen, deltaPrime, varPerWidth float64
}

func (a *ADWIN) newCutBound() cutBound {
	return cutBound{
		minLen:      float64(a.cfg.MinWindowLength),
		deltaPrime:  math.Log(2 * math.Log(a.width) / a.cfg.Delta),
		varPerWidth: a.variance / a.width,
	}
}

// significant reports whether |deltaMean| exceeds
// ε = √(2·(1/m₀ + 1/m₁)·σ²·δ′) + (2/3)·δ′·(1/m₀ + 1/m₁), mᵢ = nᵢ − minLen + 1.
func (b cutBound) significant(n0, n1, deltaMean float64) bool {
	mRecip := 1/(n0-b.minLen+1) + 1/(n1-b.minLen+1)
	eps := math.Sqrt(2*mRecip*b.varPerWidth*b.deltaPrime) + 2.0/3.0*b.deltaPrime*mRecip
	return math.Abs(deltaMean) > eps
}

// deleteOldest removes the oldest bucket from the window statistics.
func (a *ADWIN) deleteOldest() {
	last := len(a.rows) - 1
	b := &a.rows[last]
	n := float64(uint64(1) << last)
	u, v := b.Total[0], b.Variance[0]
	mu := u / n
	a.width -= n
	a.total -= u
	muW := a.total / a.width
	a.variance -= v + n*a.width*(mu-muW)*(mu-muW)/(n+a.width)
	b.drop(1)
	if len(b.Total) == 0 && last > 0 {
		a.rows = a.rows[:last]
	}
}

// adwinState is the serialised form of an ADWIN.
type adwinState struct {
	Config     ADWINConfig `json:"config"`
	Rows       []bucketRow `json:"rows"`
	Total      float64     `json:"total"`
	Variance   float64     `json:"variance"`
	Width      float64     `json:"width"`
	Tick       int         `json:"tick"`
	Detected   bool        `json:"detected"`
	Detections int         `json:"detections"`
}

// MarshalJSON saves the complete state, so that a restored detector
// continues exactly where this one stopped.
func (a *ADWIN) MarshalJSON() ([]byte, error) {
	return json.Marshal(adwinState{a.cfg, a.rows, a.total, a.variance, a.width, a.tick, a.detected, a.detections})
}

// UnmarshalJSON restores a state saved by MarshalJSON.
func (a *ADWIN) UnmarshalJSON(b []byte) error {
	var s adwinState
	if err := json.Unmarshal(b, &s); err != nil {
		return smartmaint.Errorf(smartmaint.EINVALID, "adwin state: %v", err)
	}
	if err := s.Config.Validate(); err != nil {
		return err
	}
	if len(s.Rows) == 0 {
		s.Rows = []bucketRow{{}}
	}
	for _, r := range s.Rows {
		if len(r.Total) != len(r.Variance) || len(r.Total) > s.Config.MaxBuckets {
			return smartmaint.FieldErrorf("rows", "malformed bucket row in saved adwin state")
		}
	}
	*a = ADWIN{cfg: s.Config, rows: s.Rows, total: s.Total, variance: s.Variance, width: s.Width,
		tick: s.Tick, detected: s.Detected, detections: s.Detections}
	return nil
}
