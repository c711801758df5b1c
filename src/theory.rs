//! What the theory predicts, for overlays next to the simulated curves (SCIENCE.md §3).
//!
//! * Vanilla linear nets with Gaussian N(0, g/d) weights: H_ℓ = W_ℓ⋯W₁X is a product of i.i.d.
//!   random matrices whose singular values separate at the Lyapunov exponents
//!   λ_k = ½[ln(2g/d) + ψ((d−k+1)/2)] (Newman 1986), so σ_k(ℓ)/σ₁(ℓ) ≈ σ_k(0)/σ₁(0)·e^{−ℓ(λ₁−λ_k)}.
//!   Feeding that predicted spectrum to the same [`crate::metrics`] functions predicts every
//!   rank measure's decay.
//! * Vanilla linear nets with orthogonal weights preserve the spectrum exactly: no collapse.
//! * BatchNorm nets: the depth-averaged rank is Ω((1−τ)²√d) (Theorem 2), so √d is drawn as the
//!   reference level (capped at N, the batch's own ceiling).
//! * The width sweeps ([`sweep_laws`]): the depth-averaged rank grows as √d (Fig. 3a, N = d);
//!   with uncentred BN and a fixed N ≤ d the orthogonality gap floors at order N/√d (the 2021
//!   follow-up), so its depth average falls as 1/√d.

use crate::metrics;
use crate::params::{Activation, Init, Metric, Norm, Params, ViewKind};

/// Digamma ψ(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series (error < 1e-13).
pub fn digamma(mut x: f64) -> f64 {
    let mut shift = 0.0;
    while x < 10.0 {
        shift -= 1.0 / x;
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    let series = x2
        * (1.0 / 12.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 252.0 - x2 * (1.0 / 240.0 - x2 / 132.0))));
    shift + x.ln() - 0.5 / x - series
}

/// The d Lyapunov exponents λ₁ ≥ … ≥ λ_d of a product of d×d matrices with i.i.d. N(0, gain/d)
/// entries (natural log, per layer).
pub fn lyapunov_exponents(d: usize, gain: f64) -> Vec<f64> {
    let df = d as f64;
    (1..=d)
        .map(|k| 0.5 * ((2.0 * gain / df).ln() + digamma((df - k as f64 + 1.0) / 2.0)))
        .collect()
}

/// Whether a closed-form prediction exists for these parameters: a vanilla linear chain with
/// plain Gaussian or orthogonal weights.
pub fn has_prediction(p: &Params) -> bool {
    p.act == Activation::Linear
        && p.norm == Norm::None
        && p.gamma.is_none()
        && matches!(p.init, Init::Gaussian | Init::Orthogonal)
}

/// The predicted singular values at `layer`, relative to σ₁, from the input's spectrum `sv0`.
/// `None` when [`has_prediction`] is false.
pub fn predicted_spectrum(p: &Params, sv0: &[f64], layer: u32) -> Option<Vec<f64>> {
    Some(Prediction::new(p, sv0, 0.0)?.spectrum(layer))
}

/// The prediction for one run, from its input's spectrum `sv0` and log10 ‖H₀‖_F, made once for a
/// whole curve: the Lyapunov exponents (d digammas) are computed here, not at every layer
/// (51 × 64 digammas per draw of the default view's main chart, 6 % of that draw in a profile;
/// 500 × d per streaming frame of a 500-point run).
pub struct Prediction<'a> {
    p: &'a Params,
    sv0: &'a [f64],
    log10_norm0: f64,
    /// λ₁ ≥ … ≥ λ_d (empty for orthogonal weights, which preserve the spectrum).
    lyap: Vec<f64>,
}

