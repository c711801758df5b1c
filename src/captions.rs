//! The words under the charts, decided by the same rules that decide what the charts draw: a
//! caption on a projector that names a dashed curve or a green level the chart does not show
//! teaches the wrong thing. Pure functions of the parameters, so the page can set them before
//! the first rows arrive.

use crate::params::{Detail, Init, Params, ViewKind};
use crate::plot::TOP_K;
use crate::theory;
use serde::Serialize;

/// The texts of one view's captions and the spectrum canvas's accessible name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Captions {
    /// Under the main chart (rank against depth, or the width sweep).
    pub rank: String,
    /// Under the second chart (heatmap of the whole spectrum, or the top eigenvalues).
    pub spectrum: String,
    /// The second chart's `aria-label`.
    pub spectrum_label: String,
}

/// The captions of the view `p` describes.
pub fn captions(p: &Params) -> Captions {
    let (spectrum, spectrum_label) = spectrum_caption(p);
    Captions {
        rank: rank_caption(p),
        spectrum,
        spectrum_label,
    }
}

/// The main chart's caption: what the lines are, then the dashed prediction and the green level
/// only where [`crate::plot::rank_chart`] draws them (and why not, for the prediction).
pub fn rank_caption(p: &Params) -> String {
    if p.view.is_sweep() {
        return sweep_caption(p);
    }
    let mut parts = vec![lines_sentence(p)];
    parts.push(prediction_sentence(p));
    if p.metric.is_rank() {
        parts.push(level_sentence(p));
    }
    parts.join(" ")
}

/// The width sweep's caption: which widths and batches ran, then the dashed laws and the level
/// exactly as [`crate::plot::sweep_chart`] draws them ([`theory::sweep_laws`],
/// [`theory::sweep_ceiling`]).
fn sweep_caption(p: &Params) -> String {
    let widths = crate::sweep::WIDTHS;
    let (first, last) = (widths[0], widths[widths.len() - 1]);
    let runs = if p.view == ViewKind::SweepFixedN {
        format!(
            "networks of width d = {first} … {last}, each on a batch of N = {}",
            p.batch
        )
    } else {
        format!("networks of width d = N = {first} … {last}")
    };
    // Each law by its label, with its origin where theory names one.
    let labels: Vec<String> = theory::sweep_laws(p)
        .iter()
        .map(|l| match l.origin {
            Some(origin) => format!("{} ({origin})", l.label()),
            None => l.label(),
        })
        .collect();
    // The laws start where they hold: the narrowest width, or at a fixed N the first d ≥ N.
    let from = widths
        .iter()
        .copied()
        .find(|&d| crate::sweep::fitted_at(p, d));
    let through = match from {
        Some(d) if d == first => "through the narrowest point".to_string(),
        Some(d) => format!("from the point at d = {d}"),
        None => String::new(),
    };
    let dashed = match labels.as_slice() {
        [] => "No dashed line: theory gives no power law in d for this measure here.".to_string(),
        _ if crate::sweep::too_few_fitted(p) => {
            "No dashed line and no slope: fewer than two widths reach N.".to_string()
        }
        [one] => format!("Dashed: a line {one} {through}."),
        many => format!("Dashed: lines {} {through}.", many.join(" and ")),
    };
    // The fixed-N sweep's narrow widths can have fewer neurons than samples: outside the 2021
    // theorem (N ≤ d), and no N vectors in d < N dimensions are orthogonal.
    let fitted = !crate::sweep::too_few_fitted(p);
    let narrow = if crate::sweep::leaves_out_narrow(p) {
        let fit = if fitted {
            format!(", so the slope is fitted over d ≥ {} only", p.batch)
        } else {
            String::new()
        };
        format!(
            " At widths d < N = {} there are fewer neurons than samples, outside the 2021 \
             theorem (N ≤ d): those samples cannot all be orthogonal{fit}.",
            p.batch
        )
    } else {
        String::new()
    };
    let ceiling = theory::sweep_ceiling(p)
        .map(|n| format!(" The level N = {n} is the batch size, which no rank can pass."))
        .unwrap_or_default();
    let title = if fitted {
        " The title gives the fitted slope."
    } else {
        ""
    };
    format!(
        "The chosen measure averaged over all layers, for {runs} (log–log axes). \
         {dashed}{ceiling}{narrow}{title}"
    )
}

