//! Singular values of a representation, by a true SVD in bounded time.
//!
//! nalgebra's `singular_values()` iterates without bound and never returns on NaN/Inf, so the
//! matrix is checked for finiteness first and the SVD runs with an iteration cap. The values
//! come from bidiagonalisation + implicit QR on H itself (not the eigenvalues of HᵀH, which
//! would lose everything below ~1e-8·σ₁), so they are accurate to ~1e-15·σ₁, as the numerical
//! rank at f64 tolerance needs.

use nalgebra::{DMatrix, SVD};
use std::fmt;

/// Iterations allowed per singular value; typical convergence needs 2–3 (ample margin).
const ITERATIONS_PER_VALUE: usize = 30;

/// Why no singular values could be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpectrumError {
    NonFinite,
    NoConvergence { iterations: usize },
}

impl fmt::Display for SpectrumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpectrumError::NonFinite => write!(f, "the matrix has a NaN or infinite entry"),
            SpectrumError::NoConvergence { iterations } => {
                write!(f, "the SVD did not converge within {iterations} iterations")
            }
        }
    }
}

impl std::error::Error for SpectrumError {}

/// The singular values σ₁ ≥ σ₂ ≥ … ≥ σ_k of `h`, k = min(rows, cols).
pub fn singular_values(h: &DMatrix<f64>) -> Result<Vec<f64>, SpectrumError> {
    if !h.iter().all(|v| v.is_finite()) {
        return Err(SpectrumError::NonFinite);
    }
    let k = h.nrows().min(h.ncols());
    let iterations = ITERATIONS_PER_VALUE * k.max(1);
    let svd = SVD::try_new(h.clone(), false, false, f64::EPSILON, iterations)
        .ok_or(SpectrumError::NoConvergence { iterations })?;
    let mut sv: Vec<f64> = svd.singular_values.iter().map(|s| s.abs()).collect();
    sv.sort_by(|a, b| b.total_cmp(a));
    Ok(sv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_matrix_gives_its_entries_sorted() {
        let h = DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![1.0, 5.0, 3.0]));
        assert_eq!(singular_values(&h), Ok(vec![5.0, 3.0, 1.0]));
    }

    #[test]
    fn nan_is_an_error_not_a_hang() {
        let mut h = DMatrix::from_element(4, 4, 1.0);
        h[(1, 2)] = f64::NAN;
        assert_eq!(singular_values(&h), Err(SpectrumError::NonFinite));
        h[(1, 2)] = f64::INFINITY;
        assert_eq!(singular_values(&h), Err(SpectrumError::NonFinite));
    }

    #[test]
    fn wide_and_tall_give_min_dim_values() {
        let h = DMatrix::from_fn(3, 7, |i, j| ((i * 7 + j) as f64).sin());
        assert_eq!(singular_values(&h).map(|s| s.len()), Ok(3));
        assert_eq!(singular_values(&h.transpose()).map(|s| s.len()), Ok(3));
    }
}
