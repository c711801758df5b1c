//! Every parameter of a rankscope view: its URL key, default, allowed values, and the
//! parse/validate/serialise round trip.
//!
//! The query string *is* the public link format, shared by the page's URL and the CLI's argument:
//! `depth=5000&width=32&batch=32&norm=bn`. Parsing is strict and never clamps: a bad value or an
//! unknown key is a [`ParamError`] naming the key, the value given and what is allowed. The page
//! uses [`Params::parse_lenient`] to fall back per key and show the errors; the CLI uses
//! [`Params::parse`] and refuses. [`Params::to_query`] writes the canonical form, and
//! `parse(to_query(p)) == p` for every valid `p`.

use serde::Serialize;
use std::fmt;

/// Largest depth accepted: the paper's Fig. 2 runs 50,000 layers.
pub const MAX_DEPTH: u32 = 50_000;
/// Width d and batch N range: 2 (the smallest with a rank to lose) to 512 (an SVD per layer stays interactive).
pub const MIN_DIM: usize = 2;
pub const MAX_DIM: usize = 512;
pub const MAX_SEEDS: u32 = 32;
/// Depths up to this are evaluated at every layer; deeper runs get about this many evaluation points.
pub const AUTO_EVAL_POINTS: u32 = 500;

/// Whether `layer` is m·10ᵏ with m = 1…9: the automatic cadence evaluates these too, so a
/// log depth axis has points in its first decades (a grid of every 100th layer alone leaves
/// layers 1–99, two of a 50,000-layer axis's five decades, empty).
fn is_log_point(layer: u32) -> bool {
    let mut m = layer;
    while m >= 10 && m.is_multiple_of(10) {
        m /= 10;
    }
    (1..=9).contains(&m)
}

/// The layers m·10ᵏ (m = 1…9) up to `depth`, ascending.
fn log_points(depth: u32) -> impl Iterator<Item = u32> {
    std::iter::successors(Some(1u32), |&p| p.checked_mul(10))
        .take_while(move |&p| p <= depth)
        .flat_map(move |p| (1..=9).filter_map(move |m| p.checked_mul(m)))
        .filter(move |&l| l <= depth)
}

/// Elementwise nonlinearity F applied after normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Linear,
    Relu,
    Tanh,
}

/// Normalisation applied to W·H before the activation (SCIENCE.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// No normalisation: the vanilla chain that collapses.
    None,
    /// BatchNorm at initialisation: centre each row (neuron) over the batch, divide by its std.
    Bn,
    /// The theorem's BatchNorm: no centring, each row scaled to unit norm.
    Bn0,
    /// LayerNorm: centre each column (sample) over neurons, divide by its std.
    Ln,
}

/// Weight distribution of each layer (variance g/d with gain g = 2 for ReLU, 1 otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    Gaussian,
    Uniform,
    Orthogonal,
    /// PyTorch `nn.Linear` default: weights and biases U(±1/√fan_in).
    Torch,
}

/// How the input batch H₀ is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Input {
    /// i.i.d. N(0, 1) entries: full rank min(d, N).
    Gaussian,
    /// A common random vector plus 0.1 × i.i.d. noise per sample.
    Correlated,
    /// All-ones plus 1e-5 × i.i.d. noise: nearly rank one (the paper's Fig. 3b).
    Rank1,
}

/// The rank measure a chart plots (a view setting; the CLI prints all of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    NumericalRank,
    SoftRank,
    ParticipationRatio,
    StableRank,
    EffectiveRank,
    OrthogonalityGap,
    MeanAbsCos,
    Log10Norm,
}

/// Depth-axis scale of the charts (a view setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    Lin,
    Log,
}

/// What the secondary chart shows: the whole spectrum as a heatmap, or the top 10 eigenvalues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Detail {
    Spectrum,
    Top10,
}

/// The main view: measures against depth, or a width sweep — with N = d (the 2020 paper's
/// Fig. 3a) or with the batch N the link sets (the 2021 follow-up's gap against width, whose
/// theory needs N ≤ d at every width).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    Depth,
    Sweep,
    SweepFixedN,
}

