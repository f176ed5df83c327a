package auth

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Bounds on the parameters a PHC string may carry, so that a corrupt or
// hostile stored hash cannot make a sign-in allocate gigabytes or spin.
const (
	minMemoryKiB = 8       // argon2 needs at least 8 KiB per lane
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64      // passes
	minSaltLen   = 8       // bytes
	maxSaltLen   = 64      // bytes
	minKeyLen    = 16      // bytes
	maxKeyLen    = 128     // bytes
	phcPrefix    = "$argon2id$v=19$"
)

// b64 returns the PHC string encoding of salts and keys: standard base64
// without padding, strict about trailing bits so that each value has one
// spelling.
func b64() *base64.Encoding { return base64.RawStdEncoding.Strict() }

// validate reports whether p is within the accepted bounds.
func (p Params) validate() error {
	switch {
	case p.Threads < 1:
		return fmt.Errorf("parallelism p must be at least 1")
	case p.Memory < minMemoryKiB*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory m=%d KiB is outside %d..%d (at least 8 KiB per lane)", p.Memory, minMemoryKiB*uint32(p.Threads), maxMemoryKiB)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time t=%d is outside 1..%d", p.Time, maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d is outside %d..%d bytes", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d is outside %d..%d bytes", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// encodePHC formats an argon2id hash as a PHC string:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>.
func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix, p.Memory, p.Time, p.Threads,
		b64().EncodeToString(salt), b64().EncodeToString(key))
}

// parsePHC parses a PHC string made by encodePHC. It accepts only argon2id
// version 19 with the parameters in the order m, t, p, within the bounds of
// Params.validate.
func parsePHC(s string) (Params, []byte, []byte, error) {
	var p Params
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		return p, nil, nil, fmt.Errorf("auth: password hash: want prefix %q (argon2id, version 19)", phcPrefix)
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return p, nil, nil, fmt.Errorf("auth: password hash: want parameters, salt and key after the version; got %d fields", len(fields))
	}
	if err := parsePHCParams(fields[0], &p); err != nil {
		return p, nil, nil, fmt.Errorf("auth: password hash: %w", err)
	}
	salt, err := decodeB64(fields[1])
	if err != nil {
		return p, nil, nil, fmt.Errorf("auth: password hash: salt %w", err)
	}
	key, err := decodeB64(fields[2])
	if err != nil {
		return p, nil, nil, fmt.Errorf("auth: password hash: key %w", err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("auth: password hash: %w", err)
	}
	return p, salt, key, nil
}

// decodeB64 decodes s, which must be exactly the encoding of its bytes
// (encoding/base64 skips line breaks, which a stored hash must not have).
func decodeB64(s string) ([]byte, error) {
	b, err := b64().DecodeString(s)
	if err != nil || b64().EncodeToString(b) != s {
		return nil, fmt.Errorf("is not canonical unpadded base64")
	}
	return b, nil
}

// parsePHCParams parses "m=…,t=…,p=…" into p.
func parsePHCParams(s string, p *Params) error {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return fmt.Errorf("want parameters m=…,t=…,p=…; got %q", s)
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(parts[i], name+"=")
		if !ok {
			return fmt.Errorf("want parameter %s= in position %d of %q", name, i+1, s)
		}
		bits := 32
		if name == "p" {
			bits = 8
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			return fmt.Errorf("parameter %s=%q is not a number in range", name, v)
		}
		vals[i] = n
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	return nil
}
