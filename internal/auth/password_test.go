package auth

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHashVerifyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params Params
	}{
		{"default", DefaultParams()},
		{"cheap", testParams()},
		{"two lanes", Params{Memory: 256, Time: 3, Threads: 2, SaltLen: 8, KeyLen: 16}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &Hasher{Params: tc.params}
			enc, err := h.Hash("grey heron over the weir")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				password string
				ok       bool
			}{
				{"grey heron over the weir", true},
				{"grey heron over the weir ", false},
				{"Grey heron over the weir", false},
				{"", false},
			} {
				ok, rehash, err := h.Verify(enc, c.password)
				if err != nil || ok != c.ok || rehash {
					t.Errorf("Verify(%q) = %v, rehash %v, %v; want %v, false, nil", c.password, ok, rehash, err, c.ok)
				}
			}
		})
	}
}

func TestHashFormat(t *testing.T) {
	h := &Hasher{Params: DefaultParams()}
	a, err := h.Hash("same password twice")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Hash("same password twice")
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(a) {
		t.Fatalf("hash %q is not the expected PHC string", a)
	}
	if a == b {
		t.Fatalf("two hashes of one password are equal (%q): the salt is not random", a)
	}
}

// TestVerifyReferenceHashes checks hashes made by the reference C
// implementation, with parameters other than the defaults.
func TestVerifyReferenceHashes(t *testing.T) {
	f, err := os.Open("testdata/reference_hashes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := &Hasher{Params: DefaultParams()}
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		password, enc, _ := strings.Cut(line, "\t")
		n++
		ok, rehash, err := h.Verify(enc, password)
		if err != nil || !ok {
			t.Errorf("Verify(%q, %q) = %v, %v; want true", enc, password, ok, err)
		}
		wantRehash := !strings.Contains(enc, "m=19456,t=2,p=1$") || !strings.HasSuffix(enc, "$ISO7kkvFzh19GM8qB7patN3C3Y9HHsjlVTfEZ9T600Y")
		if rehash != wantRehash {
			t.Errorf("Verify(%q) needsRehash = %v, want %v", enc, rehash, wantRehash)
		}
		if ok, _, _ := h.Verify(enc, password+"x"); ok {
			t.Errorf("Verify(%q) accepted a wrong password", enc)
		}
	}
	if n != 3 {
		t.Fatalf("read %d reference hashes, want 3", n)
	}
}

func TestNeedsRehash(t *testing.T) {
	old := &Hasher{Params: Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	enc, err := old.Hash("grey heron over the weir")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		params Params
		want   bool
	}{
		{"same", old.Params, false},
		{"more memory", Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more passes", Params{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more lanes", Params{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
		{"longer key", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64}, true},
		{"longer salt", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := (&Hasher{Params: tc.params}).Verify(enc, "grey heron over the weir")
			if err != nil || !ok || rehash != tc.want {
				t.Fatalf("Verify = %v, rehash %v, %v; want true, %v", ok, rehash, err, tc.want)
			}
		})
	}
}

func TestParsePHCRejects(t *testing.T) {
	const salt, key = "c29tZXNhbHRzb21lc2FsdA", "ISO7kkvFzh19GM8qB7patN3C3Y9HHsjlVTfEZ9T600Y"
	for _, tc := range []struct{ name, enc, want string }{
		{"empty", "", "prefix"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key, "prefix"},
		{"argon2d", "$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key, "prefix"},
		{"version 16", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, "prefix"},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key, "prefix"},
		{"bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "prefix"},
		{"missing key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt, "got 2 fields"},
		{"extra field", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$x", "got 4 fields"},
		{"params out of order", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key, "want parameter m="},
		{"two params", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key, "want parameters"},
		{"params with data", "$argon2id$v=19$m=19456,t=2,p=1,data=eA$" + salt + "$" + key, "want parameters"},
		{"m not a number", "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key, "m=\"lots\""},
		{"negative t", "$argon2id$v=19$m=19456,t=-2,p=1$" + salt + "$" + key, "t=\"-2\""},
		{"p over 255", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key, "p=\"256\""},
		{"m over 32 bits", "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + key, "m=\"4294967296\""},
		{"p zero", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key, "parallelism"},
		{"t zero", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key, "time t=0"},
		{"t huge", "$argon2id$v=19$m=19456,t=1000000,p=1$" + salt + "$" + key, "time t=1000000"},
		{"m too small for lanes", "$argon2id$v=19$m=16,t=2,p=4$" + salt + "$" + key, "memory m=16"},
		{"m over 1 GiB", "$argon2id$v=19$m=4000000,t=2,p=1$" + salt + "$" + key, "memory m=4000000"},
		{"salt padded", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key, "salt"},
		{"salt url alphabet", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2Fsd_$" + key, "salt"},
		{"salt too short", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key, "salt length 4"},
		{"key not canonical", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$ISO7kkvFzh19GM8qB7patN3C3Y9HHsjlVTfEZ9T600Z", "key"},
		{"key too short", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$ISO7kkvFzh19GM8q", "key length 12"},
		{"trailing newline", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "\n", "key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			h := &Hasher{Params: DefaultParams(), OnHash: func(Params) { calls.Add(1) }}
			ok, _, err := h.Verify(tc.enc, "correct horse battery staple")
			if err == nil || ok {
				t.Fatalf("Verify(%q) = %v, %v; want an error", tc.enc, ok, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if calls.Load() != 0 {
				t.Fatalf("a malformed hash cost %d argon2id computations, want 0", calls.Load())
			}
		})
	}
}

func TestHashRefusesBadParams(t *testing.T) {
	for _, p := range []Params{{}, {Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}, {Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8}} {
		if enc, err := (&Hasher{Params: p}).Hash("grey heron over the weir"); err == nil {
			t.Errorf("Hash with %+v = %q, want an error", p, enc)
		}
	}
}

// TestDummyVerifySameWork checks that DummyVerify computes one argon2id hash
// with the Hasher's parameters, as Verify of a current hash does.
func TestDummyVerifySameWork(t *testing.T) {
	log := &hashLog{}
	h := &Hasher{Params: DefaultParams(), OnHash: log.record}
	enc, err := h.Hash("grey heron over the weir")
	if err != nil {
		t.Fatal(err)
	}
	log.take()
	if ok, _, _ := h.Verify(enc, "a wrong password!"); ok {
		t.Fatal("wrong password accepted")
	}
	verify := log.take()
	h.DummyVerify("a wrong password!")
	dummy := log.take()
	if len(verify) != 1 || len(dummy) != 1 || verify[0] != dummy[0] || dummy[0] != DefaultParams() {
		t.Fatalf("Verify computed %v, DummyVerify %v; want one hash each with %+v", verify, dummy, DefaultParams())
	}
}

// TestHasherBoundsConcurrency checks that a Hasher made with NewHasher(p, 1)
// never computes two hashes at once.
func TestHasherBoundsConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	h := NewHasher(testParams(), 1)
	h.OnHash = func(Params) {
		n := inFlight.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { h.DummyVerify("grey heron over the weir") })
	}
	wg.Wait()
	if peak.Load() != 1 {
		t.Fatalf("%d hashes ran at once, want 1", peak.Load())
	}
}
