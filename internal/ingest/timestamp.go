package ingest

import (
	"fmt"
	"math"
	"time"
)

// maxUnixSeconds is the largest numeric timestamp accepted. Unix seconds
// reach 1e11 only in the year 5138; a larger number is almost certainly
// milliseconds (1e12 is September 2001 in milliseconds).
const maxUnixSeconds = 1e11

// parseTimeText parses the date-time forms of RFC 3339 and ISO 8601 that
// clients send:
//
//	YYYY-MM-DD(T|t| )hh:mm[:ss[(.|,)fraction]][Z|z|±hh[:mm]|±hhmm]
//
// A time without a zone is UTC (never the server's local time). The fraction
// may have any number of digits; it is truncated to microseconds
// (smartmaint.TimePrecision). A leap second (ss = 60) is refused. It returns
// ok=false for anything else.
func parseTimeText(b []byte) (t time.Time, ok bool) {
	if len(b) < 16 || b[4] != '-' || b[7] != '-' || b[13] != ':' {
		return time.Time{}, false
	}
	if c := b[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, false
	}
	year, ok1 := digitsN(b[0:4])
	month, ok2 := digitsN(b[5:7])
	day, ok3 := digitsN(b[8:10])
	hour, ok4 := digitsN(b[11:13])
	minute, ok5 := digitsN(b[14:16])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || minute > 59 {
		return time.Time{}, false
	}
	rest := b[16:]
	sec, micros := 0, 0
	if len(rest) > 0 && rest[0] == ':' {
		if len(rest) < 3 {
			return time.Time{}, false
		}
		s, ok := digitsN(rest[1:3])
		if !ok || s > 59 {
			return time.Time{}, false
		}
		sec, rest = s, rest[3:]
		if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
			n := countDigits(rest, 1)
			if n == 0 {
				return time.Time{}, false
			}
			micros = fractionMicros(rest[1 : 1+n])
			rest = rest[1+n:]
		}
	}
	offset, ok := parseZone(rest)
	if !ok {
		return time.Time{}, false
	}
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	return time.UnixMicro(unix*1e6 + int64(micros)).UTC(), true
}

// parseZone parses the zone suffix of a date-time and returns its offset
// from UTC in seconds. An empty suffix means UTC.
func parseZone(b []byte) (int, bool) {
	switch {
	case len(b) == 0:
		return 0, true
	case len(b) == 1 && (b[0] == 'Z' || b[0] == 'z'):
		return 0, true
	case b[0] != '+' && b[0] != '-':
		return 0, false
	}
	sign := 1
	if b[0] == '-' {
		sign = -1
	}
	b = b[1:]
	var hh, mm int
	var ok1, ok2 bool
	switch len(b) {
	case 2:
		hh, ok1 = digitsN(b)
		ok2 = true
	case 4:
		hh, ok1 = digitsN(b[0:2])
		mm, ok2 = digitsN(b[2:4])
	case 5:
		hh, ok1 = digitsN(b[0:2])
		mm, ok2 = digitsN(b[3:5])
		ok2 = ok2 && b[2] == ':'
	}
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, false
	}
	return sign * (hh*3600 + mm*60), true
}

// digitsN parses b as an unsigned decimal number of exactly len(b) digits.
func digitsN(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// fractionMicros returns the microseconds of a decimal fraction of a second,
// truncating digits beyond the sixth.
func fractionMicros(b []byte) int {
	n := 0
	for i := range 6 {
		n *= 10
		if i < len(b) {
			n += int(b[i] - '0')
		}
	}
	return n
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days from 1970-01-01 to the given
// proleptic Gregorian date (H. Hinnant's algorithm), for years 0 to 9999.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// unixNumberTime converts a JSON number literal holding Unix seconds, with an
// optional fraction, to a time truncated to microseconds. It returns a reason
// when the number cannot be a timestamp in seconds.
func unixNumberTime(lit []byte) (time.Time, string) {
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	intLen := countDigits(digits, 0)
	if intLen == len(digits) || digits[intLen] == '.' && countDigits(digits, intLen+1) == len(digits)-intLen-1 {
		// Plain decimal: convert exactly, without going through float64.
		if intLen > 12 {
			return time.Time{}, millisReason(lit, neg)
		}
		secs, _ := digitsN(digits[:intLen])
		micros := 0
		if intLen < len(digits) {
			micros = fractionMicros(digits[intLen+1:])
		}
		if !neg && float64(secs)+float64(micros)/1e6 > maxUnixSeconds || neg && secs > maxUnixSeconds {
			return time.Time{}, millisReason(lit, neg)
		}
		us := int64(secs)*1e6 + int64(micros)
		if neg {
			us = -us
		}
		return time.UnixMicro(us).UTC(), ""
	}
	f := parseDecimal(lit)
	if math.IsNaN(f) || math.Abs(f) > maxUnixSeconds {
		return time.Time{}, millisReason(lit, f < 0)
	}
	return time.UnixMicro(int64(math.Floor(f * 1e6))).UTC(), ""
}

func millisReason(lit []byte, neg bool) string {
	if neg {
		return fmt.Sprintf("%s is out of range for Unix seconds", clip(lit))
	}
	return fmt.Sprintf("%s looks like milliseconds; send Unix seconds (a fraction is allowed) or an RFC 3339 string", clip(lit))
}

// clip returns b as a string of at most 64 bytes, for echoing client input
// in an error message.
func clip(b []byte) string {
	if len(b) > 64 {
		return string(b[:61]) + "..."
	}
	return string(b)
}
