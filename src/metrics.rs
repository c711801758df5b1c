//! Rank measures of a representation H (d×N), from its singular values (SCIENCE.md §2).
//!
//! All of them are scale-invariant, so they can be computed on the rescaled Ĥ the network
//! stores. Only `mean_abs_cos` needs the matrix itself (the Gram matrix of the samples); the
//! orthogonality gap follows from the singular values exactly:
//! ‖HᵀH/‖H‖²_F − I/N‖²_F = Σλ²/(Σλ)² − 1/N.

use nalgebra::DMatrix;

/// Every measure of one layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// #{σᵢ > σ₁·max(d,N)·ε}, ε = 2.22e-16 (numpy's `matrix_rank` default).
    pub numerical_rank: f64,
    /// rank_τ = #{λᵢ > τ·mean(λ)}, the theorem's soft rank.
    pub soft_rank: f64,
    /// r(H) = (Σλ)²/Σλ², the quantity the theorem bounds.
    pub participation_ratio: f64,
    /// Σλ/λ₁ = ‖H‖²_F/‖H‖²₂.
    pub stable_rank: f64,
    /// exp(entropy of σᵢ/Σσ) (Roy & Vetterli 2007).
    pub effective_rank: f64,
    /// ‖HᵀH/‖H‖²_F − I_N/N‖_F: 0 for perfectly orthogonal samples of equal norm.
    pub orthogonality_gap: f64,
    /// Mean over sample pairs of |cos∠(hᵢ, hⱼ)|; 1 means every sample on one line.
    pub mean_abs_cos: f64,
}

/// Computes every measure from the sorted singular values `sv` of `h` and the threshold τ.
/// A zero matrix has rank 0, ratio 0, gap and |cos| of a fully collapsed batch.
pub fn compute(h: &DMatrix<f64>, sv: &[f64], tau: f64) -> Metrics {
    from_values(sv, h.shape(), tau, mean_abs_cos(h))
}

/// [`compute`] for a d×N matrix (`shape`) no longer at hand: everything but mean |cos| comes
/// from the singular values, and that one was computed from the matrix before.
pub fn from_values(sv: &[f64], shape: (usize, usize), tau: f64, mean_abs_cos: f64) -> Metrics {
    let (d, n) = shape;
    Metrics {
        numerical_rank: numerical_rank(sv, d, n) as f64,
        soft_rank: soft_rank(sv, tau) as f64,
        participation_ratio: participation_ratio(sv),
        stable_rank: stable_rank(sv),
        effective_rank: effective_rank(sv),
        orthogonality_gap: orthogonality_gap(sv, n),
        mean_abs_cos,
    }
}

/// Count of σᵢ above σ₁·max(d, N)·ε.
pub fn numerical_rank(sv: &[f64], d: usize, n: usize) -> usize {
    let Some(&s1) = sv.first() else { return 0 };
    let tol = s1 * d.max(n) as f64 * f64::EPSILON;
    sv.iter().filter(|&&s| s > tol).count()
}

/// λᵢ/λ₁ for every value (scaled so nothing overflows or underflows needlessly).
fn relative_eigenvalues(sv: &[f64]) -> Vec<f64> {
    match sv.first() {
        Some(&s1) if s1 > 0.0 => sv.iter().map(|s| (s / s1) * (s / s1)).collect(),
        _ => Vec::new(),
    }
}

/// #{λᵢ > τ·(Σλ)/k}, k = number of singular values.
pub fn soft_rank(sv: &[f64], tau: f64) -> usize {
    let l = relative_eigenvalues(sv);
    if l.is_empty() {
        return 0;
    }
    let threshold = tau * l.iter().sum::<f64>() / sv.len() as f64;
    l.iter().filter(|&&x| x > threshold).count()
}

/// (Σλ)²/Σλ².
pub fn participation_ratio(sv: &[f64]) -> f64 {
    let l = relative_eigenvalues(sv);
    if l.is_empty() {
        return 0.0;
    }
    let sum: f64 = l.iter().sum();
    sum * sum / l.iter().map(|x| x * x).sum::<f64>()
}

/// Σλ/λ₁.
pub fn stable_rank(sv: &[f64]) -> f64 {
    relative_eigenvalues(sv).iter().sum()
}

/// exp(−Σ pᵢ ln pᵢ) with pᵢ = σᵢ/Σσ and 0·ln 0 = 0.
pub fn effective_rank(sv: &[f64]) -> f64 {
    let total: f64 = sv.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let entropy: f64 = sv
        .iter()
        .map(|s| s / total)
        .filter(|&p| p > 0.0)
        .map(|p| -p * p.ln())
        .sum();
    entropy.exp()
}

/// √(Σλ²/(Σλ)² − 1/N), clamped at 0 against rounding; a zero matrix counts as fully
/// collapsed (gap of a rank-one batch, √(1 − 1/N)).
pub fn orthogonality_gap(sv: &[f64], n: usize) -> f64 {
    let inv_n = 1.0 / n as f64;
    let pr = participation_ratio(sv);
    let inv_pr = if pr > 0.0 { 1.0 / pr } else { 1.0 };
    (inv_pr - inv_n).max(0.0).sqrt()
}

