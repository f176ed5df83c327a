package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"smartmaint"
)

// VersionUpdater is implemented by metadata stores that can change several
// versions of one model atomically: UpdateVersions loads the model's versions
// (newest first) under an exclusive lock or in one transaction, calls fn, and
// writes back the versions fn returns, all or nothing. FileMetadata
// implements it; a SQL store does it with one transaction. Without it the
// registry falls back to ListVersions then PutVersion per changed version,
// which is not atomic across processes.
type VersionUpdater interface {
	UpdateVersions(ctx context.Context, model string, fn func(versions []*Version) ([]*Version, error)) error
}

// Open opens the registry kept in dir, creating the directory if needed:
// metadata in dir/registry.json (FileMetadata) and artifacts under
// dir/artifacts (DirArtifacts).
func Open(dir string) (*Registry, error) {
	if dir == "" {
		return nil, smartmaint.FieldErrorf("registry", "a directory is required")
	}
	meta, err := OpenFileMetadata(dir)
	if err != nil {
		return nil, err
	}
	art, err := OpenDirArtifacts(filepath.Join(dir, "artifacts"))
	if err != nil {
		return nil, err
	}
	return New(meta, art), nil
}

// New returns a registry over the given stores, with the wall clock.
func New(meta MetadataStore, artifacts ArtifactStore) *Registry {
	return &Registry{Meta: meta, Artifacts: artifacts, Now: time.Now}
}

func (r *Registry) now() time.Time {
	if r.Now == nil {
		return time.Now().UTC()
	}
	return r.Now().UTC()
}

// ArtifactKey is the store key of a version's artifact:
// models/<model>/<version>/<sha256>.
func ArtifactKey(model string, version int, sha string) string {
	return fmt.Sprintf("models/%s/%d/%s", model, version, sha)
}

// Register stores a new version of nv.Model: it validates nv, checks that the
// parent exists, reserves the next version number (numbers are never reused;
// a failed registration leaves a gap), stores the artifact under its SHA-256,
// and records the version in stage None with its creation in History.
func (r *Registry) Register(ctx context.Context, nv NewVersion) (*Version, error) {
	nv.Features = normaliseFeatures(nv.Features)
	if err := validateNewVersion(&nv); err != nil {
		return nil, err
	}
	if nv.Parent > 0 {
		if _, err := r.Meta.GetVersion(ctx, nv.Model, nv.Parent); err != nil {
			if smartmaint.ErrorCode(err) == smartmaint.ENOTFOUND {
				return nil, smartmaint.FieldErrorf("parent", "model %q has no version %d", nv.Model, nv.Parent)
			}
			return nil, err
		}
	}
	n, err := r.Meta.NextVersion(ctx, nv.Model)
	if err != nil {
		return nil, fmt.Errorf("registry: reserve version: %w", err)
	}
	sum := sha256.Sum256(nv.Artifact)
	art := Artifact{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(nv.Artifact))}
	art.Key = ArtifactKey(nv.Model, n, art.SHA256)
	if err := r.Artifacts.Put(ctx, art.Key, nv.Artifact); err != nil {
		return nil, fmt.Errorf("registry: store artifact: %w", err)
	}
	now := r.now()
	by := nv.CreatedBy
	if by == "" {
		by = "unknown"
	}
	v := &Version{
		Model: nv.Model, Version: n, Stage: StageNone, Description: nv.Description, Task: nv.Task,
		Tags: maps.Clone(nv.Tags), Params: maps.Clone(nv.Params), Metrics: maps.Clone(nv.Metrics),
		Data: nv.Data, Features: nv.Features, Artifact: art, Parent: nv.Parent,
		CreatedAt: now, CreatedBy: nv.CreatedBy,
		History: []Transition{{From: "", To: StageNone, At: now, By: by, Reason: "registered"}},
	}
	if err := r.Meta.PutVersion(ctx, v); err != nil {
		return nil, fmt.Errorf("registry: record version: %w", err)
	}
	return v, nil
}

// normaliseFeatures copies fs, giving an empty type the default "float".
func normaliseFeatures(fs []Feature) []Feature {
	out := make([]Feature, len(fs))
	for i, f := range fs {
		if f.Type == "" {
			f.Type = "float"
		}
		out[i] = f
	}
	return out
}

