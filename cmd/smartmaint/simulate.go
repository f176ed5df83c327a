package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"smartmaint"
	"smartmaint/internal/ingest"
	"smartmaint/internal/sim"
)

type simulateOptions struct {
	url, apiKey, db string
	history         time.Duration
	live            bool
	seed            uint64
	batch           int
}

// runSimulate feeds the demo plant's readings into a running server over
// HTTP (--url) or into a local store (--db) through the same ingest service
// the server uses: a backfill of --history, then, with --live, a live stream
// until interrupted.
func (m *Main) runSimulate(ctx context.Context, args []string) error {
	o := simulateOptions{history: 24 * time.Hour, seed: 1, batch: 10_000}
	fs := m.flagSet("simulate")
	fs.StringVar(&o.url, "url", "", "base URL of a running server, e.g. http://127.0.0.1:8080")
	fs.StringVar(&o.apiKey, "api-key", m.Getenv("SMARTMAINT_API_KEY"), "API key for --url (env SMARTMAINT_API_KEY)")
	fs.StringVar(&o.db, "db", "", "write into this store instead (sqlite:PATH or postgres://…)")
	fs.DurationVar(&o.history, "history", o.history, "simulated history to generate, ending now")
	fs.BoolVar(&o.live, "live", false, "keep streaming live readings after the history until interrupted")
	fs.Uint64Var(&o.seed, "seed", o.seed, "simulator seed (same seed, same readings)")
	fs.IntVar(&o.batch, "batch", o.batch, "readings per request")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return errHelp
	} else if err != nil {
		return err
	}
	if (o.url == "") == (o.db == "") {
		return fmt.Errorf("simulate: give exactly one of --url (a running server) or --db (a local store)")
	}
	if o.history <= 0 || o.batch < 1 {
		return fmt.Errorf("simulate: --history must be positive and --batch at least 1")
	}
	sink, closeSink, err := m.simulationSink(ctx, o)
	if err != nil {
		return err
	}
	defer closeSink()

	now := time.Now().UTC()
	plant := sim.DemoPlant()
	s, err := sim.New(plant, sim.Config{Seed: o.seed, Origin: now.Add(-o.history), Scenarios: sim.DemoScenarios(now.Add(-o.history), now)})
	if err != nil {
		return err
	}
	runner := &sim.Runner{Sim: s, Start: now.Add(-o.history), Sink: sink, BatchSize: o.batch}
	runCtx := ctx
	if !o.live {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		// Stop once the backfill has caught up with the clock.
		go func() {
			for runCtx.Err() == nil {
				if _, last := runner.Delivered(); !last.IsZero() && !last.Before(now.Add(-time.Minute)) {
					cancel()
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	start := time.Now()
	err = runner.Run(runCtx)
	n, _ := runner.Delivered()
	fmt.Fprintf(m.Stdout, "simulate: %d readings delivered in %s\n", n, time.Since(start).Round(time.Millisecond))
	return err
}

// simulationSink returns where the readings go: a pusher to a server, or the
// ingest service on a local store (after creating the plant's objects).
func (m *Main) simulationSink(ctx context.Context, o simulateOptions) (sim.Sink, func(), error) {
	if o.url != "" {
		p := &sim.Pusher{BaseURL: o.url, APIKey: o.apiKey, BatchSize: o.batch}
		return p.Push, func() {}, nil
	}
	cfg := DefaultConfig()
	cfg.DB = o.db
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	store, err := openStore(ctx, cfg, m.newLogger(cfg))
	if err != nil {
		return nil, nil, err
	}
	tctx := smartmaint.NewContextWithTenant(ctx, smartmaint.DefaultTenantID)
	if err := sim.EnsurePlant(tctx, store, sim.DemoPlant()); err != nil {
		store.Close()
		return nil, nil, err
	}
	svc := ingest.NewService(store, ingest.Options{MaxReadings: max(o.batch, ingest.DefaultMaxReadings)})
	var buf []byte
	sink := func(ctx context.Context, batch []smartmaint.Reading) error {
		buf = sim.AppendNDJSON(buf[:0], batch)
		_, err := svc.IngestBatch(smartmaint.NewContextWithTenant(ctx, smartmaint.DefaultTenantID),
			bytes.NewReader(buf), "application/x-ndjson", true)
		return err
	}
	return sink, func() { store.Close() }, nil
}
