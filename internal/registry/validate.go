package registry

import (
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"smartmaint"
)

// maxNameLen bounds model names, tag, parameter and metric keys.
const maxNameLen = 128

// Tasks a version may declare; "" means not stated.
var tasks = map[string]bool{"": true, "classify": true, "regress": true, "rul": true, "anomaly": true, "forecast": true}

// ValidateModelName reports why name cannot name a model, or nil. A name is 1
// to 128 characters from letters, digits, '.', '_' and '-', starting with a
// letter or digit, so that it is safe as a file name and an object key.
func ValidateModelName(name string) error {
	if name == "" {
		return smartmaint.FieldErrorf("model", "required")
	}
	if len(name) > maxNameLen {
		return smartmaint.FieldErrorf("model", "longer than %d characters", maxNameLen)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !ok && (i == 0 || (c != '.' && c != '_' && c != '-')) {
			return smartmaint.FieldErrorf("model", "%q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}

// ParseStage returns the stage named s, case-insensitively.
func ParseStage(s string) (Stage, error) {
	for _, st := range []Stage{StageNone, StageStaging, StageProduction, StageArchived} {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", smartmaint.FieldErrorf("stage", "%q: want None, Staging, Production or Archived", s)
}

// validateNewVersion checks everything Register is given, naming the field.
func validateNewVersion(nv *NewVersion) error {
	if err := ValidateModelName(nv.Model); err != nil {
		return err
	}
	if !tasks[nv.Task] {
		return smartmaint.FieldErrorf("task", "%q: want classify, regress, rul, anomaly or forecast", nv.Task)
	}
	if len(nv.Artifact) == 0 {
		return smartmaint.FieldErrorf("artifact", "empty: a version needs its model file")
	}
	if nv.Parent < 0 {
		return smartmaint.FieldErrorf("parent", "%d: a version number is 1 or more (0 for none)", nv.Parent)
	}
	if err := validateKeys("tags", nv.Tags); err != nil {
		return err
	}
	if err := validateKeys("params", nv.Params); err != nil {
		return err
	}
	if err := validateMetrics(nv.Metrics); err != nil {
		return err
	}
	if err := validateData(nv.Data); err != nil {
		return err
	}
	return validateFeatures(nv.Features)
}

func validateKeys(field string, m map[string]string) error {
	for k := range m {
		if k == "" || len(k) > maxNameLen {
			return smartmaint.FieldErrorf(field, "key %q: want 1 to %d characters", k, maxNameLen)
		}
	}
	return nil
}

func validateMetrics(m map[string]float64) error {
	for k, v := range m {
		if k == "" || len(k) > maxNameLen {
			return smartmaint.FieldErrorf("metrics", "key %q: want 1 to %d characters", k, maxNameLen)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return smartmaint.FieldErrorf("metrics."+k, "%v is not a finite number", v)
		}
	}
	return nil
}

func validateData(d DataFingerprint) error {
	if d.Rows < 0 {
		return smartmaint.FieldErrorf("data.rows", "%d is negative", d.Rows)
	}
	if d.SHA256 != "" {
		if b, err := hex.DecodeString(d.SHA256); err != nil || len(b) != 32 {
			return smartmaint.FieldErrorf("data.sha256", "%q is not 64 hexadecimal digits", d.SHA256)
		}
	}
	if d.Start != nil && d.End != nil && d.End.Before(*d.Start) {
		return smartmaint.FieldErrorf("data.end", "%s is before data.start %s", d.End, d.Start)
	}
	return nil
}

func validateFeatures(fs []Feature) error {
	seen := make(map[string]bool, len(fs))
	for i, f := range fs {
		field := fmt.Sprintf("features[%d]", i)
		if f.Name == "" {
			return smartmaint.FieldErrorf(field+".name", "required")
		}
		if seen[f.Name] {
			return smartmaint.FieldErrorf(field+".name", "%q appears twice", f.Name)
		}
		seen[f.Name] = true
		if f.Type != "float" && f.Type != "category" {
			return smartmaint.FieldErrorf(field+".type", "%q: want float or category", f.Type)
		}
	}
	return nil
}

// validateArtifactKey checks a key: '/'-separated segments of letters,
// digits, '.', '_' and '-', none of them "." or "..".
func validateArtifactKey(key string) error {
	if key == "" || len(key) > 1024 {
		return smartmaint.FieldErrorf("key", "want 1 to 1024 characters")
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return smartmaint.FieldErrorf("key", "%q has an empty, '.' or '..' segment", key)
		}
		for _, c := range seg {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
			if !ok {
				return smartmaint.FieldErrorf("key", "%q: use letters, digits, '.', '_', '-' and '/'", key)
			}
		}
	}
	return nil
}
