//! `rankscope`: the command-line face of the core. A page's link query is also a command:
//! `rankscope run 'depth=5000&width=32&batch=32&norm=bn'` prints the same numbers the page plots.

use rankscope::output;
use rankscope::params::{Params, KEYS};
use rankscope::plot::{self, ChartKind, Style};
use rankscope::run::{run_all, Simulation};
use rankscope::scene::{RunKind, Scene};
use rankscope::sweep;
use std::io::{self, Write};
use std::process::ExitCode;

const HELP: &str = "\
rankscope — watch rank collapse in random deep networks, and BatchNorm prevent it

USAGE:
    rankscope run '<query>' [--format csv|json]
    rankscope spectrum '<query>' [--format csv|json]
    rankscope plot '<query>' [--chart rank|spectrum|norm] [--size WxH] [-o FILE]
    rankscope --help

COMMANDS:
    run        Simulate and print one row of rank measures per evaluated layer per seed.
               CSV columns: seed,layer,numerical_rank,soft_rank,participation_ratio,
               stable_rank,effective_rank,orthogonality_gap,mean_abs_cos,log10_norm
               (seed is the actual seed of each run when seeds > 1). With view=sweep:
               every width's rows (d = N = 8 … 256), with a leading width column;
               view=sweep_fixed_n: the same at the query's batch N for every width.
    spectrum   Print the singular values of H/‖H‖_F at each evaluated layer
               (CSV columns: seed,layer,sigma_1,…,sigma_k with k = min(width, batch)).
    plot       Draw one of the page's charts as SVG (to stdout, or to FILE with -o): the
               chosen metric vs depth with the twin run (rank, the default), the
               singular-value spectrum (spectrum), or log10 ‖H‖F (norm). Default 960x540.

