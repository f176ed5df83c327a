// Package sqlite implements smartmaint.Store on SQLite through the pure-Go
// modernc.org/sqlite driver: one database file in WAL mode, one writer
// connection owned by a goroutine that commits queued writes in batches (group
// commit, one fsync for many callers), and a small pool of read-only
// connections for queries.
//
// Raw readings are stored as blocks (smartmaint/internal/tsblock): the
// readings of one sensor within one hour, compressed losslessly, one row
// each in a rowid table indexed by (sensor, start) and by time. A write
// appends one block per sensor-hour it touches; readings whose key (sensor,
// timestamp in microseconds) is stored already are dropped first, so the
// first write of a key wins and a duplicate changes nothing. Blocks of one
// sensor-hour may overlap in time (late readings, single-reading writes)
// until the compaction job merges them; reads merge them meanwhile. Sensor
// statistics are maintained in the same transaction as the blocks, which
// also stores per sensor and minute a partial aggregate of the readings it
// stored; a background job merges these parts into the 1-minute and 1-hour
// rollups every RollupInterval, exactly once. Retention and purges run in
// bounded chunks in the background. Concurrent WriteReadings calls that the
// writer commits together are written as one combined write.
//
// The store also keeps users, memberships, sessions and API keys
// (smartmaint.AccessStore) and the audit log: one hash chain per tenant in an
// append-only table (triggers refuse UPDATE, DELETE and an INSERT over an
// existing entry). Every state-changing method appends its audit entry in
// its own writer job, so the entry commits exactly when the change does,
// and the single writer serialises appends, so a chain never forks.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"smartmaint"
)

var _ smartmaint.Store = (*DB)(nil)

// Options tune a store; the zero value gives the defaults.
type Options struct {
	// Synchronous is "full" (the default: a commit survives power loss) or
	// "normal" (a commit survives a crash of the process but may be lost on
	// power loss).
	Synchronous string
	// Now is the store's clock (default time.Now). Timestamps of created
	// objects, idempotency keys and the background retention use it.
	Now func() time.Time
	// RollupInterval is how often the background job merges the partial
	// aggregates written since its last pass into the rollups (default 1s):
	// the most the rollups lag behind committed readings, plus the time of
	// a pass.
	RollupInterval time.Duration
	// CompactInterval is how often the background job merges the blocks of
	// sensor-hours that hold several (default 1s; see CompactBlocks).
	CompactInterval time.Duration
	// RetentionInterval is how often the background job enforces retention
	// (default 1h).
	RetentionInterval time.Duration
	// PurgeInterval is how often the background job purges expired
	// idempotency keys and the readings of deleted sensors (default 1m).
	PurgeInterval time.Duration
	// Logger receives background-job failures (default: discarded).
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	switch strings.ToLower(o.Synchronous) {
	case "", "full":
		o.Synchronous = "FULL"
	case "normal":
		o.Synchronous = "NORMAL"
	default:
		return o, smartmaint.FieldErrorf("synchronous", "must be full or normal, got %q", o.Synchronous)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RollupInterval <= 0 {
		o.RollupInterval = time.Second
	}
	if o.CompactInterval <= 0 {
		o.CompactInterval = time.Second
	}
	if o.RetentionInterval <= 0 {
		o.RetentionInterval = time.Hour
	}
	if o.PurgeInterval <= 0 {
		o.PurgeInterval = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o, nil
}

// Page cache sizes, in KiB: the writer keeps the upper levels of every
// sensor's part of the readings tree and the rollup trees in memory; each
// reader gets a smaller cache. Together they bound the store's memory.
const (
	writerCacheKiB = 32 << 10
	readerCacheKiB = 8 << 10
	readerConns    = 4
)

// DB is a smartmaint.Store on one SQLite database file.
type DB struct {
	path string
	opts Options
	now  func() time.Time
	log  *slog.Logger
	read *sql.DB // read-only connections
	wdb  *sql.DB // the writer's single connection
	w    *writer
	stop context.CancelFunc
	bg   sync.WaitGroup

	blocks    blockState  // the writer's memory of recent block writes
	cache     sensorCache // the writer's memory of sensors
	rollupMu  sync.Mutex  // one rollup pass at a time
	compactMu sync.Mutex  // one compaction pass at a time
	stmts     stmtCache   // statements prepared on the read pool
	closed    atomic.Bool
	close     sync.Once
	err       error
}

// Open opens (creating it and its directory if needed) the database at path,
// applies pending migrations, makes sure the default tenant exists and starts
// the background jobs, which Close stops.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	wdb, err := openWriter(ctx, path, opts.Synchronous)
	if err != nil {
		return nil, err
	}
	if _, err := migrate(ctx, wdb, opts.Now(), opts.Logger); err != nil {
		wdb.Close()
		return nil, err
	}
	read, err := openPool(path, readerConns, "_query_only=1", fmt.Sprintf("_pragma=cache_size(-%d)", readerCacheKiB))
	if err != nil {
		wdb.Close()
		return nil, err
	}
	conn, err := wdb.Conn(ctx)
	if err != nil {
		read.Close()
		wdb.Close()
		return nil, unavailable(err)
	}
	db := &DB{path: path, opts: opts, now: opts.Now, log: opts.Logger, read: read, wdb: wdb}
	db.w = newWriter(conn, opts.Logger, db.runReadings, db.forgetState)
	if err := db.ensureDefaultTenant(ctx); err != nil {
		db.Close()
		return nil, err
	}
	bgctx, stop := context.WithCancel(context.Background())
	db.stop = stop
	db.bg.Add(1)
	go db.maintain(bgctx)
	return db, nil
}

// openWriter opens the database for writing, with one connection.
func openWriter(ctx context.Context, path, synchronous string) (*sql.DB, error) {
	switch {
	case path == "":
		return nil, smartmaint.FieldErrorf("db", "the SQLite database path is empty")
	case strings.Contains(path, ":memory:") || strings.HasPrefix(path, "file:"):
		// The writer and the readers are separate connections: they must
		// share a file.
		return nil, smartmaint.FieldErrorf("db", "must be the path of a database file, got %q", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, smartmaint.Errorf(smartmaint.EUNAVAILABLE, "Cannot create the database directory %s.", dir)
		}
	}
	wdb, err := openPool(path, 1, "_pragma=page_size(8192)",
		"_journal_mode=WAL", "_synchronous="+synchronous, "_txlock=immediate",
		fmt.Sprintf("_pragma=cache_size(-%d)", writerCacheKiB),
		"_pragma=wal_autocheckpoint(4000)", "_pragma=journal_size_limit(67108864)", "_pragma=temp_store(MEMORY)")
	if err != nil {
		return nil, err
	}
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, unavailable(err)
	}
	return wdb, nil
}

