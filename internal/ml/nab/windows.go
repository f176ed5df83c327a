package nab

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// timeLayouts are the timestamp forms ParseTimestamp accepts, NAB's first.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTimestamp parses a timestamp as NAB writes it ("2014-02-19
// 10:50:00", optionally with fractional seconds) or in RFC 3339. A
// timestamp without a zone is taken as UTC.
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp (want e.g. 2014-02-19 10:50:00 or RFC 3339)", s)
}

// ParseWindows parses a NAB windows file: a JSON object mapping a file's
// relative path ("realKnownCause/nyc_taxi.csv") to its list of
// [start, end] timestamp pairs.
func ParseWindows(data []byte) (map[string][]Window, error) {
	var raw map[string][][]string
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("windows file: %w (want {\"dir/file.csv\": [[start, end], ...]})", err)
	}
	out := make(map[string][]Window, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ws := make([]Window, 0, len(raw[k]))
		for i, pair := range raw[k] {
			if len(pair) != 2 {
				return nil, fmt.Errorf("windows file: %s: window %d has %d timestamps, want 2", k, i, len(pair))
			}
			start, err := ParseTimestamp(pair[0])
			if err != nil {
				return nil, fmt.Errorf("windows file: %s: window %d start: %w", k, i, err)
			}
			end, err := ParseTimestamp(pair[1])
			if err != nil {
				return nil, fmt.Errorf("windows file: %s: window %d end: %w", k, i, err)
			}
			if end.Before(start) {
				return nil, fmt.Errorf("windows file: %s: window %d ends before it starts", k, i)
			}
			ws = append(ws, Window{Start: start, End: end})
		}
		out[k] = ws
	}
	return out, nil
}
