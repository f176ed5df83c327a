package registry

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"smartmaint"
)

// scoreArtifact is a stand-in evaluator: the artifact is the score itself,
// as if the model had been run on the held-out set.
func scoreArtifact(_ context.Context, _ *Version, artifact []byte) (float64, error) {
	return strconv.ParseFloat(string(artifact), 64)
}

var f1Policy = PromotionPolicy{Metric: "f1", HigherIsBetter: true, Margin: 0.01}

func promote(tb testing.TB, r *Registry, version int, override string) *PromoteDecision {
	tb.Helper()
	d, err := r.Promote(context.Background(), PromoteRequest{Model: "m", Version: version, Policy: f1Policy,
		Evaluate: scoreArtifact, By: "retrainer", Reason: "drift on s3", OverrideReason: override})
	if err != nil {
		tb.Fatalf("promote v%d: %v", version, err)
	}
	return d
}

func stageOf(tb testing.TB, r *Registry, version int) Stage {
	tb.Helper()
	v, err := r.Meta.GetVersion(context.Background(), "m", version)
	if err != nil {
		tb.Fatal(err)
	}
	return v.Stage
}

func TestPromotionGate(t *testing.T) {
	r := openTest(t)
	register(t, r, "m", "0.90", nil)
	register(t, r, "m", "0.905", nil) // better, but within the 1 % margin
	register(t, r, "m", "0.80", nil)  // worse
	register(t, r, "m", "0.95", nil)  // better by more than 1 %

	d := promote(t, r, 1, "")
	if !d.Promoted || d.Champion != 0 || d.ChallengerScore == nil || *d.ChallengerScore != 0.90 || d.ChampionScore != nil {
		t.Fatalf("first promotion without champion: %+v", d)
	}
	for _, v := range []int{2, 3} {
		d = promote(t, r, v, "")
		if d.Promoted || d.Passed || d.Champion != 1 || *d.ChampionScore != 0.90 || d.ChallengerScore == nil {
			t.Fatalf("version %d promoted over the champion: %+v", v, d)
		}
		if stageOf(t, r, v) != StageNone || stageOf(t, r, 1) != StageProduction {
			t.Fatalf("stages changed after a refused promotion of v%d", v)
		}
	}
	d = promote(t, r, 4, "")
	if !d.Promoted || !d.Passed || d.Override || *d.ChallengerScore != 0.95 || *d.ChampionScore != 0.90 {
		t.Fatalf("better challenger: %+v", d)
	}
	if stageOf(t, r, 4) != StageProduction || stageOf(t, r, 1) != StageArchived {
		t.Fatalf("stages after promotion: v4 %s, v1 %s", stageOf(t, r, 4), stageOf(t, r, 1))
	}
	v4, _ := r.Meta.GetVersion(context.Background(), "m", 4)
	last := v4.History[len(v4.History)-1]
	if last.By != "retrainer" || !strings.Contains(last.Reason, "promotion gate") || !strings.Contains(last.Reason, "drift on s3") {
		t.Fatalf("transition %+v", last)
	}
	v3, _ := r.Meta.GetVersion(context.Background(), "m", 3)
	if len(v3.Gates) != 1 || v3.Gates[0].Promoted || *v3.Gates[0].ChampionScore != 0.90 || *v3.Gates[0].ChallengerScore != 0.80 {
		t.Fatalf("refusal not recorded on v3: %+v", v3.Gates)
	}
}

func TestPromotionOverrideIsRecorded(t *testing.T) {
	r := openTest(t)
	register(t, r, "m", "0.9", nil)
	register(t, r, "m", "0.7", nil)
	promote(t, r, 1, "")
	d := promote(t, r, 2, "champion crashes on the new firmware; v2 is the only safe one")
	if !d.Promoted || !d.Override || d.Passed || *d.ChallengerScore != 0.7 || *d.ChampionScore != 0.9 {
		t.Fatalf("override: %+v", d)
	}
	v2, _ := r.Meta.GetVersion(context.Background(), "m", 2)
	last := v2.History[len(v2.History)-1]
	if v2.Stage != StageProduction || !strings.Contains(last.Reason, "override: champion crashes") {
		t.Fatalf("v2 %s, transition %+v", v2.Stage, last)
	}
	if len(v2.Gates) != 1 || v2.Gates[0].OverrideReason == "" {
		t.Fatalf("gate record %+v", v2.Gates)
	}
}

