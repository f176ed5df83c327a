package drift

import (
	"fmt"
	"slices"

	"smartmaint"
)

// Defaults of Check, as in the original /ml/check_drift.
const (
	DefaultPValueThreshold = 0.05
	DefaultMinSamples      = 30
)

// CheckOptions configures Check. Zero fields take the defaults.
type CheckOptions struct {
	// PValueThreshold: drift is reported when the KS p-value is below it.
	PValueThreshold float64
	// MinSamples: below this many values in either sample the report is
	// flagged InsufficientData and no drift is reported.
	MinSamples int
	// KS, PSI: options of the individual tests (the KS alternative is
	// always two-sided here).
	KS  KSOptions
	PSI PSIOptions
}

func (o CheckOptions) withDefaults() (CheckOptions, error) {
	if o.PValueThreshold == 0 {
		o.PValueThreshold = DefaultPValueThreshold
	}
	if o.MinSamples == 0 {
		o.MinSamples = DefaultMinSamples
	}
	if !(o.PValueThreshold > 0 && o.PValueThreshold < 1) {
		return o, smartmaint.FieldErrorf("p_value_threshold", "must be in (0, 1), got %g", o.PValueThreshold)
	}
	if o.MinSamples < 1 {
		return o, smartmaint.FieldErrorf("min_samples", "must be at least 1, got %d", o.MinSamples)
	}
	o.KS.Alternative = TwoSided
	return o, nil
}

// Report is the outcome of Check; its JSON names follow the original
// DriftCheckResponse where they exist.
type Report struct {
	BaselineCount int `json:"baseline_count"`
	RecentCount   int `json:"recent_count"`
	// KSStatistic and PValue: two-sided Kolmogorov–Smirnov test;
	// KSMethod is "exact" or "asymptotic".
	KSStatistic float64 `json:"ks_statistic"`
	PValue      float64 `json:"p_value"`
	KSMethod    string  `json:"ks_method"`
	// PSI of recent against baseline-quantile bins.
	PSI float64 `json:"psi"`
	// Wasserstein is the Wasserstein-1 distance, in the unit of the data.
	Wasserstein float64 `json:"wasserstein"`
	// MeanShift is mean(recent) − mean(baseline).
	MeanShift       float64 `json:"mean_shift"`
	PValueThreshold float64 `json:"p_value_threshold"`
	MinSamples      int     `json:"min_samples"`
	// DriftDetected is PValue < PValueThreshold with enough data.
	DriftDetected bool `json:"drift_detected"`
	// InsufficientData: a sample has fewer than MinSamples values. The
	// statistics are still computed when both samples are non-empty, for
	// information, but DriftDetected is false.
	InsufficientData bool     `json:"insufficient_data"`
	Notes            []string `json:"notes,omitempty"`
}

// Check compares a recent sample with a baseline sample: two-sided KS test,
// PSI and Wasserstein-1, with the drift decision on the KS p-value. Empty
// samples give an InsufficientData report; non-finite values are an error.
func Check(baseline, recent []float64, opts CheckOptions) (Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Report{}, err
	}
	if err := checkFinite("baseline", baseline); err != nil {
		return Report{}, err
	}
	if err := checkFinite("recent", recent); err != nil {
		return Report{}, err
	}
	r := Report{BaselineCount: len(baseline), RecentCount: len(recent),
		PValueThreshold: o.PValueThreshold, MinSamples: o.MinSamples, PValue: 1}
	if len(baseline) < o.MinSamples || len(recent) < o.MinSamples {
		r.InsufficientData = true
		r.Notes = append(r.Notes, fmt.Sprintf("insufficient samples: baseline=%d, recent=%d, required=%d",
			len(baseline), len(recent), o.MinSamples))
	}
	if len(baseline) == 0 || len(recent) == 0 {
		return r, nil
	}
	if err := r.fill(baseline, recent, o); err != nil {
		return Report{}, err
	}
	r.DriftDetected = !r.InsufficientData && r.PValue < o.PValueThreshold
	r.Notes = append(r.Notes, constantNotes(baseline, recent)...)
	return r, nil
}

// fill computes the statistics of a report.
func (r *Report) fill(baseline, recent []float64, o CheckOptions) error {
	ks, err := KS2Samp(baseline, recent, o.KS)
	if err != nil {
		return err
	}
	psi, err := PSI(baseline, recent, o.PSI)
	if err != nil {
		return err
	}
	w, err := Wasserstein1(baseline, recent)
	if err != nil {
		return err
	}
	r.KSStatistic, r.PValue, r.KSMethod = ks.Statistic, ks.PValue, ks.MethodName
	r.PSI, r.Wasserstein = psi.PSI, w
	r.MeanShift = mean(recent) - mean(baseline)
	return nil
}

func constantNotes(baseline, recent []float64) []string {
	var notes []string
	for _, s := range []struct {
		name string
		xs   []float64
	}{{"baseline", baseline}, {"recent", recent}} {
		if slices.Min(s.xs) == slices.Max(s.xs) {
			notes = append(notes, fmt.Sprintf("%s sample is constant (%g)", s.name, s.xs[0]))
		}
	}
	return notes
}

// mean is the running mean, which cannot overflow for finite input.
func mean(xs []float64) float64 {
	var m float64
	for i, x := range xs {
		m += (x - m) / float64(i+1)
	}
	return m
}
