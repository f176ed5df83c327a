package smartmaint

import "context"

// Store is everything a storage backend provides: the tenant-scoped services
// and its background duties. internal/sqlite and internal/postgres implement
// it, and internal/storetest checks that both behave the same.
type Store interface {
	TenantService
	SiteService
	AssetService
	SensorService
	ReadingService
	MaintenanceService
	AccessStore

	// Ping reports whether the store can be reached (EUNAVAILABLE if not).
	Ping(ctx context.Context) error
	// Dialect names the backend: "sqlite" or "postgres".
	Dialect() string
	// Close stops the background jobs and releases the store; it waits for
	// writes in flight.
	Close() error
}
