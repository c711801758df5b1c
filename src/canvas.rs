//! The page's plotters backend: plotters-canvas with fewer calls into the canvas.
//!
//! plotters-canvas draws every line as its own path (set the stroke colour and width,
//! `beginPath`, `moveTo`, `lineTo`, `stroke`) and sets all four text properties for every
//! label. A chart's grid, ticks and dashes are hundreds of such lines: the default view made
//! ~8,200 canvas calls per input, each a crossing from WebAssembly into JavaScript (with a
//! string decoded for every colour and font). [`BatchedCanvas`] gathers consecutive lines of one
//! style into a single path, written as SVG path data and stroked as one `Path2D` (two calls
//! instead of four per line), and sets a colour, width, font or alignment only when it changes.
//! Everything else goes to plotters-canvas unchanged.
//!
//! What it changes in the picture: where two lines of one batch cross, a translucent colour is
//! laid down once instead of twice (the light grid no longer shows darker dots at its
//! crossings). Opaque lines come out pixel for pixel as before; the browser tests compare the
//! two backends (`reference_draw` is the plain one).

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use plotters_canvas::CanvasBackend;
use std::fmt::Write;
use wasm_bindgen::JsValue;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, Path2d};

/// A stroke's colour and width: lines with equal keys can share one path.
#[derive(Clone, Copy, PartialEq, Debug)]
struct LineKey {
    rgb: (u8, u8, u8),
    alpha: f64,
    width: u32,
}

impl LineKey {
    fn of(style: &impl BackendStyle) -> LineKey {
        let c = style.color();
        LineKey {
            rgb: c.rgb,
            alpha: c.alpha,
            width: style.stroke_width(),
        }
    }
}

/// The text properties last set on the context.
#[derive(Clone, Default)]
struct TextState {
    font: Option<String>,
    align: Option<&'static str>,
    baseline: Option<&'static str>,
}

/// plotters-canvas with lines batched and canvas state set only on change (see the module).
pub struct BatchedCanvas {
    inner: CanvasBackend,
    /// False: every call goes to plotters-canvas as it is (the tests' reference drawing).
    batch: bool,
    ctx: CanvasRenderingContext2d,
    /// The open path's line style, if a path is open.
    open: Option<LineKey>,
    /// The open path as SVG path data (`M x y L x y …`).
    path: String,
    /// What the context's strokeStyle and lineWidth hold, when known.
    stroke: Option<LineKey>,
    /// What the context's fillStyle holds, when known.
    fill: Option<String>,
    text: TextState,
}

/// The CSS colour plotters-canvas writes for a backend colour (the same string).
fn css_colour(color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    format!("rgba({},{},{},{})", r, g, b, color.alpha)
}

/// Half-pixel shift of horizontal and vertical lines so a 1-pixel line covers one pixel row
/// or column instead of two half-covered ones (what plotters-canvas does for `draw_line`).
fn crisp(from: BackendCoord, to: BackendCoord) -> ((f64, f64), (f64, f64)) {
    let (mut a, mut b) = ((from.0 as f64, from.1 as f64), (to.0 as f64, to.1 as f64));
    if a.0 == b.0 {
        a.0 -= 0.5;
        b.0 -= 0.5;
    }
    if a.1 == b.1 {
        a.1 -= 0.5;
        b.1 -= 0.5;
    }
    (a, b)
}

/// A drawing error: the canvas call that failed, as text.
#[derive(Debug)]
pub struct CanvasFailure(String);

impl std::fmt::Display for CanvasFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "canvas error: {}", self.0)
    }
}

impl std::error::Error for CanvasFailure {}

type Drawn = Result<(), DrawingErrorKind<CanvasFailure>>;

/// Writes `v`, a whole or half number (backend coordinates, possibly shifted by half a pixel),
/// exactly: `12`, `-3.5`.
fn push_half_pixel(out: &mut String, v: f64) {
    let twice = (v * 2.0).round() as i64;
    if twice < 0 {
        out.push('-');
    }
    let t = twice.unsigned_abs();
    let _ = write!(out, "{}", t / 2);
    if t % 2 == 1 {
        out.push_str(".5");
    }
}

fn js_error(e: JsValue) -> DrawingErrorKind<CanvasFailure> {
    DrawingErrorKind::DrawingError(CanvasFailure(format!("{e:?}")))
}

/// plotters-canvas's errors as ours.
fn relay<T, E: std::error::Error + Send + Sync>(
    r: Result<T, DrawingErrorKind<E>>,
) -> Result<T, DrawingErrorKind<CanvasFailure>> {
    r.map_err(|e| match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(CanvasFailure(e.to_string()))
        }
        DrawingErrorKind::FontError(f) => DrawingErrorKind::FontError(f),
    })
}

impl BatchedCanvas {
    /// The backend for `canvas` and its 2D context `ctx`, batching if `batch` (else plain
    /// plotters-canvas: the reference the browser tests compare with, without compiling the
    /// charts a second time for another backend type). `None` if the canvas has no 2D context.
    pub fn new(
        canvas: HtmlCanvasElement,
        ctx: CanvasRenderingContext2d,
        batch: bool,
    ) -> Option<BatchedCanvas> {
        Some(BatchedCanvas {
            inner: CanvasBackend::with_canvas_object(canvas)?,
            batch,
            ctx,
            open: None,
            path: String::new(),
            stroke: None,
            fill: None,
            text: TextState::default(),
        })
    }

