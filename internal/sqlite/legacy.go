package sqlite

import (
	"context"
	"database/sql"
	"log/slog"

	"smartmaint/internal/tsblock"
)

// legacyChunk is the most rows of the former readings table that one
// transaction moves into blocks.
const legacyChunk = 100_000

// convertLegacyReadings moves the rows of the readings table, which
// databases written before migration 0005 hold, into blocks, then drops the
// table. Each transaction reads the first chunk rows in key order,
// stores them as blocks and deletes them, so an interrupted conversion
// resumes where it stopped, and no reading is ever stored twice or
// missing. It runs when the store opens, before anything reads readings; a
// large database takes a while, once (about the direct ingest rate, see
// docs/bench/sqlite.md). Statistics and rollups stay as they are: they
// already count these readings.
func convertLegacyReadings(ctx context.Context, wdb *sql.DB, log *slog.Logger, chunk int) error {
	var n int
	if err := wdb.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'readings'`).Scan(&n); err != nil || n == 0 {
		return classify(err)
	}
	moved := 0
	for {
		k, err := moveLegacyChunk(ctx, wdb, chunk)
		if err != nil {
			return classify(err)
		}
		moved += k
		if k == 0 {
			break
		}
		log.Info("moving readings into blocks", "moved", moved)
	}
	_, err := wdb.ExecContext(ctx, `DROP TABLE readings`)
	return classify(err)
}

// moveLegacyChunk moves the first rows of the readings table into blocks in
// one transaction and returns how many it moved.
func moveLegacyChunk(ctx context.Context, wdb *sql.DB, chunk int) (int, error) {
	tx, err := wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT sensor_key, ts, value, quality, metadata FROM readings
		ORDER BY sensor_key, ts LIMIT ?`, chunk)
	if err != nil {
		return 0, err
	}
	var keys []int64
	var pts []row
	var bounds []int // pts of keys[i] are pts[bounds[i]:bounds[i+1]]
	for rows.Next() {
		var key int64
		var p row
		var meta []byte
		if err := rows.Scan(&key, &p.TS, &p.Value, &p.Quality, &meta); err != nil {
			rows.Close()
			return 0, err
		}
		p.Metadata = metadata(meta)
		if len(keys) == 0 || keys[len(keys)-1] != key {
			keys, bounds = append(keys, key), append(bounds, len(pts))
		}
		pts = append(pts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(pts) == 0 {
		return 0, err
	}
	bounds = append(bounds, len(pts))
	for i, key := range keys {
		if err := insertLegacyBlocks(ctx, tx, key, pts[bounds[i]:bounds[i+1]]); err != nil {
			return 0, err
		}
	}
	// A sensor-hour cut by the chunk's edges is stored as several blocks:
	// the compaction job merges them.
	last := pts[len(pts)-1].TS
	for _, m := range [][2]int64{{keys[0], hourOf(pts[0].TS)}, {keys[len(keys)-1], hourOf(last)}} {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO block_merges (sensor_key, hour) VALUES (?, ?)`, m[0], m[1]); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM readings WHERE (sensor_key, ts) <= (?, ?)`, keys[len(keys)-1], last); err != nil {
		return 0, err
	}
	return len(pts), tx.Commit()
}

// insertLegacyBlocks stores one sensor's readings (sorted by time) as blocks
// of at most maxBlockPoints readings within one hour.
func insertLegacyBlocks(ctx context.Context, tx *sql.Tx, key int64, pts []row) error {
	var buf []byte
	for lo := 0; lo < len(pts); {
		h := hourOf(pts[lo].TS)
		hi := lo
		for hi < len(pts) && hi-lo < maxBlockPoints && pts[hi].TS < h+hourMicros {
			hi++
		}
		buf = tsblock.Encode(buf[:0], pts[lo:hi])
		if _, err := tx.ExecContext(ctx, `INSERT INTO reading_blocks (sensor_key, start_us, end_us, n, data) VALUES (?, ?, ?, ?, ?)`,
			key, pts[lo].TS, pts[hi-1].TS, hi-lo, buf); err != nil {
			return err
		}
		lo = hi
	}
	return nil
}
