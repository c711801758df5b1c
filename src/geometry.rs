//! The samples' geometry at one layer: each sample projected on the top two principal
//! directions of H, and the N×N matrix of cosines between samples. Without BN the points fall
//! onto a line and every |cos| goes to 1 — the word "collapse" made visible.

use crate::net::{NetError, Network};
use crate::params::Params;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// The batch at one layer of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    pub layer: u32,
    /// (σ₁v₁ⱼ, σ₂v₂ⱼ)/‖H‖_F for each sample j: coordinates on the top two principal directions.
    pub points: Vec<(f64, f64)>,
    /// Share of ‖H‖²_F along each of the two directions.
    pub explained: (f64, f64),
    /// cos∠(hᵢ, hⱼ), row-major N×N (1 on the diagonal; 1 for pairs with a zero sample).
    /// Serialised as bytes for the worker → page transfer ([`crate::wire`]).
    #[serde(with = "crate::wire::f64_bytes")]
    pub cosines: Vec<f64>,
    pub batch: usize,
}

/// Advances a fresh network of `p` (seed `seed`) to `layer` and measures its batch.
pub fn at_layer(p: &Params, seed: u64, layer: u32) -> Result<Geometry, String> {
    let mut net = Network::new(p, seed);
    while net.layer() < layer.min(p.depth) {
        net.step().map_err(|e: NetError| e.to_string())?;
    }
    measure(net.h(), net.layer())
}

/// The geometry of a batch matrix `h` (d×N).
pub fn measure(h: &DMatrix<f64>, layer: u32) -> Result<Geometry, String> {
    if !h.as_slice().iter().all(|v| v.is_finite()) {
        return Err("the representation has a non-finite entry".into());
    }
    let n = h.ncols();
    let fro = h.norm();
    if fro == 0.0 {
        return Err("the representation is exactly zero".into());
    }
    let hs = h / fro;
    // Singular values and the top two principal coordinates σᵢ·vᵢ in one reduction.
    let (sv, directions) = crate::svd::principal_coordinates(hs.as_slice(), hs.nrows(), n, 2)
        .map_err(|e| crate::spectrum::SpectrumError::from(e).to_string())?;
    let coord = |rank: usize, j: usize| directions.get(rank).map_or(0.0, |c| c[j]);
    let points = (0..n).map(|j| (coord(0, j), coord(1, j))).collect();
    let share = |rank: usize| sv.get(rank).map(|s| s * s).unwrap_or(0.0);
    let gram = symmetric_gram(&hs);
    let norms: Vec<f64> = (0..n).map(|i| gram[(i, i)].sqrt()).collect();
    let mut cosines = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let den = norms[i] * norms[j];
            cosines.push(if den > 0.0 {
                (gram[(i, j)] / den).clamp(-1.0, 1.0)
            } else {
                1.0
            });
        }
    }
    Ok(Geometry {
        layer,
        points,
        explained: (share(0), share(1)),
        cosines,
        batch: n,
    })
}

/// HᵀH with both triangles filled.
fn symmetric_gram(h: &DMatrix<f64>) -> DMatrix<f64> {
    let mut g = crate::gemm::gram_upper(h);
    let n = g.ncols();
    for j in 0..n {
        for i in j + 1..n {
            g[(i, j)] = g[(j, i)];
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_one_batch_lies_on_a_line_with_unit_cosines() {
        let u = [1.0, -2.0, 0.5];
        let h = DMatrix::from_fn(3, 4, |i, j| u[i] * (j as f64 + 1.0));
        let g = measure(&h, 0).expect("geometry");
        assert!((g.explained.0 - 1.0).abs() < 1e-12 && g.explained.1 < 1e-20);
        assert!(g.points.iter().all(|p| p.1.abs() < 1e-12));
        assert!(g.cosines.iter().all(|c| (c - 1.0).abs() < 1e-12));
    }

    #[test]
    fn principal_coordinates_match_a_full_svd_up_to_sign() {
        // The reference: nalgebra's SVD with vectors, as this module used to compute them.
        // Smooth test matrices, and batches of deep BN nets (wide and tall, linear and ReLU).
        let mut batches: Vec<DMatrix<f64>> = [(12, 9), (9, 12), (30, 30)]
            .into_iter()
            .map(|(d, n)| {
                DMatrix::from_fn(d, n, |i, j| ((i * 5 + j * 3) as f64 * 0.77).sin() + 0.2)
            })
            .collect();
        for query in [
            "depth=200&width=24&batch=40&act=linear&norm=bn",
            "depth=60&width=48&batch=32&act=relu&norm=bn",
        ] {
            let p = Params::parse(query).expect("valid");
            let mut net = Network::new(&p, 3);
            while net.layer() < p.depth {
                net.step().expect("finite");
            }
            batches.push(net.h().clone());
        }
        for h in batches {
            let (d, n) = h.shape();
            let g = measure(&h, 0).expect("geometry");
            let hs = &h / h.norm();
            let svd = nalgebra::SVD::new(hs, false, true);
            let v_t = svd.v_t.expect("vectors");
            let mut order: Vec<usize> = (0..svd.singular_values.len()).collect();
            order.sort_by(|&a, &b| svd.singular_values[b].total_cmp(&svd.singular_values[a]));
            for (rank, &idx) in order.iter().take(2).enumerate() {
                let s = svd.singular_values[idx];
                let ours: Vec<f64> = g
                    .points
                    .iter()
                    .map(|p| if rank == 0 { p.0 } else { p.1 })
                    .collect();
                let theirs: Vec<f64> = (0..n).map(|j| s * v_t[(idx, j)]).collect();
                let sign = if ours.iter().zip(&theirs).map(|(a, b)| a * b).sum::<f64>() < 0.0 {
                    -1.0
                } else {
                    1.0
                };
                for (a, b) in ours.iter().zip(&theirs) {
                    assert!(
                        (a - sign * b).abs() < 1e-9,
                        "{d}×{n}, direction {rank}: {a} against {b}"
                    );
                }
                let share = if rank == 0 {
                    g.explained.0
                } else {
                    g.explained.1
                };
                assert!((share - s * s).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn orthonormal_samples_have_zero_cosines() {
        let g = measure(&DMatrix::identity(3, 3), 5).expect("geometry");
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((g.cosines[i * 3 + j] - want).abs() < 1e-12);
            }
        }
        assert_eq!(g.layer, 5);
    }

    #[test]
    fn vanilla_net_collapses_onto_a_line_and_bn_does_not() {
        let none = Params::parse("depth=300&width=16&batch=16&norm=none").expect("valid");
        let g = at_layer(&none, 1, 300).expect("geometry");
        assert!(g.explained.0 > 0.99, "{:?}", g.explained);
        let bn = Params {
            norm: crate::params::Norm::Bn,
            ..none
        };
        let g = at_layer(&bn, 1, 300).expect("geometry");
        assert!(g.explained.0 < 0.6, "{:?}", g.explained);
    }
}
