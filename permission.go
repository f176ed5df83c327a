package smartmaint

// Permissions a principal may hold. Every API route declares the one it needs.
// The first nine are the original system's scopes, now enforced.
const (
	PermDataIngest          = "data:ingest"
	PermDataRead            = "data:read"
	PermReportsGenerate     = "reports:generate"
	PermTasksUpdate         = "tasks:update"
	PermMLPredict           = "ml:predict"
	PermMLAnomaly           = "ml:anomaly"
	PermMLDrift             = "ml:drift"
	PermMaintenanceSchedule = "maintenance:schedule"
	PermMaintenanceRead     = "maintenance:read"

	PermAssetsWrite = "assets:write" // create, change and delete sites, assets and sensors
	PermSimulate    = "simulate:run" // run the simulator into the tenant's data

	PermUsersManage  = "users:manage"  // add, change and remove the tenant's members
	PermKeysManage   = "keys:manage"   // create and revoke the tenant's API keys
	PermAuditRead    = "audit:read"    // read and export the tenant's audit log
	PermTenantManage = "tenant:manage" // change the tenant's own settings (retention)

	// PermPlatformTenants is the platform operator's: create and list tenants
	// and their first administrators. It is not part of any tenant role.
	PermPlatformTenants = "platform:tenants"
)

// Tenant roles, from least to most privileged.
const (
	RoleViewer     = "viewer"
	RoleTechnician = "technician"
	RoleEngineer   = "engineer"
	RoleAdmin      = "admin"
)

// Roles lists the tenant roles, from least to most privileged.
var Roles = []string{RoleViewer, RoleTechnician, RoleEngineer, RoleAdmin}

// rolePermissions gives each role its permissions; each role holds those of
// the roles below it.
var rolePermissions = func() map[string][]string {
	viewer := []string{PermDataRead, PermMaintenanceRead}
	technician := append(append([]string{}, viewer...), PermTasksUpdate)
	engineer := append(append([]string{}, technician...), PermDataIngest, PermAssetsWrite, PermReportsGenerate,
		PermMLPredict, PermMLAnomaly, PermMLDrift, PermMaintenanceSchedule, PermSimulate)
	admin := append(append([]string{}, engineer...), PermUsersManage, PermKeysManage, PermAuditRead, PermTenantManage)
	return map[string][]string{RoleViewer: viewer, RoleTechnician: technician, RoleEngineer: engineer, RoleAdmin: admin}
}()

// TenantPermissions lists every permission a tenant role or an API key scope
// can hold, in a stable order.
func TenantPermissions() []string {
	return append([]string(nil), rolePermissions[RoleAdmin]...)
}

// RolePermissions returns the permissions of a tenant role.
func RolePermissions(role string) ([]string, error) {
	perms, ok := rolePermissions[role]
	if !ok {
		return nil, FieldErrorf("role", "must be one of viewer, technician, engineer, admin; got %q", role)
	}
	return append([]string(nil), perms...), nil
}

// ValidateScopes reports whether every scope is a tenant permission.
func ValidateScopes(scopes []string) error {
	if len(scopes) == 0 {
		return FieldErrorf("scopes", "must list at least one permission")
	}
	known := map[string]bool{}
	for _, p := range rolePermissions[RoleAdmin] {
		known[p] = true
	}
	for _, s := range scopes {
		if !known[s] {
			return FieldErrorf("scopes", "%q is not a permission; known: %s", s, joinComma(rolePermissions[RoleAdmin]))
		}
	}
	return nil
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// HasPermission reports whether p holds perm.
func (p *Principal) HasPermission(perm string) bool {
	if p == nil {
		return false
	}
	for _, have := range p.Permissions {
		if have == perm {
			return true
		}
	}
	return false
}
