package auth

import "time"

// LockoutPolicy slows down password guessing on one account. The first
// FreeAttempts consecutive failures cost nothing; each failure after them
// locks the account for a delay that starts at BaseDelay and doubles with
// every further failure, up to MaxDelay. A success resets the count.
//
// With the defaults (5, 1 s, 1 h) the 6th failure locks for 1 s, the 10th
// for 16 s, the 17th for 34 min and every one from the 18th for 1 h, so a
// guesser gets about 40 tries in the first day and 24 a day after that.
// The price is that anyone who knows an email address can keep its owner
// out for up to MaxDelay at a time; the audit log records every lock.
type LockoutPolicy struct {
	FreeAttempts int
	BaseDelay    time.Duration
	MaxDelay     time.Duration
}

// DefaultLockoutPolicy returns the policy described on LockoutPolicy.
func DefaultLockoutPolicy() LockoutPolicy {
	return LockoutPolicy{FreeAttempts: 5, BaseDelay: time.Second, MaxDelay: time.Hour}
}

// Delay returns how long the account is locked after its failures-th
// consecutive failure: 0 up to FreeAttempts, then BaseDelay × 2^(failures −
// FreeAttempts − 1), capped at MaxDelay.
func (p LockoutPolicy) Delay(failures int) time.Duration {
	n := failures - p.FreeAttempts
	if n <= 0 || p.BaseDelay <= 0 {
		return 0
	}
	d := p.BaseDelay
	for i := 1; i < n; i++ {
		if p.MaxDelay > 0 && d >= p.MaxDelay {
			break
		}
		if d > time.Duration(1<<62)/2 { // doubling would overflow
			break
		}
		d *= 2
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d
}

// LockedUntil returns when an account that has just failed for the
// failures-th time at now unlocks, or nil when it is not locked.
func (p LockoutPolicy) LockedUntil(now time.Time, failures int) *time.Time {
	d := p.Delay(failures)
	if d <= 0 {
		return nil
	}
	t := now.Add(d)
	return &t
}
