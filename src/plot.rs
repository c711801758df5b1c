//! Every chart of rankscope, generic over plotters' `DrawingBackend`: the page draws them on a
//! canvas (plotters-canvas, main thread), the tests and the CLI on SVG.
//!
//! Each chart is built in two steps: a plain description (`LineChart`, `Heatmap`) read from a
//! [`Scene`], then a `draw_*` function that renders it and returns the [`Frame`] of its plotting
//! area, so the page can map a pointer position back to a layer for the hover read-out.
//! Sizes are in device pixels; [`Style::scale`] (device pixel ratio × presentation font scale)
//! multiplies every font and line, which keeps charts crisp on HiDPI screens and projectors.

use crate::axis::{linear, ChartAxis};
use crate::geometry::Geometry;
use crate::params::{Axis, Detail, Metric, Norm, ViewKind};
use crate::scene::{norm_label, RunKind, Scene};
use crate::sweep;
use crate::theory;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;

/// Colour-blind-safe colours (Okabe & Ito 2008).
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const INK: RGBColor = RGBColor(30, 30, 30);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Rendering scale: fonts and lines are multiplied by `scale`.
///
/// With `rasters` set, cell grids (the spectrum heatmap, the cosine matrix) are not drawn as
/// thousands of rectangles but collected as images for the caller to blit in one call — the
/// canvas path; SVG keeps rectangles.
#[derive(Debug, Default)]
pub struct Style {
    pub scale: f64,
    pub rasters: Option<std::cell::RefCell<Vec<Raster>>>,
}

/// A cell grid rendered as an RGBA image, to be drawn scaled onto the device-pixel rectangle
/// (left, top, width, height) with nearest-neighbour sampling.
#[derive(Clone, Debug, PartialEq)]
pub struct Raster {
    pub left: i32,
    pub top: i32,
    pub width: u32,
    pub height: u32,
    pub cols: u32,
    pub rows: u32,
    pub rgba: Vec<u8>,
}

impl Style {
    /// Vector output: every cell a rectangle.
    pub fn new(scale: f64) -> Style {
        Style {
            scale,
            rasters: None,
        }
    }

    /// Canvas output: cell grids collected as [`Raster`]s.
    pub fn rasterising(scale: f64) -> Style {
        Style {
            scale,
            rasters: Some(std::cell::RefCell::new(Vec::new())),
        }
    }

    /// Takes the rasters collected so far.
    pub fn take_rasters(&self) -> Vec<Raster> {
        self.rasters
            .as_ref()
            .map(|r| std::mem::take(&mut *r.borrow_mut()))
            .unwrap_or_default()
    }

    /// Keeps a raster if this style collects them; returns false if cells must be drawn.
    fn keep(&self, raster: impl FnOnce() -> Raster) -> bool {
        match &self.rasters {
            Some(r) => {
                r.borrow_mut().push(raster());
                true
            }
            None => false,
        }
    }

    fn px(&self, base: f64) -> u32 {
        (base * self.scale).round().max(1.0) as u32
    }
    fn font(&self, base: f64) -> (&'static str, u32) {
        ("sans-serif", self.px(base))
    }
}

/// The height of one line of text at `px` pixels: the browser's normal line height for its
/// sans-serif, ≈ 1.16 em, which is what plotters would measure.
fn line_height(px: u32) -> i32 {
    (f64::from(px) * 1.16).round() as i32
}

/// Width reserved for `text` at `px` pixels: a generous 0.62 em per character (sans-serif
/// averages ≈ 0.55 em), so that a box around it is never too narrow.
fn text_width_estimate(text: &str, px: u32) -> i32 {
    (text.chars().count() as f64 * 0.62 * f64::from(px)).ceil() as i32
}

/// Draws `title` centred at the top of `area`; returns the area below it. The same layout as
/// plotters' caption (`DrawingArea::titled`) but without measuring the text: in the browser
/// plotters measures text by inserting a DOM element and forcing a layout, ~0.4 ms per text and
/// about half of every redraw of the default view (profiled); a centred anchor needs no width
/// and the height follows from the font size.
///
/// A title wider than its area is set smaller, down to half its size (the geometry panels'
/// titles ran into each other in presentation mode, where fonts are twice as large).
fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    font: (&'static str, u32),
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = area.dim_in_pixel();
    let font = (font.0, fitting_size(title, font.1, w));
    let height = line_height(font.1);
    let pad = (height / 2).min(5);
    let style = font
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw_text(title, &style, (w as i32 / 2, pad))
        .map_err(err)?;
    Ok(area.margin(2 * pad + height, 0, 0, 0))
}

/// The font size, at most `px`, at which `text` fits `width` pixels, taking sans-serif's
/// average 0.55 em per character (not [`text_width_estimate`]'s generous 0.62, which made
/// titles smaller than they need to be); never below half of `px`.
fn fitting_size(text: &str, px: u32, width: u32) -> u32 {
    let wide = text.chars().count() as f64 * 0.55 * f64::from(px);
    if wide <= f64::from(width) || wide <= 0.0 {
        return px;
    }
    let fitted = (f64::from(px) * f64::from(width) / wide).floor() as u32;
    fitted.max(px.div_ceil(2)).max(1)
}

/// One legend row: the label and the line style of its swatch.
struct LegendEntry {
    label: String,
    line: ShapeStyle,
}

/// The corners a legend box may sit in, in order of preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Corner {
    TopRight,
    TopLeft,
    BottomRight,
    BottomLeft,
}

/// A legend's box size and the spacing inside it, in pixels.
struct LegendLayout {
    w: i32,
    h: i32,
    row: i32,
    margin: i32,
    swatch_area: i32,
    swatch: i32,
}

/// Gap between a legend box and the plotting area's edges, in pixels.
const LEGEND_PAD: i32 = 5;

/// The legend box for `entries`, laid out like plotters' series labels but with text widths
/// estimated, not measured (see [`titled`]).
fn legend_layout(entries: &[LegendEntry], style: &Style) -> LegendLayout {
    let font_px = style.font(12.0).1;
    let row = line_height(font_px);
    let margin = style.px(6.0) as i32;
    let swatch_area = style.px(30.0) as i32;
    let text_w = entries
        .iter()
        .map(|e| text_width_estimate(&e.label, font_px))
        .max()
        .unwrap_or(0);
    LegendLayout {
        w: text_w + swatch_area + 2 * margin,
        h: row * entries.len() as i32 + 2 * margin,
        row,
        margin,
        swatch_area,
        swatch: style.px(18.0) as i32,
    }
}

/// The top-left pixel of a `size` box in `corner` of an `area`-sized plotting area.
fn legend_origin(corner: Corner, area: (i32, i32), size: (i32, i32)) -> (i32, i32) {
    let x = match corner {
        Corner::TopRight | Corner::BottomRight => area.0 - size.0 - LEGEND_PAD,
        Corner::TopLeft | Corner::BottomLeft => LEGEND_PAD,
    };
    let y = match corner {
        Corner::TopRight | Corner::TopLeft => LEGEND_PAD,
        Corner::BottomRight | Corner::BottomLeft => area.1 - size.1 - LEGEND_PAD,
    };
    (x, y)
}

