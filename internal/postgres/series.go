package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

// FindSeries aggregates one sensor's readings into the buckets that
// smartmaint.PlanSeries chooses, reading the 1-hour rollup, the 1-minute
// rollup or the raw readings. Empty buckets are omitted. The rollups are as
// current as the last refresh (RollupInterval).
func (db *DB) FindSeries(ctx context.Context, q smartmaint.SeriesQuery) (*smartmaint.Series, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := smartmaint.PlanSeries(q)
	if err != nil {
		return nil, err
	}
	var key int64
	err = db.pool.QueryRow(ctx, `SELECT key FROM sensors WHERE tenant_id = $1 AND id = $2`, tenant, q.SensorID).Scan(&key)
	if noRows(err) {
		return nil, notFound("Sensor", q.SensorID)
	} else if err != nil {
		return nil, wrap("find series", err)
	}
	out := &smartmaint.Series{SensorID: q.SensorID, From: plan.From.UTC(), To: plan.To.UTC(), Source: plan.Source,
		Buckets: []smartmaint.Bucket{}}
	if q.Raw {
		out.Step = smartmaint.ResolutionRaw
		err = db.rawSeries(ctx, tenant, key, plan, q.MaxPoints, out)
	} else {
		out.Step = plan.Step.String()
		err = db.bucketSeries(ctx, tenant, key, plan, out)
	}
	if err != nil {
		return nil, wrap("find series", err)
	}
	return out, nil
}

// rawSeries returns the readings themselves, oldest first, at most maxPoints.
func (db *DB) rawSeries(ctx context.Context, tenant string, key int64, plan smartmaint.SeriesPlan, maxPoints int, out *smartmaint.Series) error {
	if maxPoints == 0 {
		maxPoints = smartmaint.DefaultMaxPoints
	}
	rows, err := db.pool.Query(ctx, `SELECT ts, value FROM readings
		WHERE sensor_key = $1 AND tenant_id = $2 AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT $5`,
		key, tenant, plan.From, plan.To, maxPoints+1)
	if err != nil {
		return err
	}
	var ts time.Time
	var v float64
	_, err = pgx.ForEachRow(rows, []any{&ts, &v}, func() error {
		if len(out.Buckets) == maxPoints {
			out.Truncated = true
			return nil
		}
		out.Buckets = append(out.Buckets, smartmaint.Bucket{Time: ts.UTC(), Count: 1, Mean: v, Min: v, Max: v, First: v, Last: v})
		return nil
	})
	return err
}

// bucketSeries merges the source rows (raw readings or rollup buckets, in
// time order) into step-wide buckets with smartmaint.Rollup.Merge, so both
// stores compute every bucket the same way.
func (db *DB) bucketSeries(ctx context.Context, tenant string, key int64, plan smartmaint.SeriesPlan, out *smartmaint.Series) error {
	var sql string
	switch plan.Source {
	case smartmaint.ResolutionHour:
		sql = `SELECT bucket, count, min, max, mean, m2, first_time, first, last_time, last FROM rollups_1h
			WHERE sensor_key = $1 AND tenant_id = $2 AND bucket >= $3 AND bucket < $4 ORDER BY bucket`
	case smartmaint.ResolutionMinute:
		sql = `SELECT bucket, count, min, max, mean, m2, first_time, first, last_time, last FROM rollups_1m
			WHERE sensor_key = $1 AND tenant_id = $2 AND bucket >= $3 AND bucket < $4 ORDER BY bucket`
	default:
		sql = `SELECT ts, 1::bigint, value, value, value, 0::float8, ts, value, ts, value FROM readings
			WHERE sensor_key = $1 AND tenant_id = $2 AND ts >= $3 AND ts < $4 ORDER BY ts`
	}
	rows, err := db.pool.Query(ctx, sql, key, tenant, plan.From, plan.To)
	if err != nil {
		return err
	}
	var (
		t   time.Time
		r   smartmaint.Rollup
		cur smartmaint.Rollup
		at  time.Time
	)
	flush := func() {
		if cur.Count > 0 {
			out.Buckets = append(out.Buckets, cur.Bucket(at))
		}
		cur = smartmaint.Rollup{}
	}
	_, err = pgx.ForEachRow(rows, []any{&t, &r.Count, &r.Min, &r.Max, &r.Mean, &r.M2, &r.FirstTime, &r.First, &r.LastTime, &r.Last}, func() error {
		b := smartmaint.AlignTime(t, plan.Step)
		if !b.Equal(at) {
			flush()
			at = b
		}
		r.FirstTime, r.LastTime = r.FirstTime.UTC(), r.LastTime.UTC()
		cur.Merge(r)
		return nil
	})
	flush()
	return err
}
