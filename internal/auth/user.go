package auth

import (
	"context"
	"fmt"
	"strings"

	"smartmaint"
)

// CreateUser gives email a role in the tenant in ctx, creating the account
// when the email has none.
//
// A new account gets name and password (checked by ValidatePassword, hashed
// with argon2id). An existing account only gains the membership and keeps its
// own name and password: an administrator of one organisation cannot take
// over, or reset, an account that also belongs to another. The password is
// validated in both cases so that the answer to a weak password does not
// depend on whether the email has an account. Already being a member of the
// tenant is ECONFLICT.
//
// A principal in ctx must hold PermUsersManage in that tenant or be a
// platform operator (creating a tenant's first administrator); with no
// principal the caller is the system (the admin CLI). The store audits the
// changes.
func (a *Authenticator) CreateUser(ctx context.Context, email, name, password, role string) (*smartmaint.User, error) {
	tenantID, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	if err := mayManageUsers(ctx, tenantID); err != nil {
		return nil, err
	}
	if _, err := smartmaint.RolePermissions(role); err != nil {
		return nil, err
	}
	email = smartmaint.NormalizeEmail(email)
	if err := ValidatePassword(password, email); err != nil {
		return nil, err
	}
	if a.Tenants != nil {
		if _, err := a.Tenants.FindTenantByID(ctx, tenantID); err != nil {
			return nil, err
		}
	}
	user, err := a.Store.FindUserByEmail(ctx, email)
	switch smartmaint.ErrorCode(err) {
	case "":
		return user, a.addMember(ctx, user, tenantID, role)
	case smartmaint.ENOTFOUND:
	default:
		return nil, fmt.Errorf("auth: find user: %w", err)
	}
	hash, err := a.hasher().Hash(password)
	if err != nil {
		return nil, err
	}
	now := a.now()
	user = &smartmaint.User{Email: email, Name: strings.TrimSpace(name), PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := user.Validate(); err != nil {
		return nil, err
	}
	if err := a.Store.CreateUser(ctx, user, role); err != nil {
		return nil, err
	}
	return user, nil
}

// mayManageUsers refuses a principal that may not add members to tenantID.
func mayManageUsers(ctx context.Context, tenantID string) error {
	p := smartmaint.PrincipalFromContext(ctx)
	if p == nil || p.HasPermission(smartmaint.PermPlatformTenants) ||
		(p.HasPermission(smartmaint.PermUsersManage) && p.TenantID == tenantID) {
		return nil
	}
	return smartmaint.Errorf(smartmaint.EFORBIDDEN, "Adding members needs the %s permission.", smartmaint.PermUsersManage)
}

// addMember gives user role in tenantID unless already a member there.
func (a *Authenticator) addMember(ctx context.Context, user *smartmaint.User, tenantID, role string) error {
	ms, err := a.Store.FindMemberships(ctx, user.ID)
	if err != nil {
		return fmt.Errorf("auth: memberships: %w", err)
	}
	if roleIn(ms, tenantID) != "" {
		return &smartmaint.Error{Code: smartmaint.ECONFLICT, Message: "email: is already a member of this organisation",
			Details: []smartmaint.FieldError{{Field: "email", Reason: "is already a member of this organisation"}}}
	}
	if _, err := a.Store.SetMembership(ctx, user.ID, role); err != nil {
		return fmt.Errorf("auth: add membership: %w", err)
	}
	return nil
}

// ChangePassword replaces the password of userID after checking the old one,
// and ends the user's other sessions (all but the one in ctx, see
// NewContextWithSession; all of them when ctx carries none).
//
// A principal in ctx must be that user. A wrong old password counts as a
// failed sign-in under the LockoutPolicy (so a stolen session cannot be used
// to guess the password) and is EINVALID naming "old_password"; a locked
// account gets a *LockedError. The new password must pass ValidatePassword
// and differ from the old one. The store audits the change.
func (a *Authenticator) ChangePassword(ctx context.Context, userID, oldPassword, newPassword string) error {
	if p := smartmaint.PrincipalFromContext(ctx); p != nil && (p.Kind != actorUser || p.ID != userID) {
		return smartmaint.Errorf(smartmaint.EFORBIDDEN, "You can only change your own password.")
	}
	switch {
	case oldPassword == "":
		return smartmaint.FieldErrorf("old_password", "is required")
	case len(oldPassword) > MaxPasswordLen:
		return smartmaint.FieldErrorf("old_password", "is not the current password")
	}
	user, err := a.Store.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	unlock, err := a.attempts.lock(ctx, user.Email)
	if err != nil {
		return err
	}
	defer unlock()
	if user, err = a.Store.FindUserByID(ctx, userID); err != nil { // fresh counters under the lock
		return err
	}
	if _, err := a.checkPassword(ctx, user, oldPassword, actor{kind: actorUser, id: userID}, "auth.password_change_failed"); err != nil {
		if smartmaint.ErrorCode(err) == smartmaint.EUNAUTHORIZED {
			return smartmaint.FieldErrorf("old_password", "is not the current password")
		}
		return err
	}
	if newPassword == oldPassword {
		return smartmaint.FieldErrorf("password", "must differ from the current password")
	}
	if err := ValidatePassword(newPassword, user.Email); err != nil {
		return err
	}
	hash, err := a.hasher().Hash(newPassword)
	if err != nil {
		return err
	}
	if _, err := a.Store.UpdateUser(ctx, userID, smartmaint.UserUpdate{PasswordHash: &hash}); err != nil {
		return fmt.Errorf("auth: update password: %w", err)
	}
	return a.revokeOtherSessions(ctx, userID)
}

// revokeOtherSessions ends every active session of userID except the one
// in ctx.
func (a *Authenticator) revokeOtherSessions(ctx context.Context, userID string) error {
	now := a.now()
	current := SessionFromContext(ctx)
	if current == nil || current.UserID != userID {
		return a.Store.RevokeUserSessions(ctx, userID, now)
	}
	sessions, err := a.Store.FindUserSessions(ctx, userID, now)
	if err != nil {
		return fmt.Errorf("auth: list sessions: %w", err)
	}
	for _, s := range sessions {
		if s.ID == current.ID {
			continue
		}
		if err := a.Store.RevokeSession(ctx, userID, s.ID, now); err != nil && smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
			return fmt.Errorf("auth: revoke session: %w", err)
		}
	}
	return nil
}
