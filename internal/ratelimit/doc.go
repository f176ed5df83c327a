// Package ratelimit decides whether a request may proceed, by token buckets
// kept per key (an API key, a user, an account or a client IP) and per route
// class (ingest, query, ml, auth, admin and the original's drift check).
//
// # Semantics
//
// A Limit is a bucket that holds at most Burst tokens and gains Rate tokens
// per second. A new or long-idle bucket is full. Each allowed request takes
// one token; a request that finds less than one token is refused and takes
// nothing. Both implementations compute this with the generic cell rate
// algorithm (GCRA), which is the same decision rule stored as a single number
// per key, the theoretical arrival time TAT:
//
//	T      = 1/Rate, rounded to the nearest microsecond (the refill interval)
//	tat    = max(TAT, now)
//	allow  ⇔ now ≥ tat + T − Burst·T
//	TAT'   = tat + T            (only when allowed)
//
// Read as a bucket: the bucket holds (now − (TAT − Burst·T)) / T tokens,
// capped at Burst. A refused Decision carries RetryAfter = tat + T − Burst·T
// − now, the exact time until one token is available: a client that waits
// RetryAfter (or longer) is allowed, provided no one else took the token
// meanwhile. An allowed Decision carries Remaining, the whole tokens left
// after this request. ResetAfter is the time until the bucket is full again.
//
// Example: PerMinute(10) is Burst 10, T = 6 s. Ten calls at the same instant
// are allowed, the eleventh is refused with RetryAfter 6 s, and a call 6 s
// later is allowed again, as are one more every 6 s after that.
//
// # Implementations
//
// Memory keeps buckets in sharded maps inside the process; it is the default
// and enforces limits per server process. Redis keeps them in Redis, decided
// by one atomic Lua script on Redis's own clock, so every replica that shares
// the Redis shares the limits. See their documentation for memory bounds and
// for what happens when Redis cannot be reached.
//
// # Route classes
//
// Config maps each route Class to a Policy (a limit per key and a limit per
// client IP) with DefaultConfig as a starting point and ParseConfig for
// operator overrides; Checker applies a Config to one request. SetHeaders
// writes the X-RateLimit-* and Retry-After headers of a Decision and
// Decision.Err gives the ERATELIMITED error for the 429 body.
//
// The original rate-limited one route, POST /api/v1/ml/check_drift, at
// "10/minute" with slowapi's fixed window. CheckDrift keeps that limit as a
// bucket of 10 refilled at one token per 6 s: the same 10 per minute
// sustained, and at most 20 in any 60 seconds, which is also the worst case
// of a fixed window across its boundary, but without the window's reset
// cliff.
package ratelimit
