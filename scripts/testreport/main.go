// Command testreport reads `go test -json` from standard input and prints what
// a person wants from CI: one line per package, and the output of every
// failed test. It exits 1 when anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	output := map[string]*strings.Builder{} // package/test → output
	var failed []string
	pkgs := map[string]string{}
	skipped := map[string]int{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Println(sc.Text()) // build errors are not JSON
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if output[key] == nil {
				output[key] = &strings.Builder{}
			}
			output[key].WriteString(e.Output)
		case "fail":
			if e.Test != "" {
				failed = append(failed, key)
			} else {
				pkgs[e.Package] = fmt.Sprintf("FAIL  %s (%.1fs)", e.Package, e.Elapsed)
			}
		case "pass":
			if e.Test == "" {
				pkgs[e.Package] = fmt.Sprintf("ok    %s (%.1fs)", e.Package, e.Elapsed)
			}
		case "skip":
			if e.Test != "" {
				skipped[e.Package]++
			} else if pkgs[e.Package] == "" {
				pkgs[e.Package] = "-     " + e.Package + " (no tests)"
			}
		}
	}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		line := pkgs[p]
		if n := skipped[p]; n > 0 {
			line += fmt.Sprintf(", %d skipped", n)
		}
		fmt.Println(line)
	}
	for _, k := range failed {
		fmt.Printf("\n--- FAIL %s\n%s", k, output[k])
	}
	bad := len(failed) > 0
	for _, p := range names {
		if !strings.HasPrefix(pkgs[p], "FAIL") {
			continue
		}
		bad = true
		// A package that crashed (a fatal error, a timeout, a build failure)
		// may have no failed test to blame: show the end of its own output.
		if out := output[p+" "]; out != nil {
			fmt.Printf("\n--- FAIL %s (package output, last lines)\n%s", p, lastLines(out.String(), 80))
		}
	}
	if bad {
		os.Exit(1)
	}
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