/// Page elements a link may hide (`hide=depth,seed,…`); `embed=1` hides every control.
pub const HIDEABLE: &[&str] = &[
    "bn", "depth", "width", "batch", "act", "norm", "init", "gamma", "input", "metric", "tau",
    "view", "xaxis", "yaxis", "detail", "every", "seed", "seeds", "preset", "header", "player",
    "spectrum", "scale", "geometry", "about",
];

/// Largest presentation font scale (`fs`), enough for a 4K projector at the back of a hall.
pub const MAX_FONT_SCALE: f64 = 4.0;

/// A keyword-valued parameter: its URL spelling for every variant.
trait Keyword: Sized + Copy + PartialEq + 'static {
    const ALL: &'static [(Self, &'static str)];
    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }
    fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(v, _)| *v)
    }
    fn allowed() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
        format!("one of {}", names.join(", "))
    }
}

impl Keyword for Activation {
    const ALL: &'static [(Self, &'static str)] = &[
        (Activation::Linear, "linear"),
        (Activation::Relu, "relu"),
        (Activation::Tanh, "tanh"),
    ];
}
impl Keyword for Norm {
    const ALL: &'static [(Self, &'static str)] = &[
        (Norm::None, "none"),
        (Norm::Bn, "bn"),
        (Norm::Bn0, "bn0"),
        (Norm::Ln, "ln"),
    ];
}
impl Keyword for Init {
    const ALL: &'static [(Self, &'static str)] = &[
        (Init::Gaussian, "gaussian"),
        (Init::Uniform, "uniform"),
        (Init::Orthogonal, "orthogonal"),
        (Init::Torch, "torch"),
    ];
}
impl Keyword for Input {
    const ALL: &'static [(Self, &'static str)] = &[
        (Input::Gaussian, "gaussian"),
        (Input::Correlated, "correlated"),
        (Input::Rank1, "rank1"),
    ];
}
impl Keyword for Metric {
    const ALL: &'static [(Self, &'static str)] = &[
        (Metric::NumericalRank, "numerical_rank"),
        (Metric::SoftRank, "soft_rank"),
        (Metric::ParticipationRatio, "participation_ratio"),
        (Metric::StableRank, "stable_rank"),
        (Metric::EffectiveRank, "effective_rank"),
        (Metric::OrthogonalityGap, "orthogonality_gap"),
        (Metric::MeanAbsCos, "mean_abs_cos"),
        (Metric::Log10Norm, "log10_norm"),
    ];
}
impl Keyword for Axis {
    const ALL: &'static [(Self, &'static str)] = &[(Axis::Lin, "lin"), (Axis::Log, "log")];
}
impl Keyword for Detail {
    const ALL: &'static [(Self, &'static str)] =
        &[(Detail::Spectrum, "spectrum"), (Detail::Top10, "top10")];
}
impl Keyword for ViewKind {
    const ALL: &'static [(Self, &'static str)] = &[
        (ViewKind::Depth, "depth"),
        (ViewKind::Sweep, "sweep"),
        (ViewKind::SweepFixedN, "sweep_fixed_n"),
    ];
}

