//! Singular values only, the way LAPACK computes them: Householder bidiagonalisation
//! ([`bidiag`]), then dqds on the bidiagonal ([`dqds`]), with implicit QR ([`bdsqr`]) as the
//! fallback should dqds exceed its sweep allowance. The geometry panel's top two singular
//! directions reuse the same reduction ([`vectors`]).
//!
//! Written for rankscope's one need — every σᵢ of a d×N batch, to ~1e-15·σ₁, many times per
//! second — instead of calling nalgebra's general SVD, which measured 1.4 ms for 128×128
//! natively, almost half of it in its bidiagonal QR phase (see BENCHMARKS.md).

pub mod bdsqr;
pub mod bidiag;
pub mod dqds;
pub mod vectors;

pub use bdsqr::NoConvergence;
pub use vectors::principal_coordinates;

/// The singular values of the m×n column-major matrix `a`, largest first (min(m, n) of them).
pub fn singular_values(a: &[f64], m: usize, n: usize) -> Result<Vec<f64>, NoConvergence> {
    singular_values_within(a, m, n, dqds::SWEEPS_PER_VALUE)
}

/// [`singular_values`] with a chosen dqds sweep allowance; past it, bidiagonal QR finishes.
fn singular_values_within(
    a: &[f64],
    m: usize,
    n: usize,
    sweeps_per_value: usize,
) -> Result<Vec<f64>, NoConvergence> {
    let r = reduce(a, m, n);
    let values = dqds::bidiagonal_singular_values_within(&r.d, &r.e, sweeps_per_value);
    r.finish(values)
}

/// A matrix brought to bidiagonal form: the O(n³) half of its singular values, done. Layers
/// are reduced one by one and their bidiagonal phases run in pairs ([`Reduced::values_pair`]).
pub struct Reduced {
    d: Vec<f64>,
    e: Vec<f64>,
    /// The matrix was scaled by 2^−exponent before the reduction.
    exponent: i32,
}

/// Bidiagonalises the m×n column-major matrix `a` (a copy of it).
pub fn reduce(a: &[f64], m: usize, n: usize) -> Reduced {
    reduce_with_max(a, m, n, crate::kernels::max_abs(a))
}

/// [`reduce`] for a caller that knows `a`'s largest |entry| already (the network measures it
/// while rescaling; finding it again took a pass over the matrix).
pub fn reduce_with_max(a: &[f64], m: usize, n: usize, max_abs: f64) -> Reduced {
    assert_eq!(a.len(), m * n, "a {m}×{n} matrix needs {} entries", m * n);
    let Some(mut tall) = Tall::scaled(a, m, n, max_abs) else {
        return Reduced {
            d: vec![0.0; m.min(n)],
            e: vec![0.0; m.min(n).saturating_sub(1)],
            exponent: 0,
        };
    };
    let bidiag::Bidiagonal { d, e, .. } = tall.bidiagonalise();
    Reduced {
        d,
        e,
        exponent: tall.exponent,
    }
}

/// The orientation of a matrix that is bidiagonalised: the tall one (the transpose has the same
/// singular values), scaled by a power of two (exact) so the largest entry is in [1, 2): the
/// squares taken by the reflectors and by dqds then neither overflow nor underflow.
struct Tall {
    work: Vec<f64>,
    rows: usize,
    cols: usize,
    exponent: i32,
    transposed: bool,
}

impl Tall {
    /// `None` for an empty or all-zero matrix (nothing to reduce: every σ is 0). `amax` is the
    /// largest |entry| of `a`.
    fn scaled(a: &[f64], m: usize, n: usize, amax: f64) -> Option<Tall> {
        if m == 0 || n == 0 || amax == 0.0 {
            return None;
        }
        let exponent = amax.log2().floor() as i32;
        let down = 2f64.powi(-exponent);
        let transposed = m < n;
        // Copied and scaled in one pass (a power of two: exact).
        let (work, rows, cols) = if transposed {
            (transpose(a, m, n, down), n, m)
        } else {
            (a.iter().map(|v| v * down).collect(), m, n)
        };
        Some(Tall {
            work,
            rows,
            cols,
            exponent,
            transposed,
        })
    }

    /// Reduces `work` in place (it keeps the left reflectors' vectors).
    fn bidiagonalise(&mut self) -> bidiag::Bidiagonal {
        bidiag::bidiagonalise(&mut self.work, self.rows, self.cols)
    }
}

impl Reduced {
    /// The singular values, largest first.
    pub fn values(self) -> Result<Vec<f64>, NoConvergence> {
        let values = dqds::bidiagonal_singular_values(&self.d, &self.e);
        self.finish(values)
    }

    /// The singular values of two matrices, each exactly as [`Reduced::values`] gives them, with
    /// their dqds transforms interleaved (see [`dqds::bidiagonal_singular_values_pair`]).
    pub fn values_pair(
        a: Reduced,
        b: Reduced,
    ) -> (
        Result<Vec<f64>, NoConvergence>,
        Result<Vec<f64>, NoConvergence>,
    ) {
        let (va, vb) = dqds::bidiagonal_singular_values_pair(
            (&a.d, &a.e),
            (&b.d, &b.e),
            dqds::SWEEPS_PER_VALUE,
        );
        (a.finish(va), b.finish(vb))
    }

