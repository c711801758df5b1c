//! Text formats of a run: the CLI's CSV and JSON, also used by the page's CSV export, so a file
//! from the browser and one from the terminal are the same format.

use crate::params::Metric;
use crate::run::Row;

/// The CSV header, exactly as the link format documents it.
pub const CSV_HEADER: &str = "seed,layer,numerical_rank,soft_rank,participation_ratio,stable_rank,effective_rank,orthogonality_gap,mean_abs_cos,log10_norm";

/// A finite number in the shortest form that parses back exactly; exponent form for very
/// small or large magnitudes (valid in CSV and JSON alike).
pub fn number(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e15).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// One CSV line of a row; a flagged row (failed SVD) has empty metric cells.
pub fn csv_line(row: &Row) -> String {
    let mut cells = vec![row.seed.to_string(), row.layer.to_string()];
    for m in Metric::all() {
        cells.push(row.value(m).map(number).unwrap_or_default());
    }
    cells.join(",")
}

/// The whole CSV document: header and one line per row.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for row in rows {
        out.push_str(&csv_line(row));
        out.push('\n');
    }
    out
}

/// The width sweep's CSV: the header with a leading `width` column, then one line per row of
/// every width (`rows` as `(width, row)`), so the depth-averaged points can be recomputed.
pub fn sweep_csv(rows: &[(usize, Row)]) -> String {
    let mut out = format!("width,{CSV_HEADER}\n");
    for (width, row) in rows {
        out.push_str(&sweep_csv_line(*width, row));
        out.push('\n');
    }
    out
}

/// One line of [`sweep_csv`]: the width, then the row as [`csv_line`] writes it.
pub fn sweep_csv_line(width: usize, row: &Row) -> String {
    format!("{width},{}", csv_line(row))
}

/// The width sweep as JSON: like [`json`], each row with a leading `width` key.
pub fn sweep_json(query: &str, rows: &[(usize, Row)], errors: &[String]) -> String {
    let rows: Vec<String> = rows
        .iter()
        .map(|(width, row)| format!("{{\"width\":{width},{}", &json_row(row)[1..]))
        .collect();
    json_document(query, &rows, errors)
}

/// A JSON string literal (quotes, backslashes and control characters escaped).
pub fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_number(x: Option<f64>) -> String {
    x.map(number).unwrap_or_else(|| "null".into())
}

/// One row as a JSON object with the CSV's keys (null for a flagged row's metrics).
pub fn json_row(row: &Row) -> String {
    let mut fields = vec![
        format!("\"seed\":{}", row.seed),
        format!("\"layer\":{}", row.layer),
    ];
    for m in Metric::all() {
        fields.push(format!("\"{}\":{}", m.name(), json_number(row.value(m))));
    }
    if let Some(flag) = &row.flag {
        fields.push(format!("\"flag\":{}", json_string(flag)));
    }
    format!("{{{}}}", fields.join(","))
}

/// The JSON document: the canonical query, the rows and the errors of runs that stopped early.
pub fn json(query: &str, rows: &[Row], errors: &[String]) -> String {
    let rows: Vec<String> = rows.iter().map(json_row).collect();
    json_document(query, &rows, errors)
}

/// `{"query": …, "rows": [one object per line], "errors": […]}`.
fn json_document(query: &str, rows: &[String], errors: &[String]) -> String {
    let errors: Vec<String> = errors.iter().map(|e| json_string(e)).collect();
    format!(
        "{{\"query\":{},\"rows\":[\n{}\n],\"errors\":[{}]}}\n",
        json_string(query),
        rows.join(",\n"),
        errors.join(",")
    )
}

/// The spectrum CSV: `seed,layer,sigma_1,…,sigma_k` with σ of H/‖H‖_F.
pub fn spectrum_csv(rows: &[Row], k: usize) -> String {
    let mut out = String::from("seed,layer");
    for i in 1..=k {
        out.push_str(&format!(",sigma_{i}"));
    }
    out.push('\n');
    for row in rows {
        let mut cells = vec![row.seed.to_string(), row.layer.to_string()];
        cells.extend((0..k).map(|i| {
            row.singular_values
                .get(i)
                .map(|s| number(*s))
                .unwrap_or_default()
        }));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The spectrum as JSON: rows of `{seed, layer, singular_values: [...]}`.
pub fn spectrum_json(query: &str, rows: &[Row]) -> String {
    let rows: Vec<String> = rows
        .iter()
        .map(|r| {
            let sv: Vec<String> = r.singular_values.iter().map(|s| number(*s)).collect();
            format!(
                "{{\"seed\":{},\"layer\":{},\"singular_values\":[{}]}}",
                r.seed,
                r.layer,
                sv.join(",")
            )
        })
        .collect();
    format!(
        "{{\"query\":{},\"rows\":[\n{}\n]}}\n",
        json_string(query),
        rows.join(",\n")
    )
}