/// How much of `traces` (polylines in the plotting area's pixels) a box at `origin` of `size`
/// would hide: points sampled every ~3 pixels along every segment that fall inside it.
fn hidden_samples(origin: (i32, i32), size: (i32, i32), traces: &[Vec<(i32, i32)>]) -> usize {
    let (x0, y0, x1, y1) = (origin.0, origin.1, origin.0 + size.0, origin.1 + size.1);
    let inside =
        |x: f64, y: f64| x >= x0 as f64 && x <= x1 as f64 && y >= y0 as f64 && y <= y1 as f64;
    let mut hidden = 0;
    for trace in traces {
        if let [only] = trace.as_slice() {
            hidden += usize::from(inside(only.0 as f64, only.1 as f64));
        }
        for seg in trace.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            // Segments entirely beside the box hide nothing (most of them).
            if a.0.max(b.0) < x0 || a.0.min(b.0) > x1 || a.1.max(b.1) < y0 || a.1.min(b.1) > y1 {
                continue;
            }
            let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) / 3 + 1) as usize;
            hidden += (0..=n)
                .filter(|&i| {
                    let f = i as f64 / n as f64;
                    inside(
                        a.0 as f64 + f * (b.0 - a.0) as f64,
                        a.1 as f64 + f * (b.1 - a.1) as f64,
                    )
                })
                .count();
        }
    }
    hidden
}

/// The corner where a legend of `size` hides the least of `traces` (the upper right unless
/// another hides less): a curve that runs along the top — BatchNorm's flat scale, the largest
/// eigenvalue — is not covered by its own legend.
fn legend_corner(area: (i32, i32), size: (i32, i32), traces: &[Vec<(i32, i32)>]) -> Corner {
    let corners = [
        Corner::TopRight,
        Corner::TopLeft,
        Corner::BottomRight,
        Corner::BottomLeft,
    ];
    let mut best = (Corner::TopRight, usize::MAX);
    for corner in corners {
        let hidden = hidden_samples(legend_origin(corner, area, size), size, traces);
        if hidden < best.1 {
            best = (corner, hidden);
        }
    }
    best.0
}

/// A legend box with `entries` (at least one) in `corner` of `plot` (the plotting area in
/// pixels).
fn draw_legend<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    layout: &LegendLayout,
    corner: Corner,
    style: &Style,
) -> Result<(), String> {
    let (area_w, area_h) = plot.dim_in_pixel();
    let (x0, y0) = legend_origin(corner, (area_w as i32, area_h as i32), (layout.w, layout.h));
    let corners = [(x0, y0), (x0 + layout.w, y0 + layout.h)];
    plot.draw(&Rectangle::new(corners, WHITE.mix(0.85).filled()))
        .map_err(err)?;
    plot.draw(&Rectangle::new(corners, GRID)).map_err(err)?;
    let text = style
        .font(12.0)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, e) in entries.iter().enumerate() {
        let y = y0 + layout.margin + layout.row * i as i32 + layout.row / 2;
        let x = x0 + layout.margin;
        plot.draw(&PathElement::new(
            vec![(x, y), (x + layout.swatch, y)],
            e.line,
        ))
        .map_err(err)?;
        plot.draw_text(&e.label, &text, (x + layout.swatch_area, y))
            .map_err(err)?;
    }
    Ok(())
}

/// One curve: a mean line and an optional min–max band (several seeds).
#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub color: RGBColor,
    /// 1 for the run the controls describe, lighter for its twin.
    pub opacity: f64,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
    /// (x, min, max); empty when there is one seed.
    pub band: Vec<(f64, f64, f64)>,
}

/// A labelled horizontal reference level (√d).
#[derive(Clone, Debug)]
pub struct Level {
    pub y: f64,
    pub label: String,
}

/// A line chart against depth.
#[derive(Clone, Debug)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_log: bool,
    pub y_log: bool,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub lines: Vec<Line>,
    pub levels: Vec<Level>,
}

/// Where a chart's plotting area landed, in device pixels, and what its axes span.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Frame {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub x_min: f64,
    pub x_max: f64,
    pub x_log: bool,
}

impl Frame {
    /// The depth under pixel column `x`, if inside the plotting area.
    pub fn layer_at(&self, x: f64) -> Option<f64> {
        if x < self.left || x > self.right || self.right <= self.left {
            return None;
        }
        let t = (x - self.left) / (self.right - self.left);
        Some(if self.x_log {
            (self.x_min.ln() + t * (self.x_max.ln() - self.x_min.ln())).exp()
        } else {
            self.x_min + t * (self.x_max - self.x_min)
        })
    }
}

/// The colour of a run: blue with normalisation, vermillion without.
pub fn run_color(norm: Norm) -> RGBColor {
    if norm == Norm::None {
        VERMILLION
    } else {
        BLUE
    }
}

/// The x coordinate of a layer: layer 0 (the input) cannot sit on a log axis and is left out.
fn x_of(layer: u32, log: bool) -> Option<f64> {
    (!log || layer > 0).then_some(layer as f64)
}

fn x_range(scene: &Scene) -> (bool, (f64, f64)) {
    let depth = scene.params.depth as f64;
    match scene.params.xaxis {
        Axis::Log => (true, (1.0, depth.max(2.0))),
        Axis::Lin => (false, (0.0, depth.max(1.0))),
    }
}

