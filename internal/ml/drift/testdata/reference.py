#!/usr/bin/env python3
"""Independent reference values for smartmaint's internal/ml/drift tests.

Pure Python 3 standard library (no numpy/scipy), written separately from the
Go code. Run from this directory:

    python3 reference.py

It rewrites ks_reference.json, kolmogorov_reference.json, psi_reference.json,
wasserstein_reference.json and streams_reference.json. See README.md.
"""
import bisect
import itertools
import json
import math
import random
from fractions import Fraction


def ecdf_extremes(x, y):
    """max(F-G) and max(G-F) over the pooled values, as exact Fractions."""
    n, m = len(x), len(y)
    pos = neg = Fraction(0)
    for v in sorted(set(x) | set(y)):
        f = Fraction(sum(1 for a in x if a <= v), n)
        g = Fraction(sum(1 for b in y if b <= v), m)
        pos = max(pos, f - g)
        neg = max(neg, g - f)
    return pos, neg


def stat(x, y, alt):
    pos, neg = ecdf_extremes(x, y)
    return {"two-sided": max(pos, neg), "greater": pos, "less": neg}[alt]


def enumerate_pvalue(x, y, alt):
    """Exact permutation p-value: every way to pick len(x) of the pooled
    values as the first sample, counted with Fractions."""
    pooled = list(x) + list(y)
    n = len(x)
    d_obs = stat(x, y, alt)
    hits = total = 0
    for idx in itertools.combinations(range(len(pooled)), n):
        chosen = set(idx)
        a = [pooled[i] for i in idx]
        b = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        if stat(a, b, alt) >= d_obs:
            hits += 1
    return d_obs, Fraction(hits, total)


def count_paths_pvalue(n, m, h, alt):
    """Exact p-value for samples without ties by counting lattice paths from
    (0,0) to (n,m) with Python integers (Hodges 1958): p = 1 - inside/C(n+m,n),
    where a path is inside while i*m - j*n stays below h (in the tested
    direction)."""
    def inside(i, j):
        d = i * m - j * n
        if alt == "greater":
            return d < h
        if alt == "less":
            return -d < h
        return abs(d) < h
    row = [0] * (m + 1)
    for i in range(n + 1):
        new = [0] * (m + 1)
        for j in range(m + 1):
            if not inside(i, j):
                continue
            if i == 0 and j == 0:
                new[j] = 1
                continue
            new[j] = (row[j] if i > 0 else 0) + (new[j - 1] if j > 0 else 0)
        row = new
    return 1 - Fraction(row[m], math.comb(n + m, n))


def gnedenko_korolyuk(n, k, alt):
    """Closed form for equal sizes n=m: P(D >= k/n)."""
    total = math.comb(2 * n, n)
    if alt != "two-sided":
        return Fraction(math.comb(2 * n, n - k), total)
    s = 0
    j = 1
    while n - j * k >= 0:
        s += (-1) ** (j + 1) * math.comb(2 * n, n - j * k)
        j += 1
    return Fraction(2 * s, total)


def ks_cases():
    rng = random.Random(20240611)
    cases = []
    fixed = [
        ("shifted_5_6", [0.1, 0.4, 0.7, 1.2, 1.9], [0.8, 1.5, 1.6, 2.2, 2.7, 3.1]),
        ("interleaved_6_6", [1, 3, 5, 7, 9, 11], [2, 4, 6, 8, 10, 12]),
        ("separated_4_7", [1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11]),
        ("ties_7_6", [1, 1, 2, 2, 3, 5, 5], [2, 2, 3, 4, 4, 5]),
        ("heavy_ties_8_8", [0, 0, 0, 1, 1, 1, 2, 2], [0, 1, 1, 2, 2, 2, 2, 2]),
        ("constant_equal_5_5", [3, 3, 3, 3, 3], [3, 3, 3, 3, 3]),
        ("constant_differ_4_5", [1, 1, 1, 1], [2, 2, 2, 2, 2]),
        ("single_1_9", [0.5], [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0]),
    ]
    for i in range(6):
        n, m = rng.randint(3, 9), rng.randint(3, 9)
        x = [round(rng.gauss(0, 1), 6) for _ in range(n)]
        y = [round(rng.gauss(0.7 * (i % 3), 1), 6) for _ in range(m)]
        fixed.append((f"gauss_{i}_{n}_{m}", x, y))
    for i in range(3):
        n, m = rng.randint(4, 9), rng.randint(4, 9)
        x = [rng.randint(0, 3) for _ in range(n)]
        y = [rng.randint(1, 4) for _ in range(m)]
        fixed.append((f"discrete_{i}_{n}_{m}", x, y))
    for name, x, y in fixed:
        for alt in ("two-sided", "less", "greater"):
            d, p = enumerate_pvalue(x, y, alt)
            cases.append({"name": name, "x": x, "y": y, "alternative": alt,
                          "statistic": float(d), "p_value": float(p),
                          "how": "enumeration of all C(n+m,n) splits"})
    lattice = []
    for n, m, k in [(10, 10, 3), (10, 10, 7), (50, 50, 10), (100, 100, 20), (100, 100, 40),
                    (500, 500, 60), (500, 500, 150)]:
        for alt in ("two-sided", "greater"):
            lattice.append({"n": n, "m": m, "h": k * n, "alternative": alt,
                            "p_value": float(gnedenko_korolyuk(n, k, alt)),
                            "how": "Gnedenko-Korolyuk closed form, n=m"})
    for n, m, h in [(7, 13, 40), (20, 35, 300), (37, 53, 700), (60, 90, 1800), (120, 31, 1500)]:
        for alt in ("two-sided", "greater", "less"):
            lattice.append({"n": n, "m": m, "h": h, "alternative": alt,
                            "p_value": float(count_paths_pvalue(n, m, h, alt)),
                            "how": "lattice path counting with big integers"})
    return {"samples": cases, "lattice": lattice}


