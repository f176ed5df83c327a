package auth

import (
	"strings"
	"testing"

	"smartmaint"
)

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		name, password, email string
		reason                string // "" when accepted
	}{
		{"passphrase", "grey heron over the weir", "ann@example.com", ""},
		{"exactly 12 bytes", "tr0mb0ne-Kx9", "ann@example.com", ""},
		{"1024 bytes", strings.Repeat("abcdefgh", 127) + "ijklmnop", "ann@example.com", ""},
		{"unicode", "größenwahn über äpfel", "ann@example.com", ""},
		{"11 bytes", "tr0mb0ne-Kx", "ann@example.com", "at least 12 bytes"},
		{"empty", "", "ann@example.com", "at least 12 bytes"},
		{"1025 bytes", strings.Repeat("abcdefgh", 128) + "i", "ann@example.com", "at most 1024 bytes"},
		{"not UTF-8", "abcdefghijk\xff", "ann@example.com", "valid UTF-8"},
		{"one character", "zzzzzzzzzzzzzzzz", "ann@example.com", "single character repeated"},
		{"one multibyte character", "éééééééééééé", "ann@example.com", "single character repeated"},
		{"pattern of two", "abababababababab", "ann@example.com", "short pattern repeated"},
		{"pattern of four", "1a2b1a2b1a2b1a2b", "ann@example.com", "short pattern repeated"},
		{"the email", "ann.lee@example.com", "Ann.Lee@Example.com", "email address"},
		{"the email in capitals", "ANN.LEE@EXAMPLE.COM", "ann.lee@example.com", "email address"},
		{"the name part and digits", "ann.lee20262026", "ann.lee@example.com", "email address"},
		{"common", "password1234", "ann@example.com", "most commonly used"},
		{"common with symbols", "!!Password2024!!", "ann@example.com", "most commonly used"},
		{"common season", "Summer2026!!", "ann@example.com", "most commonly used"},
		{"common keyboard walk", "qwertyuiop12", "ann@example.com", "most commonly used"},
		{"common digits", "123456789012", "ann@example.com", "most commonly used"},
		{"common product name", "SmartMaint2026", "ann@example.com", "most commonly used"},
		{"common word inside a phrase is fine", "password of the grey heron", "ann@example.com", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePassword(tc.password, tc.email)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("ValidatePassword(%q) = %v, want nil", tc.password, err)
				}
				return
			}
			wantCode(t, err, smartmaint.EINVALID, tc.reason)
			d := smartmaint.ErrorDetails(err)
			if len(d) != 1 || d[0].Field != "password" || !strings.Contains(d[0].Reason, tc.reason) {
				t.Fatalf("details = %+v, want field password with reason containing %q", d, tc.reason)
			}
		})
	}
}

func TestCommonPasswordList(t *testing.T) {
	seen := map[string]bool{}
	for line := range strings.Lines(commonPasswords) {
		e := strings.TrimSuffix(line, "\n")
		if e == "" {
			continue
		}
		if e != strings.ToLower(strings.TrimSpace(e)) {
			t.Errorf("entry %q is not trimmed lower case", e)
		}
		if seen[e] {
			t.Errorf("entry %q is listed twice", e)
		}
		seen[e] = true
		if !isCommonPassword(e) {
			t.Errorf("entry %q is not recognised", e)
		}
	}
	if len(seen) < 100 {
		t.Fatalf("%d entries, want at least 100", len(seen))
	}
}
