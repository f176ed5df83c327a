package sim

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"smartmaint"
)

// Sink receives a batch of readings, in time order; Pusher.Push is one. The
// batch belongs to the sink once passed.
type Sink func(ctx context.Context, batch []smartmaint.Reading) error

// Runner streams a simulator's readings live: every Interval it generates the
// readings due up to the clock's now (timestamps ≤ now) and hands them to the
// sink in batches of at most BatchSize. A Start in the past is caught up
// first, batch after batch without waiting, which makes a backfill followed
// by live streaming one call.
type Runner struct {
	Sim    *Simulator
	Assets []string // assets to stream; none means all
	Start  time.Time
	Sink   Sink

	// Clock returns now; nil means time.Now.
	Clock func() time.Time
	// Interval is the pause between rounds once caught up; 0 means 1 s.
	Interval time.Duration
	// BatchSize caps the readings of one sink call; 0 means 5000.
	BatchSize int
	// OnError decides what a sink error does: true keeps the batch and
	// retries it after Interval, false (or a nil OnError) stops Run with
	// the error.
	OnError func(err error) bool
	// Wait pauses for d or until ctx is done (returning ctx.Err()); nil means
	// a timer. Tests replace it to drive a fake clock.
	Wait func(ctx context.Context, d time.Duration) error

	delivered atomic.Int64
	last      atomic.Int64 // Unix microseconds of the last delivered reading
}

// Run streams until ctx is cancelled, then returns nil; it returns an error
// only when the runner is misconfigured or the sink fails and OnError does
// not ask to retry. It starts no goroutine: the caller owns it.
func (r *Runner) Run(ctx context.Context) error {
	if r.Sim == nil || r.Sink == nil {
		return errors.New("sim: runner needs a simulator and a sink")
	}
	cur, err := r.Sim.Cursor(r.Start, r.Assets...)
	if err != nil {
		return err
	}
	clock, wait, interval, size := r.Clock, r.Wait, r.Interval, r.BatchSize
	if clock == nil {
		clock = time.Now
	}
	if wait == nil {
		wait = sleep
	}
	if interval <= 0 {
		interval = time.Second
	}
	if size <= 0 {
		size = 5000
	}
	var batch []smartmaint.Reading
	for ctx.Err() == nil {
		if len(batch) == 0 {
			batch = cur.Next(clock().Add(time.Nanosecond), size)
		}
		if len(batch) > 0 {
			if err := r.Sink(ctx, batch); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if r.OnError == nil || !r.OnError(err) {
					return err
				}
			} else {
				full := len(batch) == size
				r.delivered.Add(int64(len(batch)))
				r.last.Store(batch[len(batch)-1].Time.UnixMicro())
				batch = nil
				if full {
					continue // catching up: no pause
				}
			}
		}
		if wait(ctx, interval) != nil {
			return nil
		}
	}
	return nil
}

// Delivered returns how many readings the sink has accepted, and the
// timestamp of the last of them (zero before the first).
func (r *Runner) Delivered() (int64, time.Time) {
	n := r.delivered.Load()
	if n == 0 {
		return 0, time.Time{}
	}
	return n, time.UnixMicro(r.last.Load()).UTC()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
