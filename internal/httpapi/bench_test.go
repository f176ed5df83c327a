package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/httpapi"
	"smartmaint/internal/ingest"
	"smartmaint/internal/keycache"
	"smartmaint/internal/sqlite"
)

// BenchmarkIngestOneParallel posts single readings through the whole handler
// (request ID, authentication, rate limit, ingest service, store with group
// commit) from parallel clients, without the network.
func BenchmarkIngestOneParallel(b *testing.B) {
	// The server's defaults: sensors and tenants cached for 5 s, verified
	// API keys for 250 ms (as serve wraps its store).
	store := backends()[0].open(b)
	api := newTestAPIOpts(b, keycache.Wrap(store, 250*time.Millisecond), httpapi.Config{Version: "bench"}, nil, ingest.Options{})
	base := time.Now().Add(-time.Hour).Unix()
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf(`{"sensor_id":"bench-%03d","value":%d.5,"timestamp":%d.%06d}`, i%100, i%1000, base+i/100, i%100)
			req := httptest.NewRequest("POST", "/api/v1/data/ingest", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+api.key)
			rec := httptest.NewRecorder()
			api.api.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	if db, ok := store.(*sqlite.DB); ok {
		st := db.Stats()
		b.ReportMetric(float64(st.Jobs)/float64(st.Commits), "jobs/commit")
		b.ReportMetric(st.WriterBusy.Seconds()/b.Elapsed().Seconds(), "writer-busy")
	}
	_ = smartmaint.DefaultTenantID
}
