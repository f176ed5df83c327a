// Package pgtest gives tests a fresh PostgreSQL database on the server named by
// SMARTMAINT_TEST_POSTGRES, and skips them when the variable is unset, so that
// `go test ./...` passes on a machine without PostgreSQL while CI runs every
// PostgreSQL test.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the variable holding the test server's URL.
const EnvVar = "SMARTMAINT_TEST_POSTGRES"

// URL returns SMARTMAINT_TEST_POSTGRES, or skips tb when it is unset.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		tb.Skip(EnvVar + " is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// FreshDatabase creates an empty database on the test server, drops it when
// tb ends, and returns its URL. It skips tb when no server is configured.
func FreshDatabase(tb testing.TB) string {
	tb.Helper()
	u, drop, err := CreateDatabase(URL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return u
}

// CreateDatabase creates a database named smartmaint_test_<random> on the
// server of base and returns its URL and a function that drops it.
func CreateDatabase(base string) (string, func(), error) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to the test server: %w", err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "smartmaint_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("parse the test server URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
