package ratelimit

import (
	"reflect"
	"strings"
	"testing"

	"smartmaint"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[Class]string{
		Ingest: "20000/s:40000", Query: "100/s:200", ML: "10/s:20", CheckDrift: "10/m",
		Auth: "5/m", Admin: "10/s:20",
	}
	for class, w := range want {
		if got := c[class].PerKey.String(); got != w {
			t.Errorf("%s per key = %s, want %s", class, got, w)
		}
	}
	if c[CheckDrift].PerKey != PerMinute(10) || !c[CheckDrift].PerIP.IsZero() {
		t.Errorf("ml:check_drift = %+v, want 10 per minute per key only, as the original", c[CheckDrift])
	}
	if c[Auth].PerIP != PerMinute(10) {
		t.Errorf("auth per IP = %v, want 10/m", c[Auth].PerIP)
	}
	c[Query] = Policy{}
	if DefaultConfig()[Query].PerKey.IsZero() {
		t.Fatal("DefaultConfig returns a shared map")
	}
}

func TestParseConfig(t *testing.T) {
	def := DefaultConfig()
	tests := []struct {
		name string
		spec string
		want map[Class]Policy // classes expected to differ from the defaults
	}{
		{"empty", "", nil},
		{"blank", "  ", nil},
		{"brief example", "ingest=200/s:400,query=50/s", map[Class]Policy{
			Ingest: {PerKey: PerSecond(200, 400), PerIP: def[Ingest].PerIP},
			Query:  {PerKey: PerSecond(50, 50), PerIP: def[Query].PerIP}}},
		{"per minute with class colon", "ml:check_drift=20/m", map[Class]Policy{
			CheckDrift: {PerKey: PerMinute(20)}}},
		{"ip scope and spaces", " auth.ip = 30/min:10 , auth.key=1/h ", map[Class]Policy{
			Auth: {PerKey: Limit{Rate: 1.0 / 3600, Burst: 1}, PerIP: Limit{Rate: 0.5, Burst: 10}}}},
		{"fractional rate rounds burst up", "ml=2.5/s", map[Class]Policy{
			ML: {PerKey: PerSecond(2.5, 3), PerIP: def[ML].PerIP}}},
		{"off turns both off", "admin=off", map[Class]Policy{Admin: {}}},
		{"ip off", "query.ip=off", map[Class]Policy{Query: {PerKey: def[Query].PerKey}}},
		{"per day", "ml:check_drift.ip=1000/d", map[Class]Policy{
			CheckDrift: {PerKey: PerMinute(10), PerIP: Limit{Rate: 1000.0 / 86400, Burst: 1000}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultConfig()
			for k, v := range tt.want {
				want[k] = v
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ParseConfig(%q) =\n%s\nwant\n%s", tt.spec, got, want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		spec, field, reason string
	}{
		{"ingest", "ingest", "want CLASS=RATE/UNIT"},
		{"=5/s", "=5/s", "want CLASS=RATE/UNIT"},
		{"query=50/s,", "", "want CLASS=RATE/UNIT"},
		{"reports=5/s", "reports", `unknown class "reports" (known: ingest, query, ml, ml:check_drift, auth, admin)`},
		{"query.user=5/s", "query.user", `unknown bucket "user"`},
		{"query=50", "query", "has no unit"},
		{"query=50/x", "query", `unknown unit "x"`},
		{"query=fast/s", "query", `rate "fast" is not a positive number`},
		{"query=-1/s", "query", "not a positive number"},
		{"query=0/s", "query", "not a positive number"},
		{"query=NaN/s", "query", "not a positive number"},
		{"query=50/s:0", "query", `burst "0" is not a positive integer`},
		{"query=50/s:x", "query", `burst "x" is not a positive integer`},
		{"query=2000000/s", "query", "rate: must be at most"},
		{"query=1/d:1000", "query", "burst/rate must be at most"},
		{"query=5/s,query.key=6/s", "query.key", "bucket query.key given twice"},
		{"query=off,query.ip=6/s", "query.ip", "bucket query.ip given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := ParseConfig(tt.spec)
			if smartmaint.ErrorCode(err) != smartmaint.EINVALID {
				t.Fatalf("ParseConfig(%q) error = %v, want EINVALID", tt.spec, err)
			}
			msg := smartmaint.ErrorMessage(err)
			d := smartmaint.ErrorDetails(err)
			if !strings.Contains(msg, tt.reason) || len(d) != 1 || d[0].Field != tt.field {
				t.Fatalf("ParseConfig(%q) = %q %+v; want field %q and reason containing %q",
					tt.spec, msg, d, tt.field, tt.reason)
			}
		})
	}
}

func TestApplyAtomic(t *testing.T) {
	c := DefaultConfig()
	if err := c.Apply("query=1/s,ingest=bad"); err == nil {
		t.Fatal("no error")
	}
	if !reflect.DeepEqual(c, DefaultConfig()) {
		t.Fatalf("a failed Apply changed the config: %s", c)
	}
}

func TestApplyExtraClass(t *testing.T) {
	c := DefaultConfig()
	c["reports"] = Policy{PerKey: PerMinute(6)}
	if err := c.Apply("reports=12/m,reports.ip=1/s"); err != nil {
		t.Fatal(err)
	}
	if c["reports"] != (Policy{PerKey: PerMinute(12), PerIP: PerSecond(1, 1)}) {
		t.Fatalf("reports = %+v", c["reports"])
	}
	if s := c.String(); !strings.HasSuffix(s, ",reports=12/m,reports.ip=1/s") {
		t.Fatalf("String() = %q, want the extra class last", s)
	}
}

func TestConfigStringRoundTrip(t *testing.T) {
	for _, spec := range []string{"", "ingest=1000/s:50,auth=off,ml.ip=0.5/s:3,admin=7/h"} {
		c, err := ParseConfig(spec)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseConfig(c.String())
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", c.String(), err)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip of %q:\n%s\n%s", spec, c, back)
		}
	}
	want := "ingest=20000/s:40000,ingest.ip=40000/s:80000,query=100/s:200,query.ip=200/s:400,ml=10/s:20,ml.ip=20/s:40," +
		"ml:check_drift=10/m,ml:check_drift.ip=off,auth=5/m,auth.ip=10/m,admin=10/s:20,admin.ip=20/s:40"
	if got := DefaultConfig().String(); got != want {
		t.Fatalf("DefaultConfig().String() =\n%s\nwant\n%s", got, want)
	}
}

func TestLimitString(t *testing.T) {
	tests := []struct {
		l    Limit
		want string
	}{
		{Limit{}, "off"},
		{PerMinute(10), "10/m"},
		{PerSecond(200, 400), "200/s:400"},
		{PerSecond(0.5, 1), "30/m:1"},
		{PerSecond(1.0/60, 20), "1/m:20"},
		{PerSecond(1.0/3600, 1), "1/h"},
		{PerSecond(1.0/7, 1), "0.14285714285714285/s"},
	}
	for _, tt := range tests {
		if got := tt.l.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.l, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		c     Config
		field string
	}{
		{"bad limit", Config{Query: {PerKey: PerSecond(0, 1)}}, "query"},
		{"bad ip limit", Config{Query: {PerIP: PerSecond(1, 0)}}, "query.ip"},
		{"dot in class", Config{"a.b": {}}, "a.b"},
		{"empty class", Config{"": {}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != tt.field {
				t.Fatalf("Validate() = %v, want an error about %q", err, tt.field)
			}
		})
	}
}
