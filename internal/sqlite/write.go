package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"smartmaint"
)

// readingsJob is one WriteReadings call as the writer runs it.
type readingsJob struct {
	ctx    context.Context
	tenant string
	batch  *batch
	opts   smartmaint.WriteOptions
	res    smartmaint.WriteResult
}

// sensorName is a sensor as a caller names it.
type sensorName struct{ tenant, id string }

// sensorState is what a group write knows of one sensor.
type sensorState struct {
	name    sensorName
	key     int64
	stored  int64   // newest timestamp stored before the group (math.MinInt64: none)
	pendMax int64   // newest timestamp pending in the group (math.MinInt64: none)
	runs    [][]row // the group's new readings of the sensor, one sorted run per job
}

// newest returns the newest timestamp stored or pending.
func (s *sensorState) newest() int64 { return max(s.stored, s.pendMax) }

// groupWriter writes the readings of consecutive WriteReadings jobs as one
// combined write inside the writer's transaction: each job is checked
// against what is stored and what the jobs before it in the group wrote
// (the first write wins, in job order), its result is computed exactly as
// if it had run alone, and then the new readings of all jobs are written
// together: one block per sensor-hour, one statistics update per sensor, one
// rollup part per sensor and minute, one multi-row insert of idempotency
// keys.
//
// A job's own failure (an invalid new sensor, its Response callback, a
// canceled context) is found before the job changes anything, so it fails
// alone. A failure of a statement fails the whole group; the writer then
// rolls the group back and runs its jobs one by one.
type groupWriter struct {
	db      *DB
	tx      *wtx
	now     time.Time
	sensors map[sensorName]*sensorState // nil value: not registered
	keys    map[sensorName][]byte       // idempotency keys (tenant, key) seen or recorded, with their responses
	touched []*sensorState              // sensors with new readings, in first-touch order
	newKeys []any                       // idempotency keys to record: tenant, key, response, created_at
}

// runReadings runs jobs as one group write. It returns each job's own error
// and, separately, the error of a statement that failed the whole group.
func (db *DB) runReadings(tx *wtx, jobs []*readingsJob) ([]error, error) {
	if err := db.cache.validate(tx); err != nil {
		return nil, err
	}
	g := &groupWriter{db: db, tx: tx, now: db.now(), sensors: map[sensorName]*sensorState{}, keys: map[sensorName][]byte{}}
	if err := g.lookup(jobs); err != nil {
		return nil, err
	}
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		var err error
		if errs[i], err = g.job(j); err != nil {
			return nil, err
		}
	}
	if err := g.flush(); err != nil {
		return nil, err
	}
	for _, st := range g.sensors {
		if st != nil {
			db.cache.put(st)
		}
	}
	return errs, nil
}

// job checks one job against the group's state, computes its result and,
// unless the job fails, adds its new readings and sensors to the group. It
// returns the job's own error, or an error that fails the group.
func (g *groupWriter) job(j *readingsJob) (jobErr, err error) {
	j.res = smartmaint.WriteResult{}
	key := j.opts.IdempotencyKey
	if resp, ok := g.keys[sensorName{j.tenant, key}]; key != "" && ok {
		j.res.Replayed = resp
		return nil, nil
	}
	b := j.batch
	var fresh []*smartmaint.Sensor
	for i := range b.sensors {
		if g.sensors[sensorName{j.tenant, b.sensors[i].id}] == nil {
			s, err := g.newSensor(&b.sensors[i])
			if err != nil {
				return err, nil
			}
			fresh = append(fresh, s)
		}
	}
	keep := make([][]row, len(b.sensors))
	inserted := 0
	for i := range b.sensors {
		s := &b.sensors[i]
		rows := b.rows[s.lo:s.hi]
		if st := g.sensors[sensorName{j.tenant, s.id}]; st != nil && len(rows) > 0 && rows[0].TS <= st.newest() {
			if rows, err = g.dropStored(st, rows); err != nil {
				return nil, err
			}
		}
		keep[i] = rows
		inserted += len(rows)
	}
	res := smartmaint.WriteResult{Inserted: inserted, Duplicates: b.total - inserted}
	for _, s := range fresh {
		res.NewSensors = append(res.NewSensors, s.ID)
	}
	var resp []byte
	if key != "" {
		if resp, jobErr = response(j.opts, res); jobErr != nil {
			return jobErr, nil
		}
	}
	if err := g.register(j, fresh); err != nil {
		return nil, err
	}
	for i := range b.sensors {
		if len(keep[i]) > 0 {
			g.add(g.sensors[sensorName{j.tenant, b.sensors[i].id}], keep[i])
		}
	}
	if key != "" {
		g.keys[sensorName{j.tenant, key}] = resp
		g.newKeys = append(g.newKeys, j.tenant, key, resp, micros(g.now))
	}
	j.res = res
	return nil, nil
}

