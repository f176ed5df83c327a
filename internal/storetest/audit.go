package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// AuditTamper is an edit of a stored audit chain made behind the store's
// back, bypassing its append-only protection (triggers, permissions), as an
// attacker with database access would. Backend.TamperAudit performs it; the
// suite then checks that VerifyAudit reports the damage.
type AuditTamper struct {
	TenantID string // the chain ("" for the platform's)
	Seq      int64
	Kind     string // TamperSummary, TamperDelete or TamperSwap
}

// Kinds of AuditTamper.
const (
	// TamperSummary replaces the stored summary of entry Seq with
	// {"tampered":true}, leaving every other column as it is.
	TamperSummary = "summary"
	// TamperDelete removes entry Seq.
	TamperDelete = "delete"
	// TamperSwap exchanges the stored contents (every column but the tenant
	// and the sequence number) of entries Seq and Seq+1.
	TamperSwap = "swap"
)

// principalCtx returns a context acting as a principal of kind and id in
// tenant ("" for none), with a request ID and a client IP.
func principalCtx(tenant, kind, id, requestID string) context.Context {
	ctx := smartmaint.NewContextWithPrincipal(context.Background(), &smartmaint.Principal{Kind: kind, ID: id, TenantID: tenant})
	ctx = smartmaint.NewContextWithRequestID(ctx, requestID)
	return smartmaint.NewContextWithClientIP(ctx, "198.51.100.23")
}

// chainCtx returns a context whose audit chain is tenant's ("" for the
// platform's).
func chainCtx(tenant string) context.Context {
	if tenant == "" {
		return context.Background()
	}
	return smartmaint.NewContextWithTenant(context.Background(), tenant)
}

// chain returns tenant's audit chain, oldest first.
func (e *accessEnv) chain(tenant string) []*smartmaint.AuditEntry {
	e.tb.Helper()
	var out []*smartmaint.AuditEntry
	err := e.a.ExportAudit(chainCtx(tenant), smartmaint.AuditFilter{}, func(x *smartmaint.AuditEntry) error {
		out = append(out, x)
		return nil
	})
	if err != nil {
		e.tb.Fatalf("ExportAudit(%q): %v", tenant, err)
	}
	return out
}

// auditSizes returns the length of every chain.
func (e *accessEnv) auditSizes() map[string]int {
	e.tb.Helper()
	tenants, err := e.a.AuditTenants(context.Background())
	if err != nil {
		e.tb.Fatalf("AuditTenants: %v", err)
	}
	out := map[string]int{}
	for _, t := range tenants {
		out[t] = len(e.chain(t))
	}
	return out
}

// auditStep is one call of a state-changing method and the entry it must
// append.
type auditStep struct {
	name   string
	in     string // the tenant in ctx ("" for none)
	chain  string // the chain that gains the entry
	kind   string // principal kind: "user", "key", or "" for none (system)
	call   func(ctx context.Context) error
	action string // "" when the call must append nothing
	target [2]string
	// summary checks the entry's summary, decoded.
	summary func(tb testing.TB, m map[string]any)
}

func testAuditEntries(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	if got := e.auditSizes(); len(got) != 0 {
		t.Fatalf("a fresh store has audit chains %v", got)
	}
	steps := slices.Concat(auditEntitySteps(e), auditAccessSteps(e), auditSilentSteps(e))
	for _, st := range steps {
		e.clock.Advance(time.Second)
		before := e.auditSizes()
		actorKind, actorID := "system", ""
		ctx := smartmaint.NewContextWithClientIP(smartmaint.NewContextWithRequestID(chainCtx(st.in), "req-"+st.name), "198.51.100.23")
		if st.kind != "" {
			actorKind, actorID = st.kind, st.kind+"-7"
			ctx = principalCtx(st.in, st.kind, actorID, "req-"+st.name)
		}
		if err := st.call(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after := e.auditSizes()
		if st.action == "" {
			if !mapsEqual(before, after) {
				t.Fatalf("%s appended audit entries: chains %v -> %v", st.name, before, after)
			}
			continue
		}
		before[st.chain]++
		if !mapsEqual(before, after) {
			t.Fatalf("%s: chains %v after the call, want exactly one more entry in %q", st.name, after, st.chain)
		}
		c := e.chain(st.chain)
		x := c[len(c)-1]
		want := &smartmaint.AuditEntry{TenantID: st.chain, Seq: int64(len(c)), Time: e.clock.Now(), ActorKind: actorKind,
			ActorID: actorID, Action: st.action, TargetType: st.target[0], TargetID: st.target[1],
			RequestID: "req-" + st.name, ClientIP: "198.51.100.23", Summary: x.Summary, PrevHash: x.PrevHash, Hash: x.Hash}
		if !reflect.DeepEqual(x, want) {
			t.Fatalf("%s: entry\n%+v\nwant\n%+v", st.name, x, want)
		}
		checkSummary(t, st, x.Summary)
	}
	for _, tenant := range []string{"", "acme", smartmaint.DefaultTenantID} {
		if v, err := e.a.VerifyAudit(context.Background(), tenant); err != nil || !v.OK {
			t.Fatalf("VerifyAudit(%q) after every method: %+v, %v", tenant, v, err)
		}
	}
}

// checkSummary decodes an entry's summary, refuses secrets in it and runs
// the step's check.
func checkSummary(t *testing.T, st auditStep, summary json.RawMessage) {
	t.Helper()
	for _, secret := range []string{testHash, "password_hash", "key-hash", `"hash"`, "token"} {
		if strings.Contains(string(summary), secret) {
			t.Fatalf("%s: summary %s holds a secret (%q)", st.name, summary, secret)
		}
	}
	if st.summary == nil {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(summary, &m); err != nil {
		t.Fatalf("%s: summary %s is not a JSON object: %v", st.name, summary, err)
	}
	st.summary(t, m)
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// path walks a decoded JSON object along keys.
func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

// wantPath returns a summary check that every key path has its value
// (compared after JSON decoding: numbers are float64; nil means null or
// absent).
func wantPath(pairs ...any) func(tb testing.TB, m map[string]any) {
	return func(tb testing.TB, m map[string]any) {
		tb.Helper()
		for i := 0; i < len(pairs); i += 2 {
			keys := strings.Split(pairs[i].(string), ".")
			if got := path(m, keys...); got != pairs[i+1] {
				b, _ := json.Marshal(m)
				tb.Fatalf("summary %s: %s = %#v, want %#v", b, pairs[i], got, pairs[i+1])
			}
		}
	}
}

// changedOnly returns a summary check that "changes" names exactly fields.
func changedOnly(fields ...string) func(tb testing.TB, m map[string]any) {
	return func(tb testing.TB, m map[string]any) {
		tb.Helper()
		ch, _ := m["changes"].(map[string]any)
		var got []string
		for k := range ch {
			got = append(got, k)
		}
		slices.Sort(got)
		slices.Sort(fields)
		if ch == nil || !slices.Equal(got, fields) {
			tb.Fatalf("summary changes %v, want exactly %v", m["changes"], fields)
		}
	}
}

// both combines summary checks.
func both(checks ...func(tb testing.TB, m map[string]any)) func(tb testing.TB, m map[string]any) {
	return func(tb testing.TB, m map[string]any) {
		tb.Helper()
		for _, c := range checks {
			c(tb, m)
		}
	}
}
