package tabular

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"smartmaint"
)

// Role is what a column is for.
type Role string

// Roles.
const (
	RoleFeature Role = "feature" // an input of the model
	RoleID      Role = "id"      // names the unit a row belongs to (rul) or the row (output key)
	RoleTime    Role = "time"    // orders a unit's rows; not an input
	RoleTarget  Role = "target"  // what is learned; optional at prediction time
	RoleIgnored Role = "ignored" // dropped on purpose (identifiers, leaking columns); optional at prediction time
)

// Column types.
const (
	TypeFloat    = "float"
	TypeCategory = "category"
)

// MaxCategories bounds the distinct values of a categorical column: more is
// usually an identifier that should be dropped.
const MaxCategories = 64

// Column describes one column of the training file.
type Column struct {
	Name       string   `json:"name"`
	Role       Role     `json:"role"`
	Type       string   `json:"type"`
	Categories []string `json:"categories,omitempty"` // sorted levels of a category column
}

// Schema is the list of columns a model was trained on, in file order.
type Schema struct {
	Columns []Column `json:"columns"`
	// Headerless records that the training file had no header, so that a
	// headerless file of the same layout can be read with these names.
	Headerless bool `json:"headerless,omitempty"`
}

// Names returns the column names in file order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// Find returns the named column, or nil.
func (s *Schema) Find(name string) *Column {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return &s.Columns[i]
		}
	}
	return nil
}

// Roles assigns roles to the columns of a training file.
type Roles struct {
	Target string
	ID     string
	Time   string
	Drop   []string
}

// InferSchema builds the schema of a training table: the roles given, every
// other column a feature; a column is a float when every non-missing cell is
// a number and a category otherwise.
func InferSchema(t *Table, r Roles) (*Schema, error) {
	roles := map[string]Role{}
	set := func(name string, role Role, flag string) error {
		if name == "" {
			return nil
		}
		if t.Index(name) < 0 {
			return smartmaint.FieldErrorf(flag, "column %q is not in the file (columns: %s)", name, quoteList(t.Columns))
		}
		if prev, ok := roles[name]; ok {
			return smartmaint.FieldErrorf(flag, "column %q is already the %s column", name, prev)
		}
		roles[name] = role
		return nil
	}
	for _, step := range []struct {
		name, flag string
		role       Role
	}{{r.Target, "target", RoleTarget}, {r.ID, "id-col", RoleID}, {r.Time, "time-col", RoleTime}} {
		if err := set(step.name, step.role, step.flag); err != nil {
			return nil, err
		}
	}
	for _, d := range r.Drop {
		if err := set(d, RoleIgnored, "drop"); err != nil {
			return nil, err
		}
	}
	s := &Schema{Headerless: t.Headerless}
	for c, name := range t.Columns {
		col := Column{Name: name, Role: RoleFeature, Type: TypeFloat}
		if role, ok := roles[name]; ok {
			col.Role = role
		}
		if !isNumeric(t.Cells[c]) {
			col.Type = TypeCategory
			if col.Role == RoleFeature {
				levels, err := categories(name, t.Cells[c])
				if err != nil {
					return nil, err
				}
				col.Categories = levels
			}
		}
		s.Columns = append(s.Columns, col)
	}
	return s, nil
}

func categories(name string, cells []string) ([]string, error) {
	seen := map[string]bool{}
	for _, v := range cells {
		if !IsMissing(v) {
			seen[v] = true
		}
	}
	if len(seen) > MaxCategories {
		return nil, smartmaint.FieldErrorf(name,
			"%d distinct non-numeric values (more than %d): an identifier? drop it (--drop)", len(seen), MaxCategories)
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, nil
}

// required reports whether a prediction input must have the column.
func (c *Column) required() bool {
	return c.Role == RoleFeature || c.Role == RoleID || c.Role == RoleTime
}

// Check enforces the schema on a prediction input: every feature, id and
// time column must be present; target and dropped columns may be present or
// not; any other column is refused. The error names the missing and the
// unexpected columns (a renamed column shows up as one of each). Category
// values are checked when the matrix is built.
func (s *Schema) Check(t *Table) error {
	var missing, extra []string
	for _, c := range s.Columns {
		if c.required() && t.Index(c.Name) < 0 {
			missing = append(missing, c.Name)
		}
	}
	for _, name := range t.Columns {
		if s.Find(name) == nil {
			extra = append(extra, name)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return nil
	}
	var parts []string
	var details []smartmaint.FieldError
	if len(missing) > 0 {
		parts = append(parts, "missing column(s) "+quoteList(missing))
		for _, m := range missing {
			details = append(details, smartmaint.FieldError{Field: m, Reason: "missing: the model was trained with this column"})
		}
	}
	if len(extra) > 0 {
		parts = append(parts, "unexpected column(s) "+quoteList(extra))
		for _, e := range extra {
			details = append(details, smartmaint.FieldError{Field: e, Reason: "unexpected: the model was not trained with this column"})
		}
	}
	msg := "the input does not match the model's schema: " + strings.Join(parts, "; ")
	if len(missing) > 0 && len(extra) > 0 {
		msg += " (renamed?)"
	}
	msg += "; expected columns: " + quoteList(s.requiredNames())
	return &smartmaint.Error{Code: smartmaint.EINVALID, Message: msg, Details: details}
}

func (s *Schema) requiredNames() []string {
	var out []string
	for _, c := range s.Columns {
		if c.required() {
			out = append(out, c.Name)
		}
	}
	return out
}

// validate checks a schema read from an artifact.
func (s *Schema) validate() error {
	seen := map[string]bool{}
	for i, c := range s.Columns {
		if c.Name == "" || seen[c.Name] {
			return fmt.Errorf("tabular: schema column %d: empty or duplicate name %q", i, c.Name)
		}
		seen[c.Name] = true
		switch c.Role {
		case RoleFeature, RoleID, RoleTime, RoleTarget, RoleIgnored:
		default:
			return fmt.Errorf("tabular: schema column %q: unknown role %q", c.Name, c.Role)
		}
		if c.Type != TypeFloat && c.Type != TypeCategory {
			return fmt.Errorf("tabular: schema column %q: unknown type %q", c.Name, c.Type)
		}
	}
	return nil
}

// categoryIndex maps a level of a category column to its position.
func (c *Column) categoryIndex(v string) (int, bool) {
	i := sort.SearchStrings(c.Categories, v)
	return i, i < len(c.Categories) && c.Categories[i] == v
}

func unknownCategory(line int, c *Column, v string) error {
	return lineError(line, c.Name, "unknown category %s (the model knows %s)", strconv.Quote(v), quoteList(c.Categories))
}