func TestPromotionLowerIsBetter(t *testing.T) {
	p := PromotionPolicy{Metric: "rmse", Margin: 0.05}
	cases := []struct {
		challenger, champion float64
		want                 bool
	}{{14, 15, true}, {14.5, 15, false}, {15, 15, false}, {16, 15, false}, {-1.1, -1, true}}
	for _, tc := range cases {
		if got := p.Beats(tc.challenger, tc.champion); got != tc.want {
			t.Errorf("Beats(%v, %v) = %v, want %v", tc.challenger, tc.champion, got, tc.want)
		}
	}
}

func TestPromotionRequiresSameData(t *testing.T) {
	ctx := context.Background()
	r := openTest(t)
	register(t, r, "m", "0.9", nil)
	if _, err := r.Register(ctx, NewVersion{Model: "m", Artifact: []byte("0.99"),
		Data: DataFingerprint{SHA256: strings.Repeat("cd", 32)}}); err != nil {
		t.Fatal(err)
	}
	promote(t, r, 1, "")
	req := PromoteRequest{Model: "m", Version: 2, Policy: f1Policy, Evaluate: scoreArtifact, By: "cli", RequireSameData: true}
	d, err := r.Promote(ctx, req)
	if err != nil || d.Promoted || !strings.Contains(d.Explanation, "not comparable") {
		t.Fatalf("different data: %+v, %v", d, err)
	}
	req.OverrideReason = "new data set is the reference from now on"
	if d, err = r.Promote(ctx, req); err != nil || !d.Promoted || !d.Override {
		t.Fatalf("override of different data: %+v, %v", d, err)
	}
}

func TestPromotionConflictWhenProductionChanges(t *testing.T) {
	ctx := context.Background()
	r := openTest(t)
	register(t, r, "m", "0.5", nil)
	register(t, r, "m", "0.6", nil)
	register(t, r, "m", "0.9", nil)
	promote(t, r, 1, "")
	// While v3 is evaluated, someone else puts v2 in Production.
	eval := func(ctx context.Context, v *Version, a []byte) (float64, error) {
		if v.Version == 3 {
			if _, err := r.Transition(ctx, "m", 2, StageProduction, "bob", "hotfix"); err != nil {
				t.Error(err)
			}
		}
		return scoreArtifact(ctx, v, a)
	}
	_, err := r.Promote(ctx, PromoteRequest{Model: "m", Version: 3, Policy: f1Policy, Evaluate: eval, By: "agent"})
	wantCode(t, err, smartmaint.ECONFLICT)
	if stageOf(t, r, 3) != StageNone || stageOf(t, r, 2) != StageProduction {
		t.Fatal("the stale decision was applied")
	}
}

func TestPromotionBadRequests(t *testing.T) {
	ctx := context.Background()
	r := openTest(t)
	register(t, r, "m", "0.5", nil)
	register(t, r, "m", "not a number", nil)
	promote(t, r, 1, "")
	cases := []struct {
		name string
		req  PromoteRequest
		code string
	}{
		{"no metric", PromoteRequest{Model: "m", Version: 2, Evaluate: scoreArtifact, By: "x"}, smartmaint.EINVALID},
		{"negative margin", PromoteRequest{Model: "m", Version: 2, Policy: PromotionPolicy{Metric: "f1", Margin: -1}, Evaluate: scoreArtifact, By: "x"}, smartmaint.EINVALID},
		{"no evaluator", PromoteRequest{Model: "m", Version: 2, Policy: f1Policy, By: "x"}, smartmaint.EINVALID},
		{"nobody", PromoteRequest{Model: "m", Version: 2, Policy: f1Policy, Evaluate: scoreArtifact}, smartmaint.EINVALID},
		{"unknown version", PromoteRequest{Model: "m", Version: 7, Policy: f1Policy, Evaluate: scoreArtifact, By: "x"}, smartmaint.ENOTFOUND},
		{"already production", PromoteRequest{Model: "m", Version: 1, Policy: f1Policy, Evaluate: scoreArtifact, By: "x"}, smartmaint.ECONFLICT},
		{"evaluator fails", PromoteRequest{Model: "m", Version: 2, Policy: f1Policy, Evaluate: scoreArtifact, By: "x"}, smartmaint.EINTERNAL},
		{"missing recorded metric", PromoteRequest{Model: "m", Version: 2, Policy: f1Policy, Evaluate: RecordedMetric("cv_f1"), By: "x"}, smartmaint.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Promote(ctx, tc.req)
			wantCode(t, err, tc.code)
		})
	}
}
