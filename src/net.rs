//! The random network: input batch, fresh weights per layer, normalisation, activation and
//! residual branch, advanced one layer at a time (SCIENCE.md §1).
//!
//! A layer maps H ↦ F(Norm(M·H + b·1ᵀ)) with M = W or I + γW, as in the paper's simulations
//! (activation after normalisation). The bias b is drawn only by the `torch` init.
//!
//! **Scale.** A vanilla net's norm grows or shrinks geometrically, so the state is stored as
//! H = e^{ln_scale}·Ĥ with Ĥ rescaled to unit root-mean-square entry after every layer. Every
//! operation is applied *exactly* in these coordinates: the bias enters as b·e^{−ln_scale},
//! normalisations are scale-free, ReLU and linear are homogeneous and tanh is evaluated as
//! tanh(s·x)/s. So no rank measure is changed by the bookkeeping, and nothing overflows even
//! at depth 50,000; log₁₀‖H‖_F is reported from ln_scale.

use crate::gemm;
use crate::kernels;
use crate::lanes::V;
use crate::params::{Activation, Init, Input, Norm, Params};
use nalgebra::DMatrix;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use std::fmt;

/// The generator every random number of a run comes from, seeded by the `seed` parameter.
/// Xoshiro256++ (seeded through SplitMix64): the same stream natively and in WASM (it is
/// 64-bit arithmetic on every target, unlike `SmallRng`), and 4× faster in WASM than the
/// ChaCha12 `StdRng` it replaced (a 128×128 Gaussian matrix: 0.26 → 0.07 ms).
type Rng64 = Xoshiro256PlusPlus;

/// Why a network cannot be advanced further.
#[derive(Clone, Debug, PartialEq)]
pub enum NetError {
    /// Every entry became exactly zero (all ReLU units off, say): rank measures are undefined.
    Dead { layer: u32 },
    /// A non-finite value appeared: a bug guard, reported instead of propagated.
    NonFinite { layer: u32 },
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::Dead { layer } => write!(
                f,
                "the representation became exactly zero at layer {layer} (every unit inactive), \
                 so rank measures are undefined from there on; try another seed, a wider net \
                 or BatchNorm"
            ),
            NetError::NonFinite { layer } => write!(
                f,
                "a non-finite value appeared at layer {layer}; the run was stopped there"
            ),
        }
    }
}

impl std::error::Error for NetError {}

/// Standard normal samples (Ziggurat, from rand_distr): the hot path of wide, shallow runs.
struct Gaussian;

impl Gaussian {
    fn new() -> Self {
        Gaussian
    }

    #[inline]
    fn sample(&mut self, rng: &mut Rng64) -> f64 {
        rng.sample(StandardNormal)
    }
}

/// The state of one run: the current batch Ĥ (d×N), its log-scale, and the RNG.
pub struct Network {
    act: Activation,
    norm: Norm,
    init: Init,
    gamma: Option<f64>,
    width: usize,
    /// Ĥ with unit root-mean-square entry; true H = e^{ln_scale}·Ĥ.
    h: DMatrix<f64>,
    /// ‖Ĥ‖_F and max |Ĥᵢⱼ|, measured as Ĥ is rescaled (both finite).
    frobenius: f64,
    max_abs: f64,
    ln_scale: f64,
    layer: u32,
    rng: Rng64,
    gauss: Gaussian,
}

impl Network {
    /// Draws the input batch H₀ for `seed` and prepares to draw weights from the same stream.
    pub fn new(p: &Params, seed: u64) -> Network {
        let mut rng = Rng64::seed_from_u64(seed);
        let mut gauss = Gaussian::new();
        let h = draw_input(p.input, p.width, p.batch, &mut rng, &mut gauss);
        let mut net = Network {
            act: p.act,
            norm: p.norm,
            init: p.init,
            gamma: p.gamma,
            width: p.width,
            h,
            frobenius: f64::NAN,
            max_abs: f64::NAN,
            ln_scale: 0.0,
            layer: 0,
            rng,
            gauss,
        };
        // The input is finite and non-zero by construction.
        let _ = net.rescale();
        net
    }

