package smartmaint

import (
	"math"
	"time"
)

// Rollup resolutions kept by every store.
const (
	ResolutionRaw    = "raw"
	ResolutionMinute = "1m"
	ResolutionHour   = "1h"
)

// Series limits.
const (
	DefaultMaxPoints = 1000
	MaxMaxPoints     = 10000
)

// SeriesQuery asks for one sensor's readings between From and To, aggregated
// into buckets of Step. Step 0 means "auto": the finest of NiceSteps that
// yields at most MaxPoints buckets. Raw asks for the readings themselves
// (at most MaxPoints, oldest first).
type SeriesQuery struct {
	SensorID  string
	From, To  time.Time
	Step      time.Duration
	Raw       bool
	MaxPoints int // 0 means DefaultMaxPoints
}

// Series is the answer to a SeriesQuery.
type Series struct {
	SensorID string    `json:"sensor_id"`
	From     time.Time `json:"from"` // aligned down to Step
	To       time.Time `json:"to"`   // exclusive, aligned up to Step
	Step     string    `json:"step"` // "raw" or a duration such as "1m0s"
	Source   string    `json:"source"`
	Buckets  []Bucket  `json:"buckets"`
	// Truncated reports that a raw series stopped at MaxPoints readings.
	Truncated bool `json:"truncated,omitempty"`
}

// Bucket aggregates the readings whose timestamps fall in [Time, Time+step).
// Stddev is the population standard deviation.
type Bucket struct {
	Time   time.Time `json:"t"`
	Count  int64     `json:"count"`
	Mean   float64   `json:"mean"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Stddev float64   `json:"stddev"`
	First  float64   `json:"first"`
	Last   float64   `json:"last"`
}

// NiceSteps are the bucket widths "auto" chooses from.
var NiceSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// SeriesPlan is how a store answers a SeriesQuery.
type SeriesPlan struct {
	From, To time.Time     // aligned to Step, To exclusive
	Step     time.Duration // 0 for a raw series
	Source   string        // ResolutionRaw, ResolutionMinute or ResolutionHour
}

// PlanSeries validates q and decides the bucket width and the source: the 1-hour
// rollup when the step is a whole number of hours, the 1-minute rollup when it
// is a whole number of minutes, raw readings otherwise. Buckets are aligned to
// multiples of the step since the Unix epoch (UTC).
func PlanSeries(q SeriesQuery) (SeriesPlan, error) {
	if err := ValidateID("sensor_id", q.SensorID); err != nil {
		return SeriesPlan{}, err
	}
	if q.From.IsZero() || q.To.IsZero() {
		return SeriesPlan{}, FieldErrorf("from", "from and to are both required")
	}
	if !q.To.After(q.From) {
		return SeriesPlan{}, FieldErrorf("to", "must be after from")
	}
	maxPoints := q.MaxPoints
	if maxPoints == 0 {
		maxPoints = DefaultMaxPoints
	}
	if maxPoints < 1 || maxPoints > MaxMaxPoints {
		return SeriesPlan{}, FieldErrorf("max_points", "must be between 1 and %d, got %d", MaxMaxPoints, q.MaxPoints)
	}
	if q.Raw {
		return SeriesPlan{From: q.From, To: q.To, Source: ResolutionRaw}, nil
	}
	step := q.Step
	if step < 0 || step > 0 && step < time.Second || step%time.Second != 0 {
		return SeriesPlan{}, FieldErrorf("step", "must be a whole number of seconds, at least 1s")
	}
	if step == 0 {
		step = autoStep(q.To.Sub(q.From), maxPoints)
	}
	from, to := alignDown(q.From, step), alignUp(q.To, step)
	if n := int64(to.Sub(from) / step); n > int64(maxPoints) {
		return SeriesPlan{}, FieldErrorf("step", "%s over this range gives %d buckets, more than max_points %d", step, n, maxPoints)
	}
	source := ResolutionRaw
	switch {
	case step%time.Hour == 0:
		source = ResolutionHour
	case step%time.Minute == 0:
		source = ResolutionMinute
	}
	return SeriesPlan{From: from, To: to, Step: step, Source: source}, nil
}

func autoStep(span time.Duration, maxPoints int) time.Duration {
	for _, s := range NiceSteps {
		// Alignment can add one bucket at each end.
		if int64(span/s)+2 <= int64(maxPoints) {
			return s
		}
	}
	s := NiceSteps[len(NiceSteps)-1]
	for int64(span/s)+2 > int64(maxPoints) {
		s *= 2
	}
	return s
}

func alignDown(t time.Time, step time.Duration) time.Time {
	ns := t.UnixNano()
	r := ns % int64(step)
	if r < 0 {
		r += int64(step)
	}
	return time.Unix(0, ns-r).UTC()
}

func alignUp(t time.Time, step time.Duration) time.Time {
	d := alignDown(t, step)
	if d.Equal(t) {
		return d
	}
	return d.Add(step)
}

// AlignTime returns the start of the step-wide bucket that holds t.
func AlignTime(t time.Time, step time.Duration) time.Time { return alignDown(t, step) }

// Rollup is the mergeable summary a store keeps per sensor and bucket. Mean
// and M2 (the sum of squared deviations from the mean) merge exactly with
// Chan's formula, which keeps the variance stable for large values.
type Rollup struct {
	Count     int64
	Min, Max  float64
	Mean, M2  float64
	FirstTime time.Time
	First     float64
	LastTime  time.Time
	Last      float64
}

// Add folds one reading into r.
func (r *Rollup) Add(t time.Time, v float64) {
	r.Merge(Rollup{Count: 1, Min: v, Max: v, Mean: v, FirstTime: t, First: v, LastTime: t, Last: v})
}

// Merge folds o into r.
func (r *Rollup) Merge(o Rollup) {
	if o.Count == 0 {
		return
	}
	if r.Count == 0 {
		*r = o
		return
	}
	n := r.Count + o.Count
	delta := o.Mean - r.Mean
	r.Mean += delta * float64(o.Count) / float64(n)
	r.M2 += o.M2 + delta*delta*float64(r.Count)*float64(o.Count)/float64(n)
	r.Count = n
	r.Min = math.Min(r.Min, o.Min)
	r.Max = math.Max(r.Max, o.Max)
	if o.FirstTime.Before(r.FirstTime) {
		r.FirstTime, r.First = o.FirstTime, o.First
	}
	if o.LastTime.After(r.LastTime) {
		r.LastTime, r.Last = o.LastTime, o.Last
	}
}

// Bucket turns r into the bucket starting at t.
func (r *Rollup) Bucket(t time.Time) Bucket {
	b := Bucket{Time: t, Count: r.Count, Mean: r.Mean, Min: r.Min, Max: r.Max, First: r.First, Last: r.Last}
	if r.Count > 0 {
		b.Stddev = math.Sqrt(math.Max(r.M2, 0) / float64(r.Count))
	}
	return b
}
