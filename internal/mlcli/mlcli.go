// Package mlcli implements `smartmaint ml …`: the command line over the ML
// engine (offline detection and detector evaluation, training, prediction and
// the model registry).
package mlcli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// IO is where a command reads and writes.
type IO struct {
	Stdout io.Writer
	Stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string, io IO) error
}

// commands is the table of `smartmaint ml` subcommands. Each lives in its own
// file.
var commands = map[string]command{
	"detect":            {"score a timestamp,value CSV with the streaming detector", runDetect},
	"evaluate-detector": {"back-test the detector on labelled incidents (NAB scoring)", runEvaluateDetector},
	"train":             {"train, cross-validate and register a model", runTrain},
	"predict":           {"predict with a registered model", runPredict},
	"models":            {"list registered models and versions", runModels},
	"promote":           {"move a model version to a stage, through the promotion gate", runPromote},
}

// Run runs `smartmaint ml <command> [flags]`.
func Run(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(io.Stdout, Usage())
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q: run `smartmaint ml help`", args[0])
	}
	return c.run(ctx, args[1:], io)
}

// Usage lists the subcommands.
func Usage() string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Usage: smartmaint ml <command> [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-18s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun `smartmaint ml <command> -h` for the flags of a command.\n")
	return b.String()
}
