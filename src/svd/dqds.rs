//! Singular values of an upper bidiagonal matrix by the dqds algorithm (differential
//! quotient-difference with shifts; Fernando & Parlett, Numer. Math. 67, 1994): the method
//! LAPACK uses when only values are wanted.
//!
//! Why not the bidiagonal QR of [`super::bdsqr`]: each QR step costs two square roots and
//! several divisions in one dependent chain; a dqds step costs one division. At 128×128 this
//! made the bidiagonal phase about as expensive as the whole bidiagonalisation.
//!
//! The qd array (q, e) holds the squares of B's diagonal and superdiagonal. A transform with
//! shift τ produces B̂ with B̂ᵀB̂ = BBᵀ − τI exactly in exact arithmetic, and it is stable
//! (every quantity stays positive) precisely when τ is below the smallest eigenvalue.
//!
//! **Shift strategy (our own, simpler than LAPACK's dlasq4).** A guaranteed lower bound of the
//! smallest eigenvalue follows from the first two inverse moments Σλᵢ⁻¹ and Σλᵢ⁻² of the array,
//! which a forward recurrence computes alongside the transform (a second, independent chain,
//! so it costs little; see [`InverseMoments`]): one Laguerre step from 0, which never passes the
//! smallest root of a polynomial with real roots and converges cubically. About four transforms
//! per value are needed on random matrices (`transforms_taken`). A transform that fails anyway
//! (by rounding) is redone with τ = 0, which cannot fail. Shifting further, between the bound and
//! dmin, was tried: the failures cost more than the saved sweeps.
//!
//! **Deflation.** An off-diagonal e with √e ≤ ε·‖B‖_F/√n is set to zero: by Weyl's inequality
//! this moves every singular value by at most ε·σ₁, the accuracy the numerical rank needs. At the
//! bottom, LAPACK's relative test e ≤ (100u)²·(σ + q) also deflates, and so does an isolated
//! last eigenvalue ([`isolated_at_bottom`]), usually a sweep before e itself is negligible; the
//! recurrence bounds the rest's eigenvalues as a by-product, and that bound is also the shift
//! for the rest. If the sweeps exceed a generous bound the caller falls back to bidiagonal QR.

/// (100·u)² with u = 2⁻⁵³ the unit roundoff: LAPACK's relative deflation tolerance, squared.
const RELATIVE_TOL_SQ: f64 = (100.0 * f64::EPSILON / 2.0) * (100.0 * f64::EPSILON / 2.0);

/// Transforms allowed per singular value before giving up (typical: ~4).
pub const SWEEPS_PER_VALUE: usize = 40;

/// Singular values of the upper bidiagonal (diagonal `d`, superdiagonal `e`), unsorted and
/// non-negative; `None` if the sweep bound was hit.
pub fn bidiagonal_singular_values(d: &[f64], e: &[f64]) -> Option<Vec<f64>> {
    bidiagonal_singular_values_within(d, e, SWEEPS_PER_VALUE)
}

/// [`bidiagonal_singular_values`] with `sweeps_per_value` transforms allowed per value (the
/// tests use 0 to exercise the caller's fallback).
pub fn bidiagonal_singular_values_within(
    d: &[f64],
    e: &[f64],
    sweeps_per_value: usize,
) -> Option<Vec<f64>> {
    solve(d, e, sweeps_per_value).map(|(values, _)| values)
}

/// The number of dqds transforms [`bidiagonal_singular_values`] takes on (d, e): what the
/// shift and deflation strategy decide (`examples/kernels.rs` reports it; a test bounds it).
pub fn transforms_taken(d: &[f64], e: &[f64]) -> Option<usize> {
    solve(d, e, SWEEPS_PER_VALUE).map(|(_, sweeps)| sweeps)
}

