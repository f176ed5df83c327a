package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"smartmaint/internal/pgtest"
)

// TestMain lets a test run this package's binary as the real smartmaint
// process: with SMARTMAINT_TEST_EXEC=1 it runs main() instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("SMARTMAINT_TEST_EXEC") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	if serverPath != "" {
		os.RemoveAll(filepath.Dir(serverPath))
	}
	os.Exit(code)
}

// process is a smartmaint server running in a child process.
type process struct {
	cmd *exec.Cmd
	url string
	log *syncBuffer
}

var servingURL = regexp.MustCompile(`"url":"(http://[^"]+)"`)

var (
	serverOnce sync.Once
	serverPath string
	serverErr  error
)

// serverBinary is the program spawn runs: this test binary itself (which runs
// main() with SMARTMAINT_TEST_EXEC=1), except under the race detector, where
// a server ingesting a million readings would be ten times slower for no
// gain (the race detector checks the in-process tests); then it is the
// package built once without it.
func serverBinary(t *testing.T) string {
	t.Helper()
	if !raceEnabled {
		return os.Args[0]
	}
	serverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "smartmaint-test-bin")
		if err != nil {
			serverErr = err
			return
		}
		serverPath = filepath.Join(dir, "smartmaint")
		out, err := exec.Command("go", "build", "-o", serverPath, ".").CombinedOutput()
		if err != nil {
			serverErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverPath
}

// spawn starts `smartmaint serve --db db` in a child process and waits until
// it listens.
func spawn(t *testing.T, db string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(serverBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, args...)...)
	cmd.Env = append(os.Environ(), "SMARTMAINT_TEST_EXEC=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: &syncBuffer{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.log.Write([]byte(line + "\n"))
			if m := servingURL.FindStringSubmatch(line); m != nil && strings.Contains(line, `"msg":"serving"`) {
				found <- m[1]
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	select {
	case p.url = <-found:
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not start:\n%s", p.log.String())
	}
	return p
}

// crashBatch is batch i of the crash test: 10,000 readings, 100 timestamps of
// 100 sensors, disjoint from every other batch.
func crashBatch(i int, base time.Time) []byte {
	var b strings.Builder
	for k := 0; k < 100; k++ {
		ts := base.Add(time.Duration(i*100+k) * time.Second).Format(time.RFC3339)
		for s := 0; s < 100; s++ {
			fmt.Fprintf(&b, `{"sensor_id":"crash-%03d","timestamp":%q,"value":%d.5}`+"\n", s, ts, i*100+k)
		}
	}
	return []byte(b.String())
}

type batchAnswer struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

func postBatch(client *http.Client, url, key string, body []byte) (*batchAnswer, error) {
	req, err := http.NewRequest("POST", url+"/api/v1/data/batch", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var a batchAnswer
	return &a, json.Unmarshal(b, &a)
}

// TestKillNineLosesNothingAcknowledged: ingest 1,000,000 readings over HTTP,
// kill -9 the server while further batches are in flight, restart it: every
// acknowledged reading is there exactly once, and sending everything again
// adds nothing.
func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test ingests 1,000,000 readings; skipped with -short")
	}
	t.Run("sqlite", func(t *testing.T) {
		crashTest(t, "sqlite:"+filepath.Join(t.TempDir(), "crash.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		crashTest(t, pgtest.FreshDatabase(t))
	})
}

func crashTest(t *testing.T, db string) {
	const acked, extra, workers = 100, 40, 4
	start := time.Now()
	phase := func(name string) { t.Logf("%s done after %v", name, time.Since(start).Round(time.Millisecond)) }
	base := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Hour)
	key := createKey(t, db, "data:ingest", "data:read")
	srv := spawn(t, db)
	client := &http.Client{Timeout: 2 * time.Minute}

	// Phase 1: 100 batches, every one acknowledged.
	var wg sync.WaitGroup
	jobs := make(chan int)
	errs := make(chan error, acked)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if a, err := postBatch(client, srv.url, key, crashBatch(i, base)); err != nil || a.Accepted != 10_000 {
					errs <- fmt.Errorf("batch %d: %v %+v", i, err, a)
				}
			}
		}()
	}
	for i := 0; i < acked; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	phase("acknowledged batches")

	// Phase 2: more batches in flight, and kill -9 in the middle of them.
	var ackedExtra sync.Map
	var sent atomic.Int32
	ctx, stop := context.WithCancel(context.Background())
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := acked + w; i < acked+extra && ctx.Err() == nil; i += workers {
				sent.Add(1)
				if a, err := postBatch(client, srv.url, key, crashBatch(i, base)); err == nil && a.Accepted == 10_000 {
					ackedExtra.Store(i, true)
				}
			}
		}(w)
	}
	for sent.Load() < 6 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.cmd.Wait()
	stop()
	wg.Wait()
	ackedBatches := map[int]bool{}
	for i := 0; i < acked; i++ {
		ackedBatches[i] = true
	}
	ackedExtra.Range(func(k, _ any) bool { ackedBatches[k.(int)] = true; return true })
	t.Logf("killed with %d of %d further batches acknowledged", len(ackedBatches)-acked, sent.Load())

	// Phase 3: restart on the same store and count what is there.
	srv = spawn(t, db)
	phase("restart")
	perBatch := countReadingsByBatch(t, srv.url, key)
	phase("export")
	for i := 0; i < acked+extra; i++ {
		switch n := perBatch[i]; {
		case ackedBatches[i] && n != 10_000:
			t.Errorf("acknowledged batch %d has %d readings after the crash, want 10000", i, n)
		case !ackedBatches[i] && n != 0 && n != 10_000:
			t.Errorf("unacknowledged batch %d is half there: %d readings (a request must commit whole or not at all)", i, n)
		}
	}
	var stats []struct {
		ReadingCount int64 `json:"reading_count"`
	}
	_, body := authed(t, "GET", srv.url+"/api/v1/sensors/sensors", key, "", "")
	if err := json.Unmarshal([]byte(body), &stats); err != nil {
		t.Fatal(err)
	}
	var statTotal, total int64
	for _, s := range stats {
		statTotal += s.ReadingCount
	}
	for _, n := range perBatch {
		total += int64(n)
	}
	if statTotal != total {
		t.Errorf("sensor statistics count %d readings, the store holds %d", statTotal, total)
	}

	phase("statistics")

	// Phase 4: sending every acknowledged batch again adds nothing.
	for i := range ackedBatches {
		a, err := postBatch(client, srv.url, key, crashBatch(i, base))
		if err != nil || a.Accepted != 10_000 || a.Duplicates != 10_000 {
			t.Fatalf("resending batch %d: %v %+v, want 10000 duplicates", i, err, a)
		}
	}
	phase("resend")
}

// countReadingsByBatch exports every reading and counts them by the batch
// their value encodes, checking that no key appears twice.
func countReadingsByBatch(t *testing.T, url, key string) map[int]int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/export/readings?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Scan() // header
	perBatch := map[int]int{}
	seen := make(map[string]struct{}, 1_500_000)
	for sc.Scan() {
		line := sc.Text()
		parts := strings.Split(line, ",")
		key := parts[0] + "," + parts[1]
		if _, dup := seen[key]; dup {
			t.Fatalf("reading %s is stored twice", key)
		}
		seen[key] = struct{}{}
		var v float64
		fmt.Sscan(parts[2], &v)
		perBatch[int(v)/100]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return perBatch
}
