package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"smartmaint"
)

// Group-commit bounds: the writer takes at most this many queued jobs, or
// jobs totalling this weight (readings), into one transaction.
const (
	maxJobsPerCommit   = 256
	maxWeightPerCommit = 200_000
	jobQueueLength     = 1024
)

// job is one unit of work for the writer: fn runs inside a savepoint of the
// writer's transaction, and done receives its outcome once the transaction
// has committed (or failed).
type job struct {
	ctx    context.Context
	weight int
	fn     func(tx *wtx) error
	rj     *readingsJob // a WriteReadings call, run with its neighbours (fn is nil)
	// keep tells that fn changes no sensor's key and lowers no sensor's
	// newest reading below what the writer caches (see sensorCache).
	keep bool
	done chan error
}

// writer owns the database's only write connection. Concurrent writes are
// queued; the writer takes every pending job (bounded), runs them in one
// transaction with a savepoint each, so that one job's failure does not fail
// the others, commits once and then answers every job.
type writer struct {
	mu     sync.RWMutex // guards closed against sends on jobs
	closed bool
	jobs   chan *job
	exited chan struct{}
	tx     *wtx
	log    *slog.Logger

	// group runs consecutive WriteReadings jobs as one write, returning
	// each job's error and the error of a statement that failed them all.
	group func(tx *wtx, jobs []*readingsJob) ([]error, error)
	// forgetState is called after every rollback of a transaction or a
	// savepoint, and before every job that is not marked keep.
	forgetState func()

	commits atomic.Int64 // transactions run
	jobsRun atomic.Int64 // jobs run
	busy    atomic.Int64 // CPU time of the writer's thread in transactions, ns
}

func newWriter(conn *sql.Conn, log *slog.Logger, group func(tx *wtx, jobs []*readingsJob) ([]error, error), forgetState func()) *writer {
	w := &writer{jobs: make(chan *job, jobQueueLength), exited: make(chan struct{}), log: log, group: group, forgetState: forgetState,
		tx: &wtx{conn: conn, stmts: map[string]*sql.Stmt{}, seq: time.Now().UnixNano()}}
	go w.loop()
	return w
}

// do queues fn and waits until the transaction that ran it has committed. It
// returns fn's error, the commit's error, or ctx's error if ctx ends before
// the job is queued or before it starts (fn then does not run). A job that
// has started is waited for: it takes one transaction at most.
func (w *writer) do(ctx context.Context, weight int, fn func(tx *wtx) error) error {
	return w.send(&job{ctx: ctx, weight: weight, fn: fn, done: make(chan error, 1)})
}

// doKeep is do for a job marked keep: background jobs that merge rollups or
// blocks, or delete old readings.
func (w *writer) doKeep(ctx context.Context, weight int, fn func(tx *wtx) error) error {
	return w.send(&job{ctx: ctx, weight: weight, fn: fn, keep: true, done: make(chan error, 1)})
}

// doReadings queues a WriteReadings call, like do; its result is in rj.res
// once doReadings returns nil.
func (w *writer) doReadings(ctx context.Context, weight int, rj *readingsJob) error {
	return w.send(&job{ctx: ctx, weight: weight, rj: rj, done: make(chan error, 1)})
}

func (w *writer) send(j *job) error {
	ctx := j.ctx
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return smartmaint.Errorf(smartmaint.EUNAVAILABLE, "The store is closed.")
	}
	select {
	case w.jobs <- j:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, a job is always answered (the writer skips it if ctx has
	// ended before it starts, and drains the queue on close). Waiting for
	// the answer even when ctx ends meanwhile means fn never runs after
	// send has returned, so callers may read what fn writes.
	return <-j.done
}

// close stops accepting jobs, lets the writer finish the queued ones and
// releases the connection.
func (w *writer) close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.jobs)
	}
	w.mu.Unlock()
	<-w.exited
	for _, st := range w.tx.stmts {
		st.Close()
	}
	return w.tx.conn.Close()
}

func (w *writer) loop() {
	// The writer keeps its thread, so that the thread's CPU clock measures
	// the writer alone (see Stats).
	runtime.LockOSThread()
	defer close(w.exited)
	batch := make([]*job, 0, maxJobsPerCommit)
	errs := make([]error, maxJobsPerCommit)
	for j := range w.jobs {
		batch = append(batch[:0], j)
		weight := j.weight
	gather:
		for len(batch) < maxJobsPerCommit && weight < maxWeightPerCommit {
			select {
			case j, ok := <-w.jobs:
				if !ok {
					break gather
				}
				batch = append(batch, j)
				weight += j.weight
			default:
				break gather
			}
		}
		t0 := threadCPU()
		out := errs[:len(batch)]
		w.commit(batch, out)
		w.busy.Add(threadCPU() - t0)
		w.commits.Add(1)
		w.jobsRun.Add(int64(len(batch)))
		// Answered last, so that a caller sees Stats count its transaction.
		for i, j := range batch {
			j.done <- out[i]
		}
		clear(batch)
		clear(out)
	}
}

