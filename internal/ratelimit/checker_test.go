package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"smartmaint"
)

func newTestChecker(tb testing.TB, c Config) (*Checker, *Memory, *fakeClock) {
	tb.Helper()
	m, clk := newTestMemory(tb, MemoryOptions{})
	ch, err := NewChecker(m, c)
	if err != nil {
		tb.Fatal(err)
	}
	return ch, m, clk
}

func TestCheckerBuckets(t *testing.T) {
	ctx := context.Background()
	ch, m, _ := newTestChecker(t, Config{
		Query: {PerKey: PerSecond(1, 2), PerIP: PerSecond(1, 3)},
		Auth:  {PerKey: PerMinute(5)},
		Admin: {},
	})

	// Both buckets allow: the smaller Remaining wins.
	d, err := ch.Check(ctx, Query, "k1", "10.0.0.1")
	if err != nil || !d.Allowed || d.Remaining != 1 || d.Limit != PerSecond(1, 2) {
		t.Fatalf("first: %+v %v, want allowed, 1 remaining under the key's limit", d, err)
	}
	// Another key from the same address: the address's bucket is stricter now.
	d, _ = ch.Check(ctx, Query, "k2", "10.0.0.1")
	if !d.Allowed || d.Remaining != 1 {
		t.Fatalf("second: %+v, want allowed with 1 remaining", d)
	}
	d, _ = ch.Check(ctx, Query, "k3", "10.0.0.1")
	if !d.Allowed || d.Remaining != 0 || d.Limit != PerSecond(1, 3) {
		t.Fatalf("third: %+v, want allowed with 0 remaining under the IP limit", d)
	}
	// The address's bucket is empty: refused (k4's token is spent).
	d, _ = ch.Check(ctx, Query, "k4", "10.0.0.1")
	if d.Allowed || d.Limit != PerSecond(1, 3) || d.RetryAfter != time.Second {
		t.Fatalf("fourth: %+v, want refused by the IP limit", d)
	}
	// k1's own bucket runs out: refused without charging the address.
	if d, _ := ch.Check(ctx, Query, "k1", "10.0.0.2"); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("k1 from another address: %+v, want allowed with 0 remaining", d)
	}
	d, _ = ch.Check(ctx, Query, "k1", "10.0.0.2")
	if d.Allowed || d.Limit != PerSecond(1, 2) {
		t.Fatalf("k1 again: %+v, want refused by the key limit", d)
	}
	if r := mustAllow(t, m, IPBucket("10.0.0.2", Query), PerSecond(1, 3)).Remaining; r != 1 {
		t.Fatalf("address bucket has %d left after one allowed and one key-refused request, want 1 (2 before this call)", r)
	}

	// No subject: only the address; no address: only the subject.
	if d, _ := ch.Check(ctx, Query, "", "10.0.0.9"); d.Limit != PerSecond(1, 3) || d.Remaining != 2 {
		t.Fatalf("no subject: %+v", d)
	}
	if d, _ := ch.Check(ctx, Auth, "alice@example.com", "10.0.0.9"); d.Limit != PerMinute(5) || d.Remaining != 4 {
		t.Fatalf("auth without an IP limit: %+v", d)
	}
	// A class with both buckets off.
	if d, err := ch.Check(ctx, Admin, "k1", "10.0.0.1"); !d.Allowed || !d.Limit.IsZero() || err != nil {
		t.Fatalf("class off: %+v %v, want allowed with a zero Limit", d, err)
	}
	// An unknown class is refused.
	if d, err := ch.Check(ctx, ML, "k1", "10.0.0.1"); d.Allowed || smartmaint.ErrorCode(err) != smartmaint.EINVALID {
		t.Fatalf("unknown class: %+v %v", d, err)
	}
}

func TestCheckerCheckDrift(t *testing.T) {
	ch, _, clk := newTestChecker(t, DefaultConfig())
	ctx := context.Background()
	for i := range 10 {
		if d, _ := ch.Check(ctx, CheckDrift, "key-1", "192.0.2.1"); !d.Allowed {
			t.Fatalf("call %d refused: %+v", i+1, d)
		}
	}
	d, _ := ch.Check(ctx, CheckDrift, "key-1", "192.0.2.1")
	if d.Allowed || d.RetryAfter != 6*time.Second {
		t.Fatalf("11th call: %+v, want refused for 6 s", d)
	}
	if err := d.Err(); smartmaint.ErrorCode(err) != smartmaint.ERATELIMITED ||
		smartmaint.ErrorMessage(err) != "Rate limit exceeded: 10 per minute. Retry after 6 s." {
		t.Fatalf("Err() = %v", err)
	}
	if d, _ := ch.Check(ctx, CheckDrift, "key-2", "192.0.2.1"); !d.Allowed {
		t.Fatal("another key from the same address refused: the drift limit is per key")
	}
	clk.Advance(6 * time.Second)
	if d, _ := ch.Check(ctx, CheckDrift, "key-1", "192.0.2.1"); !d.Allowed {
		t.Fatal("refused 6 s after the 11th call")
	}
}

