//! The only wasm-bindgen file: a thin binding from the browser to the core.
//!
//! * [`parse_query`] validates a link (leniently: bad keys fall back and are reported).
//! * [`Job`] runs in the Web Worker: it advances the main and twin simulations of every seed in
//!   time-boxed slices and hands back the new rows.
//! * [`View`] lives on the main thread: it collects rows into a [`Scene`] and draws the charts on
//!   canvases with plotters-canvas (plotters measures text through the DOM, so it cannot draw
//!   in a worker).
//!
//! Every error crossing into JS is a `JsError` with a sentence the page can show.

use crate::canvas::BatchedCanvas;
use crate::captions::{captions, Captions};
use crate::cost;
use crate::geometry::{self, Geometry};
use crate::output;
use crate::params::{ParamError, Params};
use crate::plot::{self, ChartKind, Frame, Raster, Style};
use crate::presets::PRESETS;
use crate::run::{Row, Simulation};
use crate::scene::{norm_label, RunKind, Scene};
use crate::sweep;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

thread_local! {
    /// The message of the last panic, kept so the page can show it (a trapped panic reaches JS
    /// only as "unreachable").
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{place}")));
        console_error_panic_hook::hook(info);
    }));
}

/// The message of the last panic in this module instance, if any.
#[wasm_bindgen]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// u64 seeds cross as BigInt so that no seed loses precision in JS.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer =
        serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&format!("internal error converting data for JS: {e}")))
}

#[derive(Serialize)]
struct Parsed {
    /// The canonical query of the parameters actually used.
    query: String,
    params: Params,
    /// The seed as a decimal string (JS numbers cannot hold every u64).
    seed: String,
    errors: Vec<ParamError>,
    /// Estimated floating-point work of the view (both runs, every seed; see `cost`).
    cost: f64,
    /// The part of it spent on evaluations, which a coarser cadence reduces.
    eval_cost: f64,
    /// The charts' captions for these parameters.
    captions: Captions,
}

/// Parses a query string leniently: `{query, params, seed, errors}`; each bad key falls back to
/// its default and is listed in `errors` with a message naming it.
#[wasm_bindgen]
pub fn parse_query(query: &str) -> Result<JsValue, JsError> {
    let (params, errors) = Params::parse_lenient(query);
    to_js(&Parsed {
        query: params.to_query(),
        seed: params.seed.to_string(),
        cost: cost::estimate(&params).total(),
        eval_cost: cost::estimate(&params).evals,
        captions: captions(&params),
        params,
        errors,
    })
}

/// The smallest evaluation cadence `every` that brings the view of `query` under `budget` flops,
/// or `undefined` when none does.
#[wasm_bindgen]
pub fn coarser_every(query: &str, budget: f64) -> Result<Option<u32>, JsError> {
    let params = Params::parse(query).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(cost::coarser_every(&params, budget))
}

/// A fresh random seed from the browser's crypto RNG, as a decimal string.
#[wasm_bindgen]
pub fn fresh_seed() -> Result<String, JsError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| JsError::new(&format!("no random source available: {e}")))?;
    // Keep seeds within JS's safe integers so they stay readable in links.
    Ok((u64::from_le_bytes(bytes) >> 11).to_string())
}

/// Draws a small made-up view of `query` — four layers of both runs, rows built here — on
/// `canvas` with each chart of a depth view, the rows passed through the same conversion as
/// the workers' rows. The page calls it once at start-up, on a canvas it never shows: the
/// curves' drawing code then runs cold there (compiled on the spot, in V8's baseline tier)
/// rather than in the frames drawn while the first job computes, where it made main-thread
/// tasks of 50–80 ms. A sweep link warms the depth view's charts (its own chart shares most
/// of their code).
#[wasm_bindgen]
pub fn warm_up_charts(query: &str, canvas: HtmlCanvasElement) -> Result<(), JsError> {
    let params = Params::parse(query).map_err(|e| JsError::new(&e.to_string()))?;
    let params = Params {
        view: crate::params::ViewKind::Depth,
        ..params
    };
    let mut view = View {
        scene: Scene::new(&params),
        frames: Vec::new(),
    };
    let batch = Batch {
        main: made_up_rows(&params, 0.05),
        twin: made_up_rows(&params, 0.4),
        sweep: Vec::new(),
    };
    view.push(to_js(&batch)?)?;
    for chart in ["spectrum", "rank", "norm"] {
        view.draw(chart, canvas.clone(), 1.0)?;
    }
    Ok(())
}

