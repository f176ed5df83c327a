package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// Constants of the normal behaviour model.
const (
	weatherTempSD    = 1.8        // °C, day-to-day weather on top of the daily cycle
	weatherTempTau   = 8 * 3600.0 // s
	weatherHumSD     = 5.0        // %RH
	weatherHumTau    = 6 * 3600.0 // s
	humidityPerDegC  = 2.2        // %RH lost per °C of warming
	loadNoiseSD      = 0.03       // fraction of load, short-term wander
	loadNoiseTau     = 20 * 60.0  // s
	levelLow         = 0.8        // range of the persisting random load level
	levelHigh        = 1.15       //
	supplySD         = 0.003      // fraction of nominal voltage
	supplyTau        = 30 * 60.0  // s
	voltageSag       = 0.012      // fraction of nominal voltage at full load
	unloadedLoad     = 0.3        // motor load of an unloaded compressor
	vibrationFloor   = 0.05       // mm/s measured on a stopped machine
	vibrationSpread  = 0.04       // log-normal spread of a healthy machine's vibration
	wearSpread       = 0.15       // extra spread at full wear (impacts of a damaged bearing)
	wearVibration    = 5.0        // × BaseVibration added at full wear and severity 1
	wearHeating      = 18.0       // °C added at full wear and severity 1
	wearCurrent      = 0.06       // × RatedCurrent added at full wear (friction)
	ambientLoadStart = 10.0       // °C at which an ambient-driven load starts to rise
	ambientLoadSpan  = 20.0       // °C over which it rises to full
)

// environment is a site's ambient air: a daily cycle plus weather.
type environment struct {
	site     *SiteModel
	rng      *rand.Rand
	ouTemp   ouStep
	ouHum    ouStep
	wTemp    float64
	wHum     float64
	temp     float64 // °C
	humidity float64 // %RH
}

// newEnvironment returns the site's air at c, stepped every dt seconds.
func newEnvironment(seed uint64, site *SiteModel, c clock, dt float64) *environment {
	e := &environment{site: site, rng: newRand(seed, "weather/"+site.Site.ID),
		ouTemp: newOU(weatherTempSD, weatherTempTau, dt), ouHum: newOU(weatherHumSD, weatherHumTau, dt)}
	e.compute(c)
	return e
}

// update advances the weather by one step and computes the air at c.
func (e *environment) update(c clock) {
	e.wTemp = e.ouTemp.next(e.rng, e.wTemp)
	e.wHum = e.ouHum.next(e.rng, e.wHum)
	e.compute(c)
}

func (e *environment) compute(c clock) {
	h := c.hour
	daily := e.site.DailySwing * math.Cos(2*math.Pi*(h-15)/24)
	e.temp = e.site.MeanTemp + daily + e.wTemp
	e.humidity = clamp(e.site.MeanHumidity-humidityPerDegC*(e.temp-e.site.MeanTemp)+e.wHum, 15, 98)
}

func hourOfDay(t time.Time, loc *time.Location) float64 {
	lt := t.In(loc)
	return float64(lt.Hour()) + float64(lt.Minute())/60 + float64(lt.Second())/3600
}

// clock is one step's instant with its local hour of day and the demand of
// the shift pattern, computed once per step for every asset.
type clock struct {
	t      time.Time
	hour   float64
	demand float64
}

func clockAt(t time.Time, loc *time.Location) clock {
	lt := t.In(loc)
	h, m, s := lt.Clock()
	return clock{t: t, hour: float64(h) + float64(m)/60 + float64(s)/3600, demand: shiftLoad(lt.Weekday(), h)}
}

// shiftLoad is the plant's production pattern: two day shifts and a lighter
// night on weekdays, one shift on Saturday, little on Sunday.
func shiftLoad(day time.Weekday, h int) float64 {
	switch day {
	case time.Sunday:
		return 0.3
	case time.Saturday:
		if h >= 6 && h < 14 {
			return 0.65
		}
		return 0.35
	}
	switch {
	case h >= 6 && h < 14:
		return 0.9
	case h >= 14 && h < 22:
		return 0.8
	}
	return 0.45
}

// machine is the physical state of one asset.
type machine struct {
	m   *AssetModel
	p   *Profile
	env *environment
	rng *rand.Rand
	deg *Degradation

	// Per-step constants.
	dt, pStep             float64
	kLoad, kSpeed, kTemp  decay
	ouLoadNoise, ouSupply ouStep

	level, loadNoise, supply float64
	load, motorLoad          float64
	loaded, running          bool
	wear                     float64

	speed, temp, pressure, current, voltage, vibration float64
}

// newMachine returns the asset in a steady state at c, stepped every dt
// seconds.
func newMachine(seed uint64, m *AssetModel, env *environment, deg *Degradation, c clock, dt float64) *machine {
	p := &m.Profile
	mc := &machine{m: m, p: p, env: env, deg: deg,
		rng: newRand(seed, "load/"+m.Asset.ID), level: 1, running: true, loaded: true,
		dt: dt, pStep: dt / p.StepEvery.Seconds(),
		kLoad: newDecay(p.LoadTau.Seconds(), dt), kSpeed: newDecay(p.SpinDown.Seconds(), dt),
		kTemp:       newDecay(p.ThermalTau.Seconds(), dt),
		ouLoadNoise: newOU(loadNoiseSD, loadNoiseTau, dt), ouSupply: newOU(supplySD, supplyTau, dt)}
	mc.wear, mc.running = deg.state(c.t)
	mc.load = mc.loadTarget(c)
	mc.motorLoad = mc.load
	if mc.p.Cycling {
		mc.pressure = (mc.p.CutInPressure + mc.p.CutOutPressure) / 2
	}
	mc.speed = mc.speedTarget()
	mc.temp = mc.tempTarget()
	mc.outputs(0)
	return mc
}

