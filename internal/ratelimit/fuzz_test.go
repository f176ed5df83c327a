package ratelimit

import (
	"reflect"
	"testing"
)

// FuzzParseConfig: any spec either fails with an error or gives a valid
// Config that survives a round trip through String.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{"", "ingest=200/s:400,query=50/s", "ml:check_drift=10/m", "auth.ip=off",
		"admin=off", "query=0.5/min:3", "ml=1e3/h", "query=59.99999999999/m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		c, err := ParseConfig(spec)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig(%q) gave an invalid config: %v", spec, err)
		}
		back, err := ParseConfig(c.String())
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip of %q through %q: %v\n%s", spec, c.String(), err, back)
		}
	})
}
