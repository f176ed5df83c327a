package tabular

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"smartmaint/internal/ml/rul"
	"smartmaint/internal/ml/tree"
)

// Task is what a pipeline predicts.
type Task string

// Tasks.
const (
	TaskClassify Task = "classify" // a binary outcome: probability and label per row
	TaskRegress  Task = "regress"  // a number per row
	TaskRUL      Task = "rul"      // remaining useful life per unit, at its last row
)

// Artifact format identifiers.
const (
	FormatName    = "smartmaint.pipeline"
	FormatVersion = 1
)

// Pipeline is a trained model with everything needed to apply it to a raw
// table. It is stored as JSON (version 1):
//
//	{
//	  "format": "smartmaint.pipeline", "version": 1,
//	  "task": "classify" | "regress" | "rul",
//	  "schema": {"columns": [{"name", "role", "type", "categories"}…], "headerless"},
//	  "target": "Machine failure", "id_column": "", "time_column": "",
//	  "features": [{"name", "op", "a", "b", "level"}…],   // classify, regress
//	  "inputs": ["s2", …], "window": {…rul.Spec…},         // rul: window features of these columns
//	  "rul_cap": 125,                                      // rul: predictions are clipped to [0, cap]
//	  "feature_names": [...],                              // the model's input columns, in order
//	  "model": {…tree.Model, see package tree…},
//	  "calibration": {"method": "isotonic", "x": […], "y": […]},  // classify
//	  "threshold": 0.42,                                   // classify: label 1 when probability >= threshold
//	  "importance": [{"feature", "gain", "mean_abs_shap"}…]
//	}
//
// Encoding is deterministic: the same pipeline always gives the same bytes,
// and Load(Marshal(p)) re-marshals to identical bytes.
type Pipeline struct {
	Format       string           `json:"format"`
	Version      int              `json:"version"`
	Task         Task             `json:"task"`
	Schema       Schema           `json:"schema"`
	Target       string           `json:"target,omitempty"`
	IDColumn     string           `json:"id_column,omitempty"`
	TimeColumn   string           `json:"time_column,omitempty"`
	Features     []Feature        `json:"features,omitempty"`
	Inputs       []string         `json:"inputs,omitempty"`
	Window       *rul.Spec        `json:"window,omitempty"`
	RULCap       float64          `json:"rul_cap,omitempty"`
	FeatureNames []string         `json:"feature_names"`
	Model        *tree.Model      `json:"model"`
	Calibration  *tree.Calibrator `json:"calibration,omitempty"`
	Threshold    float64          `json:"threshold,omitempty"`
	Importance   []Importance     `json:"importance,omitempty"`
}

// Importance is the global importance of one model feature.
type Importance struct {
	Feature string `json:"feature"`
	// Gain is the feature's share of the total split gain.
	Gain float64 `json:"gain"`
	// MeanAbsSHAP is the mean |SHAP contribution| over a sample of the
	// training rows, in raw-output units (log-odds for classify).
	MeanAbsSHAP float64 `json:"mean_abs_shap"`
}

// Marshal encodes the pipeline as its JSON artifact.
func (p *Pipeline) Marshal() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("tabular: encode pipeline: %w", err)
	}
	return buf.Bytes(), nil
}

// Load decodes and validates a pipeline artifact.
func Load(b []byte) (*Pipeline, error) {
	var p Pipeline
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("tabular: decode pipeline: %w", err)
	}
	if p.Format != FormatName {
		return nil, fmt.Errorf("tabular: artifact format %q, want %q", p.Format, FormatName)
	}
	if p.Version != FormatVersion {
		return nil, fmt.Errorf("tabular: artifact version %d, this build reads version %d", p.Version, FormatVersion)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks the consistency of a pipeline.
func (p *Pipeline) Validate() error {
	if err := p.Schema.validate(); err != nil {
		return err
	}
	if p.Model == nil {
		return fmt.Errorf("tabular: pipeline has no model")
	}
	if err := p.Model.Validate(); err != nil {
		return err
	}
	if len(p.FeatureNames) != p.Model.NumFeatures {
		return fmt.Errorf("tabular: %d feature names for a model of %d features", len(p.FeatureNames), p.Model.NumFeatures)
	}
	switch p.Task {
	case TaskClassify, TaskRegress:
		return p.validateTabular()
	case TaskRUL:
		return p.validateRUL()
	}
	return fmt.Errorf("tabular: unknown task %q", p.Task)
}

func (p *Pipeline) validateTabular() error {
	if len(p.Features) != p.Model.NumFeatures {
		return fmt.Errorf("tabular: %d features for a model of %d", len(p.Features), p.Model.NumFeatures)
	}
	for _, f := range p.Features {
		for _, name := range []string{f.A, f.B} {
			if name == "" {
				continue
			}
			c := p.Schema.Find(name)
			if c == nil || c.Role != RoleFeature {
				return fmt.Errorf("tabular: feature %q uses %q, which is not a feature column", f.Name, name)
			}
		}
	}
	if p.Task == TaskClassify {
		if p.Calibration == nil {
			return fmt.Errorf("tabular: classifier without calibration")
		}
		if err := p.Calibration.Validate(); err != nil {
			return err
		}
		if math.IsNaN(p.Threshold) || p.Threshold < 0 || p.Threshold > 1 {
			return fmt.Errorf("tabular: threshold %g outside [0, 1]", p.Threshold)
		}
	}
	return nil
}

func (p *Pipeline) validateRUL() error {
	if p.Window == nil {
		return fmt.Errorf("tabular: rul pipeline without window features")
	}
	if err := p.Window.Validate(); err != nil {
		return err
	}
	if p.Window.Width(len(p.Inputs)) != p.Model.NumFeatures {
		return fmt.Errorf("tabular: window features of %d inputs do not match a model of %d features",
			len(p.Inputs), p.Model.NumFeatures)
	}
	if c := p.Schema.Find(p.IDColumn); c == nil || c.Role != RoleID {
		return fmt.Errorf("tabular: rul pipeline needs an id column")
	}
	for _, in := range p.Inputs {
		if c := p.Schema.Find(in); c == nil || c.Role != RoleFeature || c.Type != TypeFloat {
			return fmt.Errorf("tabular: rul input %q is not a numeric feature column", in)
		}
	}
	if !(p.RULCap > 0) {
		return fmt.Errorf("tabular: rul cap %g: want > 0", p.RULCap)
	}
	return nil
}
