//! The two matrix products of a layer: W·H (the layer) and HᵀH (the samples' Gram matrix for
//! mean |cos|).
//!
//! Natively they go to nalgebra (matrixmultiply, with AVX/FMA kernels chosen at run time:
//! ~60 GFLOP/s here). In WASM matrixmultiply has no f64 SIMD kernel and ran at ~6 GFLOP/s,
//! about 40 % of a 128-wide layer, so WASM uses the small packed kernel below: 4×4 blocks of C
//! held in eight f64x2 accumulators, A packed into 4-row panels, B read down 4 columns at
//! once. The Gram matrix is symmetric, so only blocks touching the upper triangle are computed.
//!
//! A ReLU layer's H is half exact zeros. Where a quarter or more of B's entries are zero, WASM
//! lists B's nonzeros by column ([`SparseColumns`]) and skips the zeros ([`sparse_product`],
//! [`sparse_gram_upper`]): the same products added in the same order, so bit for bit the dense
//! kernel's result at about half its multiply-adds (W2's products and Gram matrices 34 % less
//! time, the whole run ~9 % faster).
//!
//! The kernels are also compiled natively (with a two-lane array in place of f64x2), so their
//! tests run with `cargo test`; tests/web.rs checks them in WASM.

use crate::lanes::{self, Lanes};
use nalgebra::DMatrix;

/// C = A·B: [`wasm_product`] in WASM, nalgebra natively.
pub fn product(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    if cfg!(target_arch = "wasm32") {
        wasm_product(a, b)
    } else {
        a * b
    }
}

/// G = HᵀH; only the upper triangle (i ≤ j) is guaranteed to be filled. [`wasm_gram_upper`] in
/// WASM, [`blocked_gram_upper`] natively.
pub fn gram_upper(h: &DMatrix<f64>) -> DMatrix<f64> {
    if cfg!(target_arch = "wasm32") {
        wasm_gram_upper(h)
    } else {
        blocked_gram_upper(h)
    }
}

/// WASM's C = A·B (any target, for the tests): a B with many exact zeros (a ReLU layer's H:
/// half its entries) goes to the kernel that skips them ([`sparse_product`]) when A is finite
/// (∞·0 must stay NaN), anything else to [`packed_product`].
pub fn wasm_product(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    match SparseColumns::of(b) {
        Some(columns) if all_finite(a.as_slice()) => sparse_product(a, &columns),
        _ => packed_product(a, b),
    }
}

/// WASM's upper triangle of HᵀH (any target, for the tests): [`sparse_gram_upper`] for an H
/// with many exact zeros, [`packed_gram_upper`] otherwise.
pub fn wasm_gram_upper(h: &DMatrix<f64>) -> DMatrix<f64> {
    match SparseColumns::of(h) {
        Some(columns) => sparse_gram_upper(h, &columns),
        None => packed_gram_upper(h),
    }
}

fn all_finite(x: &[f64]) -> bool {
    x.iter().all(|v| v.is_finite())
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
    let panels = pack_columns::<MR>(a.as_slice(), m, k);
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
    let panels = pack_transposed(h.as_slice(), d, n, MR);
    let mut g = DMatrix::zeros(n, n);
    multiply_packed(&panels, n, d, h.as_slice(), n, g.as_mut_slice(), true);
    g
}

/// Rows per panel and columns per block of C.
const MR: usize = 4;
const NR: usize = 4;

/// The m×k column-major `a` as ⌈m/ROWS⌉ panels of k·ROWS values: panel r holds rows
/// ROWS·r..ROWS·(r+1), interleaved by column p, zero-padded past row m. Each group is a
/// contiguous piece of one column, copied as vectors (packing entry by entry through an index
/// closure took ~15 % of a 64-wide product in WASM, and `copy_from_slice` becomes a
/// memory.copy there, a call into the engine for 32 bytes).
fn pack_columns<const ROWS: usize>(a: &[f64], m: usize, k: usize) -> Vec<f64> {
    let mut out = vec![0.0; m.div_ceil(ROWS) * k * ROWS];
    for (r, panel) in out.chunks_exact_mut(k * ROWS).enumerate() {
        let i0 = r * ROWS;
        let groups = panel.chunks_exact_mut(ROWS).zip(a.chunks_exact(m));
        if i0 + ROWS <= m {
            for (group, column) in groups {
                let piece = &column[i0..i0 + ROWS];
                for l in (0..ROWS).step_by(lanes::V::N) {
                    lanes::V::load(&piece[l..]).store(&mut group[l..]);
                }
            }
        } else {
            for (group, column) in groups {
                group[..m - i0].copy_from_slice(&column[i0..]);
            }
        }
    }
    out
}