/// Layers 0–3 of a run whose normalised singular values decay as e^(−rate·i·layer).
fn made_up_rows(params: &Params, rate: f64) -> Vec<Row> {
    let k = params.width.min(params.batch).max(1);
    (0..4u32)
        .map(|layer| {
            let raw: Vec<f64> = (0..k)
                .map(|i| (-rate * i as f64 * f64::from(layer)).exp())
                .collect();
            let norm = raw.iter().map(|x| x * x).sum::<f64>().sqrt();
            let singular_values: Vec<f64> = raw.iter().map(|x| x / norm).collect();
            let metrics = crate::metrics::from_values(
                &singular_values,
                (params.width, params.batch),
                params.tau,
                0.1,
            );
            Row {
                seed: params.seed,
                layer,
                metrics: Some(metrics),
                log10_norm: f64::from(layer) * -0.1,
                singular_values,
                flag: None,
            }
        })
        .collect()
}

/// One n×n×n matrix product with the kernel the layers use; returns its trace (so nothing is
/// optimised away). `bench/wasm_bench.mjs --matmul` times it as this build's peak rate.
#[wasm_bindgen]
pub fn bench_matmul(n: usize) -> f64 {
    let a = nalgebra::DMatrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    crate::gemm::product(&a, &a).trace()
}

/// Panics on purpose. The page's tests use it (through the worker's `panic` message) to prove
/// that a panic shows a readable message, restarts the worker and leaves the page usable.
#[wasm_bindgen]
pub fn force_panic() {
    panic!("forced panic (test hook)");
}

/// The CSV header of the CLI and of the page's export.
#[wasm_bindgen]
pub fn csv_header() -> String {
    output::CSV_HEADER.to_string()
}

#[derive(Serialize)]
struct PresetInfo {
    name: &'static str,
    title: &'static str,
    caption: &'static str,
}

/// Every preset: `[{name, title, caption}]`, in menu order.
#[wasm_bindgen]
pub fn presets() -> Result<JsValue, JsError> {
    let list: Vec<PresetInfo> = PRESETS
        .iter()
        .map(|p| PresetInfo {
            name: p.name,
            title: p.title,
            caption: p.caption,
        })
        .collect();
    to_js(&list)
}

#[derive(Serialize, Deserialize)]
struct GeometryPair {
    main: Option<Geometry>,
    twin: Option<Geometry>,
    errors: Vec<String>,
}

/// The samples' geometry at `layer` of the main and twin runs (first seed):
/// `{main, twin, errors}`. Runs in the worker (it advances the networks to that layer).
#[wasm_bindgen]
pub fn geometry_at(query: &str, layer: u32) -> Result<JsValue, JsError> {
    let params = Params::parse(query).map_err(|e| JsError::new(&e.to_string()))?;
    let mut errors = Vec::new();
    let mut one = |p: &Params| match geometry::at_layer(p, p.seed, layer) {
        Ok(g) => Some(g),
        Err(e) => {
            errors.push(format!("{}: {e}", norm_label(p.norm)));
            None
        }
    };
    let main = one(&params);
    let twin = one(&params.twin());
    to_js(&GeometryPair { main, twin, errors })
}

/// Rows of one sweep width.
#[derive(Serialize, Deserialize)]
struct SweepRows {
    width: usize,
    #[serde(with = "crate::wire::rows_bytes")]
    rows: Vec<Row>,
}

/// Rows produced by one slice, by run kind; each list crosses to the page as one byte string
/// ([`crate::wire::rows_bytes`]).
#[derive(Serialize, Deserialize, Default)]
struct Batch {
    #[serde(with = "crate::wire::rows_bytes")]
    main: Vec<Row>,
    #[serde(with = "crate::wire::rows_bytes")]
    twin: Vec<Row>,
    sweep: Vec<SweepRows>,
}

