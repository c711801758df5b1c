#!/usr/bin/env python3
"""rankscope's benchmark: the core (native CLI, and the WASM build under Node) against the numpy
baseline doing the same work, measured in the same run. Prints a table of times, ratios and
GFLOP/s, the latter against the machine's measured peak f64 matrix multiply (OpenBLAS dgemm on one
thread, 512³) and against the WASM build's own product kernel.

The GFLOP of a workload are its nominal work, the same for all three implementations: per layer
the product W·H (2d²N); per evaluated layer the Householder bidiagonalisation (4mn² − 4n³/3,
m = max(d, N), n = min(d, N)) and the symmetric Gram matrix HᵀH for mean |cos| (dN²). The
bidiagonal singular-value phase, normalisation and random numbers are O(n²) and not counted.

The WASM build runs as plain SIMD (what a browser without relaxed SIMD loads) and as the
relaxed-SIMD build with fused multiply-adds (what Chromium loads; Node 20 needs
--experimental-wasm-relaxed-simd for it, which this script passes), and the build the page picks
(relaxed SIMD) runs inside headless Chromium (bench/chromium_bench.mjs). Each run is a fresh
instance, whose first job starts in V8's baseline compiler; the 'warm' rows time a second run of
the query in the same instance, the state of the page's workers from their second job on.
The WASM jobs leave out what only the page shows (the twin runs and the samples' geometry at
the last layer), as the native CLI's `run` and numpy's baseline do.

Usage: python3 bench/bench.py [--repeat N]   (or `make bench`, which builds first)
Numpy runs with OpenBLAS pinned to one thread. Timings are medians of N runs (default 5), the
implementations interleaved within each repetition so that drift of the machine hits them alike;
every run is paired with a numpy run right before or after it (alternating), the ratio to numpy is
taken within each pair, and the median of those ratios printed with a 90 % confidence interval
for it and the number of pairs the implementation won (numpy's time is the median of all its
runs). The interval is distribution-free (order statistics of the pairs' ratios, the binomial
sign-test interval for a median): with 5 pairs it is the range of the ratios (94 %), with 15 the
4th to 12th smallest (96 %). An interval wholly below 1 says the implementation is faster than
numpy on this machine whatever its phase; one that contains 1 says five pairs cannot tell. 'best' is the ratio of the fastest run to numpy's fastest: on this VM
interference only ever adds time (the same run moves by up to ×1.6 within seconds), so the
fastest runs are the closest to each implementation's own speed (the convention of Python's
timeit); the median ratio is the typical experience.
Not a test: nothing here passes or fails on speed.
"""
import argparse
import importlib.util
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "target", "release", "rankscope")
WASM = os.path.join(ROOT, "www", "pkg", "rankscope_bg.wasm")
WASM_FMA = os.path.join(ROOT, "www", "pkg", "rankscope_fma_bg.wasm")
WASM_BENCH = ["node", os.path.join(ROOT, "bench", "wasm_bench.mjs")]
CHROMIUM_BENCH = ["node", os.path.join(ROOT, "bench", "chromium_bench.mjs")]
WASM_FMA_BENCH = ["node", "--experimental-wasm-relaxed-simd", os.path.join(ROOT, "bench", "wasm_bench.mjs"), "--fma"]

WORKLOADS = [
    ("W1", "depth=100&width=128&batch=128&act=linear&norm=bn&every=1"),
    ("W2", "depth=50&width=256&batch=256&act=relu&norm=bn&every=1"),
    ("W3", "depth=50000&width=32&batch=32&act=linear&norm=bn&init=uniform&every=100"),
]