// newSensor builds the sensor that a reading registers: type from the
// first reading's SensorType (inferred from the ID when empty), unit
// likewise, status active.
func (g *groupWriter) newSensor(s *batchSensor) (*smartmaint.Sensor, error) {
	typ := s.typ
	if typ == "" {
		typ = smartmaint.InferSensorType(s.id)
	}
	now := fromMicros(micros(g.now))
	sensor := &smartmaint.Sensor{ID: s.id, Type: typ, Unit: s.unit, Status: smartmaint.SensorActive, CreatedAt: now, UpdatedAt: now}
	return sensor, sensor.Validate()
}

// register stores the sensors a job registers, with their audit entries.
func (g *groupWriter) register(j *readingsJob, fresh []*smartmaint.Sensor) error {
	for _, s := range fresh {
		key, err := insertSensor(g.tx, j.tenant, s)
		if err != nil {
			return err
		}
		n := sensorName{j.tenant, s.ID}
		g.sensors[n] = &sensorState{name: n, key: key, stored: math.MinInt64, pendMax: math.MinInt64}
	}
	return auditRegistrations(j.ctx, g.tx, j.tenant, g.now, fresh)
}

// add records a job's new readings (sorted, none stored or pending yet).
func (g *groupWriter) add(st *sensorState, rows []row) {
	if len(st.runs) == 0 {
		g.touched = append(g.touched, st)
	}
	st.runs = append(st.runs, rows)
	st.pendMax = max(st.pendMax, rows[len(rows)-1].TS)
}

// response builds the response recorded with an idempotency key.
func response(opts smartmaint.WriteOptions, res smartmaint.WriteResult) ([]byte, error) {
	if opts.Response == nil {
		return []byte{}, nil
	}
	resp, err := opts.Response(res)
	if err != nil {
		return nil, fmt.Errorf("sqlite: building the idempotent response: %w", err)
	}
	if resp == nil {
		resp = []byte{}
	}
	return resp, nil
}

// lookup finds the stored sensors and the live idempotency keys that the
// jobs name, with one query per tenant and chunk of names.
func (g *groupWriter) lookup(jobs []*readingsJob) error {
	ids, keys := map[string][]string{}, map[string][]string{}
	var tenants []string
	for _, j := range jobs {
		if _, ok := ids[j.tenant]; !ok {
			tenants = append(tenants, j.tenant)
			ids[j.tenant] = nil
		}
		for i := range j.batch.sensors {
			n := sensorName{j.tenant, j.batch.sensors[i].id}
			if _, ok := g.sensors[n]; ok {
				continue
			}
			if st, ok := g.db.cache.get(n); ok {
				g.sensors[n] = st
				continue
			}
			g.sensors[n] = nil
			ids[j.tenant] = append(ids[j.tenant], n.id)
		}
		if k := j.opts.IdempotencyKey; k != "" {
			keys[j.tenant] = append(keys[j.tenant], k)
		}
	}
	for _, t := range tenants {
		if err := g.lookupSensors(t, ids[t]); err != nil {
			return err
		}
		if err := g.lookupKeys(t, keys[t]); err != nil {
			return err
		}
	}
	return nil
}

// lookupSensors finds the stored sensors among ids. IN lists are padded to
// a power of two with the last ID, so that few statements are prepared.
func (g *groupWriter) lookupSensors(tenant string, ids []string) error {
	return inChunks(ids, func(args []any) error {
		rows, err := g.tx.query(`SELECT id, key, last_reading_at FROM sensors WHERE tenant_id = ? AND id IN (`+
			placeholders(len(args))+`)`, append([]any{tenant}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var last sql.NullInt64
			st := &sensorState{stored: math.MinInt64, pendMax: math.MinInt64}
			if err := rows.Scan(&id, &st.key, &last); err != nil {
				return err
			}
			if last.Valid {
				st.stored = last.Int64
			}
			st.name = sensorName{tenant, id}
			g.sensors[st.name] = st
		}
		return rows.Err()
	})
}

// lookupKeys finds the idempotency keys among keys recorded within
// IdempotencyTTL before now.
func (g *groupWriter) lookupKeys(tenant string, keys []string) error {
	return inChunks(keys, func(args []any) error {
		rows, err := g.tx.query(`SELECT key, response FROM idempotency_keys WHERE tenant_id = ? AND created_at > ? AND key IN (`+
			placeholders(len(args))+`)`, append([]any{tenant, micros(g.now.Add(-smartmaint.IdempotencyTTL))}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var resp []byte
			if err := rows.Scan(&key, &resp); err != nil {
				return err
			}
			if resp == nil {
				resp = []byte{}
			}
			g.keys[sensorName{tenant, key}] = resp
		}
		return rows.Err()
	})
}

// inChunks calls fn with the names in chunks of at most lookupChunk, each
// padded to a power of two by repeating its last name.
func inChunks(names []string, fn func(args []any) error) error {
	for lo := 0; lo < len(names); lo += lookupChunk {
		chunk := names[lo:min(lo+lookupChunk, len(names))]
		n := 1
		for n < len(chunk) {
			n *= 2
		}
		args := make([]any, n)
		for i := range n {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		if err := fn(args); err != nil {
			return err
		}
	}
	return nil
}
