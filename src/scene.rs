//! What one view shows: the rows of the main run and of its twin (the same network with
//! normalisation switched the other way), for every seed, as they arrive; averaged into
//! mean ± range bands and put into words.
//!
//! The browser's worker streams rows into a `Scene` on the main thread; the charts in
//! [`crate::plot`] and the `#summary` sentence are read from it. Pure Rust, tested natively.

use crate::params::{Metric, Norm, Params, ViewKind};
use crate::run::Row;
use crate::sweep;
use serde::{Deserialize, Serialize};

/// Which of the two overlaid runs a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// The run the controls describe (BatchNorm on or off as the toggle says).
    Main,
    /// The same network with normalisation the other way, drawn lighter for contrast.
    Twin,
}

/// The statistics of one metric at one layer across seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandPoint {
    pub layer: u32,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// Seeds that contributed (flagged points are left out).
    pub count: usize,
}

/// Rows of one run kind, one vector per seed, each sorted by layer as it arrives.
#[derive(Clone, Debug, Default)]
struct Runs {
    per_seed: Vec<Vec<Row>>,
}

impl Runs {
    fn new(seeds: usize) -> Runs {
        Runs {
            per_seed: vec![Vec::new(); seeds],
        }
    }
}

/// The data behind one view.
#[derive(Clone, Debug)]
pub struct Scene {
    pub params: Params,
    pub twin: Params,
    main: Runs,
    twin_runs: Runs,
    /// Messages of runs that stopped early.
    pub errors: Vec<String>,
    /// Width sweep rows: `sweep_rows[i][s]` for width `sweep::WIDTHS[i]`, seed index `s`.
    sweep_rows: Vec<Vec<Vec<Row>>>,
    /// Animation: only layers up to this one are shown (`None` = everything computed).
    cutoff: Option<u32>,
}

/// The depth-averaged metric at one width of the sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    pub width: usize,
    pub mean: f64,
    /// Evaluated layers (over all seeds) in the average.
    pub count: usize,
}

impl Scene {
    pub fn new(params: &Params) -> Scene {
        let seeds = params.seeds as usize;
        Scene {
            params: params.clone(),
            twin: params.twin(),
            main: Runs::new(seeds),
            twin_runs: Runs::new(seeds),
            errors: Vec::new(),
            sweep_rows: vec![vec![Vec::new(); seeds]; sweep::WIDTHS.len()],
            cutoff: None,
        }
    }

    /// Shows layers up to `layer` only (animation), or everything with `None`.
    pub fn set_cutoff(&mut self, layer: Option<u32>) {
        self.cutoff = layer;
    }

    pub fn cutoff(&self) -> Option<u32> {
        self.cutoff
    }

    fn visible(&self, row: &Row) -> bool {
        self.cutoff.is_none_or(|c| row.layer <= c)
    }

    /// Adds sweep rows of the run at `width`.
    pub fn push_sweep(&mut self, width: usize, rows: Vec<Row>) -> Result<(), String> {
        let i = sweep::WIDTHS
            .iter()
            .position(|&w| w == width)
            .ok_or_else(|| format!("width {width} is not part of the sweep"))?;
        let base = self.params.seed;
        for row in rows {
            let s = row.seed.wrapping_sub(base);
            if s >= self.params.seeds as u64 {
                return Err(format!(
                    "row of seed {} does not belong to this view",
                    row.seed
                ));
            }
            self.sweep_rows[i][s as usize].push(row);
        }
        Ok(())
    }

    /// The depth average (layers ≥ 1, all seeds) of the view's metric at each width reached so far.
    pub fn sweep_points(&self) -> Vec<SweepPoint> {
        let metric = self.params.metric;
        sweep::WIDTHS
            .iter()
            .zip(&self.sweep_rows)
            .filter_map(|(&width, seeds)| {
                let values: Vec<f64> = seeds
                    .iter()
                    .flatten()
                    .filter(|r| r.layer >= 1)
                    .filter_map(|r| r.value(metric))
                    .collect();
                (!values.is_empty()).then(|| SweepPoint {
                    width,
                    mean: values.iter().sum::<f64>() / values.len() as f64,
                    count: values.len(),
                })
            })
            .collect()
    }

    /// Every row of the sweep as `(width, row)`: by width, then seed, then layer.
    pub fn sweep_table(&self) -> Vec<(usize, Row)> {
        sweep::WIDTHS
            .iter()
            .zip(&self.sweep_rows)
            .flat_map(|(&width, seeds)| seeds.iter().flatten().map(move |r| (width, r.clone())))
            .collect()
    }