    /// Strokes the open path, if any: before anything else is drawn, so order is kept.
    fn flush(&mut self) {
        if self.open.take().is_some() {
            // Path data written by `point` always parses; were it refused, the lines would be
            // missing from the picture, which the browser tests would see.
            if let Ok(path) = Path2d::new_with_path_string(&self.path) {
                self.ctx.stroke_with_path(&path);
            }
            self.path.clear();
        }
    }

    /// Appends a point to the open path: `M` starts a subpath, `L` continues it. Coordinates
    /// are whole or half pixels, written exactly (no float formatting).
    fn point(&mut self, command: char, x: f64, y: f64) {
        self.path.push(command);
        push_half_pixel(&mut self.path, x);
        self.path.push(' ');
        push_half_pixel(&mut self.path, y);
    }

    /// Makes sure a path of `key`'s style is open, stroking a path of another style first.
    fn open_path(&mut self, key: LineKey) {
        if self.open == Some(key) {
            return;
        }
        self.flush();
        if self.stroke != Some(key) {
            self.ctx.set_stroke_style_str(&css_colour(BackendColor {
                rgb: key.rgb,
                alpha: key.alpha,
            }));
            self.ctx.set_line_width(f64::from(key.width));
            self.stroke = Some(key);
        }
        self.open = Some(key);
    }

    /// Before a call handed to plotters-canvas: the open path is stroked, and the stroke and
    /// fill styles it may set are no longer known.
    fn hand_over(&mut self) -> &mut CanvasBackend {
        self.flush();
        self.stroke = None;
        self.fill = None;
        &mut self.inner
    }

    fn set_fill(&mut self, colour: BackendColor) {
        let css = css_colour(colour);
        if self.fill.as_deref() != Some(css.as_str()) {
            self.ctx.set_fill_style_str(&css);
            self.fill = Some(css);
        }
    }

    fn set_text(&mut self, font: String, align: &'static str, baseline: &'static str) {
        if self.text.baseline != Some(baseline) {
            self.ctx.set_text_baseline(baseline);
            self.text.baseline = Some(baseline);
        }
        if self.text.align != Some(align) {
            self.ctx.set_text_align(align);
            self.text.align = Some(align);
        }
        if self.text.font.as_deref() != Some(font.as_str()) {
            self.ctx.set_font(&font);
            self.text.font = Some(font);
        }
    }
}

impl DrawingBackend for BatchedCanvas {
    type ErrorType = CanvasFailure;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Drawn {
        relay(self.inner.ensure_prepared())
    }

    fn present(&mut self) -> Drawn {
        self.flush();
        relay(self.inner.present())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn {
        relay(self.hand_over().draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn {
        if !self.batch {
            return relay(self.inner.draw_line(from, to, style));
        }
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        self.open_path(LineKey::of(style));
        let (a, b) = crisp(from, to);
        self.point('M', a.0, a.1);
        self.point('L', b.0, b.1);
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        relay(
            self.hand_over()
                .draw_rect(upper_left, bottom_right, style, fill),
        )
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        if !self.batch {
            return relay(self.inner.draw_path(path, style));
        }
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let mut points = path.into_iter();
        let Some(start) = points.next() else {
            return Ok(());
        };
        self.open_path(LineKey::of(style));
        self.point('M', f64::from(start.0), f64::from(start.1));
        for p in points {
            self.point('L', f64::from(p.0), f64::from(p.1));
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        relay(self.hand_over().draw_circle(center, radius, style, fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        relay(self.hand_over().fill_polygon(vert, style))
    }

    /// plotters-canvas's text drawing, with each property set only when it changes.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Drawn {
        if !self.batch {
            return relay(self.inner.draw_text(text, style, pos));
        }
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.flush();
        let degrees = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 90.0,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
        };
        let (mut x, mut y) = (f64::from(pos.0), f64::from(pos.1));
        // save/restore brings back the properties set in between: remember what they were.
        let saved = (degrees != 0.0).then(|| (self.text.clone(), self.fill.clone()));
        if saved.is_some() {
            self.ctx.save();
            self.ctx.translate(x, y).map_err(js_error)?;
            // The angle computed as plotters-canvas does, for the same pixels.
            self.ctx
                .rotate(degrees / 180.0 * std::f64::consts::PI)
                .map_err(js_error)?;
            (x, y) = (0.0, 0.0);
        }
        let baseline = match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        };
        let align = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        };
        let font = format!(
            "{} {}px {}",
            style.style().as_str(),
            style.size(),
            style.family().as_str()
        );
        self.set_fill(color);
        self.set_text(font, align, baseline);
        let drawn = self.ctx.fill_text(text, x, y).map_err(js_error);
        if let Some((text_state, fill)) = saved {
            self.ctx.restore();
            self.text = text_state;
            self.fill = fill;
        }
        drawn
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasFailure>> {
        relay(self.inner.estimate_text_size(text, style))
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, (iw, ih): (u32, u32), src: &[u8]) -> Drawn {
        relay(self.hand_over().blit_bitmap(pos, (iw, ih), src))
    }
}