impl Batch {
    /// How many rows it holds, of every kind.
    fn len(&self) -> usize {
        self.main.len() + self.twin.len() + self.sweep.iter().map(|s| s.rows.len()).sum::<usize>()
    }
}

/// Which part of a view a simulation computes.
#[derive(Clone, Copy, PartialEq)]
enum Tag {
    Main,
    Twin,
    Sweep(usize),
}

#[derive(Serialize)]
struct StepOutput {
    batch: Batch,
    /// How many rows `batch` holds (its lists are bytes to JS). A u32, so that JS gets a
    /// number: a usize crossed as a BigInt, which the benchmarks' sums could not add.
    rows: u32,
    done: bool,
    /// Fraction of all layers advanced, 0 to 1.
    progress: f64,
    errors: Vec<String>,
}

/// The simulations of one view, advanced in slices by the worker.
#[wasm_bindgen]
pub struct Job {
    sims: Vec<(Tag, Simulation)>,
    /// Cost of one layer of each simulation, for the progress fraction.
    weights: Vec<f64>,
    /// Run the simulations one after another (sweep) instead of round-robin.
    sequential: bool,
    /// Measure the samples' geometry at the last layer when done (the page's panel).
    geometry: bool,
    /// The view's first seed: the runs whose samples the panel shows.
    first_seed: u64,
    depth: u32,
    cursor: usize,
    /// Layers per `advance` call, adapted so each call takes about a millisecond.
    chunk: u32,
    reported: usize,
}

