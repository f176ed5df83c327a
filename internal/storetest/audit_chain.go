package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

// appendEntry appends an entry for action on target to the chain of the
// tenant in ctx.
func (e *accessEnv) appendEntry(ctx context.Context, action, targetType, targetID string, summary any) *smartmaint.AuditEntry {
	e.tb.Helper()
	x := smartmaint.NewAuditEntry(ctx, action, targetType, targetID, summary)
	if err := e.a.AppendAudit(ctx, x); err != nil {
		e.tb.Fatalf("AppendAudit(%s): %v", action, err)
	}
	return x
}

func (e *accessEnv) verify(tenant string) smartmaint.AuditVerification {
	e.tb.Helper()
	v, err := e.a.VerifyAudit(context.Background(), tenant)
	if err != nil {
		e.tb.Fatalf("VerifyAudit(%q): %v", tenant, err)
	}
	return v
}

func testAuditChains(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	e.tenant("acme", 30, 60) // platform chain, seq 1
	e.clock.Advance(time.Second)
	ctx := principalCtx(smartmaint.DefaultTenantID, "user", "u-1", "req-1")
	first := e.appendEntry(ctx, "auth.login", "session", "sess-1", map[string]string{"user_agent": "curl"})
	want := smartmaint.AuditEntry{TenantID: smartmaint.DefaultTenantID, Seq: 1, Time: at(time.Second), ActorKind: "user",
		ActorID: "u-1", Action: "auth.login", TargetType: "session", TargetID: "sess-1", RequestID: "req-1",
		ClientIP: "198.51.100.23", Summary: json.RawMessage(`{"user_agent":"curl"}`)}
	want.Hash = want.ComputeHash()
	if !reflect.DeepEqual(first, &want) {
		t.Fatalf("AppendAudit filled\n%+v\nwant\n%+v", first, &want)
	}
	e.clock.Advance(time.Second)
	// The summary is kept byte for byte: the hash covers its exact bytes.
	raw := &smartmaint.AuditEntry{ActorKind: "anonymous", Action: "auth.login_failed", TargetType: "email",
		TargetID: "x@example.com", Summary: json.RawMessage(`{"b": 1,  "a":[true]}`)}
	if err := e.a.AppendAudit(e.ctx, raw); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if raw.Seq != 2 || raw.PrevHash != first.Hash || raw.Hash != raw.ComputeHash() {
		t.Fatalf("second entry seq %d prev %q hash %q; want 2, linked to the first, its own hash", raw.Seq, raw.PrevHash, raw.Hash)
	}
	platform := e.appendEntry(context.Background(), "auth.login_failed", "email", "y@example.com", nil)
	acme := e.appendEntry(smartmaint.NewContextWithTenant(context.Background(), "acme"), "auth.logout", "session", "s", nil)
	if platform.TenantID != "" || platform.Seq != 2 || acme.TenantID != "acme" || acme.Seq != 1 || acme.PrevHash != "" {
		t.Fatalf("platform entry %s/%d, acme entry %s/%d prev %q: chains are not independent",
			platform.TenantID, platform.Seq, acme.TenantID, acme.Seq, acme.PrevHash)
	}
	if got := e.chain(smartmaint.DefaultTenantID); !reflect.DeepEqual(got, []*smartmaint.AuditEntry{first, raw}) {
		t.Fatalf("stored default chain =\n%+v\nwant\n%+v", got, []*smartmaint.AuditEntry{first, raw})
	}
	tenants, err := e.a.AuditTenants(context.Background())
	if err != nil || !slices.Equal(tenants, []string{"", "acme", smartmaint.DefaultTenantID}) {
		t.Fatalf("AuditTenants = %q, %v", tenants, err)
	}
	for tenant, n := range map[string]int64{"": 2, "acme": 1, smartmaint.DefaultTenantID: 2, "no-chain": 0} {
		v := e.verify(tenant)
		if !v.OK || v.Entries != n || v.TenantID != tenant || v.FirstBadSeq != 0 {
			t.Fatalf("VerifyAudit(%q) = %+v, want OK with %d entries", tenant, v, n)
		}
	}

	refused := []struct {
		name, field string
		x           smartmaint.AuditEntry
	}{
		{"no action", "action", smartmaint.AuditEntry{ActorKind: "system"}},
		{"unknown actor kind", "actor_kind", smartmaint.AuditEntry{ActorKind: "robot", Action: "x.y"}},
		{"summary not JSON", "summary", smartmaint.AuditEntry{ActorKind: "system", Action: "x.y", Summary: json.RawMessage(`{bad`)}},
	}
	for _, tc := range refused {
		wantErrField(t, "AppendAudit "+tc.name, e.a.AppendAudit(e.ctx, &tc.x), tc.field)
	}
	if n := len(e.chain(smartmaint.DefaultTenantID)); n != 2 {
		t.Fatalf("refused appends left %d entries, want 2", n)
	}

	// One write registering three sensors: three entries, first-seen order.
	e.clock.Advance(time.Second)
	rs := []smartmaint.Reading{reading("c", Epoch, 1), reading("a", Epoch, 1), reading("c", at(time.Second), 1), reading("b", Epoch, 1)}
	if res := e.write(e.ctx, rs); !slices.Equal(res.NewSensors, []string{"c", "a", "b"}) {
		t.Fatalf("NewSensors = %v", res.NewSensors)
	}
	c := e.chain(smartmaint.DefaultTenantID)
	var got []string
	for _, x := range c[2:] {
		got = append(got, fmt.Sprintf("%d %s %s %s", x.Seq, x.Action, x.TargetID, x.Time.Format(time.TimeOnly)))
	}
	if !slices.Equal(got, []string{"3 sensor.register c 12:00:03", "4 sensor.register a 12:00:03", "5 sensor.register b 12:00:03"}) {
		t.Fatalf("entries of the write = %q", got)
	}
	if v := e.verify(smartmaint.DefaultTenantID); !v.OK || v.Entries != 5 {
		t.Fatalf("VerifyAudit after the write = %+v", v)
	}
}

