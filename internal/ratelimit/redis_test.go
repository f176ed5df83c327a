package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// newTestRedisClient connects to SMARTMAINT_TEST_REDIS (a redis:// URL) or
// skips the test.
func newTestRedisClient(tb testing.TB) *redis.Client {
	tb.Helper()
	url := os.Getenv("SMARTMAINT_TEST_REDIS")
	if url == "" {
		tb.Skip("SMARTMAINT_TEST_REDIS not set (e.g. redis://127.0.0.1:6379/0)")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("SMARTMAINT_TEST_REDIS: %v", err)
	}
	c := redis.NewClient(opt)
	tb.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("redis %s: %v", url, err)
	}
	return c
}

// testPrefix returns a key prefix unique to this test run and deletes every
// key under it when the test ends.
func testPrefix(tb testing.TB, c *redis.Client) string {
	tb.Helper()
	prefix := fmt.Sprintf("smartmaint-test:ratelimit:%d:", newRand(uint64(time.Now().UnixNano())).Uint64())
	tb.Cleanup(func() {
		ctx := context.Background()
		keys, err := c.Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = c.Del(ctx, keys...).Err()
		}
		if err != nil {
			tb.Errorf("deleting test keys %s*: %v", prefix, err)
		}
	})
	return prefix
}

func mustAllow(tb testing.TB, lim Limiter, key string, l Limit) Decision {
	tb.Helper()
	d, err := lim.Allow(context.Background(), key, l)
	if err != nil {
		tb.Fatalf("Allow(%q): %v", key, err)
	}
	return d
}

func TestRedisBucket(t *testing.T) {
	c := newTestRedisClient(t)
	prefix := testPrefix(t, c)
	r := NewRedis(c, prefix)
	l := PerMinute(10)
	start := time.Now()
	for i := range 10 {
		d := mustAllow(t, r, "key:a:ml:check_drift", l)
		if !d.Allowed || d.Remaining != 9-i || d.RetryAfter != 0 || d.Limit != l {
			t.Fatalf("call %d: %+v, want allowed with %d remaining", i+1, d, 9-i)
		}
	}
	d := mustAllow(t, r, "key:a:ml:check_drift", l)
	elapsed := time.Since(start)
	if d.Allowed || d.Remaining != 0 || d.RetryAfter > 6*time.Second || d.RetryAfter < 6*time.Second-elapsed {
		t.Fatalf("11th call after %v: %+v, want refused with RetryAfter in [6s-%v, 6s]", elapsed, d, elapsed)
	}
	if d.ResetAfter > time.Minute || d.ResetAfter < time.Minute-elapsed {
		t.Fatalf("ResetAfter %v, want about 1 minute", d.ResetAfter)
	}

	// The key holds an integer count of microseconds and expires when full.
	key := prefix + "key:a:ml:check_drift"
	val, err := c.Get(context.Background(), key).Result()
	if err != nil || !regexp.MustCompile(`^[0-9]{16,}$`).MatchString(val) {
		t.Fatalf("stored TAT %q (%v), want an integer of microseconds", val, err)
	}
	ttl, err := c.PTTL(context.Background(), key).Result()
	if err != nil || ttl > time.Minute || ttl < time.Minute-elapsed-time.Second {
		t.Fatalf("PTTL %v (%v), want about 1 minute", ttl, err)
	}

	// Other keys are independent.
	if d := mustAllow(t, r, "ip:10.0.0.1:ml:check_drift", l); !d.Allowed || d.Remaining != 9 {
		t.Fatalf("another key: %+v", d)
	}
}

// TestRedisRetryAfter: a client that waits RetryAfter is allowed.
func TestRedisRetryAfter(t *testing.T) {
	c := newTestRedisClient(t)
	r := NewRedis(c, testPrefix(t, c))
	l := PerSecond(20, 2)
	for range 3 {
		mustAllow(t, r, "k", l)
		mustAllow(t, r, "k", l)
		d := mustAllow(t, r, "k", l)
		if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > l.Interval() {
			t.Fatalf("third call: %+v, want refused with 0 < RetryAfter ≤ %v", d, l.Interval())
		}
		time.Sleep(d.RetryAfter) // the behaviour under test: waiting RetryAfter is enough
		if d := mustAllow(t, r, "k", l); !d.Allowed {
			t.Fatalf("refused after waiting RetryAfter: %+v", d)
		}
		time.Sleep(2 * l.Interval()) // let the bucket fill for the next round
	}
}

