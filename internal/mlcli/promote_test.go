package mlcli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"smartmaint"
	"smartmaint/internal/registry"
)

func promoteStage(tb testing.TB, dir, model string, version int) registry.Stage {
	tb.Helper()
	reg, err := registry.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := reg.Resolve(context.Background(), model, strconv.Itoa(version))
	if err != nil {
		tb.Fatal(err)
	}
	return v.Stage
}

func TestPromoteThroughTheGate(t *testing.T) {
	dir := modelsTestRegistry(t)
	promote := func(args ...string) (string, error) {
		return runCLI(t, append([]string{"promote", "--registry", dir, "--model", "pump-clf", "--by", "alice"}, args...)...)
	}
	out, err := promote("--version", "1")
	if err != nil || !strings.Contains(out, "version 1 is now in Production") || !strings.Contains(out, "no Production version") {
		t.Fatalf("first promotion: %q, %v", out, err)
	}
	// Worse challenger (cv_f1 0.80 < 0.90): refused, stages unchanged.
	out, err = promote("--version", "3")
	if smartmaint.ErrorCode(err) != smartmaint.ECONFLICT || !strings.Contains(out, "does not beat") {
		t.Fatalf("worse challenger: %q, %v", out, err)
	}
	if promoteStage(t, dir, "pump-clf", 3) != registry.StageNone || promoteStage(t, dir, "pump-clf", 1) != registry.StageProduction {
		t.Fatal("a refused promotion changed stages")
	}
	// Better on different data: refused as not comparable.
	out, err = promote("--version", "4")
	if smartmaint.ErrorCode(err) != smartmaint.ECONFLICT || !strings.Contains(out, "not comparable") {
		t.Fatalf("different data: %q, %v", out, err)
	}
	// Better on the same data: promoted, v1 archived.
	out, err = promote("--version", "2", "--reason", "retrained with new labels")
	if err != nil || !strings.Contains(out, "0.95 beats champion version 1 (0.9)") || !strings.Contains(out, "Version 1") {
		t.Fatalf("better challenger: %q, %v", out, err)
	}
	if promoteStage(t, dir, "pump-clf", 2) != registry.StageProduction || promoteStage(t, dir, "pump-clf", 1) != registry.StageArchived {
		t.Fatal("stages after promotion")
	}
	// Override of the different-data refusal, recorded.
	out, err = promote("--version", "4", "--override-reason", "new reference data set")
	if err != nil || !strings.Contains(out, "by override (new reference data set)") {
		t.Fatalf("override: %q, %v", out, err)
	}
	reg, _ := registry.Open(dir)
	v4, _ := reg.Resolve(context.Background(), "pump-clf", "production")
	last := v4.History[len(v4.History)-1]
	if v4.Version != 4 || last.By != "alice" || !strings.Contains(last.Reason, "override: new reference data set") {
		t.Fatalf("production %d, last transition %+v", v4.Version, last)
	}
}

func TestPromoteOtherStagesAndErrors(t *testing.T) {
	dir := modelsTestRegistry(t)
	out, err := runCLI(t, "promote", "--registry", dir, "--model", "rul", "--version", "1", "--stage", "staging", "--reason", "shadow run")
	if err != nil || !strings.Contains(out, "version 1 is now in Staging") {
		t.Fatalf("%q, %v", out, err)
	}
	cases := []struct {
		name string
		args []string
		code string
	}{
		{"no model", []string{"--version", "1"}, smartmaint.EINVALID},
		{"no version", []string{"--model", "rul"}, smartmaint.EINVALID},
		{"bad stage", []string{"--model", "rul", "--version", "1", "--stage", "Live"}, smartmaint.EINVALID},
		{"unknown version", []string{"--model", "rul", "--version", "9", "--stage", "Archived"}, smartmaint.ENOTFOUND},
		{"same stage", []string{"--model", "rul", "--version", "1", "--stage", "Staging"}, smartmaint.ECONFLICT},
		{"bad direction", []string{"--model", "rul", "--version", "1", "--direction", "up"}, smartmaint.EINVALID},
		{"unknown metric", []string{"--model", "rul", "--version", "1", "--metric", "cv_f1"}, smartmaint.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCLI(t, append([]string{"promote", "--registry", dir}, tc.args...)...)
			if got := smartmaint.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
		})
	}
}

