package anomaly

import (
	"math"
	"time"
)

// Statistics watched by the detector, in the order of state.Tails.
const (
	statSpike = iota
	statShortShift
	statLongShift
	statContext
	statNoiseUp
	statNoiseDown
	statFlatline
	statLevel
	numStats
)

// causes maps each statistic to the cause it reports.
var causes = [numStats]Cause{CauseSpike, CauseLevelShift, CauseLevelShift, CauseContext,
	CauseNoiseUp, CauseNoiseDown, CauseFlatline, CauseLevel}

// Seasonal modes: how the short-term statistics remove the expected
// seasonal movement.
const (
	modeNone = iota
	modeDaily
	modeWeekly
	modeDailySteps  // the daily profile without interpolation: edges at fixed times of day
	modeWeeklySteps // the same for the weekly profile
	numModes
)

// state is everything a detector remembers. Fields are exported for the
// saved state only.
type state struct {
	Count    int     // readings seen
	Last     float64 // previous value
	LastTime int64   // previous timestamp, unix nanoseconds
	LastSec  int64   // previous timestamp, wall-clock seconds
	Interval float64 // typical seconds between readings (running median)

	// Deseasonalisation: the mode in use and each mode's running mean
	// absolute one-step change once its expected seasonal change is removed.
	Mode      int
	ModeError [numModes]float64

	Fast4, Slow32, Fast16, Slow128 float64 // moving averages of the deseasonalised value
	Vol                            float64 // moving average of |unexpected jump|
	Ctx                            float64 // moving average of the seasonal model's residual
	LongMean, LongDev              float64 // long-memory mean and mean absolute deviation of the deseasonalised value

	Run                 int     // length of the current run of identical values
	RepStart, RepStartN float64 // decayed repeats after a change, and changes
	RepCont, RepContN   float64 // decayed repeats after a repeat, and repeats

	Daily  profile
	Weekly profile

	Tails [numStats]tail

	Peak      float64 // decaying score of the last report
	Alerted   bool
	LastAlert int64 // unix nanoseconds of the last alert
}

// newState returns the state of a fresh detector.
func newState(cfg Config) state {
	st := state{
		Daily:  newProfile(24*time.Hour, 96),
		Weekly: newProfile(7*24*time.Hour, 168),
	}
	for i := range st.Tails {
		st.Tails[i] = newTail(cfg.HalfLife)
	}
	return st
}

// ewma moves m towards x by a fraction a.
func ewma(m *float64, x, a float64) { *m += a * (x - *m) }

// seasonal learning rates: level, offsets, errors.
const (
	levelRate  = 0.05
	offsetRate = 0.2
	errorRate  = 0.01
	modeRate   = 0.005
	repeatRate = 0.001
	longRate   = 0.001
)

// minFlatRun is the shortest run of identical values scored as a flat line.
const minFlatRun = 4

// offsetOf returns the seasonal offset of mode m at wall-clock second sec
// (0 when the mode has none or is not ready).
func (st *state) offsetOf(m int, sec int64) (float64, bool) {
	switch m {
	case modeDaily:
		return st.Daily.offset(sec)
	case modeWeekly:
		return st.Weekly.offset(sec)
	case modeDailySteps:
		return st.Daily.step(sec)
	case modeWeeklySteps:
		return st.Weekly.step(sec)
	}
	return 0, true
}

// observe folds in one reading and returns its corrected tail probability
// and the statistic responsible.
func (st *state) observe(t time.Time, v float64, cfg Config) (float64, Cause) {
	ns := t.UnixNano()
	_, zone := t.Zone()
	sec := t.Unix() + int64(zone) // seconds on the timestamp's own wall clock
	st.Count++
	if st.Count == 1 {
		st.Last, st.LastTime, st.LastSec = v, ns, sec
		st.Fast4, st.Slow32, st.Fast16, st.Slow128, st.LongMean = v, v, v, v, v
		st.Run = 1
		st.Daily.update(sec, v, levelRate, offsetRate, errorRate)
		st.Weekly.update(sec, v, levelRate, offsetRate, errorRate)
		return 1, CauseNone
	}
	gap := st.gap(ns)
	jump := st.unexpectedJump(sec, v) / math.Sqrt(gap)
	st.chooseMode()
	off, _ := st.offsetOf(st.Mode, sec)
	u := v - off
	ewma(&st.Fast4, u, 1.0/4)
	ewma(&st.Slow32, u, 1.0/32)
	ewma(&st.Fast16, u, 1.0/16)
	ewma(&st.Slow128, u, 1.0/128)
	ewma(&st.Vol, jump, 1.0/16)
	level := math.Abs(st.Fast4-st.LongMean) / (st.LongDev + 1e-12*(1+math.Abs(st.LongMean)))
	ewma(&st.LongDev, math.Abs(u-st.LongMean), longRate)
	ewma(&st.LongMean, u, longRate)
	ewma(&st.Ctx, st.seasonalResidual(sec, v), 1.0/8)
	pFlat, ended := st.repeats(v)

	var x [numStats]float64
	x[statSpike] = jump
	x[statShortShift] = math.Abs(st.Fast4 - st.Slow32)
	x[statLongShift] = math.Abs(st.Fast16 - st.Slow128)
	x[statContext] = math.Abs(st.Ctx)
	x[statNoiseUp] = st.Vol
	x[statNoiseDown] = 1 / (st.Vol + 1e-12*(1+math.Abs(st.Slow128)))
	x[statFlatline] = float64(st.Run)
	x[statLevel] = level

	pMin, cause, k := 1.0, CauseNone, 0
	for i := range x {
		tl := &st.Tails[i]
		y := octaves(x[i])
		if tl.ready(cfg.MinHistory) {
			k++
			p := tl.pvalueAt(y)
			if i == statFlatline {
				// Both the run length's own history and a Markov model of
				// repeats must find the run rare.
				p = math.Max(p, pFlat)
				if st.Run < minFlatRun {
					p = 1
				}
			}
			if p < pMin {
				pMin, cause = p, causes[i]
			}
		}
		switch {
		case i != statFlatline:
			tl.updateAt(y)
		case ended > 0:
			// Run lengths are learnt once per completed run.
			tl.update(float64(ended))
		}
	}
	st.Daily.update(sec, v, levelRate, offsetRate, errorRate)
	st.Weekly.update(sec, v, levelRate, offsetRate, errorRate)
	st.Last, st.LastTime, st.LastSec = v, ns, sec
	p := math.Min(1, pMin*float64(max(k, 1)))
	if p >= 1 {
		cause = CauseNone
	}
	return p, cause
}

