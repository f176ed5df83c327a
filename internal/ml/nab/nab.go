// Package nab scores anomaly detectors the way the Numenta Anomaly Benchmark
// does: a probation period at the start of each file that is not scored,
// labelled anomaly windows in which only the earliest detection counts
// (worth a scaled sigmoid of its position, 1 at the left edge), false
// positives that cost more the further they are from the previous window,
// missed windows that cost A_FN, one threshold chosen for the whole corpus
// (the best one, found by sweeping every distinct score value), and a score
// normalised between the null detector (never fires, 0) and the perfect
// detector (fires at each window's left edge, 100).
//
// The package is pure: callers supply timestamps, scores and windows.
package nab

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
)

// Profile is a NAB application profile: the weights of a true positive
// (A_TP), a false positive (A_FP) and a false negative (A_FN).
type Profile struct {
	Name string
	TP   float64
	FP   float64
	FN   float64
}

// The three NAB profiles.
var (
	Standard    = Profile{Name: "standard", TP: 1, FP: 0.11, FN: 1}
	RewardLowFP = Profile{Name: "reward_low_fp", TP: 1, FP: 0.22, FN: 1}
	RewardLowFN = Profile{Name: "reward_low_fn", TP: 1, FP: 0.11, FN: 2}
)

// Profiles returns the three NAB profiles in their usual order.
func Profiles() []Profile { return []Profile{Standard, RewardLowFP, RewardLowFN} }

// ProfileByName returns the profile called name ("standard",
// "reward_low_fp", "reward_low_fn").
func ProfileByName(name string) (Profile, error) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("unknown NAB profile %q (want standard, reward_low_fp or reward_low_fn)", name)
}

// Window is one labelled anomaly window; both ends are included.
type Window struct {
	Start time.Time
	End   time.Time
}

// Series is one scored file: its rows' timestamps in increasing order, the
// detector's anomaly score for each row, and the file's labelled windows.
type Series struct {
	Name    string
	Times   []time.Time
	Scores  []float64
	Windows []Window
}

// ProbationLength returns the number of leading rows of an n-row file that
// NAB does not score: min(floor(0.15·n), 750).
func ProbationLength(n int) int {
	p := math.Floor(0.15 * float64(n))
	return int(math.Min(p, 0.15*5000))
}

// ScaledSigmoid is NAB's scoring curve 2/(1+e^{5y}) − 1, and −1 for y ≥ 3.
// y = −1 is a window's left edge, 0 its right edge, y > 0 past the window.
func ScaledSigmoid(y float64) float64 {
	if y >= 3 {
		return -1
	}
	return 2/(1+math.Exp(5*y)) - 1
}

// row is one scorable row: its score, which window it is in (-1 when it is
// outside every window) and the weight a detection there adds to the score.
type row struct {
	score  float64
	window int // corpus-wide window index, or -1
	weight float64
}

// prepared is a series turned into scorable rows.
type prepared struct {
	name      string
	rows      []row // rows after probation, in time order
	rowIndex  []int // file row index of each scorable row
	probation int
	total     int
	windows   []windowSpan // every window, with its row span
	scorable  []int        // corpus-wide indices of windows with a scorable row
}

// windowSpan is a window's first and last file row.
type windowSpan struct {
	first, last int
	global      int // corpus-wide index, -1 when no row is scorable
}

// validate checks one series. Rows are scored in their order, as NAB does;
// timestamps need not increase (real NAB files repeat an hour when clocks go
// back).
func (s Series) validate() error {
	if len(s.Times) != len(s.Scores) {
		return fmt.Errorf("%s: %d timestamps but %d scores", s.Name, len(s.Times), len(s.Scores))
	}
	for i, v := range s.Scores {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: row %d: score is not a finite number", s.Name, i)
		}
	}
	return nil
}

// spans maps the windows of s onto row indices, sorted by start. As in NAB,
// a window opens at the first row (in file order) at or after its start and
// closes at the first later row at its end (or just before the first row
// past its end).
func (s Series) spans() ([]windowSpan, error) {
	ws := append([]Window(nil), s.Windows...)
	sort.Slice(ws, func(i, j int) bool { return ws[i].Start.Before(ws[j].Start) })
	out := make([]windowSpan, 0, len(ws))
	i := 0
	for k, w := range ws {
		if w.End.Before(w.Start) {
			return nil, fmt.Errorf("%s: window %d ends before it starts", s.Name, k)
		}
		if k > 0 && !w.Start.After(ws[k-1].End) {
			return nil, fmt.Errorf("%s: windows %d and %d overlap", s.Name, k-1, k)
		}
		for i < len(s.Times) && s.Times[i].Before(w.Start) {
			i++
		}
		first := i
		for i < len(s.Times) && s.Times[i].Before(w.End) {
			i++
		}
		last := i
		if last == len(s.Times) || s.Times[last].After(w.End) {
			last--
		}
		if first > last {
			return nil, fmt.Errorf("%s: window [%s, %s] contains no row", s.Name,
				w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339))
		}
		out = append(out, windowSpan{first: first, last: last, global: -1})
		i = last + 1
	}
	return out, nil
}

// prepare computes every scorable row's window and weight for profile p.
// nextWindow is the first free corpus-wide window index; the new value is
// returned.
func prepare(s Series, p Profile, nextWindow int) (prepared, int, error) {
	if err := s.validate(); err != nil {
		return prepared{}, 0, err
	}
	spans, err := s.spans()
	if err != nil {
		return prepared{}, 0, err
	}
	n := len(s.Times)
	pr := prepared{name: s.Name, probation: ProbationLength(n), total: n, windows: spans}
	maxTP := ScaledSigmoid(-1)
	cur, prev := -1, -1 // index into spans of the current and previous window
	next := 0
	for i := 0; i < n; i++ {
		if cur < 0 && next < len(spans) && i == spans[next].first {
			cur, next = next, next+1
		}
		var r row
		r.score = s.Scores[i]
		r.window = -1
		switch {
		case cur >= 0:
			w := spans[cur]
			width := float64(w.last - w.first + 1)
			y := -float64(w.last-i+1) / width
			r.weight = ScaledSigmoid(y) * p.TP / maxTP
			if i >= pr.probation && spans[cur].global < 0 {
				spans[cur].global = nextWindow
				pr.scorable = append(pr.scorable, nextWindow)
				nextWindow++
			}
			r.window = spans[cur].global
		case prev < 0:
			r.weight = -p.FP
		default:
			w := spans[prev]
			y := math.Inf(1)
			if w.last > w.first {
				y = float64(i-w.last) / float64(w.last-w.first)
			}
			r.weight = ScaledSigmoid(y) * p.FP
		}
		if i >= pr.probation {
			pr.rows = append(pr.rows, r)
			pr.rowIndex = append(pr.rowIndex, i)
		}
		if cur >= 0 && i == spans[cur].last {
			prev, cur = cur, -1
		}
	}
	return pr, nextWindow, nil
}

// ErrNoWindows is returned when no labelled window has a scorable row, so
// the normalised score is undefined.
var ErrNoWindows = errors.New("nab: no labelled window after the probation period: the score cannot be normalised")
