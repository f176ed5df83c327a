package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"smartmaint"
)

func TestGhostsEvictOldest(t *testing.T) {
	var a attempts
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range maxGhosts {
		a.setGhost(fmt.Sprintf("g%d@example.com", i), ghost{failures: 1, last: t0.Add(time.Duration(i+1) * time.Second)})
	}
	a.setGhost("g5@example.com", ghost{failures: 2, last: t0.Add(time.Hour)}) // an update evicts nothing
	if len(a.ghosts) != maxGhosts || a.ghost("g0@example.com").failures != 1 {
		t.Fatalf("%d ghosts after an update", len(a.ghosts))
	}
	a.setGhost("new@example.com", ghost{failures: 1, last: t0.Add(2 * time.Hour)})
	if len(a.ghosts) != maxGhosts || a.ghost("g0@example.com").failures != 0 || a.ghost("new@example.com").failures != 1 ||
		a.ghost("g5@example.com").failures != 2 {
		t.Fatalf("%d ghosts; want the least recent (g0) evicted for the new one", len(a.ghosts))
	}
}

func TestLockedErrorRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		wait    time.Duration
		seconds int
		text    string
	}{
		{time.Millisecond, 1, "1 second."},
		{time.Second, 1, "1 second."},
		{1500 * time.Millisecond, 2, "2 seconds."},
		{64 * time.Second, 64, "64 seconds."},
		{1024 * time.Second, 1024, "18 minutes."},
		{time.Hour, 3600, "60 minutes."},
		{3 * time.Hour, 10800, "3 hours."},
	} {
		err := error(newLockedError(now.Add(tc.wait), now))
		s, ok := RetryAfter(fmt.Errorf("wrapped: %w", err))
		if !ok || s != tc.seconds {
			t.Errorf("wait %v: RetryAfter = %d, %v; want %d", tc.wait, s, ok, tc.seconds)
		}
		wantCode(t, err, smartmaint.ERATELIMITED, "Try again in "+tc.text)
	}
	if _, ok := RetryAfter(errors.New("other")); ok {
		t.Fatal("RetryAfter found a lock in an unrelated error")
	}
}
