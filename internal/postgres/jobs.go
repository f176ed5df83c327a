package postgres

import (
	"context"
	"time"
)

// startJobs starts the background jobs; Close cancels ctx and waits for them.
func (db *DB) startJobs(ctx context.Context) {
	partitionEvery := min(db.parts.interval/4, time.Hour)
	db.every(ctx, "retention", db.opts.RetentionInterval, func(ctx context.Context) error {
		_, err := db.EnforceRetention(ctx, db.opts.Now())
		return err
	})
	db.every(ctx, "partitions", partitionEvery, func(ctx context.Context) error {
		return db.ensurePartitionsAhead(ctx, db.opts.Now())
	})
	db.wg.Add(1)
	go func() { // once at start: a restart after a bulk load must not wait 10 s
		defer db.wg.Done()
		if err := db.analyzeStale(ctx); err != nil && ctx.Err() == nil {
			db.log.Error("postgres background job failed", "job", "analyze", "err", err)
		}
	}()
	db.every(ctx, "analyze", analyzeEvery, db.analyzeStale)
}

// every runs fn every interval until ctx is cancelled, logging its errors.
func (db *DB) every(ctx context.Context, name string, interval time.Duration, fn func(context.Context) error) {
	db.wg.Add(1)
	go func() {
		defer db.wg.Done()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				db.log.Error("postgres background job failed", "job", name, "err", err)
			}
		}
	}()
}
