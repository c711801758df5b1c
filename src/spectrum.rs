//! Singular values of a representation, by a true SVD in bounded time.
//!
//! The matrix is checked for finiteness first (an SVD iterates forever or returns garbage on
//! NaN/Inf) and the bidiagonal QR runs under an iteration cap. The values come from
//! bidiagonalisation + implicit QR on H itself ([`crate::svd`]), not from the eigenvalues of
//! HᵀH (which would lose everything below ~1e-8·σ₁), so they are accurate to ~1e-15·σ₁, as the
//! numerical rank at f64 tolerance needs.

use crate::svd;
use nalgebra::DMatrix;
use std::fmt;

/// Why no singular values could be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpectrumError {
    NonFinite,
    NoConvergence { rotations: usize },
}

impl fmt::Display for SpectrumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpectrumError::NonFinite => write!(f, "the matrix has a NaN or infinite entry"),
            SpectrumError::NoConvergence { rotations } => {
                write!(f, "the SVD did not converge within {rotations} rotations")
            }
        }
    }
}

impl std::error::Error for SpectrumError {}

/// The singular values σ₁ ≥ σ₂ ≥ … ≥ σ_k of `h`, k = min(rows, cols).
pub fn singular_values(h: &DMatrix<f64>) -> Result<Vec<f64>, SpectrumError> {
    reduce(h)?.values().map_err(SpectrumError::from)
}

/// The first half of [`singular_values`]: the checked matrix brought to bidiagonal form.
/// [`values_pair`] finishes two of them together, faster than one by one.
pub fn reduce(h: &DMatrix<f64>) -> Result<svd::Reduced, SpectrumError> {
    // Down the contiguous storage: nalgebra's element iterator steps through rows and columns
    // generically, ~20 instructions per entry in WASM (5 % of a 64-wide run's time).
    if !h.as_slice().iter().all(|v| v.is_finite()) {
        return Err(SpectrumError::NonFinite);
    }
    Ok(svd::reduce(h.as_slice(), h.nrows(), h.ncols()))
}

/// [`reduce`] for a matrix whose largest |entry| is known, `max_abs`, finite only if every
/// entry is: the network's Ĥ (see `Network::max_abs`), which then needs no pass of its own
/// before the reduction (the check and the maximum took ~8 % of a 64-wide layer in WASM).
pub fn reduce_measured(h: &DMatrix<f64>, max_abs: f64) -> Result<svd::Reduced, SpectrumError> {
    if !max_abs.is_finite() {
        return Err(SpectrumError::NonFinite);
    }
    Ok(svd::reduce_with_max(
        h.as_slice(),
        h.nrows(),
        h.ncols(),
        max_abs,
    ))
}

/// The singular values of two reduced matrices, each exactly as [`singular_values`] gives them.
pub fn values_pair(
    a: Result<svd::Reduced, SpectrumError>,
    b: Result<svd::Reduced, SpectrumError>,
) -> (
    Result<Vec<f64>, SpectrumError>,
    Result<Vec<f64>, SpectrumError>,
) {
    let finish = |r: Result<svd::Reduced, SpectrumError>| r?.values().map_err(SpectrumError::from);
    match (a, b) {
        (Ok(a), Ok(b)) => {
            let (va, vb) = svd::Reduced::values_pair(a, b);
            (
                va.map_err(SpectrumError::from),
                vb.map_err(SpectrumError::from),
            )
        }
        (a, b) => (finish(a), finish(b)),
    }
}

impl From<svd::NoConvergence> for SpectrumError {
    fn from(e: svd::NoConvergence) -> Self {
        SpectrumError::NoConvergence {
            rotations: e.rotations,
        }
    }
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
