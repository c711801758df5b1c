//! The top singular directions of a matrix, for the geometry view (each sample's coordinates on
//! the top two principal directions), in O(mn) beyond the singular values themselves.
//!
//! The bidiagonalisation A = Q·B·Pᵀ already leaves Q's reflectors in the reduced matrix. A
//! singular vector pair of the bidiagonal B at a known σ is an eigenvector of its Golub–Kahan
//! form (the 2n×2n tridiagonal with zero diagonal and B's entries interleaved off it, whose
//! eigenvalues are ±σᵢ), found by inverse iteration in O(n); Q maps B's left vector to A's.
//! This replaced inverse iteration on the N×N Gram matrix, two dense LU factorisations per
//! call (~20 ms at N = 256 in WASM, after every run, plus a second full reduction).

use super::{bidiag, NoConvergence, Reduced, Tall};
use crate::kernels::{axpy, dot};
use crate::lanes::V;

/// All singular values of the m×n column-major matrix `a` (largest first, exactly as
/// [`super::singular_values`] gives them) and, for the largest `k` that are non-zero, the
/// principal coordinates σᵢ·vᵢ (vᵢ the unit right singular vector: n entries, one per column
/// of `a`; the sign is arbitrary). Where σᵢ = σᵢ₊₁ the directions are an orthogonal basis of
/// their plane.
pub fn principal_coordinates(
    a: &[f64],
    m: usize,
    n: usize,
    k: usize,
) -> Result<(Vec<f64>, Vec<Vec<f64>>), NoConvergence> {
    assert_eq!(a.len(), m * n, "a {m}×{n} matrix needs {} entries", m * n);
    let Some(mut tall) = Tall::scaled(a, m, n, crate::kernels::max_abs(a)) else {
        return Ok((vec![0.0; m.min(n)], Vec::new()));
    };
    let b = tall.bidiagonalise();
    // The values in the scaled units of B (exponent 0: not scaled back yet).
    let scaled = Reduced {
        d: b.d.clone(),
        e: b.e.clone(),
        exponent: 0,
    }
    .values()?;
    let up = 2f64.powi(tall.exponent);
    let mut found: Vec<Vec<f64>> = Vec::new();
    let mut coordinates = Vec::new();
    for &sigma in scaled.iter().take(k) {
        if sigma <= 0.0 {
            break;
        }
        let z = golub_kahan_vector(&b.d, &b.e, sigma, &found);
        let x = left_vector(&tall, &b, &z);
        coordinates.push(if tall.transposed {
            // A = aᵀ: A's left vectors are a's right ones.
            x.iter().map(|xi| xi * sigma * up).collect()
        } else {
            // aᵀ·u = σ·v, taken from the unscaled matrix.
            a.chunks_exact(m).map(|col| dot::<V>(col, &x)).collect()
        });
        found.push(z);
    }
    Ok((scaled.iter().map(|s| s * up).collect(), coordinates))
}

/// Unit left singular vector of the reduced matrix (`tall.rows` entries) from B's, the odd
/// entries of the Golub–Kahan eigenvector `z`: x = Q·[u; 0] = H₀·(H₁·(⋯H_{n−1}·[u; 0])).
fn left_vector(tall: &Tall, b: &bidiag::Bidiagonal, z: &[f64]) -> Vec<f64> {
    let (rows, cols) = (tall.rows, tall.cols);
    let mut x = vec![0.0; rows];
    for (i, xi) in x.iter_mut().take(cols).enumerate() {
        *xi = z[2 * i + 1];
    }
    let norm = dot::<V>(&x, &x).sqrt();
    if norm > 0.0 {
        x.iter_mut().for_each(|xi| *xi /= norm);
    }
    for k in (0..cols).rev() {
        let tau = b.tau_left[k];
        if tau == 0.0 {
            continue;
        }
        let v = &tall.work[k * rows + k..(k + 1) * rows];
        let xs = &mut x[k..];
        let s = tau * dot::<V>(v, xs);
        axpy::<V>(-s, v, xs);
    }
    x
}

