package storemetrics

import (
	"context"
	"time"

	"smartmaint"
)

// CreateUser implements smartmaint.UserService.
func (s *Store) CreateUser(ctx context.Context, u *smartmaint.User, role string) (err error) {
	defer s.observe("create_user", time.Now(), &err)
	return s.next.CreateUser(ctx, u, role)
}

// FindUserByID implements smartmaint.UserService.
func (s *Store) FindUserByID(ctx context.Context, id string) (r0 *smartmaint.User, err error) {
	defer s.observe("find_user_by_i_d", time.Now(), &err)
	return s.next.FindUserByID(ctx, id)
}

// FindUserByEmail implements smartmaint.UserService.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (r0 *smartmaint.User, err error) {
	defer s.observe("find_user_by_email", time.Now(), &err)
	return s.next.FindUserByEmail(ctx, email)
}

// UpdateUser implements smartmaint.UserService.
func (s *Store) UpdateUser(ctx context.Context, id string, upd smartmaint.UserUpdate) (r0 *smartmaint.User, err error) {
	defer s.observe("update_user", time.Now(), &err)
	return s.next.UpdateUser(ctx, id, upd)
}

// RecordLoginFailure implements smartmaint.UserService.
func (s *Store) RecordLoginFailure(ctx context.Context, userID string, lock func(failures int) *time.Time) (r0 int, r1 *time.Time, err error) {
	defer s.observe("record_login_failure", time.Now(), &err)
	return s.next.RecordLoginFailure(ctx, userID, lock)
}

// RecordLoginSuccess implements smartmaint.UserService.
func (s *Store) RecordLoginSuccess(ctx context.Context, userID string, at time.Time) (err error) {
	defer s.observe("record_login_success", time.Now(), &err)
	return s.next.RecordLoginSuccess(ctx, userID, at)
}

// CountUsers implements smartmaint.UserService.
func (s *Store) CountUsers(ctx context.Context) (r0 int, err error) {
	defer s.observe("count_users", time.Now(), &err)
	return s.next.CountUsers(ctx)
}

// SetMembership implements smartmaint.UserService.
func (s *Store) SetMembership(ctx context.Context, userID string, role string) (r0 *smartmaint.Membership, err error) {
	defer s.observe("set_membership", time.Now(), &err)
	return s.next.SetMembership(ctx, userID, role)
}

// DeleteMembership implements smartmaint.UserService.
func (s *Store) DeleteMembership(ctx context.Context, userID string) (err error) {
	defer s.observe("delete_membership", time.Now(), &err)
	return s.next.DeleteMembership(ctx, userID)
}

// FindMembers implements smartmaint.UserService.
func (s *Store) FindMembers(ctx context.Context) (r0 []*smartmaint.Member, err error) {
	defer s.observe("find_members", time.Now(), &err)
	return s.next.FindMembers(ctx)
}

// FindMemberships implements smartmaint.UserService.
func (s *Store) FindMemberships(ctx context.Context, userID string) (r0 []*smartmaint.Membership, err error) {
	defer s.observe("find_memberships", time.Now(), &err)
	return s.next.FindMemberships(ctx, userID)
}

// CreateSession implements smartmaint.SessionService.
func (s *Store) CreateSession(ctx context.Context, sess *smartmaint.Session) (err error) {
	defer s.observe("create_session", time.Now(), &err)
	return s.next.CreateSession(ctx, sess)
}

// FindSessionByTokenHash implements smartmaint.SessionService.
func (s *Store) FindSessionByTokenHash(ctx context.Context, tokenHash string) (r0 *smartmaint.Session, err error) {
	defer s.observe("find_session_by_token_hash", time.Now(), &err)
	return s.next.FindSessionByTokenHash(ctx, tokenHash)
}

// TouchSession implements smartmaint.SessionService.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time) (err error) {
	defer s.observe("touch_session", time.Now(), &err)
	return s.next.TouchSession(ctx, id, now)
}