// Resolve returns the version of model that ref names. The one rule:
//
//   - "", "auto" or "latest" (any case): the Production version; if there is
//     none, the newest Staging version; if there is none, the newest version
//     that is not Archived. A model whose versions are all Archived has nothing
//     to serve and resolves to not found (name a number to use one).
//   - "production" or "staging" (any case): the version in that stage (the
//     newest if several are in Staging), or not found.
//   - a number: that version, or not found.
//
// Anything else is invalid.
func (r *Registry) Resolve(ctx context.Context, model, ref string) (*Version, error) {
	if err := ValidateModelName(model); err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	switch strings.ToLower(ref) {
	case "", "auto", "latest":
		return r.resolveAuto(ctx, model)
	case "production":
		return r.resolveStage(ctx, model, StageProduction)
	case "staging":
		return r.resolveStage(ctx, model, StageStaging)
	}
	n, err := strconv.Atoi(ref)
	if err != nil || n < 1 {
		return nil, smartmaint.FieldErrorf("version", "%q: want auto, latest, production, staging or a version number", ref)
	}
	return r.Meta.GetVersion(ctx, model, n)
}

func (r *Registry) listVersions(ctx context.Context, model string) ([]*Version, error) {
	vs, err := r.Meta.ListVersions(ctx, model)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q is not registered", model)
	}
	return vs, nil
}

func (r *Registry) resolveAuto(ctx context.Context, model string) (*Version, error) {
	vs, err := r.listVersions(ctx, model)
	if err != nil {
		return nil, err
	}
	for _, st := range []Stage{StageProduction, StageStaging} {
		if v := newestIn(vs, st); v != nil {
			return v, nil
		}
	}
	for _, v := range vs { // newest first
		if v.Stage != StageArchived {
			return v, nil
		}
	}
	return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q: every version is Archived; name a version number", model)
}

func (r *Registry) resolveStage(ctx context.Context, model string, st Stage) (*Version, error) {
	vs, err := r.listVersions(ctx, model)
	if err != nil {
		return nil, err
	}
	if v := newestIn(vs, st); v != nil {
		return v, nil
	}
	return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q has no %s version", model, st)
}

// newestIn returns the newest version of vs (sorted newest first) in stage st.
func newestIn(vs []*Version, st Stage) *Version {
	for _, v := range vs {
		if v.Stage == st {
			return v
		}
	}
	return nil
}

// IntegrityError reports an artifact that is missing or does not match the
// SHA-256 and size recorded at registration. Its code is EINTERNAL: the
// stored model cannot be trusted, whatever the request.
type IntegrityError struct {
	Model   string
	Version int
	Key     string
	Reason  string
}

// Error describes the refused artifact.
func (e *IntegrityError) Error() string {
	return fmt.Sprintf("model %q version %d: artifact %s refused: %s", e.Model, e.Version, e.Key, e.Reason)
}

// Unwrap gives the domain error, so smartmaint.ErrorCode and ErrorMessage
// see it.
func (e *IntegrityError) Unwrap() error {
	return smartmaint.Errorf(smartmaint.EINTERNAL, "%s", e.Error())
}

// Load resolves ref (as Resolve does), reads the artifact and verifies its
// size and SHA-256 against the recorded ones; a missing or altered artifact is
// refused with an *IntegrityError.
func (r *Registry) Load(ctx context.Context, model, ref string) (*Version, []byte, error) {
	v, err := r.Resolve(ctx, model, ref)
	if err != nil {
		return nil, nil, err
	}
	data, err := r.loadArtifact(ctx, v)
	if err != nil {
		return nil, nil, err
	}
	return v, data, nil
}

func (r *Registry) loadArtifact(ctx context.Context, v *Version) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return &IntegrityError{Model: v.Model, Version: v.Version, Key: v.Artifact.Key, Reason: fmt.Sprintf(format, args...)}
	}
	data, err := r.Artifacts.Get(ctx, v.Artifact.Key)
	if smartmaint.ErrorCode(err) == smartmaint.ENOTFOUND {
		return nil, bad("missing from the artifact store")
	} else if err != nil {
		return nil, fmt.Errorf("registry: read artifact: %w", err)
	}
	if int64(len(data)) != v.Artifact.Size {
		return nil, bad("size %d bytes, recorded %d", len(data), v.Artifact.Size)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != v.Artifact.SHA256 {
		return nil, bad("SHA-256 %s, recorded %s: the file was altered", got, v.Artifact.SHA256)
	}
	return data, nil
}