/// The singular values and the number of transforms taken.
fn solve(d: &[f64], e: &[f64], sweeps_per_value: usize) -> Option<(Vec<f64>, usize)> {
    let n = d.len();
    debug_assert!(e.len() + 1 == n || n == 0);
    let mut q: Vec<f64> = d.iter().map(|x| x * x).collect();
    let mut ee: Vec<f64> = e.iter().map(|x| x * x).collect();
    let frobenius_sq: f64 = q.iter().sum::<f64>() + ee.iter().sum::<f64>();
    let thresh = f64::EPSILON * f64::EPSILON * frobenius_sq / n.max(1) as f64;
    let mut out = vec![0.0; n];
    let mut tq = vec![0.0; n];
    let mut te = vec![0.0; n.saturating_sub(1)];
    let mut sweeps = 0usize;
    let max_sweeps = sweeps_per_value * n.max(1);
    // Blocks still to solve: (lo, hi, accumulated shift).
    let mut blocks = vec![(0usize, n.wrapping_sub(1), 0.0f64)];
    if n == 0 {
        return Some((out, 0));
    }
    while let Some((lo, mut hi, mut sigma)) = blocks.pop() {
        // The next shift; NaN: unknown, computed before the first transform.
        let mut tau = f64::NAN;
        // A lower bound of the smallest eigenvalue of the block without its last row and column
        // (NaN when unknown): known after each transform, for free.
        let mut lead = f64::NAN;
        loop {
            if hi == lo {
                out[lo] = (sigma + q[lo]).sqrt();
                break;
            }
            // Deflate converged values at the bottom: absolutely negligible, or small relative
            // to the value itself (LAPACK dlasq3's test, which keeps relative accuracy).
            if ee[hi - 1] <= thresh || ee[hi - 1] <= RELATIVE_TOL_SQ * (sigma + q[hi]) {
                out[hi] = (sigma + q[hi]).sqrt();
                hi -= 1;
                tau = lead;
                lead = f64::NAN;
                continue;
            }
            if isolated_at_bottom(q[hi - 1], ee[hi - 1], q[hi], lead, sigma) {
                out[hi] = (sigma + q[hi] + ee[hi - 1]).sqrt();
                hi -= 1;
                // The leading block is the new block: its bound is the next shift.
                tau = lead;
                lead = f64::NAN;
                continue;
            }
            if hi == lo + 1 {
                let (small, large) =
                    super::bdsqr::two_by_two(q[lo].sqrt(), ee[lo].sqrt(), q[hi].sqrt());
                out[lo] = (sigma + large * large).sqrt();
                out[hi] = (sigma + small * small).sqrt();
                break;
            }
            // Split at a negligible interior off-diagonal: the upper part waits on the stack.
            if let Some(i) = (lo..hi - 1).rev().find(|&i| ee[i] <= thresh) {
                ee[i] = 0.0;
                blocks.push((lo, i, sigma));
                let lo = i + 1;
                blocks.push((lo, hi, sigma));
                break;
            }
            if tau.is_nan() {
                tau = inverse_moment_bound(&q[lo..=hi], &ee[lo..hi]);
            }
            sweeps += 1;
            if sweeps > max_sweeps {
                return None;
            }
            let (next, next_lead) = match transform(&q[lo..=hi], &ee[lo..hi], tau, &mut tq, &mut te)
            {
                Some(bounds) => bounds,
                None => {
                    tau = 0.0;
                    continue;
                }
            };
            q[lo..=hi].copy_from_slice(&tq[..=hi - lo]);
            ee[lo..hi].copy_from_slice(&te[..hi - lo]);
            sigma += tau;
            tau = next;
            lead = next_lead;
        }
    }
    Some((out, sweeps))
}

/// One dqds transform with shift τ of (q, e) into (q̂, ê) = (tq, te). Returns lower bounds of
/// the new smallest eigenvalue (the next shift) and of that of the new array without its last
/// row and column, or `None` if τ was too large.
fn transform(q: &[f64], e: &[f64], tau: f64, tq: &mut [f64], te: &mut [f64]) -> Option<(f64, f64)> {
    let n = q.len();
    let mut d = q[0] - tau;
    if d < 0.0 {
        return None;
    }
    let mut moments = InverseMoments::new();
    for i in 0..n - 1 {
        let qh = d + e[i];
        let t = q[i + 1] / qh;
        let eh = e[i] * t;
        tq[i] = qh;
        te[i] = eh;
        moments.push(qh, if i == 0 { 0.0 } else { te[i - 1] });
        d = d * t - tau;
        // Negative (τ too large) or NaN: the transform failed.
        if d.is_nan() || d < 0.0 {
            return None;
        }
    }
    tq[n - 1] = d;
    let lead = moments.lower_bound(n - 1);
    moments.push(d, te[n - 2]);
    Some((moments.lower_bound(n), lead))
}

