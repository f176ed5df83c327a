package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"smartmaint"
)

// S3Config locates a bucket on an S3-compatible object store (AWS S3, MinIO,
// Ceph, Garage…).
type S3Config struct {
	Endpoint        string // host[:port], without scheme
	AccessKeyID     string
	SecretAccessKey string
	Secure          bool   // HTTPS
	Region          string // optional
	Bucket          string
	Prefix          string // optional key prefix, e.g. "registry/"
	// CreateBucket makes the bucket when it does not exist.
	CreateBucket bool
	// PathStyle addresses the bucket in the path (needed by most self-hosted
	// stores) instead of the host name.
	PathStyle bool
}

// S3Artifacts stores artifacts as objects in an S3-compatible bucket, with
// minio-go.
type S3Artifacts struct {
	client *minio.Client
	bucket string
	prefix string
}

var _ ArtifactStore = (*S3Artifacts)(nil)

// NewS3Artifacts connects to the bucket cfg names, checking that it exists
// (or creating it with CreateBucket).
func NewS3Artifacts(ctx context.Context, cfg S3Config) (*S3Artifacts, error) {
	if cfg.Endpoint == "" {
		return nil, smartmaint.FieldErrorf("s3.endpoint", "required")
	}
	if cfg.Bucket == "" {
		return nil, smartmaint.FieldErrorf("s3.bucket", "required")
	}
	opts := &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
	}
	if cfg.PathStyle {
		opts.BucketLookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.Endpoint, opts)
	if err != nil {
		return nil, smartmaint.Errorf(smartmaint.EINVALID, "s3: %v", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, smartmaint.Errorf(smartmaint.EUNAVAILABLE, "s3: bucket %q at %s: %v", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		if !cfg.CreateBucket {
			return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "s3: bucket %q does not exist at %s", cfg.Bucket, cfg.Endpoint)
		}
		if err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			return nil, smartmaint.Errorf(smartmaint.EUNAVAILABLE, "s3: create bucket %q: %v", cfg.Bucket, err)
		}
	}
	prefix := cfg.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &S3Artifacts{client: client, bucket: cfg.Bucket, prefix: prefix}, nil
}

// Put uploads data under key.
func (s *S3Artifacts) Put(ctx context.Context, key string, data []byte) error {
	if err := validateArtifactKey(key); err != nil {
		return err
	}
	_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("registry: s3 put %s: %w", key, err)
	}
	return nil
}

// Get downloads the object under key, or ENOTFOUND.
func (s *S3Artifacts) Get(ctx context.Context, key string) ([]byte, error) {
	if err := validateArtifactKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.getError(key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return nil, s.getError(key, err)
	}
	return b, nil
}

func (s *S3Artifacts) getError(key string, err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "artifact %s does not exist in bucket %q", key, s.bucket)
	}
	return fmt.Errorf("registry: s3 get %s: %w", key, err)
}
