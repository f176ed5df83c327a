package httpapi

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestRouteTable checks, for every route, that the mux sends a request for it
// to that very route, that the OpenAPI document describes it, and that it
// names the permission it needs unless it is one of the public operations
// routes (health, metrics, the OpenAPI document).
func TestRouteTable(t *testing.T) {
	s := New(Config{Version: "test"}, Deps{})
	doc := s.OpenAPI()
	paths := doc["paths"].(map[string]map[string]any)
	placeholder := regexp.MustCompile(`\{[^}]+\}`)
	public := map[string]bool{"/health": true, "/health/db": true, "/metrics": true}
	selfAuth := map[string]bool{"/api/v1/auth/login": true, "/api/v1/setup": true}
	seen := map[string]bool{}
	for _, rt := range s.routes {
		key := rt.method + " " + rt.path
		if seen[key] {
			t.Errorf("%s is registered twice", key)
		}
		seen[key] = true
		if rt.public != public[rt.path] {
			t.Errorf("%s: public=%v; only health and metrics may be public", key, rt.public)
		}
		if rt.selfAuth != selfAuth[rt.path] {
			t.Errorf("%s: selfAuth=%v; only sign-in and setup check their own credentials", key, rt.selfAuth)
		}
		if rt.permission != "" && !strings.Contains(rt.permission, ":") {
			t.Errorf("%s declares a malformed permission %q", key, rt.permission)
		}
		if !rt.public && !rt.selfAuth && rt.class == "" {
			t.Errorf("%s has no rate-limit class", key)
		}
		if rt.handle == nil || rt.summary == "" || rt.tag == "" {
			t.Errorf("%s lacks a handler, a summary or a tag", key)
		}
		url := placeholder.ReplaceAllString(strings.ReplaceAll(rt.path, "{$}", ""), "x")
		_, pattern := s.mux.Handler(httptest.NewRequest(rt.method, url, nil))
		if pattern != key {
			t.Errorf("%s %s is routed to %q, want %q", rt.method, url, pattern, key)
		}
		op, ok := paths[openAPIPath(rt.path)][strings.ToLower(rt.method)].(map[string]any)
		if !ok {
			t.Errorf("%s is missing from the OpenAPI document", key)
			continue
		}
		for _, p := range placeholder.FindAllString(rt.path, -1) {
			name := strings.Trim(p, "{}")
			if name != "$" && !documentsParam(rt, name) {
				t.Errorf("%s does not document its path parameter %s", key, name)
			}
		}
		if op["x-permission"] == "" {
			t.Errorf("%s: the OpenAPI operation has no x-permission", key)
		}
	}
	var ops int
	for _, methods := range paths {
		ops += len(methods)
	}
	if ops != len(s.routes) {
		t.Errorf("the OpenAPI document has %d operations for %d routes", ops, len(s.routes))
	}
}

func documentsParam(rt route, name string) bool {
	for _, p := range rt.params {
		if p.in == "path" && p.name == name {
			return true
		}
	}
	return false
}

// TestOpenAPISchemas checks that reflected schemas carry the JSON names.
func TestOpenAPISchemas(t *testing.T) {
	s := New(Config{Version: "test"}, Deps{})
	schemas := s.OpenAPI()["components"].(map[string]any)["schemas"].(map[string]any)
	sensor, ok := schemas["Sensor"].(map[string]any)
	if !ok {
		t.Fatalf("no Sensor schema among %d", len(schemas))
	}
	props := sensor["properties"].(map[string]any)
	for _, name := range []string{"sensor_id", "sensor_type", "alarm_limits", "stats", "expected_min"} {
		if _, ok := props[name]; !ok {
			t.Errorf("the Sensor schema lacks %q", name)
		}
	}
	if _, ok := schemas["PageSensor"]; !ok {
		t.Errorf("the sensor list envelope is not named PageSensor")
	}
}
