package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// errUsage reports a command-line mistake whose message has been printed;
// errHelp a request for help, which has been answered.
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

// Main is the program: it parses the command line and wires the store, the
// services and the HTTP server for the chosen subcommand. Tests drive it with
// their own args, environment and writers.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string

	// Ready, when set, receives the server's base URL once it listens.
	Ready func(url string)
}

// NewMain returns a Main wired to the process's environment.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

type subcommand struct {
	summary string
	run     func(m *Main, ctx context.Context, args []string) error
}

var subcommands = map[string]subcommand{
	"serve":    {"run the HTTP server", (*Main).runServe},
	"demo":     {"run the server on a fresh data directory with a demo plant and live simulated readings", (*Main).runDemo},
	"migrate":  {"apply the store's migrations and exit", (*Main).runMigrate},
	"simulate": {"push simulated readings into a running server or a local store", (*Main).runSimulate},
	"export":   {"stream readings out of a store as CSV or NDJSON", (*Main).runExport},
	"ml":       {"the ML engine: detect, evaluate-detector, train, predict, models, promote", (*Main).runML},
	"admin":    {"accounts, tenants, API keys and the audit log, on the store directly", (*Main).runAdmin},
	"version":  {"print the version", (*Main).runVersion},
}

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		m.usage(m.Stdout)
		return nil
	}
	sc, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(m.Stderr, "smartmaint: unknown command %q\n\n", args[0])
		m.usage(m.Stderr)
		return errUsage
	}
	return sc.run(m, ctx, args[1:])
}

func (m *Main) usage(w io.Writer) {
	names := make([]string, 0, len(subcommands))
	for n := range subcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Usage: smartmaint <command> [flags]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, subcommands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `smartmaint <command> -h` for a command's flags.")
}

// flagSet returns a flag set for a subcommand that prints its usage to
// m.Stderr and returns errors instead of exiting.
func (m *Main) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("smartmaint "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

// loadConfig parses the server flags of a subcommand.
func (m *Main) loadConfig(name string, args []string, extra func(fs *flag.FlagSet)) (Config, error) {
	cfg := DefaultConfig()
	fs := m.flagSet(name)
	if extra != nil {
		extra(fs)
	}
	rest, err := cfg.Load(fs, args, m.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return cfg, errHelp
	} else if err != nil {
		return cfg, err
	}
	if len(rest) > 0 {
		return cfg, fmt.Errorf("%s: unexpected argument %q", name, rest[0])
	}
	return cfg, nil
}

// newLogger builds the JSON (or text) logger of the configuration.
func (m *Main) newLogger(cfg Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(m.Stderr, opts)).With("service", "smartmaint")
}

// Version is set at build time with -ldflags "-X main.Version=…"; otherwise it
// comes from the module's build information.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v = strings.TrimPrefix(v+"+"+s.Value[:12], "(devel)+")
		}
	}
	if v == "" || v == "(devel)" {
		return "dev"
	}
	return v
}

func (m *Main) runVersion(ctx context.Context, args []string) error {
	fmt.Fprintln(m.Stdout, "smartmaint", version())
	return nil
}
