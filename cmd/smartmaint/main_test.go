package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var secretLine = regexp.MustCompile(`secret: (smk_[A-Za-z0-9_-]+)`)

// createKey runs `smartmaint admin create-key` on db and returns the secret.
func createKey(t *testing.T, db string, scopes ...string) string {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	args := []string{"admin", "create-key", "--db", db, "--name", "test"}
	if len(scopes) > 0 {
		args = append(args, "--scopes", strings.Join(scopes, ","))
	}
	if err := m.Run(context.Background(), args); err != nil {
		t.Fatalf("create-key: %v\n%s", err, out.String())
	}
	match := secretLine.FindStringSubmatch(out.String())
	if match == nil {
		t.Fatalf("create-key printed no secret:\n%s", out.String())
	}
	return match[1]
}

// authed sends a request with the API key.
func authed(t *testing.T, method, url, key, ctype, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startServe runs `smartmaint serve` in-process on a free port with a
// temporary SQLite store, and returns its URL and a key with every tenant
// permission; the server stops at cleanup.
func startServe(t *testing.T, env map[string]string, args ...string) (string, string, *syncBuffer) {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "s.db")
	key := createKey(t, db)
	var out syncBuffer
	ready := make(chan string, 1)
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }, Ready: func(u string) { ready <- u }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	base := []string{"serve", "--addr", "127.0.0.1:0", "--db", db}
	go func() { done <- m.Run(ctx, append(base, args...)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	})
	select {
	case u := <-ready:
		return u, key, &out
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	return "", "", nil
}

func TestServeEndToEnd(t *testing.T) {
	url, key, logs := startServe(t, nil)
	post := func(path, ctype, body string) (int, string) { return authed(t, "POST", url+path, key, ctype, body) }
	now := time.Now().UTC().Truncate(time.Second)
	var nd strings.Builder
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&nd, `{"sensor_id":"e2e-temp","value":%d,"timestamp":%q}`+"\n", i, now.Add(time.Duration(i-500)*time.Second).Format(time.RFC3339))
	}
	if code, body := post("/api/v1/data/batch", "application/x-ndjson", nd.String()); code != 200 || !strings.Contains(body, `"accepted":500`) {
		t.Fatalf("batch: %d %s", code, body)
	}
	if code, b := authed(t, "GET", url+"/api/v1/sensors/readings?sensor_id=e2e-temp&limit=1", key, "", ""); code != 200 || !strings.Contains(b, `"value":499`) {
		t.Fatalf("newest reading: %d %s", code, b)
	}
	if code, _ := authed(t, "GET", url+"/api/v1/sensors", "", "", ""); code != 401 {
		t.Fatalf("without a key: %d, want 401", code)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, metric := range []string{`smartmaint_ingest_readings_total{result="stored"} 500`, "smartmaint_http_request_duration_seconds", `smartmaint_store_operation_duration_seconds_count{dialect="sqlite",op="write_readings",outcome="ok"}`, "go_goroutines"} {
		if !strings.Contains(string(b), metric) {
			t.Errorf("/metrics lacks %s", metric)
		}
	}
	if !strings.Contains(logs.String(), `"request_id"`) || !strings.Contains(logs.String(), `"route":"/api/v1/data/batch"`) {
		t.Errorf("no JSON access log with request IDs:\n%s", logs.String())
	}
}

func TestConfigPrecedence(t *testing.T) {
	env := map[string]string{"SMARTMAINT_ADDR": "127.0.0.1:9999", "SMARTMAINT_MAX_FUTURE": "2h", "SMARTMAINT_LOG_LEVEL": "debug"}
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	rest, err := cfg.Load(fs, []string{"--addr", "127.0.0.1:7777", "--db", "postgres://u@h/db"}, func(k string) string { return env[k] })
	if err != nil || len(rest) != 0 {
		t.Fatal(err, rest)
	}
	if cfg.Addr != "127.0.0.1:7777" || cfg.MaxFuture != 2*time.Hour || cfg.LogLevel != "debug" || cfg.DB != "postgres://u@h/db" {
		t.Fatalf("flags must override the environment, which overrides defaults: %+v", cfg)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--db", "mysql://x"}, "sqlite:PATH or postgres"},
		{nil, []string{"--db", "sqlite:"}, "needs a file path"},
		{nil, []string{"--addr", "8080"}, "host:port"},
		{map[string]string{"SMARTMAINT_MAX_BATCH_READINGS": "lots"}, nil, "SMARTMAINT_MAX_BATCH_READINGS"},
		{nil, []string{"--sqlite-sync", "off"}, "sqlite-sync"},
		{nil, []string{"--pg-bulk-writes", "0"}, "pg-bulk-writes"},
		{nil, []string{"--log-level", "loud"}, "log-level"},
		{nil, []string{"--max-future", "-1h"}, "max-future"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		_, err := cfg.Load(fs, tt.args, func(k string) string { return tt.env[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: err %v, want one naming %q", tt.env, tt.args, err, tt.want)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"frobnicate"}); err != errUsage || !strings.Contains(out.String(), "unknown command") {
		t.Fatalf("err %v, output %q", err, out.String())
	}
	out.Reset()
	if err := m.Run(context.Background(), []string{"version"}); err != nil || !strings.HasPrefix(out.String(), "smartmaint ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
}

// TestServeRevokedKeyRefusedDespiteCache: the server caches verified keys
// (here for an hour), yet a key revoked through it is refused on the very
// next request.
func TestServeRevokedKeyRefusedDespiteCache(t *testing.T) {
	url, key, _ := startServe(t, nil, "--api-key-cache-ttl", "1h")
	var me struct {
		ID string `json:"id"`
	}
	for range 3 { // the key is cached by now
		code, body := authed(t, "GET", url+"/api/v1/me", key, "", "")
		if code != 200 {
			t.Fatalf("GET /me: %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &me); err != nil {
			t.Fatal(err)
		}
	}
	if code, body := authed(t, "DELETE", url+"/api/v1/admin/keys/"+me.ID, key, "", ""); code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if code, body := authed(t, "GET", url+"/api/v1/me", key, "", ""); code != 401 {
		t.Fatalf("GET /me with the revoked key: %d %s, want 401", code, body)
	}
}
