package sqlite

import (
	"context"
	"math"
	"slices"
	"time"

	"smartmaint"
	"smartmaint/internal/tsblock"
)

var _ smartmaint.MaintenanceService = (*DB)(nil)

// Retention works in writer jobs that delete at most retentionChunk rows and
// visit at most retentionSensors sensors, so that ingest is never held for
// long: queued writes commit between two chunks.
const (
	retentionChunk   = 5000
	retentionSensors = 500
)

// maintain runs the background jobs until ctx ends.
func (db *DB) maintain(ctx context.Context) {
	defer db.bg.Done()
	retention := time.NewTicker(db.opts.RetentionInterval)
	defer retention.Stop()
	purge := time.NewTicker(db.opts.PurgeInterval)
	defer purge.Stop()
	rollup := time.NewTicker(db.opts.RollupInterval)
	defer rollup.Stop()
	compact := time.NewTicker(db.opts.CompactInterval)
	defer compact.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-compact.C:
			if _, err := db.compact(ctx, false); err != nil && ctx.Err() == nil {
				db.log.Error("block compaction failed", "err", err)
			}
		case <-rollup.C:
			if err := db.RefreshRollups(ctx); err != nil && ctx.Err() == nil {
				db.log.Error("rollup pass failed", "err", err)
			}
		case <-retention.C:
			res, err := db.EnforceRetention(ctx, db.now())
			if err != nil && ctx.Err() == nil {
				db.log.Error("retention failed", "err", err)
			} else if res.ReadingsDeleted+res.RollupsDeleted > 0 {
				db.log.Info("retention", "readings_deleted", res.ReadingsDeleted, "rollups_deleted", res.RollupsDeleted)
			}
		case <-purge.C:
			if err := db.purge(ctx, db.now()); err != nil && ctx.Err() == nil {
				db.log.Error("purge failed", "err", err)
			}
		}
	}
}

// EnforceRetention deletes, for every tenant, the raw readings older than
// now minus its raw retention and the rollup buckets that end at or before
// now minus its rollup retention, adjusting the sensor statistics in the same
// transactions; then it purges expired idempotency keys and the data of
// deleted sensors.
func (db *DB) EnforceRetention(ctx context.Context, now time.Time) (smartmaint.RetentionResult, error) {
	var res smartmaint.RetentionResult
	// Rollups first, so that they summarise the readings about to go.
	if err := db.RefreshRollups(ctx); err != nil {
		return res, err
	}
	tenants, err := db.FindTenants(ctx)
	if err != nil {
		return res, err
	}
	for _, t := range tenants {
		rawCut := micros(now.Add(-time.Duration(t.RawRetentionDays) * 24 * time.Hour))
		rollupCut := micros(now.Add(-time.Duration(t.RollupRetentionDays) * 24 * time.Hour))
		keys, err := db.sensorKeys(ctx, `SELECT key FROM sensors WHERE tenant_id = ? AND first_reading_at < ? ORDER BY key`, t.ID, rawCut)
		if err != nil {
			return res, err
		}
		n, err := db.deleteInChunks(ctx, keys, func(tx *wtx, key int64, budget int) (int64, error) {
			return deleteRaw(tx, key, rawCut-1, budget)
		})
		res.ReadingsDeleted += n
		if err != nil {
			return res, err
		}
		if keys, err = db.sensorKeys(ctx, `SELECT key FROM sensors WHERE tenant_id = ? ORDER BY key`, t.ID); err != nil {
			return res, err
		}
		for _, r := range []struct {
			table string
			width int64
		}{{"rollups_1m", minuteMicros}, {"rollups_1h", hourMicros}} {
			n, err := db.deleteInChunks(ctx, keys, func(tx *wtx, key int64, budget int) (int64, error) {
				return deleteOlder(tx, r.table, "bucket", key, rollupCut-r.width, budget)
			})
			res.RollupsDeleted += n
			if err != nil {
				return res, err
			}
		}
	}
	return res, db.purge(ctx, now)
}

// sensorKeys runs a query that lists sensor keys.
func (db *DB) sensorKeys(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, db.fail(err)
	}
	defer rows.Close()
	var keys []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, db.fail(err)
		}
		keys = append(keys, k)
	}
	return keys, db.fail(rows.Err())
}

