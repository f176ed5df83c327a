package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"smartmaint"
)

// Databases written before migration 0003 may hold marks in rollup_dirty:
// minutes whose rollups must be recomputed from raw readings. New writes
// store rollup parts instead (see rollup.go); the rollup job still clears
// these marks, after merging the parts.

// Mark pass bounds: marks handled per pass, and the largest gap of clean
// minutes one aggregate query spans rather than starting another.
const (
	rollupPassMarks = 20_000
	rollupMaxGap    = 3
)

// mark is a (minute, sensor) bucket whose rollup must be recomputed.
type mark struct {
	minute, key, seq int64
}

// markPass recomputes the rollups of at most rollupPassMarks marked minutes
// and returns how many marks it read. The minutes are aggregated from raw
// readings on the read pool; only the results go through the writer, which
// replaces the minute rows, recomputes their hours from the minute rows and
// clears the marks not made again meanwhile. Recomputing from raw is
// idempotent, so a crash at any point leaves marks that the next pass
// completes.
func (db *DB) markPass(ctx context.Context) (int, error) {
	marks, minutes, err := db.aggregateMarks(ctx)
	if err != nil || len(marks) == 0 {
		return len(marks), err
	}
	err = db.w.doKeep(ctx, len(marks), func(tx *wtx) error { return writeRollups(tx, marks, minutes) })
	return len(marks), err
}

// aggregateMarks reads marks, then aggregates their minutes from raw
// readings. Each query is a short read of its own rather than one long read
// transaction, which would hold back WAL checkpoints while ingest runs: a
// write after the marks were read marks its minute again with a new seq, so
// writeRollups keeps that mark and the next pass recomputes the minute.
func (db *DB) aggregateMarks(ctx context.Context) ([]mark, map[mark]smartmaint.Rollup, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT minute, sensor_key, seq FROM rollup_dirty LIMIT ?`, rollupPassMarks)
	if err != nil {
		return nil, nil, db.fail(err)
	}
	var marks []mark
	for rows.Next() {
		var m mark
		if err := rows.Scan(&m.minute, &m.key, &m.seq); err != nil {
			rows.Close()
			return nil, nil, db.fail(err)
		}
		marks = append(marks, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, db.fail(err)
	}
	slices.SortFunc(marks, func(a, b mark) int {
		if a.key != b.key {
			return int(sign(a.key - b.key))
		}
		return int(sign(a.minute - b.minute))
	})
	minutes := make(map[mark]smartmaint.Rollup, len(marks))
	for lo := 0; lo < len(marks); {
		hi := lo + 1
		for hi < len(marks) && marks[hi].key == marks[lo].key && marks[hi].minute-marks[hi-1].minute <= rollupMaxGap*minuteMicros {
			hi++
		}
		if err := db.aggregateMinutes(ctx, marks[lo].key, marks[lo].minute, marks[hi-1].minute+minuteMicros, minutes); err != nil {
			return nil, nil, db.fail(err)
		}
		lo = hi
	}
	return marks, minutes, nil
}

// aggregateMinutes aggregates one sensor's readings in [from, to) into
// minute rollups, keyed by mark (seq zero), in a short read transaction of
// its own.
func (db *DB) aggregateMinutes(ctx context.Context, key, from, to int64, out map[mark]smartmaint.Rollup) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return db.aggregate(ctx, tx, sensorRef{key: key}, from, to, minuteMicros, func(i int64, r *smartmaint.Rollup) {
		out[mark{minute: from + i*minuteMicros, key: key}] = *r
	})
}

// writeRollups stores the recomputed minutes of marks that still exist,
// recomputes the hours they fall in and clears the marks that were not made
// again since they were read. A mark that is gone was cleared by retention
// (whose readings went: the rollup must stay as it was) or by the deletion
// of its sensor, so its minute is left alone.
func writeRollups(tx *wtx, marks []mark, minutes map[mark]smartmaint.Rollup) error {
	type hourKey struct{ key, hour int64 }
	hours := map[hourKey]bool{}
	for _, m := range marks {
		var seq int64
		err := tx.queryRow(`SELECT seq FROM rollup_dirty WHERE minute = ? AND sensor_key = ?`, m.minute, m.key).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return err
		}
		if err := putRollup(tx, "rollups_1m", m.key, m.minute, minutes[mark{minute: m.minute, key: m.key}]); err != nil {
			return err
		}
		hours[hourKey{m.key, floorDiv(m.minute, hourMicros) * hourMicros}] = true
		if seq == m.seq {
			if _, err := tx.exec(`DELETE FROM rollup_dirty WHERE minute = ? AND sensor_key = ?`, m.minute, m.key); err != nil {
				return err
			}
		}
	}
	for h := range hours {
		r, err := hourFromMinutes(tx, h.key, h.hour)
		if err != nil {
			return err
		}
		if err := putRollup(tx, "rollups_1h", h.key, h.hour, r); err != nil {
			return err
		}
	}
	return nil
}

// hourFromMinutes merges the minute rollups of one hour.
func hourFromMinutes(tx *wtx, key, hour int64) (smartmaint.Rollup, error) {
	var h smartmaint.Rollup
	rows, err := tx.query(`SELECT count, vmin, vmax, mean, m2, first_ts, vfirst, last_ts, vlast FROM rollups_1m
		WHERE sensor_key = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`, key, hour, hour+hourMicros)
	if err != nil {
		return h, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRollup(rows)
		if err != nil {
			return h, err
		}
		h.Merge(r)
	}
	return h, rows.Err()
}

func scanRollup(rows *sql.Rows) (smartmaint.Rollup, error) {
	var r smartmaint.Rollup
	var ft, lt int64
	err := rows.Scan(&r.Count, &r.Min, &r.Max, &r.Mean, &r.M2, &ft, &r.First, &lt, &r.Last)
	r.FirstTime, r.LastTime = fromMicros(ft), fromMicros(lt)
	return r, err
}

// putRollup stores r as the bucket's rollup, or deletes the bucket when r is
// empty.
func putRollup(tx *wtx, table string, key, bucket int64, r smartmaint.Rollup) error {
	if r.Count == 0 {
		_, err := tx.exec(`DELETE FROM `+table+` WHERE sensor_key = ? AND bucket = ?`, key, bucket)
		return err
	}
	_, err := tx.exec(`INSERT OR REPLACE INTO `+table+` (sensor_key, bucket, count, vmin, vmax, mean, m2, first_ts, vfirst,
		last_ts, vlast) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, key, bucket, r.Count, r.Min, r.Max, r.Mean, r.M2,
		r.FirstTime.UnixMicro(), r.First, r.LastTime.UnixMicro(), r.Last)
	return err
}
