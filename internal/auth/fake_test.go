package auth

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"smartmaint"
)

// fakeStore is an in-memory smartmaint.AccessStore for the tests. It copies
// values in and out, as a database would, and counts method calls.
type fakeStore struct {
	mu       sync.Mutex
	now      func() time.Time
	nextID   int
	users    map[string]*smartmaint.User
	members  map[string]map[string]*smartmaint.Membership // user ID → tenant ID → membership
	sessions map[string]*smartmaint.Session
	keys     map[string]*smartmaint.APIKey
	audit    map[string][]*smartmaint.AuditEntry // tenant ID ("" platform) → chain
	calls    map[string]int
}

var _ smartmaint.AccessStore = (*fakeStore)(nil)

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{now: now, users: map[string]*smartmaint.User{}, members: map[string]map[string]*smartmaint.Membership{},
		sessions: map[string]*smartmaint.Session{}, keys: map[string]*smartmaint.APIKey{},
		audit: map[string][]*smartmaint.AuditEntry{}, calls: map[string]int{}}
}

// enter locks the store and counts a call of method.
func (s *fakeStore) enter(method string) func() {
	s.mu.Lock()
	s.calls[method]++
	return s.mu.Unlock
}

func (s *fakeStore) callCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *fakeStore) id(prefix string) string {
	s.nextID++
	return fmt.Sprintf("%s%d", prefix, s.nextID)
}

func notFound(what string) error {
	return smartmaint.Errorf(smartmaint.ENOTFOUND, "%s not found.", what)
}

func copyUser(u *smartmaint.User) *smartmaint.User { c := *u; return &c }

func (s *fakeStore) CreateUser(ctx context.Context, u *smartmaint.User, role string) error {
	if role != "" {
		if _, err := smartmaint.RequireTenant(ctx); err != nil {
			return err
		}
		if _, err := smartmaint.RolePermissions(role); err != nil {
			return err
		}
	}
	leave := s.enter("CreateUser")
	u.Email = smartmaint.NormalizeEmail(u.Email)
	for _, o := range s.users {
		if o.Email == u.Email {
			leave()
			return smartmaint.Errorf(smartmaint.ECONFLICT, "Email taken.")
		}
	}
	if u.ID == "" {
		u.ID = s.id("u")
	}
	s.users[u.ID] = copyUser(u)
	leave()
	if role != "" {
		_, err := s.SetMembership(ctx, u.ID, role)
		return err
	}
	return nil
}

func (s *fakeStore) FindUserByID(ctx context.Context, id string) (*smartmaint.User, error) {
	defer s.enter("FindUserByID")()
	if u := s.users[id]; u != nil {
		return copyUser(u), nil
	}
	return nil, notFound("User")
}

func (s *fakeStore) FindUserByEmail(ctx context.Context, email string) (*smartmaint.User, error) {
	defer s.enter("FindUserByEmail")()
	for _, u := range s.users {
		if u.Email == smartmaint.NormalizeEmail(email) {
			return copyUser(u), nil
		}
	}
	return nil, notFound("User")
}

func (s *fakeStore) UpdateUser(ctx context.Context, id string, upd smartmaint.UserUpdate) (*smartmaint.User, error) {
	defer s.enter("UpdateUser")()
	u := s.users[id]
	if u == nil {
		return nil, notFound("User")
	}
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.Disabled != nil {
		u.Disabled = *upd.Disabled
	}
	if upd.PlatformOperator != nil {
		u.PlatformOperator = *upd.PlatformOperator
	}
	if upd.PasswordHash != nil {
		u.PasswordHash = *upd.PasswordHash
	}
	return copyUser(u), nil
}

func (s *fakeStore) RecordLoginFailure(ctx context.Context, userID string, lock func(int) *time.Time) (int, *time.Time, error) {
	defer s.enter("RecordLoginFailure")()
	u := s.users[userID]
	if u == nil {
		return 0, nil, notFound("User")
	}
	u.FailedLogins++
	u.LockedUntil = lock(u.FailedLogins)
	return u.FailedLogins, u.LockedUntil, nil
}

func (s *fakeStore) RecordLoginSuccess(ctx context.Context, userID string, at time.Time) error {
	defer s.enter("RecordLoginSuccess")()
	u := s.users[userID]
	if u == nil {
		return notFound("User")
	}
	u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, nil, &at
	return nil
}

func (s *fakeStore) CountUsers(ctx context.Context) (int, error) {
	defer s.enter("CountUsers")()
	return len(s.users), nil
}

