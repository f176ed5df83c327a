package sqlite

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"smartmaint/internal/tsblock"
)

// Compaction bounds and policy.
const (
	// compactQuiet is how long a sensor-hour must go without writes before
	// the job merges it fully: until then it may still be growing.
	compactQuiet = 10 * time.Second
	// A sensor-hour still being written keeps its blocks until it holds
	// more than compactOpen of them; then the job merges its small blocks
	// by size class (below 8, 64 and 512 readings): the blocks of a class
	// once there are compactFanIn of them. Single-reading writes make
	// one-reading blocks, and this keeps their number per sensor-hour
	// bounded (about compactOpen, plus one per 512 to 1024 readings) while
	// each reading is rewritten three or four times at most; writes of
	// larger batches are merged rarely.
	compactOpen  = 32
	compactFanIn = 8
	compactTiers = 3
	tierLimit    = maxBlockPoints / 2 // compactFanIn^compactTiers: blocks below are small
	// compactScan is how many queued sensor-hours one writer job visits; it
	// stops earlier once it has rewritten about compactBudget readings (a
	// single merge is never split), so that it holds the writer for a few
	// milliseconds at most.
	compactScan   = 64
	compactBudget = 16_384
	// compactBlocks bounds the blocks one writer job merges: each costs a
	// row read and a row delete whatever its size.
	compactBlocks = 512
)

// CompactResult reports what a compaction pass did.
type CompactResult struct {
	Merges        int   // merges (each of blocks of one sensor-hour)
	BlocksRead    int   // blocks merged (and deleted)
	BlocksWritten int   // blocks written in their place
	Readings      int64 // readings rewritten
}

// CompactBlocks merges the blocks of every sensor-hour queued for
// compaction, recent or not, into the fewest blocks (non-overlapping, at most
// maxBlockPoints readings each). Readings are unchanged. The background job
// does the same on its own schedule for sensor-hours that have not been
// written for a few seconds, and merges the small blocks of the others.
func (db *DB) CompactBlocks(ctx context.Context) (CompactResult, error) {
	return db.compact(ctx, true)
}

// compact visits the whole queue in writer jobs of at most compactScan
// sensor-hours. Each merge (insert the merged blocks, delete the old ones)
// commits in one transaction, so a crash leaves either the old blocks or the
// new ones, and merging again is harmless.
func (db *DB) compact(ctx context.Context, force bool) (CompactResult, error) {
	db.compactMu.Lock()
	defer db.compactMu.Unlock()
	var total CompactResult
	after := shKey{key: -1}
	for {
		var res CompactResult
		var done bool
		err := db.w.doKeep(ctx, compactBudget, func(tx *wtx) error {
			var err error
			res, after, done, err = db.compactJob(tx, after, force)
			return err
		})
		if err != nil {
			return total, err
		}
		total.Merges += res.Merges
		total.BlocksRead += res.BlocksRead
		total.BlocksWritten += res.BlocksWritten
		total.Readings += res.Readings
		if done {
			return total, nil
		}
	}
}

// compactJob visits the queued sensor-hours after the given one, in key
// order, until it has visited compactScan of them or rewritten about
// compactBudget readings. It returns the last one visited and whether the
// queue is done.
func (db *DB) compactJob(tx *wtx, after shKey, force bool) (res CompactResult, last shKey, done bool, err error) {
	if after.key == -1 {
		// Another process may have merged a sensor-hour and removed it from
		// the queue: forget what is queued, so that writes mark again.
		clear(db.blocks.queued)
		db.blocks.forgetQuiet()
	}
	queue, err := queuedHours(tx, after)
	if err != nil {
		return res, after, false, err
	}
	last = after
	for _, k := range queue {
		if res.Readings >= compactBudget || res.BlocksRead >= compactBlocks {
			return res, last, false, nil
		}
		last = k
		t := db.blocks.recent[k]
		quiet := force || t == nil || time.Since(t.at) >= compactQuiet
		if !quiet && t.blocks < compactFanIn {
			continue // still being written, and too few new small blocks to matter
		}
		var err error
		if quiet {
			err = mergeHour(tx, k, &res)
		} else {
			t.blocks = 0
			err = mergeSmall(tx, k, &res)
		}
		if err != nil {
			return res, last, false, err
		}
		if quiet {
			if _, err := tx.exec(`DELETE FROM block_merges WHERE sensor_key = ? AND hour = ?`, k.key, k.hour); err != nil {
				return res, last, false, err
			}
			delete(db.blocks.queued, k)
			delete(db.blocks.recent, k)
		}
	}
	return res, last, len(queue) < compactScan, nil
}

// mergeHour merges a sensor-hour into its final form (see unmerged): one
// merge, or two when the first made a block that overlaps a large one.
func mergeHour(tx *wtx, k shKey, res *CompactResult) error {
	for range 3 {
		heads, err := hourBlocks(tx, k)
		if err != nil {
			return err
		}
		m := unmerged(heads)
		if len(m) < 2 {
			return nil
		}
		if err := mergeCounted(tx, k, m, res); err != nil {
			return err
		}
	}
	return nil
}