/// Hᵀ for the d×n column-major `h`, packed as [`pack_columns`] packs a matrix: panel r holds
/// columns rows·r..rows·(r+1) of H, interleaved by row p.
fn pack_transposed(h: &[f64], d: usize, n: usize, rows: usize) -> Vec<f64> {
    let mut out = vec![0.0; n.div_ceil(rows) * d * rows];
    for (panel, columns) in out.chunks_exact_mut(d * rows).zip(h.chunks(d * rows)) {
        for (lane, column) in columns.chunks_exact(d).enumerate() {
            for (group, &x) in panel.chunks_exact_mut(rows).zip(column) {
                group[lane] = x;
            }
        }
    }
    out
}

/// C (m×n, column-major) = A·B for A packed by [`pack_columns`] and B (k×n, column-major).
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
            let rows = MR.min(m - i0);
            if width == NR && rows == MR {
                // A whole block: the accumulators go straight to C, two vectors per column (a
                // zeroed block array and copies out of it were a memory.fill and four
                // memory.copy calls per block in WASM, each a call into the engine).
                let acc = kernel_4x4(panel, &b[j0 * k..(j0 + NR) * k], k);
                for (jj, pair) in acc.iter().enumerate() {
                    let start = (j0 + jj) * m + i0;
                    store_lanes(pair, &mut c[start..start + MR]);
                }
                continue;
            }
            // A block at the edge of C.
            let mut block = [[0.0f64; MR]; NR];
            if width == NR {
                let acc = kernel_4x4(panel, &b[j0 * k..(j0 + NR) * k], k);
                for (out, pair) in block.iter_mut().zip(acc) {
                    store_lanes(&pair, out);
                }
            } else {
                for (jj, out) in block.iter_mut().enumerate().take(width) {
                    kernel_4x1(panel, &b[(j0 + jj) * k..(j0 + jj + 1) * k], out);
                }
            }
            for (jj, col) in block.iter().enumerate().take(width) {
                let start = (j0 + jj) * m + i0;
                c[start..start + rows].copy_from_slice(&col[..rows]);
            }
        }
    }
}

/// One 4×4 block: Σ_p panel[p] ⊗ (b0[p], b1[p], b2[p], b3[p]) with b the 4 columns (k each),
/// as two vectors (rows 0–1, 2–3) per column.
#[inline]
fn kernel_4x4(panel: &[f64], b: &[f64], k: usize) -> [[lanes::V; 2]; NR] {
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
    acc
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
    store_lanes(&acc, out);
}

/// Stores the vectors one after the other at the start of `out`.
#[inline(always)]
fn store_lanes(vectors: &[lanes::V], out: &mut [f64]) {
    for (v, slot) in vectors.iter().zip(out.chunks_exact_mut(lanes::V::N)) {
        v.store(slot);
    }
}

/// The nonzero entries of a k×n matrix B, column by column (compressed sparse column): rows
/// ascending, so a product over them adds C's terms in the dense kernel's order.
pub struct SparseColumns {
    /// Column j's entries are `offsets[starts[j]..starts[j + 1]]` and the same range of `values`.
    starts: Vec<usize>,
    /// Row p of each entry as p·[`SPARSE_MR`], its offset in a panel of A; always < k·SPARSE_MR.
    offsets: Vec<u32>,
    values: Vec<f64>,
    k: usize,
}

impl SparseColumns {
    /// B's nonzeros, or `None` where the zero-skipping kernel would not pay: fewer than an eighth
    /// of the first column or a quarter of all entries zero (in WASM the sparse kernel takes
    /// 1.2–1.4× the dense kernel's time per multiply-add, plus building this list), or a
    /// non-finite entry (∞·0 must stay NaN, as in the dense kernel, and [`sparse_gram_upper`]
    /// multiplies B by its own transpose).
    pub fn of(b: &DMatrix<f64>) -> Option<SparseColumns> {
        let (k, n) = b.shape();
        let entries = b.as_slice();
        // A first column with hardly any zeros settles it at O(k): linear and tanh layers have
        // none, a ReLU layer's columns are each about half zero. (A matrix whose zeros all lie
        // elsewhere just keeps the dense kernel.)
        let first = &entries[..k.min(entries.len())];
        if 8 * first.iter().filter(|&&x| x == 0.0).count() < first.len() {
            return None;
        }
        let mut zeros = 0usize;
        let mut finite = true;
        for &x in entries {
            zeros += usize::from(x == 0.0);
            finite &= x.is_finite();
        }
        let offsets_fit = k
            .checked_mul(SPARSE_MR)
            .is_some_and(|end| u32::try_from(end).is_ok());
        if entries.is_empty() || !finite || 4 * zeros < entries.len() || !offsets_fit {
            return None;
        }
        // Branch-free: every entry is written at the next free slot, which only a nonzero keeps
        // (ReLU zeros are random; a branch on them mispredicted half the time and made this
        // pass cost a third of the product it saves). One slot of slack for the last write.
        let nonzeros = entries.len() - zeros;
        let mut offsets = vec![0u32; nonzeros + 1];
        let mut values = vec![0.0; nonzeros + 1];
        let mut starts = Vec::with_capacity(n + 1);
        starts.push(0);
        let mut next = 0;
        for column in entries.chunks_exact(k) {
            for (p, &x) in column.iter().enumerate() {
                offsets[next] = (p * SPARSE_MR) as u32;
                values[next] = x;
                next += usize::from(x != 0.0);
            }
            starts.push(next);
        }
        offsets.truncate(nonzeros);
        values.truncate(nonzeros);
        Some(SparseColumns {
            starts,
            offsets,
            values,
            k,
        })
    }

