"""How many dqds transforms LAPACK's own singular value solver takes, for comparison with ours.

LAPACK's `dlasq1` (the routine `np.linalg.svd(..., compute_uv=False)` reaches through `dbdsqr`
when only values are wanted) is called through ctypes from the OpenBLAS that numpy bundles, on
the upper bidiagonal of Gaussian n×n matrices (Householder, below). Its work array returns
the iteration count and the number of divisions (`dlasq2`: Z(2N+3) = ITER, Z(2N+4) = NDIV/N²).
Ours: `cargo run --release --example kernels` prints "dqds transforms per value" for the same
kind of matrices. Not a test; BENCHMARKS.md (seventeenth session) has the numbers.

Usage: python3 bench/dqds_lapack.py
"""
import ctypes
import glob
import os

import numpy as np


def lapack():
    """numpy's bundled OpenBLAS and its dlasq1 (64-bit integers: the ILP64 build)."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*.so*")):
        lib = ctypes.CDLL(path)
        for name in ("scipy_dlasq1_64_", "dlasq1_64_"):
            if hasattr(lib, name):
                return getattr(lib, name)
    raise SystemExit("no dlasq1 in numpy's bundled OpenBLAS")


def bidiagonal(a):
    """Diagonal and superdiagonal of a Householder bidiagonalisation of the square matrix a."""
    a = a.copy()
    n = a.shape[1]
    d, e = np.zeros(n), np.zeros(n - 1)

    def reflect(x):
        v = x.copy()
        v[0] += np.copysign(np.linalg.norm(x), x[0])
        norm = np.linalg.norm(v)
        return v / norm if norm > 0 else v

    for k in range(n):
        v = reflect(a[k:, k])
        a[k:, k:] -= 2 * np.outer(v, v @ a[k:, k:])
        d[k] = a[k, k]
        if k < n - 1:
            v = reflect(a[k, k + 1:])
            a[k:, k + 1:] -= 2 * np.outer(a[k:, k + 1:] @ v, v)
            e[k] = a[k, k + 1]
    return d, e


def main():
    dlasq1 = lapack()
    rng = np.random.default_rng(1)
    for n in (64, 128, 256):
        per_value, divisions = [], []
        for _ in range(5):
            a = rng.standard_normal((n, n))
            d, e = bidiagonal(a)
            dd, ee, work = d.copy(), np.r_[e, 0.0], np.zeros(4 * n + 8)
            size, info = ctypes.c_int64(n), ctypes.c_int64(0)
            dlasq1(ctypes.byref(size), dd.ctypes.data_as(ctypes.c_void_p),
                   ee.ctypes.data_as(ctypes.c_void_p), work.ctypes.data_as(ctypes.c_void_p),
                   ctypes.byref(info))
            want = np.linalg.svd(a, compute_uv=False)
            assert info.value == 0 and np.allclose(np.sort(dd)[::-1], want, rtol=1e-10, atol=1e-12 * want[0])
            per_value.append(work[2 * n + 2] / n)
            divisions.append(work[2 * n + 3])
        print(f"n = {n}: LAPACK dlasq1 {np.mean(per_value):.2f} transforms per value, "
              f"{np.mean(divisions):.2f}·n² divisions (mean of 5 Gaussian matrices)")


if __name__ == "__main__":
    main()