QUERY (the same keys as the page's links; every key optional):
    depth=1..50000            layers L                                  [50]
    width=2..512              width d (neurons)                         [64]
    batch=2..512              batch size N (samples)                    [64]
    act=linear|relu|tanh      activation after normalisation            [linear]
    norm=none|bn|bn0|ln       none, centred BatchNorm, uncentred BN
                              (the theorem's), LayerNorm                [bn]
    init=gaussian|uniform|orthogonal|torch
                              weights, variance gain/d (gain 2 for
                              ReLU); torch = nn.Linear default + bias   [gaussian]
    gamma=x (0<x≤1e6)         residual layer I + γW; omit for plain W   [absent]
    input=gaussian|correlated|rank1                                     [gaussian]
    tau=x (0≤x<1)             soft-rank threshold τ                     [0.1]
    seed=u64                  random seed                               [1]
    seeds=1..32               independent runs (seed, seed+1, …)        [1]
    every=1..depth            evaluate every k layers; default: every
                              layer up to depth 500, else ~500 points
                              plus layers 1…9 × 10^k (log axes)          [auto]
    preset=NAME               start from a preset (fig2-linear, fig3a, fig3b, …);
                              the other keys override it
    metric=…, xaxis=lin|log, yaxis=lin|log, detail=spectrum|top10,
    view=depth|sweep|sweep_fixed_n
                              what the charts show: depth, or width sweep with
                              N = d or N = batch (`plot` draws it; `run` prints
                              the sweep's rows, `spectrum` needs depth)
    layer=…, fs=…, embed=0|1, hide=…
                              page presentation settings; accepted, unused here

EXIT STATUS:
    0 success; 1 a run stopped early (its rows are printed, the reason on stderr);
    2 a bad query or bad usage (the error on stderr).

EXAMPLES:
    rankscope run 'depth=5000&width=32&batch=32&act=linear&norm=none&init=uniform'
    rankscope run 'depth=5000&width=32&batch=32&act=linear&norm=bn&init=uniform'
    rankscope spectrum 'depth=20&width=8&batch=8&norm=none' --format json
";

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Json,
}

#[derive(Clone, Copy, PartialEq)]
enum Command {
    Run,
    Spectrum,
    Plot,
}

/// Everything after the command word.
struct Options {
    query: Option<String>,
    format: Format,
    chart: ChartKind,
    size: (u32, u32),
    output: Option<String>,
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("rankscope: {msg}\nTry `rankscope --help`.");
    ExitCode::from(2)
}

/// Parses `WxH` with both sides from 100 to 8000 pixels.
fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once('x')?;
    let (w, h) = (w.parse().ok()?, h.parse().ok()?);
    let ok = |v: u32| (100..=8000).contains(&v);
    (ok(w) && ok(h)).then_some((w, h))
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        query: None,
        format: Format::Csv,
        chart: ChartKind::Rank,
        size: (960, 540),
        output: None,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--format" => {
                o.format = match value("--format")?.as_str() {
                    "csv" => Format::Csv,
                    "json" => Format::Json,
                    other => return Err(format!("--format takes csv or json, got `{other}`")),
                }
            }
            "--chart" => {
                let v = value("--chart")?;
                o.chart = ChartKind::from_name(&v)
                    .ok_or(format!("--chart takes rank, spectrum or norm, got `{v}`"))?;
            }
            "--size" => {
                let v = value("--size")?;
                o.size = parse_size(&v).ok_or(format!(
                    "--size takes WxH, 100 to 8000 pixels each, got `{v}`"
                ))?;
            }
            "-o" | "--output" => o.output = Some(value("-o")?),
            a if a.starts_with('-') && a.len() > 1 => return Err(format!("unknown option `{a}`")),
            q if o.query.is_none() => o.query = Some(q.to_string()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty()
        || args
            .iter()
            .any(|a| a == "--help" || a == "-h" || a == "help")
    {
        print!("{HELP}");
        return if args.is_empty() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let command = match args[0].as_str() {
        "run" => Command::Run,
        "spectrum" => Command::Spectrum,
        "plot" => Command::Plot,
        other => return usage_error(&format!("unknown command `{other}`")),
    };
    let options = match parse_options(&args[1..]) {
        Ok(o) => o,
        Err(msg) => return usage_error(&msg),
    };
    let params = match Params::parse(options.query.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("rankscope: bad query: {e}");
            }
            eprintln!("Known keys: {}. See `rankscope --help`.", KEYS.join(", "));
            return ExitCode::from(2);
        }
    };
    let sweep = params.view.is_sweep();
    if sweep && command == Command::Spectrum {
        return usage_error(
            "`spectrum` prints one depth view's singular values; the width sweep's runs have \
             6 different widths (use view=depth, or `run` for the sweep's measures)",
        );
    }
    let result = match command {
        Command::Plot => plot(&params, &options),
        Command::Run if sweep => simulate_sweep(&params, options.format),
        _ => simulate(&params, command == Command::Spectrum, options.format),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rankscope: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs the view (main and twin, every seed) and writes one chart as SVG.
fn plot(params: &Params, o: &Options) -> io::Result<bool> {
    let mut scene = Scene::new(params);
    let report = |errors: Vec<(u64, _)>| {
        for (seed, e) in errors {
            eprintln!("rankscope: run stopped early: seed {seed}: {e}");
        }
    };
    if params.view.is_sweep() {
        for p in sweep::runs(params) {
            let run = run_all(&p);
            scene
                .push_sweep(p.width, run.rows)
                .map_err(io::Error::other)?;
            report(run.errors);
        }
    } else {
        for kind in [RunKind::Main, RunKind::Twin] {
            let run = run_all(scene.params_of(kind));
            scene.push(kind, run.rows).map_err(io::Error::other)?;
            report(run.errors);
        }
    }
    let style = Style::new(1.0);
    let svg = plot::svg(&scene, o.chart, o.size.0, o.size.1, &style).map_err(io::Error::other)?;
    match &o.output {
        Some(path) => std::fs::write(path, svg)?,
        None => io::stdout().write_all(svg.as_bytes())?,
    }
    Ok(true)
}

/// Runs the width sweep (every width, every seed), streaming CSV rows with a leading `width`
/// column as they are computed — the page's CSV export of the sweep; returns false if a run
/// stopped early.
fn simulate_sweep(params: &Params, format: Format) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if format == Format::Csv {
        out.write_all(output::sweep_csv(&[]).as_bytes())?;
    }
    let mut all_rows = Vec::new();
    let mut errors = Vec::new();
    for p in sweep::runs(params) {
        for seed in p.run_seeds() {
            let mut sim = Simulation::new(&p, seed);
            while !sim.is_done() {
                let rows = sim.advance(1000);
                if format == Format::Csv {
                    for row in &rows {
                        out.write_all((output::sweep_csv_line(p.width, row) + "\n").as_bytes())?;
                    }
                    out.flush()?;
                } else {
                    all_rows.extend(rows.into_iter().map(|r| (p.width, r)));
                }
            }
            if let Some(e) = sim.error() {
                errors.push(format!("width {} seed {seed}: {e}", p.width));
            }
        }
    }
    if format == Format::Json {
        let doc = output::sweep_json(&params.to_query(), &all_rows, &errors);
        out.write_all(doc.as_bytes())?;
    }
    out.flush()?;
    for e in &errors {
        eprintln!("rankscope: run stopped early: {e}");
    }
    Ok(errors.is_empty())
}

/// Runs every seed, streaming CSV rows as they are computed; returns false if a run stopped early.
fn simulate(params: &Params, spectrum: bool, format: Format) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let k = params.width.min(params.batch);
    if format == Format::Csv {
        let header = if spectrum {
            output::spectrum_csv(&[], k)
        } else {
            output::csv(&[])
        };
        out.write_all(header.as_bytes())?;
    }
    let mut all_rows = Vec::new();
    let mut errors = Vec::new();
    for seed in params.run_seeds() {
        let mut sim = Simulation::new(params, seed);
        while !sim.is_done() {
            let rows = sim.advance(1000);
            if format == Format::Csv {
                for row in &rows {
                    let line = if spectrum {
                        output::spectrum_csv(std::slice::from_ref(row), k)
                            .split_once('\n')
                            .map(|(_, line)| line.to_string())
                            .unwrap_or_default()
                    } else {
                        output::csv_line(row) + "\n"
                    };
                    out.write_all(line.as_bytes())?;
                }
                out.flush()?;
            } else {
                all_rows.extend(rows);
            }
        }
        if let Some(e) = sim.error() {
            errors.push(format!("seed {seed}: {e}"));
        }
    }
    if format == Format::Json {
        let query = params.to_query();
        let doc = if spectrum {
            output::spectrum_json(&query, &all_rows)
        } else {
            output::json(&query, &all_rows, &errors)
        };
        out.write_all(doc.as_bytes())?;
    }
    out.flush()?;
    for e in &errors {
        eprintln!("rankscope: run stopped early: {e}");
    }
    Ok(errors.is_empty())
}