/// One run's curve of `metric`, main solid, twin lighter.
fn run_line(scene: &Scene, kind: RunKind, metric: Metric, log: bool) -> Line {
    let band = scene.band(kind, metric);
    let params = scene.params_of(kind);
    let several = params.seeds > 1;
    Line {
        label: norm_label(params.norm).to_string(),
        color: run_color(params.norm),
        opacity: if kind == RunKind::Main { 1.0 } else { 0.4 },
        dashed: false,
        points: band
            .iter()
            .filter_map(|b| x_of(b.layer, log).map(|x| (x, b.mean)))
            .collect(),
        band: if several {
            band.iter()
                .filter_map(|b| x_of(b.layer, log).map(|x| (x, b.min, b.max)))
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// The Lyapunov prediction for whichever run is a vanilla linear Gaussian/orthogonal chain.
fn theory_line(scene: &Scene, metric: Metric, log: bool) -> Option<Line> {
    let kind = [RunKind::Main, RunKind::Twin]
        .into_iter()
        .find(|&k| theory::has_prediction(scene.params_of(k)))?;
    let params = scene.params_of(kind);
    let rows = scene.first_seed_rows(kind);
    let input = rows.first().filter(|r| r.layer == 0)?;
    let prediction = theory::Prediction::new(params, &input.singular_values, input.log10_norm)?;
    let points: Vec<(f64, f64)> = scene
        .band(kind, metric)
        .iter()
        .filter_map(|b| {
            let y = prediction.metric(b.layer, metric)?;
            x_of(b.layer, log).map(|x| (x, y))
        })
        .collect();
    (!points.is_empty()).then(|| Line {
        label: "Lyapunov prediction".into(),
        color: INK,
        opacity: 0.9,
        dashed: true,
        points,
        band: Vec::new(),
    })
}

/// The smallest and largest y of some lines (bands included), if any is finite.
fn data_y_extent(lines: &[Line]) -> Option<(f64, f64)> {
    let ys = lines.iter().flat_map(|l| {
        l.points
            .iter()
            .map(|p| p.1)
            .chain(l.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (lo, hi) = ys
        .filter(|y| y.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
    lo.is_finite().then_some((lo, hi))
}

/// The largest 1, 2 or 5 × 10ᵏ at or below `x` (> 0).
fn nice_floor(x: f64) -> f64 {
    let decade = 10f64.powf(x.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|&v| v <= x * (1.0 + 1e-12))
        .unwrap_or(decade)
}

/// The smallest 1, 2 or 5 × 10ᵏ at or above `x` (> 0).
fn nice_ceil(x: f64) -> f64 {
    let decade = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|&v| v >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * decade)
}

/// The top of a log axis that shows `y` with a little headroom (an eighth of a decade).
fn log_top(y: f64) -> f64 {
    nice_ceil(y * 10f64.powf(0.05))
}

/// A log axis range covering the positive data: out to the nearest 1, 2 or 5 × 10ᵏ (a little
/// headroom above), at least a factor of 2.5 wide. Whole decades wasted up to nine tenths of a
/// decade: the fixed-N gap sweep's data, 0.097–0.57, got the axis 0.01–1, half of it empty.
fn log_range(lines: &[Line], fallback: (f64, f64)) -> (f64, f64) {
    let positive: Vec<Line> = lines
        .iter()
        .map(|l| Line {
            points: l.points.iter().copied().filter(|p| p.1 > 0.0).collect(),
            band: l.band.iter().copied().filter(|b| b.1 > 0.0).collect(),
            ..l.clone()
        })
        .collect();
    match data_y_extent(&positive) {
        Some((lo, hi)) => {
            let lo = nice_floor(lo);
            let hi = log_top(hi).max(nice_ceil(lo * 2.5));
            (lo, hi)
        }
        None => fallback,
    }
}

/// y range for a metric: rank measures on [0, min(d, N)], unit measures on [0, 1], the log
/// norm fitted to its data; on a log axis, the positive data's decades.
fn y_range(scene: &Scene, metric: Metric, lines: &[Line]) -> (f64, f64) {
    let p = &scene.params;
    if p.yaxis == Axis::Log && metric != Metric::Log10Norm {
        let cap = if metric.is_rank() {
            p.width.min(p.batch) as f64 * 1.5
        } else {
            1.5
        };
        let (lo, hi) = log_range(lines, (0.1, cap));
        return (lo, hi.min(cap.max(lo * 10.0)));
    }
    match metric {
        m if m.is_rank() => (0.0, p.width.min(p.batch) as f64 * 1.05),
        Metric::OrthogonalityGap | Metric::MeanAbsCos => (0.0, 1.05),
        _ => match data_y_extent(lines) {
            Some((lo, hi)) => {
                let pad = ((hi - lo) * 0.08).max(0.5);
                (lo - pad, hi + pad)
            }
            None => (-1.0, 1.0),
        },
    }
}

/// Rank (or the chosen metric) against depth: main and twin runs, theory, √d.
pub fn rank_chart(scene: &Scene) -> LineChart {
    let metric = scene.params.metric;
    let (log, range) = x_range(scene);
    let mut lines = vec![
        run_line(scene, RunKind::Twin, metric, log),
        run_line(scene, RunKind::Main, metric, log),
    ];
    lines.extend(theory_line(scene, metric, log));
    let mut levels = Vec::new();
    if metric.is_rank() {
        let p = &scene.params;
        let reference = theory::bn_reference(p);
        let label = if theory::batch_caps_reference(p) {
            format!("N = {}", p.batch)
        } else {
            format!("√d = {reference:.1}")
        };
        levels.push(Level {
            y: reference,
            label,
        });
    }
    let y = y_range(scene, metric, &lines);
    let y_log = scene.params.yaxis == Axis::Log && metric != Metric::Log10Norm;
    LineChart {
        title: format!("{} vs depth", metric.label()),
        x_label: "layer".into(),
        y_label: metric.label().to_string(),
        x_log: log,
        y_log,
        x_range: range,
        y_range: y,
        lines,
        levels,
    }
}

/// log₁₀‖H_ℓ‖_F against depth: explosion or vanishing without normalisation.
pub fn norm_chart(scene: &Scene) -> LineChart {
    let (log, range) = x_range(scene);
    let lines = vec![
        run_line(scene, RunKind::Twin, Metric::Log10Norm, log),
        run_line(scene, RunKind::Main, Metric::Log10Norm, log),
    ];
    let y = y_range(scene, Metric::Log10Norm, &lines);
    LineChart {
        title: "scale of the representation".into(),
        x_label: "layer".into(),
        y_label: "log10 ‖H‖F".into(),
        x_log: log,
        y_log: false,
        x_range: range,
        y_range: y,
        lines,
        levels: Vec::new(),
    }
}

/// How many eigenvalues the top-k chart follows (the paper's Fig. 3b shows ten).
pub const TOP_K: usize = 10;

/// The top 10 eigenvalues of HHᵀ (H scaled to ‖H‖_F = 1) of the main run's first seed against
/// depth on a log axis: the paper's Fig. 3b.
pub fn top_eigen_chart(scene: &Scene) -> LineChart {
    let (log, range) = x_range(scene);
    let rows = scene.first_seed_rows(RunKind::Main);
    let k = TOP_K.min(scene.params.width.min(scene.params.batch));
    let lines: Vec<Line> = (0..k)
        .map(|i| Line {
            label: match i {
                0 => "λ1 (largest)".into(),
                i if i + 1 == k => format!("λ{k}"),
                _ => String::new(),
            },
            color: viridis(i as f64 / (k.max(2) - 1) as f64 * 0.9),
            opacity: 1.0,
            dashed: false,
            points: rows
                .iter()
                .filter_map(|r| {
                    let s = r.singular_values.get(i)?;
                    x_of(r.layer, log).map(|x| (x, (s * s).max(1e-30)))
                })
                .collect(),
            band: Vec::new(),
        })
        .collect();
    let y = log_range(&lines, (1e-12, 1.0));
    LineChart {
        title: format!(
            "top {k} eigenvalues of HHᵀ, ‖H‖F = 1 ({})",
            norm_label(scene.params.norm)
        ),
        x_label: "layer".into(),
        y_label: "eigenvalue λi".into(),
        x_log: log,
        y_log: true,
        x_range: range,
        y_range: y,
        lines,
        levels: Vec::new(),
    }
}

/// The width sweep: depth-averaged metric against d (log–log), the power laws theory gives
/// ([`theory::sweep_laws`]) dashed through the first point, the batch's ceiling as a level in
/// the fixed-N sweep, and the fitted slope in the title.
pub fn sweep_chart(scene: &Scene) -> LineChart {
    let p = &scene.params;
    let metric = p.metric;
    let points: Vec<(f64, f64)> = scene
        .sweep_points()
        .iter()
        .map(|p| (p.width as f64, p.mean))
        .collect();
    let (w0, w1) = (
        sweep::WIDTHS[0] as f64,
        sweep::WIDTHS[sweep::WIDTHS.len() - 1] as f64,
    );
    let mut lines = vec![Line {
        label: format!("{} (depth average)", norm_label(p.norm)),
        color: run_color(p.norm),
        opacity: 1.0,
        dashed: false,
        points: points.clone(),
        band: Vec::new(),
    }];
    // The laws are drawn from the narrowest width where they hold (d ≥ N at a fixed N) to the
    // widest; not at all where fewer than two widths reach N.
    let anchor = points
        .iter()
        .find(|&&(d, _)| sweep::fitted_at(p, d as usize))
        .filter(|_| !sweep::too_few_fitted(p));
    if let Some(&(x, y)) = anchor {
        for (law, color) in theory::sweep_laws(p).into_iter().zip([GREEN, INK]) {
            let c = y / x.powf(law.power);
            lines.push(Line {
                label: law.label(),
                color,
                opacity: 0.8,
                dashed: true,
                points: vec![(x, y), (w1, c * w1.powf(law.power))],
                band: Vec::new(),
            });
        }
    }
    let levels: Vec<Level> = theory::sweep_ceiling(p)
        .map(|n| Level {
            y: n,
            label: format!("N = {}", p.batch),
        })
        .into_iter()
        .collect();
    let over = if sweep::leaves_out_narrow(p) {
        format!(" (d ≥ {})", p.batch)
    } else {
        String::new()
    };
    let fit = sweep::fit(p, &points)
        .map(|(s, _)| format!(" — fitted slope {s:.2}{over}"))
        .unwrap_or_default();
    let (lo, hi) = log_range(&lines, (0.5, 512.0));
    // The ceiling stays in view (the data approach it from below).
    let hi = levels.iter().fold(hi, |hi, l| hi.max(log_top(l.y)));
    let x_label = if p.view == ViewKind::SweepFixedN {
        format!("width d (batch N = {})", p.batch)
    } else {
        "width d (= batch N)".into()
    };
    LineChart {
        title: format!("depth-averaged {} vs width{fit}", metric.label()),
        x_label,
        y_label: metric.label().to_string(),
        x_log: true,
        y_log: true,
        x_range: (w0 / 1.2, w1 * 1.2),
        y_range: (lo, hi),
        lines,
        levels,
    }
}

/// A tick label: integers without ".0", others with the digits they need.
fn tick(v: f64) -> String {
    if v != 0.0 && (v.abs() < 0.01 || v.abs() >= 1e6) {
        format!("{v:.0e}")
    } else if (v.fract() == 0.0 && v.abs() < 1e15) || v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// Where a level's label is anchored (its bottom left): just above the level, a little in from
/// the left axis.
fn level_label_at(chart: &LineChart, level: &Level) -> (f64, f64) {
    let (lx0, lx1) = chart.x_range;
    let (y_lo, y_hi) = chart.y_range;
    let label_x = if chart.x_log {
        lx0 * (lx1 / lx0).powf(0.02)
    } else {
        lx0 + (lx1 - lx0) * 0.02
    };
    // 1.5 % of the axis's height above the level, in the axis's own scale.
    let label_y = if chart.y_log {
        level.y * (y_hi / y_lo).powf(0.015)
    } else {
        level.y + (y_hi - y_lo) * 0.015
    };
    (label_x, label_y)
}

/// What a legend must not cover, as polylines in the plotting area's pixels (`to_px` maps data
/// coordinates there): every drawn line, every level and a stroke through its label.
fn pixel_traces(
    chart: &LineChart,
    lines: &[Line],
    style: &Style,
    to_px: impl Fn(f64, f64) -> (i32, i32),
) -> Vec<Vec<(i32, i32)>> {
    let mut traces: Vec<Vec<(i32, i32)>> = lines
        .iter()
        .filter(|l| !l.points.is_empty())
        .map(|l| l.points.iter().map(|&(x, y)| to_px(x, y)).collect())
        .collect();
    let font_px = style.font(12.0).1;
    for level in &chart.levels {
        traces.push(vec![
            to_px(chart.x_range.0, level.y),
            to_px(chart.x_range.1, level.y),
        ]);
        let (lx, ly) = level_label_at(chart, level);
        let (px, py) = to_px(lx, ly);
        let mid = py - line_height(font_px) / 2;
        traces.push(vec![
            (px, mid),
            (px + text_width_estimate(&level.label, font_px), mid),
        ]);
    }
    traces
}

/// Draws a line chart filling `area`; returns its plotting frame.
pub fn draw_line_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    style: &Style,
) -> Result<Frame, String> {
    let (x0, x1) = chart.x_range;
    let (y0, y1) = chart.y_range;
    draw_lines_on(
        area,
        chart,
        style,
        ChartAxis::new(x0..x1, chart.x_log),
        ChartAxis::new(y0..y1, chart.y_log),
    )
}

fn draw_lines_on<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    style: &Style,
    x_spec: ChartAxis,
    y_spec: ChartAxis,
) -> Result<Frame, String> {
    area.fill(&WHITE).map_err(err)?;
    let m = style.px(10.0);
    let inner = titled(
        &area.margin(m, m, m, style.px(26.0)),
        &chart.title,
        style.font(17.0),
    )?;
    let mut ctx = ChartBuilder::on(&inner)
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(56.0))
        .build_cartesian_2d(x_spec, y_spec)
        .map_err(err)?;
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .label_style(style.font(12.0))
        .axis_desc_style(style.font(13.0))
        .light_line_style(GRID.mix(0.6))
        .bold_line_style(GRID)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(err)?;

    let width = style.px(2.5);
    // A log axis cannot show zero or negative values: those points are left out.
    let shown = |y: f64| !chart.y_log || y > 0.0;
    let lines: Vec<Line> = chart
        .lines
        .iter()
        .map(|l| Line {
            points: l.points.iter().copied().filter(|p| shown(p.1)).collect(),
            band: l.band.iter().copied().filter(|b| shown(b.1)).collect(),
            ..l.clone()
        })
        .collect();
    for line in &lines {
        if line.band.len() > 1 {
            let mut poly: Vec<(f64, f64)> = line.band.iter().map(|b| (b.0, b.2)).collect();
            poly.extend(line.band.iter().rev().map(|b| (b.0, b.1)));
            ctx.draw_series(std::iter::once(Polygon::new(
                poly,
                line.color.mix(0.18 * line.opacity).filled(),
            )))
            .map_err(err)?;
        }
    }
    let mut legend = Vec::new();
    for line in &lines {
        if line.points.is_empty() {
            continue;
        }
        let shape = line.color.mix(line.opacity).stroke_width(width);
        let series = if line.dashed {
            ctx.draw_series(DashedLineSeries::new(
                line.points.iter().copied(),
                style.px(8.0),
                style.px(5.0),
                shape,
            ))
        } else {
            ctx.draw_series(LineSeries::new(line.points.iter().copied(), shape))
        };
        series.map_err(err)?;
        if !line.label.is_empty() {
            legend.push(LegendEntry {
                label: line.label.clone(),
                line: line.color.mix(line.opacity).stroke_width(width),
            });
        }
    }
    for level in &chart.levels {
        let shape = GREEN.stroke_width(style.px(2.0));
        let (lx0, lx1) = chart.x_range;
        ctx.draw_series(DashedLineSeries::new(
            vec![(lx0, level.y), (lx1, level.y)],
            style.px(4.0),
            style.px(4.0),
            shape,
        ))
        .map_err(err)?;
        ctx.draw_series(std::iter::once(Text::new(
            level.label.clone(),
            level_label_at(chart, level),
            // Anchored at its bottom: from the default top anchor the text hung down
            // across the dashed line it labels.
            style
                .font(12.0)
                .into_font()
                .color(&GREEN)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )))
        .map_err(err)?;
    }
    let (xs, ys) = ctx.plotting_area().get_pixel_range();
    if !legend.is_empty() {
        let layout = legend_layout(&legend, style);
        let to_px = |x: f64, y: f64| {
            let (px, py) = ctx.backend_coord(&(x, y));
            (px - xs.start, py - ys.start)
        };
        let traces = pixel_traces(chart, &lines, style, to_px);
        let area = (xs.end - xs.start, ys.end - ys.start);
        let corner = legend_corner(area, (layout.w, layout.h), &traces);
        let plot = ctx.plotting_area().strip_coord_spec();
        draw_legend(&plot, &legend, &layout, corner, style)?;
    }
    Ok(Frame {
        left: xs.start as f64,
        right: xs.end as f64,
        top: ys.start as f64,
        bottom: ys.end as f64,
        x_min: chart.x_range.0,
        x_max: chart.x_range.1,
        x_log: chart.x_log,
    })
}

/// One panel of the spectrum view: log₁₀ σᵢ/σ₁ over layer × index for one run (first seed).
#[derive(Clone, Debug)]
pub struct Heatmap {
    pub title: String,
    /// Column boundaries in layers (one more than columns).
    pub x_edges: Vec<f64>,
    /// Number of singular values k (rows of cells, index 1 at the top).
    pub k: usize,
    /// Which singular values are shown, 1-based, subsampled when k is large.
    pub indices: Vec<usize>,
    /// `cells[column][row]` = log₁₀ σ_index/σ₁, clipped to [FLOOR, 0].
    pub cells: Vec<Vec<f64>>,
    pub x_log: bool,
    /// The view's depth: the right end of the x axis.
    pub depth: f64,
}

/// The bottom of the colour scale: f64 round-off (σᵢ/σ₁ below ~1e-16 is numerically zero).
pub const FLOOR: f64 = -16.0;
/// Most cells drawn per axis, so a 50,000-layer, 512-wide view stays a few thousand rectangles.
const MAX_COLUMNS: usize = 160;
const MAX_ROWS: usize = 96;

/// The two spectrum panels, main run first.
pub fn spectrum_heatmaps(scene: &Scene) -> Vec<Heatmap> {
    [RunKind::Main, RunKind::Twin]
        .into_iter()
        .map(|kind| heatmap(scene, kind))
        .collect()
}

fn heatmap(scene: &Scene, kind: RunKind) -> Heatmap {
    let params = scene.params_of(kind);
    let (log, _) = x_range(scene);
    let rows: Vec<_> = scene
        .first_seed_rows(kind)
        .iter()
        .filter(|r| !r.singular_values.is_empty() && x_of(r.layer, log).is_some())
        .collect();
    let k = params.width.min(params.batch);
    let col_step = rows.len().div_ceil(MAX_COLUMNS).max(1);
    let row_step = k.div_ceil(MAX_ROWS).max(1);
    let indices: Vec<usize> = (1..=k).step_by(row_step).collect();
    let picked: Vec<_> = rows.iter().step_by(col_step).collect();
    let mut x_edges: Vec<f64> = picked.iter().map(|r| r.layer as f64).collect();
    if let Some(&last) = x_edges.last() {
        // The last column extends one cadence step (or to the next power of ten on a log axis).
        let step = if x_edges.len() > 1 {
            last - x_edges[x_edges.len() - 2]
        } else {
            1.0
        };
        x_edges.push(if log { last * 1.05 } else { last + step });
    }
    let cells = picked
        .iter()
        .map(|r| {
            let s1 = r.singular_values[0];
            indices
                .iter()
                .map(|&i| {
                    let s = r.singular_values.get(i - 1).copied().unwrap_or(0.0);
                    if s1 > 0.0 && s > 0.0 {
                        (s / s1).log10().clamp(FLOOR, 0.0)
                    } else {
                        FLOOR
                    }
                })
                .collect()
        })
        .collect();
    let shown = if kind == RunKind::Main { "" } else { " (twin)" };
    Heatmap {
        title: format!("{}{shown}", norm_label(params.norm)),
        x_edges,
        k,
        indices,
        cells,
        x_log: log,
        depth: params.depth as f64,
    }
}

/// Viridis (perceptually uniform, colour-blind safe) at t ∈ [0, 1], by linear interpolation.
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Draws the spectrum panels side by side with a shared colour bar; returns their frames.
pub fn draw_heatmaps<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[Heatmap],
    style: &Style,
) -> Result<Vec<Frame>, String> {
    area.fill(&WHITE).map_err(err)?;
    let (w, _) = area.dim_in_pixel();
    let bar_w = style.px(96.0).min(w / 4);
    let (plots, bar) = area.split_horizontally(w - bar_w);
    let mut frames = Vec::new();
    let count = panels.len().max(1);
    let cell_w = (w - bar_w) / count as u32;
    let mut rest = plots;
    for (i, panel) in panels.iter().enumerate() {
        if i + 1 < count {
            let (this, next) = rest.split_horizontally(cell_w);
            frames.push(draw_heatmap(&this, panel, style)?);
            rest = next;
        } else {
            frames.push(draw_heatmap(&rest, panel, style)?);
        }
    }
    draw_colour_bar(&bar, style)?;
    Ok(frames)
}

fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Heatmap,
    style: &Style,
) -> Result<Frame, String> {
    let x0 = if panel.x_log { 1.0 } else { 0.0 };
    // The full depth, so the picture grows from the left while rows stream in.
    let last = panel.x_edges.last().copied().unwrap_or(1.0);
    let x1 = panel.depth.max(last).max(x0 + 1.0);
    let k = panel.k.max(1) as f64;
    // Index 1 at the top: the y range runs from k + 0.5 down to 0.5.
    let y_spec = linear((k + 0.5)..0.5);
    let x_spec = ChartAxis::new(x0..x1, panel.x_log);
    heatmap_on(area, panel, style, x_spec, (x0, x1), y_spec)
}

fn heatmap_on<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Heatmap,
    style: &Style,
    x_spec: ChartAxis,
    (x0, x1): (f64, f64),
    y_spec: ChartAxis,
) -> Result<Frame, String> {
    let m = style.px(8.0);
    let inner = titled(&area.margin(m, m, m, m), &panel.title, style.font(15.0))?;
    let mut ctx = ChartBuilder::on(&inner)
        .x_label_area_size(style.px(36.0))
        .y_label_area_size(style.px(48.0))
        .build_cartesian_2d(x_spec, y_spec)
        .map_err(err)?;
    ctx.configure_mesh()
        .disable_mesh()
        .x_desc("layer")
        .y_desc("index i of σᵢ")
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .x_labels(5)
        .y_labels(6)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    let row_h = panel
        .indices
        .get(1)
        .map(|b| (b - panel.indices[0]) as f64)
        .unwrap_or(1.0);
    let (xs, ys) = ctx.plotting_area().get_pixel_range();
    let frame = Frame {
        left: xs.start as f64,
        right: xs.end as f64,
        top: ys.start as f64,
        bottom: ys.end as f64,
        x_min: x0,
        x_max: x1,
        x_log: panel.x_log,
    };
    if style.keep(|| heatmap_raster(panel, &frame, row_h as usize)) {
        return Ok(frame);
    }
    let rects = panel.cells.iter().enumerate().flat_map(|(c, column)| {
        let (xa, xb) = (panel.x_edges[c], panel.x_edges[c + 1]);
        column.iter().zip(&panel.indices).map(move |(v, &i)| {
            let color = viridis(1.0 - v / FLOOR);
            Rectangle::new(
                [(xa, i as f64 - 0.5), (xb, i as f64 - 0.5 + row_h)],
                color.filled(),
            )
        })
    });
    ctx.draw_series(rects).map_err(err)?;
    Ok(frame)
}

/// The heatmap as an image: one column per device pixel of the plotting area (so log and linear
/// axes map exactly), one row per singular value index. Colours are computed once per data
/// column (a few thousand viridis lookups instead of one per pixel: ~3 ms less per draw of the
/// default view on the page's main thread), and the image is written row by row, in memory
/// order (column by column it took ~0.8 ms of the main thread per input for the two panels).
fn heatmap_raster(panel: &Heatmap, frame: &Frame, step: usize) -> Raster {
    let cols = (frame.right - frame.left).max(1.0) as usize;
    let rows = panel.k.max(1);
    // The data column under each pixel column, if any.
    let data_column: Vec<Option<usize>> = (0..cols)
        .map(|px| {
            let layer = frame.layer_at(frame.left + px as f64 + 0.5)?;
            // The data column whose [edge, next edge) holds this layer.
            let c = panel.x_edges.partition_point(|&e| e <= layer);
            (c > 0 && c < panel.x_edges.len()).then(|| c - 1)
        })
        .collect();
    let mut colours: Vec<Option<Vec<[u8; 4]>>> = vec![None; panel.cells.len()];
    for &c in data_column.iter().flatten() {
        colours[c].get_or_insert_with(|| {
            let cells = &panel.cells[c];
            (0..rows)
                .map(|row| match cells.get(row / step.max(1)) {
                    Some(v) => {
                        let RGBColor(r, g, b) = viridis(1.0 - v / FLOOR);
                        [r, g, b, 255]
                    }
                    None => [255; 4],
                })
                .collect()
        });
    }
    let mut rgba = vec![255u8; cols * rows * 4];
    for (row, line) in rgba.chunks_exact_mut(cols * 4).enumerate() {
        for (pixel, column) in line.chunks_exact_mut(4).zip(&data_column) {
            if let Some(colour) = column.and_then(|c| colours[c].as_ref()) {
                pixel.copy_from_slice(&colour[row]);
            }
        }
    }
    Raster {
        left: frame.left as i32,
        top: frame.top as i32,
        width: cols as u32,
        height: (frame.bottom - frame.top).max(1.0) as u32,
        cols: cols as u32,
        rows: rows as u32,
        rgba,
    }
}

fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &Style,
) -> Result<(), String> {
    let mut ctx = ChartBuilder::on(area)
        .margin_top(style.px(40.0))
        .margin_bottom(style.px(44.0))
        .margin_right(style.px(30.0))
        .y_label_area_size(style.px(56.0))
        .build_cartesian_2d(linear(0.0..1.0), linear(FLOOR..0.0))
        .map_err(err)?;
    ctx.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc("log10 σᵢ/σ₁")
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(11.0))
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    let steps = 64;
    // On a canvas, one image of `steps` rows: 64 rectangles, each setting its own fill colour,
    // were ~13 % of the spectrum chart's draw on the page's main thread in a profile.
    let (xs, ys) = ctx.plotting_area().get_pixel_range();
    let kept = style.keep(|| Raster {
        left: xs.start,
        top: ys.start,
        width: (xs.end - xs.start).max(1) as u32,
        height: (ys.end - ys.start).max(1) as u32,
        cols: 1,
        rows: steps as u32,
        rgba: (0..steps)
            .flat_map(|s| {
                let a = FLOOR * s as f64 / steps as f64;
                let RGBColor(r, g, b) = viridis(1.0 - a / FLOOR);
                [r, g, b, 255]
            })
            .collect(),
    });
    if kept {
        return Ok(());
    }
    ctx.draw_series((0..steps).map(|s| {
        let a = FLOOR * s as f64 / steps as f64;
        let b = FLOOR * (s + 1) as f64 / steps as f64;
        Rectangle::new([(0.0, a), (1.0, b)], viridis(1.0 - a / FLOOR).filled())
    }))
    .map_err(err)?;
    Ok(())
}

