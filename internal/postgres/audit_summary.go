package postgres

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Audit summaries. A creation records the object's JSON (which never holds a
// secret: hashes are not serialised), an update the fields that changed, a
// deletion the object's ID and name.

// change is one field's old and new JSON value (null when absent).
type change struct {
	From json.RawMessage `json:"from"`
	To   json.RawMessage `json:"to"`
}

// changeSummary is the summary of an update.
type changeSummary struct {
	Changes map[string]change `json:"changes"`
	// PasswordChanged records a new password hash without the hash.
	PasswordChanged bool `json:"password_changed,omitempty"`
}

// unchangedFields are left out of update summaries: the timestamps change
// with every update, the sensor statistics with every write.
var unchangedFields = map[string]bool{"created_at": true, "updated_at": true, "stats": true}

// changes compares the JSON of before and after field by field and returns
// the fields that differ.
func changes(before, after any) *changeSummary {
	a, b := jsonFields(before), jsonFields(after)
	names := make([]string, 0, len(a)+len(b))
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	out := &changeSummary{Changes: map[string]change{}}
	for _, k := range names {
		if !unchangedFields[k] && !bytes.Equal(a[k], b[k]) {
			out.Changes[k] = change{From: a[k], To: b[k]}
		}
	}
	return out
}

// jsonFields returns the top-level fields of v's JSON object.
func jsonFields(v any) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if b, err := json.Marshal(v); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

// deletion is the summary of a deletion.
func deletion(id, name string) map[string]string { return map[string]string{"id": id, "name": name} }