    fn column(&self, j: usize) -> (&[u32], &[f64]) {
        let range = self.starts[j]..self.starts[j + 1];
        (&self.offsets[range.clone()], &self.values[range])
    }
}

/// Rows per panel of the zero-skipping kernel: 16 rows are eight f64x2 accumulators, enough
/// independent chains to keep the FMA units busy with one column of B at a time.
const SPARSE_MR: usize = 16;

/// C = A·B for B given by its nonzeros. Bit for bit what [`packed_product`] gives for finite
/// A: each entry of C adds the same products in the same order, minus those with a zero factor
/// from B (which add exactly zero). Half the work for a ReLU layer.
pub fn sparse_product(a: &DMatrix<f64>, b: &SparseColumns) -> DMatrix<f64> {
    let (m, k) = a.shape();
    assert_eq!(k, b.k, "A is {m}×{k} but B has {} rows", b.k);
    let panels = pack_columns::<SPARSE_MR>(a.as_slice(), m, k);
    let n = b.starts.len() - 1;
    let mut c = DMatrix::zeros(m, n);
    multiply_sparse(&panels, m, k, b, c.as_mut_slice(), false);
    c
}

/// The upper triangle of HᵀH for H given by its nonzeros: bit for bit [`packed_gram_upper`]'s.
pub fn sparse_gram_upper(h: &DMatrix<f64>, columns: &SparseColumns) -> DMatrix<f64> {
    let (d, n) = h.shape();
    assert_eq!(
        d, columns.k,
        "H is {d}×{n} but its columns have {} rows",
        columns.k
    );
    let panels = pack_transposed(h.as_slice(), d, n, SPARSE_MR);
    let mut g = DMatrix::zeros(n, n);
    multiply_sparse(&panels, n, d, columns, g.as_mut_slice(), true);
    g
}

/// C (m×n, column-major) = A·B for A packed by [`pack_columns`] with [`SPARSE_MR`] rows and B
/// by its nonzeros. One panel of A (16·k values, 32 KiB at k = 256) stays in L1 while every
/// column of B passes by. With `upper_only`, blocks entirely below the diagonal are skipped.
fn multiply_sparse(
    panels: &[f64],
    m: usize,
    k: usize,
    b: &SparseColumns,
    c: &mut [f64],
    upper_only: bool,
) {
    if k == 0 {
        return;
    }
    let n = b.starts.len() - 1;
    assert_eq!(
        b.k, k,
        "B's nonzeros are for {} rows, A has {k} columns",
        b.k
    );
    for (r, panel) in panels.chunks_exact(k * SPARSE_MR).enumerate() {
        let i0 = r * SPARSE_MR;
        let rows = SPARSE_MR.min(m - i0);
        let first = if upper_only { i0 } else { 0 };
        for j in first..n {
            let (index, values) = b.column(j);
            let acc = sparse_kernel_16(panel, index, values);
            let start = j * m + i0;
            if rows == SPARSE_MR {
                // Straight to C (see `multiply_packed`).
                store_lanes(&acc, &mut c[start..start + SPARSE_MR]);
            } else {
                let mut block = [0.0; SPARSE_MR];
                store_lanes(&acc, &mut block);
                c[start..start + rows].copy_from_slice(&block[..rows]);
            }
        }
    }
}

