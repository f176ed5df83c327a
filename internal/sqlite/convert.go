package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"smartmaint"
)

// encodeMetadata returns a metadata map as JSON text, or NULL when empty.
func encodeMetadata(m map[string]any) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, smartmaint.FieldErrorf("metadata", "cannot be encoded as JSON: %v", err)
	}
	return string(b), nil
}

// decodeMetadata parses stored metadata; NULL gives a nil map.
func decodeMetadata(s sql.NullString) (map[string]any, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s.String), &m); err != nil {
		return nil, fmt.Errorf("sqlite: stored metadata: %w", err)
	}
	return m, nil
}

// nullString returns s, or NULL when it is empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullFloat returns *p, or NULL.
func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// floatPtr returns a pointer to a non-NULL value.
func floatPtr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Float64
	return &v
}

// page checks Limit and Offset of a listing and returns the limit to use.
func page(limit, offset int) (int, error) {
	switch {
	case limit < 0 || limit > smartmaint.MaxPageSize:
		return 0, smartmaint.FieldErrorf("limit", "must be between 1 and %d, got %d", smartmaint.MaxPageSize, limit)
	case offset < 0:
		return 0, smartmaint.FieldErrorf("offset", "must not be negative, got %d", offset)
	case limit == 0:
		return smartmaint.DefaultPageSize, nil
	}
	return limit, nil
}

// where assembles a WHERE clause from conditions.
func where(conds []string) string {
	return " WHERE " + strings.Join(conds, " AND ")
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
