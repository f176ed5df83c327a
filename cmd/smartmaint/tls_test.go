package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns the files
// and a client that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, client *http.Client) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smartmaint test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

var passwordLine = regexp.MustCompile(`password: (\S+)`)

// TestTLS: with --tls-cert and --tls-key the server speaks HTTPS, sends HSTS
// and marks the session cookie Secure.
func TestTLS(t *testing.T) {
	certFile, keyFile, client := selfSigned(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "tls.db")
	out, err := runMain(t, "admin", "create-user", "--db", db, "--email", "tls@example.com", "--name", "TLS", "--role", "viewer")
	if err != nil {
		t.Fatal(err, out)
	}
	password := passwordLine.FindStringSubmatch(out)[1]

	ready := make(chan string, 1)
	m := &Main{Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, Getenv: func(string) string { return "" }, Ready: func(u string) { ready <- u }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--tls-cert", certFile, "--tls-key", keyFile})
	}()
	t.Cleanup(func() { cancel(); <-done })
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %s is not HTTPS", url)
	}
	resp, err := client.Post(url+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"tls@example.com","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login over TLS: %d", resp.StatusCode)
	}
	if h := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Errorf("no HSTS header: %q", h)
	}
	secure := false
	for _, c := range resp.Cookies() {
		if c.Name == "smartmaint_session" {
			secure = c.Secure && c.HttpOnly
		}
	}
	if !secure {
		t.Errorf("the session cookie is not Secure and HttpOnly under TLS: %v", resp.Header.Values("Set-Cookie"))
	}
}
