package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// partitionLockID serialises partition creation and dropping across replicas.
const partitionLockID int64 = 0x736d6172746d62

// partitions caches the readings partitions known to exist, by start time.
// Another replica's retention may drop one; the writer then sees "no
// partition" (23514), forgets the cache and creates it again.
type partitions struct {
	interval time.Duration
	mu       sync.Mutex
	known    map[int64]bool // partition start, Unix seconds
}

func newPartitions(interval time.Duration) *partitions {
	return &partitions{interval: interval, known: make(map[int64]bool)}
}

// start returns the start of the partition that holds t.
func (p *partitions) start(t time.Time) time.Time {
	secs := int64(p.interval / time.Second)
	u := t.Unix()
	r := u % secs
	if r < 0 {
		r += secs
	}
	return time.Unix(u-r, 0).UTC()
}

// missing returns the starts of the partitions the times need and the cache
// does not know, in order.
func (p *partitions) missing(times []time.Time) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := make(map[int64]bool)
	var out []time.Time
	for _, t := range times {
		s := p.start(t)
		k := s.Unix()
		if p.known[k] || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func (p *partitions) add(starts ...time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range starts {
		p.known[s.Unix()] = true
	}
}

func (p *partitions) forget() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.known = make(map[int64]bool)
}

// partitionName names the partition that starts at start.
func partitionName(start time.Time) string {
	return "readings_p" + start.UTC().Format("20060102_150405")
}

// ensurePartitions creates the partitions that hold the given times, unless
// the cache knows them, in a transaction of its own under the partition
// lock (so concurrent writers and replicas create each one once).
func (db *DB) ensurePartitions(ctx context.Context, times []time.Time) error {
	need := db.parts.missing(times)
	if len(need) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLockID); err != nil {
			return err
		}
		for _, s := range need {
			if err := createPartition(ctx, tx, s, s.Add(db.parts.interval)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap("create partitions", err)
	}
	db.parts.add(need...)
	return nil
}

func createPartition(ctx context.Context, tx pgx.Tx, from, to time.Time) error {
	name := partitionName(from)
	var exists bool
	err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists)
	if err != nil || exists {
		return err
	}
	// Identifiers and bounds are generated here from times, never from input.
	sql := fmt.Sprintf(`CREATE TABLE %s PARTITION OF readings FOR VALUES FROM ('%s') TO ('%s')`,
		pgx.Identifier{name}.Sanitize(), from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	_, err = tx.Exec(ctx, sql)
	return err
}

// ensurePartitionsAhead creates the partition holding now and the
// PartitionsAhead partitions after it.
func (db *DB) ensurePartitionsAhead(ctx context.Context, now time.Time) error {
	times := make([]time.Time, 0, db.opts.PartitionsAhead+1)
	for i := 0; i <= db.opts.PartitionsAhead; i++ {
		times = append(times, now.Add(time.Duration(i)*db.parts.interval))
	}
	return db.ensurePartitions(ctx, times)
}

// partitionInfo is one existing readings partition.
type partitionInfo struct {
	name     string
	from, to time.Time
}

// listPartitions returns the readings partitions whose names this store
// generates, in time order.
func listPartitions(ctx context.Context, q pgx.Tx, interval time.Duration) ([]partitionInfo, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'readings'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var out []partitionInfo
	for _, n := range names {
		from, err := time.Parse("20060102_150405", strings.TrimPrefix(n, "readings_p"))
		if err != nil || !strings.HasPrefix(n, "readings_p") {
			continue // not one of ours
		}
		out = append(out, partitionInfo{name: n, from: from, to: from.Add(interval)})
	}
	return out, nil
}

// xactLock takes a transaction-level advisory lock: waiting for it, or
// reporting false at once when wait is false and another session holds it.
func xactLock(ctx context.Context, tx pgx.Tx, id int64, wait bool) (bool, error) {
	if wait {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, id)
		return err == nil, err
	}
	var got bool
	err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, id).Scan(&got)
	return got, err
}
