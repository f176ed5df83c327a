package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"smartmaint"
)

var _ smartmaint.SensorService = (*DB)(nil)

const sensorColumns = `id, asset_id, name, type, unit, location, status, description, expected_min, expected_max,
	sampling_interval, alarm_low_low, alarm_low, alarm_high, alarm_high_high, metadata, created_at, updated_at,
	reading_count, first_reading_at, last_reading_at, last_value, last_quality`

func scanSensor(row interface{ Scan(...any) error }) (*smartmaint.Sensor, error) {
	var s smartmaint.Sensor
	var asset, meta sql.NullString
	var emin, emax, ll, l, h, hh, lastValue, lastQuality sql.NullFloat64
	var first, last sql.NullInt64
	var created, updated int64
	err := row.Scan(&s.ID, &asset, &s.Name, &s.Type, &s.Unit, &s.Location, &s.Status, &s.Description, &emin, &emax,
		&s.SamplingInterval, &ll, &l, &h, &hh, &meta, &created, &updated,
		&s.Stats.ReadingCount, &first, &last, &lastValue, &lastQuality)
	if err != nil {
		return nil, err
	}
	s.AssetID, s.CreatedAt, s.UpdatedAt = asset.String, fromMicros(created), fromMicros(updated)
	s.ExpectedMin, s.ExpectedMax = floatPtr(emin), floatPtr(emax)
	s.Alarms = smartmaint.AlarmLimits{LowLow: floatPtr(ll), Low: floatPtr(l), High: floatPtr(h), HighHigh: floatPtr(hh)}
	if first.Valid {
		t := fromMicros(first.Int64)
		s.Stats.FirstReadingAt = &t
	}
	if last.Valid {
		t := fromMicros(last.Int64)
		s.Stats.LastReadingAt = &t
	}
	s.Stats.LastValue, s.Stats.LastQuality = floatPtr(lastValue), floatPtr(lastQuality)
	s.Metadata, err = decodeMetadata(meta)
	return &s, err
}

