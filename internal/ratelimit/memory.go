package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Memory defaults.
const (
	DefaultShards        = 64
	DefaultMaxKeys       = 1 << 18 // about 27 MB at the measured 104 B per bucket (docs/bench/ratelimit.md)
	DefaultSweepInterval = time.Minute
)

// MemoryOptions configures NewMemory. The zero value gives the defaults.
type MemoryOptions struct {
	// Now returns the current time; time.Now when nil. Only differences
	// between its values matter, so a fake clock may start anywhere.
	Now func() time.Time
	// Shards is the number of independently locked maps, rounded up to a
	// power of two; DefaultShards when 0.
	Shards int
	// MaxKeys bounds the number of buckets held; DefaultMaxKeys when 0. When
	// a shard is full, a new key evicts an arbitrary bucket of that shard,
	// which forgets that bucket's debt (it starts full again).
	MaxKeys int
	// SweepInterval is how often the janitor removes full buckets;
	// DefaultSweepInterval when 0; negative disables the janitor.
	SweepInterval time.Duration
}

// Memory is a Limiter that keeps its buckets in the process. It is safe for
// concurrent use. Each bucket is one int64 (its theoretical arrival time) in
// one of several mutex-protected maps chosen by a hash of the key.
//
// A bucket whose theoretical arrival time has passed is full, exactly as if
// it did not exist, so the janitor deletes it without changing any decision.
// Memory therefore holds only the buckets used within their last Burst/Rate,
// and never more than MaxKeys.
type Memory struct {
	elapsed  func() int64 // ns since the limiter was made
	seed     maphash.Seed
	shards   []memShard
	mask     uint64
	shardCap int

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type memShard struct {
	mu sync.Mutex
	m  map[string]int64 // key → theoretical arrival time, ns since epoch
	_  [48]byte         // pad to 64 bytes: one shard per cache line
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns a Memory limiter and starts its janitor goroutine, which
// Close stops.
func NewMemory(opt MemoryOptions) *Memory {
	n := 1
	for n < max(opt.Shards, 1) {
		n <<= 1
	}
	if opt.Shards == 0 {
		n = DefaultShards
	}
	if opt.MaxKeys <= 0 {
		opt.MaxKeys = DefaultMaxKeys
	}
	m := &Memory{
		elapsed:  elapsedFunc(opt.Now),
		seed:     maphash.MakeSeed(),
		shards:   make([]memShard, n),
		mask:     uint64(n - 1),
		shardCap: max(opt.MaxKeys/n, 1),
	}
	for i := range m.shards {
		m.shards[i].m = make(map[string]int64)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	if opt.SweepInterval == 0 {
		opt.SweepInterval = DefaultSweepInterval
	}
	if opt.SweepInterval > 0 {
		m.wg.Add(1)
		go m.janitor(ctx, opt.SweepInterval)
	}
	return m
}

// elapsedFunc returns a function giving the nanoseconds since now, on the
// monotonic clock (one clock read per call) when now is nil.
func elapsedFunc(now func() time.Time) func() int64 {
	if now == nil {
		epoch := time.Now()
		return func() int64 { return int64(time.Since(epoch)) }
	}
	epoch := now()
	return func() int64 { return int64(now().Sub(epoch)) }
}

// Allow spends one token of the bucket key under l. It never blocks on I/O
// and ignores ctx.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (Decision, error) {
	if err := l.Validate(); err != nil {
		return invalidLimit(l, err)
	}
	t := int64(l.Interval())
	s := &m.shards[maphash.String(m.seed, key)&m.mask]
	now := m.elapsed()
	s.mu.Lock()
	tat, ok := s.m[key]
	newTAT, allowed, remaining, retry, reset := gcra(tat, now, t, int64(l.Burst))
	if allowed {
		if !ok && len(s.m) >= m.shardCap {
			s.evictOne(now)
		}
		s.m[key] = newTAT
	}
	s.mu.Unlock()
	return Decision{
		Allowed:    allowed,
		Remaining:  int(remaining),
		RetryAfter: time.Duration(retry),
		ResetAfter: time.Duration(reset),
		Limit:      l,
	}, nil
}

// evictOne removes one bucket from a full shard, a full bucket if the first
// few it looks at include one. The caller holds s.mu.
func (s *memShard) evictOne(now int64) {
	const look = 8
	var victim string
	i := 0
	for k, tat := range s.m {
		if tat <= now {
			victim = k
			break
		}
		if i == 0 {
			victim = k
		}
		if i++; i == look {
			break
		}
	}
	delete(s.m, victim)
}

// Len returns the number of buckets held.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// sweep deletes every full bucket and returns how many it deleted.
func (m *Memory) sweep() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		now := m.elapsed()
		s.mu.Lock()
		for k, tat := range s.m {
			if tat <= now {
				delete(s.m, k)
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}

func (m *Memory) janitor(ctx context.Context, every time.Duration) {
	defer m.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.sweep()
		}
	}
}

// Close stops the janitor and waits for it. It is idempotent. Allow keeps
// working after Close; only the periodic sweep stops.
func (m *Memory) Close() error {
	m.closeOnce.Do(func() {
		m.cancel()
		m.wg.Wait()
	})
	return nil
}
