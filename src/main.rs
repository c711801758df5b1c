//! `rankscope`: the command-line face of the core. A page's link query is also a command:
//! `rankscope run 'depth=5000&width=32&batch=32&norm=bn'` prints the same numbers the page plots.

use rankscope::output;
use rankscope::params::{Params, KEYS};
use rankscope::run::Simulation;
use std::io::{self, Write};
use std::process::ExitCode;

const HELP: &str = "\
rankscope — watch rank collapse in random deep networks, and BatchNorm prevent it

USAGE:
    rankscope run '<query>' [--format csv|json]
    rankscope spectrum '<query>' [--format csv|json]
    rankscope --help

COMMANDS:
    run        Simulate and print one row of rank measures per evaluated layer per seed.
               CSV columns: seed,layer,numerical_rank,soft_rank,participation_ratio,
               stable_rank,effective_rank,orthogonality_gap,mean_abs_cos,log10_norm
               (seed is the actual seed of each run when seeds > 1).
    spectrum   Print the singular values of H/‖H‖_F at each evaluated layer
               (CSV columns: seed,layer,sigma_1,…,sigma_k with k = min(width, batch)).

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
                              layer up to depth 500, else ~500 points   [auto]
    metric=…, xaxis=lin|log   view settings of the page; accepted, unused here

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
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("rankscope: {msg}\nTry `rankscope --help`.");
    ExitCode::from(2)
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
        other => return usage_error(&format!("unknown command `{other}`")),
    };
    let mut query: Option<&str> = None;
    let mut format = Format::Csv;
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--format" => match rest.next().map(String::as_str) {
                Some("csv") => format = Format::Csv,
                Some("json") => format = Format::Json,
                other => {
                    return usage_error(&format!(
                        "--format takes csv or json, got `{}`",
                        other.unwrap_or("")
                    ))
                }
            },
            a if a.starts_with("--") => return usage_error(&format!("unknown option `{a}`")),
            q if query.is_none() => query = Some(q),
            extra => return usage_error(&format!("unexpected argument `{extra}`")),
        }
    }
    let params = match Params::parse(query.unwrap_or("")) {
        Ok(p) => p,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("rankscope: bad query: {e}");
            }
            eprintln!("Known keys: {}. See `rankscope --help`.", KEYS.join(", "));
            return ExitCode::from(2);
        }
    };
    match simulate(&params, command, format) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rankscope: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs every seed, streaming CSV rows as they are computed; returns false if a run stopped early.
fn simulate(params: &Params, command: Command, format: Format) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let k = params.width.min(params.batch);
    if format == Format::Csv {
        let header = match command {
            Command::Run => output::csv(&[]),
            Command::Spectrum => output::spectrum_csv(&[], k),
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
                    let line = match command {
                        Command::Run => output::csv_line(row) + "\n",
                        Command::Spectrum => output::spectrum_csv(std::slice::from_ref(row), k)
                            .split_once('\n')
                            .map(|(_, line)| line.to_string())
                            .unwrap_or_default(),
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
        let doc = match command {
            Command::Run => output::json(&query, &all_rows, &errors),
            Command::Spectrum => output::spectrum_json(&query, &all_rows),
        };
        out.write_all(doc.as_bytes())?;
    }
    out.flush()?;
    for e in &errors {
        eprintln!("rankscope: run stopped early: {e}");
    }
    Ok(errors.is_empty())
}