/// Σ over B's nonzeros x (at panel offset o) of the panel's 16 values at o times x, as eight
/// vectors of two rows.
///
/// Out of line on purpose: inlined into [`multiply_sparse`]'s two loops, V8 unrolled this loop,
/// hoisted both copies' loads and spilled half the accumulators (the kernel then ran no faster
/// than the dense one on half the entries); as a function of its own it stays one tight loop.
#[inline(never)]
fn sparse_kernel_16(panel: &[f64], offsets: &[u32], values: &[f64]) -> [lanes::V; SPARSE_MR / 2] {
    let mut acc = [lanes::V::zero(); SPARSE_MR / 2];
    for (&o, &x) in offsets.iter().zip(values) {
        let o = o as usize;
        debug_assert!(o + SPARSE_MR <= panel.len());
        // SAFETY: offsets are p·SPARSE_MR for rows p < k ([`SparseColumns::of`]) and the panel
        // holds k·SPARSE_MR values ([`multiply_sparse`] checks both), so o + 16 ≤ panel.len().
        let group = unsafe { panel.get_unchecked(o..o + SPARSE_MR) };
        let s = lanes::V::splat(x);
        for (l, acc) in acc.iter_mut().enumerate() {
            *acc = acc.mul_add(lanes::V::load(&group[2 * l..]), s);
        }
    }
    acc
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

    /// A ReLU-like matrix: about half its entries exactly zero (more where forced), one column
    /// all zero.
    fn relu_like(m: usize, n: usize, salt: f64) -> DMatrix<f64> {
        let x = pseudo_random(m, n, salt);
        DMatrix::from_fn(m, n, |i, j| {
            let forced = (i * 5 + j) % 3 == 0 || (n > 2 && j == 1);
            if forced {
                0.0
            } else {
                x[(i, j)].max(0.0) * 3.0
            }
        })
    }

    fn bits(m: &DMatrix<f64>) -> Vec<u64> {
        // -0 and +0 differ only in whether a zero term was added; compare them as equal.
        m.iter().map(|x| (x + 0.0).to_bits()).collect()
    }

    #[test]
    fn sparse_product_is_the_dense_kernels_bit_for_bit() {
        for (m, k, n) in [
            (1, 1, 1),
            (5, 3, 7),
            (16, 16, 16),
            (17, 40, 9),
            (33, 64, 21),
            (64, 64, 64),
            (20, 300, 9),
        ] {
            let a = pseudo_random(m, k, 0.1);
            let b = relu_like(k, n, 0.2);
            let columns = SparseColumns::of(&b).expect("half the entries are zero");
            let ours = sparse_product(&a, &columns);
            assert_eq!(
                bits(&ours),
                bits(&packed_product(&a, &b)),
                "{m}×{k}·{k}×{n}"
            );
            assert!((ours - &a * &b).amax() < 1e-12, "{m}×{k}·{k}×{n}");
        }
    }

    #[test]
    fn sparse_gram_is_the_dense_kernels_bit_for_bit_on_the_upper_triangle() {
        for (d, n) in [
            (1, 1),
            (8, 8),
            (7, 13),
            (32, 5),
            (9, 30),
            (40, 70),
            (300, 20),
        ] {
            let h = relu_like(d, n, 0.3);
            let ours = sparse_gram_upper(&h, &SparseColumns::of(&h).expect("zeros"));
            let dense = packed_gram_upper(&h);
            for j in 0..n {
                for i in 0..=j {
                    assert_eq!(
                        ours[(i, j)] + 0.0,
                        dense[(i, j)] + 0.0,
                        "{d}×{n} at ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn only_a_finite_matrix_with_many_zeros_is_taken_as_sparse() {
        let dense = pseudo_random(8, 8, 0.4);
        assert!(SparseColumns::of(&dense).is_none());
        let mut h = relu_like(8, 8, 0.4);
        assert!(SparseColumns::of(&h).is_some());
        h[(3, 3)] = f64::NAN;
        assert!(SparseColumns::of(&h).is_none());
        h[(3, 3)] = f64::INFINITY;
        assert!(SparseColumns::of(&h).is_none());
        // Zeros everywhere but in the first column: the dense kernel (a quick look decides).
        let mut late = relu_like(8, 8, 0.4);
        late.column_mut(0).fill(1.0);
        assert!(SparseColumns::of(&late).is_none());
        // Exactly a quarter zero is enough; one fewer is not.
        let mut q = DMatrix::from_element(4, 4, 1.0);
        for j in 0..4 {
            q[(j, j)] = 0.0;
        }
        assert!(SparseColumns::of(&q).is_some());
        q[(3, 3)] = 1.0;
        assert!(SparseColumns::of(&q).is_none());
        assert!(SparseColumns::of(&DMatrix::<f64>::zeros(0, 3)).is_none());
    }

    #[test]
    fn product_keeps_a_non_finite_weight_visible() {
        // ∞·0 is NaN in the dense kernel; the sparse path must not hide it.
        let mut a = pseudo_random(6, 6, 0.5);
        a[(2, 1)] = f64::INFINITY;
        let b = relu_like(6, 6, 0.6);
        assert!(SparseColumns::of(&b).is_some());
        assert!(wasm_product(&a, &b).iter().any(|x| x.is_nan()));
        // A finite A takes the zero-skipping kernel, with the dense kernel's numbers.
        a[(2, 1)] = 1.0;
        assert_eq!(bits(&wasm_product(&a, &b)), bits(&packed_product(&a, &b)));
    }
}
