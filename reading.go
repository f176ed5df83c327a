package smartmaint

import (
	"context"
	"encoding/json"
	"time"
)

// TimePrecision is the precision at which reading timestamps are stored.
// Finer parts are truncated on ingest.
const TimePrecision = time.Microsecond

// Reading is one measured value of one sensor at one instant.
//
// Readings are keyed by (tenant, sensor, timestamp). Writing a reading whose
// key is already stored changes nothing and is not an error: the first write
// wins, so re-sending a batch after a timeout is always safe.
type Reading struct {
	SensorID string    `json:"sensor_id"`
	Time     time.Time `json:"timestamp"`
	Value    float64   `json:"value"`

	// Quality is the quality score in [0, 1] computed at ingest from the
	// sensor's own reported quality, the reading's age and the sensor's
	// expected range (see ScoreQuality).
	Quality float64 `json:"quality"`

	// Metadata is an optional JSON object, stored as sent.
	Metadata json.RawMessage `json:"metadata,omitempty"`

	// SensorType and Unit describe the sensor when the reading registers it
	// (its first reading); they are not stored with each reading.
	SensorType string `json:"sensor_type,omitempty"`
	Unit       string `json:"unit,omitempty"`
}

// WriteOptions tune one WriteReadings call.
type WriteOptions struct {
	// IdempotencyKey, when set, is recorded in the same transaction as the
	// readings, together with the response that Response builds from the
	// result. If the tenant recorded the same key within IdempotencyTTL,
	// nothing is written and WriteResult.Replayed holds the stored response.
	IdempotencyKey string
	Response       func(WriteResult) ([]byte, error)
}

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 10 * time.Minute

// WriteResult reports what a write of readings did.
type WriteResult struct {
	Inserted   int      // new readings stored
	Duplicates int      // readings whose key was already stored (nothing written)
	NewSensors []string // sensors registered by this write, in first-seen order
	Replayed   []byte   // the stored response of an idempotency key seen before
}

// ReadingFilter selects readings of the tenant in ctx. Start and End are
// inclusive; zero means unbounded. Results are ordered newest first, ties
// broken by sensor ID.
type ReadingFilter struct {
	SensorIDs []string // empty: every sensor of the tenant
	Start     time.Time
	End       time.Time
	Limit     int // 1..MaxPageSize; 0 means DefaultPageSize
	Offset    int
	// After continues a listing after the last reading of a previous page
	// (keyset pagination); it is exclusive and takes precedence over Offset.
	After *ReadingCursor
	// Ascending orders oldest first instead (used by export).
	Ascending bool
}

// ReadingCursor is the position of a reading in a listing.
type ReadingCursor struct {
	Time     time.Time
	SensorID string
}

// ReadingService stores and reads the readings of the tenant in ctx.
type ReadingService interface {
	// WriteReadings stores the readings in one transaction: all of them or,
	// on error, none. Readings of unknown sensors register the sensor first
	// (type from Reading.SensorType, which the caller has filled, and unit
	// from Reading.Unit). Readings must already be valid (see
	// ValidateReading) and their timestamps truncated to TimePrecision. It
	// returns only once the transaction is durable on disk. A reading whose
	// key is stored already counts as a duplicate and changes nothing (the
	// first write wins); the sensor statistics count each stored reading once.
	WriteReadings(ctx context.Context, readings []Reading, opts WriteOptions) (WriteResult, error)

	// FindReadings lists readings (see ReadingFilter for the order).
	FindReadings(ctx context.Context, filter ReadingFilter) ([]*Reading, error)

	// ExportReadings calls fn for every reading matching filter (Limit and
	// Offset ignored), in filter order, streaming from the store without
	// holding the result in memory. An error from fn stops the export and is
	// returned.
	ExportReadings(ctx context.Context, filter ReadingFilter, fn func(*Reading) error) error

	// FindSeries aggregates one sensor's readings into buckets, reading the
	// coarsest rollup that serves the plan (see PlanSeries).
	FindSeries(ctx context.Context, q SeriesQuery) (*Series, error)
}

// MaintenanceService runs the store's background duties. The stores run them
// on their own schedule; these methods let tests and operators run them now.
type MaintenanceService interface {
	// RefreshRollups brings the 1-minute and 1-hour rollups up to date with
	// every committed reading.
	RefreshRollups(ctx context.Context) error
	// EnforceRetention deletes raw readings and rollups older than each
	// tenant's retention, measured back from now.
	EnforceRetention(ctx context.Context, now time.Time) (RetentionResult, error)
}

// RetentionResult reports what a retention pass removed.
type RetentionResult struct {
	ReadingsDeleted   int64
	RollupsDeleted    int64
	PartitionsDropped []string // PostgreSQL only
}