func testAuditQueries(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	actions := []string{"site.create", "site.update", "auth.login"}
	for i := range 12 {
		e.clock.Advance(time.Minute)
		ctx := principalCtx(smartmaint.DefaultTenantID, "user", fmt.Sprintf("u-%d", i%2), fmt.Sprintf("r-%d", i))
		e.appendEntry(ctx, actions[i%3], "site", fmt.Sprintf("s-%d", i%4), nil)
	}
	seqs := func(xs []*smartmaint.AuditEntry) []int64 {
		var out []int64
		for _, x := range xs {
			out = append(out, x.Seq)
		}
		return out
	}
	cases := []struct {
		name  string
		f     smartmaint.AuditFilter
		want  []int64
		total int
	}{
		{"first page", smartmaint.AuditFilter{Limit: 5}, []int64{12, 11, 10, 9, 8}, 12},
		{"last page", smartmaint.AuditFilter{Limit: 5, Offset: 10}, []int64{2, 1}, 12},
		{"past the end", smartmaint.AuditFilter{Limit: 5, Offset: 20}, nil, 12},
		{"action", smartmaint.AuditFilter{Action: "site.update"}, []int64{11, 8, 5, 2}, 4},
		{"actor", smartmaint.AuditFilter{ActorID: "u-1", Limit: 2}, []int64{12, 10}, 6},
		{"target", smartmaint.AuditFilter{TargetType: "site", TargetID: "s-1"}, []int64{10, 6, 2}, 3},
		{"other target type", smartmaint.AuditFilter{TargetType: "user", TargetID: "s-1"}, nil, 0},
		{"time range inclusive", smartmaint.AuditFilter{From: at(3 * time.Minute), To: at(5 * time.Minute)}, []int64{5, 4, 3}, 3},
		{"from only", smartmaint.AuditFilter{From: at(11 * time.Minute)}, []int64{12, 11}, 2},
		{"to and action", smartmaint.AuditFilter{To: at(7 * time.Minute), Action: "site.create"}, []int64{7, 4, 1}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := e.a.FindAudit(e.ctx, tc.f)
			if err != nil || !slices.Equal(seqs(got), tc.want) || total != tc.total {
				t.Fatalf("FindAudit(%+v) = %v total %d (%v); want %v total %d", tc.f, seqs(got), total, err, tc.want, tc.total)
			}
			f := tc.f
			f.Limit, f.Offset = 1, 0 // an export ignores paging
			var exported []*smartmaint.AuditEntry
			err = e.a.ExportAudit(e.ctx, f, func(x *smartmaint.AuditEntry) error { exported = append(exported, x); return nil })
			if err != nil || len(exported) != tc.total || !slices.IsSortedFunc(exported, func(a, b *smartmaint.AuditEntry) int { return int(a.Seq - b.Seq) }) {
				t.Fatalf("ExportAudit(%+v) = %v (%v); want %d entries oldest first", f, seqs(exported), err, tc.total)
			}
		})
	}
	_, _, err := e.a.FindAudit(e.ctx, smartmaint.AuditFilter{Limit: smartmaint.MaxPageSize + 1})
	wantErrField(t, "FindAudit limit too large", err, "limit")
	_, _, err = e.a.FindAudit(e.ctx, smartmaint.AuditFilter{Offset: -1})
	wantErrField(t, "FindAudit negative offset", err, "offset")
	stop := errors.New("stop here")
	n := 0
	err = e.a.ExportAudit(e.ctx, smartmaint.AuditFilter{}, func(*smartmaint.AuditEntry) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("ExportAudit with a failing callback = %v after %d entries; want the callback's error after 1", err, n)
	}
}

