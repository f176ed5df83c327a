package ratelimit

import (
	"context"
	"math"
	"time"

	"smartmaint"
)

// Bounds on a Limit. MaxRate keeps the refill interval at one microsecond or
// more (the resolution of Redis's clock); MaxFill keeps the time to refill an
// empty bucket small enough that the Redis script's arithmetic on microsecond
// timestamps stays exact in Lua's float64 numbers.
const (
	MaxRate  = 1e6                  // tokens per second
	MaxBurst = 1 << 30              // tokens
	MaxFill  = 366 * 24 * time.Hour // Burst/Rate
)

// Limit is a token bucket: it holds at most Burst tokens and gains Rate tokens
// per second. The zero Limit means "no limit" where a Policy allows it.
type Limit struct {
	Rate  float64 // tokens per second
	Burst int     // bucket size: requests allowed at once after a pause
}

// PerMinute returns a limit of n requests per minute with a burst of n: n
// requests at once, then one more every 60/n seconds.
func PerMinute(n int) Limit {
	return Limit{Rate: float64(n) / 60, Burst: n}
}

// PerSecond returns a limit of n requests per second with the given burst.
func PerSecond(n float64, burst int) Limit {
	return Limit{Rate: n, Burst: burst}
}

// IsZero reports whether l is the zero Limit, which stands for "no limit".
func (l Limit) IsZero() bool { return l == Limit{} }

// Validate returns an EINVALID error naming the first value of l that is out
// of range.
func (l Limit) Validate() error {
	switch {
	case math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Rate <= 0:
		return smartmaint.FieldErrorf("rate", "must be a positive number of tokens per second, got %v", l.Rate)
	case l.Rate > MaxRate:
		return smartmaint.FieldErrorf("rate", "must be at most %v per second, got %v", float64(MaxRate), l.Rate)
	case l.Burst < 1 || l.Burst > MaxBurst:
		return smartmaint.FieldErrorf("burst", "must be between 1 and %d, got %d", MaxBurst, l.Burst)
	case float64(l.Burst)/l.Rate > MaxFill.Seconds():
		return smartmaint.FieldErrorf("burst", "burst/rate must be at most %v, got %.0fs", MaxFill, float64(l.Burst)/l.Rate)
	}
	return nil
}

// Interval returns the refill interval T: 1/Rate rounded to the nearest
// microsecond, never less than one microsecond. Both implementations refill
// one token every Interval.
func (l Limit) Interval() time.Duration {
	us := math.Round(1e6 / l.Rate)
	return time.Duration(max(us, 1)) * time.Microsecond
}

// Decision is the outcome of one Allow call.
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Remaining is the number of whole tokens left after this request
	// (0 when refused).
	Remaining int
	// RetryAfter is, when refused, the time until one token is available;
	// 0 when allowed.
	RetryAfter time.Duration
	// ResetAfter is the time until the bucket is full again.
	ResetAfter time.Duration
	// Limit is the limit the decision was taken under.
	Limit Limit
}

// Limiter takes rate-limit decisions. Allow spends one token of the bucket
// named key under limit l. A key should always be used with the same Limit.
//
// Allow always returns a Decision the caller must obey. A non-nil error is
// for logging and counting: with Allowed true it means the limiter could not
// decide and let the request through (Redis unreachable); with Allowed false
// it means the limit is invalid (a configuration defect).
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
	Close() error
}

// invalidLimit is the decision and error for a limit that fails Validate.
func invalidLimit(l Limit, err error) (Decision, error) {
	return Decision{Limit: l}, smartmaint.Errorf(smartmaint.EINVALID, "rate limit: %s", smartmaint.ErrorMessage(err))
}

// gcra applies one request at time now to a bucket whose theoretical arrival
// time is tat, with refill interval t and burst b, all times in one unit. It
// returns the new tat (unchanged when refused), whether the request is
// allowed, the whole tokens remaining, the wait until one token is available
// (0 when allowed) and the wait until the bucket is full.
func gcra(tat, now, t, b int64) (newTAT int64, allowed bool, remaining, retry, reset int64) {
	tat = max(tat, now)
	next := tat + t
	allowAt := next - b*t
	if now < allowAt {
		return tat, false, 0, allowAt - now, tat - now
	}
	return next, true, (now - allowAt) / t, 0, next - now
}

// RetryAfterSeconds returns d in whole seconds rounded up, for the
// Retry-After header: 0 for d ≤ 0, otherwise at least 1.
func RetryAfterSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
