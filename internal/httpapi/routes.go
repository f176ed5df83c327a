package httpapi

import (
	"smartmaint"
	"smartmaint/internal/ingest"
	"smartmaint/internal/ratelimit"
)

// routeTable lists every route of the API. The mux and the OpenAPI document
// are both built from it.
func (s *Server) routeTable() []route {
	const (
		tagOps     = "Operations"
		tagPlant   = "Plant"
		tagReading = "Readings"
		tagSim     = "Simulation"
		tagAccess  = "Access"
	)
	idParam := pathParam("id", "The object's ID.")
	sensorIDParam := pathParam("id", "The sensor ID.")
	pageQ := []param{
		queryParam("limit", "integer", "Page size, 1–1000 (default 100)."),
		queryParam("offset", "integer", "Objects to skip."),
	}
	return []route{
		{method: "GET", path: "/{$}", class: ratelimit.Query, tag: tagOps, summary: "Welcome message and entry points", response: welcome{}, handle: s.getRoot},
		{method: "GET", path: "/health", public: true, tag: tagOps, summary: "Liveness and store reachability (503 when the store is unreachable)", response: healthStatus{}, handle: s.getHealth},
		{method: "GET", path: "/health/db", public: true, tag: tagOps, summary: "Store reachability", response: dbHealth{}, handle: s.getHealthDB},
		{method: "GET", path: "/metrics", public: true, tag: tagOps, summary: "Prometheus metrics", produces: []string{"text/plain"}, handle: s.getMetrics},
		{method: "GET", path: "/openapi.json", class: ratelimit.Query, tag: tagOps, summary: "This OpenAPI document", handle: s.getOpenAPI},

		// Signing in, the caller, first-run setup.
		{method: "POST", path: "/api/v1/auth/login", selfAuth: true, tag: tagAccess, summary: "Sign in: sets the session cookie and returns the CSRF token", body: loginInput{}, response: sessionInfo{}, handle: s.login},
		{method: "POST", path: "/api/v1/auth/logout", class: ratelimit.Auth, tag: tagAccess, summary: "Sign out: ends the session and clears the cookie", status: 204, handle: s.logout},
		{method: "GET", path: "/api/v1/me", class: ratelimit.Query, tag: tagAccess, summary: "Who is calling: user or key, tenant, permissions (and the session's CSRF token)", response: meInfo{}, handle: s.getMe},
		{method: "GET", path: "/api/v1/me/sessions", class: ratelimit.Query, tag: tagAccess, summary: "The caller's active sessions", handle: s.listMySessions},
		{method: "DELETE", path: "/api/v1/me/sessions/{id}", class: ratelimit.Auth, tag: tagAccess, summary: "End one of the caller's sessions", params: []param{idParam}, status: 204, handle: s.revokeMySession},
		{method: "POST", path: "/api/v1/me/password", class: ratelimit.Auth, tag: tagAccess, summary: "Change the caller's password (ends the other sessions)", body: passwordInput{}, status: 204, handle: s.changePassword},
		{method: "POST", path: "/api/v1/setup", selfAuth: true, tag: tagAccess, summary: "Create the first administrator with the one-time setup token the server printed", body: setupInput{}, response: smartmaint.User{}, status: 201, handle: s.setup},

		// Administration.
		{method: "GET", path: "/api/v1/admin/tenants", permission: smartmaint.PermPlatformTenants, class: ratelimit.Admin, tag: tagAccess, summary: "List tenants (platform operators)", handle: s.listTenants},
		{method: "POST", path: "/api/v1/admin/tenants", permission: smartmaint.PermPlatformTenants, class: ratelimit.Admin, tag: tagAccess, summary: "Create a tenant and its first administrator (platform operators)", body: tenantInput{}, response: tenantCreated{}, status: 201, handle: s.createTenant},
		{method: "GET", path: "/api/v1/tenant", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagAccess, summary: "The caller's tenant and its settings", response: smartmaint.Tenant{}, handle: s.getTenant},
		{method: "PATCH", path: "/api/v1/tenant", permission: smartmaint.PermTenantManage, class: ratelimit.Admin, tag: tagAccess, summary: "Change the tenant's name and retention", body: smartmaint.TenantUpdate{}, response: smartmaint.Tenant{}, handle: s.updateTenant},
		{method: "GET", path: "/api/v1/admin/users", permission: smartmaint.PermUsersManage, class: ratelimit.Admin, tag: tagAccess, summary: "The tenant's members", handle: s.listMembers},
		{method: "POST", path: "/api/v1/admin/users", permission: smartmaint.PermUsersManage, class: ratelimit.Admin, tag: tagAccess, summary: "Add a member (a new account, or an existing one)", body: userInput{}, response: smartmaint.Member{}, status: 201, handle: s.createMember},
		{method: "GET", path: "/api/v1/admin/users/{id}", permission: smartmaint.PermUsersManage, class: ratelimit.Admin, tag: tagAccess, summary: "A member", params: []param{idParam}, response: smartmaint.Member{}, handle: s.getMember},
		{method: "PATCH", path: "/api/v1/admin/users/{id}", permission: smartmaint.PermUsersManage, class: ratelimit.Admin, tag: tagAccess, summary: "Change a member's role (or, for platform operators, disable the account)", params: []param{idParam}, body: memberPatch{}, response: smartmaint.Member{}, handle: s.updateMember},
		{method: "DELETE", path: "/api/v1/admin/users/{id}", permission: smartmaint.PermUsersManage, class: ratelimit.Admin, tag: tagAccess, summary: "Remove a member from the tenant", params: []param{idParam}, status: 204, handle: s.deleteMember},
		{method: "GET", path: "/api/v1/admin/keys", permission: smartmaint.PermKeysManage, class: ratelimit.Admin, tag: tagAccess, summary: "The tenant's API keys (never their secrets)", handle: s.listKeys},
		{method: "POST", path: "/api/v1/admin/keys", permission: smartmaint.PermKeysManage, class: ratelimit.Admin, tag: tagAccess, summary: "Create an API key; its secret is returned this once", body: keyInput{}, response: keyCreated{}, status: 201, handle: s.createKey},
		{method: "GET", path: "/api/v1/admin/keys/{id}", permission: smartmaint.PermKeysManage, class: ratelimit.Admin, tag: tagAccess, summary: "An API key", params: []param{idParam}, response: smartmaint.APIKey{}, handle: s.getKey},
		{method: "DELETE", path: "/api/v1/admin/keys/{id}", permission: smartmaint.PermKeysManage, class: ratelimit.Admin, tag: tagAccess, summary: "Revoke an API key (refused from the next request on)", params: []param{idParam}, response: smartmaint.APIKey{}, handle: s.revokeKey},
		{method: "GET", path: "/api/v1/audit", permission: smartmaint.PermAuditRead, class: ratelimit.Query, tag: tagAccess, summary: "The tenant's audit log, newest first; format=csv streams it oldest first", params: []param{
			queryParam("action", "string", "e.g. sensor.update"), queryParam("actor_id", "string", "A user or key ID."),
			queryParam("target_type", "string", "e.g. sensor"), queryParam("target_id", "string", "The target's ID."),
			queryParam("from", "string", "Inclusive (RFC 3339)."), queryParam("to", "string", "Inclusive (RFC 3339)."),
			queryParam("limit", "integer", "1–1000 (default 100)."), queryParam("offset", "integer", "Entries to skip."),
			queryParam("format", "string", "json (default) or csv."),
		}, handle: s.listAudit},
		{method: "GET", path: "/api/v1/audit/verify", permission: smartmaint.PermAuditRead, class: ratelimit.Query, tag: tagAccess, summary: "Recompute the tenant's audit hash chain", response: smartmaint.AuditVerification{}, handle: s.verifyAudit},

		// Ingestion.
		{method: "POST", path: "/api/v1/data/ingest", permission: smartmaint.PermDataIngest, class: ratelimit.Ingest, tag: tagReading,
			summary:     "Ingest one reading (original fields); stored before the answer; honours Idempotency-Key",
			description: "An Idempotency-Key header seen within 10 minutes returns the first response again, byte for byte, with Idempotent-Replayed: true, and writes nothing.",
			params:      []param{{name: "Idempotency-Key", in: "header", typ: "string", desc: "Makes retries safe for 10 minutes."}},
			body:        readingInput{}, response: ingest.OneResult{}, handle: s.ingestOne},
		{method: "POST", path: "/api/v1/data/batch", permission: smartmaint.PermDataIngest, class: ratelimit.Ingest, tag: tagReading,
			summary:     "Ingest a batch: JSON array, NDJSON, or CSV (long sensor_id,timestamp,value[,quality] or wide timestamp,<sensor>,…)",
			description: "Good readings are stored and every rejected one is listed with its index or line, field and reason; atomic=true stores nothing unless all are valid. Limits: 100,000 readings or 32 MiB per request by default.",
			params:      []param{queryParam("atomic", "boolean", "All-or-nothing.")},
			body:        []readingInput{}, bodyTypes: []string{"application/json", "application/x-ndjson", "text/csv"},
			response: ingest.BatchResult{}, handle: s.ingestBatch},

		// Simulation through the real ingest path.
		{method: "POST", path: "/api/v1/simulate/{scenario}", permission: smartmaint.PermSimulate, class: ratelimit.Ingest, tag: tagSim,
			summary:     "Generate a scenario's readings and ingest them: normal, drift, anomaly, failure (and the original drift-event, anomaly-event, normal-data)",
			description: "Parameters come from a JSON body or the query string. The response carries the ground truth of what was injected.",
			params:      []param{pathParam("scenario", "normal, drift, anomaly or failure.")},
			response:    simulationResponse{}, handle: s.runSimulation},

		// Plant model.
		{method: "GET", path: "/api/v1/sites", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagPlant, summary: "List sites", params: pageQ, response: page[*smartmaint.Site]{}, handle: s.listSites},
		{method: "POST", path: "/api/v1/sites", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Create a site", body: siteInput{}, response: smartmaint.Site{}, status: 201, handle: s.createSite},
		{method: "GET", path: "/api/v1/sites/{id}", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagPlant, summary: "Get a site", params: []param{idParam}, response: smartmaint.Site{}, handle: s.getSite},
		{method: "PATCH", path: "/api/v1/sites/{id}", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Change a site", params: []param{idParam}, body: smartmaint.SiteUpdate{}, response: smartmaint.Site{}, handle: s.updateSite},
		{method: "DELETE", path: "/api/v1/sites/{id}", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Delete a site without assets", params: []param{idParam}, status: 204, handle: s.deleteSite},

		{method: "GET", path: "/api/v1/assets", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagPlant, summary: "List assets", params: append([]param{queryParam("site_id", "string", "Only this site's assets."), queryParam("type", "string", "Only assets of this type.")}, pageQ...), response: page[*smartmaint.Asset]{}, handle: s.listAssets},
		{method: "POST", path: "/api/v1/assets", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Create an asset", body: assetInput{}, response: smartmaint.Asset{}, status: 201, handle: s.createAsset},
		{method: "GET", path: "/api/v1/assets/{id}", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagPlant, summary: "Get an asset", params: []param{idParam}, response: smartmaint.Asset{}, handle: s.getAsset},
		{method: "PATCH", path: "/api/v1/assets/{id}", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Change an asset", params: []param{idParam}, body: smartmaint.AssetUpdate{}, response: smartmaint.Asset{}, handle: s.updateAsset},
		{method: "DELETE", path: "/api/v1/assets/{id}", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Delete an asset (its sensors are detached)", params: []param{idParam}, status: 204, handle: s.deleteAsset},

		{method: "GET", path: "/api/v1/sensors", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagPlant, summary: "List sensors with their status, last value and statistics", params: append([]param{queryParam("asset_id", "string", "Only this asset's sensors."), queryParam("sensor_type", "string", "Only sensors of this type."), queryParam("status", "string", "active, inactive, maintenance or decommissioned.")}, pageQ...), response: page[*smartmaint.Sensor]{}, handle: s.listSensors},
		{method: "POST", path: "/api/v1/sensors", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Register a sensor", body: sensorInput{}, response: smartmaint.Sensor{}, status: 201, handle: s.createSensor},
		{method: "GET", path: "/api/v1/sensors/sensors", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagReading, summary: "Sensors with reading count, first and last reading (original shape)", params: pageQ, response: []sensorSummary{}, handle: s.listSensorSummaries},
		{method: "GET", path: "/api/v1/sensors/readings", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagReading, summary: "Readings, newest first (original parameters, plus cursor pagination via X-Next-Cursor)", params: []param{
			queryParam("limit", "integer", "1–1000 (default 100)."), queryParam("offset", "integer", "Readings to skip."),
			queryParam("sensor_id", "string", "Only this sensor."), queryParam("start_ts", "string", "Inclusive lower bound (RFC 3339)."),
			queryParam("end_ts", "string", "Inclusive upper bound (RFC 3339)."), queryParam("cursor", "string", "The X-Next-Cursor of the previous page."),
		}, response: []readingPublic{}, handle: s.listReadings},
		{method: "GET", path: "/api/v1/sensors/{id}", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagPlant, summary: "Get a sensor", params: []param{sensorIDParam}, response: smartmaint.Sensor{}, handle: s.getSensor},
		{method: "PATCH", path: "/api/v1/sensors/{id}", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Change a sensor (expected_min/expected_max: null clears)", params: []param{sensorIDParam}, body: sensorPatch{}, response: smartmaint.Sensor{}, handle: s.updateSensor},
		{method: "DELETE", path: "/api/v1/sensors/{id}", permission: smartmaint.PermAssetsWrite, class: ratelimit.Admin, tag: tagPlant, summary: "Delete a sensor with its readings", params: []param{sensorIDParam}, status: 204, handle: s.deleteSensor},
		{method: "GET", path: "/api/v1/sensors/{id}/series", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagReading, summary: "Aggregated series from the rollup that fits the step", params: []param{
			sensorIDParam, queryParam("from", "string", "Start (RFC 3339; default to − 24 h)."), queryParam("to", "string", "End (RFC 3339; default now)."),
			queryParam("step", "string", "auto (default), raw, or a duration: 30s, 1m, 5m, 1h, 1d…"), queryParam("max_points", "integer", "Most buckets, 1–10000 (default 1000)."),
		}, response: smartmaint.Series{}, handle: s.getSeries},
		{method: "GET", path: "/api/v1/export/readings", permission: smartmaint.PermDataRead, class: ratelimit.Query, tag: tagReading, summary: "Stream readings as CSV or NDJSON, oldest first", params: []param{
			queryParam("format", "string", "csv (default) or ndjson."), queryParam("sensor_id", "string", "Only this sensor."),
			queryParam("start_ts", "string", "Inclusive lower bound."), queryParam("end_ts", "string", "Inclusive upper bound."),
		}, produces: []string{"text/csv", "application/x-ndjson"}, handle: s.exportReadings},
	}
}