def kolmogorov_sf(lam):
    """Q(lambda) = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2), summed with fsum
    over 400 terms (the alternating form only; Go switches series)."""
    return 2 * math.fsum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 401))


def kolmogorov_reference():
    series = [{"lambda": lam, "sf": kolmogorov_sf(lam)}
              for lam in (0.4, 0.5, 0.6, 0.8, 1.0, 1.1, 1.17, 1.19, 1.224, 1.358, 1.5, 1.628, 2.0, 2.5, 3.0)]
    # Published critical values of the Kolmogorov distribution (Smirnov 1948;
    # the tables reproduced in Conover, Practical Nonparametric Statistics):
    # P(K > lambda) = alpha.
    table = [{"lambda": 1.2239, "sf": 0.10}, {"lambda": 1.3581, "sf": 0.05},
             {"lambda": 1.4802, "sf": 0.025}, {"lambda": 1.6276, "sf": 0.01},
             {"lambda": 1.9495, "sf": 0.001}]
    return {"series": series, "published": table}


def quantile7(sorted_xs, p):
    """Hyndman-Fan type 7 (numpy's default) by its definition."""
    h = (len(sorted_xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (h - lo) * (sorted_xs[hi] - sorted_xs[lo])


def psi(ref, cur, bins, eps):
    s = sorted(ref)
    # statistics.quantiles(method="inclusive") is also type 7; we use it and
    # check it against the definition above.
    import statistics
    edges = statistics.quantiles(ref, n=bins, method="inclusive")
    assert all(abs(a - quantile7(s, (i + 1) / bins)) < 1e-9 for i, a in enumerate(edges))
    uniq = []
    for e in edges:
        if not uniq or e > uniq[-1]:
            uniq.append(e)
    def props(xs):
        c = [0] * (len(uniq) + 1)
        for v in xs:
            c[bisect.bisect_left(uniq, v)] += 1  # bins are (e_{k-1}, e_k]
        return [max(k / len(xs), eps) for k in c]
    p, q = props(ref), props(cur)
    return math.fsum((b - a) * math.log(b / a) for a, b in zip(p, q)), uniq, p, q


def psi_reference():
    rng = random.Random(7)
    out = []
    specs = [("same_dist", 0.0, 1.0, 10), ("shift_0.5", 0.5, 1.0, 10), ("scale_2", 0.0, 2.0, 10),
             ("shift_1_bins5", 1.0, 1.0, 5), ("far_shift_empty_bins", 6.0, 1.0, 10)]
    for name, mu, sd, bins in specs:
        ref = [round(rng.gauss(0, 1), 6) for _ in range(400)]
        cur = [round(rng.gauss(mu, sd), 6) for _ in range(300)]
        v, edges, p, q = psi(ref, cur, bins, 1e-4)
        out.append({"name": name, "reference": ref, "current": cur, "bins": bins, "epsilon": 1e-4,
                    "psi": v, "edges": edges, "expected": p, "actual": q})
    ref = [1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, 8, 9]
    cur = [1, 2, 2, 3, 5, 5, 6, 6, 6, 7, 9, 9, 9]
    v, edges, p, q = psi(ref, cur, 10, 1e-4)
    out.append({"name": "ties_dedup_edges", "reference": ref, "current": cur, "bins": 10, "epsilon": 1e-4,
                "psi": v, "edges": edges, "expected": p, "actual": q})
    return out


def wasserstein_quantile(x, y):
    """W1 = integral over u in (0,1) of |Finv(u) - Ginv(u)|, exact for step
    quantile functions: split (0,1) at every i/n and j/m."""
    xs, ys = sorted(x), sorted(y)
    n, m = len(xs), len(ys)
    cuts = sorted(set([Fraction(i, n) for i in range(n + 1)] + [Fraction(j, m) for j in range(m + 1)]))
    total = []
    for a, b in zip(cuts, cuts[1:]):
        mid = (a + b) / 2
        qx = xs[math.ceil(mid * n) - 1]
        qy = ys[math.ceil(mid * m) - 1]
        total.append(float(b - a) * abs(qx - qy))
    return math.fsum(total)


def wasserstein_reference():
    rng = random.Random(11)
    cases = [
        # Printed in the scipy.stats.wasserstein_distance documentation.
        {"name": "scipy_doc_example", "x": [0, 1, 3], "y": [5, 6, 8], "published": 5.0},
        {"name": "identical", "x": [1, 2, 3], "y": [3, 2, 1]},
        {"name": "unequal_sizes", "x": [0, 0.5, 2, 7], "y": [1, 1, 4]},
        {"name": "ties", "x": [1, 1, 1, 2, 2, 5], "y": [1, 2, 2, 2, 9]},
    ]
    for i in range(3):
        n, m = rng.randint(20, 60), rng.randint(20, 60)
        cases.append({"name": f"gauss_{i}", "x": [round(rng.gauss(0, 1), 6) for _ in range(n)],
                      "y": [round(rng.gauss(i * 0.5, 1 + i), 6) for _ in range(m)]})
    for c in cases:
        c["distance"] = wasserstein_quantile(c["x"], c["y"])
    return cases


def page_hinkley(stream, mode, min_instances=30, delta=0.005, threshold=50.0, alpha=1 - 0.0001):
    """Transcription of river.drift.PageHinkley (river 0.21+ source, with
    modes), returning the indices where drift_detected is True."""
    detected = []
    reset = True
    for i, x in enumerate(stream):
        if reset:
            n, mean = 0, 0.0
            s_inc = s_dec = 0.0
            min_inc, max_dec = float("inf"), -1.0
            reset = False
        n += 1
        mean += (x - mean) / n
        dev = x - mean
        s_inc = alpha * s_inc + dev - delta
        s_dec = alpha * s_dec + dev + delta
        min_inc = min(min_inc, s_inc)
        max_dec = max(max_dec, s_dec)
        hit = False
        if n >= min_instances:
            up, down = s_inc - min_inc, max_dec - s_dec
            hit = {"up": up > threshold, "down": down > threshold,
                   "both": up > threshold or down > threshold}[mode]
        if hit:
            detected.append(i)
            reset = True
    return detected


class AdaptiveWindowing:
    """Transcription of river/drift/adwin_c.pyx (the C-array version:
    range(bucket.current_idx) in the cut scan) with Python lists; rows[i]
    holds [total, variance] pairs of buckets of size 2**i, oldest first."""

    def __init__(self, delta=0.002, clock=32, max_buckets=5, min_window_length=5, grace_period=10):
        self.delta, self.clock, self.max_buckets = delta, clock, max_buckets
        self.min_window_length, self.grace_period = min_window_length, grace_period
        self.rows = [[]]
        self.total = self.variance = self.width = 0.0
        self.tick = 0

    def update(self, value):
        self.rows[0].append([value, 0.0])
        self.width += 1
        if self.width > 1.0:
            self.variance += ((self.width - 1.0) * (value - self.total / (self.width - 1.0))
                              * (value - self.total / (self.width - 1.0)) / self.width)
        self.total += value
        idx = 0
        while idx < len(self.rows):
            row = self.rows[idx]
            if len(row) != self.max_buckets + 1:
                break
            if idx + 1 == len(self.rows):
                self.rows.append([])
            n1 = float(1 << idx)
            mu1, mu2 = row[0][0] / n1, row[1][0] / n1
            self.rows[idx + 1].append([row[0][0] + row[1][0],
                                       row[0][1] + row[1][1] + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2)])
            del row[:2]
            if len(self.rows[idx + 1]) <= self.max_buckets:
                break
            idx += 1
        return self.detect_change()

    def delete_element(self):
        last = len(self.rows) - 1
        n = float(1 << last)
        u, v = self.rows[last][0]
        mu = u / n
        self.width -= n
        self.total -= u
        mu_w = self.total / self.width
        self.variance -= v + n * self.width * (mu - mu_w) * (mu - mu_w) / (n + self.width)
        del self.rows[last][0]
        if not self.rows[last]:
            self.rows.pop()
        return n

    def evaluate_cut(self, n0, n1, delta_mean):
        delta_prime = math.log(2 * math.log(self.width) / self.delta)
        m_recip = 1.0 / (n0 - self.min_window_length + 1) + 1.0 / (n1 - self.min_window_length + 1)
        eps = (math.sqrt(2 * m_recip * (self.variance / self.width) * delta_prime)
               + 2.0 / 3.0 * delta_prime * m_recip)
        return abs(delta_mean) > eps

    def detect_change(self):
        change = False
        self.tick += 1
        if self.tick % self.clock == 0 and self.width > self.grace_period:
            reduce_width = True
            while reduce_width:
                reduce_width = False
                exit_flag = False
                n0, n1, u0, u1 = 0.0, self.width, 0.0, self.total
                for idx in range(len(self.rows) - 1, -1, -1):
                    if exit_flag:
                        break
                    row = self.rows[idx]
                    size = float(1 << idx)
                    for k in range(len(row)):
                        n0 += size
                        n1 -= size
                        u0 += row[k][0]
                        u1 -= row[k][0]
                        if idx == 0 and k == len(row) - 1:
                            exit_flag = True
                            break
                        if (n1 >= self.min_window_length and n0 >= self.min_window_length
                                and self.evaluate_cut(n0, n1, u0 / n0 - u1 / n1)):
                            reduce_width = True
                            change = True
                            if self.width > 0:
                                n0 -= self.delete_element()
                                exit_flag = True
                                break
        return change


def adwin_run(stream, **kw):
    """river.drift.ADWIN semantics: a fresh AdaptiveWindowing on the update
    after a detection. Returns detection indices and the width every 97 values."""
    helper, detected, widths, last = AdaptiveWindowing(**kw), [], [], False
    for i, x in enumerate(stream):
        if last:
            helper = AdaptiveWindowing(**kw)
        last = helper.update(x)
        if last:
            detected.append(i)
        if i % 97 == 0:
            widths.append(helper.width)
    return detected, widths


def streams_reference():
    rng = random.Random(12345)
    doc = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    rng = random.Random(42)
    multi = (rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
             + rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000))
    rng = random.Random(5)
    down = [rng.gauss(10, 1) for _ in range(800)] + [rng.gauss(2, 1) for _ in range(800)]
    rng = random.Random(99)
    subtle = ([rng.gauss(0, 1) for _ in range(3000)] + [rng.gauss(0.3, 1) for _ in range(3000)]
              + [rng.gauss(-0.2, 1.5) for _ in range(3000)])
    transcribed = {}
    for name, data in (("doc_stream", doc), ("multi_stream", multi), ("subtle_stream", subtle)):
        for label, kw in (("default", {}), ("clock1", {"clock": 1}),
                          ("clock4_delta0.05_buckets3", {"clock": 4, "delta": 0.05, "max_buckets": 3})):
            det, widths = adwin_run(data, **kw)
            transcribed[f"{name}/{label}"] = {"config": kw, "detections": det, "widths_every_97": widths}
    return {
        "subtle_stream": subtle,
        "adwin_transcribed": transcribed,
        "doc_stream": doc,
        "doc_stream_published": {
            "adwin": [1023], "page_hinkley": [1006],
            "source": "river docstrings of drift.ADWIN and drift.PageHinkley: "
                      "random.Random(12345).choices([0, 1], k=1000) + choices(range(4, 8), k=1000)"},
        "multi_stream": multi,
        "multi_stream_published": {
            "adwin": [1023, 2015, 3007],
            "source": "river/drift/test_adwin_regression.py::test_multiple_drifts, random.Random(42)"},
        "down_stream": down,
        "page_hinkley_transcribed": {
            mode: {"doc_stream": page_hinkley(doc, mode), "multi_stream": page_hinkley(multi, mode),
                   "down_stream": page_hinkley(down, mode)}
            for mode in ("both", "up", "down")},
    }


def dump(name, obj):
    with open(name, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    dump("ks_reference.json", ks_cases())
    dump("kolmogorov_reference.json", kolmogorov_reference())
    dump("psi_reference.json", psi_reference())
    dump("wasserstein_reference.json", wasserstein_reference())
    streams = streams_reference()
    # The transcriptions must reproduce river's published indices.
    assert streams["adwin_transcribed"]["doc_stream/default"]["detections"] == [1023]
    assert streams["adwin_transcribed"]["multi_stream/default"]["detections"] == [1023, 2015, 3007]
    assert streams["page_hinkley_transcribed"]["both"]["doc_stream"] == [1006]
    dump("streams_reference.json", streams)