// openPool opens a pool of at most n connections on path. Every connection
// sets busy_timeout first (the driver applies it before any other pragma),
// then foreign_keys, then the extra parameters.
func openPool(path string, n int, params ...string) (*sql.DB, error) {
	u := url.URL{Path: path}
	q := append([]string{"_busy_timeout=10000", "_foreign_keys=1"}, params...)
	dsn := "file:" + u.EscapedPath() + "?" + strings.Join(q, "&")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, unavailable(err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// Stats describes the writer's work since Open.
type Stats struct {
	Commits    int64         // transactions committed or rolled back
	Jobs       int64         // writes run in them (several per transaction under load)
	WriterBusy time.Duration // CPU time of the writer's thread in transactions
}

// Stats returns the writer's counters. WriterBusy against wall time is the
// writer's utilisation: near 100 %, ingest is bound by the single writer.
func (db *DB) Stats() Stats {
	return Stats{Commits: db.w.commits.Load(), Jobs: db.w.jobsRun.Load(), WriterBusy: time.Duration(db.w.busy.Load())}
}

// Dialect returns "sqlite".
func (db *DB) Dialect() string { return "sqlite" }

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Ping reports whether both the read pool and the writer can use the
// database (EUNAVAILABLE if not).
func (db *DB) Ping(ctx context.Context) error {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM tenants`).Scan(&n); err != nil {
		return db.fail(err)
	}
	return db.w.doKeep(ctx, 0, func(tx *wtx) error {
		return tx.queryRow(`SELECT count(*) FROM tenants`).Scan(&n)
	})
}

// Close stops the background jobs, waits for queued writes to commit and
// closes the database. It is safe to call more than once.
func (db *DB) Close() error {
	db.close.Do(func() {
		db.closed.Store(true)
		if db.stop != nil {
			db.stop()
		}
		db.bg.Wait()
		var errs []error
		if db.w != nil {
			errs = append(errs, db.w.close())
		}
		db.stmts.close()
		errs = append(errs, db.read.Close(), db.wdb.Close())
		db.err = errors.Join(errs...)
	})
	return db.err
}

// ensureDefaultTenant creates the default tenant when it is missing.
func (db *DB) ensureDefaultTenant(ctx context.Context) error {
	now := micros(db.now())
	return db.w.do(ctx, 0, func(tx *wtx) error {
		_, err := tx.exec(`INSERT INTO tenants (id, name, raw_retention_days, rollup_retention_days, created_at, updated_at)
			VALUES (?, 'Default', ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			smartmaint.DefaultTenantID, smartmaint.DefaultRawRetentionDays, smartmaint.DefaultRollupRetentionDays, now, now)
		return err
	})
}

// fail turns a driver error met by a read into the error a caller gets,
// logging what a classified error hides.
func (db *DB) fail(err error) error {
	if err != nil && db.closed.Load() {
		return smartmaint.Errorf(smartmaint.EUNAVAILABLE, "The store is closed.")
	}
	out := classify(err)
	if out != err {
		db.log.Warn("sqlite error", "err", err)
	}
	return out
}

// micros converts t to microseconds since the epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts microseconds since the epoch to a UTC time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