/// What the solid and light lines are (and the bands, with several seeds).
fn lines_sentence(p: &Params) -> String {
    let seeds = if p.seeds > 1 {
        format!(
            " Each line is the mean of {} seeds, its band their range.",
            p.seeds
        )
    } else {
        String::new()
    };
    format!(
        "The chosen measure against depth for the run the controls describe (solid) and the \
         same network with normalisation the other way (light).{seeds}"
    )
}

/// The dashed curve, or why there is none: theory predicts the vanilla run in closed form only
/// for linear layers with Gaussian or orthogonal weights ([`theory::has_prediction`]).
fn prediction_sentence(p: &Params) -> String {
    let vanilla = [p.clone(), p.twin()]
        .into_iter()
        .find(theory::has_prediction);
    match vanilla {
        Some(_) if !theory::predicts(p.metric) => format!(
            "No dashed prediction: {} needs the samples themselves, not only their spectrum.",
            p.metric.label()
        ),
        Some(v) if v.init == Init::Orthogonal => "Dashed: the prediction for the run without \
             normalisation — orthogonal layers keep the input's spectrum, so its rank does not \
             fall."
            .into(),
        Some(_) => "Dashed: the prediction for the run without normalisation from the Lyapunov \
             exponents of products of Gaussian matrices."
            .into(),
        None => "No dashed prediction: theory gives one in closed form only for linear layers \
             with Gaussian or orthogonal weights and no residual connection."
            .into(),
    }
}

/// The green level ([`theory::bn_reference`]): √d, or the batch size when that is lower.
fn level_sentence(p: &Params) -> String {
    let sqrt_d = (p.width as f64).sqrt();
    let level = theory::bn_reference(p);
    if theory::batch_caps_reference(p) {
        format!(
            "Green: the batch size N = {}, the ceiling of any rank here (√d = {sqrt_d:.1} is \
             above it).",
            p.batch
        )
    } else {
        format!("Green: √d = {level:.1}, the order of rank BatchNorm keeps at any depth.")
    }
}

