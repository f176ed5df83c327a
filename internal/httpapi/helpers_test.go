package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smartmaint"
	"smartmaint/internal/auth"
	"smartmaint/internal/httpapi"
	"smartmaint/internal/ingest"
	"smartmaint/internal/pgtest"
	"smartmaint/internal/postgres"
	"smartmaint/internal/ratelimit"
	"smartmaint/internal/sqlite"
)

// testAPI is a server on a real store, reached over real HTTP. Requests
// carry the admin key of the default tenant unless they say otherwise.
type testAPI struct {
	*httptest.Server
	store  smartmaint.Store
	access smartmaint.AccessStore
	auth   *auth.Authenticator
	api    *httpapi.Server
	key    string
}

// testHashParams make argon2id cheap in tests; production uses auth.DefaultParams.
var testHashParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// systemCtx acts as the system in tenant, with every tenant permission.
func systemCtx(tenant string) context.Context {
	return smartmaint.NewContextWithPrincipal(context.Background(),
		&smartmaint.Principal{Kind: "system", TenantID: tenant, Permissions: smartmaint.TenantPermissions()})
}

// newKey creates an API key of tenant with the given scopes and returns its secret.
func (a *testAPI) newKey(tb testing.TB, tenant string, scopes ...string) string {
	tb.Helper()
	if len(scopes) == 0 {
		scopes = smartmaint.TenantPermissions()
	}
	secret, _, err := a.auth.CreateAPIKey(systemCtx(tenant), "test key", scopes, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// backend opens a fresh store.
type backend struct {
	name string
	open func(tb testing.TB) smartmaint.Store
}

// backends are SQLite always and PostgreSQL when SMARTMAINT_TEST_POSTGRES is set.
func backends() []backend {
	return []backend{
		{"sqlite", func(tb testing.TB) smartmaint.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"), sqlite.Options{Synchronous: "normal"})
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", func(tb testing.TB) smartmaint.Store {
			db, err := postgres.Open(context.Background(), pgtest.FreshDatabase(tb), postgres.Options{MaxConns: 8})
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		}},
	}
}

// forEachBackend runs fn against a fresh server on each backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, api *testAPI)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			fn(t, newTestAPI(t, b.open(t)))
		})
	}
}

func newTestAPI(tb testing.TB, store smartmaint.Store) *testAPI {
	return newTestAPIWith(tb, store, httpapi.Config{Version: "test"}, nil)
}

func newTestAPIWith(tb testing.TB, store smartmaint.Store, cfg httpapi.Config, limits *ratelimit.Checker) *testAPI {
	return newTestAPIOpts(tb, store, cfg, limits, ingest.Options{MaxReadings: 1000, MaxBytes: 1 << 20, SensorCacheTTL: time.Nanosecond})
}

// newTestAPIOpts is newTestAPIWith with the ingest options given; tests use a
// sensor cache of 1 ns so that they see changes at once.
func newTestAPIOpts(tb testing.TB, store smartmaint.Store, cfg httpapi.Config, limits *ratelimit.Checker, io ingest.Options) *testAPI {
	tb.Helper()
	access := store
	authn := &auth.Authenticator{Store: access, Tenants: store, Hasher: auth.NewHasher(testHashParams, 0)}
	ing := ingest.NewService(store, io)
	api := httpapi.New(cfg, httpapi.Deps{Store: store, Auth: authn, Limits: limits, Ingest: ing})
	srv := httptest.NewServer(api)
	tb.Cleanup(srv.Close)
	a := &testAPI{Server: srv, store: store, access: access, auth: authn, api: api}
	a.key = a.newKey(tb, smartmaint.DefaultTenantID)
	return a
}

// scenario is one HTTP exchange and what must come back.
type scenario struct {
	name     string
	method   string
	url      string
	headers  map[string]string
	body     string
	status   int
	contains []string // substrings the body must hold
	absent   []string // substrings it must not hold
}

func (a *testAPI) run(t *testing.T, sc scenario) []byte {
	t.Helper()
	resp, body := a.do(t, sc.method, sc.url, sc.headers, sc.body)
	if resp.StatusCode != sc.status {
		t.Fatalf("%s %s: status %d, want %d; body %s", sc.method, sc.url, resp.StatusCode, sc.status, body)
	}
	for _, s := range sc.contains {
		if !strings.Contains(string(body), s) {
			t.Errorf("%s %s: body lacks %q: %s", sc.method, sc.url, s, body)
		}
	}
	for _, s := range sc.absent {
		if strings.Contains(string(body), s) {
			t.Errorf("%s %s: body holds %q: %s", sc.method, sc.url, s, body)
		}
	}
	return body
}

func (a *testAPI) do(t *testing.T, method, url string, headers map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.URL+url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" && headers["Content-Type"] == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	for k, v := range headers {
		req.Header.Set(k, v)
		if v == "" {
			req.Header.Del(k) // "" removes a default, e.g. the Authorization
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// getJSON fetches url and decodes its JSON body into v, failing on a non-200.
func (a *testAPI) getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, body := a.do(t, "GET", url, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}

// errorOf decodes an error body.
func errorOf(t *testing.T, body []byte) (code, message string, details []smartmaint.FieldError) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string                  `json:"code"`
			Message string                  `json:"message"`
			Details []smartmaint.FieldError `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Error.Code, e.Error.Message, e.Error.Details
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func mustJSON(t testing.TB, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

func decodeBody(t testing.TB, resp *http.Response, v any) {
	t.Helper()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
