package mlcli

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smartmaint"
	"smartmaint/internal/registry"
)

func readCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

func TestPredictClassifyWithExplanations(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := trainRun(t, classifyArgs(dir)...); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.csv")
	args := []string{"predict", "--model", "failures@1", "--input", supervisedFixture("failures.csv"),
		"--output", out, "--explain", "--top", "2", "--registry", dir}
	if _, errOut, err := trainRun(t, args...); err != nil || !strings.Contains(errOut, "600 predictions of failures version 1") {
		t.Fatalf("%v %q", err, errOut)
	}
	recs := readCSV(t, out)
	if got := strings.Join(recs[0], ","); got != "id,probability,label,top1_feature,top1_contribution,top2_feature,top2_contribution" {
		t.Fatalf("header %s", got)
	}
	if len(recs) != 601 || recs[1][0] != "1" {
		t.Fatalf("%d rows, first %v", len(recs), recs[1])
	}
	labels := map[string]int{}
	for _, r := range recs[1:] {
		labels[r[2]]++
		if r[3] == "" || r[4] == "" {
			t.Fatalf("row without explanation: %v", r)
		}
	}
	if labels["1"] < 60 || labels["1"] > 140 || labels["0"]+labels["1"] != 600 {
		t.Fatalf("labels %v", labels)
	}
	first, _ := os.ReadFile(out)
	if _, _, err := trainRun(t, args...); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(out)
	if string(first) != string(second) {
		t.Fatal("the same prediction twice gave different files")
	}
}

func TestPredictRULOneRowPerUnit(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := trainRun(t, rulArgs(dir)...); err != nil {
		t.Fatal(err)
	}
	// The units cut 10 cycles before their end, headerless like the
	// training file: the model's column names apply.
	raw, _ := os.ReadFile(supervisedFixture("units.txt"))
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var keep []string
	for i, l := range lines {
		if i+10 < len(lines) && strings.Fields(lines[i+10])[0] == strings.Fields(l)[0] {
			keep = append(keep, l)
		}
	}
	in := filepath.Join(t.TempDir(), "test_units.txt")
	os.WriteFile(in, []byte(strings.Join(keep, "\n")+"\n"), 0o644)
	out := filepath.Join(t.TempDir(), "rul.csv")
	if _, _, err := trainRun(t, "predict", "--model", "units", "--input", in, "--output", out, "--registry", dir); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, out)
	if strings.Join(recs[0], ",") != "unit,rul" || len(recs) != 17 || recs[1][0] != "1" || recs[16][0] != "16" {
		t.Fatalf("output %v", recs)
	}
}

func TestPredictSchemaErrors(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := trainRun(t, classifyArgs(dir)...); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	cases := map[string]struct {
		body string
		want []string
	}{
		"renamed": {"id,Type,air_temp,process_temp,rpm,torque,wear\n1,L,300,310,1500,40,10\n",
			[]string{`missing column(s) "speed"`, `unexpected column(s) "rpm"`, "renamed?"}},
		"missing": {"id,Type,air_temp,process_temp,torque,wear\n1,L,300,310,40,10\n", []string{`missing column(s) "speed"`}},
		"extra":   {"id,Type,air_temp,process_temp,speed,torque,wear,humidity\n1,L,300,310,1500,40,10,3\n", []string{`unexpected column(s) "humidity"`}},
		"unknown level": {"id,Type,air_temp,process_temp,speed,torque,wear\n1,XL,300,310,1500,40,10\n",
			[]string{`unknown category "XL"`}},
	}
	for name, tc := range cases {
		out := filepath.Join(tmp, name+".out.csv")
		_, _, err := trainRun(t, "predict", "--model", "failures", "--input", write(name+".csv", tc.body), "--output", out, "--registry", dir)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(smartmaint.ErrorMessage(err), w) {
				t.Errorf("%s: %q does not mention %q", name, smartmaint.ErrorMessage(err), w)
			}
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: an output file was written", name)
		}
	}
	if _, _, err := trainRun(t, "predict", "--model", "failures@production", "--input", supervisedFixture("failures.csv"),
		"--output", filepath.Join(tmp, "x.csv"), "--registry", dir); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Errorf("no production version: %v", err)
	}
	if _, _, err := trainRun(t, "predict", "--model", "failures", "--registry", dir); err == nil {
		t.Error("missing --input accepted")
	}
}

func TestPredictRefusesTamperedArtifact(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := trainRun(t, classifyArgs(dir)...); err != nil {
		t.Fatal(err)
	}
	reg, _ := registry.Open(dir)
	v, err := reg.Resolve(context.Background(), "failures", "1")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "artifacts", filepath.FromSlash(v.Artifact.Key))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	os.WriteFile(p, b, 0o644)
	_, _, err = trainRun(t, "predict", "--model", "failures", "--input", supervisedFixture("failures.csv"),
		"--output", filepath.Join(t.TempDir(), "x.csv"), "--registry", dir)
	var integrity *registry.IntegrityError
	if !errors.As(err, &integrity) || !strings.Contains(integrity.Reason, "sha256") && !strings.Contains(integrity.Reason, "SHA-256") {
		t.Fatalf("tampered artifact: %v", err)
	}
}