// mergeSmall merges the small blocks of a sensor-hour still being written
// once it holds more than compactOpen blocks (see smallTiers).
func mergeSmall(tx *wtx, k shKey, res *CompactResult) error {
	heads, err := hourBlocks(tx, k)
	if err != nil || len(heads) <= compactOpen {
		return err
	}
	for _, m := range smallTiers(heads) {
		if err := mergeCounted(tx, k, m, res); err != nil {
			return err
		}
	}
	return nil
}

// mergeCounted merges blocks and counts the merge in res.
func mergeCounted(tx *wtx, k shKey, heads []blockHeader, res *CompactResult) error {
	written, n, err := mergeBlocks(tx, k.key, heads)
	if err != nil {
		return err
	}
	res.Merges++
	res.BlocksRead += len(heads)
	res.BlocksWritten += written
	res.Readings += n
	return nil
}

// queuedHours reads the queued sensor-hours after the given one.
func queuedHours(tx *wtx, after shKey) ([]shKey, error) {
	rows, err := tx.query(`SELECT sensor_key, hour FROM block_merges WHERE (sensor_key, hour) > (?, ?)
		ORDER BY sensor_key, hour LIMIT ?`, after.key, after.hour, compactScan)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shKey
	for rows.Next() {
		var k shKey
		if err := rows.Scan(&k.key, &k.hour); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// hourBlocks reads the headers of a sensor-hour's blocks, by start.
func hourBlocks(tx *wtx, k shKey) ([]blockHeader, error) {
	rows, err := tx.query(`SELECT id, start_us, end_us, n FROM reading_blocks WHERE sensor_key = ? AND start_us >= ? AND start_us < ?
		ORDER BY start_us`, k.key, k.hour, k.hour+hourMicros)
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

// unmerged returns the blocks of a sensor-hour (by start) that a full merge
// rewrites: those that overlap another block and the small ones (fewer than
// tierLimit readings). Large blocks that overlap nothing stay
// as they are. A sensor-hour whose result has at most one block is in its
// final form. (Merging blocks on both sides of a large one makes a block
// that overlaps it; the next pass merges them.)
func unmerged(heads []blockHeader) []blockHeader {
	var out []blockHeader
	end := int64(math.MinInt64) // the latest end of the blocks before
	for i, b := range heads {
		overlaps := b.start <= end || i+1 < len(heads) && heads[i+1].start <= b.end
		if overlaps || b.n < tierLimit {
			out = append(out, b)
		}
		end = max(end, b.end)
	}
	return out
}

// smallTiers returns the groups of small blocks of a sensor-hour still being
// written that are due for a merge: the blocks of a size class (fewer than
// compactFanIn readings, fewer than compactFanIn², fewer than tierLimit)
// once there are compactFanIn of them. Merging a group yields blocks of a
// larger class, or large ones.
func smallTiers(heads []blockHeader) [][]blockHeader {
	var tiers [compactTiers][]blockHeader
	for _, b := range heads {
		for c, limit := 0, compactFanIn; c < compactTiers; c, limit = c+1, limit*compactFanIn {
			if b.n < limit {
				tiers[c] = append(tiers[c], b)
				break
			}
		}
	}
	var out [][]blockHeader
	for _, t := range tiers {
		if len(t) >= compactFanIn {
			out = append(out, t)
		}
	}
	return out
}

// mergeBlocks replaces blocks of one sensor-hour with the fewest blocks that
// hold their readings (non-overlapping, at most maxBlockPoints each) and
// returns how many it wrote and how many readings they hold.
func mergeBlocks(tx *wtx, key int64, heads []blockHeader) (int, int64, error) {
	ids := make([]any, len(heads))
	for i, b := range heads {
		ids[i] = b.id
	}
	pts, err := readBlocks(tx, key, ids)
	if err != nil {
		return 0, 0, err
	}
	slices.SortFunc(pts, cmpRow)
	for i := 1; i < len(pts); i++ {
		if pts[i].TS == pts[i-1].TS {
			return 0, 0, fmt.Errorf("sqlite: sensor key %d has two readings at %d in its blocks", key, pts[i].TS)
		}
	}
	if _, err := execChunks(tx, "delete blocks", ids, 1, lookupChunk, deleteBlocksSQL); err != nil {
		return 0, 0, err
	}
	var f flushBuf
	f.hour(key, pts)
	f.resolve()
	written := len(f.blocks) / 5
	_, err = execChunks(tx, "blocks", f.blocks, 5, blockChunk, blocksSQL)
	return written, int64(len(pts)), err
}

// readBlocks decodes the blocks with the given ids (of one sensor), in
// chunks of lookupChunk ids padded to a power of two.
func readBlocks(tx *wtx, key int64, ids []any) ([]row, error) {
	var pts []row
	for lo := 0; lo < len(ids); lo += lookupChunk {
		chunk := ids[lo:min(lo+lookupChunk, len(ids))]
		n := 1
		for n < len(chunk) {
			n *= 2
		}
		args := make([]any, n)
		for i := range n {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		rows, err := tx.query(`SELECT data FROM reading_blocks WHERE id IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var data []byte
			if err := rows.Scan(&data); err != nil {
				rows.Close()
				return nil, err
			}
			if pts, err = tsblock.Decode(pts, data); err != nil {
				rows.Close()
				return nil, corrupt(key, err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return pts, nil
}