    /// The current representation up to its scale (unit root-mean-square entry).
    pub fn h(&self) -> &DMatrix<f64> {
        &self.h
    }

    /// Layers advanced so far (0 = the input).
    pub fn layer(&self) -> u32 {
        self.layer
    }

    /// log₁₀ of the true Frobenius norm ‖H_ℓ‖_F.
    pub fn log10_norm(&self) -> f64 {
        (self.ln_scale + self.frobenius.ln()) / std::f64::consts::LN_10
    }

    /// ‖Ĥ‖_F of the stored batch (≈ √(dN): Ĥ has unit root-mean-square entry).
    pub fn frobenius(&self) -> f64 {
        self.frobenius
    }

    /// The largest |entry| of Ĥ: finite, since Ĥ is (a non-finite layer stops the run).
    pub fn max_abs(&self) -> f64 {
        self.max_abs
    }

    /// Advances one layer: H ← F(Norm(M·H + b·1ᵀ)), then rescales.
    pub fn step(&mut self) -> Result<(), NetError> {
        let d = self.width;
        let w = draw_weights(
            self.init,
            self.act.gain(),
            d,
            &mut self.rng,
            &mut self.gauss,
        );
        let wh = gemm::product(&w, &self.h);
        let mut z = match self.gamma {
            None => wh,
            Some(g) => &self.h + wh * g,
        };
        if self.init == Init::Torch {
            // The bias in Ĥ's coordinates: b / s. Bounded: with a bias the scale cannot vanish.
            add_torch_bias(&mut z, (-self.ln_scale).exp(), &mut self.rng);
        }
        self.layer += 1;
        if normalise(self.norm, &mut z) {
            // Normalised output has a fixed scale of its own.
            self.ln_scale = 0.0;
        }
        activate(self.act, self.ln_scale, &mut z);
        self.h = z;
        self.rescale()
    }

    /// Rescales Ĥ to unit root-mean-square entry, moving the factor into ln_scale, and keeps
    /// the result's norm and largest entry for the layer's measures: two passes over the matrix
    /// (its sum of squares; then the division, measuring as it goes) where an evaluated layer
    /// made seven (a norm and the division here; a finiteness check, two maxima and two norms
    /// in its measures).
    fn rescale(&mut self) -> Result<(), NetError> {
        let values = self.h.as_mut_slice();
        // Σx² is finite exactly when every entry is (barring overflow of the squares, which
        // is reported the same way), and then so is every quotient below.
        let fro = kernels::sum_squares::<V>(values).sqrt();
        if !fro.is_finite() {
            return Err(NetError::NonFinite { layer: self.layer });
        }
        if fro == 0.0 {
            return Err(NetError::Dead { layer: self.layer });
        }
        let rms = fro / (values.len() as f64).sqrt();
        let (sum_squares, max_abs) = kernels::divide_and_measure::<V>(values, rms);
        self.frobenius = sum_squares.sqrt();
        self.max_abs = max_abs;
        self.ln_scale += rms.ln();
        Ok(())
    }
}

/// H₀ (d×N) for the chosen input kind. The samples are drawn by [`gaussian_matrix`] in
/// column-major order, then shifted in place: Network::new stays small, so a fresh WebAssembly
/// instance never queues it for V8's optimising compiler (inlined, the three Ziggurat loops
/// made it a 4 KB function that took 13–20 ms of compile time ahead of the hot kernels, for
/// code that runs once per network).
fn draw_input(
    kind: Input,
    d: usize,
    n: usize,
    rng: &mut Rng64,
    gauss: &mut Gaussian,
) -> DMatrix<f64> {
    match kind {
        Input::Gaussian => gaussian_matrix(d, n, 1.0, rng, gauss),
        Input::Correlated => {
            let common = gaussian_matrix(d, 1, 1.0, rng, gauss);
            let mut h = gaussian_matrix(d, n, 1.0, rng, gauss);
            for mut col in h.column_iter_mut() {
                for (x, c) in col.iter_mut().zip(common.iter()) {
                    *x = c + 0.1 * *x;
                }
            }
            h
        }
        Input::Rank1 => {
            let mut h = gaussian_matrix(d, n, 1.0, rng, gauss);
            h.apply(|x| *x = 1.0 + 1e-5 * *x);
            h
        }
    }
}