/// The second chart's caption and accessible name.
fn spectrum_caption(p: &Params) -> (String, String) {
    match p.detail {
        Detail::Spectrum => (
            "How the rank is lost: log₁₀ σᵢ/σ₁ for every singular value (rows) at every \
             evaluated layer (columns), first seed. Dark means numerically zero."
                .into(),
            "Singular-value spectrum across depth, log10 of sigma_i over sigma_1, for both runs"
                .into(),
        ),
        Detail::Top10 => {
            let k = TOP_K.min(p.width.min(p.batch));
            (
                format!(
                    "The top {k} eigenvalues of HHᵀ with H scaled to ‖H‖F = 1 (all of them sum \
                     to 1) against depth, for the run the controls describe, first seed, as in \
                     the paper's Fig. 3b. Collapse puts all the weight on λ₁."
                ),
                format!(
                    "The top {k} eigenvalues of H times H-transpose against depth, for the run \
                     the controls describe"
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caption(query: &str) -> Captions {
        captions(&Params::parse(query).expect("a valid query"))
    }

    #[test]
    fn the_default_view_names_the_prediction_and_the_sqrt_d_level() {
        let c = caption("");
        assert!(c.rank.contains("Lyapunov"), "{}", c.rank);
        assert!(c.rank.contains("√d = 8.0"), "{}", c.rank);
        assert!(c.spectrum.contains("every singular value"));
    }

    #[test]
    fn no_dashed_curve_is_named_where_theory_has_none() {
        for query in [
            "act=relu",
            "act=tanh",
            "gamma=0.5",
            "init=uniform",
            "init=torch",
        ] {
            let c = caption(query);
            assert!(
                c.rank.contains("No dashed prediction"),
                "{query}: {}",
                c.rank
            );
            assert!(!c.rank.contains("Lyapunov"), "{query}: {}", c.rank);
        }
        let c = caption("metric=mean_abs_cos");
        assert!(
            c.rank.contains("No dashed prediction: mean |cos|"),
            "{}",
            c.rank
        );
    }

    #[test]
    fn the_prediction_is_the_vanilla_runs_whichever_the_toggle_shows() {
        assert_eq!(caption("norm=none").rank, caption("norm=bn").rank);
        assert!(caption("init=orthogonal")
            .rank
            .contains("orthogonal layers keep"));
    }

    #[test]
    fn the_green_level_appears_with_rank_measures_only_and_says_when_n_caps_it() {
        assert!(!caption("metric=mean_abs_cos").rank.contains("Green"));
        assert!(!caption("metric=log10_norm").rank.contains("Green"));
        let capped = caption("width=400&batch=8").rank;
        assert!(
            capped.contains("N = 8") && capped.contains("√d = 20.0"),
            "{capped}"
        );
    }

    #[test]
    fn seeds_mention_their_bands() {
        assert!(caption("seeds=3").rank.contains("mean of 3 seeds"));
        assert!(!caption("seeds=1").rank.contains("seeds"));
    }

    #[test]
    fn the_spectrum_caption_follows_the_second_charts_kind() {
        let c = caption("detail=top10&width=6&batch=8");
        assert!(
            c.spectrum.starts_with("The top 6 eigenvalues"),
            "{}",
            c.spectrum
        );
        assert!(c.spectrum_label.contains("top 6"));
        assert!(!c.spectrum.contains("every singular value"));
    }

    #[test]
    fn the_sweep_has_its_own_caption() {
        let c = caption("view=sweep");
        assert!(c.rank.contains("averaged over all layers") && c.rank.contains("8 … 256"));
        assert!(c.rank.contains("lines ∝ √d and ∝ d"), "{}", c.rank);
    }

    #[test]
    fn the_fixed_n_sweeps_caption_names_its_batch_and_only_the_laws_drawn() {
        let gap = caption("view=sweep_fixed_n&batch=8&norm=bn0&metric=orthogonality_gap");
        assert!(
            gap.rank.contains("each on a batch of N = 8"),
            "{}",
            gap.rank
        );
        assert!(
            gap.rank.contains("a line ∝ 1/√d (the 2021 floor"),
            "{}",
            gap.rank
        );
        assert!(!gap.rank.contains("√d and") && !gap.rank.contains("level N"));
        let rank = caption("view=sweep_fixed_n&batch=8&metric=soft_rank");
        assert!(rank.rank.contains("a line ∝ √d through"), "{}", rank.rank);
        assert!(
            rank.rank.contains("level N = 8 is the batch size"),
            "{}",
            rank.rank
        );
        assert!(!gap.rank.contains("fewer neurons"), "N = 8 ≤ every width");
        let wide_batch = caption("view=sweep_fixed_n&batch=20&norm=bn0&metric=orthogonality_gap");
        assert!(
            wide_batch
                .rank
                .contains("At widths d < N = 20 there are fewer neurons"),
            "{}",
            wide_batch.rank
        );
        // N = 20: the laws start at d = 32 and the slope is fitted from there, as drawn.
        assert!(
            wide_batch.rank.contains("from the point at d = 32")
                && wide_batch.rank.contains("fitted over d ≥ 20 only"),
            "{}",
            wide_batch.rank
        );
        let too_wide = caption("view=sweep_fixed_n&batch=200&norm=bn0&metric=orthogonality_gap");
        assert!(
            too_wide.rank.contains("No dashed line and no slope")
                && !too_wide.rank.contains("fitted"),
            "{}",
            too_wide.rank
        );
        let centred = caption("view=sweep_fixed_n&batch=8&norm=bn&metric=orthogonality_gap");
        assert!(centred.rank.contains("No dashed line"), "{}", centred.rank);
        let cos = caption("view=sweep&metric=mean_abs_cos");
        assert!(cos.rank.contains("No dashed line"), "{}", cos.rank);
    }
}
