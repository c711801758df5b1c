//! The `rankscope` command: output formats, exit statuses and error messages.

use rankscope::output::CSV_HEADER;
use std::process::{Command, Output};

fn rankscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rankscope"))
        .args(args)
        .output()
        .expect("run rankscope")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8")
}

/// Column `name` of every CSV line.
fn column(csv: &str, name: &str) -> Vec<f64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let i = header.iter().position(|h| *h == name).expect("column");
    lines
        .map(|l| l.split(',').nth(i).expect("cell").parse().expect("number"))
        .collect()
}

#[test]
fn run_prints_the_documented_header_and_one_row_per_evaluated_layer() {
    let o = rankscope(&["run", "depth=20&width=8&batch=8"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().next(), Some(CSV_HEADER));
    assert_eq!(
        CSV_HEADER,
        "seed,layer,numerical_rank,soft_rank,participation_ratio,stable_rank,effective_rank,orthogonality_gap,mean_abs_cos,log10_norm"
    );
    assert_eq!(
        column(&out, "layer"),
        (0..=20).map(f64::from).collect::<Vec<_>>()
    );
}

#[test]
fn the_done_when_commands_show_collapse_and_plateau() {
    let q = "depth=5000&width=32&batch=32&act=linear&init=uniform";
    let none = stdout(&rankscope(&["run", &format!("{q}&norm=none")]));
    let bn = stdout(&rankscope(&["run", &format!("{q}&norm=bn")]));
    let none_rank = column(&none, "numerical_rank");
    let bn_rank = column(&bn, "numerical_rank");
    // Auto cadence: the input, every 10th layer (500 points) and the log-spaced 1 … 9.
    let layers = column(&none, "layer");
    let expected: Vec<f64> = (0..10)
        .chain((10..=5000).step_by(10))
        .map(f64::from)
        .collect();
    assert_eq!(layers, expected);
    assert_eq!(none_rank.len(), 510);
    assert!(*none_rank.last().expect("rows") <= 2.0);
    assert!((3.0..=20.0).contains(bn_rank.last().expect("rows")));
}

#[test]
fn seed_column_holds_each_runs_seed() {
    let out = stdout(&rankscope(&[
        "run",
        "depth=3&width=4&batch=4&seed=41&seeds=3",
    ]));
    let seeds = column(&out, "seed");
    assert_eq!(
        seeds,
        [41., 41., 41., 41., 42., 42., 42., 42., 43., 43., 43., 43.]
    );
}

#[test]
fn json_format_is_json_with_the_same_data() {
    let q = "depth=10&width=6&batch=5&seeds=2";
    let csv = stdout(&rankscope(&["run", q]));
    let o = rankscope(&["run", q, "--format", "json"]);
    assert!(o.status.success());
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), csv.lines().count() - 1);
    let pr = column(&csv, "participation_ratio");
    for (row, want) in rows.iter().zip(pr) {
        assert_eq!(row["participation_ratio"].as_f64(), Some(want));
    }
    assert!(doc["query"].as_str().expect("query").contains("depth=10"));
}

