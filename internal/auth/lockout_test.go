package auth

import (
	"testing"
	"time"
)

func TestLockoutDelay(t *testing.T) {
	p := DefaultLockoutPolicy()
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{-1, 0}, {0, 0}, {1, 0}, {5, 0},
		{6, time.Second}, {7, 2 * time.Second}, {8, 4 * time.Second}, {10, 16 * time.Second},
		{16, 1024 * time.Second}, {17, 2048 * time.Second},
		{18, time.Hour}, {20, time.Hour}, {1000, time.Hour}, {1 << 40, time.Hour},
	} {
		if got := p.Delay(tc.failures); got != tc.want {
			t.Errorf("Delay(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestLockoutDelayGrowsAndCaps(t *testing.T) {
	for _, p := range []LockoutPolicy{
		DefaultLockoutPolicy(),
		{FreeAttempts: 0, BaseDelay: 3 * time.Millisecond, MaxDelay: time.Minute},
		{FreeAttempts: 10, BaseDelay: time.Minute, MaxDelay: 24 * time.Hour},
		{FreeAttempts: 3, BaseDelay: time.Second}, // no cap: stops short of overflow
	} {
		prev := time.Duration(0)
		for n := 1; n <= 200; n++ {
			d := p.Delay(n)
			switch {
			case n <= p.FreeAttempts && d != 0:
				t.Fatalf("%+v: Delay(%d) = %v within the free attempts", p, n, d)
			case n > p.FreeAttempts && (d < prev || d <= 0):
				t.Fatalf("%+v: Delay(%d) = %v after %v: must grow and stay positive", p, n, d, prev)
			case p.MaxDelay > 0 && d > p.MaxDelay:
				t.Fatalf("%+v: Delay(%d) = %v above the cap", p, n, d)
			case n == p.FreeAttempts+2 && d != 2*p.BaseDelay:
				t.Fatalf("%+v: Delay(%d) = %v, want double the base", p, n, d)
			}
			prev = d
		}
		if p.MaxDelay > 0 && prev != p.MaxDelay {
			t.Fatalf("%+v: Delay(200) = %v, want the cap", p, prev)
		}
	}
}

func TestLockedUntil(t *testing.T) {
	p, now := DefaultLockoutPolicy(), time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	if got := p.LockedUntil(now, 5); got != nil {
		t.Fatalf("LockedUntil(5) = %v, want nil", got)
	}
	if got := p.LockedUntil(now, 8); got == nil || !got.Equal(now.Add(4*time.Second)) {
		t.Fatalf("LockedUntil(8) = %v, want now+4s", got)
	}
}
