package auth

import (
	"context"
	"sync"
	"time"
)

// maxGhosts bounds the unknown emails whose failed sign-ins are remembered.
const maxGhosts = 10000

// attempts is the Authenticator's in-process sign-in state. Its zero value is
// ready to use.
//
// It serialises the sign-in attempts on one email address, so that a burst of
// parallel guesses cannot all read the same failure count before any of them
// records its failure (the store sets the count rather than incrementing it).
// Across several server processes the residual race is bounded by their
// number.
//
// It also counts failures on emails that have no account ("ghosts"), so that
// an unknown email locks exactly like a known one and the lock message does
// not tell who has an account. That state lives in this process only: a
// restart forgets it, and it is evicted oldest first beyond maxGhosts.
type attempts struct {
	mu     sync.Mutex
	held   map[string]*keyLock
	ghosts map[string]*ghost
}

// keyLock is a mutex for one email that a waiter can give up on.
type keyLock struct {
	ch   chan struct{} // holds one value while locked
	refs int           // holders and waiters
}

// ghost is the failure record of an email without an account.
type ghost struct {
	failures    int
	lockedUntil time.Time
	last        time.Time
}

// lock waits until no other attempt on key runs, or ctx ends; the returned
// function releases it.
func (a *attempts) lock(ctx context.Context, key string) (unlock func(), err error) {
	a.mu.Lock()
	if a.held == nil {
		a.held = map[string]*keyLock{}
	}
	l := a.held[key]
	if l == nil {
		l = &keyLock{ch: make(chan struct{}, 1)}
		a.held[key] = l
	}
	l.refs++
	a.mu.Unlock()

	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; a.release(key, l) }, nil
	case <-ctx.Done():
		a.release(key, l)
		return nil, ctx.Err()
	}
}

// release drops one reference to key's lock and forgets it when unused.
func (a *attempts) release(key string, l *keyLock) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l.refs--; l.refs == 0 {
		delete(a.held, key)
	}
}

// ghost returns the failure record of an unknown email (zero when none).
func (a *attempts) ghost(email string) ghost {
	a.mu.Lock()
	defer a.mu.Unlock()
	if g := a.ghosts[email]; g != nil {
		return *g
	}
	return ghost{}
}

// setGhost stores the failure record of an unknown email, evicting the
// least recently failed one when full.
func (a *attempts) setGhost(email string, g ghost) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ghosts == nil {
		a.ghosts = map[string]*ghost{}
	}
	if _, ok := a.ghosts[email]; !ok && len(a.ghosts) >= maxGhosts {
		oldest := ""
		for k, v := range a.ghosts {
			if oldest == "" || v.last.Before(a.ghosts[oldest].last) {
				oldest = k
			}
		}
		delete(a.ghosts, oldest)
	}
	a.ghosts[email] = &g
}
