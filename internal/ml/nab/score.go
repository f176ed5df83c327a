package nab

import (
	"math"
	"sort"
	"time"
)

// Result is the NAB evaluation of one detector under one profile.
type Result struct {
	Profile Profile
	// Threshold is the corpus-wide threshold that maximises Raw: a row is a
	// detection when its score is >= Threshold. +Inf means that never firing
	// is best.
	Threshold float64
	Raw       float64 // S, the sum of the files' scores at Threshold
	Null      float64 // S of the detector that never fires
	Perfect   float64 // S of the detector that fires at each window's left edge
	Score     float64 // 100·(S − S_null)/(S_perfect − S_null)
	Files     []FileResult
}

// FileResult is one file's part of a Result.
type FileResult struct {
	Name           string
	Rows           int
	Probation      int
	Windows        []WindowResult // windows with at least one scored row
	Detected       int            // windows with a detection
	FalsePositives int            // detections outside every window
	Raw            float64        // this file's share of S
}

// WindowResult tells whether and when a window was detected.
type WindowResult struct {
	Start, End time.Time
	Detected   bool
	At         time.Time // the earliest detection, when Detected
	Value      float64   // what the window adds to S: its TP weight, or −A_FN
}

// Evaluate scores a corpus under profile p with the best corpus-wide
// threshold and normalises the result against the null and perfect
// detectors.
func Evaluate(corpus []Series, p Profile) (Result, error) {
	preps, nWindows, err := prepareAll(corpus, p)
	if err != nil {
		return Result{}, err
	}
	if nWindows == 0 {
		return Result{}, ErrNoWindows
	}
	threshold, raw := sweep(preps, nWindows, p)
	null := bestOf(preps, nWindows, p, func(pr prepared, r []float64) {})
	perfect := bestOf(preps, nWindows, p, markLeftEdges)
	files := fileResults(corpus, preps, p, threshold)
	return Result{
		Profile:   p,
		Threshold: threshold,
		Raw:       raw,
		Null:      null,
		Perfect:   perfect,
		Score:     100 * (raw - null) / (perfect - null),
		Files:     files,
	}, nil
}

// prepareAll prepares every series and numbers the scorable windows.
func prepareAll(corpus []Series, p Profile) ([]prepared, int, error) {
	preps := make([]prepared, len(corpus))
	next := 0
	for i, s := range corpus {
		var err error
		if preps[i], next, err = prepare(s, p, next); err != nil {
			return nil, 0, err
		}
	}
	return preps, next, nil
}

// ref points at one scorable row of the corpus.
type ref struct{ file, row int }

// sweep tries every distinct score value as the threshold and returns the
// one that maximises the corpus score (the highest such value on ties, +Inf
// when detecting nothing is best) together with that score.
func sweep(preps []prepared, nWindows int, p Profile) (float64, float64) {
	var refs []ref
	for f, pr := range preps {
		for r := range pr.rows {
			refs = append(refs, ref{f, r})
		}
	}
	sort.SliceStable(refs, func(i, j int) bool {
		return preps[refs[i].file].rows[refs[i].row].score > preps[refs[j].file].rows[refs[j].row].score
	})
	best := make([]float64, nWindows)
	hit := make([]bool, nWindows)
	fp, win := 0.0, -p.FN*float64(nWindows)
	bestT, bestS := math.Inf(1), fp+win
	for i := 0; i < len(refs); {
		t := preps[refs[i].file].rows[refs[i].row].score
		for ; i < len(refs) && preps[refs[i].file].rows[refs[i].row].score == t; i++ {
			r := preps[refs[i].file].rows[refs[i].row]
			switch {
			case r.window < 0:
				fp += r.weight
			case !hit[r.window]:
				hit[r.window], best[r.window] = true, r.weight
				win += p.FN + r.weight
			case r.weight > best[r.window]:
				win += r.weight - best[r.window]
				best[r.window] = r.weight
			}
		}
		if s := fp + win; s > bestS {
			bestT, bestS = t, s
		}
	}
	return bestT, bestS
}

// bestOf returns the best corpus score of a synthetic detector whose scores
// are set by mark (all zero before mark runs).
func bestOf(preps []prepared, nWindows int, p Profile, mark func(prepared, []float64)) float64 {
	synth := make([]prepared, len(preps))
	for i, pr := range preps {
		scores := make([]float64, len(pr.rows))
		mark(pr, scores)
		rows := make([]row, len(pr.rows))
		for j, r := range pr.rows {
			r.score = scores[j]
			rows[j] = r
		}
		synth[i] = pr
		synth[i].rows = rows
	}
	_, s := sweep(synth, nWindows, p)
	return s
}

// markLeftEdges sets the score of each window's first scorable row to 1.
func markLeftEdges(pr prepared, scores []float64) {
	seen := map[int]bool{}
	for j, r := range pr.rows {
		if r.window >= 0 && !seen[r.window] {
			seen[r.window] = true
			scores[j] = 1
		}
	}
}

// fileResults scores each file at threshold t.
func fileResults(corpus []Series, preps []prepared, p Profile, t float64) []FileResult {
	out := make([]FileResult, len(preps))
	for f, pr := range preps {
		fr := FileResult{Name: pr.name, Rows: pr.total, Probation: pr.probation}
		first := map[int]int{} // window -> scorable row of its earliest detection
		for j, r := range pr.rows {
			if r.score < t {
				continue
			}
			if r.window < 0 {
				fr.FalsePositives++
				fr.Raw += r.weight
			} else if _, ok := first[r.window]; !ok {
				first[r.window] = j
			}
		}
		for _, span := range pr.windows {
			if span.global < 0 {
				continue
			}
			s := corpus[f]
			wr := WindowResult{Start: s.Times[span.first], End: s.Times[span.last], Value: -p.FN}
			if j, ok := first[span.global]; ok {
				wr.Detected, wr.At, wr.Value = true, s.Times[pr.rowIndex[j]], pr.rows[j].weight
				fr.Detected++
			}
			fr.Raw += wr.Value
			fr.Windows = append(fr.Windows, wr)
		}
		out[f] = fr
	}
	return out
}
