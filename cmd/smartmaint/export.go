package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"smartmaint"
	"smartmaint/internal/export"
)

// runExport streams readings out of a store as CSV or NDJSON, oldest first,
// in the formats POST /api/v1/data/batch accepts back.
func (m *Main) runExport(ctx context.Context, args []string) error {
	var (
		format, sensorID, start, end, out, tenant string
	)
	db := DefaultConfig().DB
	fs := m.flagSet("export")
	fs.StringVar(&db, "db", db, "store: sqlite:PATH or postgres://…")
	fs.StringVar(&format, "format", export.CSV, "csv or ndjson")
	fs.StringVar(&sensorID, "sensor-id", "", "only this sensor")
	fs.StringVar(&start, "start", "", "inclusive lower bound (RFC 3339)")
	fs.StringVar(&end, "end", "", "inclusive upper bound (RFC 3339)")
	fs.StringVar(&out, "output", "-", "file to write, - for standard output")
	fs.StringVar(&tenant, "tenant", smartmaint.DefaultTenantID, "tenant whose readings to export")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return errHelp
	} else if err != nil {
		return err
	}
	f := smartmaint.ReadingFilter{Ascending: true}
	if sensorID != "" {
		f.SensorIDs = []string{sensorID}
	}
	var err error
	if f.Start, err = parseFlagTime("start", start); err != nil {
		return err
	}
	if f.End, err = parseFlagTime("end", end); err != nil {
		return err
	}
	if err := export.ValidateFormat(format); err != nil {
		return fmt.Errorf("export: --format must be csv or ndjson, got %q", format)
	}
	cfg := DefaultConfig()
	cfg.DB = db
	if err := cfg.Validate(); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, m.newLogger(cfg))
	if err != nil {
		return err
	}
	defer store.Close()
	var w io.Writer = m.Stdout
	if out != "-" {
		file, err := os.Create(out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	n, err := export.Write(smartmaint.NewContextWithTenant(ctx, tenant), w, store, f, format, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "export: %d readings\n", n)
	return nil
}

func parseFlagTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("export: --%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", name, s)
	}
	return t, nil
}
