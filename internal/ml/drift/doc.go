// Package drift holds the data-drift tests of smartmaint: the two-sample
// Kolmogorov–Smirnov test with exact and asymptotic p-values, the Population
// Stability Index on reference-quantile bins, the Wasserstein-1 distance, and
// the streaming detectors ADWIN and Page–Hinkley with the defaults of the
// river library. Check combines the batch tests into the report behind the
// platform's /ml/check_drift endpoint.
//
// Everything here is a pure function or a self-contained value: no I/O, no
// clocks, no randomness. Non-finite input (NaN, ±Inf) is rejected with an
// EINVALID *smartmaint.Error that names the sample and the position.
//
// # Kolmogorov–Smirnov p-values
//
// The statistic is evaluated on the pooled, sorted sample at every distinct
// value, so tied values are handled exactly as the empirical distribution
// functions define them (the same D as scipy.stats.ks_2samp and gonum's
// stat.KolmogorovSmirnov).
//
// Exact p-values are the permutation probability P(D ≥ d_obs) when the n+m
// pooled values are split into the two samples uniformly at random. They are
// computed by a lattice-path recursion over the pooled sorted sample that
// carries the probability of the paths that have not yet reached the observed
// distance; the mass that reaches it is summed directly, so small p-values
// keep their relative precision. The distance is only checked at the end of a
// block of tied values, which makes the p-value exact conditionally on the
// observed tie pattern; without ties it is the classical exact distribution of
// the two-sample statistic (Gnedenko–Korolyuk for n = m). Distances are
// compared as integers (i·m − j·n), never as floats.
//
// Asymptotic p-values use the Kolmogorov limiting distribution
// Q(λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²) at λ = (√e + 0.12 + 0.11/√e)·D with
// e = nm/(n+m) (Stephens' small-sample correction, as in Numerical Recipes),
// and, for one-sided alternatives, scipy's formula after Hodges (1958, eq. 5.3):
// p = exp(−2z² − 2z(m+2n)/(3√(mn(m+n)))) with z = √e·D and m ≥ n. Ties are
// ignored there (the test is then conservative). Because the exact statistic
// lives on a lattice, the asymptotic p-value is off by up to 0.027 at
// n = m = 100, 0.0075 at 1,000 and 0.0023 at 10,000 (two-sided; about twice
// that one-sided). MethodAuto therefore takes the exact route whenever
// n·m ≤ KSOptions.ExactMaxProduct (default 100,000,000, i.e. 10,000 × 10,000,
// like scipy's bound of 10,000 per sample) and the asymptotic one above. The
// exact recursion costs O((n+m)·w) where w is the width of the live band
// (about 10 ms for 10,000 × 10,000 under the null, 110 ms when D ≈ 0.2).
// Lattice points whose probability falls below 1e-280 are dropped, so
// p-values under about 1e-270 are not resolved.
package drift