// deleteInChunks runs del over keys in bounded writer jobs; del deletes at
// most budget rows of one sensor and returns how many it deleted (fewer
// than budget: the sensor is done). It returns the rows deleted.
func (db *DB) deleteInChunks(ctx context.Context, keys []int64, del func(tx *wtx, key int64, budget int) (int64, error)) (int64, error) {
	var total int64
	for i := 0; i < len(keys); {
		var deleted int64
		next := i
		err := db.w.doKeep(ctx, retentionChunk, func(tx *wtx) error {
			deleted, next = 0, i
			for visited := 0; next < len(keys) && deleted < retentionChunk && visited < retentionSensors; visited++ {
				budget := retentionChunk - int(deleted)
				n, err := del(tx, keys[next], budget)
				if err != nil {
					return err
				}
				deleted += n
				if n < int64(budget) {
					next++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total, i = total+deleted, next
	}
	return total, nil
}

// deleteRaw deletes the sensor's readings with ts <= last, oldest first,
// stopping once it has deleted at least budget of them (so at most budget
// plus one block's worth): whole blocks that end by last, and the older part
// of a block that straddles last, which is rewritten with its newer readings.
// It adjusts the statistics: the count, the first reading, and when nothing
// is left the last reading too. Marks of minutes whose readings go are
// cleared, so that the rollup job never recomputes (and so empties) a rollup
// from readings that retention removed. It returns how many readings it
// deleted: fewer than budget means the sensor has none left to delete.
func deleteRaw(tx *wtx, key, last int64, budget int) (int64, error) {
	blocks, err := oldBlocks(tx, key, last, budget)
	if err != nil {
		return 0, err
	}
	var n int64
	var whole []any
	for _, b := range blocks {
		if n >= int64(budget) {
			break
		}
		if b.end <= last {
			whole = append(whole, b.id)
			n += int64(b.n)
			continue
		}
		k, err := trimBlock(tx, key, b.id, last)
		if err != nil {
			return n, err
		}
		n += k
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := execAll(tx, "delete blocks", whole, 1, lookupChunk, deleteBlocksSQL); err != nil {
		return n, err
	}
	if _, err := tx.exec(`DELETE FROM rollup_dirty WHERE minute <= ? AND sensor_key = ?`, last, key); err != nil {
		return n, err
	}
	if _, err := tx.exec(`UPDATE sensors SET reading_count = reading_count - ?1,
		first_reading_at = (SELECT min(start_us) FROM reading_blocks WHERE sensor_key = ?2) WHERE key = ?2`, n, key); err != nil {
		return n, err
	}
	_, err = tx.exec(`UPDATE sensors SET last_reading_at = NULL, last_value = NULL, last_quality = NULL
		WHERE key = ? AND reading_count = 0`, key)
	return n, err
}

// blockHeader is a block's row without its data.
type blockHeader struct {
	id, start, end int64
	n              int
}

// oldBlocks returns the headers of the sensor's oldest blocks that start by
// last, at most limit of them.
func oldBlocks(tx *wtx, key, last int64, limit int) ([]blockHeader, error) {
	rows, err := tx.query(`SELECT id, start_us, end_us, n FROM reading_blocks WHERE sensor_key = ? AND start_us <= ?
		ORDER BY start_us LIMIT ?`, key, last, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []blockHeader
	for rows.Next() {
		var b blockHeader
		if err := rows.Scan(&b.id, &b.start, &b.end, &b.n); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// trimBlock rewrites a block without its readings up to last (it holds
// newer ones too) and returns how many it removed.
func trimBlock(tx *wtx, key, id, last int64) (int64, error) {
	var data []byte
	if err := tx.queryRow(`SELECT data FROM reading_blocks WHERE id = ?`, id).Scan(&data); err != nil {
		return 0, err
	}
	pts, err := tsblock.Decode(nil, data)
	if err != nil {
		return 0, corrupt(key, err)
	}
	i, _ := slices.BinarySearchFunc(pts, last+1, cmpRowTS)
	if i == 0 {
		return 0, nil
	}
	keep := pts[i:]
	_, err = tx.exec(`UPDATE reading_blocks SET start_us = ?, end_us = ?, n = ?, data = ? WHERE id = ?`,
		keep[0].TS, keep[len(keep)-1].TS, len(keep), tsblock.Encode(nil, keep), id)
	return int64(i), err
}

// deleteOlder deletes at most budget rows of one sensor from table whose
// time column col is at most last, oldest first.
func deleteOlder(tx *wtx, table, col string, key, last int64, budget int) (int64, error) {
	res, err := tx.exec(`DELETE FROM `+table+` WHERE sensor_key = ?1 AND `+col+` <= ?2 AND `+col+` <= coalesce(
		(SELECT `+col+` FROM `+table+` WHERE sensor_key = ?1 AND `+col+` <= ?2 ORDER BY `+col+` LIMIT 1 OFFSET ?3), ?2)`,
		key, last, budget-1)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// purge deletes idempotency keys older than IdempotencyTTL and, in chunks,
// the readings and rollups of deleted sensors.
func (db *DB) purge(ctx context.Context, now time.Time) error {
	expired := micros(now.Add(-smartmaint.IdempotencyTTL))
	for {
		var n int64
		err := db.w.doKeep(ctx, retentionChunk, func(tx *wtx) error {
			res, err := tx.exec(`DELETE FROM idempotency_keys WHERE rowid IN
				(SELECT rowid FROM idempotency_keys WHERE created_at <= ? LIMIT ?)`, expired, retentionChunk)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return err
		}
		if n < retentionChunk {
			break
		}
	}
	keys, err := db.sensorKeys(ctx, `SELECT sensor_key FROM sensor_purges ORDER BY sensor_key`)
	if err != nil {
		return err
	}
	if _, err := db.deleteInChunks(ctx, keys, func(tx *wtx, key int64, budget int) (int64, error) {
		return deleteRaw(tx, key, math.MaxInt64, budget)
	}); err != nil {
		return err
	}
	for _, table := range []string{"rollups_1m", "rollups_1h"} {
		if _, err := db.deleteInChunks(ctx, keys, func(tx *wtx, key int64, budget int) (int64, error) {
			return deleteOlder(tx, table, "bucket", key, math.MaxInt64, budget)
		}); err != nil {
			return err
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return db.w.doKeep(ctx, len(keys), func(tx *wtx) error {
		for _, k := range keys {
			if _, err := tx.exec(`DELETE FROM sensor_purges WHERE sensor_key = ?`, k); err != nil {
				return err
			}
			if _, err := tx.exec(`DELETE FROM block_merges WHERE sensor_key = ?`, k); err != nil {
				return err
			}
		}
		return nil
	})
}
