"""The numpy notebook a researcher would otherwise write: the same network, the same per-layer
SVD and measures at the same cadence, as the reference for rankscope's benchmark.

Usage: python3 bench/numpy_baseline.py '<query>'   → prints the seconds taken (one line)
Supports the keys the benchmark workloads use (depth, width, batch, act, norm, init, every,
tau, seed). Set OPENBLAS_NUM_THREADS=1 (bench.py does) for a single-threaded baseline.
"""
import sys
import time
import urllib.parse

import numpy as np

EPS = np.finfo(np.float64).eps


def params(query):
    p = {"depth": "50", "width": "64", "batch": "64", "act": "linear", "norm": "bn",
         "init": "gaussian", "tau": "0.1", "seed": "1"}
    p.update(dict(urllib.parse.parse_qsl(query)))
    depth = int(p["depth"])
    every = int(p["every"]) if "every" in p else (1 if depth <= 500 else -(-depth // 500))
    return dict(depth=depth, d=int(p["width"]), n=int(p["batch"]), act=p["act"], norm=p["norm"],
                init=p["init"], tau=float(p["tau"]), seed=int(p["seed"]), every=every)


def weights(rng, init, gain, d):
    if init == "gaussian":
        return rng.standard_normal((d, d)) * np.sqrt(gain / d)
    if init == "uniform":
        a = np.sqrt(3 * gain / d)
        return rng.uniform(-a, a, (d, d))
    raise SystemExit(f"init={init} is not in the baseline")


def measures(h, tau):
    d, n = h.shape
    sv = np.linalg.svd(h, compute_uv=False)
    lam = (sv / sv[0]) ** 2
    k = len(sv)
    numerical = int(np.sum(sv > sv[0] * max(d, n) * EPS))
    soft = int(np.sum(lam > tau * lam.sum() / k))
    pr = lam.sum() ** 2 / np.sum(lam ** 2)
    stable = lam.sum()
    p = sv / sv.sum()
    p = p[p > 0]
    eff = np.exp(-np.sum(p * np.log(p)))
    gap = np.sqrt(max(1 / pr - 1 / n, 0.0))
    g = h.T @ h
    norms = np.sqrt(np.diag(g))
    cos = np.abs(g) / np.outer(norms, norms)
    mean_cos = (cos.sum() - np.trace(cos)) / (n * (n - 1))
    return numerical, soft, pr, stable, eff, gap, mean_cos


def run(q):
    rng = np.random.default_rng(q["seed"])
    d, n = q["d"], q["n"]
    gain = 2.0 if q["act"] == "relu" else 1.0
    h = rng.standard_normal((d, n))
    log_scale = 0.0
    rows = [measures(h, q["tau"])]
    for layer in range(1, q["depth"] + 1):
        z = weights(rng, q["init"], gain, d) @ h
        if q["norm"] == "bn":
            z -= z.mean(axis=1, keepdims=True)
            sd = z.std(axis=1, keepdims=True)
            z = np.divide(z, sd, out=np.zeros_like(z), where=sd > 0)
        elif q["norm"] != "none":
            raise SystemExit(f"norm={q['norm']} is not in the baseline")
        if q["act"] == "relu":
            np.maximum(z, 0, out=z)
        elif q["act"] == "tanh":
            np.tanh(z, out=z)
        rms = np.sqrt(np.mean(z * z))
        h = z / rms
        log_scale += np.log(rms)
        if layer % q["every"] == 0 or layer == q["depth"]:
            rows.append(measures(h, q["tau"]))
    return rows


def main():
    q = params(sys.argv[1])
    t0 = time.perf_counter()
    rows = run(q)
    took = time.perf_counter() - t0
    assert all(np.isfinite(r[2]) for r in rows)
    print(f"{took:.6f}")


if __name__ == "__main__":
    main()
