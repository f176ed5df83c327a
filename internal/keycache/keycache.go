// Package keycache keeps recently verified API keys in memory, so that a
// client sending thousands of requests a second does not cost a store lookup
// for each of them.
//
// Revocation stays immediate where it matters: a key revoked through the
// store this process uses (the API, or the admin commands run in-process) is
// dropped from the cache before the revocation returns, so the very next
// request is refused. A revocation written by another process — a second
// replica on the same PostgreSQL database, or `smartmaint admin revoke-key`
// run against a live SQLite file — is seen once the cached entry is older
// than the TTL, or as soon as Invalidate is called (on PostgreSQL the server
// calls it on the revocation's notification, milliseconds after the
// commit). Expiry needs no lookup: the caller checks the key's ExpiresAt
// on every request. Unknown keys are never cached, so a new key works at
// once and guessing keys always reaches the store.
package keycache

import (
	"context"
	"slices"
	"sync"
	"time"

	"smartmaint"
)

// maxEntries bounds the cache; when it is full it starts again empty.
const maxEntries = 10_000

// Store is a smartmaint.Store whose FindAPIKeyByHash answers from memory for
// up to TTL after a lookup.
type Store struct {
	smartmaint.Store
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	gen     uint64 // bumped by every invalidation
	entries map[string]entry
}

type entry struct {
	key smartmaint.APIKey
	at  time.Time
}

// Wrap returns next with API key lookups cached for ttl; next itself when
// ttl is not positive.
func Wrap(next smartmaint.Store, ttl time.Duration) smartmaint.Store {
	if ttl <= 0 {
		return next
	}
	return &Store{Store: next, ttl: ttl, now: time.Now, entries: make(map[string]entry)}
}

// FindAPIKeyByHash returns a copy of the cached key when it was looked up
// less than TTL ago, else looks it up and caches it.
func (s *Store) FindAPIKeyByHash(ctx context.Context, hash string) (*smartmaint.APIKey, error) {
	now := s.now()
	s.mu.Lock()
	if e, ok := s.entries[hash]; ok && now.Sub(e.at) < s.ttl {
		s.mu.Unlock()
		return clone(&e.key), nil
	}
	gen := s.gen
	s.mu.Unlock()
	k, err := s.Store.FindAPIKeyByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	// A lookup that overlapped an invalidation may have read the key as it
	// was before: it is returned (its request was in flight) but not kept.
	if s.gen == gen {
		if len(s.entries) >= maxEntries {
			clear(s.entries)
		}
		s.entries[hash] = entry{key: *clone(k), at: now}
	}
	s.mu.Unlock()
	return k, nil
}

// RevokeAPIKey revokes the key and empties the cache.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, now time.Time) (*smartmaint.APIKey, error) {
	k, err := s.Store.RevokeAPIKey(ctx, id, now)
	s.Invalidate()
	return k, err
}

// Invalidate empties the cache; a lookup in flight is not kept. Call it when
// another process reports a revocation (see postgres.DB.WatchAPIKeys).
func (s *Store) Invalidate() {
	s.mu.Lock()
	s.gen++
	clear(s.entries)
	s.mu.Unlock()
}

// TouchAPIKey records the key's use and updates the cached copies, so that
// the caller, seeing a recent last-used time, does not write it again on
// every request.
func (s *Store) TouchAPIKey(ctx context.Context, id string, now time.Time) error {
	if err := s.Store.TouchAPIKey(ctx, id, now); err != nil {
		return err
	}
	s.mu.Lock()
	for h, e := range s.entries {
		if e.key.ID == id {
			e.key.LastUsedAt = &now
			s.entries[h] = e
		}
	}
	s.mu.Unlock()
	return nil
}

// clone returns a copy of k sharing nothing with it.
func clone(k *smartmaint.APIKey) *smartmaint.APIKey {
	c := *k
	c.Scopes = slices.Clone(k.Scopes)
	c.ExpiresAt, c.LastUsedAt, c.RevokedAt = cloneTime(k.ExpiresAt), cloneTime(k.LastUsedAt), cloneTime(k.RevokedAt)
	return &c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
