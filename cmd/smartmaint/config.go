package main

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server. DefaultConfig fills it; SMARTMAINT_*
// environment variables override the defaults; flags override both.
type Config struct {
	Addr      string
	DB        string
	LogLevel  string
	LogFormat string

	Redis          string
	RateLimits     string
	TLSCert        string
	TLSKey         string
	TrustedProxies string
	MetricsToken   string

	SQLiteSync        string
	PGBulkWrites      int
	MaxBatchReadings  int
	MaxBatchBytes     int64
	MaxFuture         time.Duration
	SensorCacheTTL    time.Duration
	APIKeyCacheTTL    time.Duration
	RetentionInterval time.Duration
	ShutdownTimeout   time.Duration

	// noSetupToken keeps a server without accounts from printing a setup
	// token (the demo creates its own accounts).
	noSetupToken bool
}

// DefaultDBPath is where the embedded store lives unless --db says otherwise.
const DefaultDBPath = "./smartmaint-data/smartmaint.db"

// DefaultConfig returns the defaults: an embedded SQLite store in
// ./smartmaint-data, listening on 127.0.0.1:8080.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		DB:                "sqlite:" + DefaultDBPath,
		LogLevel:          "info",
		LogFormat:         "json",
		SQLiteSync:        "full",
		PGBulkWrites:      2,
		MaxBatchReadings:  100_000,
		MaxBatchBytes:     32 << 20,
		MaxFuture:         time.Hour,
		SensorCacheTTL:    5 * time.Second,
		APIKeyCacheTTL:    250 * time.Millisecond,
		RetentionInterval: time.Hour,
		ShutdownTimeout:   30 * time.Second,
	}
}

// option binds one Config field to a flag and an environment variable.
type option struct {
	flag  string
	help  string
	value flag.Value
}

// env is the environment variable of an option: SMARTMAINT_ and the flag name
// in upper case with dashes as underscores.
func (o option) env() string {
	return "SMARTMAINT_" + strings.ToUpper(strings.ReplaceAll(o.flag, "-", "_"))
}

// options lists the settings of c, in the order the README documents them.
func (c *Config) options() []option {
	return []option{
		{"addr", "listen address (host:port)", (*stringValue)(&c.Addr)},
		{"db", "store: sqlite:PATH or postgres://user@host:port/db", (*stringValue)(&c.DB)},
		{"log-level", "debug, info, warn or error", (*stringValue)(&c.LogLevel)},
		{"log-format", "json or text", (*stringValue)(&c.LogFormat)},
		{"redis", "Redis URL (redis://host:6379/0) to share rate limits between replicas; empty keeps them in memory", (*stringValue)(&c.Redis)},
		{"rate-limits", "rate-limit overrides, e.g. ingest=500/s:1000,query.ip=off (see README)", (*stringValue)(&c.RateLimits)},
		{"tls-cert", "TLS certificate file (PEM); with --tls-key serves HTTPS", (*stringValue)(&c.TLSCert)},
		{"tls-key", "TLS private key file (PEM)", (*stringValue)(&c.TLSKey)},
		{"trusted-proxies", "comma-separated CIDRs whose X-Forwarded-For is believed", (*stringValue)(&c.TrustedProxies)},
		{"metrics-token", "when set, /metrics needs Authorization: Bearer <token>", (*stringValue)(&c.MetricsToken)},
		{"sqlite-sync", "SQLite durability: full (survives power loss) or normal (survives a crash of the process)", (*stringValue)(&c.SQLiteSync)},
		{"pg-bulk-writes", "PostgreSQL: how many batch writes run at once; more wait their turn", (*intValue)(&c.PGBulkWrites)},
		{"max-batch-readings", "most readings in one batch request", (*intValue)(&c.MaxBatchReadings)},
		{"max-batch-bytes", "largest batch request body, in bytes", (*int64Value)(&c.MaxBatchBytes)},
		{"max-future", "how far ahead of the server clock a reading's timestamp may be", (*durationValue)(&c.MaxFuture)},
		{"sensor-cache-ttl", "how long ingestion caches a sensor's settings", (*durationValue)(&c.SensorCacheTTL)},
		{"api-key-cache-ttl", "how long a verified API key is reused before it is looked up again (0: every request)", (*durationValue)(&c.APIKeyCacheTTL)},
		{"retention-interval", "how often old readings and rollups are deleted", (*durationValue)(&c.RetentionInterval)},
		{"shutdown-timeout", "how long a graceful shutdown waits for requests in flight", (*durationValue)(&c.ShutdownTimeout)},
	}
}