impl Activation {
    /// Weight variance gain: 2 for ReLU (He), 1 for linear and tanh.
    pub fn gain(self) -> f64 {
        match self {
            Activation::Relu => 2.0,
            _ => 1.0,
        }
    }
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }
}
impl Norm {
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }
}
impl Init {
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }
}
impl Input {
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }
}
impl Metric {
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }
    /// Every metric, in the CLI's column order.
    pub fn all() -> impl Iterator<Item = Metric> {
        Self::ALL.iter().map(|(m, _)| *m)
    }
    /// Human label for axes and summaries.
    pub fn label(self) -> &'static str {
        match self {
            Metric::NumericalRank => "numerical rank",
            Metric::SoftRank => "soft rank",
            Metric::ParticipationRatio => "participation ratio r(H)",
            Metric::StableRank => "stable rank",
            Metric::EffectiveRank => "effective rank",
            Metric::OrthogonalityGap => "orthogonality gap",
            Metric::MeanAbsCos => "mean |cos| between samples",
            Metric::Log10Norm => "log10 ‖H‖F",
        }
    }
    /// True for the measures that count dimensions (comparable to √d and to the width).
    pub fn is_rank(self) -> bool {
        !matches!(
            self,
            Metric::OrthogonalityGap | Metric::MeanAbsCos | Metric::Log10Norm
        )
    }
}
impl Axis {
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }
}
impl Detail {
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }
}
impl ViewKind {
    pub fn name(self) -> &'static str {
        Keyword::name(self)
    }

    /// Either width sweep: the runs are [`crate::sweep::runs`], the chart is the sweep's.
    pub fn is_sweep(self) -> bool {
        self != ViewKind::Depth
    }
}

/// The complete state of a view; see the module docs for the link format.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Params {
    /// The preset this view started from (its caption is shown), if any.
    pub preset: Option<&'static str>,
    /// Number of layers L.
    pub depth: u32,
    /// Width d: rows of H, neurons per layer.
    pub width: usize,
    /// Batch size N: columns of H, one per sample.
    pub batch: usize,
    pub act: Activation,
    pub norm: Norm,
    pub init: Init,
    /// Residual strength γ: the layer matrix is I + γW. `None` means plain W (γ = ∞).
    pub gamma: Option<f64>,
    pub input: Input,
    /// Soft-rank threshold τ ∈ [0, 1).
    pub tau: f64,
    pub seed: u64,
    /// Independent runs (seeds `seed`, `seed+1`, …) to average.
    pub seeds: u32,
    /// Evaluate metrics every k layers; `None` = automatic cadence ([`Params::eval_every`], plus
    /// the log-spaced layers of [`Params::is_eval_layer`]).
    pub every: Option<u32>,
    /// Metric the charts plot (view only).
    pub metric: Metric,
    /// Depth-axis scale of the charts (view only).
    pub xaxis: Axis,
    /// Value-axis scale of the main chart (view only).
    pub yaxis: Axis,
    /// What the secondary chart shows (view only).
    pub detail: Detail,
    /// Depth view or width sweep (view only).
    pub view: ViewKind,
    /// The layer whose samples the geometry view shows; `None` = the last layer (view only).
    pub layer: Option<u32>,
    /// Presentation font scale, 0.5 to 4 (view only).
    pub fs: f64,
    /// Embed mode: every control hidden, the charts alone (view only).
    pub embed: bool,
    /// Page elements hidden, from [`HIDEABLE`], in its order (view only).
    pub hide: Vec<&'static str>,
}

impl Default for Params {
    /// The default view: 50 layers of a 64-wide linear net on a batch of 64, with BatchNorm.
    /// Its no-BN twin collapses visibly within those 50 layers, so the story shows at once.
    fn default() -> Self {
        Params {
            depth: 50,
            width: 64,
            batch: 64,
            act: Activation::Linear,
            norm: Norm::Bn,
            init: Init::Gaussian,
            gamma: None,
            input: Input::Gaussian,
            // τ = 0.1: count directions carrying at least a tenth of the average energy. It
            // keeps ~80% of a square Gaussian matrix's directions (Marchenko–Pastur) and the
            // theorem's bound rank_τ ≥ (1−τ)²·r(H) loses only 19%.
            tau: 0.1,
            seed: 1,
            seeds: 1,
            every: None,
            metric: Metric::SoftRank,
            xaxis: Axis::Lin,
            yaxis: Axis::Lin,
            detail: Detail::Spectrum,
            view: ViewKind::Depth,
            layer: None,
            fs: 1.0,
            embed: false,
            hide: Vec::new(),
            preset: None,
        }
    }
}

/// One rejected key of a link: which key, the value given, and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParamError {
    pub key: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for ParamError {}

/// All the errors of one query string (never empty when returned as `Err`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamErrors(pub Vec<ParamError>);

impl fmt::Display for ParamErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

