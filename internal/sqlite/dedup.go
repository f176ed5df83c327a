package sqlite

import (
	"slices"

	"smartmaint/internal/tsblock"
)

// dropStored returns rows (sorted by time) without the readings whose key is
// stored already or pending from an earlier job of the group: the first
// write wins. Only rows up to the sensor's newest stored timestamp need the
// blocks of their hours; only rows up to the newest pending one need the
// group's runs.
func (g *groupWriter) dropStored(st *sensorState, rows []row) ([]row, error) {
	var taken []int64 // timestamps already taken within rows' span, unsorted
	first, last := rows[0].TS, rows[len(rows)-1].TS
	if first <= st.stored {
		var err error
		if taken, err = g.storedTimes(st.key, rows, min(last, st.stored), taken); err != nil {
			return nil, err
		}
	}
	for _, run := range st.runs {
		if run[0].TS > last || run[len(run)-1].TS < first {
			continue
		}
		lo, _ := slices.BinarySearchFunc(run, first, cmpRowTS)
		for _, r := range run[lo:] {
			if r.TS > last {
				break
			}
			taken = append(taken, r.TS)
		}
	}
	if len(taken) == 0 {
		return rows, nil
	}
	slices.Sort(taken)
	out := make([]row, 0, len(rows))
	i := 0
	for _, r := range rows {
		for i < len(taken) && taken[i] < r.TS {
			i++
		}
		if i < len(taken) && taken[i] == r.TS {
			continue // stored or pending already: the first write wins
		}
		out = append(out, r)
	}
	return out, nil
}

// storedTimes appends to taken the stored timestamps of the sensor that fall
// between rows' first timestamp and hi, reading, hour by hour, the blocks that
// overlap the rows of that hour.
func (g *groupWriter) storedTimes(key int64, rows []row, hi int64, taken []int64) ([]int64, error) {
	var v tsblock.View
	for lo := 0; lo < len(rows) && rows[lo].TS <= hi; {
		h := hourOf(rows[lo].TS)
		end := lo
		for end < len(rows) && rows[end].TS < h+hourMicros && rows[end].TS <= hi {
			end++
		}
		from, to := rows[lo].TS, rows[end-1].TS
		q, err := g.tx.query(`SELECT data FROM reading_blocks WHERE sensor_key = ? AND start_us >= ? AND start_us <= ?
			AND end_us >= ?`, key, h, to, from)
		if err != nil {
			return taken, err
		}
		for q.Next() {
			var data []byte
			if err := q.Scan(&data); err != nil {
				q.Close()
				return taken, err
			}
			if err := v.Reset(data); err != nil {
				q.Close()
				return taken, corrupt(key, err)
			}
			for _, ts := range v.TS[v.Search(from):] {
				if ts > to {
					break
				}
				taken = append(taken, ts)
			}
		}
		q.Close()
		if err := q.Err(); err != nil {
			return taken, err
		}
		lo = end
	}
	return taken, nil
}

func cmpRowTS(r row, ts int64) int {
	switch {
	case r.TS < ts:
		return -1
	case r.TS > ts:
		return 1
	}
	return 0
}
