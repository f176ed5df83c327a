package registry

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"smartmaint"
)

// Evaluator scores a version on held-out data. The registry does not know
// model types: the caller decodes the artifact and scores it. Champion and
// challenger are scored by the same Evaluator, so on the same data.
type Evaluator func(ctx context.Context, v *Version, artifact []byte) (float64, error)

// RecordedMetric is an Evaluator that returns the metric a version recorded
// at training time (for example "cv_f1"), for gates that compare versions
// trained and cross-validated on the same data under the same protocol. It
// fails when the version has no such metric.
func RecordedMetric(name string) Evaluator {
	return func(_ context.Context, v *Version, _ []byte) (float64, error) {
		x, ok := v.Metrics[name]
		if !ok {
			return 0, smartmaint.Errorf(smartmaint.EINVALID, "model %q version %d recorded no metric %q", v.Model, v.Version, name)
		}
		return x, nil
	}
}

// PromoteRequest asks the gate to move a challenger version into Production.
type PromoteRequest struct {
	Model   string
	Version int // the challenger
	Policy  PromotionPolicy
	// Evaluate scores champion and challenger; it may be nil only with an
	// override.
	Evaluate Evaluator
	// By is who asks (a person or an agent); required.
	By string
	// Reason is why the promotion is asked for; recorded.
	Reason string
	// OverrideReason, when not empty, promotes the challenger even if the
	// gate refuses; the override and its reason are recorded.
	OverrideReason string
	// RequireSameData refuses the comparison when champion and challenger
	// were trained on data with different fingerprints (or one has none).
	RequireSameData bool
}

// PromoteDecision is the gate's record: both scores, the verdict and whether
// the challenger was promoted. It is stored on the challenger (Version.Gates)
// whatever the outcome.
type PromoteDecision struct {
	Model           string    `json:"model"`
	Challenger      int       `json:"challenger"`
	Champion        int       `json:"champion,omitempty"` // 0: no Production version
	Metric          string    `json:"metric"`
	HigherIsBetter  bool      `json:"higher_is_better"`
	Margin          float64   `json:"margin"`
	ChallengerScore *float64  `json:"challenger_score,omitempty"`
	ChampionScore   *float64  `json:"champion_score,omitempty"`
	Passed          bool      `json:"passed"`   // the gate's own verdict
	Promoted        bool      `json:"promoted"` // passed, or overridden
	Override        bool      `json:"override"`
	OverrideReason  string    `json:"override_reason,omitempty"`
	Explanation     string    `json:"explanation"`
	By              string    `json:"by"`
	At              time.Time `json:"at"`
}

// Beats reports whether challenger beats champion by the policy's relative
// margin: strictly above champion + margin·|champion| when higher is better,
// strictly below champion − margin·|champion| otherwise.
func (p PromotionPolicy) Beats(challenger, champion float64) bool {
	need := p.Margin * math.Abs(champion)
	if p.HigherIsBetter {
		return challenger > champion+need
	}
	return challenger < champion-need
}

func (p PromotionPolicy) validate() error {
	if strings.TrimSpace(p.Metric) == "" {
		return smartmaint.FieldErrorf("policy.metric", "required: the metric compared")
	}
	if math.IsNaN(p.Margin) || math.IsInf(p.Margin, 0) || p.Margin < 0 {
		return smartmaint.FieldErrorf("policy.margin", "%v: want a finite relative margin ≥ 0 (0.01 = 1 %%)", p.Margin)
	}
	return nil
}

func (req *PromoteRequest) validate() error {
	if err := ValidateModelName(req.Model); err != nil {
		return err
	}
	if req.Version < 1 {
		return smartmaint.FieldErrorf("version", "%d: want the challenger's version number", req.Version)
	}
	if strings.TrimSpace(req.By) == "" {
		return smartmaint.FieldErrorf("by", "required: who asks for the promotion")
	}
	if err := req.Policy.validate(); err != nil {
		return err
	}
	if req.Evaluate == nil && req.OverrideReason == "" {
		return smartmaint.FieldErrorf("evaluate", "required unless the promotion is overridden with a reason")
	}
	return nil
}

