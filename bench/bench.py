#!/usr/bin/env python3
"""rankscope's benchmark: the core (native CLI, and the WASM build under Node) against the numpy
baseline doing the same work, measured in the same run. Prints a table of times and ratios.

Usage: python3 bench/bench.py [--repeat N]   (or `make bench`, which builds first)
Numpy runs with OpenBLAS pinned to one thread. Timings are medians of N runs (default 3).
Not a test: nothing here passes or fails on speed.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "target", "release", "rankscope")
WASM = os.path.join(ROOT, "www", "pkg", "rankscope_bg.wasm")

WORKLOADS = [
    ("W1", "depth=100&width=128&batch=128&act=linear&norm=bn&every=1"),
    ("W2", "depth=50&width=256&batch=256&act=relu&norm=bn&every=1"),
    ("W3", "depth=50000&width=32&batch=32&act=linear&norm=bn&init=uniform&every=100"),
]


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


def median(f, repeat):
    return statistics.median(f() for _ in range(repeat))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit("build the CLI first: cargo build --release")
    have_wasm = os.path.exists(WASM)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    header = f"{'workload':8} {'numpy s':>9} {'native s':>9} {'native/np':>10} {'wasm s':>9} {'wasm/np':>8}"
    print(header)
    print("-" * len(header))
    for name, query in WORKLOADS:
        base = median(lambda: time_script([sys.executable, os.path.join(ROOT, "bench", "numpy_baseline.py"), query]), args.repeat)
        native = median(lambda: time_cli(query), args.repeat)
        line = f"{name:8} {base:9.3f} {native:9.3f} {native / base:10.2f}"
        if have_wasm:
            wasm = median(lambda: time_script(["node", os.path.join(ROOT, "bench", "wasm_bench.mjs"), query]), args.repeat)
            line += f" {wasm:9.3f} {wasm / base:8.2f}"
        else:
            line += f" {'(no wasm: make wasm)':>18}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
