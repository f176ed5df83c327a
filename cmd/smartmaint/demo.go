package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"smartmaint"
	"smartmaint/internal/auth"
	"smartmaint/internal/sim"
)

// demoMarker marks a directory created by `smartmaint demo`, which may
// therefore be wiped by the next demo.
const demoMarker = ".smartmaint-demo"

type demoOptions struct {
	dir     string
	history time.Duration
	seed    uint64
}

func (m *Main) runDemo(ctx context.Context, args []string) error {
	opts := demoOptions{dir: "./smartmaint-demo", history: 72 * time.Hour, seed: 1}
	cfg, err := m.loadConfig("demo", args, func(fs *flag.FlagSet) {
		fs.StringVar(&opts.dir, "dir", opts.dir, "data directory of the demo, wiped and recreated at start")
		fs.DurationVar(&opts.history, "history", opts.history, "simulated history to backfill before streaming live")
		fs.Uint64Var(&opts.seed, "seed", opts.seed, "simulator seed (same seed, same readings)")
	})
	if err != nil {
		return err
	}
	if err := freshDemoDir(opts.dir); err != nil {
		return err
	}
	cfg.DB = "sqlite:" + filepath.Join(opts.dir, "smartmaint.db")
	cfg.noSetupToken = true
	if cfg.LogLevel == "info" && m.Getenv("SMARTMAINT_LOG_LEVEL") == "" {
		cfg.LogLevel = "warn" // keep the console readable; the demo prints its own progress
	}
	srv, err := m.startServer(ctx, cfg)
	if isAddrInUse(err) && !flagGiven(args, "addr") {
		cfg.Addr = "127.0.0.1:0" // the default port is taken: pick a free one
		srv, err = m.startServer(ctx, cfg)
	}
	if err != nil {
		return err
	}
	plant := sim.DemoPlant()
	now := time.Now().UTC()
	simulator, err := sim.New(plant, sim.Config{Seed: opts.seed, Origin: now.Add(-opts.history), Scenarios: sim.DemoScenarios(now.Add(-opts.history), now)})
	if err != nil {
		srv.Close()
		return err
	}
	seedCtx := as(ctx, smartmaint.DefaultTenantID)
	if err := sim.EnsurePlant(seedCtx, srv.store, plant); err != nil {
		srv.Close()
		return fmt.Errorf("seed the demo plant: %w", err)
	}
	creds, err := demoAccounts(seedCtx, srv)
	if err != nil {
		srv.Close()
		return fmt.Errorf("create the demo accounts: %w", err)
	}
	m.printDemoBanner(srv.URL(), opts, plant, creds)

	pusher := &sim.Pusher{BaseURL: srv.URL(), APIKey: creds.ingestKey}
	runner := &sim.Runner{Sim: simulator, Start: now.Add(-opts.history), Sink: pusher.Push, BatchSize: 10_000,
		OnError: func(err error) bool {
			srv.logger.Warn("demo simulator: push failed; retrying", "err", err)
			return true
		}}
	runCtx, stopRunner := context.WithCancel(ctx)
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- runner.Run(runCtx) }()
	go m.reportBackfill(runCtx, runner, now)

	err = srv.Wait(ctx)
	stopRunner()
	if rerr := <-runnerDone; rerr != nil && err == nil && !errors.Is(rerr, context.Canceled) {
		err = rerr
	}
	return err
}

// freshDemoDir empties dir when an earlier demo made it, and creates it.
func freshDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("demo: %s exists and was not made by smartmaint demo; choose another --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("created by smartmaint demo; wiped by the next demo\n"), 0o644)
}

func isAddrInUse(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && errors.Is(opErr.Err, syscall.EADDRINUSE)
}

func flagGiven(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || len(a) > len(name)+2 && (a[:len(name)+2] == "-"+name+"=" || a[:len(name)+3] == "--"+name+"=") {
			return true
		}
	}
	return false
}

// demoCredentials are the demo's accounts, with secrets generated at start.
type demoCredentials struct {
	email, password string
	key             string // every tenant permission, for trying the API
	ingestKey       string // data:ingest only, for the simulator
}

// demoAccounts creates the demo's administrator (also a platform operator),
// a key for the person trying the API and one for the simulator.
func demoAccounts(ctx context.Context, srv *server) (demoCredentials, error) {
	c := demoCredentials{email: "admin@demo.smartmaint.local", password: auth.NewCSRFToken()[:20]}
	u, err := srv.auth.CreateUser(ctx, c.email, "Demo Administrator", c.password, smartmaint.RoleAdmin)
	if err != nil {
		return c, err
	}
	yes := true
	if _, err := srv.store.UpdateUser(ctx, u.ID, smartmaint.UserUpdate{PlatformOperator: &yes}); err != nil {
		return c, err
	}
	if c.key, _, err = srv.auth.CreateAPIKey(ctx, "demo: trying the API", smartmaint.TenantPermissions(), nil); err != nil {
		return c, err
	}
	c.ingestKey, _, err = srv.auth.CreateAPIKey(ctx, "demo: simulator", []string{smartmaint.PermDataIngest}, nil)
	return c, err
}

func (m *Main) printDemoBanner(url string, opts demoOptions, plant *sim.Plant, c demoCredentials) {
	fmt.Fprintf(m.Stdout, `
smartmaint demo is running.

  API         %[1]s/api/v1      (OpenAPI: %[1]s/openapi.json)
  Health      %[1]s/health
  Data        %[2]s
  Plant       %[3]d sites, %[4]d assets, %[5]d sensors; %[6]s of history is being backfilled,
              then readings stream live through POST /api/v1/data/batch.
  Sign in     %[8]s / %[9]s   (POST /api/v1/auth/login; administrator
              of the default tenant and platform operator; generated for this run)
  API key     %[10]s
              (every tenant permission; send it as Authorization: Bearer or X-API-Key)

Try:
  export SMARTMAINT_API_KEY=%[10]s
  curl -s -H "Authorization: Bearer $SMARTMAINT_API_KEY" %[1]s/api/v1/sensors | head -c 600
  curl -s -H "Authorization: Bearer $SMARTMAINT_API_KEY" '%[1]s/api/v1/sensors/readings?sensor_id=pump-01-vibration&limit=5'
  curl -s -H "Authorization: Bearer $SMARTMAINT_API_KEY" '%[1]s/api/v1/sensors/pump-01-vibration/series?step=1h&from=%[7]s'
  curl -s -H "Authorization: Bearer $SMARTMAINT_API_KEY" -X POST %[1]s/api/v1/data/ingest \
       -H 'Content-Type: application/json' -d '{"sensor_id":"demo-temp-1","value":21.5}'

Stop with Ctrl-C.
`, url, opts.dir, len(plant.Sites), len(plant.Assets), len(plant.SensorList()), opts.history,
		time.Now().UTC().Add(-opts.history).Truncate(time.Hour).Format(time.RFC3339), c.email, c.password, c.key)
}

// reportBackfill prints the backfill's progress until the runner catches up.
func (m *Main) reportBackfill(ctx context.Context, runner *sim.Runner, start time.Time) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, last := runner.Delivered()
		if !last.IsZero() && last.After(start.Add(-time.Minute)) {
			fmt.Fprintf(m.Stdout, "backfill done: %d readings stored; streaming live.\n", n)
			return
		}
		if n > 0 {
			fmt.Fprintf(m.Stdout, "backfilling: %d readings stored, simulated clock at %s\n", n, last.Format(time.RFC3339))
		}
	}
}