impl<'a> Prediction<'a> {
    /// `None` when [`has_prediction`] is false or `sv0` has no positive σ₁.
    pub fn new(p: &'a Params, sv0: &'a [f64], log10_norm0: f64) -> Option<Prediction<'a>> {
        if !has_prediction(p) || sv0.is_empty() || sv0[0] <= 0.0 {
            return None;
        }
        let lyap = match p.init {
            Init::Orthogonal => Vec::new(),
            _ => lyapunov_exponents(p.width, p.act.gain()),
        };
        Some(Prediction {
            p,
            sv0,
            log10_norm0,
            lyap,
        })
    }

    /// The predicted singular values at `layer`, relative to σ₁.
    pub fn spectrum(&self, layer: u32) -> Vec<f64> {
        let s1 = self.sv0[0];
        if self.lyap.is_empty() {
            return self.sv0.iter().map(|s| s / s1).collect();
        }
        let l = layer as f64;
        self.sv0
            .iter()
            .zip(&self.lyap)
            .map(|(s, lk)| s / s1 * (l * (lk - self.lyap[0])).exp())
            .collect()
    }

    /// The predicted value of `metric` at `layer`; `None` for a metric theory does not
    /// predict ([`predicts`]).
    pub fn metric(&self, layer: u32, metric: Metric) -> Option<f64> {
        let (d, n) = (self.p.width, self.p.batch);
        if metric == Metric::Log10Norm {
            let growth = self.lyap.first().copied().unwrap_or(0.0);
            return Some(self.log10_norm0 + layer as f64 * growth / std::f64::consts::LN_10);
        }
        if !predicts(metric) {
            return None;
        }
        let sv = self.spectrum(layer);
        Some(match metric {
            Metric::NumericalRank => metrics::numerical_rank(&sv, d, n) as f64,
            Metric::SoftRank => metrics::soft_rank(&sv, self.p.tau) as f64,
            Metric::ParticipationRatio => metrics::participation_ratio(&sv),
            Metric::StableRank => metrics::stable_rank(&sv),
            Metric::EffectiveRank => metrics::effective_rank(&sv),
            Metric::OrthogonalityGap => metrics::orthogonality_gap(&sv, n),
            Metric::MeanAbsCos | Metric::Log10Norm => return None,
        })
    }
}

/// Whether a predicted spectrum predicts `metric` ([`predicted_metric`] gives it): every measure
/// but mean |cos|, which needs the samples themselves.
pub fn predicts(metric: Metric) -> bool {
    metric != Metric::MeanAbsCos
}

/// The predicted value of `metric` at `layer`; `None` where theory makes no closed-form claim
/// ([`has_prediction`], [`predicts`]). A curve's many layers share one [`Prediction`].
pub fn predicted_metric(
    p: &Params,
    sv0: &[f64],
    log10_norm0: f64,
    layer: u32,
    metric: Metric,
) -> Option<f64> {
    Prediction::new(p, sv0, log10_norm0)?.metric(layer, metric)
}

/// The level BatchNorm keeps the rank at, up to a constant: √d, capped by the batch size N.
pub fn bn_reference(p: &Params) -> f64 {
    (p.width as f64).sqrt().min(p.batch as f64)
}

/// Whether the batch size N, not √d, sets [`bn_reference`] (N < √d): the chart labels the level
/// "N = …" and its caption says why.
pub fn batch_caps_reference(p: &Params) -> bool {
    (p.batch as f64) < (p.width as f64).sqrt()
}

/// A power law d^power that the width sweep draws dashed through its narrowest point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLaw {
    /// The law in d: "√d".
    pub name: &'static str,
    pub power: f64,
    /// Where the law comes from, when the caption should say so.
    pub origin: Option<&'static str>,
}

impl PowerLaw {
    /// How the chart's legend and caption name it: "∝ √d".
    pub fn label(self) -> String {
        format!("∝ {}", self.name)
    }
}

/// The power laws theory gives for the width sweep of `p`'s measure (empty outside a sweep):
/// for a rank measure √d (Theorem 2), and with N = d also d (full rank, the other reference of
/// Fig. 3a); for the orthogonality gap at a fixed N, 1/√d — the 2021 floor of order N/√d, proved
/// for the uncentred-BN linear chain only (centred BN keeps the gap above 1/N, a ReLU chain
/// measured slope −0.14), and with N = d that floor is √d, above any gap. Mean |cos| and the norm
/// have none.
pub fn sweep_laws(p: &Params) -> Vec<PowerLaw> {
    let sqrt_d = PowerLaw {
        name: "√d",
        power: 0.5,
        origin: None,
    };
    let orthogonalising = p.norm == Norm::Bn0 && p.act == Activation::Linear && p.gamma.is_none();
    match (p.view, p.metric) {
        (ViewKind::Depth, _) => Vec::new(),
        (ViewKind::Sweep, m) if m.is_rank() => vec![
            sqrt_d,
            PowerLaw {
                name: "d",
                power: 1.0,
                origin: None,
            },
        ],
        (ViewKind::SweepFixedN, m) if m.is_rank() => vec![sqrt_d],
        (ViewKind::SweepFixedN, Metric::OrthogonalityGap) if orthogonalising => vec![PowerLaw {
            name: "1/√d",
            power: -0.5,
            origin: Some("the 2021 floor of order N/√d"),
        }],
        _ => Vec::new(),
    }
}

