package ratelimit

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"smartmaint"
)

// Checker applies a Config to requests through a Limiter.
type Checker struct {
	limiter Limiter
	config  Config
}

// NewChecker returns a Checker of config (which it copies) on limiter, or the
// error of config.Validate. The Checker does not own limiter.
func NewChecker(limiter Limiter, config Config) (*Checker, error) {
	if err := config.Validate(); err != nil {
		return nil, err
	}
	return &Checker{limiter: limiter, config: maps.Clone(config)}, nil
}

// KeyBucket returns the bucket key of a subject (an API key ID, a user ID, or
// for Auth the normalised account name) in a class: "key:<subject>:<class>".
func KeyBucket(subject string, class Class) string {
	return "key:" + subject + ":" + string(class)
}

// IPBucket returns the bucket key of a client address in a class:
// "ip:<addr>:<class>". IPv4 addresses (also in IPv6 form) are used whole;
// IPv6 addresses are cut to their /64 network, which one host can hold in
// its entirety. A string that is not an IP address is used as it is.
func IPBucket(ip string, class Class) string {
	if a, err := netip.ParseAddr(ip); err == nil {
		a = a.Unmap().WithZone("")
		if a.Is6() {
			ip = netip.PrefixFrom(a, 64).Masked().String()
		} else {
			ip = a.String()
		}
	}
	return "ip:" + ip + ":" + string(class)
}

// Check spends one token of each bucket of class that applies to a request:
// the subject's bucket (PerKey) when subject is not "", then the address's
// bucket (PerIP) when ip is not "". It returns the stricter of the two
// decisions (see Stricter). When the subject's bucket refuses, the address's
// bucket is not charged; when only the address's bucket refuses, the
// subject's token is spent. A Decision with a zero Limit means no bucket
// applied. Errors follow Limiter.Allow; an unknown class is refused with an
// EINVALID error.
func (c *Checker) Check(ctx context.Context, class Class, subject, ip string) (Decision, error) {
	p, ok := c.config[class]
	if !ok {
		return Decision{}, smartmaint.Errorf(smartmaint.EINVALID, "rate limits: unknown class %q", class)
	}
	d := Decision{Allowed: true}
	var errs []error
	if subject != "" && !p.PerKey.IsZero() {
		kd, err := c.limiter.Allow(ctx, KeyBucket(subject, class), p.PerKey)
		if err != nil {
			errs = append(errs, err)
		}
		if !kd.Allowed {
			return kd, errors.Join(errs...)
		}
		d = kd
	}
	if ip != "" && !p.PerIP.IsZero() {
		id, err := c.limiter.Allow(ctx, IPBucket(ip, class), p.PerIP)
		if err != nil {
			errs = append(errs, err)
		}
		d = Stricter(d, id)
	}
	return d, errors.Join(errs...)
}

// Stricter returns the decision a request must obey when two buckets
// decided: a refusal over an allowance, the longer RetryAfter of two
// refusals, the smaller Remaining of two allowances (a when equal). A
// decision with a zero Limit (no bucket) yields to the other.
func Stricter(a, b Decision) Decision {
	switch {
	case a.Limit.IsZero():
		return b
	case b.Limit.IsZero():
		return a
	case a.Allowed != b.Allowed:
		if !a.Allowed {
			return a
		}
		return b
	case !a.Allowed:
		if b.RetryAfter > a.RetryAfter {
			return b
		}
		return a
	case b.Remaining < a.Remaining:
		return b
	}
	return a
}

// SetHeaders sets the rate-limit response headers of d on h:
// X-RateLimit-Limit (the burst), X-RateLimit-Remaining, X-RateLimit-Reset
// (seconds until the bucket is full, rounded up) and, when refused,
// Retry-After (seconds until a token is available, rounded up, at least 1).
// It sets nothing for a decision with a zero Limit.
func SetHeaders(h http.Header, d Decision) {
	if d.Limit.IsZero() {
		return
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit.Burst))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(d.Remaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.Itoa(RetryAfterSeconds(d.ResetAfter)))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(RetryAfterSeconds(d.RetryAfter), 1)))
	}
}

// Err returns the ERATELIMITED error for a refused decision, whose message
// (safe for clients) states the limit and the wait; nil when allowed.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return smartmaint.Errorf(smartmaint.ERATELIMITED, "Rate limit exceeded: %s. Retry after %d s.",
		d.Limit.describe(), max(RetryAfterSeconds(d.RetryAfter), 1))
}

// describe returns l for people: "10 per minute", "200 per second, burst 400".
func (l Limit) describe() string {
	if l.IsZero() {
		return "no limit"
	}
	s := l.String()
	rate, burst, hasBurst := strings.Cut(s, ":")
	n, unit, _ := strings.Cut(rate, "/")
	s = n + " per " + map[string]string{"s": "second", "m": "minute", "h": "hour", "d": "day"}[unit]
	if hasBurst {
		s += ", burst " + burst
	}
	return s
}
