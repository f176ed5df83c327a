package ratelimit

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"smartmaint"
)

// Class names a group of routes that share limits. Each route of the API
// declares one.
type Class string

// The route classes of the API.
const (
	Ingest     Class = "ingest"         // POST /api/v1/data/ingest and other writes of readings
	Query      Class = "query"          // reads: readings, sensors, assets, decisions, reports
	ML         Class = "ml"             // model predictions, forecasts, anomaly detection
	CheckDrift Class = "ml:check_drift" // POST /api/v1/ml/check_drift: the original's 10/minute
	Auth       Class = "auth"           // login attempts; the subject is the account
	Admin      Class = "admin"          // /api/v1/admin/…
)

// Policy is the limits of one class: PerKey for the bucket of each subject
// (API key, user, or for Auth the account being logged into) and PerIP for
// the bucket of each client address. A zero Limit turns that bucket off.
type Policy struct {
	PerKey Limit
	PerIP  Limit
}

// Config maps each route class to its Policy.
type Config map[Class]Policy

// DefaultConfig returns the default limits, a new map on each call:
//
//	class           per key (subject)       per IP
//	ingest          20000/s, burst 40000    40000/s, burst 80000
//	query           100/s, burst 200        200/s, burst 400
//	ml              10/s, burst 20          20/s, burst 40
//	ml:check_drift  10/minute, burst 10     off
//	auth            5/minute per account    10/minute
//	admin           10/s, burst 20          20/s, burst 40
//
// The per-IP limits are twice the per-key ones, so one address may carry two
// busy clients; ml:check_drift keeps the original's 10 per minute per key.
// Ingest is generous on purpose: one plant gateway may post thousands of
// single readings a second, and batches are bounded by their own size limit.
func DefaultConfig() Config {
	return Config{
		Ingest:     {PerKey: PerSecond(20000, 40000), PerIP: PerSecond(40000, 80000)},
		Query:      {PerKey: PerSecond(100, 200), PerIP: PerSecond(200, 400)},
		ML:         {PerKey: PerSecond(10, 20), PerIP: PerSecond(20, 40)},
		CheckDrift: {PerKey: PerMinute(10)},
		Auth:       {PerKey: PerMinute(5), PerIP: PerMinute(10)},
		Admin:      {PerKey: PerSecond(10, 20), PerIP: PerSecond(20, 40)},
	}
}

// Validate returns an EINVALID error naming the first class whose name is
// not usable in the override syntax, or the first bucket whose limit is out
// of range.
func (c Config) Validate() error {
	for _, class := range c.classes() {
		if class == "" || strings.ContainsAny(string(class), ".,= \t") {
			return configError(string(class), "a class name must be non-empty, without dots, commas, equals signs or spaces")
		}
		p := c[class]
		for _, b := range []struct {
			target string
			l      Limit
		}{{string(class), p.PerKey}, {string(class) + ".ip", p.PerIP}} {
			if b.l.IsZero() {
				continue
			}
			if err := b.l.Validate(); err != nil {
				return configError(b.target, smartmaint.ErrorMessage(err))
			}
		}
	}
	return nil
}

// ParseConfig returns DefaultConfig with the overrides of spec applied (see
// Config.Apply for the syntax).
func ParseConfig(spec string) (Config, error) {
	c := DefaultConfig()
	if err := c.Apply(spec); err != nil {
		return nil, err
	}
	return c, nil
}

// Apply sets limits from spec, a comma-separated list of overrides; c is
// unchanged when spec has an error. Each override is
//
//	class[.key|.ip]=RATE/UNIT[:BURST]    set one bucket's limit
//	class[.key|.ip]=off                  turn the bucket off
//
// where class is one of c's classes; ".key" (the default) is the per-subject
// bucket and ".ip" the per-address one, except that "class=off" turns both
// off. RATE is a positive decimal number, UNIT one of s, m, h, d (or second,
// minute, hour, day), and BURST a positive integer that defaults to RATE
// rounded up. Spaces around items are ignored; an empty spec changes nothing.
// Examples: "ingest=200/s:400,query=50/s", "ml:check_drift=20/m",
// "auth.ip=30/m:10,admin=off".
func (c Config) Apply(spec string) error {
	next := maps.Clone(c)
	seen := map[string]bool{}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" && strings.TrimSpace(spec) == "" {
			continue
		}
		target, value, ok := strings.Cut(item, "=")
		target, value = strings.TrimSpace(target), strings.TrimSpace(value)
		if !ok || target == "" {
			return configError(item, `want CLASS=RATE/UNIT[:BURST] or CLASS=off`)
		}
		class, scope := target, "key"
		if i := strings.LastIndex(target, "."); i >= 0 {
			class, scope = target[:i], target[i+1:]
		}
		if scope != "key" && scope != "ip" {
			return configError(target, fmt.Sprintf("unknown bucket %q (want key or ip)", scope))
		}
		p, ok := next[Class(class)]
		if !ok {
			return configError(target, fmt.Sprintf("unknown class %q (known: %s)", class, next.classList()))
		}
		l, err := parseLimit(value)
		if err != nil {
			return configError(target, err.Error())
		}
		scopes := []string{scope}
		if l.IsZero() && !strings.Contains(target, ".") {
			scopes = []string{"key", "ip"} // "class=off" turns both off
		}
		for _, s := range scopes {
			if seen[class+"."+s] {
				return configError(target, "bucket "+class+"."+s+" given twice")
			}
			seen[class+"."+s] = true
			if s == "ip" {
				p.PerIP = l
			} else {
				p.PerKey = l
			}
		}
		next[Class(class)] = p
	}
	maps.Copy(c, next)
	return nil
}

