// Package postgres implements smartmaint.Store on PostgreSQL 15+ with pgx v5.
//
// Readings live in a table partitioned by time range (one partition per
// PartitionInterval, created ahead by a background job and on demand before a
// write that needs one, so backfill works), are written with COPY, and are
// keyed by (tenant, sensor, timestamp) through an internal sensor key: the
// first write of a key wins, later copies are counted as duplicates and
// change nothing. The sensor statistics and the one-minute and one-hour
// rollups are updated in the same transaction as the readings, so they count
// each stored reading exactly once and have no lag. A write returns after its
// commit, which is durable under PostgreSQL's default synchronous_commit=on.
// Retention drops whole partitions and deletes the rest row by row. Every
// query is scoped to the tenant carried by ctx; another tenant's object is
// ENOTFOUND.
//
// The store also keeps users, memberships, sessions and API keys
// (smartmaint.AccessStore) and the audit log: one hash chain per tenant in an
// append-only table (a trigger refuses UPDATE, DELETE and TRUNCATE). Every
// state-changing method appends its audit entry last in its own transaction,
// under a per-chain advisory lock, so an entry exists exactly when the change
// does and concurrent appends never fork a chain.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"smartmaint"
)

// Options tune a DB. The zero value of every field means its default.
type Options struct {
	// Now is the store's clock (default time.Now).
	Now func() time.Time
	// RollupInterval is accepted for configuration compatibility with a
	// refresh-job design and ignored: this store updates the rollups in the
	// write transaction, so they have no lag and need no refresh job.
	RollupInterval time.Duration
	// RetentionInterval is the period of the retention job (default 1h).
	RetentionInterval time.Duration
	// PartitionInterval is the time range of one readings partition (default
	// 24h, at least 1 minute). It is recorded when the schema is created;
	// later opens use the recorded value, so replicas always agree.
	PartitionInterval time.Duration
	// PartitionsAhead is how many partitions past the current one the
	// background job keeps created (default 7).
	PartitionsAhead int
	// Logger receives background-job errors (default slog.Default()).
	Logger *slog.Logger
	// MaxConns bounds the connection pool (default: pgxpool's default).
	MaxConns int32
	// BulkWrites is how many writes of more than a few readings (COPY
	// batches) this store runs at once (default 2); more wait their turn.
	// Concurrent COPYs into the readings table contend for the same index
	// pages (the newest timestamps): on the benchmark machine four at once
	// stored fewer readings per second than one (docs/bench/postgres.md).
	BulkWrites int
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RetentionInterval <= 0 {
		o.RetentionInterval = time.Hour
	}
	if o.PartitionInterval <= 0 {
		o.PartitionInterval = 24 * time.Hour
	}
	if o.PartitionsAhead <= 0 {
		o.PartitionsAhead = 7
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.BulkWrites <= 0 {
		o.BulkWrites = 2
	}
	return o
}

// DB is a smartmaint.Store on PostgreSQL.
type DB struct {
	pool *pgxpool.Pool
	opts Options
	log  *slog.Logger

	parts  *partitions
	groups groups        // small writes committing together (group.go)
	bulk   chan struct{} // a token per bulk write running (Options.BulkWrites)

	jobCtx context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

var _ smartmaint.Store = (*DB)(nil)

// Open connects to the database at url, applies the pending migrations,
// ensures the default tenant exists and starts the background jobs
// (retention, partitions ahead) that Close stops.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	if opts.PartitionInterval < time.Minute || opts.PartitionInterval%time.Second != 0 {
		return nil, smartmaint.FieldErrorf("partition_interval", "must be a whole number of seconds, at least 1m")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "Invalid PostgreSQL URL.")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", unavailable(err))
	}
	db := &DB{pool: pool, opts: opts, log: opts.Logger, bulk: make(chan struct{}, opts.BulkWrites)}
	if err := db.init(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	db.jobCtx, db.cancel = context.WithCancel(context.Background())
	db.startJobs(db.jobCtx)
	return db, nil
}

func (db *DB) init(ctx context.Context) error {
	if _, err := migrate(ctx, db.pool); err != nil {
		return err
	}
	interval, err := db.partitionInterval(ctx)
	if err != nil {
		return err
	}
	db.parts = newPartitions(interval)
	if err := db.ensureDefaultTenant(ctx); err != nil {
		return err
	}
	return db.ensurePartitionsAhead(ctx, db.opts.Now())
}

// partitionInterval records Options.PartitionInterval on first use and
// returns the recorded value.
func (db *DB) partitionInterval(ctx context.Context) (time.Duration, error) {
	want := fmt.Sprint(int64(db.opts.PartitionInterval / time.Second))
	var got string
	var err error
	// A replica starting at the same moment may insert the row first: the
	// conflict then waits for its commit, but this statement's snapshot
	// predates the row, so it finds none; the next statement sees it.
	for attempt := 0; attempt < 2; attempt++ {
		err = db.pool.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO settings (name, value) VALUES ('partition_interval_seconds', $1)
				ON CONFLICT (name) DO NOTHING RETURNING value)
			SELECT value FROM ins UNION ALL
			SELECT value FROM settings WHERE name = 'partition_interval_seconds'`, want).Scan(&got)
		if !noRows(err) {
			break
		}
	}
	if err != nil {
		return 0, wrap("read partition interval", err)
	}
	var secs int64
	if _, err := fmt.Sscan(got, &secs); err != nil || secs < 60 {
		return 0, fmt.Errorf("postgres: bad partition_interval_seconds setting %q", got)
	}
	return time.Duration(secs) * time.Second, nil
}

func (db *DB) ensureDefaultTenant(ctx context.Context) error {
	now := db.now()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO tenants (id, name, raw_retention_days, rollup_retention_days, created_at, updated_at)
		VALUES ($1, 'Default', $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING`,
		smartmaint.DefaultTenantID, smartmaint.DefaultRawRetentionDays, smartmaint.DefaultRollupRetentionDays, now)
	return wrap("create default tenant", err)
}

// Dialect returns "postgres".
func (db *DB) Dialect() string { return "postgres" }

// Ping reports whether the server answers; EUNAVAILABLE if it does not.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", unavailable(err))
	}
	return nil
}

// Close stops the background jobs, waits for them and for the writes in
// flight, and closes the connection pool. It is safe to call more than once.
func (db *DB) Close() error {
	db.once.Do(func() {
		db.cancel()
		db.wg.Wait()
		db.pool.Close()
	})
	return nil
}

// now returns the store clock truncated to the stored precision.
func (db *DB) now() time.Time {
	return db.opts.Now().UTC().Truncate(smartmaint.TimePrecision)
}

// inTx runs fn in a transaction and commits it; it retries fn a few times
// when PostgreSQL aborts the transaction for a deadlock or a serialization
// failure, which concurrent writers can cause.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = pgx.BeginFunc(ctx, db.pool, fn)
		if !isRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// errStop is returned from a transaction body to roll it back without error.
var errStop = errors.New("postgres: stop")
