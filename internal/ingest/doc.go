// Package ingest turns request bodies into validated, quality-scored
// smartmaint.Reading values and writes them through the store.
//
// # Formats
//
// One reading is a JSON object with the fields of the original system:
// sensor_id (string, required), value (number, required), timestamp,
// sensor_type, unit, quality (0–1, default 1), correlation_id (at most 255
// bytes) and metadata (a JSON object). null counts as absent for the
// optional fields. Unknown fields, duplicate keys, wrong types, numbers
// beyond float64 and strings that are not UTF-8 are rejected, each problem
// naming its field.
//
// A batch is a JSON array of such objects, NDJSON (one object per line,
// blank lines ignored) or CSV with a header line: long format
// sensor_id,timestamp,value[,quality] in any column order, or wide format
// timestamp,<sensor>,<sensor>,... where each non-empty cell is one reading.
// A syntax error in a JSON array rejects the whole body (naming line, column
// and byte offset); in NDJSON and CSV it rejects that line only. A CSV cell
// cannot span lines, since no field of a reading can hold a line break.
//
// # Timestamps
//
// A timestamp is an RFC 3339 / ISO 8601 string
// (YYYY-MM-DDThh:mm[:ss[.fraction]][zone], 'T' or a space between date and
// time). A string without a zone is UTC, never the server's local time. A
// number is Unix seconds with an optional fraction; a number above 1e11 is
// refused because it is almost certainly milliseconds. CSV cells take either
// form. A reading without a timestamp (JSON only) takes the server clock.
// Timestamps are truncated to smartmaint.TimePrecision (microseconds) and
// must lie within the tenant's raw retention in the past and Options.MaxFuture
// ahead (smartmaint.ValidateReading).
//
// # Quality
//
// The stored quality is smartmaint.ScoreQuality of the quality the sensor
// reported, whether the value lies within the sensor's configured expected
// range (an unknown sensor, or an unset bound, does not constrain), and the
// reading's age. This is the original data-acquisition agent's rule with its
// defects fixed: the reported quality counts (the original read a misspelt
// attribute and ignored it), the range is the configured one rather than the
// extremes seen so far in memory, and age lowers the score instead of
// rejecting the reading, so history can be backfilled.
//
// # Sensors
//
// Readings of a decommissioned sensor are refused. A reading of an unknown
// sensor registers it (in the store's write) with the payload's sensor_type,
// normalised, or else a type inferred from the sensor ID. Sensor and tenant
// lookups are cached per tenant for Options.SensorCacheTTL.
//
// # Performance
//
// The readers are hand-written scanners over a reused buffer: they stream
// the body and allocate almost nothing per reading (sensor IDs are
// interned). Each request is written with one store call, so it is
// committed entirely or not at all.
package ingest