func TestPromoteMetricChoice(t *testing.T) {
	v := &registry.Version{Version: 3, Metrics: map[string]float64{"cv_rmse": 14, "cv_nasa_score": 300}, Tags: map[string]string{}}
	cases := []struct {
		name, metric, direction, tag string
		want                         string
		higher                       bool
		fails                        bool
	}{
		{name: "default list", want: "cv_rmse"},
		{name: "tag", tag: "cv_nasa_score", want: "cv_nasa_score"},
		{name: "flag", metric: "cv_nasa_score", want: "cv_nasa_score"},
		{name: "explicit direction", metric: "custom", direction: "higher", want: "custom", higher: true},
		{name: "unknown direction", metric: "custom", fails: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v.Tags["primary_metric"] = tc.tag
			m, higher, err := promoteMetric(v, tc.metric, tc.direction)
			if tc.fails != (err != nil) || (!tc.fails && (m != tc.want || higher != tc.higher)) {
				t.Fatalf("got %q %v %v", m, higher, err)
			}
		})
	}
}

// splitFile writes the header and the rows of a CSV fixture whose 1-based
// data row number satisfies keep into dir/name.
func splitFile(tb testing.TB, src, dir, name string, keep func(row int) bool) string {
	tb.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimRight(string(raw), "\n")+"\n", "\n")
	var b strings.Builder
	b.WriteString(lines[0])
	for i, l := range lines[1:] {
		if l != "" && keep(i+1) {
			b.WriteString(l)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestPromoteOnHoldout(t *testing.T) {
	dir := t.TempDir()
	data := t.TempDir()
	src := supervisedFixture("failures.csv")
	train := splitFile(t, src, data, "train.csv", func(r int) bool { return r%4 != 0 })
	holdout := splitFile(t, src, data, "holdout.csv", func(r int) bool { return r%4 == 0 })
	trainArgs := func(extra ...string) []string {
		return append([]string{"train", "--task", "classify", "--input", train, "--target", "failure", "--id-col", "id",
			"--drop", "mode", "--name", "failures", "--registry", dir, "--folds", "3", "--interactions", "none"}, extra...)
	}
	// Version 1: three stumps; version 2: a proper model; version 3: stumps again.
	for _, extra := range [][]string{{"--rounds", "3", "--max-depth", "1"}, {"--rounds", "40", "--learning-rate", "0.3"},
		{"--rounds", "3", "--max-depth", "1", "--seed", "2"}} {
		if _, _, err := trainRun(t, trainArgs(extra...)...); err != nil {
			t.Fatal(err)
		}
	}
	promote := func(version string, extra ...string) (string, error) {
		return runCLI(t, append([]string{"promote", "--registry", dir, "--model", "failures", "--version", version,
			"--by", "alice", "--holdout", holdout}, extra...)...)
	}
	out, err := promote("1")
	if err != nil || !strings.Contains(out, "no Production version: promoted with f1 on holdout.csv (sha256:") {
		t.Fatalf("first promotion: %q, %v", out, err)
	}
	out, err = promote("2")
	if err != nil || !strings.Contains(out, "beats champion version 1") {
		t.Fatalf("better model: %q, %v", out, err)
	}
	out, err = promote("3")
	if smartmaint.ErrorCode(err) != smartmaint.ECONFLICT || !strings.Contains(out, "does not beat champion version 2") {
		t.Fatalf("worse model: %q, %v", out, err)
	}
	// The gate recorded both held-out scores on the refused challenger.
	reg, _ := registry.Open(dir)
	v3, _ := reg.Resolve(context.Background(), "failures", "3")
	g := v3.Gates[len(v3.Gates)-1]
	if g.ChallengerScore == nil || g.ChampionScore == nil || !(*g.ChallengerScore < *g.ChampionScore) || g.Promoted {
		t.Fatalf("recorded decision %+v", g)
	}
	// Another held-out metric, lower is better.
	out, err = promote("3", "--metric", "brier")
	if smartmaint.ErrorCode(err) != smartmaint.ECONFLICT || !strings.Contains(out, "brier on holdout.csv") {
		t.Fatalf("brier: %q, %v", out, err)
	}

	noTarget := filepath.Join(data, "unlabelled.csv")
	raw, _ := os.ReadFile(holdout)
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Split(l, ",")
		b.WriteString(strings.Join(append(f[:7:7], f[8]), ",") + "\n")
	}
	os.WriteFile(noTarget, []byte(b.String()), 0o644)
	for name, args := range map[string][]string{
		"unknown metric": {"--metric", "rmse"},
		"no target":      {"--holdout", noTarget},
		"no file":        {"--holdout", filepath.Join(data, "missing.csv")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := promote("3", args...)
			if smartmaint.ErrorCode(err) != smartmaint.EINVALID {
				t.Fatalf("%v, want %s", err, smartmaint.EINVALID)
			}
		})
	}
}
