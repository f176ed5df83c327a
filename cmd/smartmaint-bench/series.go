package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"time"

	"smartmaint"
)

// seriesSensor holds the 1 Hz history the series benchmark queries.
const seriesSensor = "series-1hz"

func runSeries(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("series", flag.ExitOnError)
	db := fs.String("db", "", "store to load (with --load)")
	load := fs.Bool("load", false, "load the history into --db, then exit")
	base := fs.String("url", "http://127.0.0.1:8080", "server to query")
	days := fs.Int("days", 30, "days of 1 Hz history")
	n := fs.Int("n", 200, "queries to time")
	key := fs.String("key", os.Getenv("SMARTMAINT_API_KEY"), "API key with data:read (env SMARTMAINT_API_KEY)")
	fs.Parse(args)
	end := time.Now().UTC().Truncate(24 * time.Hour)
	start := end.Add(-time.Duration(*days) * 24 * time.Hour)
	if *load {
		return loadSeries(ctx, *db, start, end)
	}
	q := url.Values{"from": {start.Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}, "step": {"auto"}, "max_points": {"1000"}}
	u := *base + "/api/v1/sensors/" + seriesSensor + "/series?" + q.Encode()
	// The rollups trail the raw readings by up to a few seconds (longer
	// right after a bulk load): time only answers that cover every reading.
	t0 := time.Now()
	for {
		got, err := seriesCount(u, *key)
		if err != nil {
			return err
		}
		if got == int64(*days)*86400 {
			break
		}
		if time.Since(t0) > 2*time.Minute {
			return fmt.Errorf("the series counts %d readings after 2 minutes, want %d", got, *days*86400)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("series: the rollups covered all readings %s after the first query\n", time.Since(t0).Round(time.Millisecond))
	var lat []time.Duration
	var size int
	for i := 0; i < *n && ctx.Err() == nil; i++ {
		t0 := time.Now()
		b, err := getSeries(u, *key)
		if err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
		size = len(b)
	}
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	fmt.Printf("series: %d days of 1 Hz data (%d readings), step=auto max_points=1000: %d queries, p50 %s p99 %s, %d bytes per answer\n",
		*days, *days*86400, len(lat), pct(lat, 0.5), pct(lat, 0.99), size)
	return nil
}

// loadSeries writes one reading per second for the sensor over [start, end).
func loadSeries(ctx context.Context, db string, start, end time.Time) error {
	store, err := openStore(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx = smartmaint.NewContextWithTenant(ctx, smartmaint.DefaultTenantID)
	batch := make([]smartmaint.Reading, 0, 50_000)
	total := 0
	for t := start; t.Before(end); t = t.Add(time.Second) {
		sec := t.Unix()
		batch = append(batch, smartmaint.Reading{SensorID: seriesSensor, Time: t, Value: float64(sec%86400) / 864, Quality: 1,
			SensorType: smartmaint.SensorTypeTemperature})
		if len(batch) == cap(batch) {
			if _, err := store.WriteReadings(ctx, batch, smartmaint.WriteOptions{}); err != nil {
				return err
			}
			total += len(batch)
			batch = batch[:0]
		}
	}
	if _, err := store.WriteReadings(ctx, batch, smartmaint.WriteOptions{}); err != nil {
		return err
	}
	fmt.Printf("loaded %d readings of %s\n", total+len(batch), seriesSensor)
	return nil
}

// getSeries fetches one series answer.
func getSeries(u, key string) ([]byte, error) {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	return b, nil
}

// seriesCount sums the bucket counts of one series answer.
func seriesCount(u, key string) (int64, error) {
	b, err := getSeries(u, key)
	if err != nil {
		return 0, err
	}
	var answer struct {
		Buckets []struct {
			Count int64 `json:"count"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		return 0, err
	}
	var n int64
	for _, b := range answer.Buckets {
		n += b.Count
	}
	return n, nil
}
