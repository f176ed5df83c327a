package auth

import (
	"errors"
	"fmt"
	"time"

	"smartmaint"
)

// errInvalidCredentials is the one answer to a wrong email or a wrong
// password: it never says which.
func errInvalidCredentials() error {
	return smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Invalid email or password.")
}

// errSessionInvalid answers a session token that is malformed, unknown,
// revoked or expired.
func errSessionInvalid() error {
	return smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Your session has ended. Sign in again.")
}

// errKeyInvalid answers an API key that is unknown, revoked or expired.
func errKeyInvalid() error {
	return smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Invalid API key.")
}

// LockedError refuses a sign-in because of too many failed attempts. It
// wraps an ERATELIMITED *smartmaint.Error (so smartmaint.ErrorCode and
// ErrorMessage see it); the HTTP layer answers 429 with a Retry-After header
// of RetryAfterSeconds.
type LockedError struct {
	Until time.Time     // when sign-in is allowed again
	Wait  time.Duration // Until minus the time of the refusal
	err   *smartmaint.Error
}

// newLockedError returns the refusal of a sign-in attempted at now.
func newLockedError(until, now time.Time) *LockedError {
	e := &LockedError{Until: until, Wait: until.Sub(now)}
	e.err = smartmaint.Errorf(smartmaint.ERATELIMITED,
		"Too many failed sign-in attempts. Try again in %s.", humanSeconds(e.RetryAfterSeconds()))
	return e
}

// Error implements error.
func (e *LockedError) Error() string { return e.err.Error() }

// Unwrap returns the ERATELIMITED domain error.
func (e *LockedError) Unwrap() error { return e.err }

// RetryAfterSeconds returns the wait in whole seconds, rounded up, at least 1.
func (e *LockedError) RetryAfterSeconds() int {
	s := int((e.Wait + time.Second - 1) / time.Second)
	return max(s, 1)
}

// RetryAfter returns the Retry-After seconds of a *LockedError in err's chain.
func RetryAfter(err error) (seconds int, ok bool) {
	var l *LockedError
	if errors.As(err, &l) {
		return l.RetryAfterSeconds(), true
	}
	return 0, false
}

// humanSeconds writes a wait for people: "1 second", "45 seconds",
// "3 minutes", "1 hour".
func humanSeconds(s int) string {
	switch {
	case s == 1:
		return "1 second"
	case s < 120:
		return fmt.Sprintf("%d seconds", s)
	case s < 7200:
		return fmt.Sprintf("%d minutes", (s+59)/60)
	}
	return fmt.Sprintf("%d hours", (s+3599)/3600)
}
