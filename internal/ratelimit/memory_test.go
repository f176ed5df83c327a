package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smartmaint"
)

// newTestMemory returns a Memory on a fake clock with no janitor.
func newTestMemory(tb testing.TB, opt MemoryOptions) (*Memory, *fakeClock) {
	tb.Helper()
	clk := newFakeClock()
	opt.Now = clk.Now
	if opt.SweepInterval == 0 {
		opt.SweepInterval = -1
	}
	m := NewMemory(opt)
	tb.Cleanup(func() { m.Close() })
	return m, clk
}

// step is one call in a bucket scenario: advance the clock, call Allow, and
// compare with the expected decision.
type step struct {
	advance    time.Duration
	allowed    bool
	remaining  int
	retryAfter time.Duration
}

func runSteps(t *testing.T, lim Limiter, clk *fakeClock, key string, l Limit, steps []step) {
	t.Helper()
	for i, s := range steps {
		clk.Advance(s.advance)
		d, err := lim.Allow(context.Background(), key, l)
		if err != nil {
			t.Fatalf("step %d: Allow: %v", i, err)
		}
		if d.Allowed != s.allowed || d.Remaining != s.remaining || d.RetryAfter != s.retryAfter || d.Limit != l {
			t.Fatalf("step %d: got allowed=%v remaining=%d retry=%v limit=%+v; want %v %d %v",
				i, d.Allowed, d.Remaining, d.RetryAfter, d.Limit, s.allowed, s.remaining, s.retryAfter)
		}
	}
}

func TestMemoryBucket(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name  string
		l     Limit
		steps []step
	}{
		{"burst then refill", PerSecond(10, 5), []step{
			{0, true, 4, 0}, {0, true, 3, 0}, {0, true, 2, 0}, {0, true, 1, 0}, {0, true, 0, 0},
			{0, false, 0, 100 * ms},
			{100*ms - 1, false, 0, 1},      // one nanosecond early
			{1, true, 0, 0},                // exactly RetryAfter later
			{250 * ms, true, 1, 0},         // 2.5 tokens refilled, one taken
			{10 * time.Second, true, 4, 0}, // capped at Burst
		}},
		{"10 per minute", PerMinute(10), []step{
			{0, true, 9, 0}, {0, true, 8, 0}, {0, true, 7, 0}, {0, true, 6, 0}, {0, true, 5, 0},
			{0, true, 4, 0}, {0, true, 3, 0}, {0, true, 2, 0}, {0, true, 1, 0}, {0, true, 0, 0},
			{0, false, 0, 6 * time.Second},              // the 11th within the minute
			{59 * time.Second / 10, false, 0, 100 * ms}, // 5.9 s later: still refused
			{100 * ms, true, 0, 0},                      // 6 s after the 11th: allowed
			{0, false, 0, 6 * time.Second},
		}},
		{"10 per minute spread over 3 s", PerMinute(10), []step{
			{0, true, 9, 0}, {300 * ms, true, 8, 0}, {300 * ms, true, 7, 0}, {300 * ms, true, 6, 0},
			{300 * ms, true, 5, 0}, {300 * ms, true, 4, 0}, {300 * ms, true, 3, 0}, {300 * ms, true, 2, 0},
			{300 * ms, true, 1, 0}, {300 * ms, true, 0, 0}, // t = 2.7 s: 0.45 tokens refilled
			{300 * ms, false, 0, 3 * time.Second}, // t = 3 s: half a token, 3 s to go
			{3 * time.Second, true, 0, 0},
		}},
		{"half a token per second", PerSecond(0.5, 1), []step{
			{0, true, 0, 0}, {time.Second, false, 0, time.Second}, {time.Second, true, 0, 0},
			{1999 * ms, false, 0, ms}, {ms, true, 0, 0},
		}},
		{"three per second, burst 2", PerSecond(3, 2), []step{
			{0, true, 1, 0}, {0, true, 0, 0}, {0, false, 0, 333333 * time.Microsecond},
			{333333 * time.Microsecond, true, 0, 0},
			{333333 * time.Microsecond, true, 0, 0},
			{666666 * time.Microsecond, true, 1, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, clk := newTestMemory(t, MemoryOptions{})
			runSteps(t, m, clk, "key:a:test", tt.l, tt.steps)
		})
	}
}

// TestMemoryRetryAfterSucceeds checks, from many random states, that waiting
// RetryAfter is enough and one nanosecond less is not.
func TestMemoryRetryAfterSucceeds(t *testing.T) {
	m, clk := newTestMemory(t, MemoryOptions{})
	rng := newRand(7)
	ctx := context.Background()
	for trial := range 300 {
		l := PerSecond(0.01+rng.Float64()*1000, 1+rng.IntN(10))
		key := fmt.Sprint("k", trial)
		var d Decision
		for d.Allowed || d.Limit.IsZero() { // drain the bucket
			d, _ = m.Allow(ctx, key, l)
		}
		clk.Advance(d.RetryAfter - 1)
		if d2, _ := m.Allow(ctx, key, l); d2.Allowed || d2.RetryAfter != 1 {
			t.Fatalf("%+v: 1ns before RetryAfter %v: %+v", l, d.RetryAfter, d2)
		}
		clk.Advance(1)
		if d2, _ := m.Allow(ctx, key, l); !d2.Allowed {
			t.Fatalf("%+v: refused after waiting RetryAfter %v: %+v", l, d.RetryAfter, d2)
		}
	}
}

