package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// analyzeEvery is how often the statistics job looks for tables whose
// planner statistics have fallen behind their contents.
const analyzeEvery = 10 * time.Second

// analyzeStale refreshes the planner statistics of the store's tables (the
// readings partitions above all) that changed by more than a tenth since
// their last ANALYZE, and by at least 50 rows.
//
// Autovacuum does the same, but only once a minute at best, and a partition
// filled by a bulk load has no statistics at all until then: the planner
// then takes it for empty and picks plans (a bitmap scan and a sort of the
// whole range per page of an export, say) that are thousands of times slower
// than the index walk it picks with statistics. Run at start and every 10 s,
// this closes that window to seconds, including after a crash and restart.
func (db *DB) analyzeStale(ctx context.Context) error {
	rows, err := db.pool.Query(ctx, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema()
		  AND n_mod_since_analyze > greatest(50, n_live_tup / 10)`)
	if err != nil {
		return wrap("find stale statistics", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return wrap("find stale statistics", err)
	}
	for _, name := range names {
		if _, err := db.pool.Exec(ctx, "ANALYZE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return wrap("analyze "+name, err)
		}
	}
	return nil
}
