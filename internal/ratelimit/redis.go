package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix is the key prefix NewRedis uses when given "".
const DefaultRedisPrefix = "smartmaint:ratelimit:"

// DefaultRedisBackoff is how long Redis.Allow stops contacting Redis after a
// failure.
const DefaultRedisBackoff = time.Second

// ErrUnavailable is in the chain of every error Redis.Allow returns when it
// could not reach Redis and decided without it.
var ErrUnavailable = errors.New("ratelimit: redis unavailable")

// gcraScript is the GCRA of package doc in Lua, run atomically by Redis.
// KEYS[1] holds the bucket's theoretical arrival time in microseconds of
// Redis's clock (TIME); ARGV[1] is the refill interval in microseconds and
// ARGV[2] the burst. It returns {allowed, remaining, retry_us, reset_us}.
// The key expires when the bucket is full again, which is when it stops
// mattering. Microsecond timestamps (~1.8e15) and MaxFill keep every value
// below 2^53, where Lua's numbers are exact. replicate_commands makes Redis
// versions before 5 replicate the SET rather than the script (TIME is not
// deterministic); later versions always do.
const gcraScript = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local nxt = tat + interval
local allow_at = nxt - burst * interval
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000))
return {1, math.floor((now - allow_at) / interval), 0, nxt - now}
`

var gcraRedis = redis.NewScript(gcraScript)

// Redis is a Limiter whose buckets live in Redis, so that every server
// process using the same Redis and prefix enforces one limit. Each decision
// is one EVALSHA of a Lua script (EVAL when Redis answers NOSCRIPT, which
// also reloads it) that reads Redis's own clock, so replicas with skewed
// clocks agree. Keys are prefix+key and expire when their bucket is full.
//
// When Redis cannot be reached, Allow fails open: it lets the request
// through (or asks Fallback, when set) and returns the error, wrapping
// ErrUnavailable, for the caller to log and count. After a failure it stops
// contacting Redis for Backoff, so a dead Redis costs each request nothing
// instead of a dial timeout; the first call after Backoff tries again.
//
// Redis does not own the client: Close leaves it open. Give the client short
// timeouts (e.g. DialTimeout and ReadTimeout of 100–250 ms) and few retries,
// since the client's own retries run before Allow sees the failure.
type Redis struct {
	// Fallback, when set, decides while Redis is unreachable (a Memory
	// limiter enforces per-process limits during the outage). When nil the
	// request is allowed.
	Fallback Limiter
	// Backoff is how long to stop contacting Redis after a failure;
	// DefaultRedisBackoff from NewRedis; 0 retries on every call.
	Backoff time.Duration

	client redis.Scripter
	prefix string
	now    func() time.Time
	outage atomic.Pointer[outage]
}

// outage records the last failure and until when Redis is not contacted.
type outage struct {
	until time.Time
	err   error
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a limiter on client (a *redis.Client, or any
// redis.Scripter: a ring or a cluster client works too, as each decision
// touches one key). Keys are prefixed with prefix, DefaultRedisPrefix when "".
// Set Fallback and Backoff before the first Allow.
func NewRedis(client redis.Scripter, prefix string) *Redis {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &Redis{Backoff: DefaultRedisBackoff, client: client, prefix: prefix, now: time.Now}
}

// Allow spends one token of the bucket prefix+key under l. See the type's
// documentation for what happens when Redis is unreachable.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	if err := l.Validate(); err != nil {
		return invalidLimit(l, err)
	}
	if o := r.outage.Load(); o != nil && r.now().Before(o.until) {
		return r.failOpen(ctx, key, l, fmt.Errorf("%w (not retried before %s): %w",
			ErrUnavailable, o.until.Format(time.RFC3339Nano), o.err))
	}
	res, err := gcraRedis.Run(ctx, r.client, []string{r.prefix + key},
		int64(l.Interval()/time.Microsecond), l.Burst).Int64Slice()
	if err == nil && len(res) != 4 {
		err = fmt.Errorf("script returned %d values, want 4", len(res))
	}
	if err != nil {
		if ctx.Err() == nil && r.Backoff > 0 {
			r.outage.Store(&outage{until: r.now().Add(r.Backoff), err: err})
		}
		return r.failOpen(ctx, key, l, fmt.Errorf("%w: %w", ErrUnavailable, err))
	}
	if r.outage.Load() != nil {
		r.outage.Store(nil)
	}
	return Decision{
		Allowed:    res[0] == 1,
		Remaining:  int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Microsecond,
		ResetAfter: time.Duration(res[3]) * time.Microsecond,
		Limit:      l,
	}, nil
}

// failOpen decides without Redis: by Fallback when set, else allowed with a
// nominal Remaining of Burst−1 (the real count is unknown).
func (r *Redis) failOpen(ctx context.Context, key string, l Limit, err error) (Decision, error) {
	if r.Fallback != nil {
		d, ferr := r.Fallback.Allow(ctx, key, l)
		if ferr != nil {
			err = errors.Join(err, ferr)
		}
		return d, err
	}
	return Decision{Allowed: true, Remaining: l.Burst - 1, Limit: l}, err
}

// Close releases nothing: the client and Fallback belong to the caller.
func (r *Redis) Close() error { return nil }
