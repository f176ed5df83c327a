package smartmaint_test

import (
	"strings"
	"testing"

	"smartmaint"
)

func TestValidateID(t *testing.T) {
	tests := []struct {
		id     string
		reason string // "" means valid
	}{
		{"pump-7", ""},
		{"line1/pump_2:temp@north.plant", ""},
		{"Z9", ""},
		{"", "required"},
		{"a b", `' ' at byte 1`},
		{"pompe-é", `'é' at byte 6`},
		{"tab\tid", `'\t' at byte 3`},
		{"semi;colon", `';' at byte 4`},
		{strings.Repeat("x", 129), "maximum is 128"},
	}
	for _, tt := range tests {
		err := smartmaint.ValidateID("sensor_id", tt.id)
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%q: unexpected error %v", tt.id, err)
		case tt.reason != "" && (err == nil || !strings.Contains(smartmaint.ErrorMessage(err), tt.reason)):
			t.Errorf("%q: error %v, want one saying %s", tt.id, err, tt.reason)
		}
	}
}

func BenchmarkValidateID(b *testing.B) {
	for b.Loop() {
		_ = smartmaint.ValidateID("sensor_id", "plant-1/pump-042/vibration")
	}
}
