package sqlite

import (
	"context"

	"smartmaint"
)

var _ smartmaint.ReadingService = (*DB)(nil)

// WriteReadings stores readings in one transaction (see
// smartmaint.ReadingService) as blocks, one per sensor-hour. The first write
// of a (sensor, timestamp) key wins: later readings with a stored key, or
// repeated within the batch, are counted as duplicates and change nothing.
// Sensor statistics are updated in the same transaction from the readings
// actually stored, together with the rollup parts (per sensor and minute)
// that the rollup job merges. Each sensor the write registers gets a
// sensor.register audit entry in the same transaction; readings themselves
// are not audited. Calls that the writer commits together are written as
// one combined write with the same results (see groupWriter).
func (db *DB) WriteReadings(ctx context.Context, readings []smartmaint.Reading, opts smartmaint.WriteOptions) (smartmaint.WriteResult, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return smartmaint.WriteResult{}, err
	}
	if len(readings) == 0 && opts.IdempotencyKey == "" {
		return smartmaint.WriteResult{}, nil
	}
	j := &readingsJob{ctx: ctx, tenant: tenant, batch: prepareBatch(readings), opts: opts}
	if err := db.w.doReadings(ctx, len(readings), j); err != nil {
		return smartmaint.WriteResult{}, err
	}
	return j.res, nil
}
