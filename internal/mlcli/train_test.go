package mlcli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smartmaint"
	"smartmaint/internal/registry"
)

// supervisedFixture is a fixture of package tabular.
func supervisedFixture(name string) string {
	return filepath.Join("..", "ml", "tabular", "testdata", name)
}

const unitsColumns = "unit,cycle,op,const,s1,s2,s3"

// trainRun runs a command and returns stdout and stderr.
func trainRun(tb testing.TB, args ...string) (string, string, error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, IO{Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

func classifyArgs(dir string) []string {
	return []string{"train", "--task", "classify", "--input", supervisedFixture("failures.csv"),
		"--target", "failure", "--id-col", "id", "--drop", "mode", "--name", "failures", "--registry", dir,
		"--rounds", "30", "--learning-rate", "0.3", "--folds", "3"}
}

func rulArgs(dir string) []string {
	return []string{"train", "--task", "rul", "--input", supervisedFixture("units.txt"), "--columns", unitsColumns,
		"--id-col", "unit", "--time-col", "cycle", "--name", "units", "--registry", dir,
		"--rounds", "60", "--learning-rate", "0.1", "--min-leaf", "20", "--folds", "4", "--rul-cap", "60", "--cuts", "3"}
}

func TestTrainClassifyReportsAndRegisters(t *testing.T) {
	dir := t.TempDir()
	out, errOut, err := trainRun(t, classifyArgs(dir)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"task classify, algorithm gbdt, seed 1, data failures.csv: 600 rows (100 positive)",
		"fold  f1", "pr_auc", "reliability", "Brier score", "top features"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "registered failures version 1") {
		t.Fatalf("stderr %q", errOut)
	}
	reg, err := registry.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := reg.Resolve(context.Background(), "failures", "latest")
	if err != nil {
		t.Fatal(err)
	}
	if v.Task != "classify" || v.Data.Rows != 600 || len(v.Data.SHA256) != 64 || v.Data.Source != "failures.csv" {
		t.Fatalf("version %+v", v)
	}
	if v.Metrics["cv_f1"] <= 0 || v.Params["rounds"] != "30" || v.Params["learning_rate"] != "0.3" {
		t.Fatalf("metrics %v params %v", v.Metrics, v.Params)
	}
	var names []string
	for _, f := range v.Features {
		names = append(names, f.Name+":"+f.Type)
	}
	if got := strings.Join(names, ","); got != "Type:category,air_temp:float,process_temp:float,speed:float,torque:float,wear:float" {
		t.Fatalf("features %s", got)
	}
}

// TestTrainIsDeterministic: the same command twice gives byte-identical
// output and artifacts; another seed does not.
func TestTrainIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, _, err := trainRun(t, rulArgs(dir)...)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := trainRun(t, rulArgs(dir)...)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("two runs printed different reports:\n%s\n---\n%s", a, b)
	}
	reg, _ := registry.Open(dir)
	ctx := context.Background()
	v1, art1, err := reg.Load(ctx, "units", "1")
	if err != nil {
		t.Fatal(err)
	}
	v2, art2, _ := reg.Load(ctx, "units", "2")
	if !bytes.Equal(art1, art2) || v1.Artifact.SHA256 != v2.Artifact.SHA256 {
		t.Fatal("two runs registered different artifacts")
	}
	c, _, err := trainRun(t, append(rulArgs(dir), "--seed", "7")...)
	if err != nil {
		t.Fatal(err)
	}
	if c == a {
		t.Fatal("another seed printed the same report")
	}
	if !strings.Contains(a, "16 units") || !strings.Contains(a, "nasa_score") {
		t.Fatalf("rul report:\n%s", a)
	}
}

func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no task":       {[]string{"train", "--input", supervisedFixture("failures.csv")}, "task"},
		"no input":      {[]string{"train", "--task", "classify", "--target", "failure"}, "input"},
		"no target":     {[]string{"train", "--task", "classify", "--input", supervisedFixture("failures.csv")}, "target"},
		"bad target":    {[]string{"train", "--task", "classify", "--input", supervisedFixture("failures.csv"), "--target", "nope"}, "nope"},
		"non-binary":    {[]string{"train", "--task", "classify", "--input", supervisedFixture("failures.csv"), "--target", "wear", "--drop", "mode"}, "0 or 1"},
		"headerless":    {[]string{"train", "--task", "rul", "--input", supervisedFixture("units.txt"), "--id-col", "unit"}, "--columns"},
		"rul no id":     {[]string{"train", "--task", "rul", "--input", supervisedFixture("units.txt"), "--columns", unitsColumns}, "id"},
		"bad algorithm": {[]string{"train", "--task", "regress", "--input", supervisedFixture("failures.csv"), "--target", "wear", "--algorithm", "svm"}, "svm"},
		"bad name":      {[]string{"train", "--task", "classify", "--input", supervisedFixture("failures.csv"), "--target", "failure", "--name", "../x"}, "model"},
	} {
		_, _, err := trainRun(t, append(tc.args, "--registry", dir)...)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if msg := err.Error() + " " + smartmaint.ErrorMessage(err); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q does not mention %q", name, msg, tc.want)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "artifacts")); len(entries) > 0 {
		t.Error("a failed training stored an artifact")
	}
}

func TestDefaultModelName(t *testing.T) {
	for in, want := range map[string]string{"data/train_FD001.txt": "train_FD001", "x/ai4i 2020.csv": "ai4i_2020", "_.csv": "model"} {
		if got := defaultModelName(in); got != want {
			t.Errorf("defaultModelName(%q) = %q, want %q", in, got, want)
		}
	}
}