    /// From dqds's values (or, if it gave up, bidiagonal QR's) to the sorted, rescaled result.
    fn finish(self, from_dqds: Option<Vec<f64>>) -> Result<Vec<f64>, NoConvergence> {
        let mut sv = match from_dqds {
            Some(sv) => sv,
            None => {
                let (mut d, mut e) = (self.d, self.e);
                bdsqr::bidiagonal_singular_values(&mut d, &mut e)?;
                d.iter_mut().for_each(|s| *s = s.abs());
                d
            }
        };
        if self.exponent != 0 {
            let up = 2f64.powi(self.exponent);
            sv.iter_mut().for_each(|s| *s *= up);
        }
        sv.sort_by(|x, y| y.total_cmp(x));
        Ok(sv)
    }
}

/// The n×m column-major transpose of the m×n column-major `a`, times `factor`.
fn transpose(a: &[f64], m: usize, n: usize, factor: f64) -> Vec<f64> {
    let mut t = vec![0.0; m * n];
    for (j, col) in a.chunks_exact(m).enumerate() {
        for (i, &v) in col.iter().enumerate() {
            t[i * n + j] = v * factor;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

    /// nalgebra's SVD as the independent reference, sorted.
    fn reference(m: &DMatrix<f64>) -> Vec<f64> {
        let mut sv: Vec<f64> = m.singular_values().iter().copied().collect();
        sv.sort_by(|a, b| b.total_cmp(a));
        sv
    }

    fn check(m: &DMatrix<f64>, what: &str) {
        let ours = singular_values(m.as_slice(), m.nrows(), m.ncols()).expect("converges");
        let theirs = reference(m);
        assert_eq!(ours.len(), theirs.len(), "{what}");
        let scale = theirs[0].max(f64::MIN_POSITIVE);
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert!(
                (a - b).abs() <= 1e-13 * scale,
                "{what}: σ{i} = {a} against {b} (σ₁ = {scale})"
            );
        }
    }

    /// A deterministic pseudo-random matrix (no RNG dependency in a unit test).
    fn pseudo_random(m: usize, n: usize, salt: f64) -> DMatrix<f64> {
        DMatrix::from_fn(m, n, |i, j| ((i * 31 + j * 17) as f64 * 0.618 + salt).sin())
    }

    #[test]
    fn agrees_with_nalgebra_on_square_tall_and_wide() {
        for (m, n) in [
            (1, 1),
            (1, 5),
            (5, 1),
            (2, 2),
            (3, 7),
            (7, 3),
            (16, 16),
            (64, 48),
            (33, 65),
        ] {
            check(&pseudo_random(m, n, 0.3), &format!("{m}×{n}"));
        }
    }

    #[test]
    fn agrees_on_rank_deficient_graded_and_zero_matrices() {
        let a = pseudo_random(40, 3, 0.1);
        let b = pseudo_random(3, 40, 0.7);
        check(&(&a * &b), "rank 3");
        let graded = DMatrix::from_fn(30, 30, |i, j| {
            10f64.powi(-(i as i32) / 2) * ((i * 7 + j * 3) as f64).cos()
        });
        check(&graded, "graded");
        let mut zero_cols = pseudo_random(20, 20, 0.2);
        zero_cols.column_mut(3).fill(0.0);
        zero_cols.column_mut(11).fill(0.0);
        check(&zero_cols, "zero columns");
        check(&DMatrix::zeros(6, 4), "zero");
        check(&DMatrix::from_element(9, 9, 2.5), "rank one");
        check(&DMatrix::identity(12, 12), "identity");
    }

    #[test]
    fn centred_rows_give_an_exact_zero_direction() {
        // Like BatchNorm: every row has zero mean, so σ_N is zero to rounding.
        let mut m = pseudo_random(32, 32, 0.9);
        for mut row in m.row_iter_mut() {
            let mean = row.mean();
            row.add_scalar_mut(-mean);
        }
        check(&m, "centred");
        let sv = singular_values(m.as_slice(), 32, 32).expect("converges");
        assert!(sv[31] < 1e-14 * sv[0]);
    }

    #[test]
    fn two_and_four_lane_bidiagonalisations_agree() {
        // The dispatcher picks AVX2 (four lanes) on most x86-64 machines; the two-lane path is
        // what machines without it (and WASM, as f64x2) run.
        for (m, n) in [(9, 9), (40, 33), (64, 64)] {
            let a = pseudo_random(m, n, 0.6);
            let mut w2 = a.as_slice().to_vec();
            let mut w4 = w2.clone();
            let bidiag::Bidiagonal { d: d2, e: e2, .. } =
                bidiag::bidiagonalise_with::<crate::lanes::Pair>(&mut w2, m, n);
            let bidiag::Bidiagonal { d: d4, e: e4, .. } =
                bidiag::bidiagonalise_with::<crate::lanes::Quad>(&mut w4, m, n);
            // And whatever this CPU's dispatcher picks (AVX-512VL + FMA, AVX2 + FMA, …).
            let mut wd = a.as_slice().to_vec();
            let bidiag::Bidiagonal { d: dd, e: ed, .. } = bidiag::bidiagonalise(&mut wd, m, n);
            for (other, (d, e)) in [("four lanes", (&d4, &e4)), ("dispatched", (&dd, &ed))] {
                for (x, y) in d2.iter().chain(&e2).zip(d.iter().chain(e)) {
                    assert!(
                        (x - y).abs() < 1e-12 * (1.0 + x.abs()),
                        "{m}×{n} {other}: {x} against {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_bidiagonal_qr_fallback_gives_the_same_values() {
        // No dqds sweeps allowed: every value comes from the fallback.
        for (m, n) in [(20, 20), (31, 12), (8, 40)] {
            let a = pseudo_random(m, n, 0.8);
            let fallback = singular_values_within(a.as_slice(), m, n, 0).expect("converges");
            let reference = reference(&a);
            for (x, y) in fallback.iter().zip(&reference) {
                assert!(
                    (x - y).abs() <= 1e-13 * reference[0],
                    "{m}×{n}: {x} against {y}"
                );
            }
        }
        let d = [3.0, 2.0, 1.0];
        assert_eq!(
            dqds::bidiagonal_singular_values_within(&d, &[1.0, 1.0], 0),
            None
        );
    }

    #[test]
    fn dqds_and_bidiagonal_qr_agree() {
        let m = pseudo_random(50, 50, 0.4);
        let mut work = m.as_slice().to_vec();
        let bidiag::Bidiagonal { mut d, mut e, .. } = bidiag::bidiagonalise(&mut work, 50, 50);
        let mut fast = dqds::bidiagonal_singular_values(&d, &e).expect("converges");
        bdsqr::bidiagonal_singular_values(&mut d, &mut e).expect("converges");
        let mut slow: Vec<f64> = d.iter().map(|x| x.abs()).collect();
        fast.sort_by(|a, b| b.total_cmp(a));
        slow.sort_by(|a, b| b.total_cmp(a));
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() <= 1e-13 * slow[0], "{a} against {b}");
        }
    }

    #[test]
    fn paired_dqds_gives_each_problem_exactly_its_own_values() {
        // Sizes that differ (one chain outlives the other), graded and rank-deficient spectra
        // (splits and early deflation), a zero matrix, and sizes 0, 1 and 2.
        let graded = DMatrix::from_fn(30, 30, |i, j| {
            10f64.powi(-(i as i32) / 2) * ((i * 7 + j * 3) as f64).cos()
        });
        let rank3 = pseudo_random(24, 3, 0.1) * pseudo_random(3, 24, 0.7);
        let problems: Vec<DMatrix<f64>> = vec![
            pseudo_random(40, 40, 0.3),
            pseudo_random(64, 33, 0.5),
            graded,
            rank3,
            DMatrix::zeros(5, 5),
            pseudo_random(1, 1, 0.2),
            pseudo_random(2, 2, 0.4),
            DMatrix::zeros(0, 3),
        ];
        let reduced = |m: &DMatrix<f64>| reduce(m.as_slice(), m.nrows(), m.ncols());
        for a in &problems {
            for b in &problems {
                let (pa, pb) = Reduced::values_pair(reduced(a), reduced(b));
                assert_eq!(pa, reduced(a).values(), "{}×{}", a.nrows(), a.ncols());
                assert_eq!(pb, reduced(b).values(), "{}×{}", b.nrows(), b.ncols());
            }
        }
        // A pair where one side gives up (no sweeps allowed) and the other does not.
        let (d, e) = ([3.0, 2.0, 1.0], [1.0, 1.0]);
        let (x, y) = dqds::bidiagonal_singular_values_pair((&d, &e), (&d[..1], &e[..0]), 0);
        assert_eq!(x, None);
        assert_eq!(y, Some(vec![3.0]));
    }

    /// The shift and deflation strategy, measured: about four transforms per value on a
    /// Gaussian-like matrix (4.7 with the (Σλ⁻²)^(−1/2) shift and the test on e alone). A
    /// regression here is a slowdown that no other test would see.
    #[test]
    fn dqds_needs_about_four_transforms_per_value() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in [64usize, 128] {
            // Sums of uniforms: close enough to Gaussian for the spectrum's shape.
            let m = DMatrix::from_fn(n, n, |_, _| (0..4).map(|_| uniform() - 0.5).sum::<f64>());
            let mut work = m.as_slice().to_vec();
            let bidiag::Bidiagonal { d, e, .. } = bidiag::bidiagonalise(&mut work, n, n);
            let taken = dqds::transforms_taken(&d, &e).expect("converges");
            let per_value = taken as f64 / n as f64;
            assert!(
                per_value < 4.3,
                "{n}×{n}: {per_value:.2} transforms per value"
            );
            check(&m, "Gaussian-like");
        }
    }
}