/// W (d×d) with variance gain/d per entry (torch: 1/(3d), its own convention).
fn draw_weights(
    init: Init,
    gain: f64,
    d: usize,
    rng: &mut Rng64,
    gauss: &mut Gaussian,
) -> DMatrix<f64> {
    let df = d as f64;
    match init {
        Init::Gaussian => gaussian_matrix(d, d, (gain / df).sqrt(), rng, gauss),
        Init::Uniform => uniform_matrix(d, (3.0 * gain / df).sqrt(), rng),
        Init::Torch => uniform_matrix(d, 1.0 / df.sqrt(), rng),
        Init::Orthogonal => orthogonal_matrix(d, gain, rng, gauss),
    }
}

// The initialisations are kept out of line (as are the activations and normalisations below):
// inlined into `Network::step`, all of them made one 9 KB WebAssembly function that V8's
// optimising compiler took ~130 ms of CPU to compile while the page's first view computed;
// apart, only the ones in use get hot and compiled.

/// A rows×cols matrix of independent N(0, sd²) entries, drawn in column-major order: the one
/// place the Ziggurat sampler is inlined (every Gaussian draw comes through here).
#[inline(never)]
fn gaussian_matrix(
    rows: usize,
    cols: usize,
    sd: f64,
    rng: &mut Rng64,
    gauss: &mut Gaussian,
) -> DMatrix<f64> {
    draw_matrix(rows, cols, rng, |r| sd * gauss.sample(r))
}

