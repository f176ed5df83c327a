package ingest

import (
	"math"
	"strconv"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// scanJSONNumber returns the length of the JSON number literal at the start
// of b (RFC 8259 grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?),
// or 0 when b does not start with one.
func scanJSONNumber(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return 0
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return 0
		}
		i = j
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// validDecimal reports whether b is a plain decimal number as a CSV cell may
// hold it: an optional sign, digits with an optional fraction (".5" and "5."
// included), and an optional exponent. Hexadecimal, underscores, NaN and Inf
// are not decimals.
func validDecimal(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	j := skipDigits(b, i)
	digits := j - i
	if j < len(b) && b[j] == '.' {
		k := skipDigits(b, j+1)
		digits += k - j - 1
		j = k
	}
	if digits == 0 {
		return false
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := skipDigits(b, j)
		if k == j {
			return false
		}
		j = k
	}
	return j == len(b)
}

// parseDecimal converts a literal that scanJSONNumber or validDecimal
// accepted. Literals with at most 19 significant digits and a small exponent
// are converted exactly without allocating (both the mantissa and the power
// of ten are exact float64 values, and one IEEE multiplication or division
// rounds correctly); anything else goes through strconv.ParseFloat. A literal
// beyond the float64 range yields ±Inf.
func parseDecimal(b []byte) float64 {
	i, neg := 0, false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	var mant uint64
	nd, exp, exact := 0, 0, true
	for ; i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.'); i++ {
		c := b[i]
		if c == '.' {
			exp = -countDigits(b, i+1)
			continue
		}
		if nd == 0 && c == '0' {
			continue
		}
		if nd >= 19 {
			exact = false
			break
		}
		mant = mant*10 + uint64(c-'0')
		nd++
	}
	if exact && i < len(b) {
		e, ok := smallExponent(b[i+1:])
		exp += e
		exact = ok
	}
	if !exact || mant > 1<<53 || exp < -22 || exp > 22 {
		return slowFloat(b)
	}
	f := float64(mant)
	if exp < 0 {
		f /= pow10[-exp]
	} else {
		f *= pow10[exp]
	}
	if neg {
		f = -f
	}
	return f
}

// countDigits returns the number of digits at the start of b.
func countDigits(b []byte, i int) int {
	return skipDigits(b, i) - i
}

// smallExponent parses an exponent of at most four digits.
func smallExponent(b []byte) (int, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	e := 0
	for _, c := range b {
		e = e*10 + int(c-'0')
	}
	if neg {
		e = -e
	}
	return e, true
}

// slowFloat converts a decimal literal with strconv; out-of-range literals
// become ±Inf, which the callers reject as not finite.
func slowFloat(b []byte) float64 {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !math.IsInf(f, 0) {
		// Unreachable for literals the scanners accepted; report as NaN so
		// the value is rejected rather than silently zero.
		return math.NaN()
	}
	return f
}

// nonFiniteName recognises the spellings of NaN and infinity that
// spreadsheets and Python write, so that a CSV cell holding one gets a precise
// reason. It returns "" for anything else.
func nonFiniteName(b []byte) string {
	s := b
	sign := ""
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		sign = string(s[0])
		s = s[1:]
	}
	switch {
	case equalFoldASCII(s, "nan"):
		return "NaN"
	case equalFoldASCII(s, "inf"), equalFoldASCII(s, "infinity"):
		if sign == "-" {
			return "-Inf"
		}
		return "+Inf"
	}
	return ""
}

// equalFoldASCII reports whether b equals the lowercase ASCII word w,
// ignoring ASCII case.
func equalFoldASCII(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