#[wasm_bindgen]
impl Job {
    /// A job for the view of `query` (strictly parsed: the page sends canonical queries);
    /// `for_page` adds what only the page shows: the twin run of every seed and the samples'
    /// geometry at the last layer. The benchmarks leave both out, so that they time the work
    /// numpy's baseline does (the runs and their measures): the geometry of a 128 × 128 batch
    /// alone took 8 ms of a fresh 0.18 s W1 run.
    /// The page spreads a view over `parts` workers: this job takes the runs whose index is
    /// `part` modulo `parts` (runs are ordered main, twin, main, twin, … by seed, so with two
    /// workers one computes every main run and the other every twin).
    #[wasm_bindgen(constructor)]
    pub fn new(query: &str, for_page: bool, part: u32, parts: u32) -> Result<Job, JsError> {
        if parts == 0 || part >= parts {
            return Err(JsError::new(&format!(
                "part {part} of {parts} does not exist"
            )));
        }
        let params = Params::parse(query).map_err(|e| JsError::new(&e.to_string()))?;
        let twin = params.twin();
        let mut sims = Vec::new();
        if params.view.is_sweep() {
            // Widths one after another (the narrow ones finish first and show at once).
            for p in sweep::runs(&params) {
                for seed in p.run_seeds() {
                    sims.push((Tag::Sweep(p.width), Simulation::new(&p, seed)));
                }
            }
        } else {
            for seed in params.run_seeds() {
                sims.push((Tag::Main, Simulation::new(&params, seed)));
                if for_page {
                    sims.push((Tag::Twin, Simulation::new(&twin, seed)));
                }
            }
        }
        let sims: Vec<(Tag, Simulation)> = sims
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i as u32 % parts == part)
            .map(|(_, s)| s)
            .collect();
        // Progress is measured in d²N multiply-adds, so wide sweep runs weigh what they cost.
        let weights = sims
            .iter()
            .map(|(_, s)| {
                let p = s.params();
                (p.width * p.width * p.batch) as f64
            })
            .collect();
        Ok(Job {
            sims,
            weights,
            sequential: params.view.is_sweep(),
            geometry: for_page && !params.view.is_sweep(),
            first_seed: params.seed,
            depth: params.depth,
            cursor: 0,
            chunk: 1,
            reported: 0,
        })
    }

    /// Advances the runs round-robin for about `budget_ms` milliseconds; returns
    /// `{batch: {main, twin}, done, progress, errors}` with the rows computed in this slice.
    pub fn step(&mut self, budget_ms: f64) -> Result<JsValue, JsError> {
        let start = js_sys::Date::now();
        let mut batch = Batch::default();
        while let Some(i) = self.next_unfinished() {
            let t0 = js_sys::Date::now();
            let (tag, sim) = &mut self.sims[i];
            let rows = sim.advance(self.chunk);
            match *tag {
                Tag::Main => batch.main.extend(rows),
                Tag::Twin => batch.twin.extend(rows),
                Tag::Sweep(width) => match batch.sweep.iter_mut().find(|s| s.width == width) {
                    Some(s) => s.rows.extend(rows),
                    None => batch.sweep.push(SweepRows { width, rows }),
                },
            }
            let took = js_sys::Date::now() - t0;
            let per_layer = took / self.chunk as f64;
            // Aim for ~1 ms per call so the runs grow together and the budget is respected.
            if took < 0.5 && self.chunk < 4096 {
                self.chunk *= 2;
            } else if took > 2.0 && self.chunk > 1 {
                self.chunk /= 2;
            }
            // But take two layers whenever two fit in a quarter of the budget: `advance` runs
            // consecutive layers' bidiagonal phases together, which is cheaper than one by one.
            if self.chunk < 2 && 2.0 * per_layer <= budget_ms / 4.0 {
                self.chunk = 2;
            }
            self.cursor = if self.sequential { i } else { i + 1 };
            if js_sys::Date::now() - start >= budget_ms {
                break;
            }
        }
        let errors: Vec<String> = self
            .sims
            .iter()
            .filter_map(|(tag, sim)| {
                sim.error().map(|e| {
                    let which = match tag {
                        Tag::Main => String::new(),
                        Tag::Twin => " (twin run)".into(),
                        Tag::Sweep(w) => format!(" (width {w})"),
                    };
                    format!("seed {}{which}: {e}", sim.seed())
                })
            })
            .collect();
        let new_errors = errors[self.reported.min(errors.len())..].to_vec();
        self.reported = errors.len();
        let total = self.weights.iter().sum::<f64>() * self.depth as f64;
        let done_layers: f64 = self
            .sims
            .iter()
            .zip(&self.weights)
            .map(|((_, s), w)| s.layer() as f64 * w)
            .sum();
        let done = self.is_done();
        to_js(&StepOutput {
            rows: u32::try_from(batch.len()).unwrap_or(u32::MAX),
            batch,
            done,
            progress: if total > 0.0 {
                done_layers / total
            } else {
                1.0
            },
            errors: new_errors,
        })
    }

    /// The samples' geometry at the last layer of the first seed's runs this job holds, once
    /// the job is done (`{main, twin, errors}`; a run it does not hold is left out: undefined
    /// in JS); null for a benchmark's job, a sweep, or before the end. The worker asks for it
    /// after posting the job's last rows: measured in `step`, it held the rows back by ~0.3 ms
    /// of the default view's ~16 ms run, and the page needs it only when the samples' panel is
    /// in view.
    pub fn geometry(&self) -> Result<JsValue, JsError> {
        if !(self.geometry && self.is_done()) {
            return Ok(JsValue::NULL);
        }
        to_js(&self.final_geometry())
    }
}

impl View {
    fn geometry_on(
        &self,
        canvas: &HtmlCanvasElement,
        scale: f64,
        data: JsValue,
        batch: bool,
    ) -> Result<(), JsError> {
        let pair = geometry_pair(data)?;
        let runs = self.geometry_runs(&pair);
        on_canvas(canvas, scale, batch, |area, style| {
            plot::draw_geometry(area, &runs, style).map(|_| ())
        })
    }

    /// The runs of a geometry pair with their legend names and colours, main first.
    fn geometry_runs<'a>(
        &self,
        pair: &'a GeometryPair,
    ) -> Vec<(String, plotters::style::RGBColor, &'a Geometry)> {
        [
            (&self.scene.params, &pair.main),
            (&self.scene.twin, &pair.twin),
        ]
        .into_iter()
        .filter_map(|(p, g)| {
            g.as_ref()
                .map(|g| (norm_label(p.norm).to_string(), plot::run_color(p.norm), g))
        })
        .collect()
    }
}