// Transition moves a version to stage to and records who, when and why in
// its History. Moving a version to Production archives the version that was
// in Production (recorded in that version's History too). It is the raw,
// ungated operation; Promote is the gated way into Production.
func (r *Registry) Transition(ctx context.Context, model string, version int, to Stage, by, reason string) (*Version, error) {
	st, err := ParseStage(string(to))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(by) == "" {
		return nil, smartmaint.FieldErrorf("by", "required: who makes the change")
	}
	return r.transition(ctx, model, version, st, by, reason, nil)
}

// transition applies a stage change atomically. With a gate decision it also
// checks that Production still holds the champion the gate compared against,
// and records the decision on the version.
func (r *Registry) transition(ctx context.Context, model string, version int, to Stage, by, reason string, gate *PromoteDecision) (*Version, error) {
	if err := ValidateModelName(model); err != nil {
		return nil, err
	}
	var out *Version
	err := r.update(ctx, model, func(vs []*Version) ([]*Version, error) {
		target := findVersion(vs, version)
		if target == nil {
			return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q has no version %d", model, version)
		}
		if target.Stage == to {
			return nil, smartmaint.Errorf(smartmaint.ECONFLICT, "model %q version %d is already in %s", model, version, to)
		}
		if gate != nil {
			if err := checkChampion(vs, model, gate.Champion); err != nil {
				return nil, err
			}
		}
		now := r.now()
		changed := []*Version{target}
		if to == StageProduction {
			for _, o := range vs {
				if o.Version != version && o.Stage == StageProduction {
					o.History = append(o.History, Transition{From: StageProduction, To: StageArchived, At: now, By: by,
						Reason: fmt.Sprintf("replaced in Production by version %d", version)})
					o.Stage = StageArchived
					changed = append(changed, o)
				}
			}
		}
		target.History = append(target.History, Transition{From: target.Stage, To: to, At: now, By: by, Reason: reason})
		target.Stage = to
		if gate != nil {
			target.Gates = append(target.Gates, *gate)
		}
		out = target
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkChampion reports a conflict when Production no longer holds champion
// (0: no Production version).
func checkChampion(vs []*Version, model string, champion int) error {
	cur := 0
	if p := newestIn(vs, StageProduction); p != nil {
		cur = p.Version
	}
	if cur != champion {
		return smartmaint.Errorf(smartmaint.ECONFLICT,
			"model %q: Production changed from version %d to %d during the evaluation; evaluate again", model, champion, cur)
	}
	return nil
}

func findVersion(vs []*Version, n int) *Version {
	for _, v := range vs {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// update runs fn over the model's versions atomically when the metadata store
// can, and writes back the versions fn changed.
func (r *Registry) update(ctx context.Context, model string, fn func([]*Version) ([]*Version, error)) error {
	if u, ok := r.Meta.(VersionUpdater); ok {
		return u.UpdateVersions(ctx, model, fn)
	}
	vs, err := r.Meta.ListVersions(ctx, model)
	if err != nil {
		return err
	}
	changed, err := fn(vs)
	if err != nil {
		return err
	}
	for _, v := range changed {
		if err := r.Meta.PutVersion(ctx, v); err != nil {
			return fmt.Errorf("registry: record version: %w", err)
		}
	}
	return nil
}

// Models returns the registered model names, sorted.
func (r *Registry) Models(ctx context.Context) ([]string, error) {
	return r.Meta.ListModels(ctx)
}

// Versions returns a model's versions, newest first; an unknown model is not
// found.
func (r *Registry) Versions(ctx context.Context, model string) ([]*Version, error) {
	if err := ValidateModelName(model); err != nil {
		return nil, err
	}
	return r.listVersions(ctx, model)
}

// ParseModelRef splits "name@ref" into the model name and the version
// reference ("" when there is no '@'), for flags like --model NAME@production.
func ParseModelRef(s string) (model, ref string, err error) {
	model, ref, _ = strings.Cut(s, "@")
	if err := ValidateModelName(model); err != nil {
		return "", "", err
	}
	return model, ref, nil
}
