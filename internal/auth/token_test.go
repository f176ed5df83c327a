package auth

import (
	"strings"
	"testing"

	"smartmaint"
)

const b64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestNewAPIKey(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		secret, prefix := NewAPIKey()
		if APIKeyLen != 47 || len(secret) != APIKeyLen || !strings.HasPrefix(secret, "smk_") {
			t.Fatalf("secret %q: want smk_ and 43 characters", secret)
		}
		if prefix != secret[:12] {
			t.Fatalf("prefix %q, want the first 12 characters of %q", prefix, secret)
		}
		if err := ParseAPIKey(secret); err != nil {
			t.Fatalf("ParseAPIKey(%q) = %v", secret, err)
		}
		if seen[secret] || seen[prefix] {
			t.Fatalf("repeated secret or prefix %q", secret)
		}
		seen[secret], seen[prefix] = true, true
	}
}

func TestHashToken(t *testing.T) {
	// SHA-256 test vector of FIPS 180-2.
	if got := HashToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashToken(abc) = %s", got)
	}
	a, b := NewSessionToken(), NewSessionToken()
	if a == b || HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 {
		t.Fatalf("tokens %q, %q hash to %q, %q", a, b, HashToken(a), HashToken(b))
	}
}

// nonCanonical changes the last character of a 43-character token so that
// it sets one of the two unused low bits.
func nonCanonical(tok string) string {
	i := strings.IndexByte(b64urlAlphabet, tok[42])
	return tok[:42] + string(b64urlAlphabet[i|1])
}

func TestParseAPIKeyRejects(t *testing.T) {
	good, _ := NewAPIKey()
	body := good[4:]
	for _, tc := range []struct{ name, key string }{
		{"empty", ""},
		{"prefix only", "smk_"},
		{"no prefix", body},
		{"other prefix", "sk__" + body},
		{"upper-case prefix", "SMK_" + body},
		{"one short", good[:46]},
		{"one long", good + "A"},
		{"padded", good[:46] + "="},
		{"standard alphabet", "smk_" + strings.Repeat("+", 40) + "AAA"},
		{"space", "smk_" + body[:20] + " " + body[21:]},
		{"newline", "smk_" + body[:20] + "\n" + body[21:]},
		{"non-canonical last character", "smk_" + nonCanonical(body)},
		{"the original's placeholder", "your_default_api_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, ParseAPIKey(tc.key), smartmaint.EUNAUTHORIZED, "Invalid API key.")
		})
	}
}

func TestSessionAndCSRFTokens(t *testing.T) {
	tok := NewSessionToken()
	if len(tok) != 43 || ParseSessionToken(tok) != nil {
		t.Fatalf("session token %q: want 43 base64url characters that parse", tok)
	}
	for _, bad := range []string{"", tok[:42], tok + "x", nonCanonical(tok), "smk_" + tok, strings.Repeat("!", 43)} {
		wantCode(t, ParseSessionToken(bad), smartmaint.EUNAUTHORIZED, "")
	}
	csrf := NewCSRFToken()
	if !isToken(csrf) || csrf == NewCSRFToken() {
		t.Fatalf("CSRF token %q: want a fresh 32-byte token", csrf)
	}
	s := &smartmaint.Session{CSRFToken: csrf}
	for _, tc := range []struct {
		s         *smartmaint.Session
		presented string
		want      bool
	}{
		{s, csrf, true},
		{s, csrf[:42], false},
		{s, NewCSRFToken(), false},
		{s, "", false},
		{&smartmaint.Session{}, "", false},
		{nil, csrf, false},
	} {
		if got := CheckCSRF(tc.s, tc.presented); got != tc.want {
			t.Errorf("CheckCSRF(%v, %q) = %v, want %v", tc.s, tc.presented, got, tc.want)
		}
	}
}
