package storetest

import (
	"context"
	"testing"

	"smartmaint"
)

// RunAccess runs the access-control part of the conformance suite: users,
// memberships, sessions, API keys, tenant isolation of all of them, and the
// audit log (entries appended by every state-changing method, hash chains,
// verification, tampering when Backend.TamperAudit is set). It skips when
// the backend's store does not implement smartmaint.AccessStore.
//
// Where the contract leaves a choice open, the suite pins it:
//
//   - User, Membership and APIKey CreatedAt (and User UpdatedAt) come from
//     the store clock; Session times, LastLoginAt, LastUsedAt and RevokedAt
//     are the caller's, stored in UTC at microsecond precision. The sign-in
//     bookkeeping (RecordLogin*) does not change UpdatedAt.
//   - FindMembers is ordered by email, FindMemberships by tenant ID,
//     FindAPIKeys and FindUserSessions by CreatedAt then ID.
//   - CreateUser with a role but no tenant in ctx is EUNAUTHORIZED; an
//     unknown role is EINVALID; an unknown tenant ENOTFOUND; none of them
//     stores the user. A taken email is ECONFLICT naming the field "email".
//   - An empty session token hash or API key hash is EINVALID on create and
//     ENOTFOUND on lookup. CreateAPIKey sets TenantID to the tenant in ctx
//     (another non-empty TenantID is EINVALID). Revoking a revoked key or
//     session keeps the first revocation time; a second RevokeAPIKey appends
//     no audit entry. TouchAPIKey acts on the tenant in ctx.
//   - Audit chains: AppendAudit, FindAudit and ExportAudit use the tenant in
//     ctx, the platform chain ("") without one. Store methods append to the
//     chain of the tenant in ctx, except CreateTenant (platform chain) and
//     UpdateTenant (the updated tenant's chain); user methods without a
//     tenant in ctx use the platform chain. A fresh store has no audit chain
//     (creating the default tenant at open is not audited).
//   - Each call of a state-changing method appends exactly one entry, with
//     one exception: WriteReadings appends one sensor.register entry per
//     sensor it registers (in first-seen order) and none otherwise. A call
//     that fails appends nothing. Action names: tenant.create, tenant.update,
//     site|asset|sensor.create|update|delete, sensor.register, user.create,
//     user.update, membership.set, membership.delete, apikey.create,
//     apikey.revoke; target types tenant, site, asset, sensor, user,
//     membership (target ID: the user's), api_key.
//   - Summaries: a creation holds the object's JSON (user.create adds
//     "role"), an update {"changes": {field: {"from", "to"}}} of the fields
//     that changed (created_at, updated_at and sensor stats aside;
//     user.update adds "password_changed": true instead of any hash), a
//     deletion {"id", "name"}; membership.set holds the membership when new
//     and the role change otherwise, membership.delete {"user_id", "email",
//     "role"}. No summary holds a password or key hash.
//   - FindAudit lists newest first (by Seq); ExportAudit oldest first and
//     ignores Limit and Offset. AppendAudit refuses an empty Action, an
//     ActorKind other than user, key, system and anonymous, and a Summary
//     that is not JSON (EINVALID naming action, actor_kind, summary).
//   - AuditTenants is in byte order ("" first when the platform chain
//     exists).
func RunAccess(t *testing.T, b Backend) {
	groups := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"Users", testUsers},
		{"CreateUserAtomic", testCreateUserAtomic},
		{"LoginFailures", testLoginFailures},
		{"Memberships", testMemberships},
		{"Sessions", testSessions},
		{"APIKeys", testAPIKeys},
		{"AccessIsolation", testAccessIsolation},
		{"AuditEntries", testAuditEntries},
		{"AuditChains", testAuditChains},
		{"AuditQueries", testAuditQueries},
		{"AuditTamper", testAuditTamper},
		{"AuditConcurrency", testAuditConcurrency},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, b) })
	}
}

// accessEnv is an env whose store implements smartmaint.AccessStore.
type accessEnv struct {
	*env
	a smartmaint.AccessStore
}

func newAccessEnv(tb testing.TB, b Backend) *accessEnv {
	tb.Helper()
	e := newEnv(tb, b)
	a, ok := e.s.(smartmaint.AccessStore)
	if !ok {
		tb.Skipf("the %s store does not implement smartmaint.AccessStore", e.s.Dialect())
	}
	return &accessEnv{env: e, a: a}
}

// testHash stands for an argon2id PHC string: stores keep it opaque.
const testHash = "$argon2id$v=19$m=65536,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

// user creates a user with email and name; role, when not empty, makes the
// user a member of the tenant in ctx.
func (e *accessEnv) user(ctx context.Context, email, name, role string) *smartmaint.User {
	e.tb.Helper()
	u := &smartmaint.User{Email: email, Name: name, PasswordHash: testHash}
	if err := e.a.CreateUser(ctx, u, role); err != nil {
		e.tb.Fatalf("CreateUser(%s, %q): %v", email, role, err)
	}
	return u
}

func (e *accessEnv) countUsers() int {
	e.tb.Helper()
	n, err := e.a.CountUsers(context.Background())
	if err != nil {
		e.tb.Fatalf("CountUsers: %v", err)
	}
	return n
}