/// A `{main, twin, errors}` geometry pair from JS.
fn geometry_pair(data: JsValue) -> Result<GeometryPair, JsError> {
    serde_wasm_bindgen::from_value(data)
        .map_err(|e| JsError::new(&format!("malformed geometry from the worker: {e}")))
}

impl Job {
    /// The geometry of the first seed's main and twin runs at the layer they reached, from the
    /// networks the job already holds (no re-run): what the page shows by default when done.
    fn final_geometry(&self) -> GeometryPair {
        let mut pair = GeometryPair {
            main: None,
            twin: None,
            errors: Vec::new(),
        };
        // With more workers than two a part may hold a later seed's runs only.
        for (tag, sim) in self
            .sims
            .iter()
            .filter(|(_, s)| s.seed() == self.first_seed)
        {
            let slot = match tag {
                Tag::Main if pair.main.is_none() => &mut pair.main,
                Tag::Twin if pair.twin.is_none() => &mut pair.twin,
                _ => continue,
            };
            match geometry::measure(sim.h(), sim.layer()) {
                Ok(g) => *slot = Some(g),
                Err(e) => pair.errors.push(e),
            }
        }
        pair
    }

    fn is_done(&self) -> bool {
        self.sims.iter().all(|(_, s)| s.is_done())
    }

    /// Index of the next simulation that still has work, starting at the cursor.
    fn next_unfinished(&self) -> Option<usize> {
        let n = self.sims.len();
        (0..n)
            .map(|k| (self.cursor + k) % n)
            .find(|&i| !self.sims[i].1.is_done())
    }
}

/// The main thread's side: collected rows and the charts drawn from them.
#[wasm_bindgen]
pub struct View {
    scene: Scene,
    frames: Vec<(ChartKind, Vec<Frame>)>,
}

/// A usable drawing scale: positive and finite, else 1.
fn sane_scale(scale: f64) -> f64 {
    if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    }
}

/// The 2D context of a canvas.
fn context_2d(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsError> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| JsError::new("drawing failed: the canvas has no 2D context"))
}

/// Scratch canvases kept at most (the page's charts need six sizes: two spectrum panels, the
/// geometry panel's two cosine maps, and their export sizes now and then).
const SCRATCH_KEPT: usize = 8;

thread_local! {
    /// Small canvases the rasters pass through, kept from draw to draw: a new canvas's first
    /// `getContext` allocates its drawing state, and resizing one drops its buffer (~0.3 ms
    /// per input in a profile of the default view, which blits four rasters).
    static SCRATCH: std::cell::RefCell<Vec<HtmlCanvasElement>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A scratch canvas of `cols` × `rows` not among `taken` (the ones this blit already uses):
/// one of that size if kept, else a new one while fewer than [`SCRATCH_KEPT`] exist, else a
/// kept one resized (a throwaway one if all are taken). Its index goes into `taken`.
fn scratch_canvas(
    cols: u32,
    rows: u32,
    taken: &mut Vec<usize>,
) -> Result<HtmlCanvasElement, JsError> {
    let fail = || JsError::new("drawing failed: cannot create a canvas");
    SCRATCH.with(|cell| {
        let mut kept = cell.borrow_mut();
        let free = |i: &usize| !taken.contains(i);
        let sized = (0..kept.len())
            .filter(free)
            .find(|&i| kept[i].width() == cols && kept[i].height() == rows);
        let create = || -> Result<HtmlCanvasElement, JsError> {
            web_sys::window()
                .and_then(|w| w.document())
                .ok_or_else(fail)?
                .create_element("canvas")
                .map_err(|_| fail())?
                .dyn_into()
                .map_err(|_| fail())
        };
        let index = match sized {
            Some(i) => i,
            None if kept.len() < SCRATCH_KEPT => {
                kept.push(create()?);
                kept.len() - 1
            }
            None => match (0..kept.len()).find(free) {
                Some(i) => i,
                // More rasters in one drawing than canvases kept: a throwaway one.
                None => {
                    let canvas = create()?;
                    canvas.set_width(cols);
                    canvas.set_height(rows);
                    return Ok(canvas);
                }
            },
        };
        let canvas = kept[index].clone();
        if canvas.width() != cols || canvas.height() != rows {
            canvas.set_width(cols);
            canvas.set_height(rows);
        }
        taken.push(index);
        Ok(canvas)
    })
}

/// Blits the rasters a drawing collected onto the canvas: each through a small canvas of its
/// own size, scaled with nearest-neighbour sampling (one draw call instead of thousands).
fn blit_rasters(canvas: &HtmlCanvasElement, rasters: Vec<Raster>) -> Result<(), JsError> {
    if rasters.is_empty() {
        return Ok(());
    }
    let fail = |what: &str| JsError::new(&format!("drawing failed: {what}"));
    let ctx = context_2d(canvas)?;
    ctx.set_image_smoothing_enabled(false);
    let mut taken = Vec::new();
    for r in rasters {
        let tmp = scratch_canvas(r.cols, r.rows, &mut taken)?;
        let tctx = context_2d(&tmp)?;
        let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&r.rgba), r.cols, r.rows)
            .map_err(|_| fail("cannot make an image"))?;
        // putImageData replaces every pixel (no blending): nothing of the last use remains.
        tctx.put_image_data(&image, 0.0, 0.0)
            .map_err(|_| fail("cannot put the image"))?;
        ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
            &tmp,
            r.left as f64,
            r.top as f64,
            r.width as f64,
            r.height as f64,
        )
        .map_err(|_| fail("cannot draw the image"))?;
    }
    Ok(())
}