/// A unit eigenvector of the Golub–Kahan tridiagonal of B (diagonal `d`, superdiagonal `e`) at
/// eigenvalue `sigma`: z = (v₁, u₁, v₂, u₂, …) with B·v = σ·u and Bᵀ·u = σ·v. Inverse iteration
/// with the shift at σ itself (accurate to rounding, from dqds), so one solve nearly converges;
/// three are taken, each orthogonalised against `previous` (vectors for larger σ).
fn golub_kahan_vector(d: &[f64], e: &[f64], sigma: f64, previous: &[Vec<f64>]) -> Vec<f64> {
    let size = 2 * d.len();
    let off: Vec<f64> = (0..size - 1)
        .map(|i| if i % 2 == 0 { d[i / 2] } else { e[i / 2] })
        .collect();
    let lu = TridiagonalLu::new(&off, -sigma);
    // A start with a component along every direction.
    let mut z: Vec<f64> = (0..size).map(|j| 1.0 + (j as f64 * 0.618).sin()).collect();
    for _ in 0..3 {
        lu.solve(&mut z);
        for p in previous {
            let c = dot::<V>(p, &z);
            axpy::<V>(-c, p, &mut z);
        }
        let norm = dot::<V>(&z, &z).sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            break;
        }
        z.iter_mut().for_each(|x| *x /= norm);
    }
    z
}

/// LU with partial pivoting of a symmetric tridiagonal matrix with constant diagonal (LAPACK
/// dgttrf/dgttrs). Pivots that vanish (the shift sits on an eigenvalue) are replaced by
/// ε·‖T‖, which is what makes inverse iteration converge in one step.
struct TridiagonalLu {
    /// L's multipliers.
    low: Vec<f64>,
    /// U's diagonal and its first and second superdiagonals.
    diag: Vec<f64>,
    up1: Vec<f64>,
    up2: Vec<f64>,
    /// Rows i and i + 1 were swapped at step i.
    swapped: Vec<bool>,
}

impl TridiagonalLu {
    fn new(off: &[f64], diagonal: f64) -> TridiagonalLu {
        let size = off.len() + 1;
        let mut low = off.to_vec();
        let mut diag = vec![diagonal; size];
        let mut up1 = off.to_vec();
        let mut up2 = vec![0.0; size.saturating_sub(2)];
        let mut swapped = vec![false; size.saturating_sub(1)];
        for i in 0..size - 1 {
            if diag[i].abs() >= low[i].abs() {
                let fact = if diag[i] != 0.0 {
                    low[i] / diag[i]
                } else {
                    0.0
                };
                low[i] = fact;
                diag[i + 1] -= fact * up1[i];
            } else {
                let fact = diag[i] / low[i];
                diag[i] = low[i];
                low[i] = fact;
                let temp = up1[i];
                up1[i] = diag[i + 1];
                diag[i + 1] = temp - fact * diag[i + 1];
                if i + 2 < size {
                    up2[i] = up1[i + 1];
                    up1[i + 1] *= -fact;
                }
                swapped[i] = true;
            }
        }
        let norm = off.iter().fold(diagonal.abs(), |m, x| m.max(x.abs()));
        let tiny = f64::EPSILON * norm.max(f64::MIN_POSITIVE);
        for p in &mut diag {
            if p.abs() < tiny {
                *p = if *p < 0.0 { -tiny } else { tiny };
            }
        }
        TridiagonalLu {
            low,
            diag,
            up1,
            up2,
            swapped,
        }
    }

