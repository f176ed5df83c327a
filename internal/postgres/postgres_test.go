package postgres

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/pgtest"
	"smartmaint/internal/storetest"
)

// atExit holds clean-ups that outlive one test or benchmark run, run by
// TestMain in reverse order.
var atExit []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(atExit) - 1; i >= 0; i-- {
		atExit[i]()
	}
	os.Exit(code)
}

// openAt opens a DB on dbURL with the clock now and closes it at cleanup.
func openAt(tb testing.TB, dbURL string, now func() time.Time, opts Options) *DB {
	tb.Helper()
	opts.Now = now
	if opts.MaxConns == 0 {
		opts.MaxConns = 8
	}
	db, err := Open(context.Background(), dbURL, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// backend opens every store of the conformance suite on a fresh database.
func backend() storetest.Backend {
	var mu sync.Mutex
	urls := make(map[*DB]string)
	return storetest.Backend{
		Open: func(tb testing.TB, now func() time.Time) smartmaint.Store {
			u := pgtest.FreshDatabase(tb)
			db := openAt(tb, u, now, Options{})
			mu.Lock()
			defer mu.Unlock()
			urls[db] = u
			return db
		},
		Reopen: func(tb testing.TB, s smartmaint.Store, now func() time.Time) smartmaint.Store {
			old := s.(*DB)
			if err := old.Close(); err != nil {
				tb.Fatalf("Close: %v", err)
			}
			mu.Lock()
			u := urls[old]
			mu.Unlock()
			db := openAt(tb, u, now, Options{})
			mu.Lock()
			defer mu.Unlock()
			urls[db] = u
			return db
		},
		TamperAudit: func(tb testing.TB, s smartmaint.Store, t storetest.AuditTamper) { tamperAudit(tb, s.(*DB), t) },
	}
}

func TestConformance(t *testing.T) {
	pgtest.URL(t)
	storetest.Run(t, backend())
}

func TestConformanceAccess(t *testing.T) {
	pgtest.URL(t)
	storetest.RunAccess(t, backend())
}

// tenantCtx is the default tenant's context.
var tenantCtx = smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)
