package sim

import (
	"fmt"
	"iter"
	"math"
	"time"

	"smartmaint"
)

// DefaultStep is the default grid on which the physical state advances.
const DefaultStep = 5 * time.Second

// Config configures a Simulator.
type Config struct {
	// Seed selects the random streams; the same seed gives the same readings.
	Seed uint64
	// Origin is where the simulation starts, from a steady state; it is
	// rounded down to the Step grid. Nothing is generated before it, and
	// generating a range costs time proportional to its end minus Origin.
	Origin time.Time
	// Step is the grid of the physical state, whole seconds; every sampling
	// interval must be a multiple of it. Zero means DefaultStep.
	Step time.Duration
	// Scenarios are injected into the assets they name; an asset without a
	// scenario behaves normally.
	Scenarios []Scenario
	// MissingRate is the probability that a sample is dropped (0–0.5). The
	// default, 0, drops nothing.
	MissingRate float64
}

// Simulator generates the readings of a plant. It is immutable after New and
// safe for concurrent use; the plant must not be modified afterwards.
type Simulator struct {
	plant   *Plant
	seed    uint64
	origin  time.Time
	step    int64 // seconds
	loc     *time.Location
	missing float64
	effects map[string]*effects
	truth   Truth
}

// New validates the plant and the configuration and compiles the scenarios.
func New(p *Plant, cfg Config) (*Simulator, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if cfg.Step == 0 {
		cfg.Step = DefaultStep
	}
	switch {
	case cfg.Origin.IsZero():
		return nil, smartmaint.FieldErrorf("origin", "is required")
	case cfg.Step < time.Second || cfg.Step%time.Second != 0:
		return nil, smartmaint.FieldErrorf("step", "must be a whole number of seconds, got %s", cfg.Step)
	case !(cfg.MissingRate >= 0 && cfg.MissingRate <= 0.5):
		return nil, smartmaint.FieldErrorf("missing_rate", "must be between 0 and 0.5, got %v", cfg.MissingRate)
	}
	step := int64(cfg.Step / time.Second)
	for _, a := range p.Assets {
		if err := a.Profile.validate(a.Asset.ID); err != nil {
			return nil, err
		}
		for _, s := range a.Sensors {
			if int64(s.Sensor.SamplingInterval)%step != 0 {
				return nil, smartmaint.FieldErrorf("sampling_interval_seconds",
					"sensor %q: %v s is not a multiple of the %d s step", s.Sensor.ID, s.Sensor.SamplingInterval, step)
			}
		}
	}
	eff, err := compileScenarios(p, cfg.Scenarios, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	s := &Simulator{plant: p, seed: cfg.Seed, step: step, loc: p.Location, missing: cfg.MissingRate, effects: eff,
		origin: time.Unix(floorDiv(cfg.Origin.Unix(), step)*step, 0).UTC()}
	if s.loc == nil {
		s.loc = time.UTC
	}
	for _, e := range eff {
		s.truth = append(s.truth, e.truth...)
	}
	s.truth.sort()
	return s, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Plant returns the simulated plant.
func (s *Simulator) Plant() *Plant { return s.plant }

// Origin returns the first instant of the simulation.
func (s *Simulator) Origin() time.Time { return s.origin }

// Truth returns the ground truth of every scenario, ordered by start.
func (s *Simulator) Truth() Truth { return append(Truth(nil), s.truth...) }

// Generate returns every reading of the plant with a timestamp in [from, to),
// ordered by time, then by asset and sensor in plant order. Times before the
// origin are skipped.
func (s *Simulator) Generate(from, to time.Time) []smartmaint.Reading {
	c, _ := s.Cursor(from)
	c.reserve(s.plant.Assets, from, to)
	return c.Next(to, 0)
}

// GenerateAsset is Generate restricted to one asset; its readings equal
// those of that asset in Generate.
func (s *Simulator) GenerateAsset(assetID string, from, to time.Time) ([]smartmaint.Reading, error) {
	c, err := s.Cursor(from, assetID)
	if err != nil {
		return nil, err
	}
	c.reserve(c.eng.models(), from, to)
	return c.Next(to, 0), nil
}

// Readings iterates over the readings of [from, to) without holding them
// all in memory, for the given assets (none: all), in Generate's order.
func (s *Simulator) Readings(from, to time.Time, assetIDs ...string) iter.Seq[smartmaint.Reading] {
	return func(yield func(smartmaint.Reading) bool) {
		c, err := s.Cursor(from, assetIDs...)
		if err != nil {
			return
		}
		for {
			batch := c.view(to, 1024)
			if len(batch) == 0 {
				return
			}
			for _, r := range batch {
				if !yield(r) {
					return
				}
			}
		}
	}
}

// Cursor generates readings in time order from from onwards, continuing
// where its previous call stopped. It is not safe for concurrent use.
type Cursor struct {
	eng     *engine
	from    time.Time
	pending []smartmaint.Reading
	shown   int // readings of pending handed out by view
}

// Cursor returns a cursor over the readings of the given assets (none: all)
// from from onwards; ENOTFOUND names an unknown asset.
func (s *Simulator) Cursor(from time.Time, assetIDs ...string) (*Cursor, error) {
	assets := s.plant.Assets
	if len(assetIDs) > 0 {
		assets = nil
		for _, id := range assetIDs {
			a, ok := s.plant.Asset(id)
			if !ok {
				return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "The plant has no asset %q.", id)
			}
			assets = append(assets, a)
		}
	}
	return &Cursor{eng: newEngine(s, assets), from: from}, nil
}

// Next returns the readings not returned yet whose timestamps are before to,
// in time order: at most max of them, or all when max ≤ 0. It returns an
// empty slice when nothing more is due before to.
func (c *Cursor) Next(to time.Time, max int) []smartmaint.Reading {
	c.fill(to, max)
	if max <= 0 || len(c.pending) <= max {
		out := c.pending
		c.pending = nil
		return out
	}
	out := make([]smartmaint.Reading, max)
	copy(out, c.pending)
	c.pending = append(c.pending[:0], c.pending[max:]...)
	return out
}

// fill steps until max readings are pending (any number when max ≤ 0) or the
// next step is not before to.
func (c *Cursor) fill(to time.Time, max int) {
	for max <= 0 || len(c.pending) < max {
		if !c.eng.next().Before(to) {
			break
		}
		c.eng.tick()
		c.pending = c.eng.emit(c.pending, !c.eng.t.Before(c.from))
	}
}

// view is Next without copying: the slice is only valid until the next call.
func (c *Cursor) view(to time.Time, max int) []smartmaint.Reading {
	c.pending = c.pending[:copy(c.pending, c.pending[c.shown:])]
	c.fill(to, max)
	c.shown = min(max, len(c.pending))
	return c.pending[:c.shown]
}

// reserve sizes the buffer for the readings of the assets in [from, to).
func (c *Cursor) reserve(assets []*AssetModel, from, to time.Time) {
	if from.Before(c.eng.sim.origin) {
		from = c.eng.sim.origin
	}
	secs := to.Sub(from).Seconds()
	if secs <= 0 {
		return
	}
	n := 0.0
	for _, a := range assets {
		for _, s := range a.Sensors {
			n += secs/s.Sensor.SamplingInterval + 1
		}
	}
	c.pending = make([]smartmaint.Reading, 0, int(math.Min(n, 1<<26)))
}

// validate checks the parameters the physics divides by or needs ordered.
func (p *Profile) validate(assetID string) error {
	bad := func(field, reason string) error {
		return smartmaint.FieldErrorf("profile."+field, "asset %q: %s", assetID, reason)
	}
	switch {
	case p.StepEvery <= 0:
		return bad("step_every", "must be positive")
	case p.LoadTau < 0 || p.ThermalTau < 0 || p.SpinDown < 0:
		return bad("time_constants", "must not be negative")
	case !(p.RatedRPM > 0):
		return bad("rated_rpm", "must be positive")
	case !(p.LoadMin >= 0 && p.LoadMin <= p.LoadMax):
		return bad("load_min", "must be between 0 and load_max")
	case p.Cycling && !(p.CutInPressure < p.CutOutPressure && p.FillRate > 0):
		return bad("cut_out_pressure", "a cycling compressor needs cut-in < cut-out and a positive fill rate")
	case math.IsNaN(p.BaseVibration + p.TempRise + p.RatedCurrent + p.NoLoadCurrent + p.NominalVoltage + p.CurrentExponent):
		return bad("parameters", "must be numbers")
	}
	return nil
}
