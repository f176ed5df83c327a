// Package smartmaint is the domain of the smartmaint predictive-maintenance
// platform: its entities (tenants, sites, assets, sensors, readings), their
// validation, the service interfaces that storage and transport packages
// implement, the error type every surface speaks, and the context helpers that
// carry the tenant and the acting principal.
//
// The package imports nothing from internal/ and nothing that does I/O:
// storage lives in internal/sqlite and internal/postgres, the JSON API in
// internal/httpapi, the wiring in cmd/smartmaint.
package smartmaint
