package httpapi

import (
	"net/http"
	"time"

	"smartmaint"
)

// tenantInput creates a tenant and its first administrator.
type tenantInput struct {
	ID                  string     `json:"id"`
	Name                string     `json:"name"`
	RawRetentionDays    int        `json:"raw_retention_days"`
	RollupRetentionDays int        `json:"rollup_retention_days"`
	Admin               *userInput `json:"admin"`
}

type tenantCreated struct {
	Tenant *smartmaint.Tenant `json:"tenant"`
	Admin  *smartmaint.User   `json:"admin,omitempty"`
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.FindTenants(r.Context())
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": nonNil(ts)})
}

// createTenant is the platform operator's: a new organisation, and
// optionally its first administrator.
func (s *Server) createTenant(w http.ResponseWriter, r *http.Request) error {
	var in tenantInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t := &smartmaint.Tenant{ID: in.ID, Name: in.Name, RawRetentionDays: in.RawRetentionDays, RollupRetentionDays: in.RollupRetentionDays}
	if in.Admin != nil {
		if err := in.Admin.validateForTenant(); err != nil {
			return err
		}
	}
	if err := s.store.CreateTenant(r.Context(), t); err != nil {
		return err
	}
	out := tenantCreated{Tenant: t}
	if in.Admin != nil {
		ctx := smartmaint.NewContextWithTenant(r.Context(), t.ID)
		u, err := s.auth.CreateUser(ctx, in.Admin.Email, in.Admin.Name, in.Admin.Password, smartmaint.RoleAdmin)
		if err != nil {
			return err
		}
		out.Admin = u
	}
	return created(w, out)
}

// getTenant and updateTenant act on the caller's own tenant.
func (s *Server) getTenant(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.FindTenantByID(r.Context(), smartmaint.TenantFromContext(r.Context()))
	if err != nil {
		return err
	}
	return ok(w, t)
}

func (s *Server) updateTenant(w http.ResponseWriter, r *http.Request) error {
	var upd smartmaint.TenantUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	t, err := s.store.UpdateTenant(r.Context(), smartmaint.TenantFromContext(r.Context()), upd)
	if err != nil {
		return err
	}
	return ok(w, t)
}

// userInput adds a member: a new account, or an existing one given the role.
type userInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

func (in *userInput) validateForTenant() error {
	if in.Email == "" || in.Password == "" {
		return smartmaint.FieldErrorf("admin", "needs email, name and password")
	}
	return nil
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.store.FindMembers(r.Context())
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": nonNil(ms)})
}

func (s *Server) createMember(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Role == "" {
		return smartmaint.FieldErrorf("role", "is required: viewer, technician, engineer or admin")
	}
	u, err := s.auth.CreateUser(r.Context(), in.Email, in.Name, in.Password, in.Role)
	if err != nil {
		return err
	}
	return created(w, smartmaint.Member{User: u, Role: in.Role})
}

// findMember returns the member of the caller's tenant with the user ID; a
// user who is not a member is not found, whatever other tenants hold.
func (s *Server) findMember(r *http.Request, id string) (*smartmaint.Member, error) {
	ms, err := s.store.FindMembers(r.Context())
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.User.ID == id {
			return m, nil
		}
	}
	return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "User %q is not a member of this organisation.", id)
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request) error {
	m, err := s.findMember(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, m)
}

type memberPatch struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
}

// updateMember changes a member's role here; disabling an account, which
// affects every organisation it belongs to, is the platform operator's.
func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) error {
	var in memberPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	m, err := s.findMember(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if in.Disabled != nil {
		if !smartmaint.PrincipalFromContext(ctx).HasPermission(smartmaint.PermPlatformTenants) {
			return smartmaint.Errorf(smartmaint.EFORBIDDEN, "Disabling an account is for platform operators; remove the member from this organisation instead.")
		}
		if m.User, err = s.store.UpdateUser(ctx, m.User.ID, smartmaint.UserUpdate{Disabled: in.Disabled}); err != nil {
			return err
		}
		if *in.Disabled {
			if err := s.store.RevokeUserSessions(ctx, m.User.ID, s.cfg.Now()); err != nil {
				return err
			}
		}
	}
	if in.Role != nil {
		if _, err := s.store.SetMembership(ctx, m.User.ID, *in.Role); err != nil {
			return err
		}
		m.Role = *in.Role
	}
	return ok(w, m)
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.findMember(r, r.PathValue("id")); err != nil {
		return err
	}
	if err := s.store.DeleteMembership(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

type keyInput struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// keyCreated carries the secret, shown this once.
type keyCreated struct {
	Key    *smartmaint.APIKey `json:"key"`
	Secret string             `json:"secret"`
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := s.store.FindAPIKeys(r.Context())
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": nonNil(ks)})
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	var in keyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	secret, k, err := s.auth.CreateAPIKey(r.Context(), in.Name, in.Scopes, in.ExpiresAt)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return created(w, keyCreated{Key: k, Secret: secret})
}

func (s *Server) getKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.store.FindAPIKeyByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, k)
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.store.RevokeAPIKey(r.Context(), r.PathValue("id"), s.cfg.Now())
	if err != nil {
		return err
	}
	return ok(w, k)
}