// Promote runs the promotion gate. The challenger replaces the Production
// version (the champion, then Archived) only if it beats it on req.Evaluate by
// the policy's margin; with no champion it is promoted. A non-empty
// OverrideReason promotes it anyway. Both scores and the outcome are recorded
// on the challenger; a refusal is a decision, not an error. Errors are for bad
// requests, unknown versions, evaluator failures, refused artifacts, and a
// Production version that changed during the evaluation (ECONFLICT).
func (r *Registry) Promote(ctx context.Context, req PromoteRequest) (*PromoteDecision, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	vs, err := r.listVersions(ctx, req.Model)
	if err != nil {
		return nil, err
	}
	chal := findVersion(vs, req.Version)
	if chal == nil {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q has no version %d", req.Model, req.Version)
	}
	if chal.Stage == StageProduction {
		return nil, smartmaint.Errorf(smartmaint.ECONFLICT, "model %q version %d is already in Production", req.Model, req.Version)
	}
	champ := newestIn(vs, StageProduction)
	d := &PromoteDecision{Model: req.Model, Challenger: req.Version, Metric: req.Policy.Metric,
		HigherIsBetter: req.Policy.HigherIsBetter, Margin: req.Policy.Margin, By: req.By, At: r.now()}
	if champ != nil {
		d.Champion = champ.Version
	}
	if err := r.judge(ctx, &req, chal, champ, d); err != nil {
		return nil, err
	}
	if req.OverrideReason != "" && !d.Passed {
		d.Override, d.OverrideReason = true, req.OverrideReason
	}
	d.Promoted = d.Passed || d.Override
	if !d.Promoted {
		return d, r.recordDecision(ctx, d)
	}
	if _, err := r.transition(ctx, req.Model, req.Version, StageProduction, req.By, transitionReason(&req, d), d); err != nil {
		return nil, err
	}
	return d, nil
}

// judge scores both versions (when it can) and sets Passed and Explanation.
func (r *Registry) judge(ctx context.Context, req *PromoteRequest, chal, champ *Version, d *PromoteDecision) error {
	if champ != nil && req.RequireSameData && !sameData(chal.Data, champ.Data) {
		d.Explanation = fmt.Sprintf("not comparable: version %d was trained on data %s, champion version %d on %s",
			chal.Version, shortHash(chal.Data.SHA256), champ.Version, shortHash(champ.Data.SHA256))
		return nil
	}
	if req.Evaluate == nil { // an override without an evaluator
		d.Explanation = "not evaluated"
		return nil
	}
	cs, err := r.score(ctx, req.Evaluate, chal)
	if err != nil {
		return err
	}
	d.ChallengerScore = &cs
	if champ == nil {
		d.Passed = true
		d.Explanation = fmt.Sprintf("no Production version: promoted with %s %.6g", d.Metric, cs)
		return nil
	}
	ps, err := r.score(ctx, req.Evaluate, champ)
	if err != nil {
		return err
	}
	d.ChampionScore = &ps
	d.Passed = req.Policy.Beats(cs, ps)
	verb := "does not beat"
	if d.Passed {
		verb = "beats"
	}
	d.Explanation = fmt.Sprintf("%s %.6g %s champion version %d (%.6g) by the %.4g %% margin",
		d.Metric, cs, verb, champ.Version, ps, 100*req.Policy.Margin)
	return nil
}

// score loads (and verifies) the version's artifact and evaluates it.
func (r *Registry) score(ctx context.Context, eval Evaluator, v *Version) (float64, error) {
	data, err := r.loadArtifact(ctx, v)
	if err != nil {
		return 0, err
	}
	s, err := eval(ctx, v, data)
	if err != nil {
		return 0, fmt.Errorf("registry: evaluate version %d: %w", v.Version, err)
	}
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return 0, smartmaint.Errorf(smartmaint.EINVALID, "model %q version %d: the evaluator returned %v, not a finite score", v.Model, v.Version, s)
	}
	return s, nil
}

func sameData(a, b DataFingerprint) bool {
	return a.SHA256 != "" && a.SHA256 == b.SHA256
}

func shortHash(h string) string {
	if h == "" {
		return "(no fingerprint)"
	}
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func transitionReason(req *PromoteRequest, d *PromoteDecision) string {
	s := "promotion gate: " + d.Explanation
	if d.Override {
		s = "override: " + req.OverrideReason + " (" + s + ")"
	}
	if req.Reason != "" {
		s += "; " + req.Reason
	}
	return s
}

// recordDecision stores a refused decision on the challenger.
func (r *Registry) recordDecision(ctx context.Context, d *PromoteDecision) error {
	return r.update(ctx, d.Model, func(vs []*Version) ([]*Version, error) {
		v := findVersion(vs, d.Challenger)
		if v == nil {
			return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "model %q has no version %d", d.Model, d.Challenger)
		}
		v.Gates = append(v.Gates, *d)
		return []*Version{v}, nil
	})
}
