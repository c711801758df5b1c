//! The two matrix products of a layer: W·H (the layer) and HᵀH (the samples' Gram matrix for
//! mean |cos|).
//!
//! Natively they go to nalgebra (matrixmultiply, with AVX/FMA kernels chosen at run time:
//! ~60 GFLOP/s here). In WASM matrixmultiply has no f64 SIMD kernel and ran at ~6 GFLOP/s,
//! about 40 % of a 128-wide layer, so WASM uses the small packed kernel below: 4×4 blocks of C
//! held in eight f64x2 accumulators, A packed into 4-row panels, B read down 4 columns at
//! once. The Gram matrix is symmetric, so only blocks touching the upper triangle are computed.
//!
//! The kernel is also compiled natively (with a two-lane array in place of f64x2), so its
//! tests run with `cargo test`; WASM runs the same tests in tests/web.rs.

use crate::lanes::{self, Lanes};
use nalgebra::DMatrix;

/// C = A·B.
pub fn product(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    if cfg!(target_arch = "wasm32") {
        packed_product(a, b)
    } else {
        a * b
    }
}

/// G = HᵀH; only the upper triangle (i ≤ j) is guaranteed to be filled.
pub fn gram_upper(h: &DMatrix<f64>) -> DMatrix<f64> {
    if cfg!(target_arch = "wasm32") {
        packed_gram_upper(h)
    } else {
        blocked_gram_upper(h)
    }
}

/// The upper triangle of HᵀH by matrixmultiply, in four column blocks: block j of G needs rows
/// 0..end of block j only, (H[:, ..end])ᵀ·H[:, block j], which is 10/16 of the full product.
/// (nalgebra's `tr_mul` would avoid the transposed copy but runs 5× slower than the product.)
pub fn blocked_gram_upper(h: &DMatrix<f64>) -> DMatrix<f64> {
    let n = h.ncols();
    let mut g = DMatrix::zeros(n, n);
    let width = n.div_ceil(4).max(16);
    let ht = h.transpose();
    for j0 in (0..n).step_by(width) {
        let w = width.min(n - j0);
        let end = j0 + w;
        let block = ht.rows(0, end) * h.columns(j0, w);
        g.view_mut((0, j0), (end, w)).copy_from(&block);
    }
    g
}

/// A·B with the packed kernel (any target).
pub fn packed_product(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let (m, k) = a.shape();
    assert_eq!(k, b.nrows(), "A is {m}×{k} but B has {} rows", b.nrows());
    let panels = pack_rows(m, k, |i, p| a[(i, p)]);
    let mut c = DMatrix::zeros(m, b.ncols());
    multiply_packed(
        &panels,
        m,
        k,
        b.as_slice(),
        b.ncols(),
        c.as_mut_slice(),
        false,
    );
    c
}

/// The upper triangle of HᵀH with the packed kernel (any target).
pub fn packed_gram_upper(h: &DMatrix<f64>) -> DMatrix<f64> {
    let (d, n) = h.shape();
    // A = Hᵀ: A[i, p] = H[p, i].
    let panels = pack_rows(n, d, |i, p| h[(p, i)]);
    let mut g = DMatrix::zeros(n, n);
    multiply_packed(&panels, n, d, h.as_slice(), n, g.as_mut_slice(), true);
    g
}

/// Rows per panel and columns per block of C.
const MR: usize = 4;
const NR: usize = 4;

/// A (m×k, given entrywise) as ⌈m/4⌉ panels of k·4 values: panel r holds rows 4r..4r+4,
/// interleaved by column p, zero-padded past row m.
fn pack_rows(m: usize, k: usize, entry: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    let count = m.div_ceil(MR);
    let mut out = vec![0.0; count * k * MR];
    for (r, panel) in out.chunks_exact_mut(k * MR).enumerate() {
        for (p, quad) in panel.chunks_exact_mut(MR).enumerate() {
            for (lane, v) in quad.iter_mut().enumerate() {
                let i = r * MR + lane;
                if i < m {
                    *v = entry(i, p);
                }
            }
        }
    }
    out
}

