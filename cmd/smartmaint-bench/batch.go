package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func runBatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("batch", flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	batches := fs.Int("batches", 300, "number of 10,000-reading requests")
	workers := fs.Int("workers", 4, "concurrent clients")
	pid := fs.Int("pid", 0, "server process to sample RSS from (0: none)")
	days := fs.Int("offset-days", 10, "how many days back the data starts")
	key := fs.String("key", os.Getenv("SMARTMAINT_API_KEY"), "API key with data:ingest (env SMARTMAINT_API_KEY)")
	fs.Parse(args)

	base := time.Now().UTC().Add(-time.Duration(*days) * 24 * time.Hour).Truncate(time.Hour)
	bodies := make([][]byte, *batches)
	for i := range bodies {
		bodies[i] = batchNDJSON(i, base)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers}, Timeout: 5 * time.Minute}
	rss := sampleRSS(ctx, *pid)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
	)
	jobs := make(chan int)
	start := time.Now()
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				err := post(client, *url+"/api/v1/data/batch", *key, bodies[i])
				mu.Lock()
				latencies = append(latencies, time.Since(t0))
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < *batches && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	peak := rss()
	if firstErr != nil {
		return firstErr
	}
	n := *batches * readingsPerBatch
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	fmt.Printf("batch: %d readings in %d requests of %d (%d sensors), %d workers: %.2f s, %.0f readings/s; request p50 %s p99 %s",
		n, *batches, readingsPerBatch, sensors, *workers, elapsed.Seconds(), float64(n)/elapsed.Seconds(),
		pct(latencies, 0.5), pct(latencies, 0.99))
	if *pid != 0 {
		fmt.Printf("; server peak RSS %.0f MB", float64(peak)/(1<<20))
	}
	fmt.Println()
	return nil
}

func post(c *http.Client, url, key string, body []byte) error {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"accepted":10000`)) {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	return nil
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[int(float64(len(d)-1)*p)].Round(time.Microsecond)
}

// sampleRSS polls the resident set size of pid every 100 ms until ctx ends
// or the returned function is called, which returns the peak in bytes.
func sampleRSS(ctx context.Context, pid int) func() int64 {
	if pid == 0 {
		return func() int64 { return 0 }
	}
	ctx, stop := context.WithCancel(ctx)
	peak := make(chan int64, 1)
	go func() {
		var max int64
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := readRSS(pid); v > max {
				max = v
			}
			select {
			case <-ctx.Done():
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 { stop(); return <-peak }
}

func readRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
