package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEConfigTable keeps the README's configuration table in step with
// the options the binary really has: same flags, variables and defaults.
func TestREADMEConfigTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `--") {
			flag := strings.Trim(strings.Split(line, "|")[1], " `")
			rows[flag] = line
		}
	}
	cfg := DefaultConfig()
	opts := cfg.options()
	for _, o := range opts {
		row, ok := rows["--"+o.flag]
		if !ok {
			t.Errorf("the README's configuration table lacks --%s", o.flag)
			continue
		}
		cells := strings.Split(row, "|")
		if got := strings.Trim(cells[2], " `"); got != o.env() {
			t.Errorf("--%s: README says variable %q, the code %q", o.flag, got, o.env())
		}
		if got := strings.Trim(cells[3], " `"); got != o.value.String() {
			t.Errorf("--%s: README says default %q, the code %q", o.flag, got, o.value.String())
		}
		delete(rows, "--"+o.flag)
	}
	for flag := range rows {
		t.Errorf("the README documents %s, which the binary does not have", flag)
	}
}
