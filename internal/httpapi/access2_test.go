package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/httpapi"
	"smartmaint/internal/ratelimit"
)

// TestSetup: a server without accounts accepts its one-time token once.
func TestSetup(t *testing.T) {
	store := backends()[0].open(t)
	api := newTestAPIWith(t, store, httpapi.Config{Version: "test", SetupToken: "the-token"}, nil)
	noAuth := map[string]string{"Authorization": ""}
	body := `{"token":%q,"email":"first@example.com","name":"First Admin","password":"correct horse battery staple"}`
	api.run(t, scenario{method: "POST", url: "/api/v1/setup", headers: noAuth, body: fmt.Sprintf(body, "wrong"), status: 401})
	api.run(t, scenario{method: "POST", url: "/api/v1/setup", headers: noAuth, body: fmt.Sprintf(body, "the-token"), status: 201, contains: []string{`"platform_operator":true`}})
	api.run(t, scenario{method: "POST", url: "/api/v1/setup", headers: noAuth, body: fmt.Sprintf(body, "the-token"), status: 409, contains: []string{"closed"}})
	cookie, _ := api.loginAs(t, "first@example.com", "correct horse battery staple", "")
	api.run(t, scenario{method: "GET", url: "/api/v1/admin/tenants", headers: map[string]string{"Authorization": "", "Cookie": cookie}, status: 200, contains: []string{`"default"`}})
}

// TestRateLimited: past the burst of its class a caller gets 429 with
// Retry-After, and the check_drift class keeps the original 10 per minute.
func TestRateLimited(t *testing.T) {
	cfg := ratelimit.DefaultConfig()
	if err := cfg.Apply("query=3/m,query.ip=off"); err != nil {
		t.Fatal(err)
	}
	mem := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	t.Cleanup(func() { mem.Close() })
	checker, err := ratelimit.NewChecker(mem, cfg)
	if err != nil {
		t.Fatal(err)
	}
	api := newTestAPIWith(t, backends()[0].open(t), httpapi.Config{Version: "test"}, checker)
	for i := 0; i < 3; i++ {
		resp, body := api.do(t, "GET", "/api/v1/sites", nil, "")
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("request %d: %d %v %s", i+1, resp.StatusCode, resp.Header, body)
		}
	}
	resp, body := api.do(t, "GET", "/api/v1/sites", nil, "")
	code, msg, _ := errorOf(t, body)
	if resp.StatusCode != 429 || code != "rate_limited" || resp.Header.Get("Retry-After") != "20" {
		t.Fatalf("4th request: %d %s Retry-After=%q, want 429 rate_limited after 20 s", resp.StatusCode, msg, resp.Header.Get("Retry-After"))
	}
	// Another key has its own bucket.
	other := api.newKey(t, smartmaint.DefaultTenantID)
	api.run(t, scenario{method: "GET", url: "/api/v1/sites", headers: map[string]string{"Authorization": "Bearer " + other}, status: 200})
}

// TestAuditTrail: changes made through the API are in the audit log with the
// key that made them and the request's ID; the CSV export and the chain
// verification agree.
func TestAuditTrail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		steps := []scenario{
			{method: "POST", url: "/api/v1/sites", headers: map[string]string{"X-Request-ID": "req-site"}, body: `{"id":"s1","name":"Site 1"}`, status: 201},
			{method: "PATCH", url: "/api/v1/sites/s1", headers: map[string]string{"X-Request-ID": "req-rename"}, body: `{"name":"Site One"}`, status: 200},
			{method: "DELETE", url: "/api/v1/sites/s1", headers: map[string]string{"X-Request-ID": "req-delete"}, status: 204},
		}
		for _, sc := range steps {
			api.run(t, sc)
		}
		var page struct {
			Items []smartmaint.AuditEntry `json:"items"`
			Total int                     `json:"total"`
		}
		_, body := api.do(t, "GET", "/api/v1/audit?target_type=site", nil, "")
		mustJSON(t, body, &page)
		want := []struct{ action, request string }{{"site.delete", "req-delete"}, {"site.update", "req-rename"}, {"site.create", "req-site"}}
		if len(page.Items) != 3 {
			t.Fatalf("site audit entries: %s", body)
		}
		for i, w := range want {
			e := page.Items[i]
			if e.Action != w.action || e.RequestID != w.request || e.ActorKind != "key" || e.ActorID == "" || e.TargetID != "s1" || e.ClientIP == "" {
				t.Errorf("entry %d = %+v, want %s from request %s by the key", i, e, w.action, w.request)
			}
		}
		if !strings.Contains(string(page.Items[1].Summary), `"Site One"`) {
			t.Errorf("the update's summary does not say what changed: %s", page.Items[1].Summary)
		}
		resp, csv := api.do(t, "GET", "/api/v1/audit?format=csv&target_type=site", nil, "")
		if resp.StatusCode != 200 || strings.Count(string(csv), "\n") != 4 || !strings.Contains(string(csv), "site.create") {
			t.Fatalf("CSV export: %d %s", resp.StatusCode, csv)
		}
		api.run(t, scenario{method: "GET", url: "/api/v1/audit/verify", status: 200, contains: []string{`"ok":true`}})
	})
}

// TestLoginLockout: wrong passwords lock the account for a growing period
// (answered 429 with Retry-After), for a real account and an unknown email
// alike; the right password is refused while locked.
func TestLoginLockout(t *testing.T) {
	api := newTestAPI(t, backends()[0].open(t))
	email := api.member(t, smartmaint.DefaultTenantID, "locked@example.com", smartmaint.RoleViewer)
	try := func(email, password string) (int, int) {
		resp, _ := api.do(t, "POST", "/api/v1/auth/login", map[string]string{"Authorization": ""},
			fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
		after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return resp.StatusCode, after
	}
	for _, who := range []string{email, "nobody@example.com"} {
		var waits []int
		for i := 0; i < 20; i++ {
			code, after := try(who, "wrong password "+strconv.Itoa(i))
			switch {
			case code == 401:
			case code == 429 && after > 0:
				waits = append(waits, after)
				// Wait out the lock so the next attempt counts again.
				if after <= 2 {
					time.Sleep(time.Duration(after) * time.Second)
				} else {
					i = 20
				}
			default:
				t.Fatalf("%s attempt %d: status %d", who, i+1, code)
			}
		}
		if len(waits) < 2 || waits[len(waits)-1] <= waits[0] {
			t.Fatalf("%s: lock periods %v, want a growing sequence", who, waits)
		}
	}
	if code, _ := try(email, testPassword); code != 429 {
		t.Fatalf("the right password while locked: %d, want 429", code)
	}
}

// loginAs signs in with a password and returns the cookie and CSRF token.
func (a *testAPI) loginAs(tb testing.TB, email, password, tenant string) (string, string) {
	tb.Helper()
	resp, body := a.do(tb.(*testing.T), "POST", "/api/v1/auth/login", map[string]string{"Authorization": ""},
		fmt.Sprintf(`{"email":%q,"password":%q,"tenant_id":%q}`, email, password, tenant))
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		tb.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.SessionCookie {
			return c.Name + "=" + c.Value, out.CSRFToken
		}
	}
	tb.Fatal("no session cookie")
	return "", ""
}
