package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// migrations are the numbered schema changes, applied in name order. A
// migration is never edited once it has landed: changes go in a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the pending migrations to the database at path (creating
// it if needed) and returns the versions it applied, for the migrate
// subcommand. Open does the same on its own.
func Migrate(ctx context.Context, path string) (applied []string, err error) {
	wdb, err := openWriter(ctx, path, "FULL")
	if err != nil {
		return nil, err
	}
	defer wdb.Close()
	return migrate(ctx, wdb, time.Now(), slog.New(slog.DiscardHandler))
}

// migrate applies each pending migration in its own transaction, recording
// it in schema_migrations, then moves the rows of the former readings table
// into blocks (see convertLegacyReadings).
func migrate(ctx context.Context, wdb *sql.DB, now time.Time, log *slog.Logger) ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	if _, err := wdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, classify(err)
	}
	var applied []string
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		ok, err := applyMigration(ctx, wdb, name, version, now)
		if err != nil {
			return applied, fmt.Errorf("sqlite: migration %s: %w", version, err)
		}
		if ok {
			applied = append(applied, version)
		}
	}
	return applied, convertLegacyReadings(ctx, wdb, log, legacyChunk)
}

// applyMigration applies one migration unless it is recorded already, and
// reports whether it did.
func applyMigration(ctx context.Context, wdb *sql.DB, name, version string, now time.Time) (bool, error) {
	body, err := migrations.ReadFile(name)
	if err != nil {
		return false, err
	}
	tx, err := wdb.BeginTx(ctx, nil)
	if err != nil {
		return false, classify(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return false, classify(err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, classify(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		version, micros(now)); err != nil {
		return false, classify(err)
	}
	return true, classify(tx.Commit())
}