/// C (m×n, column-major) = A·B for A packed by [`pack_rows`] and B (k×n, column-major).
/// With `upper_only`, blocks entirely below the diagonal are skipped.
fn multiply_packed(
    panels: &[f64],
    m: usize,
    k: usize,
    b: &[f64],
    n: usize,
    c: &mut [f64],
    upper_only: bool,
) {
    if k == 0 {
        return;
    }
    for j0 in (0..n).step_by(NR) {
        let width = NR.min(n - j0);
        for (r, panel) in panels.chunks_exact(k * MR).enumerate() {
            let i0 = r * MR;
            if upper_only && i0 > j0 + width - 1 {
                break;
            }
            let mut block = [[0.0f64; MR]; NR];
            if width == NR {
                kernel_4x4(panel, &b[j0 * k..(j0 + NR) * k], k, &mut block);
            } else {
                for (jj, out) in block.iter_mut().enumerate().take(width) {
                    kernel_4x1(panel, &b[(j0 + jj) * k..(j0 + jj + 1) * k], out);
                }
            }
            let rows = MR.min(m - i0);
            for (jj, col) in block.iter().enumerate().take(width) {
                let start = (j0 + jj) * m + i0;
                c[start..start + rows].copy_from_slice(&col[..rows]);
            }
        }
    }
}

/// One 4×4 block: Σ_p panel[p] ⊗ (b0[p], b1[p], b2[p], b3[p]) with b the 4 columns (k each).
#[inline]
fn kernel_4x4(panel: &[f64], b: &[f64], k: usize, out: &mut [[f64; MR]; NR]) {
    let (b0, rest) = b.split_at(k);
    let (b1, rest) = rest.split_at(k);
    let (b2, b3) = rest.split_at(k);
    let mut acc = [[lanes::V::zero(); 2]; NR];
    for ((((quad, &x0), &x1), &x2), &x3) in panel.chunks_exact(MR).zip(b0).zip(b1).zip(b2).zip(b3) {
        let lo = lanes::V::load(&quad[..2]);
        let hi = lanes::V::load(&quad[2..]);
        for (acc, x) in acc.iter_mut().zip([x0, x1, x2, x3]) {
            let s = lanes::V::splat(x);
            acc[0] = acc[0].mul_add(lo, s);
            acc[1] = acc[1].mul_add(hi, s);
        }
    }
    for (col, acc) in out.iter_mut().zip(acc) {
        acc[0].store(&mut col[..2]);
        acc[1].store(&mut col[2..]);
    }
}

/// One 4×1 block (the last columns when n is not a multiple of 4).
#[inline]
fn kernel_4x1(panel: &[f64], b: &[f64], out: &mut [f64; MR]) {
    let mut acc = [lanes::V::zero(); 2];
    for (quad, &x) in panel.chunks_exact(MR).zip(b) {
        let s = lanes::V::splat(x);
        acc[0] = acc[0].mul_add(lanes::V::load(&quad[..2]), s);
        acc[1] = acc[1].mul_add(lanes::V::load(&quad[2..]), s);
    }
    acc[0].store(&mut out[..2]);
    acc[1].store(&mut out[2..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(m: usize, n: usize, salt: f64) -> DMatrix<f64> {
        DMatrix::from_fn(m, n, |i, j| ((i * 13 + j * 7) as f64 * 0.37 + salt).sin())
    }

    #[test]
    fn packed_product_matches_nalgebra_for_every_shape() {
        for (m, k, n) in [
            (1, 1, 1),
            (4, 4, 4),
            (5, 3, 7),
            (16, 16, 16),
            (33, 17, 9),
            (3, 64, 2),
        ] {
            let (a, b) = (pseudo_random(m, k, 0.1), pseudo_random(k, n, 0.2));
            let err = (packed_product(&a, &b) - &a * &b).amax();
            assert!(err < 1e-12, "{m}×{k}·{k}×{n}: {err}");
        }
    }

    #[test]
    fn blocked_gram_fills_the_upper_triangle() {
        for (d, n) in [(5, 1), (7, 9), (33, 17), (64, 70)] {
            let h = pseudo_random(d, n, 0.3);
            let full = h.transpose() * &h;
            let g = blocked_gram_upper(&h);
            for j in 0..n {
                for i in 0..=j {
                    assert!(
                        (g[(i, j)] - full[(i, j)]).abs() < 1e-12,
                        "{d}×{n} at ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn packed_gram_fills_the_upper_triangle() {
        for (d, n) in [(1, 1), (8, 8), (7, 13), (32, 5), (9, 30)] {
            let h = pseudo_random(d, n, 0.3);
            let ours = packed_gram_upper(&h);
            let reference = h.transpose() * &h;
            for j in 0..n {
                for i in 0..=j {
                    let err = (ours[(i, j)] - reference[(i, j)]).abs();
                    assert!(err < 1e-12, "{d}×{n} at ({i}, {j}): {err}");
                }
            }
        }
    }
}