    /// Whether every width of the sweep reached the full depth for every seed.
    fn sweep_complete(&self) -> bool {
        let depth = self.params.depth;
        self.sweep_rows
            .iter()
            .flatten()
            .all(|r| r.last().is_some_and(|row| row.layer == depth))
    }

    /// The parameters of a run kind.
    pub fn params_of(&self, kind: RunKind) -> &Params {
        match kind {
            RunKind::Main => &self.params,
            RunKind::Twin => &self.twin,
        }
    }

    fn runs(&self, kind: RunKind) -> &Runs {
        match kind {
            RunKind::Main => &self.main,
            RunKind::Twin => &self.twin_runs,
        }
    }

    /// Adds rows of one kind; a row whose seed is not one of this view's is an error.
    pub fn push(&mut self, kind: RunKind, rows: Vec<Row>) -> Result<(), String> {
        let base = self.params.seed;
        let seeds = self.params.seeds as u64;
        let runs = match kind {
            RunKind::Main => &mut self.main,
            RunKind::Twin => &mut self.twin_runs,
        };
        for row in rows {
            let index = row.seed.wrapping_sub(base);
            if index >= seeds {
                return Err(format!(
                    "row of seed {} does not belong to this view",
                    row.seed
                ));
            }
            runs.per_seed[index as usize].push(row);
        }
        Ok(())
    }

    /// Visible rows of the first seed of a kind (the spectrum view shows one network, not an
    /// average).
    pub fn first_seed_rows(&self, kind: RunKind) -> &[Row] {
        let rows = self
            .runs(kind)
            .per_seed
            .first()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let end = rows.partition_point(|r| self.visible(r));
        &rows[..end]
    }

    /// Every row of a kind, seed by seed (the CSV export's order, as the CLI prints it).
    pub fn rows(&self, kind: RunKind) -> Vec<Row> {
        self.runs(kind).per_seed.concat()
    }

    /// Mean, min and max of `metric` across seeds at every layer any seed has reached, in layer
    /// order. Flagged points are skipped.
    pub fn band(&self, kind: RunKind, metric: Metric) -> Vec<BandPoint> {
        let runs = &self.runs(kind).per_seed;
        let longest = runs.iter().map(Vec::len).max().unwrap_or(0);
        let mut out = Vec::with_capacity(longest);
        // Every seed evaluates the same layers, so the i-th row of each seed is the same layer.
        for i in 0..longest {
            let mut values = runs
                .iter()
                .filter_map(|r| r.get(i))
                .filter(|row| self.visible(row))
                .filter_map(|row| row.value(metric).map(|v| (row.layer, v)));
            let Some((layer, first)) = values.next() else {
                continue;
            };
            let (mut sum, mut min, mut max, mut count) = (first, first, first, 1usize);
            for (_, v) in values {
                sum += v;
                min = min.min(v);
                max = max.max(v);
                count += 1;
            }
            out.push(BandPoint {
                layer,
                mean: sum / count as f64,
                min,
                max,
                count,
            });
        }
        out
    }

    /// Layers completed by the slowest seed of a kind (what is fully known and shown so far).
    pub fn layer_reached(&self, kind: RunKind) -> u32 {
        let reached = self
            .runs(kind)
            .per_seed
            .iter()
            .map(|r| r.last().map(|row| row.layer).unwrap_or(0))
            .min()
            .unwrap_or(0);
        self.cutoff.map_or(reached, |c| reached.min(c))
    }

    /// The value of the view's metric at the last layer reached by a kind (mean over seeds).
    pub fn last_value(&self, kind: RunKind) -> Option<BandPoint> {
        self.band(kind, self.params.metric).last().copied()
    }

    /// Whether every run of the view has reached the full depth.
    pub fn is_complete(&self) -> bool {
        if self.params.view.is_sweep() {
            return self.sweep_complete();
        }
        let depth = self.params.depth;
        [RunKind::Main, RunKind::Twin].iter().all(|&k| {
            self.runs(k)
                .per_seed
                .iter()
                .all(|r| r.last().is_some_and(|row| row.layer == depth))
        })
    }

