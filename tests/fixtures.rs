//! The SVD and every rank measure against numpy on fixed matrices
//! (tests/fixtures/metrics.json, made by tests/fixtures/make_fixtures.py).

use nalgebra::DMatrix;
use rankscope::{metrics, spectrum};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string("tests/fixtures/metrics.json").expect("fixture file");
    let doc: Value = serde_json::from_str(&text).expect("fixture JSON");
    doc["cases"].as_array().expect("cases").clone()
}

fn matrix(case: &Value) -> DMatrix<f64> {
    let rows = case["rows"].as_u64().expect("rows") as usize;
    let cols = case["cols"].as_u64().expect("cols") as usize;
    let data: Vec<f64> = case["data_col_major"]
        .as_array()
        .expect("data")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    DMatrix::from_vec(rows, cols, data)
}

fn close(name: &str, what: &str, got: f64, want: f64, rel: f64) {
    let scale = want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= rel * scale,
        "{name}: {what} = {got}, numpy says {want}"
    );
}

#[test]
fn singular_values_match_numpy_to_1e_14_of_sigma1() {
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let sv = spectrum::singular_values(&matrix(&case)).expect("svd");
        let want: Vec<f64> = case["singular_values"]
            .as_array()
            .expect("sv")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        assert_eq!(sv.len(), want.len(), "{name}");
        for (i, (g, w)) in sv.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-14 * want[0],
                "{name}: σ_{} = {g}, numpy says {w}",
                i + 1
            );
        }
    }
}

#[test]
fn every_metric_matches_numpy() {
    let fixtures = cases();
    assert!(fixtures.len() >= 10, "the fixture file lost its cases");
    for case in fixtures {
        let name = case["name"].as_str().expect("name");
        let h = matrix(&case);
        let tau = case["tau"].as_f64().expect("tau");
        let sv = spectrum::singular_values(&h).expect("svd");
        let m = metrics::compute(&h, &sv, tau);
        let want = |k: &str| case[k].as_f64().expect(k);
        assert_eq!(
            m.numerical_rank,
            want("numerical_rank"),
            "{name}: numerical rank"
        );
        assert_eq!(m.soft_rank, want("soft_rank"), "{name}: soft rank");
        close(
            name,
            "r(H)",
            m.participation_ratio,
            want("participation_ratio"),
            1e-10,
        );
        close(
            name,
            "stable rank",
            m.stable_rank,
            want("stable_rank"),
            1e-10,
        );
        close(
            name,
            "effective rank",
            m.effective_rank,
            want("effective_rank"),
            1e-10,
        );
        // From singular values here, from the Gram matrix in numpy: agreement to 1e-7 absolute
        // is what the two routes' rounding allows (a square root of a difference).
        assert!(
            (m.orthogonality_gap - want("orthogonality_gap")).abs() < 1e-7,
            "{name}: orthogonality gap {} vs numpy {}",
            m.orthogonality_gap,
            want("orthogonality_gap")
        );
        close(
            name,
            "mean |cos|",
            m.mean_abs_cos,
            want("mean_abs_cos"),
            1e-10,
        );
    }
}