// update advances the machine by one step to time t.
func (mc *machine) update(c clock) {
	mc.wear, mc.running = mc.deg.state(c.t)
	if mc.rng.Float64() < mc.pStep {
		mc.level = uniform(mc.rng, levelLow, levelHigh)
	}
	mc.loadNoise = mc.ouLoadNoise.next(mc.rng, mc.loadNoise)
	mc.supply = mc.ouSupply.next(mc.rng, mc.supply)
	mc.load = mc.kLoad.lag(mc.load, mc.loadTarget(c))
	mc.motorLoad = mc.load
	if mc.p.Cycling {
		mc.cycle(mc.dt)
	}
	mc.speed = mc.kSpeed.lag(mc.speed, mc.speedTarget())
	mc.temp = mc.kTemp.lag(mc.temp, mc.tempTarget())
	mc.outputs(mc.rng.NormFloat64())
}

// loadTarget is the load the asset is asked for at t: the shift pattern (or
// ambient temperature, for an ambient-driven asset) times the persisting
// random level, plus a short-term wander.
func (mc *machine) loadTarget(c clock) float64 {
	p := mc.p
	demand := c.demand
	if p.AmbientDriven > 0 {
		amb := clamp((mc.env.temp-ambientLoadStart)/ambientLoadSpan, 0, 1)
		demand = (1-p.AmbientDriven)*demand + p.AmbientDriven*amb
	}
	return clamp(demand*p.LoadScale*mc.level+mc.loadNoise, p.LoadMin, p.LoadMax)
}

// cycle runs a compressor's load/unload control: it fills the receiver while
// loaded and the demand (its load) drains it.
func (mc *machine) cycle(dt float64) {
	p := mc.p
	rate := p.FillRate / 60 * dt
	demand := mc.load
	if mc.running && mc.loaded {
		mc.pressure += rate * (1 - demand)
	} else {
		mc.pressure = math.Max(0, mc.pressure-rate*demand)
	}
	switch {
	case !mc.running:
		mc.loaded = false
	case mc.loaded && mc.pressure >= p.CutOutPressure:
		mc.loaded = false
	case !mc.loaded && mc.pressure <= p.CutInPressure:
		mc.loaded = true
	}
	mc.motorLoad = unloadedLoad
	if mc.loaded {
		mc.motorLoad = 1
	}
}

func (mc *machine) speedTarget() float64 {
	if !mc.running {
		return 0
	}
	return mc.p.IdleRPM + (mc.p.RatedRPM-mc.p.IdleRPM)*mc.motorLoad
}

func (mc *machine) tempTarget() float64 {
	t := mc.env.temp + mc.deg.severity()*wearHeating*mc.wear
	if mc.running {
		t += mc.p.TempRise * (0.25 + 0.75*mc.motorLoad*mc.motorLoad)
	}
	return t
}

// outputs computes current, voltage, pressure and vibration from the state;
// z is a standard normal draw for the vibration's fluctuation.
func (mc *machine) outputs(z float64) {
	p := mc.p
	ratio := mc.speed / p.RatedRPM
	mc.current = 0
	if mc.running {
		mc.current = p.NoLoadCurrent + (p.RatedCurrent-p.NoLoadCurrent)*math.Pow(mc.motorLoad, p.CurrentExponent) +
			wearCurrent*p.RatedCurrent*mc.wear
	}
	drawn := 0.0
	if mc.running {
		drawn = mc.motorLoad
	}
	mc.voltage = p.NominalVoltage * (1 - voltageSag*drawn + mc.supply)
	if !p.Cycling && p.ShutoffPressure > 0 {
		mc.pressure = math.Max(0, ratio*ratio*(p.ShutoffPressure-p.PressureDrop*mc.motorLoad*mc.motorLoad))
	}
	base := p.BaseVibration * (0.3*ratio + 0.7*ratio*ratio) * (0.9 + 0.2*mc.motorLoad)
	worn := p.BaseVibration * wearVibration * mc.deg.severity() * mc.wear * ratio
	spread := vibrationSpread + wearSpread*mc.wear
	v := (base + worn) * math.Exp(spread*z-spread*spread/2)
	mc.vibration = math.Sqrt(v*v + vibrationFloor*vibrationFloor)
}

// value returns the true value of a channel.
func (mc *machine) value(ch Channel) float64 {
	switch ch {
	case ChannelTemperature:
		return mc.temp
	case ChannelVibration:
		return mc.vibration
	case ChannelPressure:
		return mc.pressure
	case ChannelCurrent:
		return mc.current
	case ChannelSpeed:
		return mc.speed
	case ChannelVoltage:
		return mc.voltage
	case ChannelAmbientTemperature:
		return mc.env.temp
	case ChannelHumidity:
		return mc.env.humidity
	}
	return math.NaN()
}

// nonNegative reports whether a channel's values cannot be below zero.
func nonNegative(ch Channel) bool {
	return ch != ChannelTemperature && ch != ChannelAmbientTemperature
}