// parseLimit parses "off" or RATE/UNIT[:BURST].
func parseLimit(v string) (Limit, error) {
	if v == "off" {
		return Limit{}, nil
	}
	rate, burst, hasBurst := strings.Cut(v, ":")
	num, unit, ok := strings.Cut(rate, "/")
	if !ok {
		return Limit{}, fmt.Errorf("%q has no unit (want RATE/UNIT[:BURST], e.g. 50/s or 10/m:5, or off)", v)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n <= 0 {
		return Limit{}, fmt.Errorf("rate %q is not a positive number", num)
	}
	per, ok := units[strings.TrimSpace(unit)]
	if !ok {
		return Limit{}, fmt.Errorf("unknown unit %q (want s, m, h or d)", unit)
	}
	l := Limit{Rate: n / per, Burst: int(min(math.Ceil(n), MaxBurst+1))}
	if hasBurst {
		b, err := strconv.Atoi(strings.TrimSpace(burst))
		if err != nil || b < 1 {
			return Limit{}, fmt.Errorf("burst %q is not a positive integer", burst)
		}
		l.Burst = b
	}
	if err := l.Validate(); err != nil {
		return Limit{}, fmt.Errorf("%s", smartmaint.ErrorMessage(err))
	}
	return l, nil
}

// units maps the unit names of the syntax to seconds.
var units = map[string]float64{
	"s": 1, "sec": 1, "second": 1,
	"m": 60, "min": 60, "minute": 60,
	"h": 3600, "hour": 3600,
	"d": 86400, "day": 86400,
}

// String returns l in the syntax of Config.Apply ("200/s:400", "10/m",
// "off" for the zero Limit), in the first of s, m, h, d in which the rate is
// a whole number that parses back to exactly l.Rate, else in /s.
func (l Limit) String() string {
	if l.IsZero() {
		return "off"
	}
	n, unit := l.Rate, "s"
	for _, u := range []struct {
		name string
		secs float64
	}{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}} {
		if x := math.Round(l.Rate * u.secs); x >= 1 && x/u.secs == l.Rate {
			n, unit = x, u.name
			break
		}
	}
	s := strconv.FormatFloat(n, 'g', -1, 64) + "/" + unit
	if l.Burst != int(math.Ceil(n)) {
		s += ":" + strconv.Itoa(l.Burst)
	}
	return s
}

// String returns c in the syntax of Apply, every bucket of every class, so
// that ParseConfig(c.String()) equals c when c has the default classes.
func (c Config) String() string {
	var items []string
	for _, class := range c.classes() {
		p := c[class]
		key := string(class) + "="
		if p.PerKey.IsZero() {
			key = string(class) + ".key=" // "class=off" would turn both off
		}
		items = append(items, key+p.PerKey.String(), string(class)+".ip="+p.PerIP.String())
	}
	return strings.Join(items, ",")
}

// classes returns c's classes in a stable order: the built-in ones first, in
// the order of the constants, then the others sorted.
func (c Config) classes() []Class {
	order := []Class{Ingest, Query, ML, CheckDrift, Auth, Admin}
	var out, extra []Class
	for _, k := range order {
		if _, ok := c[k]; ok {
			out = append(out, k)
		}
	}
	for k := range c {
		if !slices.Contains(order, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

func (c Config) classList() string {
	var s []string
	for _, k := range c.classes() {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// configError returns an EINVALID error about one override target.
func configError(target, reason string) error {
	return &smartmaint.Error{
		Code:    smartmaint.EINVALID,
		Message: fmt.Sprintf("rate limits: %s: %s", target, reason),
		Details: []smartmaint.FieldError{{Field: target, Reason: reason}},
	}
}