    /// The view in one sentence, for `#summary` and screen readers, e.g.
    /// "Depth 50, width 64, batch 64: soft rank 14.2 with BatchNorm, 3.1 without."
    pub fn summary(&self) -> String {
        if self.params.view.is_sweep() {
            return self.sweep_summary();
        }
        let p = &self.params;
        let metric = p.metric;
        let (with_kind, without_kind) = if p.norm == Norm::None {
            (RunKind::Twin, RunKind::Main)
        } else {
            (RunKind::Main, RunKind::Twin)
        };
        let with_norm = self.params_of(with_kind).norm;
        let layer = self
            .layer_reached(RunKind::Main)
            .min(self.layer_reached(RunKind::Twin));
        let at = |kind| {
            self.band(kind, metric)
                .iter()
                .rfind(|b| b.layer <= layer)
                .map(|b| format_value(metric, b.mean))
                .unwrap_or_else(|| "not yet computed".into())
        };
        let seeds = if p.seeds > 1 {
            format!(" (mean of {} seeds)", p.seeds)
        } else {
            String::new()
        };
        let place = if layer < p.depth {
            format!("Layer {layer} of {}", p.depth)
        } else {
            format!("Depth {}", p.depth)
        };
        format!(
            "{place}, width {}, batch {}: {} {} {}, {} without{seeds}.",
            p.width,
            p.batch,
            metric.label(),
            at(with_kind),
            norm_phrase(with_norm),
            at(without_kind),
        )
    }

    /// The sweep in one sentence: the fitted exponent of the measure against width, next to the
    /// first law theory gives for it ([`crate::theory::sweep_laws`]).
    fn sweep_summary(&self) -> String {
        let p = &self.params;
        let points = self.sweep_points();
        let pairs: Vec<(f64, f64)> = points.iter().map(|q| (q.width as f64, q.mean)).collect();
        let widths = format!(
            "{}–{}",
            sweep::WIDTHS[0],
            sweep::WIDTHS[sweep::WIDTHS.len() - 1]
        );
        let shape = if p.view == ViewKind::SweepFixedN {
            format!("d = {widths} at N = {}", p.batch)
        } else {
            format!("d = N = {widths}")
        };
        let depth = p.depth;
        let done = self
            .sweep_rows
            .iter()
            .filter(|seeds| {
                seeds
                    .iter()
                    .all(|r| r.last().is_some_and(|row| row.layer == depth))
            })
            .count();
        let law = crate::theory::sweep_laws(p)
            .first()
            .map(|l| format!(" ({} would be d^{:.2})", l.name, l.power))
            .unwrap_or_default();
        let over = if sweep::leaves_out_narrow(p) {
            format!(" over d ≥ {}", p.batch)
        } else {
            String::new()
        };
        let fit = if sweep::too_few_fitted(p) {
            format!(
                "has no slope: fewer than two widths reach N = {} (the theory needs N ≤ d)",
                p.batch
            )
        } else {
            sweep::fit(p, &pairs)
                .map(|(slope, _)| {
                    let verb = if slope < 0.0 { "falls" } else { "grows" };
                    format!("{verb} as d^{slope:.2}{over}{law}")
                })
                .unwrap_or_else(|| "is being computed".into())
        };
        let progress = if done < sweep::WIDTHS.len() {
            format!(" ({done} of {} widths so far)", sweep::WIDTHS.len())
        } else {
            String::new()
        };
        format!(
            "Width sweep {shape}, depth {}, {}: the depth-averaged {} {fit}{progress}.",
            p.depth,
            norm_label(p.norm),
            p.metric.label()
        )
    }

    /// What the hover tooltip says about one layer: both runs' values of the view's metric.
    pub fn describe_layer(&self, layer: u32) -> Option<String> {
        let metric = self.params.metric;
        let nearest = |kind| {
            self.band(kind, metric)
                .into_iter()
                .min_by_key(|b| b.layer.abs_diff(layer))
        };
        let main = nearest(RunKind::Main)?;
        let mut text = format!(
            "layer {}: {} {} ({})",
            main.layer,
            metric.label(),
            format_value(metric, main.mean),
            norm_label(self.params.norm)
        );
        if let Some(twin) = nearest(RunKind::Twin).filter(|t| t.layer == main.layer) {
            text.push_str(&format!(
                ", {} ({})",
                format_value(metric, twin.mean),
                norm_label(self.twin.norm)
            ));
        }
        Some(text)
    }
}

/// How a normalisation is named in a legend.
pub fn norm_label(norm: Norm) -> &'static str {
    match norm {
        Norm::None => "no normalisation",
        Norm::Bn => "BatchNorm",
        Norm::Bn0 => "uncentred BatchNorm",
        Norm::Ln => "LayerNorm",
    }
}

fn norm_phrase(norm: Norm) -> String {
    match norm {
        Norm::None => "without normalisation".into(),
        other => format!("with {}", norm_label(other)),
    }
}

