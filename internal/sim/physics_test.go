package sim

import (
	"math"
	"testing"
	"time"
)

// TestNormalOperationStaysWithinLimits runs a week of normal operation and
// checks every reading against its sensor's expected range and alarm limits:
// a healthy plant raises no alarm.
func TestNormalOperationStaysWithinLimits(t *testing.T) {
	days := 7
	if testing.Short() {
		days = 2
	}
	s := newDemo(t, 2024)
	sensors := map[string]*SensorModel{}
	for _, a := range s.Plant().Assets {
		for i := range a.Sensors {
			sensors[a.Sensors[i].Sensor.ID] = &a.Sensors[i]
		}
	}
	n := 0
	for r := range s.Readings(monday, monday.Add(time.Duration(days)*24*time.Hour)) {
		sn := sensors[r.SensorID].Sensor
		al := sn.Alarms
		switch {
		case !sn.InRange(r.Value):
			t.Fatalf("%s = %v at %s is outside its expected range", r.SensorID, r.Value, r.Time)
		case al.High != nil && r.Value >= *al.High, al.Low != nil && r.Value <= *al.Low:
			t.Fatalf("%s = %v at %s trips an alarm limit %+v", r.SensorID, r.Value, r.Time, al)
		case math.IsNaN(r.Value) || r.Quality != 1:
			t.Fatalf("%s at %s: value %v quality %v", r.SensorID, r.Time, r.Value, r.Quality)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no readings")
	}
}

// trace records an asset's load and true channel values at every step.
type trace struct {
	load, temp, current, speed, vibration, pressure, ambient []float64
	times                                                    []time.Time
}

func traceAsset(tb testing.TB, s *Simulator, assetID string, to time.Time) trace {
	tb.Helper()
	a, ok := s.Plant().Asset(assetID)
	if !ok {
		tb.Fatalf("no asset %s", assetID)
	}
	e := newEngine(s, []*AssetModel{a})
	var tr trace
	for e.next().Before(to) {
		e.tick()
		mc := e.assets[0].mc
		tr.times = append(tr.times, e.t)
		tr.load = append(tr.load, mc.load)
		tr.temp = append(tr.temp, mc.temp)
		tr.current = append(tr.current, mc.current)
		tr.speed = append(tr.speed, mc.speed)
		tr.vibration = append(tr.vibration, mc.vibration)
		tr.pressure = append(tr.pressure, mc.pressure)
		tr.ambient = append(tr.ambient, mc.env.temp)
	}
	return tr
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestLoadDrivesTheOtherQuantities(t *testing.T) {
	s := newDemo(t, 99)
	end := monday.Add(3 * 24 * time.Hour)
	motor := traceAsset(t, s, "motor-01", end)
	pump := traceAsset(t, s, "pump-01", end)
	fan := traceAsset(t, s, "fan-01", end)
	tests := []struct {
		name   string
		x, y   []float64
		lo, hi float64
	}{
		{"motor current follows load", motor.load, motor.current, 0.99, 1},
		{"motor temperature follows load", motor.load, motor.temp, 0.8, 1},
		{"motor slows under load (slip)", motor.load, motor.speed, -1, -0.99},
		{"motor vibration grows with load", motor.load, motor.vibration, 0.5, 1},
		{"pump head falls with flow", pump.load, pump.pressure, -1, -0.95},
		{"pump current follows load", pump.load, pump.current, 0.99, 1},
		{"fan speed follows its load", fan.load, fan.speed, 0.99, 1},
		{"fan load follows ambient", fan.ambient, fan.load, 0.7, 1},
		{"fan vibration follows speed", fan.speed, fan.vibration, 0.9, 1},
	}
	for _, tt := range tests {
		if r := pearson(tt.x, tt.y); r < tt.lo || r > tt.hi {
			t.Errorf("%s: correlation %.3f, want within [%g, %g]", tt.name, r, tt.lo, tt.hi)
		}
	}
}

// TestMeasuredCurrentAndTemperatureCorrelate checks the correlation on the
// readings themselves, noise and rounding included.
func TestMeasuredCurrentAndTemperatureCorrelate(t *testing.T) {
	s := newDemo(t, 21)
	rs, err := s.GenerateAsset("motor-01", monday, monday.Add(3*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	current := map[time.Time]float64{}
	for _, r := range rs {
		if r.SensorID == "motor-01-current" {
			current[r.Time] = r.Value
		}
	}
	var cur, temp []float64
	for _, r := range rs {
		if r.SensorID == "motor-01-winding-temp" {
			cur, temp = append(cur, current[r.Time]), append(temp, r.Value)
		}
	}
	if len(temp) != 3*24*120 {
		t.Fatalf("%d temperature readings in 3 days", len(temp))
	}
	if r := pearson(cur, temp); r < 0.8 {
		t.Fatalf("measured current and winding temperature correlate %.3f", r)
	}
}

func TestTemperatureLagsLoad(t *testing.T) {
	s := newDemo(t, 4)
	tr := traceAsset(t, s, "motor-01", monday.Add(3*24*time.Hour))
	tau := int(s.Plant().Assets[1].Profile.ThermalTau / DefaultStep)
	n := len(tr.load)
	now := pearson(tr.load[tau:], tr.temp[tau:])
	lagged := pearson(tr.load[:n-tau], tr.temp[tau:])
	if !(lagged > now) {
		t.Fatalf("temperature correlates %.3f with the load one time constant earlier, %.3f with the load now; want a lag", lagged, now)
	}
}

func TestShiftPatternAndWeekend(t *testing.T) {
	s := newDemo(t, 8)
	tr := traceAsset(t, s, "motor-01", monday.Add(7*24*time.Hour))
	mean := func(keep func(time.Time) bool) float64 {
		sum, n := 0.0, 0
		for i, at := range tr.times {
			if keep(at) {
				sum += tr.load[i]
				n++
			}
		}
		return sum / float64(n)
	}
	weekdayDay := mean(func(at time.Time) bool { return at.Weekday() < time.Saturday && at.Hour() >= 8 && at.Hour() < 13 })
	weekdayNight := mean(func(at time.Time) bool { return at.Weekday() < time.Saturday && at.Hour() >= 0 && at.Hour() < 5 })
	sunday := mean(func(at time.Time) bool { return at.Weekday() == time.Sunday })
	if !(weekdayDay > weekdayNight+0.2 && weekdayNight > sunday) {
		t.Fatalf("mean load: weekday day %.2f, weekday night %.2f, Sunday %.2f", weekdayDay, weekdayNight, sunday)
	}
}

func TestAmbientDailyCycle(t *testing.T) {
	s := newDemo(t, 12)
	tr := traceAsset(t, s, "fan-01", monday.Add(7*24*time.Hour))
	var afternoon, night float64
	for i, at := range tr.times {
		switch at.Hour() {
		case 15:
			afternoon += tr.ambient[i]
		case 3:
			night += tr.ambient[i]
		}
	}
	// Site swing 7 °C: 15:00 and 03:00 differ by about 14 °C on average.
	if d := (afternoon - night) / (7 * 720); d < 10 || d > 18 {
		t.Fatalf("afternoon is %.1f °C warmer than night on average; want about 14", d)
	}
}

func TestCompressorCyclesBetweenCutInAndCutOut(t *testing.T) {
	s := newDemo(t, 6)
	tr := traceAsset(t, s, "compressor-01", monday.Add(24*time.Hour))
	p := s.Plant().Assets[2].Profile
	loads, rising := 0, false
	for i, v := range tr.pressure {
		if v < p.CutInPressure-0.1 || v > p.CutOutPressure+0.1 {
			t.Fatalf("pressure %.2f bar at %s leaves the %.1f–%.1f band", v, tr.times[i], p.CutInPressure, p.CutOutPressure)
		}
		if i > 0 {
			up := v > tr.pressure[i-1]
			if up && !rising {
				loads++
			}
			rising = up
		}
	}
	if loads < 100 || loads > 400 {
		t.Fatalf("%d load cycles in a day; a screw compressor on load/unload cycles every few minutes", loads)
	}
}
