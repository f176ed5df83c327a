package multivar

import (
	"encoding/json"
	"math"

	"smartmaint"
)

// mahalanobisJSON is the serialised form of a Mahalanobis detector.
type mahalanobisJSON struct {
	Kind      string    `json:"kind"` // "robust-mahalanobis"
	Version   int       `json:"version"`
	Features  []string  `json:"features"`
	Location  []float64 `json:"location"`
	Scale     []float64 `json:"scale"`
	Precision []float64 `json:"precision"` // p×p, row-major
	Threshold float64   `json:"threshold"`
	Quantile  float64   `json:"threshold_quantile"`
	Support   float64   `json:"support"`
	Seed      uint64    `json:"seed"`
}

const mahalanobisKind = "robust-mahalanobis"

// MarshalJSON encodes the detector.
func (m *Mahalanobis) MarshalJSON() ([]byte, error) {
	return json.Marshal(mahalanobisJSON{Kind: mahalanobisKind, Version: 1, Features: m.features, Location: m.loc,
		Scale: m.scale, Precision: m.prec, Threshold: m.threshold, Quantile: m.quantile, Support: m.support, Seed: m.seed})
}

// UnmarshalJSON decodes a detector written by MarshalJSON, checking its
// shape and that every number is finite.
func (m *Mahalanobis) UnmarshalJSON(b []byte) error {
	var j mahalanobisJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return smartmaint.Errorf(smartmaint.EINVALID, "multivar: detector JSON: %v", err)
	}
	if j.Kind != mahalanobisKind || j.Version != 1 {
		return smartmaint.Errorf(smartmaint.EINVALID, "multivar: not a version-1 %s detector (kind %q, version %d)", mahalanobisKind, j.Kind, j.Version)
	}
	p := len(j.Features)
	if _, err := checkNames(j.Features, p); err != nil || p == 0 {
		return smartmaint.Errorf(smartmaint.EINVALID, "multivar: detector has bad feature names")
	}
	if len(j.Location) != p || len(j.Scale) != p || len(j.Precision) != p*p {
		return smartmaint.Errorf(smartmaint.EINVALID, "multivar: detector arrays do not match its %d features", p)
	}
	for _, xs := range [][]float64{j.Location, j.Scale, j.Precision, {j.Threshold}} {
		for _, v := range xs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return smartmaint.Errorf(smartmaint.EINVALID, "multivar: detector holds a non-finite number")
			}
		}
	}
	for _, s := range j.Scale {
		if s <= 0 {
			return smartmaint.Errorf(smartmaint.EINVALID, "multivar: detector has a scale ≤ 0")
		}
	}
	*m = Mahalanobis{features: j.Features, loc: j.Location, scale: j.Scale, prec: j.Precision,
		threshold: j.Threshold, quantile: j.Quantile, support: j.Support, seed: j.Seed}
	return nil
}
