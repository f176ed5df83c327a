package mlcli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smartmaint"
)

var detectUpdate = flag.Bool("update-detect", false, "rewrite golden files in testdata/")

// detectRunCLI runs `smartmaint ml args...` and returns stdout and stderr.
func detectRunCLI(tb testing.TB, args ...string) (string, string, error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, IO{Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

// detectFile runs the detect command on input and returns the output file.
func detectFile(tb testing.TB, input string, extra ...string) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "out.csv")
	args := append([]string{"detect", "--input", input, "--output", out}, extra...)
	if _, stderr, err := detectRunCLI(tb, args...); err != nil {
		tb.Fatalf("detect: %v (stderr %q)", err, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestDetectGoldenAndRepeatable(t *testing.T) {
	input := filepath.Join("testdata", "nab", "sensor.csv")
	first := detectFile(t, input)
	second := detectFile(t, input)
	if !bytes.Equal(first, second) {
		t.Fatal("two runs of detect on the same input differ")
	}
	golden := filepath.Join("testdata", "detect_sensor.golden.csv")
	if *detectUpdate {
		if err := os.WriteFile(golden, first, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update-detect to create it)", err)
	}
	if !bytes.Equal(first, want) {
		t.Fatal("detect output differs from testdata/detect_sensor.golden.csv (run go test -update-detect after an intended change)")
	}
	lines := strings.Split(strings.TrimSpace(string(first)), "\n")
	if lines[0] != "timestamp,value,anomaly_score,alert" || len(lines) != 1501 {
		t.Fatalf("header %q, %d lines", lines[0], len(lines))
	}
	if !strings.HasPrefix(lines[901], "2024-01-07 06:00:00,37.") {
		t.Fatalf("row of the spike is %q", lines[901])
	}
	if !strings.HasSuffix(lines[901], ",1") {
		t.Fatalf("the spike raised no alert: %q", lines[901])
	}
}

func TestDetectPrefix(t *testing.T) {
	// The scores of the first half of a file are the same whether or not the
	// second half follows: the detector never looks ahead.
	full, err := os.ReadFile(filepath.Join("testdata", "nab", "sensor.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(full), "\n")
	half := filepath.Join(t.TempDir(), "half.csv")
	if err := os.WriteFile(half, []byte(strings.Join(lines[:751], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	whole := detectFile(t, filepath.Join("testdata", "nab", "sensor.csv"))
	prefix := detectFile(t, half)
	if !bytes.HasPrefix(whole, prefix) || len(strings.Split(string(prefix), "\n")) != 752 {
		t.Fatal("scores of the first half change when the second half is present")
	}
}

func TestDetectColumnsByFlag(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.csv")
	body := "id,Datetime,temp\n1,2024-01-01T00:00:00Z,1.5\n2,2024-01-01T00:01:00Z,1.6\n"
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got := string(detectFile(t, in, "--time-col", "Datetime", "--value-col", "temp"))
	want := "timestamp,value,anomaly_score,alert\n2024-01-01T00:00:00Z,1.5,0,0\n2024-01-01T00:01:00Z,1.6,0,0\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDetectOutOfOrderTimestamps(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.csv")
	body := "timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,2\n2024-01-01 00:05:00,3\n2024-01-01 00:01:00,4\n"
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.csv")
	_, stderr, err := detectRunCLI(t, "detect", "--input", in, "--output", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "2 rows have a timestamp not after the previous row's (first on line 4)") {
		t.Fatalf("stderr %q", stderr)
	}
	_, _, err = detectRunCLI(t, "detect", "--input", in, "--output", out, "--strict-time")
	if err == nil || !strings.Contains(smartmaint.ErrorMessage(err), `line 4, column "timestamp"`) {
		t.Fatalf("strict: %v", err)
	}
}

func TestDetectBadInput(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"not a number", "timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:01:00,abc\n", `line 3, column "value": "abc" is not a number`},
		{"NaN", "timestamp,value\n2024-01-01 00:00:00,NaN\n", `line 2, column "value": "NaN" is not a finite number`},
		{"Inf", "timestamp,value\n2024-01-01 00:00:00,-Inf\n", `line 2, column "value": "-Inf" is not a finite number`},
		{"empty value", "timestamp,value\n2024-01-01 00:00:00,\n", `line 2, column "value": the value is empty`},
		{"bad time", "timestamp,value\nyesterday,1\n", `line 2, column "timestamp": "yesterday" is not a timestamp`},
		{"missing column", "time,value\n2024-01-01 00:00:00,1\n", `line 1, column "timestamp": missing column "timestamp"`},
		{"ragged row", "timestamp,value\n2024-01-01 00:00:00,1,9\n", `line 2: wrong number of fields`},
		{"empty file", "", `line 1: the file is empty`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			if err := os.WriteFile(in, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.csv")
			_, _, err := detectRunCLI(t, "detect", "--input", in, "--output", out)
			if err == nil || !strings.Contains(smartmaint.ErrorMessage(err), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if smartmaint.ErrorCode(err) != smartmaint.EINVALID {
				t.Fatalf("code %q, want invalid", smartmaint.ErrorCode(err))
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatal("an output file was left behind after an error")
			}
		})
	}
}

func TestDetectFlags(t *testing.T) {
	if _, _, err := detectRunCLI(t, "detect", "--input", "x.csv"); err == nil {
		t.Fatal("missing --output accepted")
	}
	if _, _, err := detectRunCLI(t, "detect", "--input", filepath.Join(t.TempDir(), "none.csv"), "--output", filepath.Join(t.TempDir(), "o.csv")); err == nil {
		t.Fatal("missing input file accepted")
	}
}

func TestDetectAlertFlags(t *testing.T) {
	input := filepath.Join("testdata", "nab", "sensor.csv")
	alerts := func(out []byte) (n int, scores string) {
		var b strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
			f := strings.Split(line, ",")
			if f[3] == "1" {
				n++
			}
			b.WriteString(f[2] + "\n")
		}
		return n, b.String()
	}
	nDefault, sDefault := alerts(detectFile(t, input))
	nLow, sLow := alerts(detectFile(t, input, "--alert-threshold", "0.05", "--min-alert-gap", "0s"))
	nGap, _ := alerts(detectFile(t, input, "--alert-threshold", "0.05", "--min-alert-gap", "24h"))
	if sLow != sDefault {
		t.Fatal("the alert flags changed the scores")
	}
	if !(nLow > nDefault && nGap < nLow && nGap >= 1) {
		t.Fatalf("alerts: default %d, threshold 0.05 %d, with a day's gap %d", nDefault, nLow, nGap)
	}
	for _, bad := range [][]string{{"--alert-threshold", "0"}, {"--alert-threshold", "1.5"}, {"--min-alert-gap", "-1h"}} {
		_, _, err := detectRunCLI(t, append([]string{"detect", "--input", input, "--output", filepath.Join(t.TempDir(), "o.csv")}, bad...)...)
		if smartmaint.ErrorCode(err) != smartmaint.EINVALID || !strings.Contains(smartmaint.ErrorMessage(err), bad[0]) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
