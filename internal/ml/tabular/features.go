package tabular

import (
	"fmt"
	"math"

	"smartmaint/internal/ml/tree"
)

// Feature operations.
const (
	OpValue  = "value"  // the number in column A
	OpOneHot = "onehot" // 1 when category column A equals Level, else 0 (NaN when missing)
	OpMul    = "mul"    // A × B (for instance torque × speed: power)
	OpSub    = "sub"    // A − B (for instance a temperature difference)
	OpDiv    = "div"    // A / B (NaN when B is 0)
)

// Feature is one column of the model's input matrix, computed from the
// columns of a row.
type Feature struct {
	Name  string `json:"name"`
	Op    string `json:"op"`
	A     string `json:"a"`
	B     string `json:"b,omitempty"`
	Level string `json:"level,omitempty"`
}

// MaxInteractionInputs bounds the numeric columns that get pairwise
// interactions automatically (12 columns give 198 derived features).
const MaxInteractionInputs = 12

// planFeatures lists the features of a tabular (classify or regress) model:
// every numeric feature column, one indicator per level of every category
// column, and, when interactions is set, the product, difference and ratio
// of every pair of numeric feature columns — generic, physics-friendly
// combinations (power = torque × speed, a temperature difference, wear ×
// torque) that a tree cannot form from axis-aligned splits alone.
func planFeatures(s *Schema, interactions bool) []Feature {
	var feats []Feature
	var numeric []string
	for _, c := range s.Columns {
		if c.Role != RoleFeature {
			continue
		}
		if c.Type == TypeFloat {
			feats = append(feats, Feature{Name: c.Name, Op: OpValue, A: c.Name})
			numeric = append(numeric, c.Name)
			continue
		}
		for _, l := range c.Categories {
			feats = append(feats, Feature{Name: c.Name + "=" + l, Op: OpOneHot, A: c.Name, Level: l})
		}
	}
	if !interactions {
		return feats
	}
	for i := range numeric {
		for j := i + 1; j < len(numeric); j++ {
			a, b := numeric[i], numeric[j]
			feats = append(feats,
				Feature{Name: a + " * " + b, Op: OpMul, A: a, B: b},
				Feature{Name: a + " - " + b, Op: OpSub, A: a, B: b},
				Feature{Name: a + " / " + b, Op: OpDiv, A: a, B: b})
		}
	}
	return feats
}

// numericInputs counts the numeric feature columns of a schema.
func numericInputs(s *Schema) int {
	n := 0
	for _, c := range s.Columns {
		if c.Role == RoleFeature && c.Type == TypeFloat {
			n++
		}
	}
	return n
}

// encoder computes feature columns from a table, parsing each column once.
type encoder struct {
	t      *Table
	s      *Schema
	floats map[string][]float64
}

func (e *encoder) float(name string) ([]float64, error) {
	if v, ok := e.floats[name]; ok {
		return v, nil
	}
	v, err := e.t.Float(name)
	if err != nil {
		return nil, err
	}
	e.floats[name] = v
	return v, nil
}

// buildMatrix computes the features of every row of t.
func buildMatrix(t *Table, s *Schema, feats []Feature) (tree.Matrix, error) {
	e := &encoder{t: t, s: s, floats: map[string][]float64{}}
	m := tree.NewMatrix(t.Rows(), len(feats))
	for j, f := range feats {
		col, err := e.feature(f)
		if err != nil {
			return tree.Matrix{}, err
		}
		for i, v := range col {
			m.Set(i, j, v)
		}
	}
	return m, nil
}

func (e *encoder) feature(f Feature) ([]float64, error) {
	switch f.Op {
	case OpValue:
		return e.float(f.A)
	case OpOneHot:
		return e.oneHot(f)
	case OpMul, OpSub, OpDiv:
		a, err := e.float(f.A)
		if err != nil {
			return nil, err
		}
		b, err := e.float(f.B)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(a))
		for i := range a {
			out[i] = combine(f.Op, a[i], b[i])
		}
		return out, nil
	}
	return nil, fmt.Errorf("tabular: feature %q: unknown operation %q", f.Name, f.Op)
}

func combine(op string, a, b float64) float64 {
	switch op {
	case OpMul:
		return a * b
	case OpSub:
		return a - b
	}
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

func (e *encoder) oneHot(f Feature) ([]float64, error) {
	c := e.s.Find(f.A)
	cells, err := e.t.Column(f.A)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(cells))
	for i, v := range cells {
		if IsMissing(v) {
			out[i] = math.NaN()
			continue
		}
		if _, ok := c.categoryIndex(v); !ok {
			return nil, unknownCategory(e.t.Lines[i], c, v)
		}
		if v == f.Level {
			out[i] = 1
		}
	}
	return out, nil
}

// featureNames returns the names of a feature list.
func featureNames(feats []Feature) []string {
	out := make([]string, len(feats))
	for i, f := range feats {
		out[i] = f.Name
	}
	return out
}
