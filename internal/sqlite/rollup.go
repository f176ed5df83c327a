package sqlite

import (
	"context"
	"slices"
	"time"

	"smartmaint"
)

// Rollup resolutions in microseconds.
const (
	minuteMicros = int64(time.Minute / time.Microsecond)
	hourMicros   = int64(time.Hour / time.Microsecond)
)

// rollupPassParts is the most rollup parts one merge transaction takes, which
// bounds how long it holds the writer (about 4 ms on the benchmark machine).
const rollupPassParts = 1024

// RefreshRollups brings the rollups up to date with every reading committed
// before the call: it merges pending rollup parts, then recomputes legacy
// marks, each in passes until one finds fewer than it can take.
func (db *DB) RefreshRollups(ctx context.Context) error {
	db.rollupMu.Lock()
	defer db.rollupMu.Unlock()
	for {
		n, err := db.mergeParts(ctx)
		if err != nil {
			return err
		}
		if n < rollupPassParts {
			break
		}
	}
	for {
		n, err := db.markPass(ctx)
		if err != nil || n < rollupPassMarks {
			return err
		}
	}
}

// bucketKey names one rollup row.
type bucketKey struct{ key, bucket int64 }

// mergeParts merges at most rollupPassParts rollup parts into the 1-minute
// and 1-hour rollups and deletes them, in one writer transaction, so that
// every part counts exactly once, whatever crashes. It returns how many
// parts it merged. Parts of the same bucket are merged in Go first; the
// stored rows are then updated with multi-row upserts (rollupUpsert).
func (db *DB) mergeParts(ctx context.Context) (int, error) {
	var n int
	err := db.w.doKeep(ctx, rollupPassParts, func(tx *wtx) error {
		minutes, hours := map[bucketKey]*smartmaint.Rollup{}, map[bucketKey]*smartmaint.Rollup{}
		var maxID int64
		var err error
		if n, maxID, err = readParts(tx, minutes, hours); err != nil || n == 0 {
			return err
		}
		if err := upsertRollups(tx, "rollups_1m", minutes); err != nil {
			return err
		}
		if err := upsertRollups(tx, "rollups_1h", hours); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM rollup_parts WHERE id <= ?`, maxID)
		return err
	})
	return n, err
}

// readParts merges the oldest parts into per-minute and per-hour summaries
// and returns how many it read and the highest part ID.
func readParts(tx *wtx, minutes, hours map[bucketKey]*smartmaint.Rollup) (n int, maxID int64, err error) {
	rows, err := tx.query(`SELECT id, sensor_key, minute, count, vmin, vmax, mean, m2, first_ts, vfirst, last_ts, vlast
		FROM rollup_parts ORDER BY id LIMIT ?`, rollupPassParts)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, minute, ft, lt int64
		var r smartmaint.Rollup
		if err := rows.Scan(&maxID, &key, &minute, &r.Count, &r.Min, &r.Max, &r.Mean, &r.M2, &ft, &r.First, &lt, &r.Last); err != nil {
			return 0, 0, err
		}
		r.FirstTime, r.LastTime = fromMicros(ft), fromMicros(lt)
		mergeInto(minutes, bucketKey{key, minute}, r)
		mergeInto(hours, bucketKey{key, floorDiv(minute, hourMicros) * hourMicros}, r)
		n++
	}
	return n, maxID, rows.Err()
}

func mergeInto(m map[bucketKey]*smartmaint.Rollup, k bucketKey, r smartmaint.Rollup) {
	if acc, ok := m[k]; ok {
		acc.Merge(r)
		return
	}
	m[k] = &r
}

// rollupUpsert merges the summary of one bucket into the stored one with
// Chan's formula, written in the same order of operations as
// smartmaint.Rollup.Merge so that both give the same floating-point results.
const rollupUpsert = ` ON CONFLICT (sensor_key, bucket) DO UPDATE SET
	count = count + excluded.count,
	vmin = min(vmin, excluded.vmin),
	vmax = max(vmax, excluded.vmax),
	mean = mean + (excluded.mean - mean) * excluded.count / (count + excluded.count),
	m2 = m2 + (excluded.m2 + (excluded.mean - mean) * (excluded.mean - mean) * count * excluded.count / (count + excluded.count)),
	first_ts = min(first_ts, excluded.first_ts),
	vfirst = CASE WHEN excluded.first_ts < first_ts THEN excluded.vfirst ELSE vfirst END,
	last_ts = max(last_ts, excluded.last_ts),
	vlast = CASE WHEN excluded.last_ts > last_ts THEN excluded.vlast ELSE vlast END`

// upsertRollups merges the summaries into table, in (sensor, bucket) order.
func upsertRollups(tx *wtx, table string, sums map[bucketKey]*smartmaint.Rollup) error {
	keys := make([]bucketKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b bucketKey) int {
		if a.key != b.key {
			return int(sign(a.key - b.key))
		}
		return int(sign(a.bucket - b.bucket))
	})
	args := make([]any, 0, 11*len(keys))
	for _, k := range keys {
		r := sums[k]
		args = append(args, k.key, k.bucket, r.Count, r.Min, r.Max, r.Mean, r.M2,
			r.FirstTime.UnixMicro(), r.First, r.LastTime.UnixMicro(), r.Last)
	}
	_, err := execChunks(tx, "upsert "+table, args, 11, partsChunk, func(n int) string {
		return multiRow(`INSERT INTO `+table+` (sensor_key, bucket, count, vmin, vmax, mean, m2, first_ts, vfirst, last_ts, vlast)
			VALUES `, n, 11, rollupUpsert)
	})
	return err
}

// floorDiv divides rounding towards negative infinity (timestamps before
// 1970 fall in the right bucket).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func sign(x int64) int64 {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}
