package mlcli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestEvaluateDetectorFixture(t *testing.T) {
	args := []string{"evaluate-detector", "--data", filepath.Join("testdata", "nab"),
		"--windows", filepath.Join("testdata", "nab", "windows.json")}
	out, _, err := detectRunCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := detectRunCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if out != again {
		t.Fatal("two runs print different output")
	}
	for _, p := range []string{"standard", "reward_low_fp", "reward_low_fn"} {
		if !regexp.MustCompile(`(?m)^` + p + `\s+-?\d+\.\d\d\s`).MatchString(out) {
			t.Errorf("no score line for profile %s in:\n%s", p, out)
		}
	}
	if !strings.Contains(out, "1 files, 1500 rows, 2 scored windows") ||
		!strings.Contains(out, "synthetic/sensor.csv") {
		t.Fatalf("unexpected report:\n%s", out)
	}
	// Both synthetic incidents (a spike and a level shift) are found.
	if strings.Contains(out, "missed") {
		t.Fatalf("a synthetic incident was missed:\n%s", out)
	}
}

func TestEvaluateDetectorOneProfile(t *testing.T) {
	out, _, err := detectRunCLI(t, "evaluate-detector", "--data", filepath.Join("testdata", "nab"),
		"--windows", filepath.Join("testdata", "nab", "windows.json"), "--profile", "reward_low_fn")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "standard") || !strings.Contains(out, "reward_low_fn") {
		t.Fatalf("unexpected report:\n%s", out)
	}
}

func TestEvaluateDetectorErrors(t *testing.T) {
	dir := t.TempDir()
	badWindows := filepath.Join(dir, "w.json")
	if err := os.WriteFile(badWindows, []byte(`{"missing/file.csv": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"evaluate-detector"},
		{"evaluate-detector", "--data", "testdata/nab", "--windows", "testdata/nab/windows.json", "--profile", "nope"},
		{"evaluate-detector", "--data", "testdata/nab", "--windows", filepath.Join(dir, "absent.json")},
		{"evaluate-detector", "--data", "testdata/nab", "--windows", badWindows},
	}
	for _, args := range cases {
		if _, _, err := detectRunCLI(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestEvaluateDetectorOnNAB runs the command on the shared NAB files when
// they are present (about a second).
func TestEvaluateDetectorOnNAB(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the run over the shared NAB files")
	}
	dir := filepath.Join("..", "..", "..", "shared", "data", "nab")
	if _, err := os.Stat(filepath.Join(dir, "windows.json")); err != nil {
		t.Skipf("NAB data not found at %s (shared data is not beside the repo)", dir)
	}
	out, _, err := detectRunCLI(t, "evaluate-detector", "--data", dir, "--windows", filepath.Join(dir, "windows.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "7 files, 69561 rows, 19 scored windows") {
		t.Fatalf("unexpected report:\n%s", out)
	}
	m := regexp.MustCompile(`(?m)^standard\s+(-?\d+\.\d\d)\s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no standard score in:\n%s", out)
	}
	t.Logf("NAB standard score on the shared files: %s\n%s", m[1], out)
}
