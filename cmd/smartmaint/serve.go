package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/redis/go-redis/v9"

	"smartmaint"
	"smartmaint/internal/auth"
	"smartmaint/internal/httpapi"
	"smartmaint/internal/ingest"
	"smartmaint/internal/keycache"
	"smartmaint/internal/postgres"
	"smartmaint/internal/ratelimit"
	"smartmaint/internal/sqlite"
	"smartmaint/internal/storemetrics"
)

func (m *Main) runServe(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig("serve", args, nil)
	if err != nil {
		return err
	}
	srv, err := m.startServer(ctx, cfg)
	if err != nil {
		return err
	}
	srv.logger.Info("serving", "url", srv.URL(), "db", srv.store.Dialect(), "version", version())
	return srv.Wait(ctx)
}

// server is a running smartmaint server: its store, its services and its
// HTTP listener.
type server struct {
	cfg     Config
	logger  *slog.Logger
	store   smartmaint.Store
	auth    *auth.Authenticator
	limiter ratelimit.Limiter
	ingest  *ingest.Service
	api     *httpapi.Server
	http    *http.Server
	ln      net.Listener
	serving chan error
}

// serverGCPercent is the garbage collector's target of `serve` (see startServer).
const serverGCPercent = 200

// startServer opens the store, builds the services and starts listening.
func (m *Main) startServer(ctx context.Context, cfg Config) (*server, error) {
	logger := m.newLogger(cfg)
	if m.Getenv("GOGC") == "" {
		// The server's live heap is small and its garbage short-lived (a
		// request's readings): collecting when the heap reaches three times
		// the live data instead of Go's default two costs ~15 MB of peak RSS
		// during batch ingest and gains 10-15 % of throughput. GOGC in the
		// environment overrides it.
		debug.SetGCPercent(serverGCPercent)
	}
	metrics := httpapi.NewMetrics(nil)
	raw, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	// Key lookups are cached in front of the metrics, so that the store's
	// metrics count the lookups that reach it.
	store := keycache.Wrap(storemetrics.Wrap(raw, metrics.Registry), cfg.APIKeyCacheTTL)
	if cache, ok := store.(*keycache.Store); ok {
		// Revocations by other replicas empty the cache as they commit.
		if w, ok := raw.(interface{ WatchAPIKeys(func()) }); ok {
			w.WatchAPIKeys(cache.Invalidate)
		}
	}
	authn := &auth.Authenticator{Store: store, Tenants: store, Logger: logger,
		Hasher: auth.NewHasher(auth.DefaultParams(), runtime.GOMAXPROCS(0))}
	limiter, checker, err := newRateLimiter(cfg, logger)
	if err != nil {
		raw.Close()
		return nil, err
	}
	setupToken, err := m.setupToken(ctx, cfg, store)
	if err != nil {
		raw.Close()
		limiter.Close()
		return nil, err
	}
	proxies, _ := cfg.trustedProxies()
	ing := ingest.NewService(store, ingest.Options{
		MaxReadings:    cfg.MaxBatchReadings,
		MaxBytes:       cfg.MaxBatchBytes,
		MaxFuture:      cfg.MaxFuture,
		SensorCacheTTL: cfg.SensorCacheTTL,
		Logger:         logger,
	})
	api := httpapi.New(httpapi.Config{
		Version: version(), MaxBatchBytes: cfg.MaxBatchBytes, TLS: cfg.TLSCert != "",
		TrustedProxies: proxies, MetricsToken: cfg.MetricsToken, SetupToken: setupToken,
	}, httpapi.Deps{Store: store, Auth: authn, Limits: checker, Ingest: ing, Logger: logger, Metrics: metrics})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		store.Close()
		limiter.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s := &server{
		cfg: cfg, logger: logger, store: store, auth: authn, limiter: limiter, ingest: ing, api: api, ln: ln,
		serving: make(chan error, 1),
		http: &http.Server{
			Handler:           api,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
	}
	go func() {
		if cfg.TLSCert != "" {
			s.serving <- s.http.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			s.serving <- s.http.Serve(ln)
		}
	}()
	if m.Ready != nil {
		m.Ready(s.URL())
	}
	return s, nil
}

// URL is the server's base URL.
func (s *server) URL() string {
	if s.cfg.TLSCert != "" {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// Wait serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (up to the shutdown timeout),
// then closes the store, which waits for its writer to drain.
func (s *server) Wait(ctx context.Context) error {
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-s.serving:
	}
	err := s.Close()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// Close shuts the server down gracefully.
func (s *server) Close() error {
	s.logger.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	if cerr := s.limiter.Close(); err == nil {
		err = cerr
	}
	return err
}

// newRateLimiter builds the limiter: in memory, or in Redis (with the memory
// limiter deciding while Redis is unreachable) when --redis is set.
func newRateLimiter(cfg Config, logger *slog.Logger) (ratelimit.Limiter, *ratelimit.Checker, error) {
	limits := ratelimit.DefaultConfig()
	if err := limits.Apply(cfg.RateLimits); err != nil {
		return nil, nil, fmt.Errorf("invalid configuration: %s", smartmaint.ErrorMessage(err))
	}
	mem := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	var limiter ratelimit.Limiter = mem
	if cfg.Redis != "" {
		opts, err := redis.ParseURL(cfg.Redis)
		if err != nil {
			mem.Close()
			return nil, nil, fmt.Errorf("invalid configuration: redis: %v", err)
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.MaxRetries = 250*time.Millisecond, 250*time.Millisecond, 250*time.Millisecond, 1
		client := redis.NewClient(opts)
		r := ratelimit.NewRedis(client, "")
		r.Fallback = mem
		limiter = &redisLimiter{Redis: r, client: client, mem: mem}
		logger.Info("rate limits shared through Redis", "addr", opts.Addr)
	}
	checker, err := ratelimit.NewChecker(limiter, limits)
	if err != nil {
		limiter.Close()
		return nil, nil, err
	}
	return limiter, checker, nil
}

// redisLimiter owns the Redis client and the memory fallback of a Redis
// limiter, and closes them with it.
type redisLimiter struct {
	*ratelimit.Redis
	client *redis.Client
	mem    *ratelimit.Memory
}

func (r *redisLimiter) Close() error {
	return errors.Join(r.Redis.Close(), r.client.Close(), r.mem.Close())
}

// setupToken returns a one-time token for creating the first administrator
// when the store has no accounts, and prints how to use it; "" otherwise.
func (m *Main) setupToken(ctx context.Context, cfg Config, access smartmaint.AccessStore) (string, error) {
	if cfg.noSetupToken {
		return "", nil
	}
	n, err := access.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	token := auth.NewCSRFToken()
	fmt.Fprintf(m.Stdout, `
No accounts exist yet. Create the first administrator (a platform operator who
administers the default tenant) with this one-time token, valid until this
process stops or an account exists:

  curl -X POST http://%s/api/v1/setup -H 'Content-Type: application/json' \
       -d '{"token":"%s","email":"you@example.com","name":"Your Name","password":"a long passphrase"}'

or, with the server stopped or from another shell:

  smartmaint admin create-user --db '%s' --email you@example.com --name 'Your Name' --role admin --operator

`, cfg.Addr, token, cfg.DB)
	return token, nil
}

// openStore opens the store named by cfg.DB, applying migrations.
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (smartmaint.Store, error) {
	dialect, dsn, err := ParseDB(cfg.DB)
	if err != nil {
		return nil, err
	}
	switch dialect {
	case "postgres":
		return postgres.Open(ctx, dsn, postgres.Options{
			Logger: logger, RetentionInterval: cfg.RetentionInterval, BulkWrites: cfg.PGBulkWrites,
		})
	default:
		return sqlite.Open(ctx, dsn, sqlite.Options{
			Logger: logger, Synchronous: cfg.SQLiteSync, RetentionInterval: cfg.RetentionInterval,
		})
	}
}

func (m *Main) runMigrate(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig("migrate", args, nil)
	if err != nil {
		return err
	}
	dialect, dsn, _ := ParseDB(cfg.DB)
	var applied []string
	if dialect == "postgres" {
		applied, err = postgres.Migrate(ctx, dsn)
	} else {
		applied, err = sqlite.Migrate(ctx, dsn)
	}
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(m.Stdout, "%s: schema is up to date\n", dialect)
	}
	for _, name := range applied {
		fmt.Fprintf(m.Stdout, "%s: applied %s\n", dialect, name)
	}
	return nil
}