// commit runs the jobs of one group commit and puts each job's outcome in
// errs. Consecutive WriteReadings jobs run as one combined write (see
// groupWriter).
func (w *writer) commit(batch []*job, errs []error) {
	if len(batch) == 1 && batch[0].rj == nil {
		errs[0] = w.commitOne(batch[0])
		return
	}
	if err := w.tx.control("BEGIN IMMEDIATE"); err != nil {
		w.abort(errs, err)
		return
	}
	for i := 0; i < len(batch); {
		end := i + 1
		var fatal error
		if batch[i].rj != nil {
			for end < len(batch) && batch[end].rj != nil {
				end++
			}
			fatal = w.runReadings(batch[i:end], errs[i:end], end-i == len(batch))
		} else if errs[i] = batch[i].ctx.Err(); errs[i] == nil {
			errs[i], fatal = w.runJob(batch[i])
		}
		if fatal != nil {
			w.abort(errs, fatal)
			return
		}
		i = end
	}
	if err := w.tx.control("COMMIT"); err != nil {
		w.abort(errs, err)
	}
}

// commitOne runs a job alone in its transaction and returns its outcome. It
// needs no savepoint: if it fails the whole transaction is rolled back,
// which spares journaling every page the job touches for a partial rollback.
func (w *writer) commitOne(j *job) error {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	errs := []error{nil}
	if err := w.tx.control("BEGIN IMMEDIATE"); err != nil {
		w.abort(errs, err)
		return errs[0]
	}
	w.forget(j)
	if err := w.classify(w.tx.run(j.fn)); err != nil {
		errs[0] = err
		if rerr := w.rollback("ROLLBACK"); rerr != nil {
			w.abort(errs, rerr)
		}
		return errs[0]
	}
	if err := w.tx.control("COMMIT"); err != nil {
		w.abort(errs, err)
	}
	return errs[0]
}

// runJob runs one job inside a savepoint. It returns the job's own error,
// and a fatal error when the savepoint itself failed, which leaves the
// transaction in an unknown state.
func (w *writer) runJob(j *job) (jobErr, fatal error) {
	w.forget(j)
	if err := w.tx.control("SAVEPOINT job"); err != nil {
		return nil, err
	}
	jobErr = w.classify(w.tx.run(j.fn))
	if jobErr != nil {
		if err := w.rollback("ROLLBACK TO job"); err != nil {
			return jobErr, err
		}
	}
	if err := w.tx.control("RELEASE job"); err != nil {
		return jobErr, err
	}
	return jobErr, nil
}

// forget drops the store's cached state before a job that may change it.
func (w *writer) forget(j *job) {
	if !j.keep && w.forgetState != nil {
		w.forgetState()
	}
}

// classify classifies a job's error, logging the driver error that an
// EUNAVAILABLE hides.
func (w *writer) classify(err error) error {
	out := classify(err)
	if smartmaint.ErrorCode(out) == smartmaint.EUNAVAILABLE && out != err {
		w.log.Error("sqlite write failed", "err", err)
	}
	return out
}

// abort rolls the transaction back and sets the outcome of every job: its
// own error if it failed, else err (the transaction did not commit).
func (w *writer) abort(errs []error, err error) {
	w.log.Error("sqlite write transaction failed", "err", err, "jobs", len(errs))
	if rerr := w.rollback("ROLLBACK"); rerr != nil {
		w.log.Debug("sqlite rollback", "err", rerr) // nothing to roll back when BEGIN failed
	}
	err = classify(err)
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
}

// wtx is the writer's open transaction as a job sees it. Its statements are
// prepared once on the writer connection and reused.
type wtx struct {
	conn   *sql.Conn
	stmts  map[string]*sql.Stmt
	multis map[multiKey]*sql.Stmt // multi-row statements by name and rows
	seq    int64                  // changes at every job; marks rollups dirty (see rollup_dirty)
}

// multiKey names a multi-row statement of n rows.
type multiKey struct {
	name string
	n    int
}

// multi returns the n-row form of the multi-row statement name, which
// build(n) writes.
func (t *wtx) multi(name string, n int, build func(n int) string) (*sql.Stmt, error) {
	k := multiKey{name, n}
	if st, ok := t.multis[k]; ok {
		return st, nil
	}
	st, err := t.stmt(build(n))
	if err != nil {
		return nil, err
	}
	if t.multis == nil {
		t.multis = map[multiKey]*sql.Stmt{}
	}
	t.multis[k] = st
	return st, nil
}

// run calls fn, turning a panic into an error so that the writer survives.
func (t *wtx) run(fn func(tx *wtx) error) (err error) {
	t.seq++
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sqlite: write job panicked: %v", r)
		}
	}()
	return fn(t)
}

// stmt returns the prepared statement for query.
func (t *wtx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	t.stmts[query] = st
	return st, nil
}

// exec runs a prepared statement.
func (t *wtx) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(context.Background(), args...)
}

// query runs a prepared query.
func (t *wtx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(context.Background(), args...)
}

// queryRow runs a prepared query that returns at most one row.
func (t *wtx) queryRow(query string, args ...any) *sql.Row {
	st, err := t.stmt(query)
	if err != nil {
		// Row carries err to Scan; QueryRowContext on a fresh statement
		// reports the same preparation error.
		return t.conn.QueryRowContext(context.Background(), query, args...)
	}
	return st.QueryRowContext(context.Background(), args...)
}

// control runs a transaction-control statement (BEGIN, COMMIT, SAVEPOINT
// …), prepared once like the others.
func (t *wtx) control(query string) error {
	_, err := t.exec(query)
	return err
}

// threadCPU returns the CPU time of the calling thread in nanoseconds, or 0
// where it cannot be read.
func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}