#[test]
fn spectrum_prints_normalised_singular_values() {
    let o = rankscope(&["spectrum", "depth=4&width=6&batch=9"]);
    assert!(o.status.success());
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("seed,layer,sigma_1,sigma_2,sigma_3,sigma_4,sigma_5,sigma_6")
    );
    for line in lines {
        let sv: Vec<f64> = line
            .split(',')
            .skip(2)
            .map(|s| s.parse().expect("num"))
            .collect();
        let sum_sq: f64 = sv.iter().map(|s| s * s).sum();
        assert!((sum_sq - 1.0).abs() < 1e-12, "Σσ² = 1 for H/‖H‖_F");
        assert!(sv.windows(2).all(|w| w[0] >= w[1]), "sorted");
    }
    let j = rankscope(&["spectrum", "depth=2&width=3&batch=3", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&j)).expect("valid JSON");
    assert_eq!(
        doc["rows"][0]["singular_values"].as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn bad_query_exits_2_with_every_error_on_stderr() {
    let o = rankscope(&["run", "depth=0&act=sigmoid"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.contains("depth: got `0`; allowed: an integer from 1 to 50000"),
        "{err}"
    );
    assert!(
        err.contains("act: got `sigmoid`; allowed: one of linear, relu, tanh"),
        "{err}"
    );
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        &["frobnicate"][..],
        &["run", "depth=3", "--format", "xml"],
        &["run", "depth=3", "--colour"],
        &["run", "depth=3", "extra"],
        &[],
    ] {
        let o = rankscope(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn help_documents_commands_and_keys() {
    let o = rankscope(&["--help"]);
    assert!(o.status.success());
    let help = stdout(&o);
    for word in [
        "run",
        "spectrum",
        "--format",
        "depth=",
        "gamma=",
        "every=",
        "EXIT STATUS",
    ] {
        assert!(help.contains(word), "help mentions {word}");
    }
}

#[test]
fn a_dead_network_prints_its_rows_and_exits_1() {
    // d = N = 2 ReLU without BN: some seed kills every unit within a few layers.
    let dead = (1..200).find_map(|seed| {
        let o = rankscope(&[
            "run",
            &format!("depth=50&width=2&batch=2&act=relu&norm=none&seed={seed}"),
        ]);
        (o.status.code() == Some(1)).then_some(o)
    });
    let o = dead.expect("some seed of a 2-wide ReLU net dies");
    assert!(stderr(&o).contains("became exactly zero"), "{}", stderr(&o));
    assert!(stdout(&o).starts_with(CSV_HEADER));
}

/// The √d level's label sits above its dashed line (it used to hang down across it): in the
/// rank chart's SVG the label is anchored at its bottom, and that bottom is above the line.
#[test]
fn the_sqrt_d_label_sits_above_its_line() {
    let out = rankscope(&["plot", "depth=50"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = stdout(&out);
    let attr = |tag: &str, name: &str| -> String {
        let at = tag.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
        tag[at..].split('"').next().expect("value").to_string()
    };
    // The label's <text …> tag: the one just before the text "√d = …".
    let label_at = svg.find("√d = ").expect("the level is labelled");
    let tag_start = svg[..label_at].rfind("<text").expect("its text element");
    let tag = &svg[tag_start..label_at];
    let label_y: f64 = attr(tag, "y").parse().expect("y");
    assert!(attr(tag, "dy").starts_with('-'), "bottom-anchored: {tag}");
    // The dashed level: green polylines, all at one height.
    let green = format!("stroke=\"#{:02X}{:02X}{:02X}\"", 0, 158, 115);
    let line_ys: Vec<f64> = svg
        .split("<polyline")
        .filter(|p| p.contains(&green))
        .flat_map(|p| {
            let points = attr(p, "points");
            points
                .split_whitespace()
                .filter_map(|xy| xy.split(',').nth(1)?.parse::<f64>().ok())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!line_ys.is_empty(), "the dashed level is drawn");
    let line_y = line_ys[0];
    assert!(line_ys.iter().all(|&y| y == line_y), "{line_ys:?}");
    assert!(
        label_y < line_y,
        "label bottom {label_y} above the line at {line_y}"
    );
}

/// The legend box moves out of the way of the data: in the scale chart of the paper's Fig. 2,
/// BatchNorm's flat line runs along the top and the vanilla scale falls to the bottom right,
/// so the legend goes to the free lower left; where the upper right is free it stays there.
#[test]
fn the_legend_avoids_the_curves() {
    let legend_box = |args: &[&str]| -> (f64, f64) {
        let out = rankscope(args);
        assert!(out.status.success(), "{}", stderr(&out));
        let svg = stdout(&out);
        let tag = svg
            .split("<rect")
            .find(|t| t.contains("opacity=\"0.85\""))
            .expect("a legend box (the only translucent white rectangle)");
        let attr = |name: &str| -> f64 {
            let at = tag.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
            tag[at..]
                .split('"')
                .next()
                .expect("value")
                .parse()
                .expect("a number")
        };
        (attr("x"), attr("y"))
    };
    let (x, y) = legend_box(&["plot", "preset=fig2-linear&depth=2000", "--chart", "norm"]);
    assert!(x < 480.0 && y > 270.0, "lower left of 960×540: ({x}, {y})");
    let (x, y) = legend_box(&["plot", "preset=fig2-linear&depth=2000"]);
    assert!(x > 480.0 && y < 270.0, "upper right of 960×540: ({x}, {y})");
}

/// `run` prints the width sweep of a `view=sweep` link — every width, with a leading width
/// column, as the page's CSV export of the sweep — and `spectrum` refuses it with a reason.
#[test]
fn run_prints_the_width_sweep_and_spectrum_refuses_it() {
    let out = rankscope(&["run", "view=sweep&depth=3&seeds=2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(format!("width,{CSV_HEADER}").as_str()));
    let widths: Vec<&str> = lines.map(|l| l.split(',').next().expect("cell")).collect();
    for w in ["8", "16", "32", "64", "128", "256"] {
        let rows = widths.iter().filter(|&&x| x == w).count();
        assert_eq!(rows, 2 * 4, "width {w}: 2 seeds × layers 0..=3");
    }
    let json = stdout(&rankscope(&[
        "run",
        "view=sweep&depth=2",
        "--format",
        "json",
    ]));
    assert!(
        json.contains("\"rows\":[\n{\"width\":8,\"seed\":1,\"layer\":0,"),
        "{json}"
    );
    let refused = rankscope(&["spectrum", "view=sweep"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("use view=depth"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn the_fixed_n_sweep_runs_every_width_on_the_links_batch() {
    let out = rankscope(&["run", "view=sweep_fixed_n&batch=4&depth=2&norm=bn0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
    let rank = header
        .iter()
        .position(|&h| h == "numerical_rank")
        .expect("rank column");
    let mut widths = Vec::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let r: f64 = cells[rank].parse().expect("a rank");
        // With N = d the widest run would have rank ~256; a batch of 4 caps every width at 4.
        assert!((1.0..=4.0).contains(&r), "{line}");
        widths.push(cells[0].to_string());
    }
    widths.dedup();
    assert_eq!(widths, ["8", "16", "32", "64", "128", "256"]);
}
