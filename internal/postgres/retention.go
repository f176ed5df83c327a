package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

// day is the unit of the retention settings.
const day = 24 * time.Hour

// EnforceRetention deletes, for every tenant, the raw readings strictly older
// than now minus its raw retention and the rollup buckets that end at or
// before now minus its rollup retention, and purges expired idempotency
// keys. (Rollups are current at every commit, so no raw reading expires
// before it is rolled up.) Partitions that lie wholly before the longest raw retention of any
// tenant are dropped whole; the rest is deleted row by row. The sensor
// statistics are adjusted in the same transactions. It is not tenant-scoped.
func (db *DB) EnforceRetention(ctx context.Context, now time.Time) (smartmaint.RetentionResult, error) {
	var res smartmaint.RetentionResult
	tenants, err := db.FindTenants(ctx)
	if err != nil || len(tenants) == 0 {
		return res, err
	}
	longest := 0
	for _, t := range tenants {
		longest = max(longest, t.RawRetentionDays)
	}
	dropped, n, err := db.dropPartitions(ctx, now.Add(-time.Duration(longest)*day))
	res.PartitionsDropped, res.ReadingsDeleted = dropped, n
	if err != nil {
		return res, err
	}
	for _, t := range tenants {
		n, err := db.deleteOldReadings(ctx, t.ID, now.Add(-time.Duration(t.RawRetentionDays)*day))
		res.ReadingsDeleted += n
		if err != nil {
			return res, err
		}
		n, err = db.deleteOldRollups(ctx, t.ID, now.Add(-time.Duration(t.RollupRetentionDays)*day))
		res.RollupsDeleted += n
		if err != nil {
			return res, err
		}
	}
	_, err = db.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at <= $1`, now.Add(-smartmaint.IdempotencyTTL))
	return res, wrap("purge idempotency keys", err)
}

// dropPartitions drops the readings partitions that end at or before cutoff,
// subtracting their readings from the sensor statistics in the same
// transaction, and returns their names and how many readings they held.
func (db *DB) dropPartitions(ctx context.Context, cutoff time.Time) ([]string, int64, error) {
	var names []string
	var total int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		names, total = nil, 0
		if _, err := xactLock(ctx, tx, partitionLockID, true); err != nil {
			return err
		}
		parts, err := listPartitions(ctx, tx, db.parts.interval)
		if err != nil {
			return err
		}
		counts := make(map[int64]int64)
		for _, p := range parts {
			if p.to.After(cutoff) {
				continue
			}
			n, err := countAndDrop(ctx, tx, p.name, counts)
			if err != nil {
				return err
			}
			names, total = append(names, p.name), total+n
		}
		return subtractStats(ctx, tx, counts)
	})
	if err != nil {
		return nil, 0, wrap("drop partitions", err)
	}
	db.parts.forget()
	return names, total, nil
}

// countAndDrop locks the partition against writes, adds its readings per
// sensor to counts, locks those sensors (in key order, as writers do) and
// drops the partition. It returns how many readings the partition held.
func countAndDrop(ctx context.Context, tx pgx.Tx, name string, counts map[int64]int64) (int64, error) {
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := tx.Exec(ctx, `LOCK TABLE `+ident+` IN SHARE MODE`); err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `SELECT sensor_key, count(*) FROM `+ident+` GROUP BY sensor_key ORDER BY sensor_key`)
	if err != nil {
		return 0, err
	}
	var key, n, total int64
	var keys []int64
	_, err = pgx.ForEachRow(rows, []any{&key, &n}, func() error {
		counts[key] += n
		total += n
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM sensors WHERE key = ANY($1) ORDER BY key FOR UPDATE`, keys); err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `DROP TABLE `+ident)
	return total, err
}

// deleteOldReadings deletes the tenant's readings older than cutoff.
func (db *DB) deleteOldReadings(ctx context.Context, tenant string, cutoff time.Time) (int64, error) {
	var total int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		total = 0
		// Lock first, in key order, the sensors that may lose readings, so
		// that a concurrent backfill cannot slip between the delete and the
		// statistics update.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM sensors WHERE tenant_id = $1 AND first_reading_at < $2
			ORDER BY key FOR UPDATE`, tenant, cutoff); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `WITH d AS (DELETE FROM readings WHERE tenant_id = $1 AND ts < $2 RETURNING sensor_key)
			SELECT sensor_key, count(*) FROM d GROUP BY sensor_key`, tenant, cutoff)
		if err != nil {
			return err
		}
		counts := make(map[int64]int64)
		var key, n int64
		if _, err := pgx.ForEachRow(rows, []any{&key, &n}, func() error {
			counts[key], total = n, total+n
			return nil
		}); err != nil {
			return err
		}
		return subtractStats(ctx, tx, counts)
	})
	return total, wrap("delete old readings", err)
}

// subtractStats removes deleted readings from their sensors' statistics:
// the count drops, the first reading is looked up again, and a sensor left
// without readings has no first, last, value or quality.
func subtractStats(ctx context.Context, tx pgx.Tx, counts map[int64]int64) error {
	if len(counts) == 0 {
		return nil
	}
	keys, ns := make([]int64, 0, len(counts)), make([]int64, 0, len(counts))
	for k, n := range counts {
		keys, ns = append(keys, k), append(ns, n)
	}
	_, err := tx.Exec(ctx, `
		UPDATE sensors s SET
			reading_count = greatest(s.reading_count - u.n, 0),
			first_reading_at = (SELECT min(r.ts) FROM readings r WHERE r.sensor_key = s.key),
			last_reading_at = CASE WHEN s.reading_count - u.n > 0 THEN s.last_reading_at END,
			last_value = CASE WHEN s.reading_count - u.n > 0 THEN s.last_value END,
			last_quality = CASE WHEN s.reading_count - u.n > 0 THEN s.last_quality END
		FROM unnest($1::bigint[], $2::bigint[]) AS u (key, n)
		WHERE s.key = u.key`, keys, ns)
	return err
}

// deleteOldRollups deletes the tenant's rollup buckets that end at or before
// cutoff.
func (db *DB) deleteOldRollups(ctx context.Context, tenant string, cutoff time.Time) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql   string
		width time.Duration
	}{
		{`DELETE FROM rollups_1m r USING sensors s
			WHERE s.tenant_id = $1 AND r.sensor_key = s.key AND r.bucket <= $2`, time.Minute},
		{`DELETE FROM rollups_1h r USING sensors s
			WHERE s.tenant_id = $1 AND r.sensor_key = s.key AND r.bucket <= $2`, time.Hour},
	} {
		tag, err := db.pool.Exec(ctx, q.sql, tenant, cutoff.Add(-q.width))
		if err != nil {
			return total, wrap("delete old rollups", err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}