// Load applies the environment (through getenv) and then the flags in args to
// c, and validates the result. It returns the arguments left after the flags.
func (c *Config) Load(fs *flag.FlagSet, args []string, getenv func(string) string) ([]string, error) {
	for _, o := range c.options() {
		if v := getenv(o.env()); v != "" {
			if err := o.value.Set(v); err != nil {
				return nil, fmt.Errorf("%s=%q: %v", o.env(), v, err)
			}
		}
		fs.Var(o.value, o.flag, o.help+" (env "+o.env()+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), c.Validate()
}

// Validate reports the first setting that cannot work, naming it.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("addr %q: must be host:port", c.Addr)
	}
	if _, _, err := ParseDB(c.DB); err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("invalid configuration: tls-cert and tls-key go together")
	}
	if _, err := c.trustedProxies(); err != nil {
		return err
	}
	if c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://") {
		return fmt.Errorf("invalid configuration: redis %q must be a redis:// or rediss:// URL", c.Redis)
	}
	checks := []struct {
		ok  bool
		msg string
	}{
		{oneOf(c.LogLevel, "debug", "info", "warn", "error"), "log-level must be debug, info, warn or error"},
		{oneOf(c.LogFormat, "json", "text"), "log-format must be json or text"},
		{oneOf(c.SQLiteSync, "full", "normal"), "sqlite-sync must be full or normal"},
		{c.PGBulkWrites >= 1 && c.PGBulkWrites <= 256, "pg-bulk-writes must be between 1 and 256"},
		{c.MaxBatchReadings >= 1 && c.MaxBatchReadings <= 10_000_000, "max-batch-readings must be between 1 and 10000000"},
		{c.MaxBatchBytes >= 1024, "max-batch-bytes must be at least 1024"},
		{c.MaxFuture >= 0, "max-future must not be negative"},
		{c.SensorCacheTTL >= 0, "sensor-cache-ttl must not be negative"},
		{c.APIKeyCacheTTL >= 0, "api-key-cache-ttl must not be negative"},
		{c.RetentionInterval >= time.Minute, "retention-interval must be at least 1m"},
		{c.ShutdownTimeout > 0, "shutdown-timeout must be positive"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return fmt.Errorf("invalid configuration: %s", ch.msg)
		}
	}
	return nil
}

// trustedProxies parses --trusted-proxies.
func (c *Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			if a, aerr := netip.ParseAddr(f); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				return nil, fmt.Errorf("invalid configuration: trusted-proxies: %q is not an address or CIDR", f)
			}
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ParseDB splits a --db value into its dialect ("sqlite" or "postgres") and
// the path or URL the driver takes.
func ParseDB(db string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(db, "sqlite:"):
		path := strings.TrimPrefix(db, "sqlite:")
		if path == "" {
			return "", "", fmt.Errorf("db %q: sqlite: needs a file path, e.g. sqlite:%s", db, DefaultDBPath)
		}
		return "sqlite", path, nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return "postgres", db, nil
	}
	return "", "", fmt.Errorf("db %q: must be sqlite:PATH or postgres://…", db)
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

type stringValue string

func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }

type intValue int

func (v *intValue) String() string { return strconv.Itoa(int(*v)) }
func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("must be an integer")
	}
	*v = intValue(n)
	return nil
}

type int64Value int64

func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }
func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("must be an integer")
	}
	*v = int64Value(n)
	return nil
}

type durationValue time.Duration

func (v *durationValue) String() string { return time.Duration(*v).String() }
func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("must be a duration such as 500ms, 30s or 1h")
	}
	*v = durationValue(d)
	return nil
}
