package mlcli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smartmaint"
	"smartmaint/internal/registry"
)

// modelsTestRegistry makes a registry directory with model "pump-clf"
// versions 1 (cv_f1 0.90, data A), 2 (cv_f1 0.95, data A, parent 1),
// 3 (cv_f1 0.80, data A) and 4 (cv_f1 0.99, data B), and model "rul" v1.
func modelsTestRegistry(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	reg, err := registry.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	dataA := registry.DataFingerprint{Rows: 100, SHA256: strings.Repeat("aa", 32), Source: "ai4i.csv"}
	dataB := registry.DataFingerprint{Rows: 120, SHA256: strings.Repeat("bb", 32), Source: "ai4i-2.csv"}
	for i, nv := range []registry.NewVersion{
		{Model: "pump-clf", Task: "classify", Metrics: map[string]float64{"cv_f1": 0.90}, Data: dataA},
		{Model: "pump-clf", Task: "classify", Metrics: map[string]float64{"cv_f1": 0.95, "cv_pr_auc": 0.97}, Data: dataA, Parent: 1},
		{Model: "pump-clf", Task: "classify", Metrics: map[string]float64{"cv_f1": 0.80}, Data: dataA},
		{Model: "pump-clf", Task: "classify", Metrics: map[string]float64{"cv_f1": 0.99}, Data: dataB},
		{Model: "rul", Task: "rul", Metrics: map[string]float64{"cv_rmse": 14.2}, Data: dataA},
	} {
		nv.Artifact = []byte{byte(i), 'm'}
		nv.CreatedBy = "trainer"
		if _, err := reg.Register(context.Background(), nv); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func runCLI(tb testing.TB, args ...string) (string, error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, IO{Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

func TestModelsTable(t *testing.T) {
	dir := modelsTestRegistry(t)
	out, err := runCLI(t, "models", "--registry", dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "MODEL") {
		t.Fatalf("table:\n%s", out)
	}
	// Newest first within a model; models sorted by name.
	want := []string{"pump-clf  4", "pump-clf  3", "pump-clf  2", "pump-clf  1", "rul       1"}
	for i, w := range want {
		if !strings.HasPrefix(lines[i+1], w) {
			t.Fatalf("line %d = %q, want prefix %q", i+1, lines[i+1], w)
		}
	}
	v2 := lines[3]
	for _, s := range []string{"None", "classify", "sha256:", "cv_f1=0.95 cv_pr_auc=0.97", "  1  "} {
		if !strings.Contains(v2, s) {
			t.Fatalf("version 2 line %q lacks %q", v2, s)
		}
	}
}

func TestModelsJSONAndFilter(t *testing.T) {
	dir := modelsTestRegistry(t)
	out, err := runCLI(t, "models", "--registry", dir, "--model", "rul", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var l modelsListing
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if l.Count != 1 || l.Models[0].Name != "rul" || len(l.Models[0].Versions) != 1 ||
		l.Models[0].Versions[0].Metrics["cv_rmse"] != 14.2 || len(l.Models[0].Versions[0].Artifact.SHA256) != 64 {
		t.Fatalf("listing %+v", l)
	}
	_, err = runCLI(t, "models", "--registry", dir, "--model", "nope")
	if smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Fatalf("unknown model: %v", err)
	}
}

func TestModelsEmptyRegistryAndEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-yet")
	t.Setenv(registry.DirEnv, dir)
	out, err := runCLI(t, "models")
	if err != nil || !strings.Contains(out, "No models registered in "+dir) {
		t.Fatalf("%q, %v", out, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("listing created the registry directory: %v", err)
	}
}
