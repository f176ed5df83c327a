package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"smartmaint"
	"smartmaint/internal/tsblock"
)

// FindSeries aggregates one sensor's readings into buckets following
// smartmaint.PlanSeries: from the 1-hour or 1-minute rollups when the step is
// a whole number of hours or minutes (merged into step buckets with
// smartmaint.Rollup.Merge), otherwise from raw readings read from their
// blocks and aggregated as they stream by.
// Empty buckets are omitted.
func (db *DB) FindSeries(ctx context.Context, q smartmaint.SeriesQuery) (*smartmaint.Series, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := smartmaint.PlanSeries(q)
	if err != nil {
		return nil, err
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, db.fail(err)
	}
	defer tx.Rollback()
	var key int64
	err = tx.QueryRowContext(ctx, `SELECT key FROM sensors WHERE tenant_id = ? AND id = ?`, tenant, q.SensorID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Sensor", q.SensorID)
	} else if err != nil {
		return nil, db.fail(err)
	}
	s := &smartmaint.Series{SensorID: q.SensorID, From: plan.From, To: plan.To, Source: plan.Source, Buckets: []smartmaint.Bucket{}}
	switch {
	case q.Raw:
		s.Step = smartmaint.ResolutionRaw
		maxPoints := q.MaxPoints
		if maxPoints == 0 {
			maxPoints = smartmaint.DefaultMaxPoints
		}
		s.Buckets, s.Truncated, err = db.rawSeries(ctx, tx, sensorRef{key: key, id: q.SensorID}, plan, maxPoints)
	case plan.Source == smartmaint.ResolutionRaw:
		s.Step = plan.Step.String()
		s.Buckets, err = db.aggregateSeries(ctx, tx, sensorRef{key: key, id: q.SensorID}, plan)
	default:
		s.Step = plan.Step.String()
		s.Buckets, err = rollupSeries(ctx, tx, key, plan)
	}
	if err != nil {
		return nil, db.fail(err)
	}
	return s, nil
}

// rawSeries returns the readings in [From, To) oldest first as count-1
// buckets, at most maxPoints, and whether more exist.
func (db *DB) rawSeries(ctx context.Context, tx *sql.Tx, s sensorRef, plan smartmaint.SeriesPlan, maxPoints int) ([]smartmaint.Bucket, bool, error) {
	out := []smartmaint.Bucket{}
	truncated := false
	q := scanQuery{lo: micros(plan.From), hi: micros(plan.To) - 1}
	err := db.scan(ctx, tx, "", []sensorRef{s}, q, func(_ *sensorRef, v *tsblock.View, i int) error {
		if len(out) == maxPoints {
			truncated = true
			return errStop
		}
		x := v.Value(i)
		out = append(out, smartmaint.Bucket{Time: fromMicros(v.TS[i]), Count: 1, Mean: x, Min: x, Max: x, First: x, Last: x})
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, false, err
	}
	return out, truncated, nil
}

// aggregate folds one sensor's readings in [from, to) into buckets of step
// µs starting at from, and calls fn for each non-empty bucket, oldest first,
// with its index. The rollup job's recomputation of legacy marks uses it
// too, with one-minute buckets.
func (db *DB) aggregate(ctx context.Context, tx *sql.Tx, s sensorRef, from, to, step int64,
	fn func(i int64, r *smartmaint.Rollup)) error {
	var acc smartmaint.Rollup
	at := int64(-1)
	q := scanQuery{lo: from, hi: to - 1}
	err := db.scan(ctx, tx, "", []sensorRef{s}, q, func(_ *sensorRef, v *tsblock.View, i int) error {
		if b := (v.TS[i] - from) / step; b != at {
			if acc.Count > 0 {
				fn(at, &acc)
			}
			acc, at = smartmaint.Rollup{}, b
		}
		acc.Add(fromMicros(v.TS[i]), v.Value(i))
		return nil
	})
	if err != nil {
		return err
	}
	if acc.Count > 0 {
		fn(at, &acc)
	}
	return nil
}

// aggregateSeries aggregates raw readings into the plan's buckets.
func (db *DB) aggregateSeries(ctx context.Context, tx *sql.Tx, s sensorRef, plan smartmaint.SeriesPlan) ([]smartmaint.Bucket, error) {
	out := []smartmaint.Bucket{}
	err := db.aggregate(ctx, tx, s, micros(plan.From), micros(plan.To), int64(plan.Step/time.Microsecond),
		func(i int64, r *smartmaint.Rollup) {
			out = append(out, r.Bucket(plan.From.Add(time.Duration(i)*plan.Step)))
		})
	return out, err
}

// rollupSeries merges the rollups of the plan's source into step buckets.
func rollupSeries(ctx context.Context, tx *sql.Tx, key int64, plan smartmaint.SeriesPlan) ([]smartmaint.Bucket, error) {
	table := "rollups_1h"
	if plan.Source == smartmaint.ResolutionMinute {
		table = "rollups_1m"
	}
	rows, err := tx.QueryContext(ctx, `SELECT bucket, count, vmin, vmax, mean, m2, first_ts, vfirst, last_ts, vlast
		FROM `+table+` WHERE sensor_key = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`,
		key, micros(plan.From), micros(plan.To))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []smartmaint.Bucket{}
	var acc smartmaint.Rollup
	var accAt time.Time
	for rows.Next() {
		var bucket, first, last int64
		var r smartmaint.Rollup
		if err := rows.Scan(&bucket, &r.Count, &r.Min, &r.Max, &r.Mean, &r.M2, &first, &r.First, &last, &r.Last); err != nil {
			return nil, err
		}
		r.FirstTime, r.LastTime = fromMicros(first), fromMicros(last)
		at := smartmaint.AlignTime(fromMicros(bucket), plan.Step)
		if acc.Count > 0 && !at.Equal(accAt) {
			out = append(out, acc.Bucket(accAt))
			acc = smartmaint.Rollup{}
		}
		acc.Merge(r)
		accAt = at
	}
	if acc.Count > 0 {
		out = append(out, acc.Bucket(accAt))
	}
	return out, rows.Err()
}