/// Most cells per side of the cosine matrix drawn (larger batches are subsampled).
const MAX_COS_CELLS: usize = 96;

/// Draws the samples' geometry of each run: their projection on the top two principal
/// directions, and the |cos| matrix between samples; returns the frames of the scatter panels.
pub fn draw_geometry<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    runs: &[(String, RGBColor, &Geometry)],
    style: &Style,
) -> Result<Vec<Frame>, String> {
    area.fill(&WHITE).map_err(err)?;
    let panels = area.split_evenly((1, 2 * runs.len().max(1)));
    let mut frames = Vec::new();
    for (i, (title, color, geo)) in runs.iter().enumerate() {
        frames.push(draw_scatter(&panels[2 * i], title, *color, geo, style)?);
        draw_cosines(&panels[2 * i + 1], geo, style)?;
    }
    Ok(frames)
}

fn draw_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    color: RGBColor,
    geo: &Geometry,
    style: &Style,
) -> Result<Frame, String> {
    let extent = geo
        .points
        .iter()
        .flat_map(|p| [p.0.abs(), p.1.abs()])
        .fold(0.0f64, f64::max)
        .max(1e-12)
        * 1.1;
    let m = style.px(6.0);
    let inner = titled(
        &area.margin(m, m, m, m),
        &format!("{title}, layer {}", geo.layer),
        style.font(13.0),
    )?;
    let mut ctx = ChartBuilder::on(&inner)
        .x_label_area_size(style.px(34.0))
        .y_label_area_size(style.px(44.0))
        .build_cartesian_2d(linear(-extent..extent), linear(-extent..extent))
        .map_err(err)?;
    ctx.configure_mesh()
        .x_desc(format!("PC 1 ({:.0}%)", geo.explained.0 * 100.0))
        .y_desc(format!("PC 2 ({:.0}%)", geo.explained.1 * 100.0))
        .label_style(style.font(10.0))
        .axis_desc_style(style.font(11.0))
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .x_labels(4)
        .y_labels(4)
        .x_label_formatter(&|v| format!("{v:.2}"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .draw()
        .map_err(err)?;
    let r = style.px(3.0);
    ctx.draw_series(
        geo.points
            .iter()
            .map(|&(x, y)| Circle::new((x, y), r, color.mix(0.75).filled())),
    )
    .map_err(err)?;
    let (xs, ys) = ctx.plotting_area().get_pixel_range();
    Ok(Frame {
        left: xs.start as f64,
        right: xs.end as f64,
        top: ys.start as f64,
        bottom: ys.end as f64,
        x_min: -extent,
        x_max: extent,
        x_log: false,
    })
}

fn draw_cosines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    geo: &Geometry,
    style: &Style,
) -> Result<(), String> {
    let n = geo.batch;
    let step = n.div_ceil(MAX_COS_CELLS).max(1);
    let idx: Vec<usize> = (0..n).step_by(step).collect();
    let m = idx.len();
    let mean_abs = if n > 1 {
        let mut sum = 0.0;
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    sum += geo.cosines[i * n + j].abs();
                }
            }
        }
        sum / (n * (n - 1)) as f64
    } else {
        1.0
    };
    let gap = style.px(6.0);
    let inner = titled(
        &area.margin(gap, gap, gap, gap),
        &format!("|cos| between samples (mean {mean_abs:.2})"),
        style.font(13.0),
    )?;
    let mut ctx = ChartBuilder::on(&inner)
        .x_label_area_size(style.px(34.0))
        .y_label_area_size(style.px(40.0))
        .build_cartesian_2d(linear(0.0..m as f64), linear(m as f64..0.0))
        .map_err(err)?;
    ctx.configure_mesh()
        .disable_mesh()
        .x_desc("sample j")
        .y_desc("sample i")
        .label_style(style.font(10.0))
        .axis_desc_style(style.font(11.0))
        .x_labels(4)
        .y_labels(4)
        .x_label_formatter(&|v| format!("{:.0}", v * step as f64))
        .y_label_formatter(&|v| format!("{:.0}", v * step as f64))
        .draw()
        .map_err(err)?;
    let (xs, ys) = ctx.plotting_area().get_pixel_range();
    let kept = style.keep(|| {
        let mut rgba = Vec::with_capacity(m * m * 4);
        for &i in &idx {
            for &j in &idx {
                let RGBColor(r, g, b) = viridis(geo.cosines[i * n + j].abs());
                rgba.extend_from_slice(&[r, g, b, 255]);
            }
        }
        Raster {
            left: xs.start,
            top: ys.start,
            width: (xs.end - xs.start).max(1) as u32,
            height: (ys.end - ys.start).max(1) as u32,
            cols: m as u32,
            rows: m as u32,
            rgba,
        }
    });
    if kept {
        return Ok(());
    }
    let cells = idx.iter().enumerate().flat_map(|(a, &i)| {
        idx.iter().enumerate().map(move |(b, &j)| {
            let c = geo.cosines[i * n + j].abs();
            Rectangle::new(
                [(b as f64, a as f64), (b as f64 + 1.0, a as f64 + 1.0)],
                viridis(c).filled(),
            )
        })
    });
    ctx.draw_series(cells).map_err(err)?;
    Ok(())
}

