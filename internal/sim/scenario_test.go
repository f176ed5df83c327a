package sim

import (
	"math"
	"testing"
	"time"

	"smartmaint"
)

// series returns one sensor's readings of [from, to) keyed by time.
func series(tb testing.TB, s *Simulator, sensorID string, from, to time.Time) map[time.Time]smartmaint.Reading {
	tb.Helper()
	out := map[time.Time]smartmaint.Reading{}
	for _, r := range s.Generate(from, to) {
		if r.SensorID == sensorID {
			out[r.Time] = r
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no readings of %s", sensorID)
	}
	return out
}

// The scenarios only add to the measurement, so a run with a scenario and a
// run without it share every random draw; their difference is the effect.

func TestDriftShiftsOnlyTheDriftingSensor(t *testing.T) {
	start, dur := monday.Add(2*time.Hour), 4*time.Hour
	for _, exp := range []bool{false, true} {
		d := Drift{Asset: "motor-01", Start: start, Duration: dur, Magnitude: 12, Exponential: exp}
		base, drifted := newDemo(t, 31), newDemo(t, 31, d)
		to := start.Add(6 * time.Hour)
		a, b := base.Generate(monday, to), drifted.Generate(monday, to)
		if len(a) != len(b) {
			t.Fatalf("%d readings with drift, %d without", len(b), len(a))
		}
		for i := range a {
			diff := b[i].Value - a[i].Value
			want := 0.0
			if a[i].SensorID == "motor-01-winding-temp" {
				want = d.offset(a[i].Time)
			}
			if math.Abs(diff-want) > 0.1+1e-9 || b[i].Quality != 1 {
				t.Fatalf("exponential=%v %s at %s: shifted by %.3f, want %.3f", exp, a[i].SensorID, a[i].Time, diff, want)
			}
		}
		half := d.offset(start.Add(dur / 2))
		if exp && !(half < 0.3*d.Magnitude) || !exp && math.Abs(half-6) > 1e-9 {
			t.Errorf("exponential=%v: offset at half time %.2f", exp, half)
		}
		if got := d.offset(to); got != d.Magnitude {
			t.Errorf("offset after the drift %.3f, want %v", got, d.Magnitude)
		}
		truth := drifted.Truth()
		if len(truth) != 1 || truth[0].Kind != "drift" || !truth[0].Start.Equal(start) || truth[0].SensorID != "motor-01-winding-temp" {
			t.Errorf("truth %+v", truth)
		}
	}
}

func TestExplicitAnomalies(t *testing.T) {
	at := monday.Add(3 * time.Hour)
	events := []AnomalyEvent{
		{SensorID: "pump-01-bearing-temp", Kind: AnomalySpike, Start: at, Magnitude: 30},
		{SensorID: "pump-01-discharge-pressure", Kind: AnomalyDip, Start: at.Add(3 * time.Second), Duration: 30 * time.Second, Magnitude: 2},
		{SensorID: "pump-01-speed", Kind: AnomalyStuck, Start: at, Duration: 20 * time.Minute},
		{SensorID: "pump-01-vibration", Kind: AnomalyNoiseBurst, Start: at, Duration: 30 * time.Minute, Magnitude: 1.5},
	}
	base, s := newDemo(t, 17), newDemo(t, 17, Anomalies{Asset: "pump-01", Events: events})
	from, to := at.Add(-time.Hour), at.Add(time.Hour)
	truth := s.Truth()
	if len(truth) != 4 {
		t.Fatalf("truth has %d events: %+v", len(truth), truth)
	}
	for _, ev := range truth {
		inside, outside := 0, 0
		want, got := series(t, base, ev.SensorID, from, to), series(t, s, ev.SensorID, from, to)
		var diffs, stuck []float64
		for ts, r := range got {
			if !truth.Anomalous(ev.SensorID, ts) {
				outside++
				if r.Value != want[ts].Value || r.Quality != 1 {
					t.Fatalf("%s at %s outside the window changed", ev.SensorID, ts)
				}
				continue
			}
			inside++
			if r.Quality < anomalyQualityLow || r.Quality >= anomalyQualityHigh {
				t.Errorf("%s at %s: quality %v inside the window", ev.SensorID, ts, r.Quality)
			}
			diffs = append(diffs, r.Value-want[ts].Value)
			stuck = append(stuck, r.Value)
		}
		if inside == 0 || outside == 0 {
			t.Fatalf("%s: %d readings inside the window, %d outside", ev.Kind, inside, outside)
		}
		switch ev.Kind {
		case "spike", "dip":
			sign := map[string]float64{"spike": 1, "dip": -1}[ev.Kind]
			for _, d := range diffs {
				if math.Abs(d-sign*ev.Magnitude) > 0.011 {
					t.Errorf("%s: shifted by %v, want %v", ev.Kind, d, sign*ev.Magnitude)
				}
			}
			if ev.Kind == "dip" && inside != 3 {
				t.Errorf("dip over 30 s of a 10 s sensor covers %d samples, want 3", inside)
			}
		case "stuck":
			before := want[ev.Start.Add(-10*time.Second)].Value
			for _, v := range stuck {
				if v != before {
					t.Fatalf("stuck sensor reads %v, want the last good value %v", v, before)
				}
			}
		case "noise_burst":
			if sd := stddev(diffs); sd < 0.7*ev.Magnitude || sd > 1.3*ev.Magnitude {
				t.Errorf("noise burst σ %.2f, want about %v", sd, ev.Magnitude)
			}
		}
	}
	dip := truth.Filter("dip", "pump-01")
	if len(dip) != 1 || dip[0].Start != at.Add(10*time.Second) || dip[0].End != at.Add(40*time.Second) {
		t.Errorf("dip window %+v is not aligned to the 10 s samples", dip)
	}
}

func stddev(x []float64) float64 {
	var m, ss float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)))
}