// RevokeSession implements smartmaint.SessionService.
func (s *Store) RevokeSession(ctx context.Context, userID string, id string, now time.Time) (err error) {
	defer s.observe("revoke_session", time.Now(), &err)
	return s.next.RevokeSession(ctx, userID, id, now)
}

// RevokeUserSessions implements smartmaint.SessionService.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, now time.Time) (err error) {
	defer s.observe("revoke_user_sessions", time.Now(), &err)
	return s.next.RevokeUserSessions(ctx, userID, now)
}

// FindUserSessions implements smartmaint.SessionService.
func (s *Store) FindUserSessions(ctx context.Context, userID string, now time.Time) (r0 []*smartmaint.Session, err error) {
	defer s.observe("find_user_sessions", time.Now(), &err)
	return s.next.FindUserSessions(ctx, userID, now)
}

// CreateAPIKey implements smartmaint.APIKeyService.
func (s *Store) CreateAPIKey(ctx context.Context, k *smartmaint.APIKey) (err error) {
	defer s.observe("create_a_p_i_key", time.Now(), &err)
	return s.next.CreateAPIKey(ctx, k)
}

// FindAPIKeys implements smartmaint.APIKeyService.
func (s *Store) FindAPIKeys(ctx context.Context) (r0 []*smartmaint.APIKey, err error) {
	defer s.observe("find_a_p_i_keys", time.Now(), &err)
	return s.next.FindAPIKeys(ctx)
}

// FindAPIKeyByID implements smartmaint.APIKeyService.
func (s *Store) FindAPIKeyByID(ctx context.Context, id string) (r0 *smartmaint.APIKey, err error) {
	defer s.observe("find_a_p_i_key_by_i_d", time.Now(), &err)
	return s.next.FindAPIKeyByID(ctx, id)
}

// FindAPIKeyByHash implements smartmaint.APIKeyService.
func (s *Store) FindAPIKeyByHash(ctx context.Context, hash string) (r0 *smartmaint.APIKey, err error) {
	defer s.observe("find_a_p_i_key_by_hash", time.Now(), &err)
	return s.next.FindAPIKeyByHash(ctx, hash)
}

// RevokeAPIKey implements smartmaint.APIKeyService.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, now time.Time) (r0 *smartmaint.APIKey, err error) {
	defer s.observe("revoke_a_p_i_key", time.Now(), &err)
	return s.next.RevokeAPIKey(ctx, id, now)
}

// TouchAPIKey implements smartmaint.APIKeyService.
func (s *Store) TouchAPIKey(ctx context.Context, id string, now time.Time) (err error) {
	defer s.observe("touch_a_p_i_key", time.Now(), &err)
	return s.next.TouchAPIKey(ctx, id, now)
}

// AppendAudit implements smartmaint.AuditService.
func (s *Store) AppendAudit(ctx context.Context, e *smartmaint.AuditEntry) (err error) {
	defer s.observe("append_audit", time.Now(), &err)
	return s.next.AppendAudit(ctx, e)
}

// FindAudit implements smartmaint.AuditService.
func (s *Store) FindAudit(ctx context.Context, f smartmaint.AuditFilter) (r0 []*smartmaint.AuditEntry, r1 int, err error) {
	defer s.observe("find_audit", time.Now(), &err)
	return s.next.FindAudit(ctx, f)
}

// ExportAudit implements smartmaint.AuditService.
func (s *Store) ExportAudit(ctx context.Context, f smartmaint.AuditFilter, fn func(*smartmaint.AuditEntry) error) (err error) {
	defer s.observe("export_audit", time.Now(), &err)
	return s.next.ExportAudit(ctx, f, fn)
}

// VerifyAudit implements smartmaint.AuditService.
func (s *Store) VerifyAudit(ctx context.Context, tenantID string) (r0 smartmaint.AuditVerification, err error) {
	defer s.observe("verify_audit", time.Now(), &err)
	return s.next.VerifyAudit(ctx, tenantID)
}

// AuditTenants implements smartmaint.AuditService.
func (s *Store) AuditTenants(ctx context.Context) (r0 []string, err error) {
	defer s.observe("audit_tenants", time.Now(), &err)
	return s.next.AuditTenants(ctx)
}
