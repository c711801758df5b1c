//! The paper's claims (SCIENCE.md §3), asserted on simulated networks.

use rankscope::params::{Activation, Init, Input, Norm, Params};
use rankscope::run::{run_all, Row};
use rankscope::theory;

fn query(q: &str) -> Params {
    Params::parse(q).unwrap_or_else(|e| panic!("bad test query {q}: {e}"))
}

fn rows(p: &Params) -> Vec<Row> {
    let out = run_all(p);
    assert!(out.errors.is_empty(), "run stopped: {:?}", out.errors);
    out.rows
}

fn numerical_rank(r: &Row) -> f64 {
    r.metrics.expect("metrics").numerical_rank
}

fn participation(r: &Row) -> f64 {
    r.metrics.expect("metrics").participation_ratio
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Fig. 2 (linear): at d = N = 32 with U(−√3, √3)-shaped weights, the vanilla chain reaches
/// numerical rank ≤ 2 by depth 5,000, for every seed tried.
#[test]
fn vanilla_linear_net_collapses_to_rank_at_most_two_by_depth_5000() {
    for seed in [1, 2, 3] {
        let p = query(&format!(
            "depth=5000&width=32&batch=32&act=linear&norm=none&init=uniform&seed={seed}"
        ));
        let r = rows(&p);
        let last = r.last().expect("rows");
        assert_eq!(last.layer, 5000);
        assert!(
            numerical_rank(last) <= 2.0,
            "seed {seed}: {:?}",
            last.metrics
        );
        assert_eq!(numerical_rank(&r[0]), 32.0, "the input is full rank");
    }
}

/// Fig. 2 (linear) + Theorem 2: with centred BN the rank settles at a constant of order √d —
/// not 1, far below 32 — and stays there.
#[test]
fn bn_linear_net_keeps_rank_of_order_sqrt_d_at_any_depth() {
    let p = query("depth=5000&width=32&batch=32&act=linear&norm=bn&init=uniform");
    let r = rows(&p);
    let sqrt_d = 32f64.sqrt();
    let late: Vec<&Row> = r.iter().filter(|row| row.layer >= 500).collect();
    for row in &late {
        let nr = numerical_rank(row);
        assert!(
            (3.0..=20.0).contains(&nr),
            "layer {}: numerical rank {nr}",
            row.layer
        );
    }
    let avg_pr = mean(late.iter().map(|row| participation(row)));
    assert!(
        (0.5 * sqrt_d..=2.0 * sqrt_d).contains(&avg_pr),
        "depth-averaged r(H) = {avg_pr}, √d = {sqrt_d}"
    );
    // Constant: the average over layers 500–2,750 and over 2,750–5,000 agree within 20%.
    let first = mean(
        late.iter()
            .filter(|x| x.layer < 2750)
            .map(|x| participation(x)),
    );
    let second = mean(
        late.iter()
            .filter(|x| x.layer >= 2750)
            .map(|x| participation(x)),
    );
    assert!((first / second - 1.0).abs() < 0.2, "{first} vs {second}");
}

/// Theorem 2's inequality rank_τ ≥ (1−τ)²·r(H) holds at every layer.
#[test]
fn soft_rank_bounds_participation_ratio() {
    let p = query("depth=300&width=32&batch=32&norm=bn&tau=0.3");
    for row in rows(&p) {
        let m = row.metrics.expect("metrics");
        assert!(m.soft_rank >= 0.49 * m.participation_ratio, "{m:?}");
    }
}

/// Fig. 2 (nonlinear): with BN, ReLU and tanh chains stay at (near) full rank.
#[test]
fn nonlinear_bn_nets_stay_near_full_rank() {
    for act in ["relu", "tanh"] {
        let p = query(&format!(
            "depth=2000&width=32&batch=32&act={act}&norm=bn&init=uniform"
        ));
        for row in rows(&p) {
            assert!(numerical_rank(&row) >= 30.0, "{act}, layer {}", row.layer);
        }
    }
}

/// Without BN, the same ReLU chain collapses (mean |cos| → 1: all samples on one line).
#[test]
fn relu_without_bn_collapses() {
    let p = query("depth=500&width=32&batch=32&act=relu&norm=none");
    let r = rows(&p);
    let last = r.last().expect("rows").metrics.expect("metrics");
    assert!(last.mean_abs_cos > 0.99, "{last:?}");
    assert!(last.participation_ratio < 1.1, "{last:?}");
}

/// The measured separation of the top two singular values of a vanilla linear Gaussian chain
/// grows at the Lyapunov rate λ₁ − λ₂ = ½[ψ(d/2) − ψ((d−1)/2)] (Newman 1986), and so does
/// λ₁ − λ₃. Each is measured while the ratio is still far above f64 round-off.
#[test]
fn singular_value_gaps_grow_at_the_lyapunov_rate() {
    let d = 8;
    // 96 independent runs: the per-run slope fluctuates by ~25%, their mean by ~3%.
    let r: Vec<Row> = [1, 33, 65]
        .iter()
        .flat_map(|seed| {
            rows(&query(&format!(
                "depth=300&width=8&batch=8&act=linear&norm=none&init=gaussian&seeds=32&seed={seed}"
            )))
        })
        .collect();
    let lyap = theory::lyapunov_exponents(d, 1.0);
    for k in [1usize, 2] {
        let predicted = lyap[0] - lyap[k];
        // Measure while σ_{k+1}/σ₁ stays above ~e^{-20} ≈ 2e-9, far from f64 round-off.
        let end = (20.0 / predicted).min(300.0) as u32;
        let log_ratio = |row: &Row| (row.singular_values[0] / row.singular_values[k]).ln();
        let at = |layer: u32| mean(r.iter().filter(|row| row.layer == layer).map(log_ratio));
        // Slope of ln(σ₁/σ_{k+1}) from layer 20 to `end`, averaged over 96 seeds.
        let measured = (at(end) - at(20)) / (end - 20) as f64;
        assert!(
            (measured / predicted - 1.0).abs() < 0.1,
            "λ₁ − λ_{}: measured {measured:.5}, Lyapunov formula {predicted:.5}",
            k + 1
        );
    }
}

/// 2021 follow-up: with uncentred BN and N ≤ d, the orthogonality gap falls geometrically from
/// a correlated input, then floors at a small positive level.
#[test]
fn bn0_orthogonality_gap_falls_then_floors() {
    let p = query("depth=300&width=128&batch=8&norm=bn0&input=correlated&seeds=4");
    let r = rows(&p);
    let gap_at = |layer: u32| {
        mean(
            r.iter()
                .filter(|row| row.layer == layer)
                .map(|row| row.metrics.expect("metrics").orthogonality_gap),
        )
    };
    let band = |lo: u32, hi: u32| {
        mean(
            r.iter()
                .filter(|row| (lo..hi).contains(&row.layer))
                .map(|row| row.metrics.expect("metrics").orthogonality_gap),
        )
    };
    let start = gap_at(0);
    let (early, mid, late) = (band(100, 200), band(200, 300), band(250, 301));
    assert!(
        start > 0.9,
        "a correlated input is far from orthogonal: {start}"
    );
    assert!(
        gap_at(10) < 0.5 * start,
        "falls: {} → {}",
        start,
        gap_at(10)
    );
    assert!(
        early < start / 5.0,
        "floor {early} well below the start {start}"
    );
    assert!(
        early > 0.0 && (mid / early - 1.0).abs() < 0.3,
        "floors: {early} then {mid}"
    );
    assert!(
        late > 0.01,
        "the floor is positive (order N/√d), not zero: {late}"
    );
}

/// LayerNorm does not prevent the collapse of a linear net (a teaching contrast).
#[test]
fn layernorm_does_not_save_a_linear_net() {
    let p = query("depth=3000&width=32&batch=32&act=linear&norm=ln");
    let r = rows(&p);
    let last = r.last().expect("rows").metrics.expect("metrics");
    assert!(
        last.soft_rank <= 2.0 && last.participation_ratio < 1.5,
        "{last:?}"
    );
}

/// Residual layers I + γW slow the collapse but do not stop it.
///
/// "Slower" is judged on the mean r(H) of 16 seeds at layer 20 (measured 2.2–2.6× over four
/// seed bases). A single seed at layer 40 — this test's first form — sits at a ratio of about
/// 2 on average (1.1–2.4 per seed), so a 2× threshold there passed or failed by the luck of the
/// random stream: replacing the generator (ChaCha12 → Xoshiro256++) made it fail.
#[test]
fn residual_connections_slow_but_do_not_stop_collapse() {
    let mean_at = |q: &str, layer: u32| {
        let r = rows(&query(q));
        let at: Vec<f64> = r
            .iter()
            .filter(|row| row.layer == layer)
            .map(participation)
            .collect();
        assert_eq!(at.len(), 16, "every seed evaluated at layer {layer}");
        at.iter().sum::<f64>() / at.len() as f64
    };
    let plain = mean_at("depth=20&width=16&batch=16&norm=none&seeds=16", 20);
    let slowed = mean_at(
        "depth=20&width=16&batch=16&norm=none&gamma=0.3&seeds=16",
        20,
    );
    assert!(
        slowed > 2.0 * plain,
        "slower: r(H) {slowed} against {plain}"
    );
    let resid = rows(&query("depth=4000&width=16&batch=16&norm=none&gamma=0.3"));
    let pr_at = |r: &[Row], layer: u32| {
        r.iter()
            .find(|row| row.layer == layer)
            .map(participation)
            .expect("layer evaluated")
    };
    assert!(
        pr_at(&resid, 4000) < 1.5,
        "but still collapses: {}",
        pr_at(&resid, 4000)
    );
}

/// Orthogonal weights preserve a linear chain's spectrum exactly (the theory's no-collapse case).
#[test]
fn orthogonal_linear_chain_preserves_the_spectrum() {
    let p = query("depth=200&width=16&batch=16&norm=none&init=orthogonal");
    let r = rows(&p);
    let (first, last) = (&r[0], r.last().expect("rows"));
    for (a, b) in first.singular_values.iter().zip(&last.singular_values) {
        assert!((a - b).abs() < 1e-10, "{a} vs {b}");
    }
}

/// The torch init (weights and biases U(±1/√fan_in)) collapses a vanilla ReLU net fastest
/// (the paper's Fig. 1): rank near 1 within a few tens of layers at width 128.
#[test]
fn torch_init_relu_net_collapses_within_tens_of_layers() {
    let p = query("depth=30&width=128&batch=128&act=relu&norm=none&init=torch");
    let r = rows(&p);
    let last = r.last().expect("rows").metrics.expect("metrics");
    assert!(last.participation_ratio < 1.05, "{last:?}");
    let bn = rows(&query(
        "depth=30&width=128&batch=128&act=relu&norm=bn&init=torch",
    ));
    let bn_last = bn.last().expect("rows").metrics.expect("metrics");
    assert!(bn_last.numerical_rank >= 120.0, "{bn_last:?}");
}

/// Same parameters → bit-identical numbers; another seed → other numbers.
#[test]
fn runs_are_deterministic_per_seed() {
    for init in [Init::Gaussian, Init::Uniform, Init::Orthogonal, Init::Torch] {
        let p = Params {
            depth: 60,
            width: 12,
            batch: 9,
            act: Activation::Tanh,
            norm: Norm::Bn,
            init,
            input: Input::Correlated,
            gamma: Some(0.5),
            ..Params::default()
        };
        assert_eq!(rows(&p), rows(&p), "{init:?}");
        let other = Params {
            seed: 2,
            ..p.clone()
        };
        assert_ne!(rows(&p), rows(&other), "{init:?}");
    }
}

/// The nearly rank-one input (Fig. 3b) starts with one dominant direction; BN restores rank.
#[test]
fn bn_restores_rank_from_a_nearly_rank_one_input() {
    let p = query("depth=100&width=50&batch=50&norm=bn0&input=rank1");
    let r = rows(&p);
    let sv0 = &r[0].singular_values;
    assert!(
        sv0[1] / sv0[0] < 1e-4,
        "input nearly rank one: {:?}",
        &sv0[..3]
    );
    let last = r.last().expect("rows");
    let s10 = last.singular_values[9] / last.singular_values[0];
    assert!(
        s10 > 1e-2,
        "10th singular value back to O(1) relative: {s10}"
    );
}

/// The depth-averaged `measure` at each width of the sweep `q`, and the fitted log–log slope.
fn sweep_slope(q: &str, measure: fn(&Row) -> f64) -> (Vec<f64>, f64) {
    let averages: Vec<(f64, f64)> = rankscope::sweep::runs(&query(q))
        .iter()
        .map(|p| (p.width as f64, mean(rows(p).iter().map(measure))))
        .collect();
    let (slope, _) = rankscope::sweep::fit(&query(q), &averages).expect("two widths or more");
    (averages.iter().map(|a| a.1).collect(), slope)
}

fn orthogonality_gap(r: &Row) -> f64 {
    r.metrics.expect("metrics").orthogonality_gap
}

/// Fig. 3a: the depth-averaged r(H) of the uncentred-BN chain with N = d grows as a power of d
/// close to ½ (measured here 0.55 on the plateau, 0.6 with the first layers' transient
/// averaged in) — not flat (collapse) and not ∝ d (full rank).
#[test]
fn fig3a_rank_grows_about_as_sqrt_width() {
    let (values, slope) = sweep_slope("view=sweep&depth=300&norm=bn0&seeds=2", participation);
    assert!((0.4..0.7).contains(&slope), "slope {slope}: {values:?}");
}

/// 2021 follow-up: at a fixed batch N ≤ d the uncentred-BN chain's orthogonality gap floors at
/// order N/√d, so its depth average falls as d^−½ (measured −0.52).
#[test]
fn bn0_orthogonality_gap_falls_as_one_over_sqrt_width_at_fixed_batch() {
    let (values, slope) = sweep_slope(
        "view=sweep_fixed_n&batch=8&depth=300&norm=bn0&seeds=2",
        orthogonality_gap,
    );
    assert!((-0.65..-0.4).contains(&slope), "slope {slope}: {values:?}");
}

/// The same at N = 16, fitted over the widths d ≥ 16 where the theorem applies (the page's fit;
/// measured −0.48 with these two seeds, −0.45 had d = 8 < N been included).
#[test]
fn bn0_orthogonality_gap_falls_as_one_over_sqrt_width_over_widths_at_least_n() {
    let (values, slope) = sweep_slope(
        "view=sweep_fixed_n&batch=16&depth=300&norm=bn0&seeds=2",
        orthogonality_gap,
    );
    assert!((-0.65..-0.4).contains(&slope), "slope {slope}: {values:?}");
}

/// In a linear net centred BN makes every layer's samples sum to zero (H·1 = 0), so
/// HᵀH/‖H‖²_F − I/N maps 1 to −1/N and the orthogonality gap can never fall below 1/N, however
/// wide the net: why the 2021 result is stated for uncentred BN. (An activation after the
/// normalisation, e.g. ReLU, undoes the centring: no such floor there.)
#[test]
fn centred_bn_keeps_the_orthogonality_gap_above_one_over_n() {
    for q in [
        "depth=60&width=256&batch=8&norm=bn",
        "depth=60&width=64&batch=4&norm=bn",
    ] {
        let p = query(q);
        let floor = 1.0 / p.batch as f64;
        let r = rows(&p);
        let lowest = r
            .iter()
            .filter(|row| row.layer > 0)
            .map(orthogonality_gap)
            .fold(f64::INFINITY, f64::min);
        assert!(
            lowest >= floor * (1.0 - 1e-9),
            "{q}: gap {lowest} < 1/N = {floor}"
        );
        // And the bound is nearly reached: the floor is the centring's, not a slow decay.
        assert!(lowest < 2.0 * floor, "{q}: lowest gap {lowest}");
    }
}