func TestMemoryKeysIndependent(t *testing.T) {
	m, _ := newTestMemory(t, MemoryOptions{})
	l := PerSecond(1, 1)
	for _, k := range []string{"key:a:query", "key:b:query", "ip:10.0.0.1:query"} {
		if d, _ := m.Allow(context.Background(), k, l); !d.Allowed {
			t.Fatalf("first call on %q refused", k)
		}
		if d, _ := m.Allow(context.Background(), k, l); d.Allowed {
			t.Fatalf("second call on %q allowed", k)
		}
	}
}

func TestMemoryInvalidLimit(t *testing.T) {
	m, _ := newTestMemory(t, MemoryOptions{})
	d, err := m.Allow(context.Background(), "k", PerSecond(0, 1))
	if d.Allowed || smartmaint.ErrorCode(err) != smartmaint.EINVALID {
		t.Fatalf("Allow with zero rate = %+v, %v; want refused and EINVALID", d, err)
	}
	if m.Len() != 0 {
		t.Fatalf("Len = %d after an invalid limit, want 0", m.Len())
	}
}

// TestMemoryConcurrent: many goroutines on one key at one instant get exactly
// Burst tokens between them.
func TestMemoryConcurrent(t *testing.T) {
	const goroutines, calls, burst = 32, 200, 1000
	for _, shards := range []int{1, DefaultShards} {
		m, clk := newTestMemory(t, MemoryOptions{Shards: shards})
		l := PerSecond(1, burst)
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range calls {
					if d, _ := m.Allow(context.Background(), "key:hot:ingest", l); d.Allowed {
						allowed.Add(1)
					}
					// traffic on other keys in the same shards at the same time
					m.Allow(context.Background(), fmt.Sprint("key:", g, ":", i%7), l)
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != burst {
			t.Fatalf("shards=%d: %d of %d calls allowed at one instant, want exactly %d",
				shards, got, goroutines*calls, burst)
		}
		clk.Advance(time.Second)
		if d, _ := m.Allow(context.Background(), "key:hot:ingest", l); !d.Allowed || d.Remaining != 0 {
			t.Fatalf("one second later: %+v, want allowed with 0 remaining", d)
		}
	}
}

func TestMemorySweep(t *testing.T) {
	m, clk := newTestMemory(t, MemoryOptions{Shards: 4})
	ctx := context.Background()
	slow, fast := PerMinute(10), PerSecond(100, 10)
	for i := range 100 {
		m.Allow(ctx, fmt.Sprint("fast", i), fast) // full again after 10 ms
	}
	m.Allow(ctx, "slow", slow) // full again after 6 s
	if m.Len() != 101 {
		t.Fatalf("Len = %d, want 101", m.Len())
	}
	clk.Advance(10 * time.Millisecond)
	if n := m.sweep(); n != 100 || m.Len() != 1 {
		t.Fatalf("sweep removed %d, Len %d; want 100 and 1 (the slow bucket is not full yet)", n, m.Len())
	}
	clk.Advance(6*time.Second - 10*time.Millisecond - 1)
	if n := m.sweep(); n != 0 {
		t.Fatalf("sweep removed %d buckets 1ns before the slow one is full", n)
	}
	clk.Advance(1)
	if n := m.sweep(); n != 1 || m.Len() != 0 {
		t.Fatalf("sweep removed %d, Len %d; want 1 and 0", n, m.Len())
	}
}

// TestMemorySweepInvisible: sweeping never changes a decision.
func TestMemorySweepInvisible(t *testing.T) {
	swept, clk1 := newTestMemory(t, MemoryOptions{Shards: 2})
	kept, clk2 := newTestMemory(t, MemoryOptions{Shards: 2})
	rng := newRand(3)
	ctx := context.Background()
	l := PerSecond(5, 3)
	for i := range 5000 {
		d := time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
		clk1.Advance(d)
		clk2.Advance(d)
		key := fmt.Sprint("k", rng.IntN(5))
		a, _ := swept.Allow(ctx, key, l)
		b, _ := kept.Allow(ctx, key, l)
		if a != b {
			t.Fatalf("call %d: with sweeping %+v, without %+v", i, a, b)
		}
		swept.sweep()
	}
}

func TestMemoryMaxKeys(t *testing.T) {
	m, _ := newTestMemory(t, MemoryOptions{Shards: 4, MaxKeys: 40})
	l := PerMinute(1)
	for i := range 1000 {
		if d, _ := m.Allow(context.Background(), fmt.Sprint("ip:", i), l); !d.Allowed {
			t.Fatalf("new key %d refused", i)
		}
		if m.Len() > 40 {
			t.Fatalf("Len = %d after %d keys, want at most 40", m.Len(), i+1)
		}
	}
	if m.Len() != 40 {
		t.Fatalf("Len = %d, want 40", m.Len())
	}
}

func TestMemoryJanitor(t *testing.T) {
	clk := newFakeClock()
	m := NewMemory(MemoryOptions{Now: clk.Now, SweepInterval: time.Millisecond})
	defer m.Close()
	m.Allow(context.Background(), "k", PerSecond(1, 1))
	if m.Len() != 1 {
		t.Fatalf("Len = %d, want 1", m.Len())
	}
	clk.Advance(time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for m.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("janitor did not remove a full bucket within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if d, _ := m.Allow(context.Background(), "k", PerSecond(1, 1)); !d.Allowed {
		t.Fatal("Allow after Close refused a full bucket")
	}
}
