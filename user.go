package smartmaint

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// User is a person who signs in. Users are platform-wide; what they may do in
// a tenant comes from their Membership there.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"` // unique, stored lower-case
	Name  string `json:"name"`

	// PlatformOperator users may create and list tenants (PermPlatformTenants).
	PlatformOperator bool `json:"platform_operator,omitempty"`
	Disabled         bool `json:"disabled,omitempty"`

	// PasswordHash is the PHC string of the argon2id hash; never serialised.
	PasswordHash string `json:"-"`
	// FailedLogins counts consecutive failed sign-ins; LockedUntil is set when
	// they lock the account.
	FailedLogins int        `json:"-"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`

	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate returns an EINVALID error naming every problem with u.
func (u *User) Validate() error {
	var email, name, hash error
	if u.Email == "" {
		email = FieldErrorf("email", "is required")
	} else if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > 254 {
		email = FieldErrorf("email", "%q is not a plain email address", u.Email)
	}
	if u.Name == "" {
		name = FieldErrorf("name", "is required")
	} else {
		name = validateText("name", u.Name, 200)
	}
	if u.PasswordHash == "" {
		hash = FieldErrorf("password", "is required")
	}
	return joinErrors(email, name, hash)
}

// Membership gives a user a role in a tenant.
type Membership struct {
	UserID    string    `json:"user_id"`
	TenantID  string    `json:"tenant_id"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// UserUpdate lists what can change about a user; nil means keep.
type UserUpdate struct {
	Name             *string `json:"name"`
	Disabled         *bool   `json:"disabled"`
	PlatformOperator *bool   `json:"platform_operator"`
	PasswordHash     *string `json:"-"`
}

// UserService manages users and their memberships. Users are platform-wide:
// the Find/Create/Update methods are not scoped by the tenant in ctx, and the
// HTTP layer only lets tenant administrators reach users who are members of
// their tenant (FindMembers).
//
// CreateUser, UpdateUser, SetMembership and DeleteMembership append their
// audit entry in their own transaction (never with the password hash); the
// sign-in bookkeeping (RecordLogin*) is audited by the caller.
type UserService interface {
	// CreateUser stores u (ID generated when empty, Email normalised);
	// ECONFLICT when the email is taken. When role is not empty, u also
	// becomes a member of the tenant in ctx with that role, in the same
	// transaction.
	CreateUser(ctx context.Context, u *User, role string) error
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUserByEmail matches the normalised email.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	UpdateUser(ctx context.Context, id string, upd UserUpdate) (*User, error)
	// RecordLoginFailure atomically adds one to the user's consecutive failed
	// sign-ins and sets LockedUntil to lock(the new count) (nil: no lock),
	// returning both, so that replicas counting at once lose no failure.
	RecordLoginFailure(ctx context.Context, userID string, lock func(failures int) *time.Time) (failures int, lockedUntil *time.Time, err error)
	// RecordLoginSuccess resets the failure count and lock and sets LastLoginAt.
	RecordLoginSuccess(ctx context.Context, userID string, at time.Time) error
	// CountUsers counts every user of the platform (first-run setup).
	CountUsers(ctx context.Context) (int, error)

	// SetMembership gives the user a role in the tenant in ctx (creating or
	// changing the membership).
	SetMembership(ctx context.Context, userID, role string) (*Membership, error)
	// DeleteMembership removes the user from the tenant in ctx; ENOTFOUND if
	// not a member.
	DeleteMembership(ctx context.Context, userID string) error
	// FindMembers lists the members of the tenant in ctx with their users.
	FindMembers(ctx context.Context) ([]*Member, error)
	// FindMemberships lists a user's memberships in every tenant.
	FindMemberships(ctx context.Context, userID string) ([]*Membership, error)
}

// Member is a user as a tenant sees it: the user and the role there.
type Member struct {
	User *User  `json:"user"`
	Role string `json:"role"`
}
