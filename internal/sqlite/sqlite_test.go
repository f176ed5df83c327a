package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/sqlite"
	"smartmaint/internal/storetest"
)

// openStore opens a store on a fresh file in a temporary directory.
func openStore(tb testing.TB, path string, now func() time.Time) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Now: now})
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func backend() storetest.Backend {
	return storetest.Backend{
		Open: func(tb testing.TB, now func() time.Time) smartmaint.Store {
			return openStore(tb, filepath.Join(tb.TempDir(), "data", "smartmaint.db"), now)
		},
		Reopen: func(tb testing.TB, s smartmaint.Store, now func() time.Time) smartmaint.Store {
			db := s.(*sqlite.DB)
			if err := db.Close(); err != nil {
				tb.Fatalf("Close: %v", err)
			}
			return openStore(tb, db.Path(), now)
		},
		TamperAudit: func(tb testing.TB, s smartmaint.Store, t storetest.AuditTamper) { tamperAudit(tb, s.(*sqlite.DB), t) },
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, backend())
}

func TestConformanceAccess(t *testing.T) {
	storetest.RunAccess(t, backend())
}
