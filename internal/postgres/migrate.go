package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockID is the advisory lock that serialises migrations when
// several replicas start at once ("smartmaint" in ASCII, truncated).
const migrationLockID int64 = 0x736d6172746d61

// Migrate applies the pending embedded migrations to the database at url and
// returns the names of those it applied, in order.
func Migrate(ctx context.Context, url string) (applied []string, err error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", unavailable(err))
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

// migrations lists the embedded migration files in name order.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies the pending migrations under a session advisory lock held
// on one connection, each migration in its own transaction.
func migrate(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, wrap("acquire connection", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
		return nil, wrap("lock migrations", err)
	}
	defer func() {
		// A fresh context: the unlock must run even if ctx was cancelled.
		_, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockID)
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, wrap("create schema_migrations", err)
	}
	names, err := migrations()
	if err != nil {
		return nil, fmt.Errorf("postgres: list migrations: %w", err)
	}
	var applied []string
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		ok, err := applyMigration(ctx, conn.Conn(), name, version)
		if err != nil {
			return applied, err
		}
		if ok {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, name, version string) (bool, error) {
	var done bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&done)
	if err != nil || done {
		return false, wrap("read schema_migrations", err)
	}
	sql, err := migrationFS.ReadFile(name)
	if err != nil {
		return false, fmt.Errorf("postgres: read migration %s: %w", version, err)
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Simple protocol: a migration file holds several statements.
		if _, err := tx.Exec(ctx, string(sql), pgx.QueryExecModeSimpleProtocol); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version)
		return err
	})
	if err != nil {
		return false, wrap("apply migration "+version, err)
	}
	return true, nil
}
