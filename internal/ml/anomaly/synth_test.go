package anomaly

import (
	"fmt"
	"math"
	"time"

	"smartmaint/internal/ml/nab"
)

// A synthetic labelled corpus, used beside the real NAB files as a second
// development set so that the detector is not tuned to seven series only.
// Base signals and incident types are generic plant-signal shapes; windows
// are placed NAB-style (10% of the file split among the incidents, centred
// on each onset).

type synthBase func(i int, rng *noise) float64

var synthBases = map[string]synthBase{
	"daily": func(i int, rng *noise) float64 {
		return 50 + 10*math.Sin(2*math.Pi*float64(i)/288) + rng.next()
	},
	"weekly": func(i int, rng *noise) float64 {
		day := (i / 288) % 7
		amp := 20.0
		if day >= 5 {
			amp = 8
		}
		return 100 + amp*math.Max(0, math.Sin(2*math.Pi*float64(i%288)/288-1)) + 2*rng.next()
	},
	"walk": func(i int, rng *noise) float64 {
		return 20 + 5*math.Sin(float64(i)/700) + 0.002*float64(i) + 0.3*rng.next()
	},
	"square": func(i int, rng *noise) float64 {
		v := 1.0
		if (i/36)%2 == 0 {
			v = 3
		}
		return v + 0.05*rng.next()
	},
	// A machine on a shift schedule: on 06:00–22:00 on weekdays, off at
	// night and at weekends, with sharp edges at fixed times.
	"shifts": func(i int, rng *noise) float64 {
		day, slot := (i/288)%7, i%288
		if day < 5 && slot >= 72 && slot < 264 {
			return 80 + 0.5*rng.next()
		}
		return 20 + 0.5*rng.next()
	},
	// Small integer counts with a daily rhythm (events per 5 minutes).
	"counts": func(i int, rng *noise) float64 {
		mean := 8 + 6*math.Sin(2*math.Pi*float64(i)/288)
		return math.Max(0, math.Round(mean+1.7*math.Sqrt(mean)*rng.next()))
	},
	"latency": func(i int, rng *noise) float64 {
		u := (rng.next() + 1) / 2
		return 40 + 5*rng.next() + 30*math.Pow(u, 30)
	},
}

type synthEvent func(i, at int, v float64, rng *noise) float64

var synthEvents = map[string]synthEvent{
	"spike": func(i, at int, v float64, rng *noise) float64 {
		if i == at {
			return v * 1.6
		}
		return v
	},
	"shift": func(i, at int, v float64, rng *noise) float64 {
		if i >= at && i < at+600 {
			return v + 0.25*math.Abs(v)
		}
		return v
	},
	"noise": func(i, at int, v float64, rng *noise) float64 {
		if i >= at && i < at+300 {
			return v + 0.15*math.Abs(v)*rng.next()
		}
		return v
	},
	"flat": func(i, at int, v float64, rng *noise) float64 {
		if i >= at && i < at+300 {
			return 0
		}
		return v
	},
	"drift": func(i, at int, v float64, rng *noise) float64 {
		if i >= at && i < at+500 {
			return v + 0.4*math.Abs(v)*float64(i-at)/500
		}
		return v
	},
}

// dailyCycle marks the base signals whose pattern changes over a day, the
// ones where a "phase" incident (a day of values at the wrong time) exists.
var dailyCycle = map[string]bool{"daily": true, "weekly": true, "shifts": true, "counts": true}

// synthCorpus builds one file per base signal and incident type (the phase
// incident only where the signal has a daily cycle), plus one
// clean file per base signal.
func synthCorpus(cfg Config) []nab.Series {
	var out []nab.Series
	const n = 6000
	t0 := time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)
	seed := noise(1)
	for _, bname := range []string{"daily", "weekly", "walk", "square", "latency", "shifts", "counts"} {
		for _, ename := range []string{"", "spike", "shift", "noise", "flat", "drift", "phase"} {
			if ename == "phase" && !dailyCycle[bname] {
				continue
			}
			rng := seed
			seed = seed*31 + 7
			at := []int{3500}
			if ename == "spike" {
				at = []int{2500, 4800}
			}
			s := nab.Series{Name: fmt.Sprintf("synthetic/%s_%s", bname, ename)}
			width := n / 10 / len(at)
			if ename != "" {
				for _, a := range at {
					s.Windows = append(s.Windows, nab.Window{
						Start: t0.Add(time.Duration(a-width/2) * 5 * time.Minute),
						End:   t0.Add(time.Duration(a+width/2) * 5 * time.Minute)})
				}
			}
			d, _ := New(cfg)
			for i := 0; i < n; i++ {
				ts := t0.Add(time.Duration(i) * 5 * time.Minute)
				v := synthBases[bname](i, &rng)
				for _, a := range at {
					switch {
					case ename == "phase" && i >= a && i < a+288:
						// A contextual incident: for one day every value is
						// one the signal takes, at the wrong time of day.
						v = synthBases[bname](i-144, &rng)
					case ename != "" && ename != "phase":
						v = synthEvents[ename](i, a, v, &rng)
					}
				}
				s.Times = append(s.Times, ts)
				s.Scores = append(s.Scores, d.Update(ts, v).Score)
			}
			out = append(out, s)
		}
	}
	return out
}
