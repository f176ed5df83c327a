package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"

	"smartmaint"
	"smartmaint/internal/tsblock"
)

// errStop ends a merge early without an error.
var errStop = errors.New("stop")

// FindReadings lists readings of the tenant in ctx, newest first (ties by
// sensor ID) or oldest first, with Limit and Offset or a keyset cursor.
//
// Readings are merged from blocks (see scanner): a listing reads the block
// headers of the hours it walks and decodes only the blocks whose readings
// it reaches, and sensors whose statistics show no reading in the range are
// not touched at all.
func (db *DB) FindReadings(ctx context.Context, f smartmaint.ReadingFilter) ([]*smartmaint.Reading, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, err
	}
	skip := f.Offset
	if f.After != nil {
		skip = 0
	}
	out := make([]*smartmaint.Reading, 0, min(limit, 64))
	err = db.readReadings(ctx, tenant, f, skip, func(r *smartmaint.Reading) error {
		out = append(out, r)
		if len(out) == limit {
			return errStop
		}
		return nil
	})
	return out, err
}

// ExportReadings calls fn for every reading matching f, in f's order,
// streaming from one read transaction; Limit and Offset are ignored. It
// holds the block headers of one hour and the blocks being merged.
func (db *DB) ExportReadings(ctx context.Context, f smartmaint.ReadingFilter, fn func(*smartmaint.Reading) error) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	return db.readReadings(ctx, tenant, f, 0, fn)
}

// sensorRef is a sensor as a reading query needs it.
type sensorRef struct {
	key int64
	id  string
}

// readReadings calls fn for the readings matching f in f's order, after
// skipping skip of them, until fn returns errStop or an error.
func (db *DB) readReadings(ctx context.Context, tenant string, f smartmaint.ReadingFilter, skip int,
	fn func(*smartmaint.Reading) error) error {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Start.IsZero() {
		lo = micros(f.Start)
	}
	if !f.End.IsZero() {
		hi = micros(f.End)
	}
	if lo > hi {
		return smartmaint.FieldErrorf("end", "must not be before start")
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.fail(err)
	}
	defer tx.Rollback()
	sensors, err := readingSensors(ctx, tx, tenant, f.SensorIDs, lo, hi)
	if err != nil {
		return db.fail(err)
	}
	var cbErr error
	q := scanQuery{lo: lo, hi: hi, desc: !f.Ascending, after: f.After, skip: skip}
	err = db.scan(ctx, tx, tenant, sensors, q, func(s *sensorRef, v *tsblock.View, i int) error {
		r := &smartmaint.Reading{SensorID: s.id, Time: fromMicros(v.TS[i]), Value: v.Value(i), Quality: v.Quality(i)}
		if m := v.Metadata(i); len(m) > 0 {
			r.Metadata = json.RawMessage(m)
		}
		if cbErr = fn(r); cbErr != nil {
			return errStop
		}
		return nil
	})
	switch {
	case err != nil && !errors.Is(err, errStop):
		return db.fail(err)
	case errors.Is(cbErr, errStop):
		return nil
	}
	return cbErr
}

// readingSensors returns the tenant's sensors (all, or those named) whose
// statistics show readings between lo and hi, by ID.
func readingSensors(ctx context.Context, tx *sql.Tx, tenant string, ids []string, lo, hi int64) ([]sensorRef, error) {
	conds := []string{"tenant_id = ?", "reading_count > 0", "first_reading_at <= ?", "last_reading_at >= ?"}
	args := []any{tenant, hi, lo}
	if len(ids) > 0 {
		conds = append(conds, "id IN ("+placeholders(len(ids))+")")
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, id FROM sensors`+where(conds)+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sensorRef
	for rows.Next() {
		var s sensorRef
		if err := rows.Scan(&s.key, &s.id); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
