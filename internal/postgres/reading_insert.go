package postgres

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

// stored is a reading the current transaction inserted.
type stored struct {
	key     int64
	ts      time.Time
	value   float64
	quality float64
}

// insertReadings writes the readings and returns those that were new.
//
// Batches of up to smallBatch readings use one INSERT (insertSmall). Larger
// ones take the fast path: COPY straight into readings under a savepoint. When that fails
// on the primary key (23505) — some readings are stored already, or the
// batch repeats a key — it rolls back to the savepoint and takes the slow
// path: COPY into a temporary staging table, then INSERT … ON CONFLICT DO
// NOTHING in batch order (so the first write of a key wins) RETURNING exactly
// the rows that were new.
func insertReadings(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading, keys []int64) ([]stored, error) {
	if len(readings) == 0 {
		return nil, nil
	}
	if len(readings) <= smallBatch {
		return insertSmall(ctx, tx, tenant, readings, keys)
	}
	sp, err := tx.Begin(ctx) // SAVEPOINT
	if err != nil {
		return nil, err
	}
	src := &copySource{tenant: tenant, readings: readings, keys: keys}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{"readings"}, readingColumns, src)
	if err == nil {
		if err := sp.Commit(ctx); err != nil { // RELEASE SAVEPOINT
			return nil, err
		}
		out := make([]stored, len(readings))
		for i := range readings {
			r := &readings[i]
			out[i] = stored{key: keys[i], ts: r.Time, value: r.Value, quality: r.Quality}
		}
		return out, nil
	}
	if pgCode(err) != codeUniqueViolation {
		return nil, err
	}
	if err := sp.Rollback(ctx); err != nil { // ROLLBACK TO SAVEPOINT
		return nil, err
	}
	return insertSlow(ctx, tx, tenant, readings, keys)
}

// smallBatch is the largest batch written with one INSERT instead of COPY:
// for a handful of readings (single-reading ingest) one statement costs less
// than a savepoint and the COPY protocol.
const smallBatch = 32

// insertSmall inserts a few readings with INSERT … ON CONFLICT DO NOTHING in
// batch order, returning the rows that were new.
func insertSmall(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading, keys []int64) ([]stored, error) {
	n := len(readings)
	times, values, quals, metas := make([]time.Time, n), make([]float64, n), make([]float64, n), make([]*string, n)
	for i := range readings {
		r := &readings[i]
		times[i], values[i], quals[i] = r.Time, r.Value, r.Quality
		if len(r.Metadata) > 0 {
			m := string(r.Metadata)
			metas[i] = &m
		}
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO readings (sensor_key, ts, value, quality, tenant_id, metadata)
		SELECT u.k, u.t, u.v, u.q, $5, u.m::json
		FROM unnest($1::bigint[], $2::timestamptz[], $3::float8[], $4::float8[], $6::text[])
			WITH ORDINALITY AS u (k, t, v, q, m, o)
		ORDER BY u.o
		ON CONFLICT (sensor_key, ts) DO NOTHING
		RETURNING sensor_key, ts, value, quality`, keys, times, values, quals, tenant, metas)
	if err != nil {
		return nil, err
	}
	return collectStored(rows)
}

func collectStored(rows pgx.Rows) ([]stored, error) {
	var out []stored
	var s stored
	_, err := pgx.ForEachRow(rows, []any{&s.key, &s.ts, &s.value, &s.quality}, func() error {
		out = append(out, s)
		return nil
	})
	return out, err
}

func insertSlow(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading, keys []int64) ([]stored, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS readings_staging (
		sensor_key bigint, ts timestamptz, value double precision, quality double precision,
		tenant_id text, metadata json, ord integer) ON COMMIT DELETE ROWS`); err != nil {
		return nil, err
	}
	src := &copySource{tenant: tenant, readings: readings, keys: keys, ord: true}
	cols := append(append([]string(nil), readingColumns...), "ord")
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"readings_staging"}, cols, src); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO readings (sensor_key, ts, value, quality, tenant_id, metadata)
		SELECT sensor_key, ts, value, quality, tenant_id, metadata FROM readings_staging ORDER BY ord
		ON CONFLICT (sensor_key, ts) DO NOTHING
		RETURNING sensor_key, ts, value, quality`)
	if err != nil {
		return nil, err
	}
	out, err := collectStored(rows)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `TRUNCATE readings_staging`)
	return out, err
}

// sensorDelta is what one write adds to a sensor's statistics.
type sensorDelta struct {
	n           int64
	first, last time.Time
	lastValue   float64
	lastQuality float64
}

// updateAggregates adds the inserted readings to their sensors' statistics
// and merges them into the minute and hour rollups, in one round trip. Each
// reading counts once. In lockShared mode the sensors' rows are first locked
// FOR NO KEY UPDATE, in key order, so that concurrent writers of the same
// sensors take turns from here to their commit without deadlocking: it is
// the lock the statistics update takes anyway, and it does not conflict with
// the KEY SHARE locks of writers still inserting.
func updateAggregates(ctx context.Context, tx pgx.Tx, tenant string, inserted []stored, mode lockMode) error {
	if len(inserted) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	queueStats(batch, inserted, mode == lockShared)
	minutes, hours := partials(inserted)
	queueRollups(batch, "rollups_1m", tenant, minutes)
	queueRollups(batch, "rollups_1h", tenant, hours)
	return tx.SendBatch(ctx, batch).Close()
}

// queueStats adds the statistics update of the inserted readings to batch,
// after a statement locking the sensors' rows in key order if lock is set.
func queueStats(batch *pgx.Batch, inserted []stored, lock bool) {
	deltas := make(map[int64]*sensorDelta)
	for i := range inserted {
		s := &inserted[i]
		d := deltas[s.key]
		if d == nil {
			deltas[s.key] = &sensorDelta{n: 1, first: s.ts, last: s.ts, lastValue: s.value, lastQuality: s.quality}
			continue
		}
		d.n++
		if s.ts.Before(d.first) {
			d.first = s.ts
		}
		if s.ts.After(d.last) {
			d.last, d.lastValue, d.lastQuality = s.ts, s.value, s.quality
		}
	}
	n := len(deltas)
	keys, counts := slices.Sorted(maps.Keys(deltas)), make([]int64, 0, n)
	firsts, lasts := make([]time.Time, 0, n), make([]time.Time, 0, n)
	values, qualities := make([]float64, 0, n), make([]float64, 0, n)
	for _, k := range keys {
		d := deltas[k]
		counts = append(counts, d.n)
		firsts, lasts = append(firsts, d.first), append(lasts, d.last)
		values, qualities = append(values, d.lastValue), append(qualities, d.lastQuality)
	}
	if lock {
		batch.Queue(`SELECT 1 FROM sensors WHERE key = ANY($1) ORDER BY key FOR NO KEY UPDATE`, keys)
	}
	batch.Queue(`
		UPDATE sensors s SET
			reading_count = s.reading_count + u.n,
			first_reading_at = LEAST(s.first_reading_at, u.first),
			last_value = CASE WHEN s.last_reading_at IS NULL OR u.last > s.last_reading_at
				THEN u.lv ELSE s.last_value END,
			last_quality = CASE WHEN s.last_reading_at IS NULL OR u.last > s.last_reading_at
				THEN u.lq ELSE s.last_quality END,
			last_reading_at = GREATEST(s.last_reading_at, u.last)
		FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[],
			$5::double precision[], $6::double precision[]) AS u (key, n, first, last, lv, lq)
		WHERE s.key = u.key`, keys, counts, firsts, lasts, values, qualities)
}

// floorDiv divides rounding towards negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
