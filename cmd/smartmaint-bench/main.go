// Command smartmaint-bench measures smartmaint's ingest and query paths for
// BENCHMARKS.md. It is a development tool, not part of the product binary.
//
//	smartmaint-bench batch  --url URL [--batches N --workers W]   HTTP NDJSON batches of 10,000 readings over 100 sensors
//	smartmaint-bench direct --db DB   [--batches N]               the same rows straight into the store, in a tight loop
//	smartmaint-bench series --db DB --load [--days 30]            load 30 days of 1 Hz data for one sensor (server stopped)
//	smartmaint-bench series --url URL [--days 30 --n 200]         p50/p99 of series?step=auto&max_points=1000 over those days
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smartmaint-bench batch|direct|series [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "batch":
		err = runBatch(ctx, os.Args[2:])
	case "direct":
		err = runDirect(ctx, os.Args[2:])
	case "series":
		err = runSeries(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "smartmaint-bench:", err)
		os.Exit(1)
	}
}
