package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"smartmaint"
)

// testClock returns a clock that advances one second per call.
func testClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func openTest(tb testing.TB) *Registry {
	tb.Helper()
	r, err := Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	r.Now = testClock()
	return r
}

func register(tb testing.TB, r *Registry, model string, artifact string, metrics map[string]float64) *Version {
	tb.Helper()
	v, err := r.Register(context.Background(), NewVersion{
		Model: model, Task: "classify", Artifact: []byte(artifact), Metrics: metrics, CreatedBy: "test",
		Features: []Feature{{Name: "torque", Type: "float"}, {Name: "type"}},
		Data:     DataFingerprint{Rows: 10, SHA256: strings.Repeat("ab", 32)},
	})
	if err != nil {
		tb.Fatalf("register %s: %v", model, err)
	}
	return v
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := smartmaint.ErrorCode(err); got != code {
		tb.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

func TestRegisterAssignsNumbersAndHashes(t *testing.T) {
	r := openTest(t)
	ctx := context.Background()
	v1 := register(t, r, "pump-clf", "model one", map[string]float64{"cv_f1": 0.9})
	v2 := register(t, r, "pump-clf", "model two", nil)
	other := register(t, r, "bearing-if", "x", nil)
	if v1.Version != 1 || v2.Version != 2 || other.Version != 1 {
		t.Fatalf("versions %d, %d, %d; want 1, 2, 1", v1.Version, v2.Version, other.Version)
	}
	sum := sha256.Sum256([]byte("model one"))
	if v1.Artifact.SHA256 != hex.EncodeToString(sum[:]) || v1.Artifact.Size != 9 {
		t.Fatalf("artifact %+v", v1.Artifact)
	}
	if v1.Stage != StageNone || len(v1.History) != 1 || v1.History[0].To != StageNone || v1.History[0].By != "test" {
		t.Fatalf("stage %s, history %+v", v1.Stage, v1.History)
	}
	if v1.Features[1].Type != "float" {
		t.Fatalf("feature type defaults to float, got %q", v1.Features[1].Type)
	}
	got, err := r.Meta.GetVersion(ctx, "pump-clf", 1)
	if err != nil || got.Metrics["cv_f1"] != 0.9 || got.Data.Rows != 10 || !got.CreatedAt.Equal(v1.CreatedAt) {
		t.Fatalf("stored version %+v, %v", got, err)
	}
	models, err := r.Models(ctx)
	if err != nil || strings.Join(models, ",") != "bearing-if,pump-clf" {
		t.Fatalf("models %v, %v", models, err)
	}
}

// failingArtifacts refuses every Put.
type failingArtifacts struct{ ArtifactStore }

func (failingArtifacts) Put(context.Context, string, []byte) error { return errors.New("disk full") }

func TestVersionNumbersAreNeverReused(t *testing.T) {
	r := openTest(t)
	register(t, r, "m", "a", nil)
	good := r.Artifacts
	r.Artifacts = failingArtifacts{good}
	if _, err := r.Register(context.Background(), NewVersion{Model: "m", Artifact: []byte("b")}); err == nil {
		t.Fatal("register with a failing artifact store succeeded")
	}
	r.Artifacts = good
	if v := register(t, r, "m", "c", nil); v.Version != 3 {
		t.Fatalf("version %d after a failed registration; want 3 (2 is burnt)", v.Version)
	}
}

func TestRegisterRejectsBadInput(t *testing.T) {
	r := openTest(t)
	register(t, r, "m", "a", nil)
	cases := []struct {
		name  string
		nv    NewVersion
		field string
	}{
		{"empty name", NewVersion{Artifact: []byte("a")}, "model"},
		{"path in name", NewVersion{Model: "../etc", Artifact: []byte("a")}, "model"},
		{"no artifact", NewVersion{Model: "m"}, "artifact"},
		{"bad task", NewVersion{Model: "m", Task: "guess", Artifact: []byte("a")}, "task"},
		{"NaN metric", NewVersion{Model: "m", Artifact: []byte("a"), Metrics: map[string]float64{"f1": nanValue()}}, "metrics.f1"},
		{"duplicate feature", NewVersion{Model: "m", Artifact: []byte("a"), Features: []Feature{{Name: "x"}, {Name: "x"}}}, "features[1].name"},
		{"bad feature type", NewVersion{Model: "m", Artifact: []byte("a"), Features: []Feature{{Name: "x", Type: "int"}}}, "features[0].type"},
		{"bad fingerprint", NewVersion{Model: "m", Artifact: []byte("a"), Data: DataFingerprint{SHA256: "xyz"}}, "data.sha256"},
		{"unknown parent", NewVersion{Model: "m", Artifact: []byte("a"), Parent: 7}, "parent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Register(context.Background(), tc.nv)
			wantCode(t, err, smartmaint.EINVALID)
			if d := smartmaint.ErrorDetails(err); len(d) != 1 || d[0].Field != tc.field {
				t.Fatalf("details %+v, want field %q", d, tc.field)
			}
		})
	}
}

func nanValue() float64 { z := 0.0; return z / z }

func TestLineageParentRecorded(t *testing.T) {
	r := openTest(t)
	register(t, r, "m", "a", nil)
	v, err := r.Register(context.Background(), NewVersion{Model: "m", Artifact: []byte("b"), Parent: 1})
	if err != nil || v.Parent != 1 {
		t.Fatalf("version %+v, %v", v, err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	r := openTest(t)
	for i := 0; i < 5; i++ {
		register(t, r, "m", string(rune('a'+i)), nil)
	}
	register(t, r, "only-archived", "z", nil)
	mustTransition(t, r, "only-archived", 1, StageArchived)
	register(t, r, "fresh", "f", nil)

	// m: v2 Production, v3 and v4 Staging, v5 Archived, v1 None.
	mustTransition(t, r, "m", 2, StageProduction)
	mustTransition(t, r, "m", 3, StageStaging)
	mustTransition(t, r, "m", 4, StageStaging)
	mustTransition(t, r, "m", 5, StageArchived)
	cases := []struct {
		model, ref string
		want       int
		code       string
	}{
		{"m", "", 2, ""}, {"m", "auto", 2, ""}, {"m", "LATEST", 2, ""},
		{"m", "production", 2, ""}, {"m", "Production", 2, ""}, {"m", "staging", 4, ""},
		{"m", "1", 1, ""}, {"m", "5", 5, ""}, {"m", "6", 0, smartmaint.ENOTFOUND},
		{"m", "0", 0, smartmaint.EINVALID}, {"m", "v1", 0, smartmaint.EINVALID},
		{"fresh", "auto", 1, ""}, {"fresh", "production", 0, smartmaint.ENOTFOUND},
		{"fresh", "staging", 0, smartmaint.ENOTFOUND},
		{"only-archived", "auto", 0, smartmaint.ENOTFOUND}, {"only-archived", "1", 1, ""},
		{"nobody", "auto", 0, smartmaint.ENOTFOUND},
	}
	for _, tc := range cases {
		t.Run(tc.model+"@"+tc.ref, func(t *testing.T) {
			v, err := r.Resolve(ctx, tc.model, tc.ref)
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			if err != nil || v.Version != tc.want {
				t.Fatalf("resolved %v, %v; want version %d", v, err, tc.want)
			}
		})
	}

	// Without Production, auto falls to the newest Staging, then the newest non-archived.
	mustTransition(t, r, "m", 2, StageArchived)
	if v, _ := r.Resolve(ctx, "m", "auto"); v == nil || v.Version != 4 {
		t.Fatalf("auto without Production: %v, want 4", v)
	}
	mustTransition(t, r, "m", 3, StageNone)
	mustTransition(t, r, "m", 4, StageNone)
	if v, _ := r.Resolve(ctx, "m", "auto"); v == nil || v.Version != 4 {
		t.Fatalf("auto without Production or Staging: %v, want 4 (5 is archived)", v)
	}
}

func mustTransition(tb testing.TB, r *Registry, model string, version int, to Stage) *Version {
	tb.Helper()
	v, err := r.Transition(context.Background(), model, version, to, "tester", "test")
	if err != nil {
		tb.Fatalf("transition %s v%d to %s: %v", model, version, to, err)
	}
	return v
}

func TestParseModelRef(t *testing.T) {
	m, ref, err := ParseModelRef("ai4i-gbdt@production")
	if err != nil || m != "ai4i-gbdt" || ref != "production" {
		t.Fatalf("%q %q %v", m, ref, err)
	}
	if m, ref, _ := ParseModelRef("x"); m != "x" || ref != "" {
		t.Fatalf("%q %q", m, ref)
	}
	if _, _, err := ParseModelRef("@3"); err == nil {
		t.Fatal("empty model name accepted")
	}
}

func TestLoadVerifiesArtifact(t *testing.T) {
	ctx := context.Background()
	r := openTest(t)
	v := register(t, r, "m", "the model bytes", nil)
	_, data, err := r.Load(ctx, "m", "1")
	if err != nil || string(data) != "the model bytes" {
		t.Fatalf("load: %q, %v", data, err)
	}
	path, err := r.Artifacts.(*DirArtifacts).Path(v.Artifact.Key)
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte("the model bytes")
	flipped[3] ^= 0x01
	cases := []struct {
		name    string
		content []byte // nil: delete the file
		reason  string
	}{
		{"one byte flipped", flipped, "SHA-256"},
		{"truncated", []byte("the model"), "size"},
		{"deleted", nil, "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.content == nil {
				os.Remove(path)
			} else if err := os.WriteFile(path, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, data, err := r.Load(ctx, "m", "auto")
			var ie *IntegrityError
			if !errors.As(err, &ie) || data != nil {
				t.Fatalf("tampered artifact loaded: %q, %v", data, err)
			}
			wantCode(t, err, smartmaint.EINTERNAL)
			if msg := smartmaint.ErrorMessage(err); !strings.Contains(msg, tc.reason) || !strings.Contains(msg, `"m" version 1`) {
				t.Fatalf("message %q does not say %q", msg, tc.reason)
			}
		})
	}
}

func TestTransitionArchivesPreviousProduction(t *testing.T) {
	ctx := context.Background()
	r := openTest(t)
	register(t, r, "m", "a", nil)
	register(t, r, "m", "b", nil)
	mustTransition(t, r, "m", 1, StageProduction)
	v2, err := r.Transition(ctx, "m", 2, "production", "alice", "better recall")
	if err != nil {
		t.Fatal(err)
	}
	last := v2.History[len(v2.History)-1]
	if v2.Stage != StageProduction || last.From != StageNone || last.To != StageProduction || last.By != "alice" ||
		last.Reason != "better recall" || last.At.IsZero() {
		t.Fatalf("v2 %s, last transition %+v", v2.Stage, last)
	}
	v1, _ := r.Meta.GetVersion(ctx, "m", 1)
	h := v1.History[len(v1.History)-1]
	if v1.Stage != StageArchived || h.From != StageProduction || h.To != StageArchived || h.By != "alice" ||
		!strings.Contains(h.Reason, "version 2") {
		t.Fatalf("v1 %s, last transition %+v", v1.Stage, h)
	}
	_, err = r.Transition(ctx, "m", 2, StageProduction, "alice", "again")
	wantCode(t, err, smartmaint.ECONFLICT)
	_, err = r.Transition(ctx, "m", 9, StageStaging, "alice", "")
	wantCode(t, err, smartmaint.ENOTFOUND)
	_, err = r.Transition(ctx, "m", 1, "Shelved", "alice", "")
	wantCode(t, err, smartmaint.EINVALID)
	_, err = r.Transition(ctx, "m", 1, StageStaging, " ", "")
	wantCode(t, err, smartmaint.EINVALID)
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	register(t, r, "m", "a", map[string]float64{"rmse": 12.5})
	mustTransition(t, r, "m", 1, StageStaging)
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, data, err := r2.Load(context.Background(), "m", "staging")
	if err != nil || string(data) != "a" || v.Metrics["rmse"] != 12.5 || len(v.History) != 2 {
		t.Fatalf("reopened: %+v %q %v", v, data, err)
	}
}

func TestCorruptMetadataIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/registry.json", []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("corrupt metadata: %v", err)
	}
}
