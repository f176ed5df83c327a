package postgres

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

// Rollups are maintained incrementally in the write transaction: the writer
// knows exactly which readings it inserted (all of them on the COPY fast
// path, the RETURNING rows on the slow path), folds them into per-minute and
// per-hour partial rollups with smartmaint.Rollup, and merges those into
// rollups_1m and rollups_1h with Chan's formula in an upsert. Each stored
// reading is therefore counted exactly once, the rollups are current at
// commit, and no job has to re-read raw readings. Concurrent writers of one
// sensor are already serialised by the sensor row lock that the statistics
// update needs, so the rollup rows add no new contention.

// rollupKey is one sensor's bucket.
type rollupKey struct {
	key    int64
	bucket int64 // Unix seconds
}

// partials folds the inserted readings into minute and hour rollups.
func partials(inserted []stored) (minutes, hours map[rollupKey]*smartmaint.Rollup) {
	minutes = make(map[rollupKey]*smartmaint.Rollup)
	for i := range inserted {
		s := &inserted[i]
		k := rollupKey{s.key, floorDiv(s.ts.Unix(), 60) * 60}
		r := minutes[k]
		if r == nil {
			r = &smartmaint.Rollup{}
			minutes[k] = r
		}
		r.Add(s.ts, s.value)
	}
	hours = make(map[rollupKey]*smartmaint.Rollup)
	for k, m := range minutes {
		hk := rollupKey{k.key, floorDiv(k.bucket, 3600) * 3600}
		h := hours[hk]
		if h == nil {
			h = &smartmaint.Rollup{}
			hours[hk] = h
		}
		h.Merge(*m)
	}
	return minutes, hours
}

// rollupUpsert merges partial rollups into table ($1.. are column arrays,
// $11 the tenant). The rows go in (sensor, bucket) order so that concurrent
// writers lock them in one order.
const rollupUpsert = `
	INSERT INTO %[1]s AS o (sensor_key, bucket, tenant_id, count, min, max, mean, m2,
		first_time, first, last_time, last)
	SELECT u.k, u.b, $11, u.n, u.mn, u.mx, u.mean, u.m2, u.ft, u.f, u.lt, u.l
	FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[],
		$7::float8[], $8::timestamptz[], $9::float8[], $10::timestamptz[], $12::float8[])
		AS u (k, b, n, mn, mx, mean, m2, ft, f, lt, l)
	ORDER BY u.k, u.b
	ON CONFLICT (sensor_key, bucket) DO UPDATE SET
		count = o.count + EXCLUDED.count,
		min = least(o.min, EXCLUDED.min),
		max = greatest(o.max, EXCLUDED.max),
		mean = o.mean + (EXCLUDED.mean - o.mean) * EXCLUDED.count / (o.count + EXCLUDED.count),
		m2 = o.m2 + EXCLUDED.m2 + (EXCLUDED.mean - o.mean) * (EXCLUDED.mean - o.mean)
			* o.count::float8 * EXCLUDED.count / (o.count + EXCLUDED.count),
		first_time = least(o.first_time, EXCLUDED.first_time),
		first = CASE WHEN EXCLUDED.first_time < o.first_time THEN EXCLUDED.first ELSE o.first END,
		last_time = greatest(o.last_time, EXCLUDED.last_time),
		last = CASE WHEN EXCLUDED.last_time > o.last_time THEN EXCLUDED.last ELSE o.last END`

// queueRollups adds the upsert of the partial rollups in m to batch.
func queueRollups(batch *pgx.Batch, table, tenant string, m map[rollupKey]*smartmaint.Rollup) {
	ks := make([]rollupKey, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		return ks[i].key < ks[j].key || ks[i].key == ks[j].key && ks[i].bucket < ks[j].bucket
	})
	n := len(ks)
	keys, counts := make([]int64, n), make([]int64, n)
	buckets, fts, lts := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	mins, maxs, means, m2s := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	firsts, lasts := make([]float64, n), make([]float64, n)
	for i, k := range ks {
		r := m[k]
		keys[i], buckets[i], counts[i] = k.key, time.Unix(k.bucket, 0).UTC(), r.Count
		mins[i], maxs[i], means[i], m2s[i] = r.Min, r.Max, r.Mean, r.M2
		fts[i], firsts[i], lts[i], lasts[i] = r.FirstTime, r.First, r.LastTime, r.Last
	}
	batch.Queue(fmt.Sprintf(rollupUpsert, table), keys, buckets, counts, mins, maxs, means, m2s,
		fts, firsts, lts, tenant, lasts)
}

// RefreshRollups brings the rollups up to date with every committed reading.
// This store maintains them in the write transaction, so they always are:
// it only checks that the database answers. It is not tenant-scoped.
func (db *DB) RefreshRollups(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, `SELECT 1`)
	return wrap("refresh rollups", err)
}
