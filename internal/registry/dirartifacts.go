package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"smartmaint"
)

// DirArtifacts stores artifacts as files under a directory, one file per key
// ('/' in a key makes subdirectories). Writes are atomic (temporary file,
// sync, rename).
type DirArtifacts struct {
	Dir string
}

var _ ArtifactStore = (*DirArtifacts)(nil)

// OpenDirArtifacts returns the artifact store in dir, creating it if needed.
func OpenDirArtifacts(dir string) (*DirArtifacts, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("registry: create %s: %w", dir, err)
	}
	return &DirArtifacts{Dir: dir}, nil
}

// Path returns the file that holds key.
func (a *DirArtifacts) Path(key string) (string, error) {
	if err := validateArtifactKey(key); err != nil {
		return "", err
	}
	return filepath.Join(a.Dir, filepath.FromSlash(key)), nil
}

// Put stores data under key, replacing what was there.
func (a *DirArtifacts) Put(ctx context.Context, key string, data []byte) error {
	p, err := a.Path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("registry: create artifact directory: %w", err)
	}
	return writeFileAtomic(p, data)
}

// Get returns the bytes stored under key, or ENOTFOUND.
func (a *DirArtifacts) Get(ctx context.Context, key string) ([]byte, error) {
	p, err := a.Path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "artifact %s does not exist", key)
	} else if err != nil {
		return nil, fmt.Errorf("registry: read artifact %s: %w", key, err)
	}
	return b, nil
}