// TestRedisSharedLimit is two server processes, each with its own client and
// limiter, sharing one bucket: together they get Burst, not twice Burst.
func TestRedisSharedLimit(t *testing.T) {
	c1 := newTestRedisClient(t)
	c2 := newTestRedisClient(t)
	prefix := testPrefix(t, c1)
	r1, r2 := NewRedis(c1, prefix), NewRedis(c2, prefix)
	l := PerSecond(1.0/60, 20) // refill of one token a minute: none during the test

	t.Run("alternating", func(t *testing.T) {
		var got [2]int
		for i := range 60 {
			lim := []*Redis{r1, r2}[i%2]
			if mustAllow(t, lim, "key:shared:query", l).Allowed {
				got[i%2]++
			}
		}
		if got[0]+got[1] != 20 || got[0] != 10 || got[1] != 10 {
			t.Fatalf("allowed %d + %d, want 10 + 10 (Burst 20 shared)", got[0], got[1])
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for g := range 8 {
			lim := []*Redis{r1, r2}[g%2]
			wg.Go(func() {
				for range 25 {
					if d, err := lim.Allow(context.Background(), "key:shared:ingest", l); err != nil {
						t.Error(err)
					} else if d.Allowed {
						allowed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 20 {
			t.Fatalf("%d of 200 concurrent calls allowed, want exactly 20", allowed.Load())
		}
	})
}

func TestRedisNoScript(t *testing.T) {
	c := newTestRedisClient(t)
	r := NewRedis(c, testPrefix(t, c))
	l := PerMinute(5)
	ctx := context.Background()
	mustAllow(t, r, "k", l)
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.ScriptExists(ctx, gcraRedis.Hash()).Result(); len(ok) != 1 || ok[0] {
		t.Fatalf("script still cached after SCRIPT FLUSH: %v", ok)
	}
	if d := mustAllow(t, r, "k", l); !d.Allowed || d.Remaining != 3 {
		t.Fatalf("after SCRIPT FLUSH: %+v, want allowed with 3 remaining", d)
	}
	if ok, _ := c.ScriptExists(ctx, gcraRedis.Hash()).Result(); len(ok) != 1 || !ok[0] {
		t.Fatalf("script not cached again after the EVAL fallback: %v", ok)
	}
}

func TestRedisInvalidLimitSkipsRedis(t *testing.T) {
	r := NewRedis(redis.NewClient(&redis.Options{Addr: closedPort(t)}), "p:")
	d, err := r.Allow(context.Background(), "k", Limit{})
	if d.Allowed || err == nil || errors.Is(err, ErrUnavailable) {
		t.Fatalf("invalid limit: %+v, %v; want refused with a validation error", d, err)
	}
}

// closedPort returns a local address nothing listens on.
func closedPort(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRedisFailOpen runs without a Redis: the address refuses connections.
func TestRedisFailOpen(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: closedPort(t), MaxRetries: -1, DialTimeout: time.Second,
		DialerRetries: 1})
	t.Cleanup(func() { c.Close() })
	clk := newFakeClock()
	l := PerSecond(1, 1)
	ctx := context.Background()

	t.Run("allow and report", func(t *testing.T) {
		r := NewRedis(c, "p:")
		r.now = clk.Now
		for i := range 3 {
			d, err := r.Allow(ctx, "k", l)
			if !d.Allowed || d.Limit != l || !errors.Is(err, ErrUnavailable) {
				t.Fatalf("call %d: %+v, %v; want allowed with ErrUnavailable", i, d, err)
			}
			// The first call tried Redis; the next ones, within Backoff, do not.
			if skipped := strings.Contains(err.Error(), "not retried"); skipped != (i > 0) {
				t.Fatalf("call %d: error %q", i, err)
			}
		}
		clk.Advance(r.Backoff)
		if _, err := r.Allow(ctx, "k", l); err == nil || strings.Contains(err.Error(), "not retried") {
			t.Fatalf("after Backoff: %v, want a new attempt that fails", err)
		}
	})
	t.Run("fallback", func(t *testing.T) {
		r := NewRedis(c, "p:")
		r.now = clk.Now
		r.Fallback = NewMemory(MemoryOptions{Now: clk.Now, SweepInterval: -1})
		defer r.Fallback.Close()
		d1, err1 := r.Allow(ctx, "k", l)
		d2, err2 := r.Allow(ctx, "k", l)
		if !d1.Allowed || d2.Allowed || d2.RetryAfter != time.Second ||
			!errors.Is(err1, ErrUnavailable) || !errors.Is(err2, ErrUnavailable) {
			t.Fatalf("with a Memory fallback: %+v %v, %+v %v; want allowed then refused", d1, err1, d2, err2)
		}
	})
	t.Run("caller cancelled", func(t *testing.T) {
		r := NewRedis(c, "p:")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := r.Allow(cctx, "k", l); err == nil {
			t.Fatal("no error with a cancelled context")
		}
		if r.outage.Load() != nil {
			t.Fatal("a cancelled request marked Redis as down")
		}
	})
}

// TestRedisSharedLimitProcesses runs two processes (this test binary again,
// as TestRedisHelperProcess) that spend one bucket at the same time: between
// them they get Burst.
func TestRedisSharedLimitProcesses(t *testing.T) {
	c := newTestRedisClient(t)
	prefix := testPrefix(t, c)
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRedisHelperProcess$")
			cmd.Env = append(os.Environ(), "SMARTMAINT_RATELIMIT_HELPER_PREFIX="+prefix)
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("helper process %d: %v", i, err)
				return
			}
			m := regexp.MustCompile(`allowed=([0-9]+)`).FindSubmatch(out)
			if m == nil {
				t.Errorf("helper process %d printed %q", i, out)
				return
			}
			counts[i], _ = strconv.Atoi(string(m[1]))
		})
	}
	wg.Wait()
	t.Logf("process 1 allowed %d, process 2 allowed %d", counts[0], counts[1])
	if counts[0]+counts[1] != 20 {
		t.Fatalf("processes allowed %d + %d calls, want 20 in total (Burst 20 shared)", counts[0], counts[1])
	}
}

// TestRedisHelperProcess is one server process of
// TestRedisSharedLimitProcesses; it does nothing when run directly.
func TestRedisHelperProcess(t *testing.T) {
	prefix := os.Getenv("SMARTMAINT_RATELIMIT_HELPER_PREFIX")
	if prefix == "" {
		t.Skip("helper process for TestRedisSharedLimitProcesses")
	}
	c := newTestRedisClient(t)
	r := NewRedis(c, prefix)
	allowed := 0
	for range 40 {
		if mustAllow(t, r, "key:shared:ingest", PerSecond(1.0/60, 20)).Allowed {
			allowed++
		}
	}
	fmt.Printf("allowed=%d\n", allowed)
}
