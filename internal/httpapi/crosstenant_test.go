package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// TestCrossTenant creates one object of every kind in tenant B, then, as
// tenant A's administrator — by API key and by browser session — tries to
// read, list, change and delete each through every route that names an
// object: every attempt is "not found" and no listing shows B's objects.
// Tenant B itself reaches every one of them (so the 404s are isolation, not
// absence).
func TestCrossTenant(t *testing.T) {
	forEachBackend(t, func(t *testing.T, api *testAPI) {
		ctx := systemCtx("")
		if err := api.store.CreateTenant(ctx, &smartmaint.Tenant{ID: "tenant-b", Name: "Tenant B"}); err != nil {
			t.Fatal(err)
		}
		keyB := api.newKey(t, "tenant-b")
		asB := map[string]string{"Authorization": "Bearer " + keyB}
		now := time.Now().UTC().Truncate(time.Second)
		for _, sc := range []scenario{
			{method: "POST", url: "/api/v1/sites", body: `{"id":"b-site","name":"B site"}`, status: 201},
			{method: "POST", url: "/api/v1/assets", body: `{"id":"b-asset","site_id":"b-site","name":"B asset"}`, status: 201},
			{method: "POST", url: "/api/v1/sensors", body: `{"sensor_id":"b-sensor","asset_id":"b-asset","sensor_type":"pressure"}`, status: 201},
			{method: "POST", url: "/api/v1/data/ingest", body: fmt.Sprintf(`{"sensor_id":"b-sensor","value":3.5,"timestamp":%q}`, ts(now)), status: 200},
		} {
			sc.headers = asB
			api.run(t, sc)
		}
		bob := api.member(t, "tenant-b", "bob@tenant-b.example", smartmaint.RoleAdmin)
		bobUser, err := api.access.FindUserByEmail(ctx, bob)
		if err != nil {
			t.Fatal(err)
		}
		bobCookie, _ := api.login(t, bob, "tenant-b")
		var bobSessions struct {
			Items []struct{ ID string } `json:"items"`
		}
		_, body := api.do(t, "GET", "/api/v1/me/sessions", map[string]string{"Authorization": "", "Cookie": bobCookie}, "")
		mustJSON(t, body, &bobSessions)
		var keysB struct {
			Items []struct{ ID string } `json:"items"`
		}
		_, body = api.do(t, "GET", "/api/v1/admin/keys", asB, "")
		mustJSON(t, body, &keysB)
		if len(bobSessions.Items) != 1 || len(keysB.Items) == 0 {
			t.Fatalf("setup: sessions %+v keys %+v", bobSessions, keysB)
		}

		// B's object for each route prefix that names one.
		idOf := map[string]string{
			"/api/v1/sites/":       "b-site",
			"/api/v1/assets/":      "b-asset",
			"/api/v1/sensors/":     "b-sensor",
			"/api/v1/admin/users/": bobUser.ID,
			"/api/v1/admin/keys/":  keysB.Items[0].ID,
			"/api/v1/me/sessions/": bobSessions.Items[0].ID,
		}
		notObjects := map[string]bool{"/api/v1/simulate/{scenario}": true}
		objectURL := func(path string) (string, bool) {
			for prefix, id := range idOf {
				if strings.HasPrefix(path, prefix+"{") {
					return pathParam.ReplaceAllString(strings.Replace(path, prefix+"{id}", prefix+strings.ReplaceAll(id, "/", "%2F"), 1), "x"), true
				}
			}
			return "", false
		}

		aliceEmail := api.member(t, smartmaint.DefaultTenantID, "alice@tenant-a.example", smartmaint.RoleAdmin)
		aliceCookie, aliceCSRF := api.login(t, aliceEmail, "")
		attackers := map[string]map[string]string{
			"key":     {"Authorization": "Bearer " + api.key},
			"session": {"Authorization": "", "Cookie": aliceCookie, "X-CSRF-Token": aliceCSRF},
		}
		for _, rt := range api.api.Routes() {
			if !strings.Contains(rt.Path, "{") || rt.Path == "/{$}" || notObjects[rt.Path] {
				continue
			}
			url, ok := objectURL(rt.Path)
			if !ok {
				t.Errorf("%s %s names an object this test does not attack: add its prefix to idOf", rt.Method, rt.Path)
				continue
			}
			for name, headers := range attackers {
				resp, body := api.do(t, rt.Method, url, headers, "{}")
				if resp.StatusCode != 404 {
					t.Errorf("tenant A's %s: %s %s = %d %s, want 404", name, rt.Method, url, resp.StatusCode, body)
				}
			}
		}

		// Listings and queries show nothing of B.
		lists := []string{"/api/v1/sites", "/api/v1/assets", "/api/v1/sensors", "/api/v1/sensors/sensors",
			"/api/v1/sensors/readings", "/api/v1/sensors/readings?sensor_id=b-sensor", "/api/v1/export/readings",
			"/api/v1/admin/users", "/api/v1/admin/keys", "/api/v1/audit", "/api/v1/audit?format=csv", "/api/v1/me/sessions"}
		secrets := []string{"b-site", "b-asset", "b-sensor", bobUser.ID, bob, keysB.Items[0].ID, bobSessions.Items[0].ID, "tenant-b"}
		for _, url := range lists {
			for name, headers := range attackers {
				resp, body := api.do(t, "GET", url, headers, "")
				if resp.StatusCode != 200 {
					t.Errorf("tenant A's %s: GET %s = %d %s", name, url, resp.StatusCode, body)
				}
				for _, s := range secrets {
					if strings.Contains(string(body), s) {
						t.Errorf("tenant A's %s: GET %s shows tenant B's %q: %.300s", name, url, s, body)
					}
				}
			}
		}

		// Writing a reading with B's sensor ID registers A's own sensor.
		api.run(t, scenario{method: "POST", url: "/api/v1/data/ingest", body: fmt.Sprintf(`{"sensor_id":"b-sensor","value":99,"timestamp":%q}`, ts(now)), status: 200})
		var bSensor smartmaint.Sensor
		_, body = api.do(t, "GET", "/api/v1/sensors/b-sensor", asB, "")
		mustJSON(t, body, &bSensor)
		if bSensor.Stats.ReadingCount != 1 || *bSensor.Stats.LastValue != 3.5 || bSensor.Type != "pressure" {
			t.Fatalf("tenant B's sensor changed: %+v", bSensor.Stats)
		}

		// Positive control: B reaches each of its objects.
		for prefix, id := range idOf {
			url := prefix + strings.ReplaceAll(id, "/", "%2F")
			headers := asB
			if prefix == "/api/v1/me/sessions/" {
				continue // sessions are only listed; DELETE would end Bob's
			}
			if resp, body := api.do(t, "GET", url, headers, ""); resp.StatusCode != 200 {
				t.Errorf("tenant B: GET %s = %d %s", url, resp.StatusCode, body)
			}
		}
		var auditB struct {
			Total int `json:"total"`
		}
		_, body = api.do(t, "GET", "/api/v1/audit", asB, "")
		if err := json.Unmarshal(body, &auditB); err != nil || auditB.Total < 4 {
			t.Fatalf("tenant B's audit log: %s", body)
		}
	})
}
