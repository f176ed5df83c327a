package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"

	"smartmaint"
)

// FileMetadata keeps the registry's metadata in one JSON file,
// dir/registry.json. Every change takes an exclusive lock on
// dir/registry.lock (flock on Unix, so a crashed process releases it), reads
// the file, applies the change, writes a temporary file, syncs it, renames it
// over the old one and syncs the directory: other processes see either the old
// or the new file, never a partial one, and a crash loses at most the change
// in flight. Reads take no lock.
type FileMetadata struct {
	dir  string
	path string
	lock string
	mu   sync.Mutex // serialises this process's writers before the file lock
}

var (
	_ MetadataStore  = (*FileMetadata)(nil)
	_ VersionUpdater = (*FileMetadata)(nil)
)

// fileDoc is the JSON document.
type fileDoc struct {
	Format int                   `json:"format"`
	Models map[string]*fileModel `json:"models"`
}

// fileModel is one model: the last version number handed out and its
// versions, oldest first.
type fileModel struct {
	LastReserved int        `json:"last_reserved"`
	Versions     []*Version `json:"versions"`
}

// OpenFileMetadata opens (creating dir if needed) the metadata kept in dir.
func OpenFileMetadata(dir string) (*FileMetadata, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("registry: create %s: %w", dir, err)
	}
	m := &FileMetadata{dir: dir, path: filepath.Join(dir, "registry.json"), lock: filepath.Join(dir, "registry.lock")}
	if _, err := m.read(); err != nil {
		return nil, err
	}
	return m, nil
}

// Path returns the JSON file's path.
func (m *FileMetadata) Path() string { return m.path }

func (m *FileMetadata) read() (*fileDoc, error) {
	b, err := os.ReadFile(m.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &fileDoc{Format: 1, Models: map[string]*fileModel{}}, nil
	} else if err != nil {
		return nil, fmt.Errorf("registry: read metadata: %w", err)
	}
	var d fileDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, smartmaint.Errorf(smartmaint.EINTERNAL, "registry metadata %s is not valid JSON: %v", m.path, err)
	}
	if d.Format != 1 {
		return nil, smartmaint.Errorf(smartmaint.EINTERNAL, "registry metadata %s has format %d; this program reads format 1", m.path, d.Format)
	}
	if d.Models == nil {
		d.Models = map[string]*fileModel{}
	}
	return &d, nil
}

// write replaces the file atomically and durably.
func (m *FileMetadata) write(d *fileDoc) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("registry: encode metadata: %w", err)
	}
	return writeFileAtomic(m.path, append(b, '\n'))
}

// writeFileAtomic writes data to a temporary file beside path, syncs it,
// renames it to path and syncs the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("registry: write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("registry: write %s: %w", path, werr)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("registry: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("registry: sync %s: %w", dir, err)
	}
	return nil
}

// change runs fn on the document under the locks and writes it if fn
// succeeds.
func (m *FileMetadata) change(ctx context.Context, fn func(d *fileDoc) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	unlock, err := lockFile(ctx, m.lock)
	if err != nil {
		return err
	}
	defer unlock()
	d, err := m.read()
	if err != nil {
		return err
	}
	if err := fn(d); err != nil {
		return err
	}
	return m.write(d)
}

// NextVersion reserves and returns the next version number of model.
func (m *FileMetadata) NextVersion(ctx context.Context, model string) (int, error) {
	if err := ValidateModelName(model); err != nil {
		return 0, err
	}
	var n int
	err := m.change(ctx, func(d *fileDoc) error {
		fm := d.Models[model]
		if fm == nil {
			fm = &fileModel{}
			d.Models[model] = fm
		}
		fm.LastReserved++
		n = fm.LastReserved
		return nil
	})
	return n, err
}

// PutVersion inserts or replaces a version whose number was reserved.
func (m *FileMetadata) PutVersion(ctx context.Context, v *Version) error {
	if err := ValidateModelName(v.Model); err != nil {
		return err
	}
	return m.change(ctx, func(d *fileDoc) error {
		return putVersion(d, v)
	})
}

func putVersion(d *fileDoc, v *Version) error {
	fm := d.Models[v.Model]
	if fm == nil || v.Version < 1 || v.Version > fm.LastReserved {
		return smartmaint.Errorf(smartmaint.EINVALID, "model %q version %d was not reserved with NextVersion", v.Model, v.Version)
	}
	i, found := slices.BinarySearchFunc(fm.Versions, v.Version, func(a *Version, n int) int { return a.Version - n })
	if found {
		fm.Versions[i] = v
	} else {
		fm.Versions = slices.Insert(fm.Versions, i, v)
	}
	return nil
}

// GetVersion returns one version, or ENOTFOUND.
func (m *FileMetadata) GetVersion(ctx context.Context, model string, version int) (*Version, error) {
	d, err := m.read()
	if err != nil {
		return nil, err
	}
	if fm := d.Models[model]; fm != nil {
		for _, v := range fm.Versions {
			if v.Version == version {
				return v, nil
			}
		}
	}
	return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q has no version %d", model, version)
}

// ListVersions returns a model's versions newest first, or ENOTFOUND when
// the model has none.
func (m *FileMetadata) ListVersions(ctx context.Context, model string) ([]*Version, error) {
	d, err := m.read()
	if err != nil {
		return nil, err
	}
	return newestFirst(d, model)
}

func newestFirst(d *fileDoc, model string) ([]*Version, error) {
	fm := d.Models[model]
	if fm == nil || len(fm.Versions) == 0 {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q is not registered", model)
	}
	vs := slices.Clone(fm.Versions)
	slices.Reverse(vs)
	return vs, nil
}

// ListModels returns the names of the models that have at least one version,
// sorted.
func (m *FileMetadata) ListModels(ctx context.Context) ([]string, error) {
	d, err := m.read()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(d.Models))
	for name, fm := range d.Models {
		if len(fm.Versions) > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// UpdateVersions applies fn to the model's versions under the lock and writes
// the versions it returns in the same atomic replacement of the file.
func (m *FileMetadata) UpdateVersions(ctx context.Context, model string, fn func([]*Version) ([]*Version, error)) error {
	return m.change(ctx, func(d *fileDoc) error {
		vs, err := newestFirst(d, model)
		if err != nil {
			return err
		}
		changed, err := fn(vs)
		if err != nil {
			return err
		}
		for _, v := range changed {
			if v.Model != model {
				return smartmaint.Errorf(smartmaint.EINVALID, "update of model %q returned a version of %q", model, v.Model)
			}
			if err := putVersion(d, v); err != nil {
				return err
			}
		}
		return nil
	})
}
