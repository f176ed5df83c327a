package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

var _ smartmaint.ReadingService = (*DB)(nil)

// readingColumns are the columns COPY fills, in copySource order.
var readingColumns = []string{"sensor_key", "ts", "value", "quality", "tenant_id", "metadata"}

// copySource feeds readings to COPY without building a row slice per batch.
type copySource struct {
	tenant   string
	readings []smartmaint.Reading
	keys     []int64 // sensor key of each reading
	ord      bool    // prepend the reading's index (staging table)
	i        int
	row      []any
}

func (s *copySource) Next() bool { s.i++; return s.i <= len(s.readings) }

func (s *copySource) Err() error { return nil }

func (s *copySource) Values() ([]any, error) {
	r := &s.readings[s.i-1]
	var meta any
	if len(r.Metadata) > 0 {
		meta = string(r.Metadata)
	}
	s.row = append(s.row[:0], s.keys[s.i-1], r.Time, r.Value, r.Quality, s.tenant, meta)
	if s.ord {
		s.row = append(s.row, int32(s.i-1))
	}
	return s.row, nil
}

// WriteReadings stores the readings in one transaction (see
// smartmaint.ReadingService). A reading whose (tenant, sensor, timestamp) is
// stored already is a duplicate: the first write wins, also between two
// readings of the same batch. Unknown sensors are registered, the sensor
// statistics and the minute and hour rollups updated, all in the same
// transaction. Small writes without an idempotency key that arrive while
// another is committing share a transaction (group.go).
func (db *DB) WriteReadings(ctx context.Context, readings []smartmaint.Reading, opts smartmaint.WriteOptions) (smartmaint.WriteResult, error) {
	tenant, err := requireTenant(ctx)
	if err != nil {
		return smartmaint.WriteResult{}, err
	}
	if len(readings) == 0 && opts.IdempotencyKey == "" {
		return smartmaint.WriteResult{}, nil
	}
	readings = normalize(readings)
	if opts.IdempotencyKey == "" && len(readings) <= smallBatch {
		return db.writeGrouped(ctx, tenant, readings)
	}
	return db.writeAlone(ctx, tenant, readings, opts)
}

