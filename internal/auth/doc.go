// Package auth is smartmaint's access control: argon2id password hashing and
// the password policy, API key and session tokens, the sign-in lockout
// policy, and the Authenticator that signs users in and out and turns a
// session token or an API key into a smartmaint.Principal whose permissions
// are resolved afresh on every request.
//
// It speaks domain types only: the state lives in a smartmaint.AccessStore,
// and the HTTP layer (cookies, headers, CSRF check, status codes) is built on
// top of it in internal/httpapi.
package auth
