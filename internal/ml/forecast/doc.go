// Package forecast holds the forecasting numerics of smartmaint: additive
// Holt–Winters with an optional damped trend and a given or detected seasonal
// period, naive and seasonal-naive baselines, MAE/RMSE/MASE, an honest
// same-horizon comparison on a rolling origin, and TimeToThreshold, the first
// forecast step at which a limit is crossed.
//
// # Holt–Winters
//
// The model is the additive Holt–Winters method in component form
// (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, §8.3):
//
//	ℓₜ = α(yₜ − sₜ₋ₘ) + (1 − α)(ℓₜ₋₁ + φbₜ₋₁)
//	bₜ = β(ℓₜ − ℓₜ₋₁) + (1 − β)φbₜ₋₁
//	sₜ = γ(yₜ − ℓₜ₋₁ − φbₜ₋₁) + (1 − γ)sₜ₋ₘ
//	ŷₜ₊ₕ|ₜ = ℓₜ + (φ + … + φʰ)bₜ + sₜ₊ₕ₋ₘ₍ₖ₊₁₎,  k = ⌊(h−1)/m⌋
//
// with φ = 1 when the trend is not damped. The code runs the equivalent
// error-correction form of ETS(A,Ad,A): eₜ = yₜ − ŷₜ|ₜ₋₁, ℓₜ = ℓₜ₋₁ + φbₜ₋₁ + αeₜ,
// bₜ = φbₜ₋₁ + αβeₜ, sₜ = sₜ₋ₘ + γeₜ. Without seasonality (period 1) the s
// terms are zero (Holt's linear or damped trend method).
//
// Initial states (a fixed heuristic, not fitted): with K = min(⌊n/m⌋, 4) full
// seasons and Aₖ the mean of season k, b₀ = (A_K − A₁)/((K−1)m),
// ℓ₀ = A₁ − b₀(m+1)/2, and sᵢ = mean over the K seasons of yᵢ − (ℓ₀ + i·b₀),
// centred to sum to zero. Without seasonality ℓ₀ and b₀ are the intercept
// (at t = 0) and slope of a least-squares line through the first min(n, 10)
// values.
//
// Parameters minimise the sum of squared one-step errors over the whole
// series, by gonum's Nelder–Mead from three fixed starting points on a
// logistic reparametrisation that keeps them inside the usual region:
// α, β ∈ [0.0001, 0.9999], γ ∈ [0.0001, 0.9999(1 − α)], φ ∈ [0.8, 0.98]. The
// fit is deterministic.
//
// Prediction intervals are Gaussian with the analytic variance of the
// ETS(A,Ad,A) model (Hyndman et al. 2008, Forecasting with Exponential
// Smoothing, ch. 6): σ²ₕ = σ²[1 + Σⱼ₌₁..ₕ₋₁ cⱼ²] with cⱼ = α + αβ(φ + … + φʲ) +
// γ·[j mod m = 0], and σ² = SSE/(n − p) from the one-step residuals, p being
// the number of fitted smoothing parameters.
//
// Period detection: the autocorrelation function of the least-squares
// detrended series (computed by FFT) is searched for local maxima at lags
// 2 … min(MaxPeriod, n/2); a lag qualifies when its autocorrelation is at
// least MinACF (default 0.3) and rises at least 0.1 above the lowest
// autocorrelation at shorter lags; the qualifying lag with the highest
// autocorrelation is the period. No qualifying lag means no seasonality.
package forecast