/// Draws on a canvas with plotters (cell grids collected as rasters), presents, then blits the
/// rasters: the one path every canvas chart takes. `batch`: see [`BatchedCanvas::new`].
fn on_canvas<T>(
    canvas: &HtmlCanvasElement,
    scale: f64,
    batch: bool,
    draw: impl FnOnce(&DrawingArea<BatchedCanvas, plotters::coord::Shift>, &Style) -> Result<T, String>,
) -> Result<T, JsError> {
    let backend = BatchedCanvas::new(canvas.clone(), context_2d(canvas)?, batch)
        .ok_or_else(|| JsError::new("the canvas has no 2D context"))?;
    let area = backend.into_drawing_area();
    let style = Style::rasterising(sane_scale(scale));
    let out = draw(&area, &style).map_err(|e| JsError::new(&e))?;
    area.present()
        .map_err(|e| JsError::new(&format!("drawing failed: {e:?}")))?;
    blit_rasters(canvas, style.take_rasters())?;
    Ok(out)
}

fn chart_kind(name: &str) -> Result<ChartKind, JsError> {
    ChartKind::from_name(name).ok_or_else(|| JsError::new(&format!("no chart named `{name}`")))
}

#[wasm_bindgen]
impl View {
    #[wasm_bindgen(constructor)]
    pub fn new(query: &str) -> Result<View, JsError> {
        let params = Params::parse(query).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(View {
            scene: Scene::new(&params),
            frames: Vec::new(),
        })
    }

    /// Adds a `{main, twin}` batch of rows posted by the worker.
    pub fn push(&mut self, batch: JsValue) -> Result<(), JsError> {
        let batch: Batch = serde_wasm_bindgen::from_value(batch)
            .map_err(|e| JsError::new(&format!("malformed rows from the worker: {e}")))?;
        self.scene
            .push(RunKind::Main, batch.main)
            .and_then(|_| self.scene.push(RunKind::Twin, batch.twin))
            .and_then(|_| {
                batch
                    .sweep
                    .into_iter()
                    .try_for_each(|s| self.scene.push_sweep(s.width, s.rows))
            })
            .map_err(|e| JsError::new(&e))
    }

    /// Switches to the view settings of `query` (metric, axes, charts, presentation), keeping
    /// the rows: the page calls it when only such settings changed.
    pub fn retarget(&mut self, query: &str) -> Result<(), JsError> {
        let params = Params::parse(query).map_err(|e| JsError::new(&e.to_string()))?;
        self.scene.twin = params.twin();
        self.scene.params = params;
        Ok(())
    }

    /// Shows layers up to `layer` only (the animation), or everything with `undefined`.
    pub fn set_cutoff(&mut self, layer: Option<u32>) {
        self.scene.set_cutoff(layer);
    }

