//! A resumable simulation: advance a few layers at a time and emit a [`Row`] of measures at
//! every evaluated layer, so the browser can compute in slices of milliseconds and the CLI
//! can stream. Every layer is advanced; metrics are evaluated at the layers
//! [`Params::is_eval_layer`] selects (layer 0 is the input itself).

use crate::metrics::{self, Metrics};
use crate::net::{NetError, Network};
use crate::params::{Metric, Params};
use crate::spectrum;

/// The measures of one evaluated layer of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub seed: u64,
    pub layer: u32,
    /// `None` when the SVD failed at this layer (a flagged point; see `flag`).
    pub metrics: Option<Metrics>,
    /// log₁₀‖H_ℓ‖_F of the true, unrescaled representation.
    pub log10_norm: f64,
    /// Singular values of H_ℓ/‖H_ℓ‖_F (so Σσᵢ² = 1), largest first; empty when the SVD failed.
    pub singular_values: Vec<f64>,
    /// Why this point has no metrics, if it has none.
    pub flag: Option<String>,
}

impl Row {
    /// The value of one metric, `None` for a flagged point.
    pub fn value(&self, metric: Metric) -> Option<f64> {
        if metric == Metric::Log10Norm {
            return Some(self.log10_norm);
        }
        let m = self.metrics.as_ref()?;
        Some(match metric {
            Metric::NumericalRank => m.numerical_rank,
            Metric::SoftRank => m.soft_rank,
            Metric::ParticipationRatio => m.participation_ratio,
            Metric::StableRank => m.stable_rank,
            Metric::EffectiveRank => m.effective_rank,
            Metric::OrthogonalityGap => m.orthogonality_gap,
            Metric::MeanAbsCos => m.mean_abs_cos,
            Metric::Log10Norm => self.log10_norm,
        })
    }
}

/// One run (one seed) of the network described by a [`Params`].
pub struct Simulation {
    params: Params,
    seed: u64,
    net: Network,
    input_emitted: bool,
    error: Option<NetError>,
}

impl Simulation {
    /// Draws the input for `seed`; no layer is advanced yet.
    pub fn new(params: &Params, seed: u64) -> Simulation {
        Simulation {
            params: params.clone(),
            seed,
            net: Network::new(params, seed),
            input_emitted: false,
            error: None,
        }
    }

    /// Layers advanced so far.
    pub fn layer(&self) -> u32 {
        self.net.layer()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current representation (rescaled to unit RMS entry).
    pub fn h(&self) -> &nalgebra::DMatrix<f64> {
        self.net.h()
    }

    /// The parameters this run simulates.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// True when the last layer is done or the run stopped on an error.
    pub fn is_done(&self) -> bool {
        self.error.is_some() || (self.input_emitted && self.net.layer() >= self.params.depth)
    }

    /// Why the run stopped early, if it did.
    pub fn error(&self) -> Option<&NetError> {
        self.error.as_ref()
    }

    /// Advances up to `max_layers` layers and returns the rows of the evaluated ones (the first
    /// call also returns layer 0). After an error the rows before it are still returned and
    /// [`Simulation::error`] tells why the run stopped.
    pub fn advance(&mut self, max_layers: u32) -> Vec<Row> {
        let mut rows = Vec::new();
        // An evaluated layer whose singular values wait for the next one's: the two bidiagonal
        // phases then run interleaved (see `svd::dqds`), for the same values.
        let mut waiting: Option<Measured> = None;
        let mut measured = |m: Measured, rows: &mut Vec<Row>| match waiting.take() {
            None => waiting = Some(m),
            Some(first) => {
                let (a, b) = Measured::finish_pair(first, m, self.params.tau);
                rows.push(a);
                rows.push(b);
            }
        };
        if !self.input_emitted {
            self.input_emitted = true;
            measured(self.measure(), &mut rows);
        }
        for _ in 0..max_layers {
            if self.is_done() {
                break;
            }
            if let Err(e) = self.net.step() {
                self.error = Some(e);
                break;
            }
            if self.params.is_eval_layer(self.net.layer()) {
                measured(self.measure(), &mut rows);
            }
        }
        if let Some(last) = waiting {
            rows.push(last.finish(self.params.tau));
        }
        rows
    }

    /// Measures the current layer, all but its bidiagonal phase.
    fn measure(&self) -> Measured {
        let h = self.net.h();
        // The network measured Ĥ's norm and largest entry as it rescaled it.
        let max_abs = self.net.max_abs();
        let reduced = spectrum::reduce_measured(h, max_abs);
        let facts = Facts {
            seed: self.seed,
            layer: self.net.layer(),
            log10_norm: self.net.log10_norm(),
            shape: h.shape(),
            frobenius: self.net.frobenius(),
            // Only a finite matrix gets measures (and needs its Gram matrix).
            mean_abs_cos: if reduced.is_ok() {
                metrics::mean_abs_cos_with_max(h, max_abs)
            } else {
                f64::NAN
            },
        };
        Measured { facts, reduced }
    }
}

/// An evaluated layer before its singular values: the matrix brought to bidiagonal form, and
/// everything else that needs the matrix itself.
struct Measured {
    facts: Facts,
    reduced: Result<crate::svd::Reduced, spectrum::SpectrumError>,
}

/// What a layer's row needs besides its singular values.
struct Facts {
    seed: u64,
    layer: u32,
    log10_norm: f64,
    shape: (usize, usize),
    frobenius: f64,
    mean_abs_cos: f64,
}

impl Measured {
    fn finish(self, tau: f64) -> Row {
        let values = self.reduced.and_then(|r| r.values().map_err(Into::into));
        self.facts.row(values, tau)
    }