/// Whether the last eigenvalue is converged to relative accuracy ε although e (the last
/// off-diagonal) is not yet negligible. In BᵀB the last row is (√(q_prev·e), q + e) and the rest
/// is exactly the leading block B₁ᵀB₁, whose eigenvalues are at least `lead`. If q + e lies below
/// them, the smallest eigenvalue is within q_prev·e / (lead − q − e) of q + e (the quadratic
/// residual bound for an isolated eigenvalue; Li & Li, 2005), and dropping e leaves B₁ exactly.
/// This deflates about one sweep earlier than the test on e alone.
#[inline]
fn isolated_at_bottom(q_prev: f64, e: f64, q: f64, lead: f64, sigma: f64) -> bool {
    let value = q + e;
    let gap = lead - value;
    gap > 0.0 && q_prev * e <= f64::EPSILON * (sigma + value) * gap
}

/// The Laguerre lower bound of the smallest eigenvalue of the qd array (q, e), from scratch
/// (before a block's first transform; afterwards each transform yields it).
fn inverse_moment_bound(q: &[f64], e: &[f64]) -> f64 {
    let mut moments = InverseMoments::new();
    for (i, &qi) in q.iter().enumerate() {
        moments.push(qi, if i == 0 { 0.0 } else { e[i - 1] });
    }
    moments.lower_bound(q.len())
}

/// Accumulates Σλᵢ⁻² = ‖(BᵀB)⁻¹‖²_F = ‖MᵀM‖²_F for M = B⁻¹, column by column, in O(n).
///
/// Column j+1 of the upper-triangular M agrees with column j scaled by −b_j/a_{j+1} above the
/// diagonal, so (MᵀM)_{jk} = ρ_{kj}·c_j for k > j, with c_j = ‖column j‖² and
/// ρ²_{kj} = Π_{l=j}^{k−1} e_l/q_{l+1}. Hence ‖MᵀM‖²_F = Σ c_j² + 2·Σ_k F_k with
/// F_{k+1} = (e_k/q_{k+1})·(F_k + c_k²), and c_{k+1} = (1 + e_k·c_k)/q_{k+1}.
/// Σλ⁻¹ = Σ c_j rides along. From both, one Laguerre step from 0 for the characteristic
/// polynomial (degree n, real roots), L = n / (S₁ + √((n−1)(n·S₂ − S₁²))), is a lower bound of
/// λ_min at least as tight as (Σλ⁻²)^(−1/2) (equal when n = 1 or all λ coincide), which is
/// itself far tighter than 1/Σλ⁻¹ when the smallest eigenvalues are spread.
struct InverseMoments {
    c: f64,
    f: f64,
    sum: f64,
    /// Σλᵢ⁻¹ = trace((BᵀB)⁻¹) = Σ c_j.
    trace: f64,
}

impl InverseMoments {
    fn new() -> Self {
        InverseMoments {
            c: 0.0,
            f: 0.0,
            sum: 0.0,
            trace: 0.0,
        }
    }

    /// Adds column k with diagonal q_k, given the off-diagonal e_{k−1} before it (0 for k = 0).
    #[inline]
    fn push(&mut self, qk: f64, e_before: f64) {
        let inv = 1.0 / qk;
        self.f = e_before * inv * (self.f + self.c * self.c);
        self.c = (1.0 + e_before * self.c) * inv;
        self.sum += self.c * self.c + 2.0 * self.f;
        self.trace += self.c;
    }

    /// A hair below the Laguerre bound, against rounding; 0 when it is not finite and positive.
    fn lower_bound(&self, n: usize) -> f64 {
        let nf = n as f64;
        // n·S₂ − S₁² ≥ 0 (Cauchy–Schwarz) up to rounding.
        let disc = (nf - 1.0) * (nf * self.sum - self.trace * self.trace);
        let root = if disc > 0.0 { disc.sqrt() } else { 0.0 };
        let laguerre = nf / (self.trace + root);
        let bound = (1.0 - 8.0 * n as f64 * f64::EPSILON) * laguerre;
        if bound.is_finite() && bound > 0.0 {
            bound
        } else {
            0.0
        }
    }
}
