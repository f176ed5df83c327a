// Command smartmaint is the smartmaint predictive-maintenance platform: one
// binary that serves the API (serve), runs a self-contained demo (demo),
// applies migrations (migrate), feeds simulated readings (simulate), streams
// readings out (export) and runs the ML engine from the command line (ml).
package main

import (
	"context"
	"strings"

	"errors"
	"fmt"
	"os"
	"os/signal"
	"smartmaint"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	switch err := m.Run(ctx, os.Args[1:]); {
	case err == nil, errors.Is(err, errHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "smartmaint:", describe(err))
		os.Exit(1)
	}
}

// describe renders an error for the console: a domain error by its message
// and details, anything else as it is.
func describe(err error) string {
	var e *smartmaint.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	msg := e.Message
	for _, d := range e.Details {
		if d.Field != "" && !strings.Contains(msg, d.Reason) {
			msg += "\n  " + d.Field + ": " + d.Reason
		}
	}
	return msg
}