/// A metric value in words: counts as integers when exact, others to 3 significant digits.
pub fn format_value(metric: Metric, v: f64) -> String {
    if matches!(metric, Metric::NumericalRank | Metric::SoftRank) && v.fract() == 0.0 {
        return format!("{v:.0}");
    }
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.01 || a == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Simulation;

    fn filled(query: &str) -> Scene {
        let p = Params::parse(query).expect("valid");
        let mut scene = Scene::new(&p);
        for kind in [RunKind::Main, RunKind::Twin] {
            for seed in p.run_seeds() {
                let mut sim = Simulation::new(scene.params_of(kind), seed);
                while !sim.is_done() {
                    let rows = sim.advance(7);
                    scene.push(kind, rows).expect("own seed");
                }
            }
        }
        scene
    }

    /// A sweep's scene with every width's runs pushed, `chunk` layers at a time.
    fn swept(query: &str, chunk: u32) -> Scene {
        let p = Params::parse(query).expect("valid");
        let mut scene = Scene::new(&p);
        for q in crate::sweep::runs(&p) {
            for seed in q.run_seeds() {
                let mut sim = Simulation::new(&q, seed);
                while !sim.is_done() {
                    scene
                        .push_sweep(q.width, sim.advance(chunk))
                        .expect("own width");
                }
            }
        }
        scene
    }

    #[test]
    fn the_sweep_table_holds_every_width_and_seed_and_its_csv_names_the_width() {
        let scene = swept("view=sweep&depth=6&seeds=2", 4);
        let table = scene.sweep_table();
        let widths: Vec<usize> = table.iter().map(|(w, _)| *w).collect();
        assert!(widths.windows(2).all(|w| w[0] <= w[1]), "ordered by width");
        for &w in crate::sweep::WIDTHS {
            let rows = table.iter().filter(|(x, _)| *x == w).count();
            assert_eq!(rows, 2 * 7, "width {w}: 2 seeds × layers 0..=6 every layer");
        }
        let csv = crate::output::sweep_csv(&table);
        let mut lines = csv.lines();
        let header = lines.next().expect("header");
        assert_eq!(header, format!("width,{}", crate::output::CSV_HEADER));
        let first = lines.next().expect("a row");
        assert!(first.starts_with("8,1,0,"), "{first}");
        assert_eq!(csv.lines().count(), 1 + table.len());
    }

    #[test]
    fn summary_names_both_runs_normalised_first() {
        let s = filled("depth=30&width=16&batch=16&metric=soft_rank");
        assert!(s.is_complete());
        let text = s.summary();
        assert!(
            text.starts_with("Depth 30, width 16, batch 16: soft rank "),
            "{text}"
        );
        assert!(
            text.contains("with BatchNorm") && text.ends_with("without."),
            "{text}"
        );
        let s = filled("depth=30&width=16&batch=16&norm=none");
        assert!(
            s.summary().contains("with BatchNorm"),
            "the twin of none is BN"
        );
    }

    /// A fixed-N sweep's summary fits over d ≥ N and says so; with fewer than two such widths
    /// it gives no slope and says why.
    #[test]
    fn the_fixed_batch_sweep_summary_names_the_widths_it_fits() {
        let summary = |q: &str| swept(q, 8).summary();
        let text = summary("view=sweep_fixed_n&batch=16&depth=4&norm=bn0&metric=orthogonality_gap");
        assert!(text.contains(" over d ≥ 16"), "{text}");
        let text = summary("view=sweep_fixed_n&batch=8&depth=4&norm=bn0&metric=orthogonality_gap");
        assert!(!text.contains(" over d ≥"), "every width qualifies: {text}");
        let text = summary("view=sweep_fixed_n&batch=200&depth=2&metric=orthogonality_gap");
        assert!(
            text.contains("has no slope: fewer than two widths reach N = 200"),
            "{text}"
        );
    }

    #[test]
    fn band_spans_the_seeds() {
        let s = filled("depth=10&width=8&batch=8&seeds=3&metric=participation_ratio");
        let band = s.band(RunKind::Main, Metric::ParticipationRatio);
        assert_eq!(band.len(), 11);
        for b in &band {
            assert_eq!(b.count, 3);
            assert!(b.min <= b.mean && b.mean <= b.max);
        }
        assert!(s.summary().contains("mean of 3 seeds"));
    }

    #[test]
    fn foreign_seed_is_rejected() {
        let p = Params::default();
        let mut scene = Scene::new(&p);
        let mut sim = Simulation::new(&p, 99);
        assert!(scene.push(RunKind::Main, sim.advance(1)).is_err());
    }
}
