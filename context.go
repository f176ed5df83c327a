package smartmaint

import "context"

type contextKey int

const (
	tenantContextKey contextKey = iota + 1
	principalContextKey
	requestIDContextKey
	clientIPContextKey
)

// DefaultTenantID is the tenant that exists on every store, for single-tenant
// installations.
const DefaultTenantID = "default"

// Principal is who is acting: a user, an API key, or the system itself
// (background jobs, the demo simulator). Accounts and keys arrive with the
// access-control work; until then the HTTP layer acts as the system principal
// of the default tenant.
type Principal struct {
	Kind        string   // "user", "key" or "system"
	ID          string   // user or key ID; "" for the system
	TenantID    string   // the tenant the principal acts in
	Permissions []string // what the principal may do in that tenant
}

// NewContextWithTenant returns a copy of ctx that carries the tenant ID.
// Every store method reads the tenant from ctx and scopes its queries to it.
func NewContextWithTenant(ctx context.Context, tenantID string) context.Context {
	return context.WithValue(ctx, tenantContextKey, tenantID)
}

// TenantFromContext returns the tenant ID carried by ctx, or "" if none.
func TenantFromContext(ctx context.Context) string {
	id, _ := ctx.Value(tenantContextKey).(string)
	return id
}

// RequireTenant returns the tenant carried by ctx, or an EUNAUTHORIZED error
// when there is none. Stores call it first in every method.
func RequireTenant(ctx context.Context) (string, error) {
	id := TenantFromContext(ctx)
	if id == "" {
		return "", Errorf(EUNAUTHORIZED, "No tenant in context.")
	}
	return id, nil
}

// NewContextWithPrincipal returns a copy of ctx that carries p and p's tenant.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	ctx = context.WithValue(ctx, principalContextKey, p)
	return NewContextWithTenant(ctx, p.TenantID)
}

// PrincipalFromContext returns the principal carried by ctx, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalContextKey).(*Principal)
	return p
}

// NewContextWithRequestID returns a copy of ctx that carries the request ID,
// which also serves as the default correlation ID of what the request causes.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDContextKey, id)
}

// RequestIDFromContext returns the request ID carried by ctx, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDContextKey).(string)
	return id
}

// NewContextWithClientIP returns a copy of ctx that carries the client's IP
// address, for the audit log.
func NewContextWithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPContextKey, ip)
}

// ClientIPFromContext returns the client IP carried by ctx, or "".
func ClientIPFromContext(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPContextKey).(string)
	return ip
}