/// Haar: QR of a Gaussian matrix with R's diagonal signs moved into Q.
#[inline(never)]
fn orthogonal_matrix(d: usize, gain: f64, rng: &mut Rng64, gauss: &mut Gaussian) -> DMatrix<f64> {
    let g = gaussian_matrix(d, d, 1.0, rng, gauss);
    let qr = g.qr();
    let r = qr.r();
    let mut q = qr.q();
    for j in 0..d {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    q * gain.sqrt()
}

/// Adds PyTorch's default bias, uniform in ±1/√d, scaled by `inv_scale`, to every row.
#[inline(never)]
fn add_torch_bias(z: &mut DMatrix<f64>, inv_scale: f64, rng: &mut Rng64) {
    let d = z.nrows();
    let bound = 1.0 / (d as f64).sqrt();
    for i in 0..d {
        let b = (2.0 * rng.random::<f64>() - 1.0) * bound * inv_scale;
        z.row_mut(i).add_scalar_mut(b);
    }
}

#[inline(never)]
fn uniform_matrix(d: usize, bound: f64, rng: &mut Rng64) -> DMatrix<f64> {
    draw_matrix(d, d, rng, |r| (2.0 * r.random::<f64>() - 1.0) * bound)
}

/// A rows×cols matrix whose entries are `draw`n one after another in column-major order, with
/// the generator's state in a local for the loop: drawn through `&mut Rng64`, V8 loaded and
/// stored its four words around every draw (the default view's runs 0.976 / 0.992, W1 0.980 in
/// bench/wasm_ab.mjs --same). The numbers drawn are the same.
#[inline(always)]
fn draw_matrix(
    rows: usize,
    cols: usize,
    rng: &mut Rng64,
    mut draw: impl FnMut(&mut Rng64) -> f64,
) -> DMatrix<f64> {
    let mut local = rng.clone();
    let data: Vec<f64> = (0..rows * cols).map(|_| draw(&mut local)).collect();
    *rng = local;
    DMatrix::from_vec(rows, cols, data)
}

/// Applies the normalisation in place; returns false for `none` (scale unchanged).
/// A row (bn, bn0) or column (ln) with zero spread is set to zero instead of divided by 0.
pub fn normalise(norm: Norm, z: &mut DMatrix<f64>) -> bool {
    match norm {
        Norm::None => return false,
        Norm::Bn => batch_norm(z),
        Norm::Bn0 => batch_norm_uncentred(z),
        Norm::Ln => layer_norm(z),
    }
    true
}

// Each normalisation out of line, so that only the one in use gets hot and compiled by V8's
// optimising compiler (see `gaussian_matrix`).

#[inline(never)]
fn batch_norm(z: &mut DMatrix<f64>) {
    // Row statistics accumulated down the contiguous columns (the matrix is
    // column-major; a row is strided). Same operations in the same order as a loop
    // over each row, so the results are bit-identical to it.
    let (d, n) = z.shape();
    let cols = z.as_mut_slice();
    let mean: Vec<f64> = row_sums(cols, d, |v| v)
        .iter()
        .map(|s| s / n as f64)
        .collect();
    cols.chunks_exact_mut(d)
        .for_each(|c| c.iter_mut().zip(&mean).for_each(|(v, m)| *v -= m));
    let inv_sd: Vec<f64> = row_sums(cols, d, |v| v * v)
        .iter()
        .map(|ss| {
            let sd = (ss / n as f64).sqrt();
            if sd > 0.0 {
                1.0 / sd
            } else {
                0.0
            }
        })
        .collect();
    scale_rows(cols, &inv_sd);
}

#[inline(never)]
fn batch_norm_uncentred(z: &mut DMatrix<f64>) {
    // diag(ZZᵀ)^{-1/2} Z: rows to unit norm, times √N so entries are O(1).
    let (d, n) = z.shape();
    let sqrt_n = (n as f64).sqrt();
    let cols = z.as_mut_slice();
    let factor: Vec<f64> = row_sums(cols, d, |v| v * v)
        .iter()
        .map(|ss| {
            let norm = ss.sqrt();
            if norm > 0.0 {
                sqrt_n / norm
            } else {
                1.0
            }
        })
        .collect();
    scale_rows(cols, &factor);
}

#[inline(never)]
fn layer_norm(z: &mut DMatrix<f64>) {
    let d = z.nrows();
    // Column-major storage: each sample is a contiguous chunk.
    z.as_mut_slice().chunks_mut(d).for_each(centre_and_scale);
}

/// Σⱼ f(z_ij) for every row i of the column-major d-row matrix `cols`, summed in column order.
fn row_sums(cols: &[f64], d: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut sums = vec![0.0; d];
    for c in cols.chunks_exact(d) {
        sums.iter_mut().zip(c).for_each(|(s, &v)| *s += f(v));
    }
    sums
}

/// z_ij ← z_ij·factor_i, column by column.
fn scale_rows(cols: &mut [f64], factor: &[f64]) {
    for c in cols.chunks_exact_mut(factor.len()) {
        c.iter_mut().zip(factor).for_each(|(v, k)| *v *= k);
    }
}

/// Subtracts the mean and divides by the (1/n) standard deviation; zero spread gives zeros.
fn centre_and_scale(values: &mut [f64]) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter_mut().for_each(|v| *v -= mean);
    let sd = (values.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
    let inv = if sd > 0.0 { 1.0 / sd } else { 0.0 };
    values.iter_mut().for_each(|v| *v *= inv);
}

/// Applies F elementwise to Ĥ = H / s, exactly: linear and ReLU commute with s > 0, and tanh is
/// evaluated as tanh(s·x)/s (which is x itself to machine precision when |s·x| < 1e-8).
pub fn activate(act: Activation, ln_scale: f64, z: &mut DMatrix<f64>) {
    match act {
        Activation::Linear => {}
        Activation::Relu => relu(z),
        Activation::Tanh => tanh_scaled(ln_scale.exp(), z),
    }
}

/// A select, not f64::max (a libm call per entry in WASM) and not a conditional store (a branch
/// that mispredicts on half the entries natively): this vectorises to a compare and a mask.
/// NaN and −0 become +0. Out of line like the other activations (see `gaussian_matrix`).
#[inline(never)]
fn relu(z: &mut DMatrix<f64>) {
    for x in z.as_mut_slice() {
        *x = if *x > 0.0 { *x } else { 0.0 };
    }
}

/// tanh(s·x)/s entrywise (x itself when |s·x| < 1e-8).
#[inline(never)]
fn tanh_scaled(s: f64, z: &mut DMatrix<f64>) {
    z.apply(|x| {
        let t = s * *x;
        if t.abs() >= 1e-8 {
            *x = t.tanh() / s;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The norm and the largest entry kept from the rescaling are those of the stored batch,
    /// whose root-mean-square entry is 1, at every layer of every normalisation.
    #[test]
    fn the_kept_norm_and_maximum_are_the_batchs() {
        for query in ["", "norm=none&act=relu", "norm=ln&act=tanh&width=9&batch=5"] {
            let p = Params::parse(query).expect("a valid query");
            let mut net = Network::new(&p, 3);
            for layer in 0..6 {
                if layer > 0 {
                    net.step().expect("finite");
                }
                let h = net.h();
                let norm = h.norm();
                assert!(
                    (net.frobenius() - norm).abs() <= 1e-13 * norm,
                    "{query}: {layer}"
                );
                let max = h.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                assert_eq!(net.max_abs(), max, "{query}: {layer}");
                let rms = norm / (h.len() as f64).sqrt();
                assert!(
                    (rms - 1.0).abs() < 1e-14,
                    "{query}: layer {layer} rms {rms}"
                );
            }
        }
    }

    #[test]
    fn bn_rows_have_zero_mean_unit_variance() {
        let mut z = DMatrix::from_fn(4, 6, |i, j| (i * 7 + j * j) as f64 + 0.5);
        normalise(Norm::Bn, &mut z);
        for row in z.row_iter() {
            let mean = row.mean();
            let var = row.iter().map(|v| v * v).sum::<f64>() / 6.0;
            assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn constant_row_becomes_zero_not_nan() {
        let mut z = DMatrix::from_element(3, 5, 2.0);
        normalise(Norm::Bn, &mut z);
        assert!(z.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn orthogonal_weights_are_orthogonal() {
        let mut rng = Rng64::seed_from_u64(3);
        let mut g = Gaussian::new();
        let q = draw_weights(Init::Orthogonal, 1.0, 16, &mut rng, &mut g);
        let err = (q.transpose() * &q - DMatrix::identity(16, 16)).norm();
        assert!(err < 1e-12, "QᵀQ − I = {err}");
    }

    #[test]
    fn weight_variance_matches_gain_over_width() {
        let mut rng = Rng64::seed_from_u64(5);
        let mut g = Gaussian::new();
        for init in [Init::Gaussian, Init::Uniform] {
            let w = draw_weights(init, 2.0, 256, &mut rng, &mut g);
            let var = w.iter().map(|v| v * v).sum::<f64>() / (256.0 * 256.0);
            assert!((var * 256.0 / 2.0 - 1.0).abs() < 0.02, "{init:?}: {var}");
        }
        let w = draw_weights(Init::Torch, 2.0, 256, &mut rng, &mut g);
        let var = w.iter().map(|v| v * v).sum::<f64>() / (256.0 * 256.0);
        assert!((var * 3.0 * 256.0 - 1.0).abs() < 0.02, "torch: {var}");
    }

    #[test]
    fn tanh_in_scaled_coordinates_is_exact() {
        // True H = e^{ln s} Ĥ; applying tanh to the true values then dividing by s must agree.
        let ln_s: f64 = 0.7;
        let mut z = DMatrix::from_fn(3, 3, |i, j| i as f64 - j as f64 * 0.3);
        let expected = z.map(|x| (ln_s.exp() * x).tanh() / ln_s.exp());
        activate(Activation::Tanh, ln_s, &mut z);
        assert!((z - expected).norm() < 1e-15);
    }
}