    /// One chart as an SVG document (plotters' SVG backend, the same drawing code as the canvas).
    pub fn svg(&self, chart: &str, width: u32, height: u32, scale: f64) -> Result<String, JsError> {
        let kind = chart_kind(chart)?;
        let style = Style::new(sane_scale(scale));
        plot::svg(&self.scene, kind, width, height, &style).map_err(|e| JsError::new(&e))
    }

    /// Draws the samples' geometry (`geometry_at`'s result) on `canvas`.
    pub fn draw_geometry(
        &mut self,
        canvas: HtmlCanvasElement,
        scale: f64,
        data: JsValue,
    ) -> Result<(), JsError> {
        self.geometry_on(&canvas, scale, data, true)
    }

    /// [`View::draw_geometry`] through plain plotters-canvas (see [`View::reference_draw`]).
    pub fn reference_draw_geometry(
        &self,
        canvas: HtmlCanvasElement,
        scale: f64,
        data: JsValue,
    ) -> Result<(), JsError> {
        self.geometry_on(&canvas, scale, data, false)
    }

    /// The samples' geometry as an SVG document (for the export).
    pub fn geometry_svg(
        &self,
        data: JsValue,
        width: u32,
        height: u32,
        scale: f64,
    ) -> Result<String, JsError> {
        let pair = geometry_pair(data)?;
        let style = Style::new(sane_scale(scale));
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            plot::draw_geometry(&area, &self.geometry_runs(&pair), &style)
                .map_err(|e| JsError::new(&e))?;
            area.present()
                .map_err(|e| JsError::new(&format!("drawing failed: {e:?}")))?;
        }
        Ok(out)
    }

    /// Notes a run that stopped early (shown in the summary's error line).
    pub fn add_error(&mut self, message: String) {
        self.scene.errors.push(message);
    }

    /// Draws `chart` ("rank", "spectrum" or "norm") on `canvas`, whose buffer the page has
    /// sized to CSS size × devicePixelRatio; `scale` multiplies fonts and lines to match.
    pub fn draw(
        &mut self,
        chart: &str,
        canvas: HtmlCanvasElement,
        scale: f64,
    ) -> Result<(), JsError> {
        let kind = chart_kind(chart)?;
        let scene = &self.scene;
        let frames = on_canvas(&canvas, scale, true, |area, style| {
            plot::draw_chart(area, scene, kind, style)
        })?;
        self.frames.retain(|(k, _)| *k != kind);
        self.frames.push((kind, frames));
        Ok(())
    }

    /// Draws `chart` like [`View::draw`] but through plain plotters-canvas, one canvas call
    /// per line and property: the reference the browser tests hold the batched drawing to.
    pub fn reference_draw(
        &self,
        chart: &str,
        canvas: HtmlCanvasElement,
        scale: f64,
    ) -> Result<(), JsError> {
        let kind = chart_kind(chart)?;
        on_canvas(&canvas, scale, false, |area, style| {
            plot::draw_chart(area, &self.scene, kind, style)
        })
        .map(|_| ())
    }

    /// What lies under device-pixel column `x` of `chart`: the layer and both runs' values,
    /// or `undefined` outside the plotting area.
    pub fn hover(&self, chart: &str, x: f64) -> Result<Option<String>, JsError> {
        let kind = chart_kind(chart)?;
        let Some((_, frames)) = self.frames.iter().find(|(k, _)| *k == kind) else {
            return Ok(None);
        };
        let layer = frames.iter().find_map(|f| f.layer_at(x));
        Ok(layer.and_then(|l| self.scene.describe_layer(l.round().max(0.0) as u32)))
    }

    /// The `#summary` sentence.
    pub fn summary(&self) -> String {
        self.scene.summary()
    }

    /// Whether both runs of every seed reached the full depth.
    pub fn is_complete(&self) -> bool {
        self.scene.is_complete()
    }

    /// The main run's rows (every seed) as the CLI's CSV; in the width sweep every width's
    /// rows, with a leading `width` column.
    pub fn csv(&self) -> String {
        if self.scene.params.view.is_sweep() {
            return output::sweep_csv(&self.scene.sweep_table());
        }
        output::csv(&self.scene.rows(RunKind::Main))
    }
}
