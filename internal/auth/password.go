package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a password hash.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns the parameters new hashes are made with: OWASP's
// first recommended argon2id configuration (19 MiB, two passes, one lane),
// a 16-byte salt and a 32-byte key. One lane keeps a sign-in on one core of a
// 2-core server, leaving the other to serve requests; the memory cost is what
// makes guessing on GPUs expensive. On the 2-core development VM one hash
// takes 23 ms at best and 25–35 ms typically (docs/bench/auth.md). Raise the parameters with the
// hardware: existing hashes keep verifying and Verify reports that they need
// rehashing.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Hasher hashes and verifies passwords with argon2id. It is safe for
// concurrent use. The zero value is not usable: set Params, or call
// NewHasher.
type Hasher struct {
	// Params are used for new hashes; Verify uses those of the hash.
	Params Params
	// OnHash, when set, is called with the parameters of every argon2id
	// computation (Hash, Verify and DummyVerify), so tests can assert that
	// two code paths did the same work.
	OnHash func(Params)

	// slots bounds the hashes computed at once (each holds Params.Memory);
	// nil means unbounded.
	slots chan struct{}
}

// NewHasher returns a Hasher with params that computes at most maxConcurrent
// hashes at once (further callers wait), so that a burst of sign-ins cannot
// take more than maxConcurrent × params.Memory of memory. maxConcurrent < 1
// means unbounded.
func NewHasher(params Params, maxConcurrent int) *Hasher {
	h := &Hasher{Params: params}
	if maxConcurrent > 0 {
		h.slots = make(chan struct{}, maxConcurrent)
	}
	return h
}

// Hash returns the PHC string of a new argon2id hash of password with a
// random salt.
func (h *Hasher) Hash(password string) (string, error) {
	if err := h.Params.validate(); err != nil {
		return "", fmt.Errorf("auth: hasher: %w", err)
	}
	salt := make([]byte, h.Params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := h.derive(password, salt, h.Params)
	return encodePHC(h.Params, salt, key), nil
}

// Verify reports whether password matches the PHC string encoded, and
// whether the hash was made with parameters other than h.Params (the caller
// should then store a new hash of the password). The key comparison takes
// constant time. A malformed encoded string is an error and costs no hashing.
func (h *Hasher) Verify(encoded, password string) (ok, needsRehash bool, err error) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	got := h.derive(password, salt, p)
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, p != h.Params, nil
}

// DummyVerify does the work of verifying password against a hash made with
// h.Params, and throws the result away. Sign-in calls it when there is no
// real hash to check (unknown email, locked account), so that those answers
// take as long as a wrong password.
func (h *Hasher) DummyVerify(password string) {
	p := h.Params
	dummy := encodePHC(p, make([]byte, p.SaltLen), make([]byte, p.KeyLen))
	_, _, _ = h.Verify(dummy, password)
}

// derive computes the argon2id key, waiting for a free slot first.
func (h *Hasher) derive(password string, salt []byte, p Params) []byte {
	if h.slots != nil {
		h.slots <- struct{}{}
		defer func() { <-h.slots }()
	}
	if h.OnHash != nil {
		h.OnHash(p)
	}
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}
