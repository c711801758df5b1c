//! The corners of the parameter space: no NaN or Inf ever reaches a metric, every value stays in
//! its mathematical range, and every run ends (at full depth, or early with a clear error) in
//! bounded time. Worst times are printed, not asserted.

use rankscope::params::{Activation, Init, Input, Metric, Norm, Params};
use rankscope::run::{run_all, Row};
use std::time::{Duration, Instant};

const ACTS: [Activation; 3] = [Activation::Linear, Activation::Relu, Activation::Tanh];
const NORMS: [Norm; 4] = [Norm::None, Norm::Bn, Norm::Bn0, Norm::Ln];
const INITS: [Init; 4] = [Init::Gaussian, Init::Uniform, Init::Orthogonal, Init::Torch];
const INPUTS: [Input; 3] = [Input::Gaussian, Input::Correlated, Input::Rank1];

/// Asserts every value of a row is finite and within its range.
fn check_row(p: &Params, row: &Row) {
    let k = p.width.min(p.batch) as f64;
    let ctx = || format!("{} layer {}", p.to_query(), row.layer);
    assert!(row.log10_norm.is_finite(), "{}", ctx());
    let Some(m) = row.metrics else {
        panic!("{}: flagged point {:?}", ctx(), row.flag);
    };
    for metric in Metric::all() {
        let v = row.value(metric).expect("value");
        assert!(v.is_finite(), "{}: {} = {v}", ctx(), metric.name());
    }
    let tiny = 1e-9;
    assert!((0.0..=k).contains(&m.numerical_rank), "{}", ctx());
    assert!((0.0..=k).contains(&m.soft_rank), "{}", ctx());
    for r in [m.participation_ratio, m.stable_rank, m.effective_rank] {
        assert!((0.0..=k + tiny).contains(&r), "{}: {m:?}", ctx());
    }
    assert!(
        (0.0..=1.0 + tiny).contains(&m.orthogonality_gap),
        "{}: {m:?}",
        ctx()
    );
    assert!(
        (0.0..=1.0 + tiny).contains(&m.mean_abs_cos),
        "{}: {m:?}",
        ctx()
    );
    assert!(row
        .singular_values
        .iter()
        .all(|s| s.is_finite() && *s >= 0.0));
}

/// Runs one setting; returns its time. A run may stop early only with an explained error.
fn run_case(p: &Params) -> Duration {
    let t0 = Instant::now();
    let out = run_all(p);
    let took = t0.elapsed();
    for row in &out.rows {
        check_row(p, row);
    }
    for (seed, e) in &out.errors {
        let text = e.to_string();
        assert!(text.contains("became exactly zero"), "seed {seed}: {text}");
    }
    if out.errors.is_empty() {
        assert_eq!(
            out.rows.last().map(|r| r.layer),
            Some(p.depth),
            "{}",
            p.to_query()
        );
    }
    took
}

#[test]
fn every_combination_at_small_and_lopsided_shapes() {
    let mut worst = (Duration::ZERO, String::new());
    let mut cases = 0;
    for (width, batch) in [(2, 2), (2, 64), (64, 2), (16, 16)] {
        for act in ACTS {
            for norm in NORMS {
                for init in INITS {
                    for input in INPUTS {
                        for gamma in [None, Some(1e-6), Some(1e6)] {
                            let p = Params {
                                depth: 120,
                                width,
                                batch,
                                act,
                                norm,
                                init,
                                input,
                                gamma,
                                ..Params::default()
                            };
                            let took = run_case(&p);
                            cases += 1;
                            if took > worst.0 {
                                worst = (took, p.to_query());
                            }
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "corner sweep: {cases} settings, worst {:?} for {}",
        worst.0, worst.1
    );
}

#[test]
fn deep_wide_saturated_and_extreme_residual_corners() {
    let corners = [
        "depth=50000&width=16&batch=16&norm=none&act=linear",
        "depth=50000&width=16&batch=16&norm=none&act=relu",
        "depth=50000&width=16&batch=16&norm=none&act=tanh",
        "depth=50000&width=8&batch=8&norm=none&gamma=1000000",
        "depth=20000&width=8&batch=8&norm=bn&gamma=0.000001",
        "depth=10&width=512&batch=2&norm=bn",
        "depth=10&width=512&batch=2&norm=ln&act=tanh&init=torch",
        "depth=10&width=2&batch=512&norm=bn0&act=relu",
        "depth=10&width=2&batch=512&norm=none&input=rank1",
        "depth=3&width=512&batch=512&norm=bn&init=orthogonal",
        "depth=5000&width=16&batch=16&act=tanh&init=torch&norm=none",
        "depth=5000&width=16&batch=16&act=tanh&norm=none&gamma=1000000&input=rank1",
        "depth=2000&width=32&batch=32&act=relu&init=torch&norm=none&input=rank1",
        "depth=1000&width=64&batch=8&norm=bn0&input=rank1&tau=0.999",
        "depth=1000&width=8&batch=64&norm=bn&input=correlated&tau=0",
    ];
    for q in corners {
        let p = Params::parse(q).expect("valid corner");
        let took = run_case(&p);
        eprintln!("{took:>12.3?}  {q}");
    }
}
