package auth

import (
	"context"
	"runtime"
	"testing"

	"smartmaint"
)

// BenchmarkHash is one new password hash with DefaultParams.
func BenchmarkHash(b *testing.B) {
	h := &Hasher{Params: DefaultParams()}
	for b.Loop() {
		if _, err := h.Hash("grey heron over the weir"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is one password check against a DefaultParams hash: the
// cost of every sign-in attempt.
func BenchmarkVerify(b *testing.B) {
	h := &Hasher{Params: DefaultParams()}
	enc, err := h.Hash("grey heron over the weir")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, _ := h.Verify(enc, "grey heron over the weir"); !ok {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkVerifyParallel is sign-in throughput with every core hashing
// (as NewAuthenticator sets it up: at most GOMAXPROCS hashes at once).
func BenchmarkVerifyParallel(b *testing.B) {
	h := NewHasher(DefaultParams(), runtime.GOMAXPROCS(0))
	enc, err := h.Hash("grey heron over the weir")
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Verify(enc, "grey heron over the weir")
		}
	})
}

// BenchmarkAuthenticateKey is the per-request cost of an API key on the
// in-memory fake store: parse, SHA-256, lookup, checks (no touch).
func BenchmarkAuthenticateKey(b *testing.B) {
	e := newEnv(b)
	e.addUser(b, "admin@example.com", "acme", smartmaint.RoleAdmin)
	ctx := principalCtx(e.mustLogin(b, "admin@example.com").Principal)
	secret, _, err := e.auth.CreateAPIKey(ctx, "bench", []string{smartmaint.PermDataIngest}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := e.auth.AuthenticateKey(context.Background(), secret); err != nil {
			b.Fatal(err)
		}
	}
}
