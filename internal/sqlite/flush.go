package sqlite

import (
	"cmp"
	"math"
	"slices"

	"smartmaint"
	"smartmaint/internal/tsblock"
)

// flush writes the group's new readings as blocks, with the statistics, the
// rollup parts, the compaction marks and the idempotency keys, each with
// multi-row statements.
func (g *groupWriter) flush() error {
	slices.SortFunc(g.touched, func(a, b *sensorState) int { return cmp.Compare(a.key, b.key) })
	var f flushBuf
	for _, st := range g.touched {
		rows := st.runs[0]
		if len(st.runs) > 1 {
			for _, run := range st.runs[1:] {
				rows = append(slices.Clip(rows), run...)
			}
			slices.SortFunc(rows, cmpRow)
		}
		f.sensor(g.db, st, rows)
	}
	f.resolve()
	var err error
	if f.blocks, err = execChunks(g.tx, "blocks", f.blocks, 5, blockChunk, blocksSQL); err != nil {
		return err
	}
	if f.stats, err = execChunks(g.tx, "stats", f.stats, 6, statsChunk, statsSQL); err != nil {
		return err
	}
	if f.parts, err = execChunks(g.tx, "parts", f.parts, 11, partsChunk, partsSQL); err != nil {
		return err
	}
	if len(f.marks) > 0 {
		if _, err := execAll(g.tx, "marks", f.marks, 2, partsChunk, marksSQL); err != nil {
			return err
		}
	}
	_, err = execChunks(g.tx, "keys", g.newKeys, 4, statsChunk, keysSQL)
	return err
}

// flushBuf holds the arguments of a group's multi-row statements.
type flushBuf struct {
	arena  []byte // encoded blocks
	blocks []any  // 5 per block: sensor key, start, end, count, data
	stats  []any  // 6 per sensor
	parts  []any  // 11 per sensor and minute
	marks  []any  // 2 per sensor-hour to compact: sensor key, hour
}

// sensor adds one sensor's new readings (sorted by time).
func (f *flushBuf) sensor(db *DB, st *sensorState, rows []row) {
	var k any = st.key // boxed once per sensor
	for lo := 0; lo < len(rows); {
		h := hourOf(rows[lo].TS)
		hi := lo
		for hi < len(rows) && rows[hi].TS < h+hourMicros {
			hi++
		}
		f.hour(k, rows[lo:hi])
		// A block may exist in this hour only if a stored reading is as old:
		// then the hour may need merging.
		if st.stored != math.MinInt64 && h <= hourOf(st.stored) {
			if db.blocks.mark(st.key, h) {
				f.marks = append(f.marks, k, h)
			}
			db.blocks.touch(st.key, h, hi-lo < tierLimit)
		}
		lo = hi
	}
	first, last := rows[0], rows[len(rows)-1]
	f.stats = append(f.stats, k, len(rows), first.TS, last.TS, last.Value, last.Quality)
	var part smartmaint.Rollup
	at := int64(math.MinInt64)
	for _, r := range rows {
		if m := floorDiv(r.TS, minuteMicros) * minuteMicros; m != at {
			f.addPart(k, &part)
			part, at = smartmaint.Rollup{}, m
		}
		part.Add(fromMicros(r.TS), r.Value)
	}
	f.addPart(k, &part)
}

// hour adds the blocks of one sensor-hour: consecutive chunks of at most
// maxBlockPoints readings.
func (f *flushBuf) hour(k any, rows []row) {
	for len(rows) > 0 {
		n := min(len(rows), maxBlockPoints)
		start := len(f.arena)
		f.arena = tsblock.Encode(f.arena, rows[:n])
		// The arena may move as it grows: the slice is taken from the final
		// arena in blockData.
		f.blocks = append(f.blocks, k, rows[0].TS, rows[n-1].TS, n, blockSpan{start, len(f.arena)})
		rows = rows[n:]
	}
}

// resolve replaces the arena positions of the encoded blocks with their
// bytes, once the arena has stopped growing.
func (f *flushBuf) resolve() {
	for i := 4; i < len(f.blocks); i += 5 {
		sp := f.blocks[i].(blockSpan)
		f.blocks[i] = f.arena[sp.lo:sp.hi:sp.hi]
	}
}

// blockSpan is the position of an encoded block in the arena until the
// arguments are bound.
type blockSpan struct{ lo, hi int }

// addPart buffers the rollup part of one sensor and minute.
func (f *flushBuf) addPart(key any, r *smartmaint.Rollup) {
	if r.Count > 0 {
		minute := floorDiv(r.FirstTime.UnixMicro(), minuteMicros) * minuteMicros
		f.parts = append(f.parts, key, minute, r.Count, r.Min, r.Max, r.Mean, r.M2,
			r.FirstTime.UnixMicro(), r.First, r.LastTime.UnixMicro(), r.Last)
	}
}

// blocksSQL inserts n blocks. The statement is INSERT OR IGNORE, which
// spares SQLite a statement journal (no row can be ignored: every column is
// set), and execChunks checks that every row was inserted.
func blocksSQL(n int) string {
	return multiRow(`INSERT OR IGNORE INTO reading_blocks (sensor_key, start_us, end_us, n, data) VALUES `, n, 5, "")
}

// deleteBlocksSQL deletes n blocks by id.
func deleteBlocksSQL(n int) string {
	return `DELETE FROM reading_blocks WHERE id IN (` + placeholders(n) + `)`
}

// marksSQL queues n sensor-hours for compaction.
func marksSQL(n int) string {
	return multiRow(`INSERT OR IGNORE INTO block_merges (sensor_key, hour) VALUES `, n, 2, "")
}

// keysSQL records n idempotency keys with their responses, replacing
// expired records of the same keys.
func keysSQL(n int) string {
	return multiRow(`INSERT INTO idempotency_keys (tenant_id, key, response, created_at) VALUES `, n, 4,
		` ON CONFLICT (tenant_id, key) DO UPDATE SET response = excluded.response, created_at = excluded.created_at`)
}

// statsSQL adds new readings to the statistics of n sensors: (key, count,
// first, last, last value, last quality). The last value and quality follow
// the newest reading, whatever the order of arrival.
func statsSQL(n int) string {
	return multiRow(`UPDATE sensors SET reading_count = reading_count + v.column2,
		first_reading_at = CASE WHEN first_reading_at IS NULL OR v.column3 < first_reading_at
			THEN v.column3 ELSE first_reading_at END,
		last_value = CASE WHEN last_reading_at IS NULL OR v.column4 > last_reading_at THEN v.column5 ELSE last_value END,
		last_quality = CASE WHEN last_reading_at IS NULL OR v.column4 > last_reading_at THEN v.column6 ELSE last_quality END,
		last_reading_at = CASE WHEN last_reading_at IS NULL OR v.column4 > last_reading_at
			THEN v.column4 ELSE last_reading_at END
		FROM (VALUES `, n, 6, `) AS v WHERE sensors.key = v.column1`)
}

// partsSQL stores n rollup parts (see migration 0003).
func partsSQL(n int) string {
	return multiRow(`INSERT INTO rollup_parts (sensor_key, minute, count, vmin, vmax, mean, m2, first_ts, vfirst, last_ts, vlast)
		VALUES `, n, 11, "")
}
