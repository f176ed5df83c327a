package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"smartmaint"
)

// engine steps the state of some assets (and their sites' weather) along the
// grid from the origin, and samples their sensors.
type engine struct {
	sim     *Simulator
	t       time.Time // time of the current state
	started bool
	envs    []*environment
	assets  []*assetEngine
}

type assetEngine struct {
	model   *AssetModel
	eff     *effects
	mc      *machine
	sensors []sensorState
}

// sensorState is one sensor's measurement chain.
type sensorState struct {
	m        *SensorModel
	interval int64
	noise    *rand.Rand
	anomaly  *rand.Rand // draws of anomalies, apart so they leave the noise alone
	miss     *rand.Rand // nil when no samples are dropped
	drifts   []Drift
	events   []AnomalyEvent
	next     int     // first event that may not have ended
	good     float64 // last reading outside an anomaly, repeated by a stuck sensor
	hasGood  bool
}

func newEngine(s *Simulator, assets []*AssetModel) *engine {
	e := &engine{sim: s}
	for _, a := range assets {
		ae := &assetEngine{model: a, eff: s.effects[a.Asset.ID]}
		if ae.eff == nil {
			ae.eff = newEffects()
		}
		for i := range a.Sensors {
			sm := &a.Sensors[i]
			st := sensorState{m: sm, interval: int64(sm.Sensor.SamplingInterval),
				noise:   newRand(s.seed, "noise/"+sm.Sensor.ID),
				anomaly: newRand(s.seed, "anomaly/"+sm.Sensor.ID),
				drifts:  ae.eff.drifts[sm.Sensor.ID], events: ae.eff.events[sm.Sensor.ID]}
			if s.missing > 0 {
				st.miss = newRand(s.seed, "missing/"+sm.Sensor.ID)
			}
			ae.sensors = append(ae.sensors, st)
		}
		e.assets = append(e.assets, ae)
	}
	return e
}

func (e *engine) models() []*AssetModel {
	out := make([]*AssetModel, len(e.assets))
	for i, a := range e.assets {
		out[i] = a.model
	}
	return out
}

// next returns the time of the state the next tick produces.
func (e *engine) next() time.Time {
	if !e.started {
		return e.sim.origin
	}
	return e.t.Add(time.Duration(e.sim.step) * time.Second)
}

// tick moves the state to the next grid time; the first tick sets up the
// steady state at the origin.
func (e *engine) tick() {
	t := e.next()
	if !e.started {
		e.start(t)
		return
	}
	c := clockAt(t, e.sim.loc)
	for _, env := range e.envs {
		env.update(c)
	}
	for _, a := range e.assets {
		a.mc.update(c)
	}
	e.t = t
}

func (e *engine) start(t time.Time) {
	c := clockAt(t, e.sim.loc)
	bySite := map[string]*environment{}
	for _, a := range e.assets {
		id := a.model.Asset.SiteID
		env := bySite[id]
		if env == nil {
			env = newEnvironment(e.sim.seed, e.sim.plant.site(id), c, float64(e.sim.step))
			bySite[id] = env
			e.envs = append(e.envs, env)
		}
		a.mc = newMachine(e.sim.seed, a.model, env, a.eff.degradation, c, float64(e.sim.step))
	}
	e.t, e.started = t, true
}

// emit samples the sensors due at the current time; the readings are
// appended to dst only when keep is set, but every sensor's measurement
// chain advances either way, so the output does not depend on where a range
// starts.
func (e *engine) emit(dst []smartmaint.Reading, keep bool) []smartmaint.Reading {
	sec := e.t.Unix()
	for _, a := range e.assets {
		for i := range a.sensors {
			st := &a.sensors[i]
			if sec%st.interval != 0 {
				continue
			}
			r, ok := st.sample(e.t, a.mc, e.sim.missing)
			if keep && ok {
				dst = append(dst, r)
			}
		}
	}
	return dst
}

// sample measures the sensor's channel at t: true value, drift, noise, then
// any anomaly; it reports false for a dropped sample.
func (st *sensorState) sample(t time.Time, mc *machine, missing float64) (smartmaint.Reading, bool) {
	v := mc.value(st.m.Channel)
	for i := range st.drifts {
		v += st.drifts[i].offset(t)
	}
	noise := st.m.Noise * st.noise.NormFloat64()
	if st.m.Channel != ChannelSpeed || v >= 0.5 {
		v += noise // a stopped shaft gives no pulses: its speed reads 0
	}
	quality := 1.0
	if ev := st.event(t); ev != nil {
		if !st.hasGood {
			st.good, st.hasGood = st.finish(v), true
		}
		v = st.anomalous(ev, v)
		quality = uniform(st.anomaly, anomalyQualityLow, anomalyQualityHigh)
	} else {
		v = st.finish(v)
		st.good, st.hasGood = v, true
	}
	if st.miss != nil && st.miss.Float64() < missing {
		return smartmaint.Reading{}, false
	}
	return smartmaint.Reading{SensorID: st.m.Sensor.ID, Time: t, Value: v, Quality: quality,
		SensorType: st.m.Sensor.Type, Unit: st.m.Sensor.Unit}, true
}

// event returns the anomaly covering t, if any.
func (st *sensorState) event(t time.Time) *AnomalyEvent {
	for st.next < len(st.events) && !t.Before(st.events[st.next].Start.Add(st.events[st.next].Duration)) {
		st.next++
	}
	if st.next < len(st.events) && st.events[st.next].covers(t) {
		return &st.events[st.next]
	}
	return nil
}

func (st *sensorState) anomalous(ev *AnomalyEvent, v float64) float64 {
	switch ev.Kind {
	case AnomalySpike:
		return st.finish(v + ev.Magnitude)
	case AnomalyDip:
		return st.finish(v - ev.Magnitude)
	case AnomalyNoiseBurst:
		return st.finish(v + ev.Magnitude*st.anomaly.NormFloat64())
	}
	return st.good // stuck
}

// finish bounds a value to what the quantity allows and rounds it to the
// sensor's resolution.
func (st *sensorState) finish(v float64) float64 {
	if nonNegative(st.m.Channel) {
		v = math.Max(0, v)
	}
	if st.m.Channel == ChannelHumidity {
		v = math.Min(100, v)
	}
	v = roundTo(v, st.m.Resolution)
	if v == 0 {
		v = 0 // no negative zero
	}
	return v
}