/// Mean |cos| over the N(N−1)/2 pairs of samples (columns). A zero column is linearly
/// dependent on every vector, so its pairs count as |cos| = 1.
pub fn mean_abs_cos(h: &DMatrix<f64>) -> f64 {
    mean_abs_cos_with_max(h, crate::kernels::max_abs(h.as_slice()))
}

/// [`mean_abs_cos`] of an `h` whose largest |entry| is known, `max` (the network measures it).
pub fn mean_abs_cos_with_max(h: &DMatrix<f64>, max: f64) -> f64 {
    let n = h.ncols();
    if n < 2 {
        return 1.0;
    }
    // Scaled to unit max entry first (only when needed: the network's Ĥ has unit RMS), so the
    // Gram matrix neither underflows nor overflows.
    if max == 0.0 {
        return 1.0;
    }
    let gram = if (1e-100..1e100).contains(&max) {
        crate::gemm::gram_upper(h)
    } else {
        crate::gemm::gram_upper(&(h / max))
    };
    // 1/‖hᵢ‖, or 0 for a zero column (whose pairs count as 1 below).
    let inv: Vec<f64> = (0..n)
        .map(|i| {
            let norm = gram[(i, i)].sqrt();
            if norm > 0.0 {
                1.0 / norm
            } else {
                0.0
            }
        })
        .collect();
    let mut sum = 0.0;
    for j in 1..n {
        let column = &gram.as_slice()[j * n..j * n + j];
        sum += if inv[j] == 0.0 {
            j as f64
        } else {
            abs_cos_sum(column, &inv[..j], inv[j])
        };
    }
    sum / (n * (n - 1) / 2) as f64
}

/// Σᵢ |cos| = Σᵢ |gᵢ|·invᵢ·inv_j over one column of the Gram matrix, each term capped at 1
/// against rounding by comparison (f64::min is a libm call in WASM); a term whose invᵢ is 0 (a
/// zero column) or NaN (an underflowed norm) counts as collapsed, 1. Four running sums, so the
/// loop vectorises (a single sum cannot be reordered: the loop took a third of mean |cos|).
#[inline]
fn abs_cos_sum(column: &[f64], inv: &[f64], inv_j: f64) -> f64 {
    let term = |g: f64, inv_i: f64| {
        let c = g.abs() * inv_i * inv_j;
        if inv_i > 0.0 && c <= 1.0 {
            c
        } else {
            1.0
        }
    };
    let mut sums = [0.0; 4];
    let mut columns = column.chunks_exact(4);
    let mut invs = inv.chunks_exact(4);
    for (g, v) in (&mut columns).zip(&mut invs) {
        for l in 0..4 {
            sums[l] += term(g[l], v[l]);
        }
    }
    let tail: f64 = columns
        .remainder()
        .iter()
        .zip(invs.remainder())
        .map(|(&g, &v)| term(g, v))
        .sum();
    (sums[0] + sums[2]) + (sums[1] + sums[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four running sums add the same terms as the one-at-a-time loop they replaced, with the
    /// cap at 1 and the collapsed (zero or NaN) norms in every position.
    #[test]
    fn abs_cos_sum_adds_the_plain_loops_terms() {
        let plain = |column: &[f64], inv: &[f64], inv_j: f64| -> f64 {
            let mut sum = 0.0;
            for (g, &inv_i) in column.iter().zip(inv) {
                let c = g.abs() * inv_i * inv_j;
                sum += if inv_i > 0.0 && c <= 1.0 { c } else { 1.0 };
            }
            sum
        };
        for n in 0..13 {
            let column: Vec<f64> = (0..n).map(|i| (i as f64 * 1.9).sin() * 2.0).collect();
            let mut inv: Vec<f64> = (0..n).map(|i| 0.3 + 0.1 * (i % 3) as f64).collect();
            let check = |inv: &[f64]| {
                let (got, want) = (abs_cos_sum(&column, inv, 0.8), plain(&column, inv, 0.8));
                assert!((got - want).abs() <= 1e-14 * want.max(1.0), "n = {n}");
            };
            check(&inv);
            for i in 0..n {
                let keep = inv[i];
                for odd in [0.0, f64::NAN, 100.0] {
                    inv[i] = odd;
                    check(&inv);
                }
                inv[i] = keep;
            }
        }
    }

    #[test]
    fn identity_has_every_rank_equal_to_its_size() {
        let sv = vec![1.0; 8];
        assert_eq!(numerical_rank(&sv, 8, 8), 8);
        assert_eq!(soft_rank(&sv, 0.5), 8);
        assert!((participation_ratio(&sv) - 8.0).abs() < 1e-12);
        assert!((stable_rank(&sv) - 8.0).abs() < 1e-12);
        assert!((effective_rank(&sv) - 8.0).abs() < 1e-12);
        assert!(orthogonality_gap(&sv, 8) < 1e-7);
    }

    #[test]
    fn zero_matrix_is_rank_zero_and_finite() {
        let h = DMatrix::zeros(3, 4);
        let m = compute(&h, &[0.0, 0.0, 0.0], 0.1);
        assert_eq!(m.numerical_rank, 0.0);
        assert_eq!(m.soft_rank, 0.0);
        assert_eq!(m.mean_abs_cos, 1.0);
        assert!(m.orthogonality_gap.is_finite());
    }
}
