//! # rankscope
//!
//! Watch *rank collapse* happen inside a randomly initialised deep network, and watch
//! BatchNorm prevent it (Daneshmand et al., NeurIPS 2020; 2021).
//!
//! A batch of N inputs (a d×N matrix H₀) passes through L random layers
//! H_{ℓ+1} = F(Norm(W_ℓ H_ℓ)). Without normalisation the representation tends to rank one;
//! with BatchNorm its rank stays of order √d at any depth. This crate simulates such networks
//! and measures their rank layer by layer, natively (the `rankscope` CLI) and in the browser
//! (compiled to WebAssembly).
//!
//! ## Module map and data flow
//!
//! ```text
//! query string ⇄ params::Params ──► run::Simulation ──► Vec<run::Row> ──► plot::draw_*
//!                                    │ net::Network (one layer at a time)
//!                                    │ spectrum::singular_values (true SVD, bounded)
//!                                    │ metrics::compute (rank measures)
//!                                    theory: Lyapunov predictions, √d reference
//! ```
//!
//! * [`params`] — every parameter with its URL key, default and range; the link format.
//! * [`net`] — the random network: input, weights, normalisation, activation, residual.
//! * [`spectrum`] — singular values, finite-checked and iteration-bounded.
//! * [`svd`] — the singular-value algorithm itself (bidiagonalisation, dqds, QR fallback), and the
//!   top singular directions from the same reduction.
//! * [`gemm`] — the layer product and the Gram matrix (packed f64x2 kernels in WASM, which skip
//!   a ReLU layer's zeros).
//! * [`lanes`] — short f64 vectors: f64x2 in WASM, pairs and quadruples natively.
//! * [`kernels`] — the vectorisable dot and axpy loops the hot paths share.
//! * [`metrics`] — rank measures from singular values.
//! * [`theory`] — Lyapunov-exponent predictions and the √d reference.
//! * [`run`] — a resumable simulation emitting rows of measures.
//! * [`wire`] — the rows' singular values as bytes for the worker → page transfer.
//! * [`output`] — CSV and JSON writers shared by the CLI and the page's exports.
//! * [`cost`] — the work a view needs, estimated before it starts.
//! * [`geometry`] — the batch at one layer: principal-plane projection and cosines.
//! * [`sweep`] — the width sweep (Fig. 3a) and its log–log fit.
//! * [`presets`] — the paper's figures and teaching presets, as named links.
//! * [`scene`] — a view's data: main and twin runs, seed bands, the summary sentence.
//! * [`plot`] — every chart, generic over plotters' `DrawingBackend`.
//! * [`axis`] — `ChartAxis`, one coordinate type for linear and log chart axes, with readable log ticks.
//! * [`captions`] — the words under the charts, by the rules that decide what they draw.
//!
//! The core knows nothing about JS or the DOM; `web` (wasm32 only) is the thin binding, and
//! `canvas` (wasm32 only) the page's plotters backend (plotters-canvas with batched lines).

pub mod axis;
#[cfg(target_arch = "wasm32")]
pub mod canvas;
pub mod captions;
pub mod cost;
pub mod gemm;
pub mod geometry;
pub mod kernels;
pub mod lanes;
pub mod metrics;
pub mod net;
pub mod output;
pub mod params;
pub mod plot;
pub mod presets;
pub mod run;
pub mod scene;
pub mod spectrum;
pub mod svd;
pub mod sweep;
pub mod theory;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod wire;
