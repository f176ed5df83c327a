package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.SensorService = (*DB)(nil)

const sensorColumns = `id, coalesce(asset_id, ''), name, type, unit, location, status, description,
	expected_min, expected_max, sampling_interval, alarm_low_low, alarm_low, alarm_high, alarm_high_high,
	metadata, created_at, updated_at, reading_count, first_reading_at, last_reading_at, last_value, last_quality`

func scanSensor(row pgx.Row, extra ...any) (*smartmaint.Sensor, error) {
	var s smartmaint.Sensor
	st := &s.Stats
	dest := append([]any{&s.ID, &s.AssetID, &s.Name, &s.Type, &s.Unit, &s.Location, &s.Status, &s.Description,
		&s.ExpectedMin, &s.ExpectedMax, &s.SamplingInterval,
		&s.Alarms.LowLow, &s.Alarms.Low, &s.Alarms.High, &s.Alarms.HighHigh,
		&s.Metadata, &s.CreatedAt, &s.UpdatedAt,
		&st.ReadingCount, &st.FirstReadingAt, &st.LastReadingAt, &st.LastValue, &st.LastQuality}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if st.FirstReadingAt != nil {
		t := st.FirstReadingAt.UTC()
		st.FirstReadingAt = &t
	}
	if st.LastReadingAt != nil {
		t := st.LastReadingAt.UTC()
		st.LastReadingAt = &t
	}
	return &s, nil
}

// FindSensorByID returns the tenant's sensor with its statistics; ENOTFOUND
// if there is none.
func (db *DB) FindSensorByID(ctx context.Context, id string) (*smartmaint.Sensor, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	return findSensor(ctx, db.pool, tenant, id, false)
}

func findSensor(ctx context.Context, q querier, tenant, id string, lock bool) (*smartmaint.Sensor, error) {
	sql := `SELECT ` + sensorColumns + ` FROM sensors WHERE tenant_id = $1 AND id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	s, err := scanSensor(q.QueryRow(ctx, sql, tenant, id))
	if noRows(err) {
		return nil, notFound("Sensor", id)
	}
	return s, wrap("find sensor", err)
}

// FindSensors returns the tenant's matching sensors ordered by ID, and the
// number of matches ignoring Limit and Offset.
func (db *DB) FindSensors(ctx context.Context, filter smartmaint.SensorFilter) ([]*smartmaint.Sensor, int, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit, err := pageLimit(filter.Limit, filter.Offset)
	if err != nil {
		return nil, 0, err
	}
	where, args := []string{"tenant_id = $1"}, []any{tenant}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if len(filter.IDs) > 0 {
		add("id = ANY($%d)", filter.IDs)
	}
	if filter.AssetID != "" {
		add("asset_id = $%d", filter.AssetID)
	}
	if filter.Type != "" {
		add("type = $%d", filter.Type)
	}
	if filter.Status != "" {
		add("status = $%d", filter.Status)
	}
	cond := strings.Join(where, " AND ")
	rows, err := db.pool.Query(ctx, fmt.Sprintf(`SELECT `+sensorColumns+`, count(*) OVER () FROM sensors
		WHERE %s ORDER BY id LIMIT %d OFFSET %d`, cond, limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, wrap("find sensors", err)
	}
	var total int
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*smartmaint.Sensor, error) { return scanSensor(r, &total) })
	if err != nil {
		return nil, 0, wrap("find sensors", err)
	}
	if len(out) == 0 && filter.Offset > 0 {
		err = db.pool.QueryRow(ctx, `SELECT count(*) FROM sensors WHERE `+cond, args...).Scan(&total)
	}
	return out, total, wrap("count sensors", err)
}

// CreateSensor sets Status to active when empty, validates s and stores it;
// EINVALID if AssetID names no asset of the tenant, ECONFLICT if the ID
// exists.
func (db *DB) CreateSensor(ctx context.Context, s *smartmaint.Sensor) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	if s.Status == "" {
		s.Status = smartmaint.SensorActive
	}
	if err := s.Validate(); err != nil {
		return err
	}
	now := db.now()
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sensors (tenant_id, id, asset_id, name, type, unit, location, status,
			description, expected_min, expected_max, sampling_interval, alarm_low_low, alarm_low, alarm_high,
			alarm_high_high, metadata, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
			tenant, s.ID, nullString(s.AssetID), s.Name, s.Type, s.Unit, s.Location, s.Status, s.Description,
			s.ExpectedMin, s.ExpectedMax, s.SamplingInterval, s.Alarms.LowLow, s.Alarms.Low, s.Alarms.High,
			s.Alarms.HighHigh, jsonMap(s.Metadata), now)
		if err := classify(err, "Sensor", s.ID); err != nil {
			return err
		}
		created := *s
		created.CreatedAt, created.UpdatedAt, created.Stats = now, now, smartmaint.SensorStats{}
		return db.audit(ctx, tx, tenant, "sensor.create", "sensor", s.ID, &created)
	})
	if err != nil {
		return err
	}
	s.CreatedAt, s.UpdatedAt = now, now
	s.Stats = smartmaint.SensorStats{}
	return nil
}

// UpdateSensor applies upd to the tenant's sensor and returns it; EINVALID
// if the new AssetID names no asset of the tenant.
func (db *DB) UpdateSensor(ctx context.Context, id string, upd smartmaint.SensorUpdate) (*smartmaint.Sensor, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return nil, err
	}
	var out *smartmaint.Sensor
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		s, err := findSensor(ctx, tx, tenant, id, true)
		if err != nil {
			return err
		}
		before := *s
		upd.Apply(s)
		if err := s.Validate(); err != nil {
			return err
		}
		s.UpdatedAt = db.now()
		_, err = tx.Exec(ctx, `UPDATE sensors SET asset_id = $3, name = $4, type = $5, unit = $6, location = $7,
			status = $8, description = $9, expected_min = $10, expected_max = $11, sampling_interval = $12,
			alarm_low_low = $13, alarm_low = $14, alarm_high = $15, alarm_high_high = $16, metadata = $17,
			updated_at = $18 WHERE tenant_id = $1 AND id = $2`,
			tenant, id, nullString(s.AssetID), s.Name, s.Type, s.Unit, s.Location, s.Status, s.Description,
			s.ExpectedMin, s.ExpectedMax, s.SamplingInterval, s.Alarms.LowLow, s.Alarms.Low, s.Alarms.High,
			s.Alarms.HighHigh, jsonMap(s.Metadata), s.UpdatedAt)
		if err := classify(err, "Sensor", id); err != nil {
			return err
		}
		out = s
		return db.audit(ctx, tx, tenant, "sensor.update", "sensor", id, changes(&before, s))
	})
	return out, err
}

// DeleteSensor deletes the tenant's sensor with its readings and rollups, in
// one transaction.
func (db *DB) DeleteSensor(ctx context.Context, id string) error {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var key int64
		var name string
		err := tx.QueryRow(ctx, `SELECT key, name FROM sensors WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
			tenant, id).Scan(&key, &name)
		if noRows(err) {
			return notFound("Sensor", id)
		} else if err != nil {
			return wrap("delete sensor", err)
		}
		for _, sql := range []string{
			`DELETE FROM rollups_1m WHERE sensor_key = $1`,
			`DELETE FROM rollups_1h WHERE sensor_key = $1`,
			`DELETE FROM readings WHERE sensor_key = $1`,
			`DELETE FROM sensors WHERE key = $1`,
		} {
			if _, err := tx.Exec(ctx, sql, key); err != nil {
				return wrap("delete sensor", err)
			}
		}
		return db.audit(ctx, tx, tenant, "sensor.delete", "sensor", id, deletion(id, name))
	})
}
