package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// routeURL turns a route pattern into a URL with placeholder values.
func routeURL(path string) string {
	return pathParam.ReplaceAllString(strings.ReplaceAll(path, "{$}", ""), "x")
}

// TestRouteWalk sends every route a request without credentials, with a key
// lacking the route's permission and with a key holding only it: nothing but
// health and metrics answers the first, the second gets 403, the third gets
// through.
func TestRouteWalk(t *testing.T) {
	api := newTestAPI(t, backends()[0].open(t))
	for _, rt := range api.api.Routes() {
		url := routeURL(rt.Path)
		name := rt.Method + " " + rt.Path
		t.Run(name, func(t *testing.T) {
			resp, body := api.do(t, rt.Method, url, map[string]string{"Authorization": ""}, "{}")
			switch {
			case rt.Public:
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("public route without credentials: %d %s", resp.StatusCode, body)
				}
				return
			case rt.SelfAuth:
				if resp.StatusCode < 400 || resp.StatusCode >= 500 {
					t.Fatalf("credential route with empty credentials: %d %s, want a 4xx", resp.StatusCode, body)
				}
				return
			case resp.StatusCode != http.StatusUnauthorized:
				t.Fatalf("without credentials: %d %s, want 401", resp.StatusCode, body)
			}
			if rt.Permission == "" {
				return
			}
			others := []string{}
			for _, p := range smartmaint.TenantPermissions() {
				if p != rt.Permission {
					others = append(others, p)
				}
			}
			resp, body = api.do(t, rt.Method, url, map[string]string{"Authorization": "Bearer " + api.newKey(t, smartmaint.DefaultTenantID, others...)}, "{}")
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("with a key lacking %s: %d %s, want 403", rt.Permission, resp.StatusCode, body)
			}
			if rt.Permission == smartmaint.PermPlatformTenants {
				return // no key can hold the platform operator's permission
			}
			resp, body = api.do(t, rt.Method, url, map[string]string{"Authorization": "Bearer " + api.newKey(t, smartmaint.DefaultTenantID, rt.Permission)}, "{}")
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				t.Fatalf("with a key holding only %s: %d %s", rt.Permission, resp.StatusCode, body)
			}
		})
	}
}

// TestRevocationTakesEffectAtOnce: a revoked key, an expired key and a
// signed-out session are refused on the very next request.
func TestRevocationTakesEffectAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		key := api.newKey(t, smartmaint.DefaultTenantID, smartmaint.PermDataRead)
		withKey := map[string]string{"Authorization": "Bearer " + key}
		api.run(t, scenario{method: "GET", url: "/api/v1/sensors", headers: withKey, status: 200})
		var me struct {
			ID string `json:"id"`
		}
		resp, body := api.do(t, "GET", "/api/v1/me", withKey, "")
		if resp.StatusCode != 200 {
			t.Fatal(string(body))
		}
		mustJSON(t, body, &me)
		api.run(t, scenario{method: "DELETE", url: "/api/v1/admin/keys/" + me.ID, status: 200, contains: []string{`"revoked_at"`}})
		api.run(t, scenario{method: "GET", url: "/api/v1/sensors", headers: withKey, status: 401})
		api.run(t, scenario{method: "GET", url: "/api/v1/sensors", headers: map[string]string{"X-API-Key": key}, status: 401})

		// An expired key.
		past := time.Now().Add(time.Second)
		secret, _, err := api.auth.CreateAPIKey(systemCtx(smartmaint.DefaultTenantID), "short-lived", []string{smartmaint.PermDataRead}, &past)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(past) + 10*time.Millisecond)
		api.run(t, scenario{method: "GET", url: "/api/v1/sensors", headers: map[string]string{"Authorization": "Bearer " + secret}, status: 401})

		// A session: signed in, signed out, refused.
		u := api.member(t, smartmaint.DefaultTenantID, "eve@example.com", smartmaint.RoleViewer)
		cookie, csrf := api.login(t, u, "")
		asEve := map[string]string{"Authorization": "", "Cookie": cookie}
		api.run(t, scenario{method: "GET", url: "/api/v1/sensors", headers: asEve, status: 200})
		api.run(t, scenario{method: "POST", url: "/api/v1/auth/logout", headers: asEve, status: 403}) // no CSRF token
		asEve[httpCSRF] = csrf
		api.run(t, scenario{method: "POST", url: "/api/v1/auth/logout", headers: asEve, status: 204})
		api.run(t, scenario{method: "GET", url: "/api/v1/sensors", headers: asEve, status: 401})
	})
}

const httpCSRF = "X-CSRF-Token"

// testPassword is what member accounts are created with.
const testPassword = "a long test password 42"

// member creates a user with role in tenant and returns the email.
func (a *testAPI) member(tb testing.TB, tenant, email, role string) string {
	tb.Helper()
	if _, err := a.auth.CreateUser(systemCtx(tenant), email, "Member", testPassword, role); err != nil {
		tb.Fatal(err)
	}
	return email
}

// login signs email in (to tenant, when given) and returns the Cookie header
// value and the CSRF token.
func (a *testAPI) login(tb testing.TB, email, tenant string) (cookie, csrf string) {
	tb.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q,"tenant_id":%q}`, email, testPassword, tenant)
	req, _ := http.NewRequest("POST", a.URL+"/api/v1/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if resp.StatusCode != 200 {
		tb.Fatalf("login %s: %d", email, resp.StatusCode)
	}
	decodeBody(tb, resp, &out)
	for _, c := range resp.Cookies() {
		if c.Name == "smartmaint_session" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				tb.Fatalf("session cookie is not HttpOnly + SameSite=Lax: %+v", c)
			}
			return c.Name + "=" + c.Value, out.CSRFToken
		}
	}
	tb.Fatal("no session cookie")
	return "", ""
}