/// The charts a view has, by the names the page and the CLI use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    Rank,
    Spectrum,
    Norm,
}

impl ChartKind {
    pub fn from_name(name: &str) -> Option<ChartKind> {
        match name {
            "rank" => Some(ChartKind::Rank),
            "spectrum" => Some(ChartKind::Spectrum),
            "norm" => Some(ChartKind::Norm),
            _ => None,
        }
    }
}

/// Draws one chart of `scene` on any backend area; returns the frames of its plotting areas.
pub fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scene: &Scene,
    chart: ChartKind,
    style: &Style,
) -> Result<Vec<Frame>, String> {
    let p = &scene.params;
    match chart {
        ChartKind::Rank if p.view.is_sweep() => {
            draw_line_chart(area, &sweep_chart(scene), style).map(|f| vec![f])
        }
        ChartKind::Rank => draw_line_chart(area, &rank_chart(scene), style).map(|f| vec![f]),
        ChartKind::Norm => draw_line_chart(area, &norm_chart(scene), style).map(|f| vec![f]),
        ChartKind::Spectrum if p.detail == Detail::Top10 => {
            draw_line_chart(area, &top_eigen_chart(scene), style).map(|f| vec![f])
        }
        ChartKind::Spectrum => draw_heatmaps(area, &spectrum_heatmaps(scene), style),
    }
}

