package smartmaint

import (
	"fmt"
	"math"
	"time"
)

// Quality rules of the original data-acquisition agent, kept with its defects
// fixed: the sensor's own reported quality is blended in (the original looked
// up a misspelt attribute and always ignored it), the expected range comes
// from the sensor's configuration, and age lowers the score without causing a
// rejection (the original rejected everything over 24 hours old).
const (
	qualityOutOfRangePenalty = 0.2
	qualityAgedPenalty       = 0.1 // older than QualityAgedAfter
	qualityStalePenalty      = 0.2 // in addition, older than QualityStaleAfter
	qualityComputedWeight    = 0.7
	qualityReportedWeight    = 0.3

	QualityAgedAfter  = time.Hour
	QualityStaleAfter = 24 * time.Hour
)

// ScoreQuality returns the quality score of a reading in [0, 1]: start at 1,
// subtract 0.2 when the value is outside the sensor's expected range, 0.1 when
// the reading is more than an hour old and another 0.2 when it is more than a
// day old, then blend 0.7·score + 0.3·reported, where reported is the
// quality the sensor sent (1 when it sent none). The score is rounded to six
// decimals, so that 0.7·0.9 + 0.3 reads 0.93 and not 0.9299999999999999.
func ScoreQuality(reported float64, inRange bool, age time.Duration) float64 {
	score := 1.0
	if !inRange {
		score -= qualityOutOfRangePenalty
	}
	if age > QualityAgedAfter {
		score -= qualityAgedPenalty
	}
	if age > QualityStaleAfter {
		score -= qualityStalePenalty
	}
	score = qualityComputedWeight*score + qualityReportedWeight*reported
	return math.Round(math.Max(0, math.Min(1, score))*1e6) / 1e6
}

// ReadingLimits bound what a reading may carry.
type ReadingLimits struct {
	// MaxAge is how far in the past a timestamp may lie: a reading older than
	// the tenant's raw retention would be deleted at once, so it is refused.
	MaxAge time.Duration
	// MaxFuture is how far ahead of the server clock a timestamp may lie.
	MaxFuture time.Duration
	// MaxMetadataBytes bounds the JSON metadata of one reading.
	MaxMetadataBytes int
}

// DefaultReadingLimits are the limits of a default tenant.
func DefaultReadingLimits() ReadingLimits {
	return ReadingLimits{
		MaxAge:           DefaultRawRetentionDays * 24 * time.Hour,
		MaxFuture:        time.Hour,
		MaxMetadataBytes: 4096,
	}
}

// ValidateReading checks the parts of a reading that do not depend on the
// store: the sensor ID, a finite value, a reported quality in [0, 1], a
// timestamp within limits relative to now, and the size of the metadata.
// The returned *Error has one detail per problem, each naming its field.
func ValidateReading(r *Reading, now time.Time, lim ReadingLimits) error {
	var errs []error
	errs = append(errs, ValidateID("sensor_id", r.SensorID))
	if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
		errs = append(errs, FieldErrorf("value", "must be a finite number, got %v", r.Value))
	}
	if math.IsNaN(r.Quality) || r.Quality < 0 || r.Quality > 1 {
		errs = append(errs, FieldErrorf("quality", "must be between 0 and 1, got %v", r.Quality))
	}
	switch {
	case r.Time.IsZero():
		errs = append(errs, FieldErrorf("timestamp", "is required"))
	case lim.MaxAge > 0 && r.Time.Before(now.Add(-lim.MaxAge)):
		errs = append(errs, FieldErrorf("timestamp", "%s is older than the retention of raw readings (%s before now)",
			r.Time.UTC().Format(time.RFC3339Nano), formatDays(lim.MaxAge)))
	case lim.MaxFuture > 0 && r.Time.After(now.Add(lim.MaxFuture)):
		errs = append(errs, FieldErrorf("timestamp", "%s is more than %s ahead of the server clock",
			r.Time.UTC().Format(time.RFC3339Nano), lim.MaxFuture))
	}
	if lim.MaxMetadataBytes > 0 && len(r.Metadata) > lim.MaxMetadataBytes {
		errs = append(errs, FieldErrorf("metadata", "is %d bytes; the maximum is %d", len(r.Metadata), lim.MaxMetadataBytes))
	}
	if r.SensorType != "" {
		errs = append(errs, ValidateSensorType(r.SensorType))
	}
	if len(r.Unit) > 50 {
		errs = append(errs, FieldErrorf("unit", "is %d bytes long; the maximum is 50", len(r.Unit)))
	}
	return joinErrors(errs...)
}

func formatDays(d time.Duration) string {
	if days := d / (24 * time.Hour); days*24*time.Hour == d {
		return fmt.Sprintf("%d days", days)
	}
	return d.String()
}
