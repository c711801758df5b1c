//! The width sweeps: the same chain at widths 8 … 256, its depth-averaged measure against d on
//! log–log axes, and the fitted slope. With N = d (`view=sweep`, the paper's Fig. 3a) a slope
//! ≈ ½ means rank ∝ √d; with the link's N at every width (`view=sweep_fixed_n`, the 2021
//! follow-up) the orthogonality gap's slope ≈ −½ is its N/√d floor.

use crate::params::{Params, ViewKind};

/// Widths swept, log-spaced.
pub const WIDTHS: &[usize] = &[8, 16, 32, 64, 128, 256];
/// About this many evaluated layers per width (every layer is still advanced).
const EVAL_POINTS: u32 = 40;

/// The runs of a sweep: one `Params` per width, N = d (or the link's N for
/// [`ViewKind::SweepFixedN`]), metrics every ~depth/40 layers unless the link sets `every`.
pub fn runs(p: &Params) -> Vec<Params> {
    WIDTHS
        .iter()
        .map(|&d| Params {
            width: d,
            batch: batch_at(p, d),
            every: Some(
                p.every
                    .unwrap_or_else(|| p.depth.div_ceil(EVAL_POINTS).max(1))
                    .min(p.depth),
            ),
            seeds: p.seeds,
            ..p.clone()
        })
        .collect()
}

/// The batch size N of the sweep's run at width `d`.
pub fn batch_at(p: &Params, d: usize) -> usize {
    if p.view == ViewKind::SweepFixedN {
        p.batch
    } else {
        d
    }
}

/// Whether the sweep's slope is fitted at width `d`: every width with N = d; at a fixed N only
/// d ≥ N, where the 2021 theorem's N/√d floor holds (narrower layers have fewer neurons than
/// samples, so the samples cannot all be orthogonal: with N = 16 and one seed the gap's slope
/// measured −0.46 over all widths, −0.49 over d ≥ 16).
pub fn fitted_at(p: &Params, d: usize) -> bool {
    p.view != ViewKind::SweepFixedN || d >= p.batch
}

/// The sweep's fitted slope and intercept (see [`log_log_fit`]) over the widths [`fitted_at`]
/// admits; `points` are (width, depth-averaged value).
pub fn fit(p: &Params, points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let admitted: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&(d, _)| fitted_at(p, d as usize))
        .collect();
    log_log_fit(&admitted)
}

/// Whether the fit leaves the narrow widths out (a fixed N above the narrowest width): the
/// chart's title, the summary and the caption then say over which widths it runs.
pub fn leaves_out_narrow(p: &Params) -> bool {
    !fitted_at(p, WIDTHS[0])
}

/// The widths the sweep cannot fit: fewer than two of them are at least N (see [`fitted_at`]).
pub fn too_few_fitted(p: &Params) -> bool {
    WIDTHS.iter().filter(|&&d| fitted_at(p, d)).count() < 2
}

/// Least-squares slope and intercept of ln y against ln x (points with x, y > 0).
pub fn log_log_fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_batch_sweep_fits_only_widths_at_least_n() {
        let at = |q: &str| Params::parse(q).expect("valid");
        let n16 = at("view=sweep_fixed_n&batch=16");
        assert!(!fitted_at(&n16, 8) && fitted_at(&n16, 16) && fitted_at(&n16, 256));
        let tied = at("view=sweep&batch=16");
        assert!(
            WIDTHS.iter().all(|&d| fitted_at(&tied, d)),
            "N = d: every width"
        );
        // A power law from d = 16 on, and a narrowest point far off it: the fit ignores it.
        let pts: Vec<(f64, f64)> = WIDTHS
            .iter()
            .map(|&d| (d as f64, if d < 16 { 9.0 } else { (d as f64).powf(-0.5) }))
            .collect();
        let (slope, _) = fit(&n16, &pts).expect("five widths");
        assert!((slope + 0.5).abs() < 1e-12, "{slope}");
        assert!(
            log_log_fit(&pts).expect("six").0 < -0.9,
            "all six would not fit"
        );
        assert!(!too_few_fitted(&at("view=sweep_fixed_n&batch=128")));
        assert!(
            too_few_fitted(&at("view=sweep_fixed_n&batch=200")),
            "only d = 256"
        );
        assert_eq!(fit(&at("view=sweep_fixed_n&batch=200"), &pts), None);
    }

    #[test]
    fn fit_recovers_a_power_law() {
        let pts: Vec<(f64, f64)> = WIDTHS
            .iter()
            .map(|&d| (d as f64, 3.0 * (d as f64).powf(0.5)))
            .collect();
        let (slope, intercept) = log_log_fit(&pts).expect("fit");
        assert!((slope - 0.5).abs() < 1e-12 && (intercept - 3f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn runs_are_square_and_coarse() {
        let p = Params::parse("depth=200&view=sweep").expect("valid");
        let r = runs(&p);
        assert_eq!(r.len(), WIDTHS.len());
        assert!(r.iter().all(|q| q.width == q.batch && q.every == Some(5)));
    }

    #[test]
    fn the_fixed_n_sweep_keeps_the_links_batch_at_every_width() {
        let p = Params::parse("depth=200&view=sweep_fixed_n&batch=8&width=32").expect("valid");
        let r = runs(&p);
        let widths: Vec<usize> = r.iter().map(|q| q.width).collect();
        assert_eq!(widths, WIDTHS);
        assert!(r.iter().all(|q| q.batch == 8 && q.every == Some(5)));
    }
}
