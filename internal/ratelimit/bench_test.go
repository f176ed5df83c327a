package ratelimit

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

// benchLimit never runs out within a benchmark, so every call takes the
// allowing path (which also writes the bucket).
var benchLimit = PerSecond(MaxRate, MaxBurst)

func BenchmarkMemoryAllow(b *testing.B) {
	ctx := context.Background()
	b.Run("uncontended", func(b *testing.B) {
		m := NewMemory(MemoryOptions{})
		defer m.Close()
		for b.Loop() {
			m.Allow(ctx, "key:ak_0123456789abcdef:ingest", benchLimit)
		}
	})
	b.Run("parallel-one-key", func(b *testing.B) {
		m := NewMemory(MemoryOptions{})
		defer m.Close()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Allow(ctx, "key:ak_0123456789abcdef:ingest", benchLimit)
			}
		})
	})
	b.Run("parallel-distinct-keys", func(b *testing.B) {
		m := NewMemory(MemoryOptions{})
		defer m.Close()
		var id atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			key := fmt.Sprintf("key:ak_%016d:ingest", id.Add(1))
			for pb.Next() {
				m.Allow(ctx, key, benchLimit)
			}
		})
	})
	b.Run("parallel-100k-keys", func(b *testing.B) {
		m := NewMemory(MemoryOptions{})
		defer m.Close()
		keys := make([]string, 100_000)
		for i := range keys {
			keys[i] = fmt.Sprintf("ip:10.%d.%d.%d:query", i>>16, (i>>8)&255, i&255)
		}
		var id atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(id.Add(7919))
			for pb.Next() {
				m.Allow(ctx, keys[i%len(keys)], benchLimit)
				i += 31
			}
		})
	})
}

// BenchmarkMemoryFootprint reports the heap held per bucket with one million
// buckets whose keys look like "key:<36-char id>:ingest".
func BenchmarkMemoryFootprint(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := NewMemory(MemoryOptions{SweepInterval: -1})
		for i := range n {
			m.Allow(context.Background(), fmt.Sprintf("key:%036d:ingest", i), PerSecond(1, 1))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/bucket")
		runtime.KeepAlive(m)
		m.Close()
	}
}

func BenchmarkCheckerCheck(b *testing.B) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	c := DefaultConfig()
	c[Ingest] = Policy{PerKey: benchLimit, PerIP: benchLimit}
	ch, err := NewChecker(m, c)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		ch.Check(ctx, Ingest, "ak_0123456789abcdef", "192.0.2.10")
	}
}

func BenchmarkRedisAllow(b *testing.B) {
	c := newTestRedisClient(b)
	r := NewRedis(c, testPrefix(b, c))
	ctx := context.Background()
	b.Run("ping-baseline", func(b *testing.B) { // the bare round trip, for comparison
		for b.Loop() {
			if err := c.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.Allow(ctx, "key:ak_0123456789abcdef:ingest", benchLimit); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel-one-key", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.Allow(ctx, "key:ak_0123456789abcdef:ingest", benchLimit); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
