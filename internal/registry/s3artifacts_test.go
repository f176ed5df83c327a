package registry

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"smartmaint"
)

// fakeS3 starts an in-process S3 server and returns an S3Artifacts on a new
// bucket in it.
func fakeS3(tb testing.TB) *S3Artifacts {
	tb.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	tb.Cleanup(srv.Close)
	s, err := NewS3Artifacts(context.Background(), S3Config{
		Endpoint: strings.TrimPrefix(srv.URL, "http://"), AccessKeyID: "key", SecretAccessKey: "secret",
		Region: "us-east-1", Bucket: "models", Prefix: "registry", CreateBucket: true, PathStyle: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestS3ArtifactsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := fakeS3(t)
	data := []byte("gradient boosted trees\x00\x01\x02")
	if err := s.Put(ctx, "models/m/1/abc", data); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "models/m/1/abc")
	if err != nil || string(got) != string(data) {
		t.Fatalf("get: %q, %v", got, err)
	}
	_, err = s.Get(ctx, "models/m/2/abc")
	wantCode(t, err, smartmaint.ENOTFOUND)
	wantCode(t, s.Put(ctx, "../escape", data), smartmaint.EINVALID)
}

func TestS3MissingBucket(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	_, err := NewS3Artifacts(context.Background(), S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"),
		AccessKeyID: "k", SecretAccessKey: "s", Region: "us-east-1", Bucket: "absent", PathStyle: true})
	wantCode(t, err, smartmaint.ENOTFOUND)
}

func TestRegistryOnS3RefusesTamperedArtifact(t *testing.T) {
	ctx := context.Background()
	s := fakeS3(t)
	meta, err := OpenFileMetadata(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := New(meta, s)
	v := register(t, r, "m", "weights", nil)
	if _, data, err := r.Load(ctx, "m", "auto"); err != nil || string(data) != "weights" {
		t.Fatalf("load: %q, %v", data, err)
	}
	if err := s.Put(ctx, v.Artifact.Key, []byte("weighty")); err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Load(ctx, "m", "auto")
	var ie *IntegrityError
	if !errors.As(err, &ie) {
		t.Fatalf("tampered S3 artifact: %v", err)
	}
}
