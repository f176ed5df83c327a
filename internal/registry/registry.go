// Package registry is the model registry: named models with monotonically
// numbered versions, stages with a recorded history of transitions, metrics,
// parameters, the training-data fingerprint and the feature schema, artifacts
// stored with their SHA-256 and verified on every load, lineage to a parent
// version, and a promotion gate that lets a challenger replace the Production
// version only when it beats it on the same held-out data.
//
// Metadata lives behind MetadataStore (a file-based implementation for the
// command line; the platform's store when the server runs); artifacts behind
// ArtifactStore (a directory by default, or an S3-compatible bucket).
package registry

import (
	"context"
	"time"
)

// Stage is where a version is in its life.
type Stage string

// Stages.
const (
	StageNone       Stage = "None"
	StageStaging    Stage = "Staging"
	StageProduction Stage = "Production"
	StageArchived   Stage = "Archived"
)

// Version is one registered version of a model.
type Version struct {
	Model       string             `json:"model"`
	Version     int                `json:"version"` // 1, 2, 3, … per model, never reused
	Stage       Stage              `json:"stage"`
	Description string             `json:"description,omitempty"`
	Task        string             `json:"task,omitempty"` // "classify", "regress", "rul", "anomaly", "forecast"
	Tags        map[string]string  `json:"tags,omitempty"`
	Params      map[string]string  `json:"params,omitempty"`
	Metrics     map[string]float64 `json:"metrics,omitempty"`
	Data        DataFingerprint    `json:"data"`
	Features    []Feature          `json:"features"`
	Artifact    Artifact           `json:"artifact"`
	Parent      int                `json:"parent,omitempty"` // lineage: the version this one was derived from
	CreatedAt   time.Time          `json:"created_at"`
	CreatedBy   string             `json:"created_by,omitempty"`
	History     []Transition       `json:"history"`
	// Gates lists every promotion-gate decision taken with this version as
	// the challenger, promoted or refused, in order.
	Gates []PromoteDecision `json:"gates,omitempty"`
}

// DataFingerprint identifies the data a version was trained on.
type DataFingerprint struct {
	Rows   int        `json:"rows"`
	Start  *time.Time `json:"start,omitempty"`
	End    *time.Time `json:"end,omitempty"`
	SHA256 string     `json:"sha256"`
	Source string     `json:"source,omitempty"` // a file name or a query
}

// Feature is one input column of a model, in order.
type Feature struct {
	Name string `json:"name"`
	Type string `json:"type"` // "float" or "category"
}

// Artifact is the stored model file.
type Artifact struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Key    string `json:"key"` // the ArtifactStore key
}

// Transition is one recorded change of stage.
type Transition struct {
	From   Stage     `json:"from"`
	To     Stage     `json:"to"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// NewVersion is what Register needs; the registry assigns the number, hashes
// the artifact and records the creation.
type NewVersion struct {
	Model       string
	Description string
	Task        string
	Tags        map[string]string
	Params      map[string]string
	Metrics     map[string]float64
	Data        DataFingerprint
	Features    []Feature
	Parent      int
	CreatedBy   string
	Artifact    []byte
}

// MetadataStore persists versions. Implementations: a JSON file per registry
// directory (FileMetadata), and the platform's store when the server runs.
type MetadataStore interface {
	// NextVersion atomically reserves the next version number of model.
	NextVersion(ctx context.Context, model string) (int, error)
	PutVersion(ctx context.Context, v *Version) error
	GetVersion(ctx context.Context, model string, version int) (*Version, error)
	// ListVersions returns a model's versions, newest first.
	ListVersions(ctx context.Context, model string) ([]*Version, error)
	ListModels(ctx context.Context) ([]string, error)
}

// ArtifactStore persists artifact bytes under a key. Implementations: a
// directory (DirArtifacts) and an S3-compatible bucket (S3Artifacts).
type ArtifactStore interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
}

// PromotionPolicy is the gate a challenger must pass to replace Production.
type PromotionPolicy struct {
	// Metric is compared on the same held-out data for champion and challenger.
	Metric string
	// HigherIsBetter says which direction wins (true for F1, false for RMSE).
	HigherIsBetter bool
	// Margin is how much better the challenger must be, relative (0.01 = 1 %).
	Margin float64
}

// Registry is the model registry over a metadata store and an artifact store.
// See the package comment for the guarantees.
type Registry struct {
	Meta      MetadataStore
	Artifacts ArtifactStore
	Now       func() time.Time
}
