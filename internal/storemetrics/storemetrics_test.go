package storemetrics_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"smartmaint"
	"smartmaint/internal/sqlite"
	"smartmaint/internal/storemetrics"
)

// TestOutcomes: each call is counted under its operation and its outcome,
// the error code when it fails.
func TestOutcomes(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), sqlite.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := prometheus.NewRegistry()
	s := storemetrics.Wrap(db, reg)
	ctx := smartmaint.NewContextWithTenant(context.Background(), smartmaint.DefaultTenantID)

	if err := s.CreateSite(ctx, &smartmaint.Site{ID: "s1", Name: "Site"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindSiteByID(ctx, "missing"); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Fatalf("err %v", err)
	}
	if _, err := s.FindUserByEmail(ctx, "nobody@example.com"); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Fatalf("err %v", err)
	}
	got, err := testutil.GatherAndCount(reg, "smartmaint_store_operation_duration_seconds")
	if err != nil || got != 3 {
		t.Fatalf("%d series (%v), want 3", got, err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var l []string
			for _, p := range m.GetLabel() {
				l = append(l, p.GetName()+"="+p.GetValue())
			}
			labels = append(labels, strings.Join(l, ","))
		}
	}
	joined := strings.Join(labels, "\n")
	for _, w := range []string{
		"dialect=sqlite,op=create_site,outcome=ok",
		"dialect=sqlite,op=find_site,outcome=not_found",
		"dialect=sqlite,op=find_user_by_email,outcome=not_found",
	} {
		if !strings.Contains(joined, w) {
			t.Errorf("no series %s among:\n%s", w, joined)
		}
	}
}
