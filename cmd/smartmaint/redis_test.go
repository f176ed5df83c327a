package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRateLimitSharedThroughRedis runs two server processes on one store and
// one Redis: a key allowed 6 queries a minute gets 6 in all, whichever server
// answers, not 6 from each.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	redisURL := os.Getenv("SMARTMAINT_TEST_REDIS")
	if redisURL == "" {
		t.Skip("SMARTMAINT_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
	key := createKey(t, db, "data:read")
	args := []string{"--redis", redisURL, "--rate-limits", "query=6/m,query.ip=off"}
	a, b := spawn(t, db, args...), spawn(t, db, args...)
	allowed := 0
	for i := 0; i < 12; i++ {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		code, body := authed(t, "GET", srv.url+"/api/v1/sites", key, "", "")
		switch code {
		case 200:
			allowed++
		case 429:
		default:
			t.Fatalf("request %d: %d %s", i+1, code, body)
		}
	}
	if allowed != 6 {
		t.Fatalf("%d of 12 requests allowed across two servers, want 6 (one shared limit)", allowed)
	}
}