func (s *fakeStore) SetMembership(ctx context.Context, userID, role string) (*smartmaint.Membership, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	defer s.enter("SetMembership")()
	if s.users[userID] == nil {
		return nil, notFound("User")
	}
	if _, err := smartmaint.RolePermissions(role); err != nil {
		return nil, err
	}
	if s.members[userID] == nil {
		s.members[userID] = map[string]*smartmaint.Membership{}
	}
	m := s.members[userID][tenant]
	if m == nil {
		m = &smartmaint.Membership{UserID: userID, TenantID: tenant, CreatedAt: s.now()}
		s.members[userID][tenant] = m
	}
	m.Role = role
	c := *m
	return &c, nil
}

func (s *fakeStore) DeleteMembership(ctx context.Context, userID string) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	defer s.enter("DeleteMembership")()
	if s.members[userID][tenant] == nil {
		return notFound("Membership")
	}
	delete(s.members[userID], tenant)
	return nil
}

func (s *fakeStore) FindMembers(ctx context.Context) ([]*smartmaint.Member, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	defer s.enter("FindMembers")()
	var out []*smartmaint.Member
	for uid, ms := range s.members {
		if m := ms[tenant]; m != nil {
			out = append(out, &smartmaint.Member{User: copyUser(s.users[uid]), Role: m.Role})
		}
	}
	return out, nil
}

func (s *fakeStore) FindMemberships(ctx context.Context, userID string) ([]*smartmaint.Membership, error) {
	defer s.enter("FindMemberships")()
	var out []*smartmaint.Membership
	for _, m := range s.members[userID] {
		c := *m
		out = append(out, &c)
	}
	// No particular order, as a store may return them.
	return out, nil
}

func copySession(x *smartmaint.Session) *smartmaint.Session { c := *x; return &c }

func (s *fakeStore) CreateSession(ctx context.Context, x *smartmaint.Session) error {
	defer s.enter("CreateSession")()
	if x.ID == "" {
		x.ID = s.id("s")
	}
	s.sessions[x.ID] = copySession(x)
	return nil
}

func (s *fakeStore) FindSessionByTokenHash(ctx context.Context, hash string) (*smartmaint.Session, error) {
	defer s.enter("FindSessionByTokenHash")()
	for _, x := range s.sessions {
		if x.TokenHash == hash {
			return copySession(x), nil
		}
	}
	return nil, notFound("Session")
}

func (s *fakeStore) TouchSession(ctx context.Context, id string, now time.Time) error {
	defer s.enter("TouchSession")()
	x := s.sessions[id]
	if x == nil {
		return notFound("Session")
	}
	x.LastSeenAt = now
	return nil
}

func (s *fakeStore) RevokeSession(ctx context.Context, userID, id string, now time.Time) error {
	defer s.enter("RevokeSession")()
	x := s.sessions[id]
	if x == nil || x.UserID != userID {
		return notFound("Session")
	}
	if x.RevokedAt == nil {
		x.RevokedAt = &now
	}
	return nil
}

func (s *fakeStore) RevokeUserSessions(ctx context.Context, userID string, now time.Time) error {
	defer s.enter("RevokeUserSessions")()
	for _, x := range s.sessions {
		if x.UserID == userID && x.RevokedAt == nil {
			x.RevokedAt = &now
		}
	}
	return nil
}

func (s *fakeStore) FindUserSessions(ctx context.Context, userID string, now time.Time) ([]*smartmaint.Session, error) {
	defer s.enter("FindUserSessions")()
	var out []*smartmaint.Session
	for _, x := range s.sessions {
		if x.UserID == userID && x.Active(now) {
			out = append(out, copySession(x))
		}
	}
	return out, nil
}

func copyKey(k *smartmaint.APIKey) *smartmaint.APIKey {
	c := *k
	c.Scopes = slices.Clone(k.Scopes)
	return &c
}

func (s *fakeStore) CreateAPIKey(ctx context.Context, k *smartmaint.APIKey) error {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return err
	}
	defer s.enter("CreateAPIKey")()
	if k.TenantID != tenant {
		return fmt.Errorf("fake: key of tenant %q created in tenant %q", k.TenantID, tenant)
	}
	if k.ID == "" {
		k.ID = s.id("k")
	}
	s.keys[k.ID] = copyKey(k)
	return nil
}

func (s *fakeStore) FindAPIKeys(ctx context.Context) ([]*smartmaint.APIKey, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	defer s.enter("FindAPIKeys")()
	var out []*smartmaint.APIKey
	for _, k := range s.keys {
		if k.TenantID == tenant {
			out = append(out, copyKey(k))
		}
	}
	return out, nil
}

// tenantKey returns the key id of the tenant in ctx; the caller holds mu.
func (s *fakeStore) tenantKey(ctx context.Context, id string) (*smartmaint.APIKey, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	if k := s.keys[id]; k != nil && k.TenantID == tenant {
		return k, nil
	}
	return nil, notFound("API key")
}