// unexpectedJump returns |v − previous value| less the seasonal change the
// current mode expects between the two timestamps, and updates every
// mode's running error.
func (st *state) unexpectedJump(sec int64, v float64) float64 {
	dv := v - st.Last
	jump := math.Abs(dv)
	for m := range numModes {
		now, ok1 := st.offsetOf(m, sec)
		before, ok2 := st.offsetOf(m, st.LastSec)
		if !ok1 || !ok2 {
			if m == st.Mode {
				st.Mode = modeNone
			}
			continue
		}
		e := math.Abs(dv - (now - before))
		if m == st.Mode {
			jump = e
		}
		ewma(&st.ModeError[m], e, modeRate)
	}
	return jump
}

// chooseMode switches to a seasonal mode when its running error is clearly
// (10%) below the current mode's, once it has been ready for a while.
func (st *state) chooseMode() {
	for m := range numModes {
		p := &st.Daily
		if m == modeWeekly || m == modeWeeklySteps {
			p = &st.Weekly
		}
		if m != modeNone && p.Errors < 500 {
			continue
		}
		if st.ModeError[m] < 0.9*st.ModeError[st.Mode] {
			st.Mode = m
		}
	}
}

// repeats updates the run of identical values and the Markov model of
// repeats. It returns the model's probability of a run at least as long as
// the current one, and the length of the run that v ended (0 if none). The
// probability of continuing a run is learnt from completed runs only, so a
// stuck sensor is not learnt as normal while it is stuck.
func (st *state) repeats(v float64) (float64, int) {
	if v != st.Last {
		ended := st.Run
		if ended == 1 {
			ewma(&st.RepStart, 0, repeatRate)
			ewma(&st.RepStartN, 1, repeatRate)
		} else {
			// The run continued ended−2 times, then stopped.
			keep := math.Pow(1-repeatRate, float64(ended-2))
			st.RepCont = 1 - (1-st.RepCont)*keep
			st.RepContN = 1 - (1-st.RepContN)*keep
			ewma(&st.RepCont, 0, repeatRate)
			ewma(&st.RepContN, 1, repeatRate)
		}
		st.Run = 1
		return 1, ended
	}
	if st.Run == 1 {
		ewma(&st.RepStart, 1, repeatRate)
		ewma(&st.RepStartN, 1, repeatRate)
	}
	st.Run++
	// Estimates with a uniform prior worth one observation in each state.
	scale := 1 / repeatRate
	pStart := (st.RepStart*scale + 0.5) / (st.RepStartN*scale + 1)
	pCont := (st.RepCont*scale + 0.5) / (st.RepContN*scale + 1)
	return pStart * math.Pow(pCont, float64(st.Run-2)), 0
}

// gap returns how many typical intervals separate ns from the previous
// reading (at least 1), and updates the running median of the interval.
func (st *state) gap(ns int64) float64 {
	dt := float64(ns-st.LastTime) / 1e9
	if dt <= 0 {
		return 1
	}
	if st.Interval == 0 {
		st.Interval = dt
	} else if dt > st.Interval {
		st.Interval *= 1.02
	} else if dt < st.Interval {
		st.Interval /= 1.02
	}
	return math.Max(1, dt/st.Interval)
}

// seasonalResidual returns v minus the better of the daily and weekly
// profiles' forecasts (by their running errors), or minus the slow mean when
// neither profile is ready.
func (st *state) seasonalResidual(sec int64, v float64) float64 {
	best, bestMAE := st.Slow128, math.Inf(1)
	for _, p := range []*profile{&st.Daily, &st.Weekly} {
		if pred, ok := p.predict(sec); ok && p.Errors >= 50 && p.MAE < bestMAE {
			best, bestMAE = pred, p.MAE
		}
	}
	return v - best
}
