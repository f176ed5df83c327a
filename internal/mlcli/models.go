package mlcli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"smartmaint/internal/registry"
)

// modelsListing is the --json output of `smartmaint ml models`.
type modelsListing struct {
	Registry string        `json:"registry"`
	Models   []modelsEntry `json:"models"`
	Count    int           `json:"count"`
}

type modelsEntry struct {
	Name     string              `json:"name"`
	Versions []*registry.Version `json:"versions"` // newest first
}

// runModels lists the registered models and their versions:
// smartmaint ml models [--registry DIR] [--model NAME] [--json].
func runModels(ctx context.Context, args []string, io IO) error {
	flags := flag.NewFlagSet("smartmaint ml models", flag.ContinueOnError)
	flags.SetOutput(io.Stderr)
	dirFlag := flags.String("registry", "", "registry directory (default $"+registry.DirEnv+" or ./"+registry.DefaultDir+")")
	model := flags.String("model", "", "list only this model")
	asJSON := flags.Bool("json", false, "print JSON instead of a table")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("models: unexpected argument %q", flags.Arg(0))
	}
	dir := registry.Dir(*dirFlag)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) && *model == "" {
		return modelsOutput(io, &modelsListing{Registry: dir, Models: []modelsEntry{}}, *asJSON) // listing creates nothing
	}
	reg, err := registry.Open(dir)
	if err != nil {
		return err
	}
	listing, err := modelsCollect(ctx, reg, dir, *model)
	if err != nil {
		return err
	}
	return modelsOutput(io, listing, *asJSON)
}

func modelsOutput(io IO, listing *modelsListing, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(io.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(listing)
	}
	return modelsPrintTable(io, listing)
}

func modelsCollect(ctx context.Context, reg *registry.Registry, dir, only string) (*modelsListing, error) {
	names := []string{only}
	if only == "" {
		var err error
		if names, err = reg.Models(ctx); err != nil {
			return nil, err
		}
	}
	out := &modelsListing{Registry: dir, Models: []modelsEntry{}}
	for _, name := range names {
		vs, err := reg.Versions(ctx, name)
		if err != nil {
			return nil, err
		}
		out.Models = append(out.Models, modelsEntry{Name: name, Versions: vs})
	}
	out.Count = len(out.Models)
	return out, nil
}

func modelsPrintTable(io IO, l *modelsListing) error {
	if l.Count == 0 {
		_, err := fmt.Fprintf(io.Stdout, "No models registered in %s.\n", l.Registry)
		return err
	}
	tw := tabwriter.NewWriter(io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tVERSION\tSTAGE\tTASK\tCREATED\tARTIFACT\tPARENT\tMETRICS")
	for _, m := range l.Models {
		for _, v := range m.Versions {
			parent := "-"
			if v.Parent > 0 {
				parent = strconv.Itoa(v.Parent)
			}
			task := v.Task
			if task == "" {
				task = "-"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, v.Version, v.Stage, task,
				v.CreatedAt.UTC().Format(time.RFC3339), "sha256:"+modelsShort(v.Artifact.SHA256), parent, modelsMetrics(v.Metrics))
		}
	}
	return tw.Flush()
}

func modelsShort(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// modelsMetrics formats metrics as "name=value" sorted by name.
func modelsMetrics(m map[string]float64) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatFloat(m[k], 'g', 4, 64)
	}
	return strings.Join(parts, " ")
}