impl std::error::Error for ParamErrors {}

/// Every key the link format knows, in canonical order.
pub const KEYS: &[&str] = &[
    "preset", "depth", "width", "batch", "act", "norm", "init", "gamma", "input", "tau", "seed",
    "seeds", "every", "metric", "xaxis", "yaxis", "detail", "view", "layer", "fs", "embed", "hide",
];

/// Longest value shown back in an error message; longer values are cut with an ellipsis.
const MAX_ECHO: usize = 40;

fn echo(value: &str) -> String {
    if value.chars().count() > MAX_ECHO {
        let cut: String = value.chars().take(MAX_ECHO).collect();
        format!("{cut}…")
    } else {
        value.to_string()
    }
}

fn error(key: &str, value: &str, allowed: String) -> ParamError {
    ParamError {
        key: echo(key),
        value: echo(value),
        message: format!("got `{}`; allowed: {allowed}", echo(value)),
    }
}

/// Strict unsigned integer: decimal digits only (no sign, exponent, spaces or fraction).
fn parse_uint(key: &str, value: &str, min: u64, max: u64) -> Result<u64, ParamError> {
    let allowed = || format!("an integer from {min} to {max}");
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(key, value, allowed()));
    }
    match value.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(error(key, value, allowed())),
    }
}

/// Strict finite decimal number (plain or exponent notation); no inf/NaN, no hex.
fn parse_real(value: &str) -> Option<f64> {
    let ok_chars = value
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if value.is_empty() || value.len() > 64 || !ok_chars {
        return None;
    }
    value.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn parse_keyword<K: Keyword>(key: &str, value: &str) -> Result<K, ParamError> {
    K::from_name(value).ok_or_else(|| error(key, value, K::allowed()))
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
/// Malformed escapes and invalid UTF-8 are errors, not silently replaced.
pub fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => return Err(format!("bad percent-escape in `{}`", echo(s))),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{}` is not valid UTF-8", echo(s)))
}

/// Encodes a value for a query string: unreserved characters stay, everything else is `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits a query into decoded (key, value) pairs; a leading `?` and empty segments are ignored.
fn split_query(query: &str) -> (Vec<(String, String)>, Vec<ParamError>) {
    let mut pairs = Vec::new();
    let mut errors = Vec::new();
    let query = query.strip_prefix('?').unwrap_or(query);
    for segment in query.split('&').filter(|s| !s.is_empty()) {
        let (raw_key, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
        let key = match percent_decode(raw_key) {
            Ok(k) => k,
            Err(m) => {
                errors.push(ParamError {
                    key: echo(raw_key),
                    value: echo(raw_value),
                    message: m,
                });
                continue;
            }
        };
        match percent_decode(raw_value) {
            Ok(v) => pairs.push((key, v)),
            Err(m) => errors.push(ParamError {
                key: echo(&key),
                value: echo(raw_value),
                message: m,
            }),
        }
    }
    (pairs, errors)
}

impl Params {
    /// Parses a query string strictly: any bad or unknown key fails, naming every problem.
    pub fn parse(query: &str) -> Result<Params, ParamErrors> {
        let (params, errors) = Params::parse_lenient(query);
        if errors.is_empty() {
            Ok(params)
        } else {
            Err(ParamErrors(errors))
        }
    }

    /// Parses a query string, keeping the default for each key that is bad, and returns the
    /// errors alongside. The page uses this: a half-broken link still shows something, and
    /// the notice says exactly which keys were ignored and why.
    pub fn parse_lenient(query: &str) -> (Params, Vec<ParamError>) {
        let (pairs, mut errors) = split_query(query);
        let mut p = Params::default();
        // A preset applies first, whatever its position; the link's other keys override it.
        if let Some((_, name)) = pairs.iter().find(|(k, _)| k == "preset") {
            match crate::presets::find(name) {
                Some(preset) => {
                    p = Params::parse(preset.query).unwrap_or_default();
                    p.preset = Some(preset.name);
                }
                None => {
                    let names: Vec<&str> = crate::presets::PRESETS.iter().map(|x| x.name).collect();
                    errors.push(error(
                        "preset",
                        name,
                        format!("one of {}", names.join(", ")),
                    ));
                }
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut every_given: Option<(u32, String)> = None;
        let mut layer_given: Option<(u32, String)> = None;
        for (key, value) in &pairs {
            let Some(canonical) = KEYS.iter().find(|k| **k == key.as_str()) else {
                errors.push(ParamError {
                    key: echo(key),
                    value: echo(value),
                    message: format!("unknown key; known keys are {}", KEYS.join(", ")),
                });
                continue;
            };
            if seen.contains(canonical) {
                errors.push(ParamError {
                    key: echo(key),
                    value: echo(value),
                    message: "given more than once; a link must give each key at most once"
                        .to_string(),
                });
                continue;
            }
            seen.push(canonical);
            if *canonical == "preset" {
                continue;
            }
            let deferred = match *canonical {
                "every" => &mut every_given,
                _ => &mut layer_given,
            };
            if let Err(e) = p.set(canonical, value, deferred) {
                errors.push(e);
            }
        }
        // `every` and `layer` are checked against the final depth, whatever the key order.
        let depth = p.depth;
        let mut within_depth = |given: Option<(u32, String)>, key: &str, min: u32| {
            let (v, raw) = given?;
            if v <= depth {
                return Some(v);
            }
            let allowed = format!("an integer from {min} to depth ({depth})");
            errors.push(error(key, &raw, allowed));
            None
        };
        if let Some(k) = within_depth(every_given, "every", 1) {
            p.every = Some(k);
        }
        if let Some(l) = within_depth(layer_given, "layer", 0) {
            p.layer = Some(l);
        }
        (p, errors)
    }

    /// Sets one key from its decoded string value (the key is known to be in [`KEYS`]).
    /// `every` and `layer` depend on the final depth: they go to `deferred` for a later check.
    fn set(
        &mut self,
        key: &str,
        value: &str,
        deferred: &mut Option<(u32, String)>,
    ) -> Result<(), ParamError> {
        let dim = |v: &str| parse_uint(key, v, MIN_DIM as u64, MAX_DIM as u64).map(|x| x as usize);
        match key {
            "depth" => self.depth = parse_uint(key, value, 1, MAX_DEPTH as u64)? as u32,
            "width" => self.width = dim(value)?,
            "batch" => self.batch = dim(value)?,
            "act" => self.act = parse_keyword(key, value)?,
            "norm" => self.norm = parse_keyword(key, value)?,
            "init" => self.init = parse_keyword(key, value)?,
            "input" => self.input = parse_keyword(key, value)?,
            "metric" => self.metric = parse_keyword(key, value)?,
            "xaxis" => self.xaxis = parse_keyword(key, value)?,
            "gamma" if value == "none" => self.gamma = None,
            "gamma" => match parse_real(value) {
                Some(g) if g > 0.0 && g <= 1e6 => self.gamma = Some(g),
                _ => {
                    let allowed = "a number with 0 < γ ≤ 1e6, or none for a plain layer W";
                    return Err(error(key, value, allowed.into()));
                }
            },
            "tau" => match parse_real(value) {
                Some(t) if (0.0..1.0).contains(&t) => self.tau = t,
                _ => return Err(error(key, value, "a number with 0 ≤ τ < 1".into())),
            },
            "seed" => self.seed = parse_uint(key, value, 0, u64::MAX)?,
            "seeds" => self.seeds = parse_uint(key, value, 1, MAX_SEEDS as u64)? as u32,
            "every" if value == "auto" => self.every = None,
            "every" => {
                let k = parse_uint(key, value, 1, MAX_DEPTH as u64)? as u32;
                *deferred = Some((k, value.to_string()));
            }
            "layer" if value == "last" => self.layer = None,
            "layer" => {
                let k = parse_uint(key, value, 0, MAX_DEPTH as u64)? as u32;
                *deferred = Some((k, value.to_string()));
            }
            "yaxis" => self.yaxis = parse_keyword(key, value)?,
            "detail" => self.detail = parse_keyword(key, value)?,
            "view" => self.view = parse_keyword(key, value)?,
            "fs" => match parse_real(value) {
                Some(f) if (0.5..=MAX_FONT_SCALE).contains(&f) => self.fs = f,
                _ => return Err(error(key, value, "a number from 0.5 to 4".into())),
            },
            "embed" => match value {
                "0" => self.embed = false,
                "1" => self.embed = true,
                _ => return Err(error(key, value, "0 or 1".into())),
            },
            "hide" => {
                let allowed = || format!("a comma-separated list of {}", HIDEABLE.join(", "));
                let mut hidden = Vec::new();
                for item in value.split(',') {
                    match HIDEABLE.iter().find(|h| **h == item) {
                        Some(h) => hidden.push(*h),
                        None => return Err(error(key, value, allowed())),
                    }
                }
                // Canonical: HIDEABLE's order, each once.
                self.hide = HIDEABLE
                    .iter()
                    .copied()
                    .filter(|h| hidden.contains(h))
                    .collect();
            }
            _ => unreachable!("set() is only called with keys from KEYS"),
        }
        Ok(())
    }

    /// The canonical query string, keys in [`KEYS`] order: `preset`, `gamma`, `every`, `layer`,
    /// `fs`, `embed` and `hide` only when set (after a preset, unset `gamma`, `every` and `layer`
    /// are written as `none`, `auto`, `last` so they override it), every other key always.
    /// The comma of `hide` is written as `%2C`.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if let Some(name) = self.preset {
            parts.push(("preset", name.into()));
        }
        parts.extend([
            ("depth", self.depth.to_string()),
            ("width", self.width.to_string()),
            ("batch", self.batch.to_string()),
            ("act", self.act.name().into()),
            ("norm", self.norm.name().into()),
            ("init", self.init.name().into()),
        ]);
        // Unset optional keys are omitted, except after a preset that might set them.
        let explicit = self.preset.is_some();
        match self.gamma {
            Some(g) => parts.push(("gamma", format_real(g))),
            None if explicit => parts.push(("gamma", "none".into())),
            None => {}
        }
        parts.push(("input", self.input.name().into()));
        parts.push(("tau", format_real(self.tau)));
        parts.push(("seed", self.seed.to_string()));
        parts.push(("seeds", self.seeds.to_string()));
        match self.every {
            Some(k) => parts.push(("every", k.to_string())),
            None if explicit => parts.push(("every", "auto".into())),
            None => {}
        }
        parts.push(("metric", self.metric.name().into()));
        parts.push(("xaxis", self.xaxis.name().into()));
        parts.push(("yaxis", self.yaxis.name().into()));
        parts.push(("detail", self.detail.name().into()));
        parts.push(("view", self.view.name().into()));
        // Presentation keys only when set, so ordinary links stay short.
        match self.layer {
            Some(l) => parts.push(("layer", l.to_string())),
            None if explicit => parts.push(("layer", "last".into())),
            None => {}
        }
        if self.fs != 1.0 {
            parts.push(("fs", format_real(self.fs)));
        }
        if self.embed {
            parts.push(("embed", "1".into()));
        }
        if !self.hide.is_empty() {
            parts.push(("hide", self.hide.join(",")));
        }
        parts
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The cadence actually used: `every` if given, else 1 up to depth 500, else
    /// ⌈depth / 500⌉ (about 500 evaluation points).
    pub fn eval_every(&self) -> u32 {
        self.every
            .unwrap_or_else(|| self.depth.div_ceil(AUTO_EVAL_POINTS).max(1))
    }

    /// Whether metrics are evaluated at `layer`: layer 0, every `eval_every` layers, and the last;
    /// with the automatic cadence also the log-spaced layers 1…9 × 10ᵏ ([`is_log_point`]).
    pub fn is_eval_layer(&self, layer: u32) -> bool {
        layer == 0
            || layer == self.depth
            || layer.is_multiple_of(self.eval_every())
            || (self.every.is_none() && is_log_point(layer))
    }

    /// How many of the automatic cadence's log-spaced layers are not on its grid already (0 for
    /// an explicit `every`): the evaluations they add to ~depth/every.
    pub fn extra_log_evals(&self) -> u32 {
        if self.every.is_some() {
            return 0;
        }
        let every = self.eval_every();
        log_points(self.depth)
            .filter(|&l| !l.is_multiple_of(every) && l != self.depth)
            .count() as u32
    }

    /// The seeds of the independent runs: `seed`, `seed + 1`, … (wrapping).
    pub fn run_seeds(&self) -> Vec<u64> {
        (0..self.seeds as u64)
            .map(|i| self.seed.wrapping_add(i))
            .collect()
    }

    /// The twin run drawn beside this one: with normalisation if this has none (BatchNorm),
    /// without if this has some. The page overlays both so the contrast is always visible.
    pub fn twin(&self) -> Params {
        let norm = if self.norm == Norm::None {
            Norm::Bn
        } else {
            Norm::None
        };
        Params {
            norm,
            ..self.clone()
        }
    }
}

/// Shortest decimal that parses back to the same f64 (Rust's `{}` and `{:e}` both guarantee the
/// round trip); exponent form for tiny and huge magnitudes, so every value stays short enough
/// for [`parse_real`]. (Regression: γ = 9.9e-130 was written with 130 digits and rejected.)
fn format_real(x: f64) -> String {
    crate::output::number(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips() {
        let p = Params::default();
        assert_eq!(Params::parse(&p.to_query()), Ok(p));
    }

    #[test]
    fn empty_query_is_default() {
        assert_eq!(Params::parse(""), Ok(Params::default()));
        assert_eq!(Params::parse("?"), Ok(Params::default()));
    }

    #[test]
    fn every_is_checked_against_final_depth_in_any_order() {
        let p = Params::parse("every=100&depth=1000").expect("valid");
        assert_eq!(p.every, Some(100));
        let e = Params::parse("every=100&depth=50").expect_err("every > depth");
        assert_eq!(e.0[0].key, "every");
    }

    #[test]
    fn auto_cadence() {
        let mut p = Params {
            depth: 500,
            ..Params::default()
        };
        assert_eq!(p.eval_every(), 1);
        p.depth = 50_000;
        assert_eq!(p.eval_every(), 100);
        p.depth = 501;
        assert_eq!(p.eval_every(), 2);
        assert!(p.is_eval_layer(0) && p.is_eval_layer(501) && p.is_eval_layer(2));
        assert!(!p.is_eval_layer(11) && !p.is_eval_layer(121));
        // The log-spaced layers of the automatic cadence: 3 and 90 are, an explicit cadence has none.
        assert!(p.is_eval_layer(3) && p.is_eval_layer(90) && p.is_eval_layer(300));
        p.every = Some(2);
        assert!(!p.is_eval_layer(3) && !p.is_eval_layer(11));
        assert_eq!(p.extra_log_evals(), 0);
    }

    #[test]
    fn log_points_are_one_to_nine_times_powers_of_ten() {
        let upto = |d: u32| (1..=d).filter(|&l| is_log_point(l)).collect::<Vec<_>>();
        assert_eq!(upto(25), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20]);
        assert_eq!(upto(50_000).len(), 9 * 4 + 5);
        assert_eq!(log_points(50_000).collect::<Vec<_>>(), upto(50_000));
        assert!(is_log_point(40_000) && !is_log_point(45_000) && !is_log_point(0));
        // Depth 50,000 at the auto cadence (every 100): 1–9 and 10–90 are new; 100 … 40,000
        // lie on the grid.
        let p = Params {
            depth: 50_000,
            ..Params::default()
        };
        assert_eq!(p.extra_log_evals(), 9 + 9);
        let evaluated = (0..=p.depth).filter(|&l| p.is_eval_layer(l)).count() as u32;
        assert_eq!(evaluated, 1 + 500 + p.extra_log_evals());
    }
}
