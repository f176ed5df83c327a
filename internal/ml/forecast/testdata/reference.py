#!/usr/bin/env python3
"""Independent reference values for smartmaint's internal/ml/forecast tests.

Pure Python 3 standard library, written separately from the Go code (the Go
code runs the error-correction form of the recursions with a ring of seasonal
terms; this script runs the textbook component form and gets the forecast
variances from the state-space matrices). Run from this directory:

    python3 reference.py

It rewrites holtwinters_reference.json, acf_reference.json and
metrics_reference.json. See README.md.
"""
import json
import math
import random
from statistics import NormalDist


def series():
    rng = random.Random(3)
    a = [round(20 + 0.3 * t + 5 * math.sin(2 * math.pi * t / 12) + 2 * math.cos(4 * math.pi * t / 12)
               + rng.gauss(0, 1), 6) for t in range(1, 97)]
    rng = random.Random(4)
    b, level = [], 50.0
    for _ in range(60):
        level += 0.4 + rng.gauss(0, 1.5)
        b.append(round(level, 6))
    rng = random.Random(5)
    week = [3, 1, 0, -1, -2, 4, -5]
    c = [round(100 - 0.2 * t + week[t % 7] + rng.gauss(0, 0.7), 6) for t in range(40)]
    return {"A": a, "B": b, "C": c}


def initial_state(y, m):
    """The initialisation documented in the Go package comment."""
    if m <= 1:
        k = min(len(y), 10)
        ts = list(range(1, k + 1))
        tm = sum(ts) / k
        ym = sum(y[:k]) / k
        sxy = sum((t - tm) * (v - ym) for t, v in zip(ts, y[:k]))
        sxx = sum((t - tm) ** 2 for t in ts)
        slope = sxy / sxx
        return ym - slope * tm, slope, []
    seasons = min(len(y) // m, 4)
    means = [sum(y[k * m:(k + 1) * m]) / m for k in range(seasons)]
    b0 = (means[-1] - means[0]) / ((seasons - 1) * m)
    l0 = means[0] - b0 * (m + 1) / 2
    s = []
    for i in range(1, m + 1):
        s.append(sum(y[k * m + i - 1] - (l0 + (k * m + i) * b0) for k in range(seasons)) / seasons)
    c = sum(s) / m
    return l0, b0, [v - c for v in s]


def run(y, m, alpha, beta, gamma, phi):
    """Component-form Holt-Winters (FPP section 8.3). s[0] is s_{t-m}."""
    l, b, s = initial_state(y, m)
    init = {"level": l, "slope": b, "season": list(s)}
    fitted, sse = [], 0.0
    for v in y:
        sp = s[0] if m > 1 else 0.0
        f = l + phi * b + sp
        fitted.append(f)
        sse += (v - f) ** 2
        l_new = alpha * (v - sp) + (1 - alpha) * (l + phi * b)
        b_new = beta * (l_new - l) + (1 - beta) * phi * b
        if m > 1:
            s_new = gamma * (v - l - phi * b) + (1 - gamma) * sp
            s = s[1:] + [s_new]
        l, b = l_new, b_new
    return init, fitted, sse, {"level": l, "slope": b, "season": s}


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def psi_weights(m, alpha, beta, gamma, phi, h):
    """c_j = w' F^(j-1) g for the ETS(A,Ad,A) state (l, b, s_t, ..., s_{t-m+1})."""
    d = 2 + (m if m > 1 else 0)
    w = [1.0, phi] + ([0.0] * (m - 1) + [1.0] if m > 1 else [])
    F = [[0.0] * d for _ in range(d)]
    F[0][0], F[0][1], F[1][1] = 1.0, phi, phi
    if m > 1:
        F[2][d - 1] = 1.0
        for r in range(3, d):
            F[r][r - 1] = 1.0
    g = [alpha, alpha * beta] + ([gamma] + [0.0] * (m - 1) if m > 1 else [])
    col = [[v] for v in g]
    out = []
    for _ in range(1, h):
        out.append(sum(wi * ci[0] for wi, ci in zip(w, col)))
        col = matmul(F, col)
    return out


def holtwinters_reference():
    ys = series()
    specs = [("A", 12, False, 0.35, 0.1, 0.2, 1.0), ("A", 12, True, 0.2, 0.05, 0.3, 0.9),
             ("B", 1, False, 0.5, 0.2, 0.0, 1.0), ("B", 1, True, 0.6, 0.3, 0.0, 0.85),
             ("C", 7, True, 0.1, 0.4, 0.5, 0.95)]
    cases = []
    for name, m, damped, alpha, beta, gamma, phi in specs:
        y = ys[name]
        init, fitted, sse, final = run(y, m, alpha, beta, gamma, phi)
        h = 2 * max(m, 1) + 5
        points, phisum = [], 0.0
        for k in range(1, h + 1):
            phisum += phi ** k
            points.append(final["level"] + phisum * final["slope"] + (final["season"][(k - 1) % m] if m > 1 else 0))
        p = 2 + (1 if m > 1 else 0) + (1 if damped else 0)
        sigma2 = sse / (len(y) - p)
        c = psi_weights(m, alpha, beta, gamma, phi, h)
        sd = [math.sqrt(sigma2 * (1 + sum(cj * cj for cj in c[:k]))) for k in range(h)]
        bounds = {}
        for level in (0.8, 0.95):
            z = NormalDist().inv_cdf(0.5 + level / 2)
            bounds[str(level)] = {"lower": [pt - z * s for pt, s in zip(points, sd)],
                                  "upper": [pt + z * s for pt, s in zip(points, sd)]}
        cases.append({"series": name, "y": y, "period": m, "damped": damped,
                      "params": {"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi},
                      "initial": init, "fitted": fitted, "sse": sse, "final": final,
                      "sigma2": sigma2, "points": points, "sd": sd, "bounds": bounds})
    return cases


def acf_reference():
    y = series()["A"]
    n = len(y)
    mu = sum(y) / n
    c0 = sum((v - mu) ** 2 for v in y)
    return {"y": y, "acf": [sum((y[t] - mu) * (y[t + k] - mu) for t in range(n - k)) / c0 for k in range(31)]}


def metrics_reference():
    train = [5, 7, 6, 9, 8, 10, 12, 11, 13, 12, 15, 14]
    actual = [16, 15, 17, 18]
    pred = [15.5, 16, 16.5, 19]
    mae = sum(abs(a - p) for a, p in zip(actual, pred)) / len(actual)
    rmse = math.sqrt(sum((a - p) ** 2 for a, p in zip(actual, pred)) / len(actual))
    out = {"train": train, "actual": actual, "pred": pred, "mae": mae, "rmse": rmse, "mase": {}}
    for m in (1, 2, 4):
        scale = sum(abs(train[t] - train[t - m]) for t in range(m, len(train))) / (len(train) - m)
        out["mase"][str(m)] = mae / scale
    return out


def dump(name, obj):
    with open(name, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    dump("holtwinters_reference.json", holtwinters_reference())
    dump("acf_reference.json", acf_reference())
    dump("metrics_reference.json", metrics_reference())