// writeAlone stores one call's readings in a transaction of their own,
// waiting first for a bulk-write token when they are more than a few.
func (db *DB) writeAlone(ctx context.Context, tenant string, readings []smartmaint.Reading, opts smartmaint.WriteOptions) (smartmaint.WriteResult, error) {
	var res smartmaint.WriteResult
	if len(readings) > smallBatch {
		select {
		case db.bulk <- struct{}{}:
			defer func() { <-db.bulk }()
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	err := db.writeTx(ctx, readings, func(tx pgx.Tx) error {
		var err error
		res, err = db.write(ctx, tx, tenant, readings, opts)
		return err
	})
	if errors.Is(err, errStop) {
		return res, nil
	}
	if err != nil {
		return smartmaint.WriteResult{}, writeError(err)
	}
	return res, nil
}

// writeTx runs fn in a transaction once the partitions of the readings'
// timestamps exist. It tries again once when another replica's retention
// dropped a partition this store knew.
func (db *DB) writeTx(ctx context.Context, readings []smartmaint.Reading, fn func(pgx.Tx) error) error {
	times := make([]time.Time, len(readings))
	for i := range readings {
		times[i] = readings[i].Time
	}
	for attempt := 0; ; attempt++ {
		if err := db.ensurePartitions(ctx, times); err != nil {
			return err
		}
		err := db.inTx(ctx, fn)
		if pgCode(err) == codeCheckViolation && attempt == 0 {
			db.parts.forget()
			continue
		}
		return err
	}
}

// writeError turns the error of a failed write into the caller's error.
func writeError(err error) error {
	if pgCode(err) == codeInvalidText {
		return smartmaint.FieldErrorf("metadata", "is not valid JSON")
	}
	return classify(err, "Reading", "")
}

// normalize returns the readings with timestamps truncated to the stored
// precision, copying the slice only when one needs truncating.
func normalize(readings []smartmaint.Reading) []smartmaint.Reading {
	out := readings
	for i := range readings {
		t := readings[i].Time.Truncate(smartmaint.TimePrecision)
		if !t.Equal(readings[i].Time) {
			if &out[0] == &readings[0] {
				out = append([]smartmaint.Reading(nil), readings...)
			}
			out[i].Time = t
		}
	}
	return out
}

// write is the body of the WriteReadings transaction.
func (db *DB) write(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading, opts smartmaint.WriteOptions) (smartmaint.WriteResult, error) {
	var res smartmaint.WriteResult
	now := db.now()
	if opts.IdempotencyKey != "" {
		replay, err := claimKey(ctx, tx, tenant, opts.IdempotencyKey, now)
		if err != nil {
			return res, err
		}
		if replay != nil {
			res.Replayed = replay
			return res, errStop // roll back: nothing is written
		}
	}
	_, inserted, created, err := storeReadings(ctx, tx, tenant, readings, now, lockModeFor(len(readings)))
	if err != nil {
		return res, err
	}
	res.NewSensors = created
	res.Inserted = len(inserted)
	res.Duplicates = len(readings) - len(inserted)
	if opts.IdempotencyKey != "" {
		if err := storeResponse(ctx, tx, tenant, opts, res); err != nil {
			return res, err
		}
	}
	// Last, so that the chain's lock is held only until the commit.
	if err := db.auditRegistrations(ctx, tx, tenant, readings, created, now); err != nil {
		return res, err
	}
	return res, nil
}

// lockMode is how a write locks the rows of its sensors, which keeps them
// from being deleted, and retention from deleting or dropping their
// readings (both take FOR UPDATE), while the write runs, and makes writers
// of the same sensors take turns for the statistics and rollups.
type lockMode string

const (
	// lockExclusive locks them FOR UPDATE from the lookup to the commit:
	// writers of the same sensors run one after the other.
	lockExclusive lockMode = "UPDATE"
	// lockShared locks them FOR KEY SHARE from the lookup, which other
	// writers share, then FOR NO KEY UPDATE, in key order, from the
	// statistics to the commit: bulk writes of the same sensors insert their
	// readings in parallel and take turns only for the bookkeeping. It costs
	// one statement more.
	lockShared lockMode = "KEY SHARE"
)

// lockModeFor is the lock mode of a write of n readings in a transaction of
// its own: shared for COPY batches, exclusive for a few readings.
func lockModeFor(n int) lockMode {
	if n > smallBatch {
		return lockShared
	}
	return lockExclusive
}

// storeReadings registers the readings' unknown sensors, inserts the
// readings and updates the sensor statistics and rollups. It returns the
// sensor key of every reading, the rows that were new and the sensors
// registered.
func storeReadings(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading, now time.Time, mode lockMode) ([]int64, []stored, []string, error) {
	keys, created, err := sensorKeys(ctx, tx, tenant, readings, now, mode)
	if err != nil {
		return nil, nil, nil, err
	}
	inserted, err := insertReadings(ctx, tx, tenant, readings, keys)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := updateAggregates(ctx, tx, tenant, inserted, mode); err != nil {
		return nil, nil, nil, err
	}
	return keys, inserted, created, nil
}

// auditRegistrations appends one sensor.register entry per sensor the write
// registered, holding the sensor as registered. Readings themselves are
// data, not audited.
func (db *DB) auditRegistrations(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading, created []string, now time.Time) error {
	if len(created) == 0 {
		return nil
	}
	first := make(map[string]*smartmaint.Reading, len(created))
	for _, id := range created {
		first[id] = nil
	}
	for i := range readings {
		if r, ok := first[readings[i].SensorID]; ok && r == nil {
			first[readings[i].SensorID] = &readings[i]
		}
	}
	entries := make([]*smartmaint.AuditEntry, len(created))
	for i, id := range created {
		s := registeredFrom(first[id])
		s.CreatedAt, s.UpdatedAt = now, now
		entries[i] = smartmaint.NewAuditEntry(ctx, "sensor.register", "sensor", id, s)
	}
	return db.appendAudit(ctx, tx, tenant, entries...)
}

// registeredFrom returns the sensor WriteReadings registers for the first
// reading r of an unknown sensor: type and unit from r (the type inferred
// from the ID when r has none), status active.
func registeredFrom(r *smartmaint.Reading) *smartmaint.Sensor {
	typ := r.SensorType
	if typ == "" {
		typ = smartmaint.InferSensorType(r.SensorID)
	}
	return &smartmaint.Sensor{ID: r.SensorID, Type: typ, Unit: r.Unit, Status: smartmaint.SensorActive}
}

// claimKey records the idempotency key, or returns the stored response when
// the tenant used the key within IdempotencyTTL. A concurrent request with
// the same key waits on the key's unique index until the first commits (and
// then replays it) or rolls back (and then claims the key itself).
func claimKey(ctx context.Context, tx pgx.Tx, tenant, key string, now time.Time) ([]byte, error) {
	rows, err := tx.Query(ctx, `
		INSERT INTO idempotency_keys (tenant_id, key, response, created_at) VALUES ($1, $2, NULL, $3)
		ON CONFLICT (tenant_id, key) DO UPDATE SET response = NULL, created_at = EXCLUDED.created_at
		WHERE idempotency_keys.created_at <= $4
		RETURNING 1`, tenant, key, now, now.Add(-smartmaint.IdempotencyTTL))
	if err != nil {
		return nil, err
	}
	claimed := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil || claimed {
		return nil, err
	}
	var resp []byte
	err = tx.QueryRow(ctx, `SELECT coalesce(response, '') FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`,
		tenant, key).Scan(&resp)
	if resp == nil {
		resp = []byte{}
	}
	return resp, err
}

func storeResponse(ctx context.Context, tx pgx.Tx, tenant string, opts smartmaint.WriteOptions, res smartmaint.WriteResult) error {
	var resp []byte
	var err error
	if opts.Response != nil {
		resp, err = opts.Response(res)
	} else {
		resp, err = json.Marshal(res)
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET response = $3 WHERE tenant_id = $1 AND key = $2`,
		tenant, opts.IdempotencyKey, resp)
	return err
}

// sensorKeys returns the sensor key of every reading, registering unknown
// sensors, and the IDs of the sensors registered, in first-seen order. It
// locks the sensors' rows in key order, in the given mode.
func sensorKeys(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading, now time.Time, mode lockMode) ([]int64, []string, error) {
	first := make(map[string]int) // sensor ID -> index of its first reading
	var ids []string
	for i := range readings {
		if _, ok := first[readings[i].SensorID]; !ok {
			first[readings[i].SensorID] = i
			ids = append(ids, readings[i].SensorID)
		}
	}
	byID, err := lockSensors(ctx, tx, tenant, ids, mode)
	if err != nil {
		return nil, nil, err
	}
	var created []string
	if len(byID) < len(ids) {
		created, err = registerSensors(ctx, tx, tenant, readings, ids, first, byID, now, mode)
		if err != nil {
			return nil, nil, err
		}
	}
	keys := make([]int64, len(readings))
	for i := range readings {
		keys[i] = byID[readings[i].SensorID]
	}
	return keys, created, nil
}

// lockSensors returns the keys of the tenant's sensors among ids and locks
// their rows, in key order, in the given mode.
func lockSensors(ctx context.Context, tx pgx.Tx, tenant string, ids []string, mode lockMode) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, key FROM sensors WHERE tenant_id = $1 AND id = ANY($2)
		ORDER BY key FOR `+string(mode), tenant, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]int64, len(ids))
	var id string
	var key int64
	_, err = pgx.ForEachRow(rows, []any{&id, &key}, func() error { byID[id] = key; return nil })
	return byID, err
}

// registerSensors inserts the sensors missing from byID (type and unit from
// their first reading, the type inferred from the ID when the reading has
// none) and adds their keys to byID. A sensor another transaction registered
// meanwhile is looked up and locked instead.
func registerSensors(ctx context.Context, tx pgx.Tx, tenant string, readings []smartmaint.Reading,
	ids []string, first map[string]int, byID map[string]int64, now time.Time, mode lockMode) ([]string, error) {
	var newIDs, types, units []string
	for _, id := range ids {
		if _, ok := byID[id]; ok {
			continue
		}
		r := &readings[first[id]]
		if r.SensorType != "" {
			if err := smartmaint.ValidateSensorType(r.SensorType); err != nil {
				return nil, err
			}
		}
		s := registeredFrom(r)
		newIDs, types, units = append(newIDs, id), append(types, s.Type), append(units, s.Unit)
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO sensors (tenant_id, id, type, unit, status, created_at, updated_at)
		SELECT $1, u.id, u.type, u.unit, 'active', $5, $5
		FROM unnest($2::text[], $3::text[], $4::text[]) AS u (id, type, unit) ORDER BY u.id
		ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id, key`, tenant, newIDs, types, units, now)
	if err != nil {
		return nil, err
	}
	inserted := make(map[string]bool)
	var id string
	var key int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &key}, func() error {
		byID[id], inserted[id] = key, true
		return nil
	}); err != nil {
		return nil, err
	}
	if len(inserted) < len(newIDs) {
		more, err := lockSensors(ctx, tx, tenant, newIDs, mode)
		if err != nil {
			return nil, err
		}
		for id, key := range more {
			byID[id] = key
		}
	}
	created := make([]string, 0, len(inserted))
	for _, id := range newIDs {
		if inserted[id] {
			created = append(created, id)
		}
	}
	sort.SliceStable(created, func(i, j int) bool { return first[created[i]] < first[created[j]] })
	return created, nil
}
