package tabular

import (
	"math"
	"strings"
	"testing"

	"smartmaint"
)

func TestReadCSVAndWhitespace(t *testing.T) {
	csvTab, err := Read(strings.NewReader("\xef\xbb\xbfa,b , c\n1,x,\n2, y ,NA\n\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(csvTab.Columns, "|"); got != "a|b|c" {
		t.Fatalf("columns %q", got)
	}
	if csvTab.Rows() != 2 || csvTab.Lines[1] != 3 {
		t.Fatalf("rows %d, lines %v", csvTab.Rows(), csvTab.Lines)
	}
	ws, err := Read(strings.NewReader("1 2  3.5 \n1 3 4\n"), ReadOptions{Columns: []string{"unit", "cycle", "s1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !ws.Headerless || ws.Rows() != 2 {
		t.Fatalf("headerless %v rows %d", ws.Headerless, ws.Rows())
	}
	v, err := ws.Float("s1")
	if err != nil || v[0] != 3.5 || v[1] != 4 {
		t.Fatalf("s1 = %v, %v", v, err)
	}
	// A header equal to the given names is taken as a header.
	same, err := Read(strings.NewReader("unit cycle s1\n1 2 3\n"), ReadOptions{Columns: []string{"unit", "cycle", "s1"}})
	if err != nil || same.Rows() != 1 || same.Headerless {
		t.Fatalf("rows %d headerless %v err %v", same.Rows(), same.Headerless, err)
	}
	miss, _ := csvTab.Float("c")
	if !math.IsNaN(miss[0]) || !math.IsNaN(miss[1]) {
		t.Fatalf("missing cells should be NaN, got %v", miss)
	}
}

func TestReadErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		opts ReadOptions
		want string
	}{
		"no header":      {"1 2 3\n4 5 6\n", ReadOptions{}, "no header"},
		"ragged":         {"a,b\n1,2\n3\n", ReadOptions{}, "line 3 has 1 fields"},
		"duplicate":      {"a,a\n1,2\n", ReadOptions{}, "appears twice"},
		"empty":          {"\n\n", ReadOptions{}, "empty"},
		"empty name":     {"a,,c\n1,2,3\n", ReadOptions{}, "empty name"},
		"columns ragged": {"1 2 3\n", ReadOptions{Columns: []string{"a", "b"}}, "has 3 fields"},
	} {
		_, err := Read(strings.NewReader(tc.in), tc.opts)
		if err == nil || !strings.Contains(err.Error()+smartmaint.ErrorMessage(err), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, tc.want)
		}
	}
	tab, _ := Read(strings.NewReader("a,b\n1,x\n2,inf\n"), ReadOptions{})
	if _, err := tab.Float("b"); err == nil || !strings.Contains(smartmaint.ErrorMessage(err), `line 2, column "b"`) {
		t.Errorf("non-numeric cell: %v", err)
	}
	if _, err := tab.Float("zz"); err == nil {
		t.Error("unknown column accepted")
	}
}

func schemaFor(t *testing.T, header string, r Roles) *Schema {
	t.Helper()
	tab, err := Read(strings.NewReader(header+"\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := InferSchema(tab, r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchemaCheck(t *testing.T) {
	s := schemaFor(t, "id,temp,torque,failure,leak", Roles{Target: "failure", ID: "id", Drop: []string{"leak"}})
	for name, tc := range map[string]struct {
		header string
		ok     bool
		want   []string
	}{
		"exact":          {"id,temp,torque,failure,leak", true, nil},
		"no target/drop": {"torque,id,temp", true, nil},
		"missing":        {"id,temp,failure", false, []string{`missing column(s) "torque"`}},
		"extra":          {"id,temp,torque,pressure", false, []string{`unexpected column(s) "pressure"`}},
		"renamed":        {"id,temp,Torque", false, []string{`missing column(s) "torque"`, `unexpected column(s) "Torque"`, "renamed?"}},
	} {
		tab, _ := Read(strings.NewReader(tc.header+"\n"), ReadOptions{})
		err := s.Check(tab)
		if tc.ok != (err == nil) {
			t.Errorf("%s: error %v", name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(smartmaint.ErrorMessage(err), w) {
				t.Errorf("%s: %q does not mention %q", name, smartmaint.ErrorMessage(err), w)
			}
		}
		if err != nil && smartmaint.ErrorCode(err) != smartmaint.EINVALID {
			t.Errorf("%s: code %s", name, smartmaint.ErrorCode(err))
		}
	}
}

func TestInferSchemaRolesAndTypes(t *testing.T) {
	tab, _ := Read(strings.NewReader("id,Type,x,y\na1,L,1,0\na2,M,,1\na3,L,3,0\n"), ReadOptions{})
	s, err := InferSchema(tab, Roles{Target: "y", ID: "id"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Find("Type")
	if c.Type != TypeCategory || strings.Join(c.Categories, ",") != "L,M" || c.Role != RoleFeature {
		t.Fatalf("Type column %+v", c)
	}
	if s.Find("x").Type != TypeFloat || s.Find("id").Role != RoleID || s.Find("id").Categories != nil {
		t.Fatalf("schema %+v", s)
	}
	if _, err := InferSchema(tab, Roles{Target: "nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown target: %v", err)
	}
	if _, err := InferSchema(tab, Roles{Target: "y", ID: "y"}); err == nil {
		t.Error("a column with two roles was accepted")
	}
	var b strings.Builder
	b.WriteString("code\n")
	for i := 0; i <= MaxCategories; i++ {
		b.WriteString("c" + strings.Repeat("x", i) + "\n")
	}
	many, _ := Read(strings.NewReader(b.String()), ReadOptions{})
	if _, err := InferSchema(many, Roles{}); err == nil || !strings.Contains(smartmaint.ErrorMessage(err), "identifier") {
		t.Errorf("too many categories: %v", err)
	}
}

func TestFeaturesAndUnknownCategory(t *testing.T) {
	tab, _ := Read(strings.NewReader("T,a,b,y\nL,2,4,0\nH,3,0,1\nL,,1,0\n"), ReadOptions{})
	s, _ := InferSchema(tab, Roles{Target: "y"})
	feats := planFeatures(s, true)
	names := strings.Join(featureNames(feats), "|")
	if names != "T=H|T=L|a|b|a * b|a - b|a / b" {
		t.Fatalf("features %s", names)
	}
	x, err := buildMatrix(tab, s, feats)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0, 1, 2, 4, 8, -2, 0.5}, {1, 0, 3, 0, 0, 3, math.NaN()}}
	for i, row := range want {
		for j, v := range row {
			got := x.At(i, j)
			if got != v && !(math.IsNaN(got) && math.IsNaN(v)) {
				t.Errorf("row %d %s = %g, want %g", i, feats[j].Name, got, v)
			}
		}
	}
	if !math.IsNaN(x.At(2, 4)) {
		t.Error("a product with a missing value should be missing")
	}
	bad, _ := Read(strings.NewReader("T,a,b,y\nX,2,4,0\n"), ReadOptions{})
	_, err = buildMatrix(bad, s, feats)
	if err == nil || !strings.Contains(smartmaint.ErrorMessage(err), `unknown category "X"`) {
		t.Errorf("unknown category: %v", err)
	}
}