    fn finish_pair(a: Measured, b: Measured, tau: f64) -> (Row, Row) {
        let (va, vb) = spectrum::values_pair(a.reduced, b.reduced);
        (a.facts.row(va, tau), b.facts.row(vb, tau))
    }
}

impl Facts {
    fn row(self, values: Result<Vec<f64>, spectrum::SpectrumError>, tau: f64) -> Row {
        let (metrics, singular_values, flag) = match values {
            Ok(sv) => {
                let m = metrics::from_values(&sv, self.shape, tau, self.mean_abs_cos);
                let rel = sv.iter().map(|s| s / self.frobenius).collect();
                (Some(m), rel, None)
            }
            Err(e) => (None, Vec::new(), Some(e.to_string())),
        };
        Row {
            seed: self.seed,
            layer: self.layer,
            metrics,
            log10_norm: self.log10_norm,
            singular_values,
            flag,
        }
    }
}

/// The outcome of running every seed to the end: all rows (seed by seed, layer by layer) and
/// the errors of runs that stopped early.
pub struct RunOutput {
    pub rows: Vec<Row>,
    pub errors: Vec<(u64, NetError)>,
}

/// Runs every seed of `params` to completion (CLI and tests; the browser uses [`Simulation`]).
pub fn run_all(params: &Params) -> RunOutput {
    let mut out = RunOutput {
        rows: Vec::new(),
        errors: Vec::new(),
    };
    for seed in params.run_seeds() {
        let mut sim = Simulation::new(params, seed);
        while !sim.is_done() {
            out.rows.extend(sim.advance(params.depth));
        }
        if let Some(e) = sim.error() {
            out.errors.push((seed, e.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows in the order of the layers, each exactly as if it were evaluated alone: `advance`
    /// pairs consecutive layers' bidiagonal phases, and that must not show in the numbers.
    #[test]
    fn paired_layers_give_the_rows_of_single_ones() {
        for query in [
            "depth=9&width=24&batch=16&act=relu&norm=bn",
            "depth=7&width=12&batch=20&act=linear&norm=none&every=2",
        ] {
            let params = Params::parse(query).expect("valid query");
            let mut chunked = Simulation::new(&params, 3);
            let mut rows = Vec::new();
            for chunk in [1, 2, 3, 1, 100] {
                rows.extend(chunked.advance(chunk));
            }
            let mut alone = Simulation::new(&params, 3);
            alone.input_emitted = true;
            let mut expected = vec![alone.measure().finish(params.tau)];
            while !alone.is_done() {
                alone.net.step().expect("finite");
                if params.is_eval_layer(alone.layer()) {
                    expected.push(alone.measure().finish(params.tau));
                }
            }
            assert_eq!(rows, expected, "{query}");
            assert!(rows.windows(2).all(|w| w[0].layer < w[1].layer));
        }
    }
}