/// One chart as an SVG document of `width`×`height` pixels.
pub fn svg(
    scene: &Scene,
    chart: ChartKind,
    width: u32,
    height: u32,
    style: &Style,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw_chart(&area, scene, chart, style)?;
        area.present().map_err(err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 400×300 plotting area and a 100×40 legend.
    const AREA: (i32, i32) = (400, 300);
    const BOX: (i32, i32) = (100, 40);

    #[test]
    fn the_legend_stays_upper_right_when_that_hides_nothing() {
        let low = vec![vec![(0, 280), (400, 290)]];
        assert_eq!(legend_corner(AREA, BOX, &low), Corner::TopRight);
        assert_eq!(legend_corner(AREA, BOX, &[]), Corner::TopRight);
    }

    #[test]
    fn a_curve_along_the_top_sends_the_legend_to_a_free_corner() {
        // BatchNorm's flat scale along the top, the vanilla one falling to the bottom right.
        let traces = vec![vec![(0, 10), (400, 12)], vec![(0, 20), (400, 295)]];
        assert_eq!(legend_corner(AREA, BOX, &traces), Corner::BottomLeft);
    }

    #[test]
    fn a_long_segment_with_no_vertex_inside_the_box_still_counts() {
        // Two points only (the sweep's reference lines): the segment crosses the upper right.
        let diagonal = vec![vec![(0, 300), (400, 0)]];
        let corner = legend_corner(AREA, BOX, &diagonal);
        assert!(
            matches!(corner, Corner::TopLeft | Corner::BottomRight),
            "{corner:?}"
        );
        assert!(hidden_samples((295, 5), BOX, &diagonal) > 0);
    }

    #[test]
    fn the_legend_box_sits_inside_the_area_in_every_corner() {
        for corner in [
            Corner::TopRight,
            Corner::TopLeft,
            Corner::BottomRight,
            Corner::BottomLeft,
        ] {
            let (x, y) = legend_origin(corner, AREA, BOX);
            assert!(x >= 0 && y >= 0 && x + BOX.0 <= AREA.0 && y + BOX.1 <= AREA.1);
        }
    }

    #[test]
    fn frame_maps_pixels_back_to_layers() {
        let f = Frame {
            left: 100.0,
            right: 300.0,
            top: 0.0,
            bottom: 100.0,
            x_min: 0.0,
            x_max: 50.0,
            x_log: false,
        };
        assert_eq!(f.layer_at(200.0), Some(25.0));
        assert_eq!(f.layer_at(50.0), None);
        let g = Frame {
            x_min: 1.0,
            x_max: 10_000.0,
            x_log: true,
            ..f
        };
        let mid = g.layer_at(200.0).expect("inside");
        assert!((mid - 100.0).abs() < 1e-9);
    }

    /// The raster, pixel by pixel from its definition: the data column holding the layer under
    /// the pixel's centre, the colour of its cell in that row (white outside the data).
    #[test]
    fn heatmap_raster_colours_each_pixel_by_the_cell_under_it() {
        for x_log in [false, true] {
            let cells: Vec<Vec<f64>> = (0..7)
                .map(|c| (0..5).map(|r| -((c * 5 + r) as f64) * 0.4).collect())
                .collect();
            let x_edges: Vec<f64> = if x_log {
                vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 67.2]
            } else {
                vec![0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0]
            };
            let panel = Heatmap {
                title: String::new(),
                x_edges: x_edges.clone(),
                k: 10,
                indices: vec![1, 3, 5, 7, 9],
                cells: cells.clone(),
                x_log,
                depth: 20.0,
            };
            let frame = Frame {
                left: 40.0,
                right: 117.0,
                top: 5.0,
                bottom: 95.0,
                x_min: if x_log { 1.0 } else { 0.0 },
                x_max: if x_log { 100.0 } else { 24.0 },
                x_log,
            };
            let raster = heatmap_raster(&panel, &frame, 2);
            assert_eq!((raster.cols, raster.rows), (77, 10));
            let mut coloured = 0;
            for row in 0..10 {
                for px in 0..77 {
                    let layer = frame.layer_at(40.0 + px as f64 + 0.5).expect("inside");
                    let column = x_edges
                        .windows(2)
                        .position(|e| e[0] <= layer && layer < e[1]);
                    let expected = match column {
                        Some(c) => {
                            let RGBColor(r, g, b) = viridis(1.0 - cells[c][row / 2] / FLOOR);
                            coloured += 1;
                            [r, g, b, 255]
                        }
                        None => [255; 4],
                    };
                    let at = (row * 77 + px) * 4;
                    assert_eq!(
                        raster.rgba[at..at + 4],
                        expected,
                        "log {x_log} row {row} px {px}"
                    );
                }
            }
            assert!(
                coloured > 10 * 60,
                "most pixels are inside the data: {coloured}"
            );
        }
    }

    #[test]
    fn a_title_too_wide_for_its_area_is_set_smaller() {
        let title = "|cos| between samples (mean 0.40)";
        assert_eq!(fitting_size(title, 13, 400), 13, "fits: unchanged");
        let px = fitting_size(title, 26, 300);
        assert!((13..26).contains(&px), "{px}");
        assert!(title.chars().count() as f64 * 0.55 * f64::from(px) <= 300.0);
        assert_eq!(fitting_size(title, 26, 10), 13, "never below half");
        assert_eq!(fitting_size("", 17, 0), 17);
    }

    /// A computed width sweep of `q` (short runs).
    fn sweep_scene(q: &str) -> Scene {
        let p = crate::params::Params::parse(q).expect("valid");
        let mut scene = Scene::new(&p);
        for r in sweep::runs(&p) {
            let mut sim = crate::run::Simulation::new(&r, r.seed);
            while !sim.is_done() {
                scene
                    .push_sweep(r.width, sim.advance(8))
                    .expect("own width");
            }
        }
        scene
    }

    /// On a canvas the spectrum chart's colour bar is one image: a column of 64 rows whose
    /// colours, top to bottom, are the 64 rectangles' of the SVG, in the bar's plotting area
    /// right of the two heatmaps.
    #[test]
    fn the_colour_bar_raster_has_the_rectangles_colours() {
        let p = crate::params::Params::parse("depth=6&width=8&batch=8").expect("valid");
        let mut scene = Scene::new(&p);
        for kind in [RunKind::Main, RunKind::Twin] {
            let mut sim = crate::run::Simulation::new(scene.params_of(kind), p.seed);
            while !sim.is_done() {
                scene.push(kind, sim.advance(8)).expect("own seed");
            }
        }
        let style = Style::rasterising(1.0);
        svg(&scene, ChartKind::Spectrum, 900, 400, &style).expect("drawn");
        let rasters = style.take_rasters();
        assert_eq!(rasters.len(), 3, "two heatmaps and the bar");
        let bar = &rasters[2];
        assert_eq!((bar.cols, bar.rows), (1, 64));
        assert!(rasters[..2]
            .iter()
            .all(|h| h.left + (h.width as i32) <= bar.left));
        assert!(bar.height > 64 && bar.width > 0);
        let svg_rects =
            svg(&scene, ChartKind::Spectrum, 900, 400, &Style::new(1.0)).expect("drawn");
        for (row, pixel) in bar.rgba.chunks_exact(4).enumerate() {
            let RGBColor(r, g, b) = viridis(1.0 - row as f64 / 64.0);
            assert_eq!(pixel, [r, g, b, 255], "row {row}");
            let fill = format!("fill=\"#{r:02X}{g:02X}{b:02X}\"");
            assert!(svg_rects.contains(&fill), "the SVG's bar has {fill}");
        }
    }

    #[test]
    fn the_sweep_draws_the_laws_of_its_measure_and_the_fixed_batchs_ceiling() {
        let labels = |c: &LineChart| -> Vec<String> {
            c.lines.iter().skip(1).map(|l| l.label.clone()).collect()
        };
        let tied = sweep_chart(&sweep_scene(
            "view=sweep&depth=4&metric=participation_ratio",
        ));
        assert_eq!(labels(&tied), ["∝ √d", "∝ d"]);
        assert!(tied.levels.is_empty() && tied.x_label.contains("= batch N"));
        let gap = sweep_chart(&sweep_scene(
            "view=sweep_fixed_n&batch=4&depth=4&norm=bn0&metric=orthogonality_gap",
        ));
        assert_eq!(labels(&gap), ["∝ 1/√d"]);
        assert!(gap.levels.is_empty() && gap.x_label.contains("batch N = 4"));
        // The law passes through the narrowest point and falls by √32 across the widths.
        let (data, law) = (&gap.lines[0].points, &gap.lines[1].points);
        assert!((law[0].1 - data[0].1).abs() < 1e-12 * data[0].1);
        assert!((law[0].1 / law[1].1 - 32f64.sqrt()).abs() < 1e-9);
        let rank = sweep_chart(&sweep_scene("view=sweep_fixed_n&batch=4&depth=4"));
        assert_eq!(labels(&rank), ["∝ √d"]);
        assert_eq!(rank.levels.len(), 1);
        assert_eq!(
            (rank.levels[0].y, rank.levels[0].label.as_str()),
            (4.0, "N = 4")
        );
        assert!(
            rank.y_range.1 >= 4.0,
            "the ceiling is in view: {:?}",
            rank.y_range
        );
        let cos = sweep_chart(&sweep_scene("view=sweep&depth=4&metric=mean_abs_cos"));
        assert!(labels(&cos).is_empty(), "no law for mean |cos|");
        // N = 16: the law starts at d = 16 (it holds for d ≥ N only) and the title says over
        // which widths the slope is fitted; N = 200 leaves one width: no law, no slope.
        let wide = sweep_chart(&sweep_scene(
            "view=sweep_fixed_n&batch=16&depth=4&norm=bn0&metric=orthogonality_gap",
        ));
        let (data, law) = (&wide.lines[0].points, &wide.lines[1].points);
        assert_eq!((law[0].0, law[0].1), data[1], "from the point at d = 16");
        assert!(wide.title.ends_with("(d ≥ 16)"), "{}", wide.title);
        let too_wide = sweep_chart(&sweep_scene(
            "view=sweep_fixed_n&batch=200&depth=2&norm=bn0&metric=orthogonality_gap",
        ));
        assert!(
            labels(&too_wide).is_empty(),
            "one width reaches N: nothing to draw a law through"
        );
        assert!(!too_wide.title.contains("slope"), "{}", too_wide.title);
    }

    #[test]
    fn a_levels_label_sits_just_above_it_on_linear_and_log_axes() {
        let level = Level {
            y: 8.0,
            label: "N = 8".into(),
        };
        let mut chart = sweep_chart(&sweep_scene("view=sweep_fixed_n&batch=8&depth=2"));
        chart.y_range = (1.0, 100.0);
        let (_, y) = level_label_at(&chart, &level);
        // On the log axis 1.5 % of its height is a factor 100^0.015 ≈ 1.07, not +1.5 units.
        assert!((y / 8.0 - 100f64.powf(0.015)).abs() < 1e-12, "{y}");
        chart.y_log = false;
        let (_, y) = level_label_at(&chart, &level);
        assert!((y - (8.0 + 99.0 * 0.015)).abs() < 1e-12, "{y}");
    }

    #[test]
    fn log_ranges_end_at_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_floor(0.0966), 0.05);
        assert_eq!(nice_floor(0.2), 0.2);
        assert_eq!(nice_floor(7.0), 5.0);
        assert_eq!(nice_ceil(0.636), 1.0);
        assert_eq!(nice_ceil(8.3), 10.0);
        assert_eq!(nice_ceil(21.3), 50.0);
        assert_eq!(nice_ceil(2.0), 2.0);
        let line = |ys: &[f64]| Line {
            label: String::new(),
            color: INK,
            opacity: 1.0,
            dashed: false,
            points: ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect(),
            band: Vec::new(),
        };
        // The gap sweep's data: 0.05–1, not 0.01–1.
        assert_eq!(log_range(&[line(&[0.0966, 0.57])], (1.0, 2.0)), (0.05, 1.0));
        // Nearly flat data still gets a readable span; non-positive values are left out.
        assert_eq!(log_range(&[line(&[3.0, 3.1, 0.0])], (1.0, 2.0)), (2.0, 5.0));
        assert_eq!(log_range(&[line(&[0.0])], (1.0, 2.0)), (1.0, 2.0));
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), RGBColor(68, 1, 84));
    }
}
