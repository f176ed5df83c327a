package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"smartmaint"
)

// Password length limits, in bytes. The upper limit bounds the work of
// hashing a hostile input; 1024 bytes is far beyond any passphrase.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// ValidatePassword returns an EINVALID error naming the field "password" and
// the reason when password is unacceptable for the account email: shorter
// than MinPasswordLen or longer than MaxPasswordLen bytes, not valid UTF-8,
// one character or a short pattern repeated, the email address or its local
// part, or one of the most common passwords (see commonPasswords).
func ValidatePassword(password, email string) error {
	reason := passwordProblem(password, smartmaint.NormalizeEmail(email))
	if reason == "" {
		return nil
	}
	return smartmaint.FieldErrorf("password", "%s", reason)
}

// passwordProblem returns why password is unacceptable, or "".
func passwordProblem(password, email string) string {
	switch {
	case len(password) < MinPasswordLen:
		return "must be at least 12 bytes long"
	case len(password) > MaxPasswordLen:
		return "must be at most 1024 bytes long"
	case !utf8.ValidString(password):
		return "must be valid UTF-8 text"
	case repeatedUnit(password) == 1:
		return "must not be a single character repeated"
	case repeatedUnit(password) > 0:
		return "must not be a short pattern repeated"
	}
	lower := strings.ToLower(password)
	local, _, _ := strings.Cut(email, "@")
	if email != "" && (lower == email || (len(local) > 0 && trimNonLetters(lower) == local)) {
		return "must not be the email address or its name part"
	}
	if isCommonPassword(lower) {
		return "is one of the most commonly used passwords; choose another (a few unrelated words work well)"
	}
	return ""
}

// repeatedUnit returns the length in characters (1 to 4) of the unit that
// s repeats to its whole length ("abab…" gives 2), or 0 when there is none.
func repeatedUnit(s string) int {
	r := []rune(s)
	for n := 1; n <= 4 && n < len(r); n++ {
		if len(r)%n != 0 {
			continue
		}
		same := true
		for i := n; i < len(r) && same; i++ {
			same = r[i] == r[i-n]
		}
		if same {
			return n
		}
	}
	return 0
}

// isCommonPassword reports whether the lower-case password, or its stem
// without leading and trailing digits, spaces and punctuation, is listed in
// commonPasswords.
func isCommonPassword(lower string) bool {
	stem := trimNonLetters(lower)
	for line := range strings.Lines(commonPasswords) {
		entry := strings.TrimSpace(line)
		if entry != "" && (entry == lower || entry == stem) {
			return true
		}
	}
	return false
}

// trimNonLetters removes leading and trailing runes that are not letters.
func trimNonLetters(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}
