package ratelimit

import (
	"math"
	"testing"
	"time"

	"smartmaint"
)

func TestLimitValidate(t *testing.T) {
	tests := []struct {
		name  string
		l     Limit
		field string // "" when valid
	}{
		{"per minute", PerMinute(10), ""},
		{"per second", PerSecond(200, 400), ""},
		{"fractional", PerSecond(0.5, 1), ""},
		{"max rate", PerSecond(MaxRate, 1), ""},
		{"zero", Limit{}, "rate"},
		{"negative rate", PerSecond(-1, 1), "rate"},
		{"NaN rate", PerSecond(math.NaN(), 1), "rate"},
		{"Inf rate", PerSecond(math.Inf(1), 1), "rate"},
		{"rate too high", PerSecond(MaxRate*2, 1), "rate"},
		{"zero burst", PerSecond(1, 0), "burst"},
		{"negative burst", PerSecond(1, -3), "burst"},
		{"burst too big", PerSecond(1e6, MaxBurst+1), "burst"},
		{"fill too slow", PerSecond(1e-9, 1), "burst"},
		{"per minute zero", PerMinute(0), "rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", tt.l, err)
				}
				return
			}
			if smartmaint.ErrorCode(err) != smartmaint.EINVALID {
				t.Fatalf("Validate(%+v) = %v, want EINVALID", tt.l, err)
			}
			if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != tt.field {
				t.Fatalf("Validate(%+v) details = %+v, want field %q", tt.l, d, tt.field)
			}
		})
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		l    Limit
		want time.Duration
	}{
		{PerMinute(10), 6 * time.Second},
		{PerMinute(60), time.Second},
		{PerSecond(200, 1), 5 * time.Millisecond},
		{PerSecond(3, 1), 333333 * time.Microsecond},
		{PerSecond(0.5, 1), 2 * time.Second},
		{PerSecond(MaxRate, 1), time.Microsecond},
		{PerMinute(7), 8571429 * time.Microsecond}, // 60/7 s rounded to the microsecond
	}
	for _, tt := range tests {
		if got := tt.l.Interval(); got != tt.want {
			t.Errorf("%+v.Interval() = %v, want %v", tt.l, got, tt.want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{-time.Second, 0}, {0, 0}, {time.Nanosecond, 1}, {time.Second, 1},
		{time.Second + time.Nanosecond, 2}, {6 * time.Second, 6}, {5999 * time.Millisecond, 6},
	}
	for _, tt := range tests {
		if got := RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

// refBucket is a token bucket written the textbook way (a level and the time
// of the last update) in exact integer units: the level is counted in
// nanoseconds of refill, so one token is t units. It checks gcra.
type refBucket struct {
	level, last, t, b int64
	started           bool
}

func (r *refBucket) take(now int64) (allowed bool, remaining, retry int64) {
	if !r.started {
		r.level, r.started = r.b*r.t, true
	} else {
		r.level = min(r.level+(now-r.last), r.b*r.t)
	}
	r.last = now
	if r.level < r.t {
		return false, 0, r.t - r.level
	}
	r.level -= r.t
	return true, r.level / r.t, 0
}

func TestGCRAMatchesTokenBucket(t *testing.T) {
	rng := newRand(1)
	for trial := range 200 {
		tt := int64(1 + rng.IntN(1e6))
		b := int64(1 + rng.IntN(20))
		ref := refBucket{t: tt, b: b}
		var tat, now int64
		for step := range 300 {
			if rng.IntN(3) != 0 { // else another request at the same instant
				now += rng.Int64N(2 * tt)
			}
			wantOK, wantRem, wantRetry := ref.take(now)
			var ok bool
			var rem, retry int64
			tat, ok, rem, retry, _ = gcra(tat, now, tt, b)
			if ok != wantOK || rem != wantRem || retry != wantRetry {
				t.Fatalf("trial %d step %d (T=%d B=%d now=%d): gcra = %v,%d,%d; bucket = %v,%d,%d",
					trial, step, tt, b, now, ok, rem, retry, wantOK, wantRem, wantRetry)
			}
		}
	}
}
