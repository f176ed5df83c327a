package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"smartmaint"
)

// Token formats. Every secret is 32 random bytes from crypto/rand (256 bits),
// written as unpadded base64url (43 characters).
const (
	tokenBytes = 32
	tokenLen   = 43 // base64url of 32 bytes, unpadded

	// APIKeyPrefix starts every API key, so that a leaked key is easy to
	// recognise (secret scanners, logs).
	APIKeyPrefix = "smk_"
	// APIKeyLen is the length of an API key: the prefix and 43 characters.
	APIKeyLen = len(APIKeyPrefix) + tokenLen
	// VisiblePrefixLen is how much of a key is stored in clear and shown in
	// listings ("smk_" and 8 characters, 48 bits): enough to tell keys apart,
	// far too little to guess the rest.
	VisiblePrefixLen = 12
)

// newToken returns 32 random bytes as unpadded base64url.
func newToken() string {
	var b [tokenBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewAPIKey returns a new API key secret ("smk_" and 43 characters), to be
// shown once, and its visible prefix, to be stored with HashToken(secret).
func NewAPIKey() (secret, prefix string) {
	secret = APIKeyPrefix + newToken()
	return secret, secret[:VisiblePrefixLen]
}

// NewSessionToken returns a new session token for the session cookie; the
// store keeps HashToken of it.
func NewSessionToken() string { return newToken() }

// NewCSRFToken returns a new token that a session's state-changing requests
// must send back (X-CSRF-Token header or form field).
func NewCSRFToken() string { return newToken() }

// HashToken returns the hex SHA-256 of a token or key secret, as stored.
// A fast hash is right here, unlike for passwords: the secrets are 256 random
// bits, so no amount of hashing speed makes guessing them feasible, and a
// lookup by hash must be cheap because it happens on every request.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ParseAPIKey returns nil when s is well-formed as an API key ("smk_"
// followed by the canonical base64url of 32 bytes), and an EUNAUTHORIZED
// error otherwise, so that garbage is refused before any store lookup.
func ParseAPIKey(s string) error {
	rest, ok := strings.CutPrefix(s, APIKeyPrefix)
	if !ok || !isToken(rest) {
		return smartmaint.Errorf(smartmaint.EUNAUTHORIZED, "Invalid API key.")
	}
	return nil
}

// ParseSessionToken returns nil when s is well-formed as a session token and
// an EUNAUTHORIZED error otherwise.
func ParseSessionToken(s string) error {
	if !isToken(s) {
		return errSessionInvalid()
	}
	return nil
}

// isToken reports whether s is the canonical unpadded base64url encoding of
// 32 bytes.
func isToken(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == tokenBytes
}

// CheckCSRF reports whether presented equals the session's CSRF token, in
// constant time; an empty token never matches.
func CheckCSRF(s *smartmaint.Session, presented string) bool {
	if s == nil || s.CSRFToken == "" || presented == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(s.CSRFToken), []byte(presented)) == 1
}
