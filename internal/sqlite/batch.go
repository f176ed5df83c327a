package sqlite

import (
	"cmp"
	"slices"

	"smartmaint"
	"smartmaint/internal/tsblock"
)

// batch is a WriteReadings call prepared before it reaches the writer, in the
// caller's goroutine: readings grouped by sensor in first-seen order, sorted
// by time within each sensor, with repeated keys inside the batch removed
// (the first occurrence wins, as it would have had it been written first).
type batch struct {
	sensors []batchSensor
	rows    []row // rows of sensors[i] are rows[sensors[i].lo:sensors[i].hi]
	total   int   // readings in the call
}

// batchSensor is one sensor of a batch and what registers it if it is new.
type batchSensor struct {
	id, typ, unit string
	lo, hi        int
}

// row is one reading as stored: TS in microseconds since the epoch, and
// Metadata nil when the reading has none.
type row = tsblock.Point

// prepareBatch groups and sorts readings (see batch).
func prepareBatch(readings []smartmaint.Reading) *batch {
	b := &batch{total: len(readings)}
	index := make(map[string]int32, 16)
	of := make([]int32, len(readings))
	var counts []int
	for i := range readings {
		r := &readings[i]
		k, ok := index[r.SensorID]
		if !ok {
			k = int32(len(b.sensors))
			index[r.SensorID] = k
			b.sensors = append(b.sensors, batchSensor{id: r.SensorID, typ: r.SensorType, unit: r.Unit})
			counts = append(counts, 0)
		}
		of[i] = k
		counts[k]++
	}
	// Counting sort by sensor keeps each sensor's readings in input order.
	next := make([]int, len(b.sensors))
	for k, off := 0, 0; k < len(b.sensors); k++ {
		b.sensors[k].lo, next[k] = off, off
		off += counts[k]
		b.sensors[k].hi = off
	}
	rows := make([]row, len(readings))
	for i := range readings {
		r := &readings[i]
		rows[next[of[i]]] = row{TS: r.Time.UnixMicro(), Value: r.Value, Quality: r.Quality, Metadata: metadata(r.Metadata)}
		next[of[i]]++
	}
	// Sort each sensor by time (stably: the first of equal keys stays first)
	// and drop repeated keys, compacting in place.
	out := 0
	for k := range b.sensors {
		s := &b.sensors[k]
		rs := rows[s.lo:s.hi]
		if !slices.IsSortedFunc(rs, cmpRow) {
			slices.SortStableFunc(rs, cmpRow)
		}
		lo := out
		for i := range rs {
			if out > lo && rs[i].TS == rows[out-1].TS {
				continue // a repeated key: the first occurrence is kept
			}
			rows[out] = rs[i]
			out++
		}
		s.lo, s.hi = lo, out
	}
	b.rows = rows[:out]
	return b
}

func cmpRow(a, b row) int { return cmp.Compare(a.TS, b.TS) }

// metadata returns a reading's metadata as stored: nil when empty.
func metadata(m []byte) []byte {
	if len(m) == 0 {
		return nil
	}
	return m
}
