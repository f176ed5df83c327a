package anomaly

import (
	"math"
	"time"
)

// profile is an additive seasonal model with time-binned seasonality: a
// slowly moving level plus one offset per bin of the period (time of day, or
// hour of the week). Binning by the clock instead of counting samples makes
// it indifferent to missing samples and irregular timestamps. Its fields are
// exported for the saved state only.
type profile struct {
	Period  int64     // seconds
	Offsets []float64 // seasonal offset per bin
	Seen    []bool    // whether a bin has had a sample
	Level   float64
	Start   int64   // unix seconds of the first sample
	Started bool    // whether Start and Level are set
	MAE     float64 // exponentially weighted mean absolute one-step error
	Errors  int     // errors folded into MAE
}

// newProfile returns an empty profile with bins bins over period.
func newProfile(period time.Duration, bins int) profile {
	return profile{Period: int64(period / time.Second), Offsets: make([]float64, bins), Seen: make([]bool, bins)}
}

// bin returns the bin of unix time sec.
func (p *profile) bin(sec int64) int {
	phase := sec % p.Period
	if phase < 0 {
		phase += p.Period
	}
	return int(phase * int64(len(p.Offsets)) / p.Period)
}

// predict returns the model's forecast for unix time sec and whether it has
// seen a whole period and this bin.
func (p *profile) predict(sec int64) (float64, bool) {
	if !p.Started || sec-p.Start < p.Period {
		return p.Level, false
	}
	b := p.bin(sec)
	if !p.Seen[b] {
		return p.Level, false
	}
	return p.Level + p.Offsets[b], true
}

// offset returns the seasonal offset at unix time sec, interpolated between
// the centres of the two nearest bins, and whether the profile is ready there.
func (p *profile) offset(sec int64) (float64, bool) {
	if !p.Started || sec-p.Start < p.Period {
		return 0, false
	}
	n := int64(len(p.Offsets))
	phase := sec % p.Period
	if phase < 0 {
		phase += p.Period
	}
	// Position in bins, measured from the centre of bin 0.
	pos := float64(phase*n)/float64(p.Period) - 0.5
	if pos < 0 {
		pos += float64(n)
	}
	lo := int(pos)
	hi := (lo + 1) % int(n)
	if !p.Seen[lo] || !p.Seen[hi] {
		return 0, false
	}
	f := pos - float64(lo)
	return p.Offsets[lo]*(1-f) + p.Offsets[hi]*f, true
}

// step returns the seasonal offset of the bin holding unix time sec, without
// interpolation, and whether the profile is ready there.
func (p *profile) step(sec int64) (float64, bool) {
	if !p.Started || sec-p.Start < p.Period {
		return 0, false
	}
	b := p.bin(sec)
	return p.Offsets[b], p.Seen[b]
}

// update folds in value v at unix time sec with level and seasonal learning
// rates alpha and gamma, and the error rate rho.
func (p *profile) update(sec int64, v, alpha, gamma, rho float64) {
	if !p.Started {
		p.Started, p.Start, p.Level = true, sec, v
	}
	if pred, ok := p.predict(sec); ok {
		p.MAE += rho * (math.Abs(v-pred) - p.MAE)
		p.Errors++
	}
	b := p.bin(sec)
	if !p.Seen[b] {
		p.Seen[b] = true
		p.Offsets[b] = v - p.Level
	} else {
		p.Offsets[b] += gamma * (v - p.Level - p.Offsets[b])
	}
	p.Level += alpha * (v - p.Offsets[b] - p.Level)
}
