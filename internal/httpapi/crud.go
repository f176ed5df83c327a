package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"smartmaint"
)

// page is the envelope of every list endpoint added by smartmaint (the
// original system's list endpoints keep their bare arrays).
type page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// pageParams reads limit and offset.
func pageParams(q *query) (limit, offset int) {
	limit = q.int("limit", smartmaint.DefaultPageSize, 1, smartmaint.MaxPageSize)
	offset = q.int("offset", 0, 0, 1<<31-1)
	return limit, offset
}

func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}

// nullable is a PATCH field that distinguishes "absent" (keep), null (clear)
// and a value.
type nullable[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(b, []byte("null")) {
		n.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// ptr returns the update for a clearable field: nil when absent, a pointer to
// nil when cleared, a pointer to the value otherwise.
func (n nullable[T]) ptr() **T {
	if !n.Set {
		return nil
	}
	v := n.Value
	return &v
}

func created(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
