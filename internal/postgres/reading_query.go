package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

// exportPageSize is how many readings ExportReadings fetches per query.
const exportPageSize = 5000

// FindReadings lists the tenant's readings: newest first (oldest first when
// Ascending), ties by sensor ID; Start and End inclusive; After (exclusive)
// takes precedence over Offset. Unknown sensors yield nothing.
func (db *DB) FindReadings(ctx context.Context, filter smartmaint.ReadingFilter) ([]*smartmaint.Reading, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageLimit(filter.Limit, filter.Offset)
	if err != nil {
		return nil, err
	}
	if filter.After != nil {
		filter.Offset = 0
	}
	if err := checkRange(filter); err != nil {
		return nil, err
	}
	var out []*smartmaint.Reading
	err = db.queryReadings(ctx, tenant, filter, limit, true, func(r *smartmaint.Reading) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// ExportReadings calls fn for every matching reading in filter order. It
// pages through the range with a keyset cursor, exportPageSize readings per
// query, so neither the client nor the server holds the range in memory and
// no query stays open while fn runs.
func (db *DB) ExportReadings(ctx context.Context, filter smartmaint.ReadingFilter, fn func(*smartmaint.Reading) error) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	filter.Offset = 0
	if err := checkRange(filter); err != nil {
		return err
	}
	for {
		page := make([]*smartmaint.Reading, 0, exportPageSize)
		err := db.queryReadings(ctx, tenant, filter, exportPageSize, false, func(r *smartmaint.Reading) error {
			page = append(page, r)
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < exportPageSize {
			return nil
		}
		last := page[len(page)-1]
		filter.After = &smartmaint.ReadingCursor{Time: last.Time, SensorID: last.SensorID}
	}
}

// queryReadings runs one listing query and calls fn for each row.
//
// Across all the tenant's sensors it walks the (tenant_id, ts) index. For
// chosen sensors with perSensor set it reads each sensor's newest (or oldest)
// limit+offset readings from the primary key (sensor_key, ts) in a LATERAL
// subquery and merges those, so a page of a sparse sensor never scans the
// other sensors' readings. The export, which walks the whole range anyway,
// filters the tenant's index instead (no per-sensor over-fetch per page).
func (db *DB) queryReadings(ctx context.Context, tenant string, f smartmaint.ReadingFilter, limit int, perSensor bool, fn func(*smartmaint.Reading) error) error {
	var rconds, sconds []string
	args := []any{tenant}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.SensorIDs) > 0 {
		sconds = append(sconds, "s.id = ANY("+arg(f.SensorIDs)+")")
	}
	if !f.Start.IsZero() {
		rconds = append(rconds, "r.ts >= "+arg(f.Start))
	}
	if !f.End.IsZero() {
		rconds = append(rconds, "r.ts <= "+arg(f.End))
	}
	dir := "DESC"
	if f.Ascending {
		dir = "ASC"
	}
	if f.After != nil {
		t, id := arg(f.After.Time), arg(f.After.SensorID)
		cmp := "<"
		if f.Ascending {
			cmp = ">"
		}
		// The redundant bound lets the planner use the time indexes.
		rconds = append(rconds, fmt.Sprintf("r.ts %s= %s AND (r.ts %s %s OR (r.ts = %s AND s.id > %s))",
			cmp, t, cmp, t, t, id))
	}
	var sql string
	if perSensor && len(f.SensorIDs) > 0 {
		sql = fmt.Sprintf(`SELECT s.id, r.ts, r.value, r.quality, r.metadata
			FROM sensors s CROSS JOIN LATERAL (
				SELECT r.ts, r.value, r.quality, r.metadata FROM readings r
				WHERE %s ORDER BY r.ts %s LIMIT %d) r
			WHERE %s ORDER BY r.ts %s, s.id LIMIT %d OFFSET %d`,
			strings.Join(append([]string{"r.sensor_key = s.key", "r.tenant_id = $1"}, rconds...), " AND "),
			dir, limit+f.Offset, strings.Join(append([]string{"s.tenant_id = $1"}, sconds...), " AND "),
			dir, limit, f.Offset)
	} else {
		// The readings' tenant_id is what scopes the query (a sensor key
		// belongs to one tenant). The sensors' tenant_id is only added with
		// a sensor filter: without one it would invite the planner, when
		// the sensors table is young, to take the tenant's sensors for one
		// row and loop over them, sorting every page of an export.
		where := append([]string{"r.tenant_id = $1"}, rconds...)
		if len(sconds) > 0 {
			where = append(append(where, "s.tenant_id = $1"), sconds...)
		}
		sql = fmt.Sprintf(`SELECT s.id, r.ts, r.value, r.quality, r.metadata
			FROM readings r JOIN sensors s ON s.key = r.sensor_key
			WHERE %s ORDER BY r.ts %s, s.id LIMIT %d OFFSET %d`, strings.Join(where, " AND "), dir, limit, f.Offset)
	}
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return wrap("find readings", err)
	}
	var (
		id    string
		ts    time.Time
		value float64
		qual  float64
		meta  []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &ts, &value, &qual, &meta}, func() error {
		r := &smartmaint.Reading{SensorID: id, Time: ts.UTC(), Value: value, Quality: qual}
		if meta != nil {
			r.Metadata = append([]byte(nil), meta...)
		}
		return fn(r)
	})
	return wrap("find readings", err)
}

// checkRange rejects a filter whose Start is after its End.
func checkRange(f smartmaint.ReadingFilter) error {
	if !f.Start.IsZero() && !f.End.IsZero() && f.Start.After(f.End) {
		return smartmaint.FieldErrorf("end", "must not be before start")
	}
	return nil
}
