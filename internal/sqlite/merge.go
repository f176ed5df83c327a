package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"sync"

	"smartmaint"
)

// fewSensors is the most sensors whose block headers a scan reads with one
// range scan of the per-sensor index each (arms of one UNION ALL statement,
// which SQLite merges by start without sorting). A scan of more sensors
// walks the time index and keeps the blocks of the selected sensors, which
// reads the headers of every sensor of the tenant in the range but needs no
// per-sensor statement.
const fewSensors = 32

// stmtCache caches statements prepared on the read pool.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// cachedStmt returns query prepared on the read pool under name (database/sql
// keeps it prepared on each connection).
func (db *DB) cachedStmt(ctx context.Context, name, query string) (*sql.Stmt, error) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if st, ok := db.stmts.stmts[name]; ok {
		return st, nil
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if db.stmts.stmts == nil {
		db.stmts.stmts = map[string]*sql.Stmt{}
	}
	db.stmts.stmts[name] = st
	return st, nil
}

// readRow runs a query that returns at most one row on the read pool as a
// statement prepared once: the queries that every request may make (an API
// key or a session by hash, a sensor, a tenant) skip SQLite's parser.
func (db *DB) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := db.cachedStmt(ctx, query, query)
	if err != nil {
		return db.read.QueryRowContext(ctx, query, args...) // Scan reports the error
	}
	return st.QueryRowContext(ctx, args...)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
}

// blockHeaders lists the headers (id, sensor, start, end, count) of the
// blocks of sensors that overlap their bounds, ordered by start (descending
// when desc). With at most fewSensors sensors the second column is the
// sensor's index in sensors, otherwise its key.
func (db *DB) blockHeaders(ctx context.Context, tx *sql.Tx, tenant string, sensors []sensorRef, bounds [][2]int64,
	desc bool, lo, hi int64) (*sql.Rows, error) {
	order := "ASC"
	if desc {
		order = "DESC"
	}
	if len(sensors) > fewSensors {
		st, err := db.cachedStmt(ctx, "all "+order, `SELECT id, sensor_key, start_us, end_us, n
			FROM reading_blocks INDEXED BY reading_blocks_start
			WHERE start_us >= ? AND start_us <= ? AND end_us >= ? AND sensor_key IN (SELECT key FROM sensors WHERE tenant_id = ?)
			ORDER BY start_us `+order)
		if err != nil {
			return nil, err
		}
		return tx.StmtContext(ctx, st).QueryContext(ctx, hourFloor(lo), hi, lo, tenant)
	}
	n := 1
	for n < len(sensors) {
		n *= 2
	}
	args := make([]any, 0, 5*n)
	for i := range n {
		if i >= len(sensors) || bounds[i][0] > bounds[i][1] {
			args = append(args, -1, 0, 1, 0, 1) // sensor key 0 does not exist
			continue
		}
		args = append(args, i, sensors[i].key, hourFloor(bounds[i][0]), bounds[i][1], bounds[i][0])
	}
	st, err := db.cachedStmt(ctx, fmt.Sprint("arms ", n, order), armsSQL(n, order))
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

// armsSQL lists the block headers of n sensors, each arm bound to (index,
// sensor key, lowest start, highest start, lowest end).
func armsSQL(n int, order string) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString("\nUNION ALL ")
		}
		sb.WriteString(`SELECT id, ? AS sx, start_us, end_us, n FROM reading_blocks
			WHERE sensor_key = ? AND start_us >= ? AND start_us <= ? AND end_us >= ?`)
	}
	sb.WriteString("\nORDER BY start_us " + order)
	return sb.String()
}

// hourFloor returns the start of the hour holding ts, or ts itself when that
// would overflow (an unbounded start).
func hourFloor(ts int64) int64 {
	if ts < math.MinInt64+hourMicros {
		return ts
	}
	return hourOf(ts)
}

// armBounds folds a keyset cursor into one sensor's time bounds (timestamps
// are whole microseconds): after (T, S), a sensor whose ID sorts after S may
// still have a reading at T, the others only beyond T.
func armBounds(id string, after *smartmaint.ReadingCursor, desc bool, lo, hi int64) (int64, int64) {
	if after == nil {
		return lo, hi
	}
	t := micros(after.Time)
	switch inclusive := id > after.SensorID; {
	case desc && inclusive:
		hi = min(hi, t)
	case desc:
		hi = min(hi, t-1)
	case inclusive:
		lo = max(lo, t)
	default:
		lo = max(lo, t+1)
	}
	return lo, hi
}