func (s *fakeStore) FindAPIKeyByID(ctx context.Context, id string) (*smartmaint.APIKey, error) {
	defer s.enter("FindAPIKeyByID")()
	k, err := s.tenantKey(ctx, id)
	if err != nil {
		return nil, err
	}
	return copyKey(k), nil
}

func (s *fakeStore) FindAPIKeyByHash(ctx context.Context, hash string) (*smartmaint.APIKey, error) {
	defer s.enter("FindAPIKeyByHash")()
	for _, k := range s.keys {
		if k.Hash == hash {
			return copyKey(k), nil
		}
	}
	return nil, notFound("API key")
}

func (s *fakeStore) RevokeAPIKey(ctx context.Context, id string, now time.Time) (*smartmaint.APIKey, error) {
	defer s.enter("RevokeAPIKey")()
	k, err := s.tenantKey(ctx, id)
	if err != nil {
		return nil, err
	}
	if k.RevokedAt == nil {
		k.RevokedAt = &now
	}
	return copyKey(k), nil
}

func (s *fakeStore) TouchAPIKey(ctx context.Context, id string, now time.Time) error {
	defer s.enter("TouchAPIKey")()
	k, err := s.tenantKey(ctx, id)
	if err != nil {
		return err
	}
	k.LastUsedAt = &now
	return nil
}

func (s *fakeStore) AppendAudit(ctx context.Context, e *smartmaint.AuditEntry) error {
	defer s.enter("AppendAudit")()
	tenant := smartmaint.TenantFromContext(ctx)
	chain := s.audit[tenant]
	e.TenantID, e.Seq, e.Time = tenant, int64(len(chain)+1), s.now()
	if len(chain) > 0 {
		e.PrevHash = chain[len(chain)-1].Hash
	}
	e.Hash = e.ComputeHash()
	c := *e
	s.audit[tenant] = append(chain, &c)
	return nil
}

// matches reports whether e passes f's field filters (time and paging are
// not used by these tests).
func matches(e *smartmaint.AuditEntry, f smartmaint.AuditFilter) bool {
	return (f.Action == "" || e.Action == f.Action) && (f.ActorID == "" || e.ActorID == f.ActorID) &&
		(f.TargetType == "" || e.TargetType == f.TargetType) && (f.TargetID == "" || e.TargetID == f.TargetID)
}

func (s *fakeStore) FindAudit(ctx context.Context, f smartmaint.AuditFilter) ([]*smartmaint.AuditEntry, int, error) {
	defer s.enter("FindAudit")()
	var out []*smartmaint.AuditEntry
	chain := s.audit[smartmaint.TenantFromContext(ctx)]
	for i := len(chain) - 1; i >= 0; i-- {
		if matches(chain[i], f) {
			c := *chain[i]
			out = append(out, &c)
		}
	}
	return out, len(out), nil
}

func (s *fakeStore) ExportAudit(ctx context.Context, f smartmaint.AuditFilter, fn func(*smartmaint.AuditEntry) error) error {
	entries, _, err := s.FindAudit(ctx, f)
	if err != nil {
		return err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if err := fn(entries[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeStore) VerifyAudit(ctx context.Context, tenantID string) (smartmaint.AuditVerification, error) {
	defer s.enter("VerifyAudit")()
	chain := s.audit[tenantID]
	return smartmaint.VerifyChain(tenantID, func(yield func(*smartmaint.AuditEntry) bool) {
		for _, e := range chain {
			if !yield(e) {
				return
			}
		}
	}), nil
}

func (s *fakeStore) AuditTenants(ctx context.Context) ([]string, error) {
	defer s.enter("AuditTenants")()
	var out []string
	for t := range s.audit {
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

// fakeTenants is a smartmaint.TenantService over a fixed set of tenant IDs.
type fakeTenants struct{ ids []string }

var _ smartmaint.TenantService = fakeTenants{}

func (f fakeTenants) FindTenantByID(ctx context.Context, id string) (*smartmaint.Tenant, error) {
	if slices.Contains(f.ids, id) {
		return &smartmaint.Tenant{ID: id, Name: id}, nil
	}
	return nil, notFound("Tenant")
}

func (f fakeTenants) FindTenants(ctx context.Context) ([]*smartmaint.Tenant, error) {
	var out []*smartmaint.Tenant
	for _, id := range f.ids {
		out = append(out, &smartmaint.Tenant{ID: id, Name: id})
	}
	return out, nil
}

func (f fakeTenants) CreateTenant(ctx context.Context, t *smartmaint.Tenant) error {
	return smartmaint.Errorf(smartmaint.EUNSUPPORTED, "fake: tenants are fixed")
}

func (f fakeTenants) UpdateTenant(ctx context.Context, id string, upd smartmaint.TenantUpdate) (*smartmaint.Tenant, error) {
	return nil, smartmaint.Errorf(smartmaint.EUNSUPPORTED, "fake: tenants are fixed")
}