func TestCheckerFailOpen(t *testing.T) {
	r := NewRedis(redis.NewClient(&redis.Options{Addr: closedPort(t), MaxRetries: -1, DialerRetries: 1}), "")
	ch, err := NewChecker(r, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d, err := ch.Check(context.Background(), Query, "k", "10.0.0.1")
	if !d.Allowed || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("%+v %v, want allowed with ErrUnavailable", d, err)
	}
}

func TestNewCheckerValidates(t *testing.T) {
	if _, err := NewChecker(nil, Config{Query: {PerKey: PerSecond(1, 0)}}); err == nil {
		t.Fatal("NewChecker accepted a zero burst")
	}
}

func TestIPBucket(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"192.0.2.1", "ip:192.0.2.1:query"},
		{"::ffff:192.0.2.1", "ip:192.0.2.1:query"},
		{"2001:db8:1:2:3:4:5:6", "ip:2001:db8:1:2::/64:query"},
		{"2001:db8:1:2::ffff", "ip:2001:db8:1:2::/64:query"},
		{"fe80::1%eth0", "ip:fe80::/64:query"},
		{"::1", "ip:::/64:query"},
		{"not-an-ip", "ip:not-an-ip:query"},
	}
	for _, tt := range tests {
		if got := IPBucket(tt.ip, Query); got != tt.want {
			t.Errorf("IPBucket(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
	if got := KeyBucket("ak_123", CheckDrift); got != "key:ak_123:ml:check_drift" {
		t.Errorf("KeyBucket = %q", got)
	}
}

func TestStricter(t *testing.T) {
	l1, l2 := PerSecond(1, 1), PerSecond(2, 2)
	allow := func(rem int, l Limit) Decision { return Decision{Allowed: true, Remaining: rem, Limit: l} }
	deny := func(retry time.Duration, l Limit) Decision { return Decision{RetryAfter: retry, Limit: l} }
	none := Decision{Allowed: true}
	tests := []struct {
		name    string
		a, b    Decision
		wantOne string // "a" or "b"
	}{
		{"refusal beats allowance", allow(5, l1), deny(time.Second, l2), "b"},
		{"refusal beats allowance, a", deny(time.Second, l1), allow(0, l2), "a"},
		{"longer wait", deny(time.Second, l1), deny(2*time.Second, l2), "b"},
		{"equal waits keep a", deny(time.Second, l1), deny(time.Second, l2), "a"},
		{"fewer remaining", allow(3, l1), allow(2, l2), "b"},
		{"equal remaining keep a", allow(2, l1), allow(2, l2), "a"},
		{"no bucket yields", none, allow(9, l2), "b"},
		{"no bucket yields, b", deny(time.Second, l1), none, "a"},
	}
	for _, tt := range tests {
		want := map[string]Decision{"a": tt.a, "b": tt.b}[tt.wantOne]
		if got := Stricter(tt.a, tt.b); got != want {
			t.Errorf("%s: Stricter = %+v, want %+v", tt.name, got, want)
		}
	}
}

func TestSetHeaders(t *testing.T) {
	tests := []struct {
		name string
		d    Decision
		want http.Header
	}{
		{"allowed", Decision{Allowed: true, Remaining: 7, ResetAfter: 1500 * time.Millisecond, Limit: PerSecond(2, 10)},
			http.Header{"X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {"7"}, "X-Ratelimit-Reset": {"2"}}},
		{"refused", Decision{RetryAfter: 5001 * time.Millisecond, ResetAfter: time.Minute, Limit: PerMinute(10)},
			http.Header{"X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"60"},
				"Retry-After": {"6"}}},
		{"refused for under a second", Decision{RetryAfter: time.Millisecond, Limit: PerSecond(1000, 1)},
			http.Header{"X-Ratelimit-Limit": {"1"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"0"},
				"Retry-After": {"1"}}},
		{"no bucket", Decision{Allowed: true}, http.Header{}},
	}
	for _, tt := range tests {
		h := http.Header{}
		SetHeaders(h, tt.d)
		if !reflect.DeepEqual(h, tt.want) {
			t.Errorf("%s: headers %v, want %v", tt.name, h, tt.want)
		}
	}
}

func TestDecisionErr(t *testing.T) {
	if (Decision{Allowed: true}).Err() != nil {
		t.Fatal("Err of an allowed decision")
	}
	err := Decision{RetryAfter: 1200 * time.Millisecond, Limit: PerSecond(200, 400)}.Err()
	if got := smartmaint.ErrorMessage(err); got != "Rate limit exceeded: 200 per second, burst 400. Retry after 2 s." {
		t.Fatalf("message %q", got)
	}
}