func testAuditTamper(t *testing.T, b Backend) {
	if b.TamperAudit == nil {
		t.Skip("the backend has no TamperAudit hook")
	}
	cases := []struct {
		tamper  AuditTamper
		wantBad int64
	}{
		{AuditTamper{TenantID: "t-summary", Seq: 3, Kind: TamperSummary}, 3},
		{AuditTamper{TenantID: "t-delete", Seq: 3, Kind: TamperDelete}, 4}, // the entry after the gap
		{AuditTamper{TenantID: "t-swap", Seq: 2, Kind: TamperSwap}, 2},
		{AuditTamper{TenantID: "", Seq: 1, Kind: TamperSummary}, 1},
	}
	e := newAccessEnv(t, b)
	for _, tc := range cases {
		if tc.tamper.TenantID != "" {
			e.tenant(tc.tamper.TenantID, 30, 60)
		}
		ctx := principalCtx(tc.tamper.TenantID, "user", "u-1", "req")
		for i := range 5 {
			e.clock.Advance(time.Second)
			e.appendEntry(ctx, "site.update", "site", fmt.Sprint("s", i), map[string]int{"n": i})
		}
	}
	intact := e.auditSizes()
	for _, tc := range cases {
		t.Run(tc.tamper.Kind+" "+tc.tamper.TenantID, func(t *testing.T) {
			if v := e.verify(tc.tamper.TenantID); !v.OK {
				t.Fatalf("VerifyAudit before tampering = %+v", v)
			}
			b.TamperAudit(t, e.s, tc.tamper)
			v := e.verify(tc.tamper.TenantID)
			if v.OK || v.FirstBadSeq != tc.wantBad || v.Problem == "" || v.TenantID != tc.tamper.TenantID {
				t.Fatalf("VerifyAudit after %+v = %+v; want not OK, first bad seq %d, a problem", tc.tamper, v, tc.wantBad)
			}
		})
	}
	// Every chain was checked on its own: an untouched one still verifies.
	e.tenant("untouched", 30, 60)
	e.appendEntry(principalCtx("untouched", "user", "u-1", "req"), "site.update", "site", "s", nil)
	if v := e.verify("untouched"); !v.OK || v.Entries != 1 {
		t.Fatalf("untouched chain = %+v", v)
	}
	if len(intact) != len(cases) {
		t.Fatalf("chains before tampering: %v", intact)
	}
}

func testAuditConcurrency(t *testing.T, b Backend) {
	e := newAccessEnv(t, b)
	const workers, each = 6, 8
	var wg sync.WaitGroup
	errs := make(chan error, 3*workers*each)
	for w := range workers {
		for _, tenant := range []string{smartmaint.DefaultTenantID, ""} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := principalCtx(tenant, "user", fmt.Sprint("u-", w), "req")
				for i := range each {
					x := smartmaint.NewAuditEntry(ctx, "test.append", "thing", fmt.Sprint(w, "-", i), nil)
					errs <- e.a.AppendAudit(ctx, x)
				}
			}()
		}
		// Store methods append to the same chain at the same time.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- e.s.CreateSite(e.ctx, &smartmaint.Site{ID: fmt.Sprintf("site-%d-%d", w, i), Name: "x"})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent append: %v", err)
		}
	}
	for tenant, n := range map[string]int64{smartmaint.DefaultTenantID: 2 * workers * each, "": workers * each} {
		v := e.verify(tenant)
		if !v.OK || v.Entries != n {
			t.Fatalf("VerifyAudit(%q) after concurrent appends = %+v, want OK with %d entries", tenant, v, n)
		}
	}
}
