package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"smartmaint"
	"smartmaint/internal/pgtest"
)

// BenchmarkAuditAppend measures AppendAudit (one transaction: chain lock,
// head read, insert, durable commit), sequential, and reports p50 and p99.
func BenchmarkAuditAppend(b *testing.B) {
	pgtest.URL(b)
	db := openAt(b, pgtest.FreshDatabase(b), fixed(epoch), Options{})
	ctx := smartmaint.NewContextWithPrincipal(context.Background(), &smartmaint.Principal{Kind: "user", ID: "u-1", TenantID: smartmaint.DefaultTenantID})
	i := 0
	timed(b, func() error {
		i++
		return db.AppendAudit(ctx, smartmaint.NewAuditEntry(ctx, "site.update", "site", "s-1", map[string]int{"i": i}))
	})
}

// BenchmarkCreateSite measures a small audited change (insert and audit
// entry in one transaction), sequential, with p50 and p99.
func BenchmarkCreateSite(b *testing.B) {
	pgtest.URL(b)
	db := openAt(b, pgtest.FreshDatabase(b), fixed(epoch), Options{})
	i := 0
	timed(b, func() error {
		i++
		return db.CreateSite(tenantCtx, &smartmaint.Site{ID: fmt.Sprint("site-", i), Name: "Plant"})
	})
}

// BenchmarkCreateSiteParallel measures audited changes of one tenant from 8
// goroutines at once: they queue on the chain's lock from the append to the
// commit, so this is the ceiling of audited changes per tenant.
func BenchmarkCreateSiteParallel(b *testing.B) {
	pgtest.URL(b)
	db := openAt(b, pgtest.FreshDatabase(b), fixed(epoch), Options{MaxConns: 8})
	var n atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS (2) goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.CreateSite(tenantCtx, &smartmaint.Site{ID: fmt.Sprint("site-", n.Add(1)), Name: "Plant"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
}

// BenchmarkVerifyAudit measures VerifyAudit over a chain of 100,000 entries
// (run it with a small -benchtime, e.g. 5x) and reports entries verified
// per second.
func BenchmarkVerifyAudit(b *testing.B) {
	pgtest.URL(b)
	db := openAt(b, pgtest.FreshDatabase(b), fixed(epoch), Options{})
	const n, chunk = 100_000, 1000
	ctx := context.Background()
	for i := 0; i < n; i += chunk {
		entries := make([]*smartmaint.AuditEntry, chunk)
		for j := range entries {
			entries[j] = smartmaint.NewAuditEntry(tenantCtx, "site.update", "site", fmt.Sprint("s-", i+j),
				map[string]any{"changes": map[string]any{"name": map[string]string{"from": "a", "to": "b"}}})
		}
		tx, err := db.pool.Begin(ctx)
		if err == nil {
			err = db.appendAudit(ctx, tx, smartmaint.DefaultTenantID, entries...)
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := db.VerifyAudit(ctx, smartmaint.DefaultTenantID)
		if err != nil || !v.OK || v.Entries != n {
			b.Fatalf("VerifyAudit = %+v, %v", v, err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkWriteOneNewSensor measures WriteReadings of one reading of a
// sensor the store does not know yet: the registration and its
// sensor.register audit entry are in the write transaction.
func BenchmarkWriteOneNewSensor(b *testing.B) {
	pgtest.URL(b)
	db := openAt(b, pgtest.FreshDatabase(b), fixed(benchBase), Options{})
	i := 0
	timed(b, func() error {
		i++
		res, err := db.WriteReadings(tenantCtx, []smartmaint.Reading{{SensorID: fmt.Sprint("new-", i), Time: benchBase,
			Value: 1, Quality: 1}}, smartmaint.WriteOptions{})
		if err == nil && len(res.NewSensors) != 1 {
			err = fmt.Errorf("WriteReadings = %+v", res)
		}
		return err
	})
}
