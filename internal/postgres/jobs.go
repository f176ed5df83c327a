package postgres

import (
	"context"
	"time"
)

// startJobs starts the background jobs; Close cancels ctx and waits for them.
func (db *DB) startJobs(ctx context.Context) {
	partitionEvery := min(db.parts.interval/4, time.Hour)
	db.every(ctx, "retention", db.opts.RetentionInterval, false, func(ctx context.Context) error {
		_, err := db.EnforceRetention(ctx, db.opts.Now())
		return err
	})
	db.every(ctx, "partitions", partitionEvery, false, func(ctx context.Context) error {
		return db.ensurePartitionsAhead(ctx, db.opts.Now())
	})
	// At start too: a restart after a bulk load must not wait 10 s.
	db.every(ctx, "analyze", analyzeEvery, true, db.analyzeStale)
}

// every runs fn every interval (and at once if now) until ctx is cancelled,
// logging its errors.
func (db *DB) every(ctx context.Context, name string, interval time.Duration, now bool, fn func(context.Context) error) {
	db.wg.Add(1)
	go func() {
		defer db.wg.Done()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			if now {
				if err := fn(ctx); err != nil && ctx.Err() == nil {
					db.log.Error("postgres background job failed", "job", name, "err", err)
				}
			}
			now = true
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
}
