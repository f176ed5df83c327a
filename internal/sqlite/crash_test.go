package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/sqlite"
)

const (
	crashChildEnv   = "SMARTMAINT_SQLITE_CRASH_CHILD"
	crashBatchSize  = 500
	crashMinAcked   = 30
	crashMaxBatches = 100_000
)

// crashBatch is batch n of the crash test: crashBatchSize readings of five
// sensors, with keys of their own.
func crashBatch(n int) []smartmaint.Reading {
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	rs := make([]smartmaint.Reading, crashBatchSize)
	for i := range rs {
		k := n*crashBatchSize + i
		rs[i] = smartmaint.Reading{SensorID: fmt.Sprintf("crash-%d", k%5), Time: base.Add(time.Duration(k) * time.Millisecond),
			Value: float64(k), Quality: 1}
	}
	return rs
}

// TestKillDurability runs a child process that writes batches and reports
// each acknowledged one, kills it with SIGKILL in the middle of its writes,
// and checks on reopening that every acknowledged batch is there exactly
// once and that the batch in flight is all there or not at all.
func TestKillDurability(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("starts and kills a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for acked < crashMinAcked && sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked, _ = strconv.Atoi(n)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if acked < crashMinAcked {
		t.Fatalf("child acknowledged only %d batches", acked+1)
	}

	db := openStore(t, path, time.Now)
	var total int64
	list, _, err := db.FindSensors(tenantCtx, smartmaint.SensorFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		total += s.Stats.ReadingCount
	}
	if total%crashBatchSize != 0 || total < int64(acked+1)*crashBatchSize {
		t.Fatalf("%d readings after the kill, want whole batches and at least the %d acknowledged ones", total, acked+1)
	}
	for n := 0; n <= acked; n++ {
		res, err := db.WriteReadings(tenantCtx, crashBatch(n), smartmaint.WriteOptions{})
		if err != nil || res.Inserted != 0 || res.Duplicates != crashBatchSize {
			t.Fatalf("re-sending acknowledged batch %d: %+v, %v", n, res, err)
		}
	}
	t.Logf("killed after %d acknowledged batches; %d readings stored", acked+1, total)
}

// crashChild writes batches until it is killed, printing "ack N" once batch
// N is committed.
func crashChild(t *testing.T, path string) {
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for n := range crashMaxBatches {
		if _, err := db.WriteReadings(tenantCtx, crashBatch(n), smartmaint.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stdout, "ack %d\n", n)
	}
}
