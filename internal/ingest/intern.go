package ingest

import "smartmaint"

// maxInterned bounds the strings one decoder keeps; past it strings are
// allocated as usual, so a body of unique IDs cannot grow the table without
// limit.
const maxInterned = 4096

// interner returns one shared string per distinct byte sequence: a batch of
// 10,000 readings from 100 sensors allocates 100 sensor IDs, not 10,000.
type interner struct {
	strs  map[string]string
	types map[string]string // raw sensor_type -> normalised
}

func newInterner() *interner {
	return &interner{strs: make(map[string]string), types: make(map[string]string)}
}

func (in *interner) intern(b []byte) string {
	if s, ok := in.strs[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if len(in.strs) < maxInterned {
		in.strs[s] = s
	}
	return s
}

// sensorType returns the normalised form (smartmaint.NormalizeSensorType) of
// a sensor_type value.
func (in *interner) sensorType(b []byte) string {
	if s, ok := in.types[string(b)]; ok {
		return s
	}
	raw := string(b)
	s := smartmaint.NormalizeSensorType(raw)
	if len(in.types) < maxInterned {
		in.types[raw] = s
	}
	return s
}
