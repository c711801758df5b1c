//! How much work a view is, before it starts: the page asks before locking the machine.
//!
//! Counted in floating-point operations: per layer the product M·H (2·d²·N), drawing W (≈ 20
//! per entry: a normal sample costs about that much) and, with orthogonal weights, a QR
//! (≈ 4/3·d³); per evaluated layer an SVD and the Gram matrix for mean |cos|, fitted to measured
//! WASM times as ≈ 1.5·d·N·min(d, N) + d·N² flop-equivalents (a 256×256 SVD takes ~10 ms at
//! ~2.3 GFLOP/s). Both runs (main and twin) of every seed count; a sweep counts every width.

use crate::params::{Init, Params, ViewKind};
use crate::sweep;

/// Estimated work of one view, split into advancing layers and evaluating them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// Flops spent advancing layers (cannot be reduced without changing the network).
    pub layers: f64,
    /// Flops spent on SVDs and metrics (a coarser `every` reduces them).
    pub evals: f64,
}

impl Cost {
    pub fn total(&self) -> f64 {
        self.layers + self.evals
    }
}

/// Work of one run (one seed) of `p`.
fn run_cost(p: &Params) -> Cost {
    let (d, n) = (p.width as f64, p.batch as f64);
    let mut per_layer = 2.0 * d * d * n + 20.0 * d * d;
    if p.init == Init::Orthogonal {
        per_layer += 4.0 / 3.0 * d * d * d;
    }
    let evals = (p.depth / p.eval_every() + p.extra_log_evals()) as f64 + 2.0;
    let per_eval = 1.5 * d * n * d.min(n) + d * n * n;
    Cost {
        layers: per_layer * p.depth as f64,
        evals: per_eval * evals,
    }
}

/// Work of the whole view of `p`.
pub fn estimate(p: &Params) -> Cost {
    let runs: Vec<Params> = match p.view {
        ViewKind::Sweep | ViewKind::SweepFixedN => sweep::runs(p),
        ViewKind::Depth => vec![p.clone(), p.twin()],
    };
    runs.iter().fold(
        Cost {
            layers: 0.0,
            evals: 0.0,
        },
        |acc, r| {
            let c = run_cost(r);
            let seeds = r.seeds as f64;
            Cost {
                layers: acc.layers + c.layers * seeds,
                evals: acc.evals + c.evals * seeds,
            }
        },
    )
}

/// The smallest cadence `every` that brings the view under `budget` flops, if the layers alone
/// fit; `None` when no cadence is enough (or the view is already under budget).
pub fn coarser_every(p: &Params, budget: f64) -> Option<u32> {
    if estimate(p).total() <= budget || p.view.is_sweep() {
        return None;
    }
    let mut every = p.eval_every();
    while every < p.depth {
        every = (every * 2).min(p.depth);
        let q = Params {
            every: Some(every),
            ..p.clone()
        };
        if estimate(&q).total() <= budget {
            return Some(every);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(q: &str) -> f64 {
        estimate(&Params::parse(q).expect("valid")).total()
    }

    #[test]
    fn cost_grows_with_every_dimension() {
        let base = cost("depth=100&width=32&batch=32");
        assert!(cost("depth=200&width=32&batch=32") > 1.9 * base);
        assert!(cost("depth=100&width=64&batch=32") > 2.0 * base);
        assert!(cost("depth=100&width=32&batch=64") > 1.9 * base);
        assert!(cost("depth=100&width=32&batch=32&seeds=4") > 3.9 * base);
        // The extreme corner is about ten thousand times the default view.
        assert!(cost("depth=50000&width=512&batch=512") > 1e4 * cost(""));
    }

    #[test]
    fn coarser_cadence_only_when_evaluations_dominate() {
        // A large batch: the N×N Gram matrix and the SVD of every layer outweigh the product.
        let p = Params::parse("depth=5000&width=32&batch=512&every=1").expect("valid");
        let c = estimate(&p);
        assert!(c.evals > c.layers, "an SVD every layer dominates: {c:?}");
        let every = coarser_every(&p, c.layers * 1.5).expect("a coarser cadence fits");
        assert!(every > 1);
        let q = Params {
            every: Some(every),
            ..p.clone()
        };
        assert!(estimate(&q).total() <= c.layers * 1.5);
        assert_eq!(
            coarser_every(&p, c.layers * 0.5),
            None,
            "layers alone exceed it"
        );
    }
}