    /// Overwrites `b` with the solution of T·x = b.
    fn solve(&self, b: &mut [f64]) {
        let size = self.diag.len();
        for i in 0..size - 1 {
            if self.swapped[i] {
                b.swap(i, i + 1);
            }
            b[i + 1] -= self.low[i] * b[i];
        }
        for i in (0..size).rev() {
            let mut x = b[i];
            if i + 1 < size {
                x -= self.up1[i] * b[i + 1];
            }
            if i + 2 < size {
                x -= self.up2[i] * b[i + 2];
            }
            b[i] = x / self.diag[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

    fn pseudo_random(m: usize, n: usize, salt: f64) -> DMatrix<f64> {
        DMatrix::from_fn(m, n, |i, j| ((i * 31 + j * 17) as f64 * salt).sin())
    }

    /// σᵢ·vᵢ from nalgebra's SVD with vectors, for the i-th largest σ.
    fn reference(a: &DMatrix<f64>, rank: usize) -> Vec<f64> {
        let svd = nalgebra::SVD::new(a.clone(), false, true);
        let v_t = svd.v_t.expect("vectors");
        let mut order: Vec<usize> = (0..svd.singular_values.len()).collect();
        order.sort_by(|&x, &y| svd.singular_values[y].total_cmp(&svd.singular_values[x]));
        let idx = order[rank];
        (0..a.ncols())
            .map(|j| svd.singular_values[idx] * v_t[(idx, j)])
            .collect()
    }

    #[test]
    fn coordinates_match_a_full_svd_up_to_sign_on_tall_wide_and_square() {
        for (m, n) in [(40, 25), (25, 40), (33, 33), (7, 1), (1, 6)] {
            let a = pseudo_random(m, n, 0.37) * 3.0e5;
            let (values, coords) = principal_coordinates(a.as_slice(), m, n, 3).expect("converges");
            assert_eq!(
                values,
                super::super::singular_values(a.as_slice(), m, n).expect("converges")
            );
            assert_eq!(coords.len(), 3.min(m.min(n)));
            for (rank, ours) in coords.iter().enumerate() {
                let theirs = reference(&a, rank);
                let sign = if dot::<V>(ours, &theirs) < 0.0 {
                    -1.0
                } else {
                    1.0
                };
                for (x, y) in ours.iter().zip(&theirs) {
                    assert!(
                        (x - sign * y).abs() < 1e-9 * values[0],
                        "{m}×{n}, direction {rank}: {x} against {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_repeated_value_gives_an_orthogonal_basis_of_its_plane() {
        // Orthogonal columns of equal norm: every σ is the same.
        let a = DMatrix::from_fn(5, 3, |i, j| if i == j + 1 { 2.0 } else { 0.0 });
        let (values, coords) = principal_coordinates(a.as_slice(), 5, 3, 2).expect("converges");
        assert!(values.iter().all(|s| (s - 2.0).abs() < 1e-14), "{values:?}");
        for c in &coords {
            assert!((dot::<V>(c, c).sqrt() - 2.0).abs() < 1e-12, "{c:?}");
        }
        assert!(dot::<V>(&coords[0], &coords[1]).abs() < 1e-12);
    }

    #[test]
    fn zero_and_rank_one_matrices_have_no_second_direction() {
        let (values, coords) = principal_coordinates(&[0.0; 12], 3, 4, 2).expect("converges");
        assert_eq!((values, coords.len()), (vec![0.0; 3], 0));
        let u = [1.0, -2.0, 0.5];
        let a = DMatrix::from_fn(3, 4, |i, j| u[i] * (j as f64 + 1.0));
        let (values, coords) = principal_coordinates(a.as_slice(), 3, 4, 2).expect("converges");
        let want = reference(&a, 0);
        let sign = if dot::<V>(&coords[0], &want) < 0.0 {
            -1.0
        } else {
            1.0
        };
        for (x, y) in coords[0].iter().zip(&want) {
            assert!((x - sign * y).abs() < 1e-12, "{x} against {y}");
        }
        // σ₂ is zero to rounding: its coordinates are too, whether or not it is returned.
        assert!(values[1] < 1e-14 * values[0]);
        assert!(coords.iter().skip(1).flatten().all(|c| c.abs() < 1e-12));
    }
}
