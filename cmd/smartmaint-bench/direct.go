package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"smartmaint"
	"smartmaint/internal/postgres"
	"smartmaint/internal/sqlite"
)

// openStore opens a sqlite:PATH or postgres:// store.
func openStore(ctx context.Context, db string) (smartmaint.Store, error) {
	if len(db) > 7 && db[:7] == "sqlite:" {
		return sqlite.Open(ctx, db[7:], sqlite.Options{})
	}
	return postgres.Open(ctx, db, postgres.Options{})
}

// runDirect writes the same rows as `batch` straight into the store through
// WriteReadings, one batch after the other: the rate the HTTP path is
// compared with.
func runDirect(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("direct", flag.ExitOnError)
	db := fs.String("db", "", "sqlite:PATH or postgres://…")
	batches := fs.Int("batches", 300, "number of 10,000-reading batches")
	days := fs.Int("offset-days", 10, "how many days back the data starts")
	fs.Parse(args)
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx = smartmaint.NewContextWithTenant(ctx, smartmaint.DefaultTenantID)
	base := time.Now().UTC().Add(-time.Duration(*days) * 24 * time.Hour).Truncate(time.Hour)
	rows := make([][]smartmaint.Reading, *batches)
	for i := range rows {
		rows[i] = batchRows(i, base)
		for j := range rows[i] {
			// What the ingest service stores: the score of a fresh, in-range reading.
			rows[i][j].Quality = smartmaint.ScoreQuality(1, true, 0)
		}
	}
	start := time.Now()
	for i := range rows {
		res, err := store.WriteReadings(ctx, rows[i], smartmaint.WriteOptions{})
		if err != nil {
			return err
		}
		if res.Inserted != readingsPerBatch {
			return fmt.Errorf("batch %d: %d inserted; start from an empty store", i, res.Inserted)
		}
	}
	elapsed := time.Since(start)
	n := *batches * readingsPerBatch
	fmt.Printf("direct (%s): %d readings in batches of %d (%d sensors): %.2f s, %.0f readings/s\n",
		store.Dialect(), n, readingsPerBatch, sensors, elapsed.Seconds(), float64(n)/elapsed.Seconds())
	return nil
}
