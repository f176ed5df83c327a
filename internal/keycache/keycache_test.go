package keycache

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/sqlite"
)

// counting counts the key lookups that reach the store.
type counting struct {
	smartmaint.Store
	lookups atomic.Int64
}

func (c *counting) FindAPIKeyByHash(ctx context.Context, hash string) (*smartmaint.APIKey, error) {
	c.lookups.Add(1)
	return c.Store.FindAPIKeyByHash(ctx, hash)
}

type env struct {
	raw   *sqlite.DB // another process's view of the same database
	under *counting
	cache *Store
	clock time.Time
	ctx   context.Context
	key   *smartmaint.APIKey
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "keys.db"), sqlite.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{raw: db, under: &counting{Store: db}, clock: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC),
		ctx: smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)}
	e.cache = Wrap(e.under, time.Second).(*Store)
	e.cache.now = func() time.Time { return e.clock }
	e.key = &smartmaint.APIKey{Name: "line 3 gateway", Prefix: "smk_ab12", Hash: "hash-1", Scopes: []string{smartmaint.PermDataIngest}}
	if err := db.CreateAPIKey(e.ctx, e.key); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) find(t *testing.T, hash string) *smartmaint.APIKey {
	t.Helper()
	k, err := e.cache.FindAPIKeyByHash(e.ctx, hash)
	if err != nil {
		t.Fatalf("FindAPIKeyByHash(%q): %v", hash, err)
	}
	return k
}

func TestLookupsWithinTTLStayInMemory(t *testing.T) {
	e := newEnv(t)
	first := e.find(t, "hash-1")
	first.Scopes[0] = "tampered" // a caller's changes must not reach the cache
	first.LastUsedAt = &e.clock
	e.clock = e.clock.Add(999 * time.Millisecond)
	again := e.find(t, "hash-1")
	if n := e.under.lookups.Load(); n != 1 {
		t.Fatalf("two lookups within the TTL reached the store %d times, want 1", n)
	}
	if again.Scopes[0] != smartmaint.PermDataIngest || again.LastUsedAt != nil || again.ID != e.key.ID {
		t.Fatalf("cached key = %+v, want the stored one unchanged", again)
	}
	e.clock = e.clock.Add(time.Millisecond)
	e.find(t, "hash-1")
	if n := e.under.lookups.Load(); n != 2 {
		t.Fatalf("a lookup at the TTL reached the store %d times in all, want 2", n)
	}
}

func TestRevocationThroughTheCacheAppliesAtOnce(t *testing.T) {
	e := newEnv(t)
	if k := e.find(t, "hash-1"); !k.Active(e.clock) {
		t.Fatal("a new key is not active")
	}
	if _, err := e.cache.RevokeAPIKey(e.ctx, e.key.ID, e.clock); err != nil {
		t.Fatal(err)
	}
	if k := e.find(t, "hash-1"); k.Active(e.clock) {
		t.Fatal("the key is still active on the lookup right after its revocation")
	}
}

func TestRevocationElsewhereAppliesAfterTheTTL(t *testing.T) {
	e := newEnv(t)
	e.find(t, "hash-1")
	if _, err := e.raw.RevokeAPIKey(e.ctx, e.key.ID, e.clock); err != nil {
		t.Fatal(err)
	}
	e.clock = e.clock.Add(500 * time.Millisecond)
	if k := e.find(t, "hash-1"); !k.Active(e.clock) {
		t.Fatal("the cache did not answer within its TTL (this test expects it to)")
	}
	e.clock = e.clock.Add(500 * time.Millisecond)
	if k := e.find(t, "hash-1"); k.Active(e.clock) {
		t.Fatal("a revocation by another process is not seen once the TTL has passed")
	}
}

func TestUnknownKeysAreNotCached(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		if _, err := e.cache.FindAPIKeyByHash(e.ctx, "no-such-hash"); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
			t.Fatalf("unknown key: %v, want ENOTFOUND", err)
		}
	}
	if n := e.under.lookups.Load(); n != 3 {
		t.Fatalf("three lookups of an unknown key reached the store %d times, want 3", n)
	}
	k := &smartmaint.APIKey{Name: "new", Prefix: "smk_cd34", Hash: "no-such-hash", Scopes: []string{smartmaint.PermDataRead}}
	if err := e.raw.CreateAPIKey(e.ctx, k); err != nil {
		t.Fatal(err)
	}
	if got := e.find(t, "no-such-hash"); got.ID != k.ID {
		t.Fatalf("a key created after failed lookups is %+v, want %s", got, k.ID)
	}
}

func TestTouchUpdatesTheCachedKey(t *testing.T) {
	e := newEnv(t)
	e.find(t, "hash-1")
	used := e.clock.Add(time.Minute)
	if err := e.cache.TouchAPIKey(e.ctx, e.key.ID, used); err != nil {
		t.Fatal(err)
	}
	if k := e.find(t, "hash-1"); k.LastUsedAt == nil || !k.LastUsedAt.Equal(used) {
		t.Fatalf("cached last use = %v, want %v", k.LastUsedAt, used)
	}
	if n := e.under.lookups.Load(); n != 1 {
		t.Fatalf("lookups reaching the store = %d, want 1", n)
	}
}

func TestZeroTTLDisables(t *testing.T) {
	var s smartmaint.Store = &counting{}
	if Wrap(s, 0) != s {
		t.Fatal("Wrap with a zero TTL should return the store itself")
	}
}

// TestConcurrentRevocation: under the race detector, lookups racing a
// revocation never see the key active after the revocation returned.
func TestConcurrentRevocation(t *testing.T) {
	e := newEnv(t)
	e.cache.now = time.Now
	var revoked atomic.Bool
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load()
				k, err := e.cache.FindAPIKeyByHash(e.ctx, "hash-1")
				if err != nil {
					t.Error(err)
					return
				}
				if after && k.Active(time.Now()) {
					t.Error("a lookup that began after the revocation returned saw the key active")
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := e.cache.RevokeAPIKey(e.ctx, e.key.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
}

func TestInvalidate(t *testing.T) {
	e := newEnv(t)
	e.find(t, "hash-1")
	if _, err := e.raw.RevokeAPIKey(e.ctx, e.key.ID, e.clock); err != nil {
		t.Fatal(err)
	}
	e.cache.Invalidate() // as on the revocation's notification
	if k := e.find(t, "hash-1"); k.Active(e.clock) {
		t.Fatal("the key revoked elsewhere is still active after Invalidate")
	}
}