func TestSeededAnomalyMix(t *testing.T) {
	mix := Anomalies{Asset: "compressor-01", Count: 30, Start: monday.Add(time.Hour), Span: 24 * time.Hour}
	s := newDemo(t, 5, mix)
	truth := s.Truth()
	if len(truth) != 30 {
		t.Fatalf("%d events placed, want 30", len(truth))
	}
	kinds := map[string]int{}
	for i, ev := range truth {
		kinds[ev.Kind]++
		if ev.Start.Before(mix.Start) || ev.Start.After(mix.Start.Add(mix.Span+time.Minute)) {
			t.Errorf("event %d starts at %s, outside the span", i, ev.Start)
		}
		for _, o := range truth[i+1:] {
			if o.SensorID == ev.SensorID && o.Start.Before(ev.End) && ev.Start.Before(o.End) {
				t.Errorf("events on %s overlap: %+v and %+v", ev.SensorID, ev, o)
			}
		}
	}
	if len(kinds) != 4 {
		t.Errorf("kinds drawn: %v, want all four", kinds)
	}
	if again := newDemo(t, 5, mix).Truth(); len(again) != 30 || again[7] != truth[7] {
		t.Error("the same seed placed different events")
	}
	if other := newDemo(t, 6, mix).Truth(); other[0] == truth[0] {
		t.Error("another seed placed the same first event")
	}
	// Every reading in a window has a lowered quality, and only those.
	for _, r := range s.Generate(mix.Start, mix.Start.Add(mix.Span)) {
		if truth.Anomalous(r.SensorID, r.Time) != (r.Quality < 1) {
			t.Fatalf("%s at %s: quality %v, anomalous %v", r.SensorID, r.Time, r.Quality, truth.Anomalous(r.SensorID, r.Time))
		}
	}
}

func TestDegradationToFailure(t *testing.T) {
	failAt := monday.Add(6*24*time.Hour + 7*time.Hour)
	deg := &Degradation{Asset: "pump-01", Start: failAt.Add(-5 * 24 * time.Hour), FailureAt: failAt}
	s := newDemo(t, 77, deg)
	got, ok := s.Truth().FailureTime("pump-01")
	if !ok || !got.Equal(failAt) {
		t.Fatalf("failure time %s %v, want %s", got, ok, failAt)
	}
	rs, err := s.GenerateAsset("pump-01", monday, failAt.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	daily := map[int][]float64{}
	for _, r := range rs {
		after := r.Time.Sub(failAt)
		switch {
		case r.SensorID == "pump-01-vibration" && after < 0:
			daily[int(-after/(24*time.Hour))] = append(daily[int(-after/(24*time.Hour))], r.Value)
		case after < 10*time.Minute:
		case r.SensorID == "pump-01-speed" && r.Value > 5,
			r.SensorID == "pump-01-motor-current" && r.Value > 0.6,
			r.SensorID == "pump-01-vibration" && r.Value > 0.25,
			r.SensorID == "pump-01-discharge-pressure" && r.Value > 0.15:
			t.Fatalf("%s = %v at %s, %s after the failure", r.SensorID, r.Value, r.Time, after)
		}
	}
	// Vibration rises over the final days, faster at the end.
	var means []float64
	for d := 5; d >= 0; d-- {
		means = append(means, mean(daily[d]))
	}
	for i := 1; i < len(means); i++ {
		if !(means[i] > means[i-1]) {
			t.Fatalf("daily mean vibration before the failure is not increasing: %.2f", means)
		}
	}
	if last, first := means[5]-means[4], means[1]-means[0]; !(last > 3*first) || means[5] < 4.5 {
		t.Fatalf("vibration does not accelerate to the alarm zone: daily means %.2f", means)
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func TestDegradationHeatsTheMachine(t *testing.T) {
	failAt := monday.Add(3 * 24 * time.Hour)
	deg := &Degradation{Asset: "gearbox-01", Start: monday.Add(24 * time.Hour), FailureAt: failAt}
	healthy, worn := newDemo(t, 9), newDemo(t, 9, deg)
	h := traceAsset(t, healthy, "gearbox-01", failAt.Add(-time.Hour))
	w := traceAsset(t, worn, "gearbox-01", failAt.Add(-time.Hour))
	n := len(h.temp) - 1
	if d := w.temp[n] - h.temp[n]; d < 8 || d > 18 {
		t.Errorf("an hour before the failure the worn gearbox is %.1f °C warmer, want 8–18", d)
	}
	if d := w.current[n] / h.current[n]; d < 1.02 {
		t.Errorf("worn current ratio %.3f", d)
	}
	if w.temp[len(w.temp)/4] != h.temp[len(h.temp)/4] {
		t.Error("the machine differs before the wear starts")
	}
}
