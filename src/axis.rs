//! One coordinate type for every chart axis, linear or logarithmic, so that each chart's
//! drawing code is compiled once rather than once per combination of axis kinds (plotters'
//! charts are generic over their coordinates: four line-chart and two heatmap copies before),
//! and a log axis gets readable labels ([`log_ticks`]).

use plotters::coord::combinators::{IntoLogRange, LogCoord};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use std::ops::Range;

/// A chart axis over a range of f64, mapped linearly or logarithmically.
pub struct ChartAxis {
    range: Range<f64>,
    scale: Scale,
}

enum Scale {
    Linear(RangedCoordf64),
    Log(LogCoord<f64>),
}

impl ChartAxis {
    /// An axis over `range` (a log axis needs it positive), logarithmic if `log`.
    pub fn new(range: Range<f64>, log: bool) -> ChartAxis {
        let scale = if log {
            Scale::Log(range.clone().log_scale().into())
        } else {
            Scale::Linear(range.clone().into())
        };
        ChartAxis { range, scale }
    }
}

/// A linear axis over `range`: what every chart without a log axis uses, so that it shares the
/// line charts' compiled drawing code.
pub fn linear(range: Range<f64>) -> ChartAxis {
    ChartAxis::new(range, false)
}

impl Ranged for ChartAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match &self.scale {
            Scale::Linear(c) => c.map(value, limit),
            Scale::Log(c) => c.map(value, limit),
        }
    }

    /// plotters' own key points on a linear axis; [`log_ticks`] on a log one, as many labels as
    /// the chart asks for.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match &self.scale {
            Scale::Linear(c) => c.key_points(hint),
            Scale::Log(_) => {
                let (bold, light) = log_ticks(self.range.start, self.range.end, hint.bold_points());
                if hint.weight().allow_light_points() {
                    light
                } else {
                    bold
                }
            }
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// The labelled and the grid values of a log axis over [lo, hi] (0 < lo < hi), at most
/// `max_labels` labelled: powers of ten where the axis spans three or more (every k-th where
/// there are too many), else steps of 1, 2, 5, else every integer mantissa. plotters labels
/// powers of ten only, starting from the first it finds above `lo` — and finds 1 for
/// lo = 0.1, whose logarithm rounds up past −1 — so a log axis over one decade (the
/// orthogonality gap, a sweep over widths 8–256, a short depth) was left with one label.
pub fn log_ticks(lo: f64, hi: f64, max_labels: usize) -> (Vec<f64>, Vec<f64>) {
    let within = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let (k0, k1) = (lo.log10().floor() as i32 - 1, hi.log10().ceil() as i32 + 1);
    let at = |mantissas: &[f64]| -> Vec<f64> {
        (k0..=k1)
            .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
            .filter(|&v| within(v))
            .collect()
    };
    let digits = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let powers = at(&[1.0]);
    let bold = if powers.len() >= 3 {
        // Every step-th decade, counted from 10⁰ so that 1 keeps its label.
        let step = powers.len().div_ceil(max_labels.max(1)) as i32;
        powers
            .iter()
            .copied()
            .filter(|v| (v.log10().round() as i32).rem_euclid(step) == 0)
            .collect()
    } else {
        let steps = at(&[1.0, 2.0, 5.0]);
        let all = at(&digits);
        if steps.len() >= 3 || all.len() > max_labels {
            steps
        } else {
            all
        }
    };
    // Grid lines at every integer mantissa while there are few decades, as plotters draws them.
    let light = if k1 - k0 <= 12 { at(&digits) } else { powers };
    (bold, light)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::ranged1d::{BoldPoints, LightPoints};

    #[test]
    fn a_short_log_axis_gets_several_labels() {
        let (bold, light) = log_ticks(0.1, 1.2, 8);
        assert_eq!(
            bold,
            vec![0.1, 0.2, 0.5, 1.0],
            "the orthogonality gap's decade"
        );
        assert_eq!(light.len(), 10, "grid at 0.1, 0.2, …, 0.9, 1: {light:?}");
        let (bold, _) = log_ticks(8.0 / 1.2, 256.0 * 1.2, 8);
        assert_eq!(
            bold,
            vec![10.0, 20.0, 50.0, 100.0, 200.0],
            "the width sweep"
        );
        let (bold, _) = log_ticks(1.0, 50.0, 8);
        assert_eq!(bold, vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0], "a short depth");
        let (bold, _) = log_ticks(0.3, 0.9, 8);
        assert_eq!(bold.len(), 7, "inside one decade every mantissa: {bold:?}");
    }

    #[test]
    fn a_long_log_axis_labels_powers_of_ten_thinned_around_one() {
        let (bold, _) = log_ticks(1.0, 50_000.0, 8);
        assert_eq!(bold, vec![1.0, 10.0, 100.0, 1e3, 1e4]);
        let (bold, light) = log_ticks(1e-16, 1.0, 8);
        assert!(bold.len() <= 8 && bold.len() >= 4, "{bold:?}");
        assert_eq!(
            *bold.last().expect("labels"),
            1.0,
            "1 keeps its label: {bold:?}"
        );
        assert!(light.len() > bold.len());
    }

    #[test]
    fn the_axis_maps_like_plotters_and_asks_log_ticks_for_its_labels() {
        let lin = ChartAxis::new(0.0..10.0, false);
        let plain: RangedCoordf64 = (0.0..10.0).into();
        for v in [0.0, 2.5, 7.0, 10.0] {
            assert_eq!(lin.map(&v, (0, 500)), plain.map(&v, (0, 500)));
        }
        assert_eq!(
            lin.key_points(BoldPoints(8)),
            plain.key_points(BoldPoints(8))
        );
        let log = ChartAxis::new(0.1..1.2, true);
        let plain: LogCoord<f64> = (0.1..1.2).log_scale().into();
        for v in [0.1, 0.3, 1.0, 1.2] {
            assert_eq!(log.map(&v, (0, 500)), plain.map(&v, (0, 500)));
        }
        assert_eq!(log.key_points(BoldPoints(8)), vec![0.1, 0.2, 0.5, 1.0]);
        assert_eq!(log.key_points(LightPoints::new(8, 80)).len(), 10);
    }
}