/// The ceiling a rank measure of the fixed-N sweep cannot pass at any width: the batch size N.
pub fn sweep_ceiling(p: &Params) -> Option<f64> {
    (p.view == ViewKind::SweepFixedN && p.metric.is_rank()).then_some(p.batch as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicts_says_which_metrics_predicted_metric_gives() {
        let p = Params::parse("act=linear&norm=none").expect("valid");
        let sv0 = [3.0, 2.0, 1.0];
        for m in Metric::all() {
            let given = predicted_metric(&p, &sv0, 0.0, 5, m).is_some();
            assert_eq!(predicts(m), given, "{m:?}");
        }
    }

    #[test]
    fn sweep_laws_are_drawn_only_where_theory_states_them() {
        let laws = |q: &str| -> Vec<f64> {
            let p = Params::parse(q).expect("valid");
            sweep_laws(&p).iter().map(|l| l.power).collect()
        };
        assert_eq!(laws("view=sweep&metric=participation_ratio"), [0.5, 1.0]);
        assert_eq!(laws("view=sweep_fixed_n&metric=soft_rank"), [0.5]);
        assert_eq!(
            laws("view=sweep_fixed_n&norm=bn0&metric=orthogonality_gap"),
            [-0.5]
        );
        // Outside the 2021 theorem's chain (uncentred BN, linear, plain W): no law.
        for other in [
            "norm=bn",
            "norm=bn0&act=relu",
            "norm=bn0&gamma=0.5",
            "norm=none",
        ] {
            let q = format!("view=sweep_fixed_n&{other}&metric=orthogonality_gap");
            assert!(laws(&q).is_empty(), "{q}");
        }
        assert!(laws("view=sweep&metric=orthogonality_gap").is_empty());
        assert!(laws("view=sweep&metric=mean_abs_cos").is_empty());
        assert!(laws("view=sweep_fixed_n&metric=log10_norm").is_empty());
        assert!(laws("metric=soft_rank").is_empty(), "not a sweep");
        let ceiling = |q: &str| sweep_ceiling(&Params::parse(q).expect("valid"));
        assert_eq!(ceiling("view=sweep_fixed_n&batch=8"), Some(8.0));
        assert_eq!(ceiling("view=sweep&batch=8"), None);
        assert_eq!(
            ceiling("view=sweep_fixed_n&batch=8&metric=orthogonality_gap"),
            None
        );
    }

    /// One Prediction for a whole curve gives, at every layer, the spectrum from the formula
    /// with the exponents computed afresh, and every metric from that spectrum.
    #[test]
    fn one_prediction_serves_every_layer() {
        let sv0 = [4.0, 3.0, 2.5, 1.0, 0.25];
        for q in [
            "act=linear&norm=none&width=5&batch=5",
            "act=linear&norm=none&width=5&batch=5&init=orthogonal",
        ] {
            let p = Params::parse(q).expect("valid");
            let prediction = Prediction::new(&p, &sv0, 1.5).expect("predicted");
            for layer in [0, 1, 7, 50, 400] {
                let fresh: Vec<f64> = if p.init == Init::Orthogonal {
                    sv0.iter().map(|s| s / 4.0).collect()
                } else {
                    let l = lyapunov_exponents(5, 1.0);
                    (0..5)
                        .map(|k| sv0[k] / 4.0 * (layer as f64 * (l[k] - l[0])).exp())
                        .collect()
                };
                assert_eq!(prediction.spectrum(layer), fresh, "{q} at {layer}");
                assert_eq!(
                    metrics::soft_rank(&fresh, p.tau) as f64,
                    prediction
                        .metric(layer, Metric::SoftRank)
                        .expect("predicted")
                );
                assert_eq!(prediction.metric(layer, Metric::MeanAbsCos), None);
            }
            let growth = if p.init == Init::Orthogonal {
                0.0
            } else {
                lyapunov_exponents(5, 1.0)[0]
            };
            let norm = prediction.metric(10, Metric::Log10Norm).expect("predicted");
            assert!((norm - (1.5 + 10.0 * growth / std::f64::consts::LN_10)).abs() < 1e-15);
        }
        let bn = Params::parse("norm=bn").expect("valid");
        assert!(Prediction::new(&bn, &sv0, 0.0).is_none());
        let linear = Params::parse("act=linear&norm=none").expect("valid");
        assert!(Prediction::new(&linear, &[0.0, 0.0], 0.0).is_none());
    }

    #[test]
    fn digamma_known_values() {
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-13);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-13);
        assert!((digamma(10.0) - 2.251_752_589_066_721).abs() < 1e-13);
    }

    #[test]
    fn lyapunov_spectrum_is_decreasing_and_top_is_near_zero_for_large_d() {
        let l = lyapunov_exponents(64, 1.0);
        assert!(l.windows(2).all(|w| w[0] > w[1]));
        // λ₁ = ½[ln(2/d) + ψ(d/2)] ≈ −1/(2d) for large d: the norm is nearly preserved.
        assert!(l[0] < 0.0 && l[0] > -0.02);
    }
}