def nominal_gflop(query):
    """The workload's nominal floating-point work in GFLOP (see the module doc)."""
    q = dict(urllib.parse.parse_qsl(query))
    depth, d, n = int(q["depth"]), int(q.get("width", 64)), int(q.get("batch", 64))
    every = int(q["every"]) if "every" in q else (1 if depth <= 500 else -(-depth // 500))
    evals = 1 + sum(1 for layer in range(1, depth + 1) if layer % every == 0 or layer == depth)
    big, small = max(d, n), min(d, n)
    per_eval = 4 * big * small**2 - 4 * small**3 / 3 + d * n * n
    return (depth * 2 * d * d * n + evals * per_eval) / 1e9


PEAK_SCRIPT = """
import time, numpy as np
a = np.random.default_rng(0).standard_normal((512, 512))
a @ a
best = min((lambda t: (a @ a, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(9))
print(2 * 512**3 / best / 1e9)
"""


def single_thread_env():
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def time_cli(query):
    t0 = time.perf_counter()
    subprocess.run([CLI, "run", query], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def time_script(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=single_thread_env())
    return float(out.stdout.strip().splitlines()[-1])


def median_interval(values, level=0.9):
    """The narrowest order-statistics interval [x(k), x(n+1−k)] that covers the median of the
    distribution the values come from with probability ≥ level (independent draws; coverage
    1 − 2·P(Binomial(n, ½) ≤ k − 1)); None when even the range covers less."""
    x = sorted(values)
    n = len(x)
    best = None
    below = 0.0  # P(Binomial(n, ½) ≤ k − 1)
    for k in range(1, n // 2 + 1):
        below += math.comb(n, k - 1) / 2 ** n
        if 1 - 2 * below < level:
            break
        best = (x[k - 1], x[n - k])
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit("build the CLI first: cargo build --release")
    if not (os.path.exists(WASM) and os.path.exists(WASM_FMA)):
        sys.exit("build the WASM first: make wasm")
    if importlib.util.find_spec("numpy") is None:
        sys.exit(f"the baseline needs numpy, which {sys.executable} lacks: pip install numpy "
                 "(make bench installs it)")
    peak = time_script([sys.executable, "-c", PEAK_SCRIPT])
    wasm_peak = time_script(WASM_BENCH + ["--matmul", "256"])
    fma_peak = time_script(WASM_FMA_BENCH + ["--matmul", "256"])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    print(f"peak f64 matrix multiply: OpenBLAS dgemm, 1 thread, 512³: {peak:.1f} GFLOP/s; "
          f"the WASM product kernel under Node, 256³: {wasm_peak:.1f} GFLOP/s (SIMD), "
          f"{fma_peak:.1f} GFLOP/s (relaxed SIMD, FMA)")
    print("time = median of the repetitions; ×numpy = median over the repetitions of the ratio to the")
    print("numpy run paired with each run (right before or after it), with a 90 % confidence interval")
    print("for that median (order statistics; the range at 5 repetitions); won = pairs in which the")
    print("implementation was the faster; GF/s = nominal GFLOP / time; %pk = GF/s as a share of the")
    print("OpenBLAS peak. 'warm': the query ran once untimed in the same instance first.")
    print("best = fastest run / numpy's fastest run.")
    header = f"{'workload':8} {'GFLOP':>6} {'implementation':>18} {'time s':>8} {'×numpy':>6} {'(90% CI)':>11} {'won':>5} {'best':>5} {'GF/s':>5} {'%pk':>4}"
    print(header)
    print("-" * len(header))

    for name, query in WORKLOADS:
        gflop = nominal_gflop(query)
        runs = {
            "numpy": lambda: time_script([sys.executable, os.path.join(ROOT, "bench", "numpy_baseline.py"), query]),
            "native": lambda: time_cli(query),
            "wasm": lambda: time_script(WASM_BENCH + [query]),
            "wasm+fma": lambda: time_script(WASM_FMA_BENCH + [query]),
            "wasm+fma warm": lambda: time_script(WASM_FMA_BENCH + ["--warm", query]),
            "chromium": lambda: time_script(CHROMIUM_BENCH + [query]),
            "chromium warm": lambda: time_script(CHROMIUM_BENCH + ["--warm", query]),
        }
        # Each run of an implementation is paired with a numpy run next to it (the order
        # alternating), and its ratio taken within the pair: this VM's speed drifts over seconds,
        # and a repetition of all seven spans ~20 s, so one numpy run per repetition made the
        # ratios of the later implementations swing by ±30 %.
        numpy = runs.pop("numpy")
        times = {"numpy": [], **{k: [] for k in runs}}
        ratios = {k: [] for k in runs}
        for rep in range(args.repeat):
            for i, (k, f) in enumerate(runs.items()):
                if (rep + i) % 2 == 0:
                    base, t = numpy(), f()
                else:
                    t, base = f(), numpy()
                times["numpy"].append(base)
                times[k].append(t)
                ratios[k].append(t / base)
        for k, v in times.items():
            t = statistics.median(v)
            r = ratios.get(k, [1.0])
            interval = median_interval(r) if k != "numpy" else None
            spread = f"({interval[0]:.2f}–{interval[1]:.2f})" if interval else ""
            won = f"{sum(x < 1 for x in r)}/{len(r)}" if k != "numpy" else ""
            best = min(v) / min(times["numpy"])
            print(f"{name:8} {gflop:6.2f} {k:>18} {t:8.3f} {statistics.median(r):6.2f} "
                  f"{spread:>11} {won:>5} {best:5.2f} {gflop / t:5.1f} {100 * gflop / t / peak:3.0f}%", flush=True)

if __name__ == "__main__":
    main()