// FindSensorByID returns a sensor of the tenant in ctx with its statistics.
func (db *DB) FindSensorByID(ctx context.Context, id string) (*smartmaint.Sensor, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	s, err := scanSensor(db.readRow(ctx, `SELECT `+sensorColumns+` FROM sensors WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Sensor", id)
	}
	return s, db.fail(err)
}

// FindSensors lists the tenant's sensors matching f by ID, with their total.
func (db *DB) FindSensors(ctx context.Context, f smartmaint.SensorFilter) ([]*smartmaint.Sensor, int, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	conds, args := []string{"tenant_id = ?"}, []any{tenant}
	if len(f.IDs) > 0 {
		conds = append(conds, "id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	for _, c := range []struct{ col, v string }{{"asset_id", f.AssetID}, {"type", f.Type}, {"status", f.Status}} {
		if c.v != "" {
			conds, args = append(conds, c.col+" = ?"), append(args, c.v)
		}
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sensors`+where(conds), args...).Scan(&total); err != nil {
		return nil, 0, db.fail(err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+sensorColumns+` FROM sensors`+where(conds)+` ORDER BY id LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, db.fail(err)
	}
	defer rows.Close()
	var out []*smartmaint.Sensor
	for rows.Next() {
		s, err := scanSensor(rows)
		if err != nil {
			return nil, 0, db.fail(err)
		}
		out = append(out, s)
	}
	return out, total, db.fail(rows.Err())
}

// CreateSensor creates a sensor (status active when empty); EINVALID if its
// asset is not one of the tenant's.
func (db *DB) CreateSensor(ctx context.Context, s *smartmaint.Sensor) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	if s.Status == "" {
		s.Status = smartmaint.SensorActive
	}
	if err := s.Validate(); err != nil {
		return err
	}
	now := fromMicros(micros(db.now()))
	return db.w.do(ctx, 1, func(tx *wtx) error {
		if err := checkAsset(tx, tenant, s.AssetID); err != nil {
			return err
		}
		created := *s
		created.CreatedAt, created.UpdatedAt, created.Stats = now, now, smartmaint.SensorStats{}
		_, err := insertSensor(tx, tenant, &created)
		if isConstraint(err) {
			return conflict("Sensor", s.ID)
		} else if err != nil {
			return err
		}
		if err := db.audit(ctx, tx, tenant, "sensor.create", "sensor", s.ID, &created); err != nil {
			return err
		}
		s.CreatedAt, s.UpdatedAt, s.Stats = now, now, smartmaint.SensorStats{}
		return nil
	})
}

// insertSensor inserts s and returns its key.
func insertSensor(tx *wtx, tenant string, s *smartmaint.Sensor) (int64, error) {
	meta, err := encodeMetadata(s.Metadata)
	if err != nil {
		return 0, err
	}
	res, err := tx.exec(`INSERT INTO sensors (tenant_id, id, asset_id, name, type, unit, location, status, description,
		expected_min, expected_max, sampling_interval, alarm_low_low, alarm_low, alarm_high, alarm_high_high, metadata,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tenant, s.ID, nullString(s.AssetID), s.Name, s.Type, s.Unit, s.Location, s.Status, s.Description,
		nullFloat(s.ExpectedMin), nullFloat(s.ExpectedMax), s.SamplingInterval,
		nullFloat(s.Alarms.LowLow), nullFloat(s.Alarms.Low), nullFloat(s.Alarms.High), nullFloat(s.Alarms.HighHigh),
		meta, micros(s.CreatedAt), micros(s.UpdatedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// checkAsset returns EINVALID unless assetID is empty or names an asset of
// the tenant.
func checkAsset(tx *wtx, tenant, assetID string) error {
	if assetID == "" {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM assets WHERE tenant_id = ? AND id = ?`, tenant, assetID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return smartmaint.FieldErrorf("asset_id", "no asset %q", assetID)
	}
	return nil
}

// UpdateSensor changes the fields of a sensor that upd sets.
func (db *DB) UpdateSensor(ctx context.Context, id string, upd smartmaint.SensorUpdate) (*smartmaint.Sensor, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.Sensor
	err = db.w.do(ctx, 1, func(tx *wtx) error {
		s, err := scanSensor(tx.queryRow(`SELECT `+sensorColumns+` FROM sensors WHERE tenant_id = ? AND id = ?`, tenant, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Sensor", id)
		} else if err != nil {
			return err
		}
		before := *s
		upd.Apply(s)
		if err := s.Validate(); err != nil {
			return err
		}
		if err := checkAsset(tx, tenant, s.AssetID); err != nil {
			return err
		}
		meta, err := encodeMetadata(s.Metadata)
		if err != nil {
			return err
		}
		s.UpdatedAt = fromMicros(micros(db.now()))
		_, err = tx.exec(`UPDATE sensors SET asset_id = ?, name = ?, type = ?, unit = ?, location = ?, status = ?,
			description = ?, expected_min = ?, expected_max = ?, sampling_interval = ?, alarm_low_low = ?, alarm_low = ?,
			alarm_high = ?, alarm_high_high = ?, metadata = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
			nullString(s.AssetID), s.Name, s.Type, s.Unit, s.Location, s.Status, s.Description,
			nullFloat(s.ExpectedMin), nullFloat(s.ExpectedMax), s.SamplingInterval,
			nullFloat(s.Alarms.LowLow), nullFloat(s.Alarms.Low), nullFloat(s.Alarms.High), nullFloat(s.Alarms.HighHigh),
			meta, micros(s.UpdatedAt), tenant, id)
		if err != nil {
			return err
		}
		out = s
		return db.audit(ctx, tx, tenant, "sensor.update", "sensor", id, changes(&before, s))
	})
	return out, err
}

// DeleteSensor deletes a sensor. Its readings and rollups become unreachable
// at once (they are keyed by the sensor's key, which is never reused) and
// are purged in bounded chunks by the background job, so that deleting a
// sensor with years of readings does not hold the writer.
func (db *DB) DeleteSensor(ctx context.Context, id string) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	return db.w.do(ctx, 1, func(tx *wtx) error {
		var key int64
		var name string
		err := tx.queryRow(`SELECT key, name FROM sensors WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&key, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Sensor", id)
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM sensors WHERE key = ?`, key); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM rollup_dirty WHERE sensor_key = ?`, key); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM rollup_parts WHERE sensor_key = ?`, key); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM block_merges WHERE sensor_key = ?`, key); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO sensor_purges (sensor_key) VALUES (?)`, key); err != nil {
			return err
		}
		return db.audit(ctx, tx, tenant, "sensor.delete", "sensor", id, deletion(id, name))
	})
}
