package forecast

import (
	"slices"

	"gonum.org/v1/gonum/dsp/fourier"

	"smartmaint"
)

// Defaults of DetectPeriod.
const (
	DefaultMinACF        = 0.3
	DefaultMinProminence = 0.1
)

// PeriodOptions configures DetectPeriod. Zero fields take the defaults.
type PeriodOptions struct {
	// MaxPeriod is the longest period considered (0 or more than n/2: n/2,
	// so that two full periods fit in the series).
	MaxPeriod int
	// MinACF is the autocorrelation a lag needs to count as a period.
	MinACF float64
	// MinProminence is how far the autocorrelation must rise above its
	// minimum at shorter lags.
	MinProminence float64
}

// PeriodResult is the outcome of DetectPeriod.
type PeriodResult struct {
	// Period is the detected period in steps, 1 when none was found.
	Period int `json:"period"`
	// ACF is the autocorrelation of the detrended series at Period (0 when
	// none was found).
	ACF float64 `json:"acf"`
}

// DetectPeriod finds the dominant seasonal period of y (see the package
// documentation for the rule). A constant or short series has period 1.
func DetectPeriod(y []float64, opts PeriodOptions) (PeriodResult, error) {
	if err := checkSeries("y", y, 1); err != nil {
		return PeriodResult{}, err
	}
	if opts.MinACF == 0 {
		opts.MinACF = DefaultMinACF
	}
	if opts.MinProminence == 0 {
		opts.MinProminence = DefaultMinProminence
	}
	if opts.MaxPeriod < 0 {
		return PeriodResult{}, smartmaint.FieldErrorf("max_period", "must not be negative, got %d", opts.MaxPeriod)
	}
	maxLag := len(y) / 2
	if opts.MaxPeriod > 0 {
		maxLag = min(maxLag, opts.MaxPeriod)
	}
	res := PeriodResult{Period: 1}
	if maxLag < 2 || constant(y) {
		return res, nil
	}
	a, b := lineFit(y)
	detrended := make([]float64, len(y))
	for i, v := range y {
		detrended[i] = v - (a + b*float64(i+1))
	}
	r := autocorrelation(detrended, maxLag+1)
	if r == nil {
		return res, nil
	}
	lowest := r[1]
	for k := 2; k <= maxLag; k++ {
		lowest = min(lowest, r[k-1])
		next := r[k]
		if k+1 < len(r) {
			next = r[k+1]
		}
		peak := r[k] > r[k-1] && r[k] >= next
		if peak && r[k] >= opts.MinACF && r[k]-lowest >= opts.MinProminence && r[k] > res.ACF {
			res = PeriodResult{Period: k, ACF: r[k]}
		}
	}
	return res, nil
}

// ACF returns the sample autocorrelations r₀…r_maxLag of y (r₀ = 1),
// rₖ = Σₜ (yₜ − ȳ)(yₜ₊ₖ − ȳ) / Σₜ (yₜ − ȳ)², as R's acf. A constant series
// is an error (its autocorrelation is undefined).
func ACF(y []float64, maxLag int) ([]float64, error) {
	if err := checkSeries("y", y, 2); err != nil {
		return nil, err
	}
	if maxLag < 0 || maxLag >= len(y) {
		return nil, smartmaint.FieldErrorf("max_lag", "must be in [0, %d], got %d", len(y)-1, maxLag)
	}
	if constant(y) {
		return nil, smartmaint.FieldErrorf("y", "series is constant")
	}
	m := meanOf(y)
	c := make([]float64, len(y))
	for i, v := range y {
		c[i] = v - m
	}
	r := autocorrelation(c, maxLag+1)
	if r == nil {
		return nil, smartmaint.FieldErrorf("y", "series is constant")
	}
	return r, nil
}

// autocorrelation returns r₀…r_{lags−1} of x, which must already be centred,
// by FFT with zero padding; nil when x has zero variance.
func autocorrelation(x []float64, lags int) []float64 {
	n := len(x)
	size := 1
	for size < 2*n {
		size *= 2
	}
	fft := fourier.NewFFT(size)
	seq := make([]float64, size)
	copy(seq, x)
	coeff := fft.Coefficients(nil, seq)
	for i, c := range coeff {
		coeff[i] = complex(real(c)*real(c)+imag(c)*imag(c), 0)
	}
	acov := fft.Sequence(nil, coeff)
	if !(acov[0] > 0) {
		return nil
	}
	out := make([]float64, lags)
	for k := range out {
		out[k] = acov[k] / acov[0]
	}
	return out
}

// constant reports whether all values of y are equal.
func constant(y []float64) bool {
	return slices.Min(y) == slices.Max(y)
}
