//! The wasm-bindgen surface (src/web.rs), run under Node by wasm-bindgen-test-runner:
//! `make test-wasm`. Drawing needs a DOM and is covered by the browser tests in tests/e2e/.
#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use rankscope::web::{csv_header, fresh_seed, parse_query, Job, View};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).expect("property")
}

fn array_len(v: &JsValue) -> u32 {
    js_sys::Array::from(v).length()
}

#[wasm_bindgen_test]
fn parse_query_is_lenient_and_names_bad_keys() {
    let parsed = parse_query("depth=0&width=32&bogus=1").expect("parsed");
    let query = get(&parsed, "query").as_string().expect("query");
    assert!(query.starts_with("depth=50&width=32&"), "{query}");
    let errors = get(&parsed, "errors");
    assert_eq!(array_len(&errors), 2);
    let first = js_sys::Array::from(&errors).get(0);
    assert_eq!(get(&first, "key").as_string().as_deref(), Some("depth"));
    assert_eq!(get(&parsed, "seed").as_string().as_deref(), Some("1"));
}

#[wasm_bindgen_test]
fn a_u64_seed_survives_the_trip_to_js() {
    let parsed = parse_query("seed=18446744073709551615").expect("parsed");
    assert_eq!(
        get(&parsed, "seed").as_string().as_deref(),
        Some("18446744073709551615")
    );
}

#[wasm_bindgen_test]
fn fresh_seeds_differ_and_are_valid() {
    let a = fresh_seed().expect("seed");
    let b = fresh_seed().expect("seed");
    assert_ne!(a, b);
    let parsed = parse_query(&format!("seed={a}")).expect("parsed");
    assert_eq!(array_len(&get(&parsed, "errors")), 0);
}

/// Steps `job` to its end (slices of `budget_ms`), pushing every batch into `view`; returns the
/// number of slices, the last step's output and the rows the steps said they carried.
fn drain(job: &mut Job, view: &mut View, budget_ms: f64) -> (usize, JsValue, f64) {
    let (mut slices, mut rows) = (0, 0.0);
    loop {
        let out = job.step(budget_ms).expect("step");
        view.push(get(&out, "batch")).expect("push");
        slices += 1;
        // A JS number (a BigInt here broke the benchmarks' sums).
        rows += get(&out, "rows")
            .as_f64()
            .expect("the row count is a number");
        if get(&out, "done").as_bool() == Some(true) {
            return (slices, out, rows);
        }
        assert!(slices < 100_000, "the job never finished");
    }
}

#[wasm_bindgen_test]
fn job_streams_rows_of_both_runs_into_a_view() {
    let query = "depth=30&width=8&batch=8&seeds=2";
    let mut job = Job::new(query, true, 0, 1).expect("job");
    let mut view = View::new(query).expect("view");
    let (_, last, rows) = drain(&mut job, &mut view, 2.0);
    assert_eq!(
        rows,
        2.0 * 2.0 * 31.0,
        "the main and twin runs of two seeds, 31 rows each"
    );
    assert_eq!(get(&last, "progress").as_f64(), Some(1.0));
    assert!(view.is_complete());
    let summary = view.summary();
    assert!(
        summary.starts_with("Depth 30, width 8, batch 8: soft rank"),
        "{summary}"
    );
    let csv = view.csv();
    assert!(csv.starts_with(&csv_header()));
    assert_eq!(
        csv.lines().count(),
        1 + 2 * 31,
        "header + 31 layers × 2 seeds"
    );
}

/// The page's job carries the twin runs and, once done, the samples' geometry at the last layer;
/// a benchmark's job computes the main runs and their measures only (numpy's baseline's work).
#[wasm_bindgen_test]
fn only_the_pages_job_computes_the_twin_and_the_geometry() {
    let query = "depth=4&width=6&batch=6";
    for for_page in [true, false] {
        let mut job = Job::new(query, for_page, 0, 1).expect("job");
        let mut twin_rows = 0;
        loop {
            // A zero budget: one layer per slice, so the job has slices before its end.
            let out = job.step(0.0).expect("step");
            twin_rows += array_len(&get(&get(&out, "batch"), "twin"));
            assert!(
                get(&out, "geometry").is_undefined(),
                "the rows are posted without the geometry"
            );
            if get(&out, "done").as_bool() == Some(true) {
                break;
            }
            assert!(
                job.geometry().expect("geometry").is_null(),
                "none before the end"
            );
        }
        assert_eq!(twin_rows > 0, for_page, "twin rows, for_page = {for_page}");
        let geometry = job.geometry().expect("geometry");
        assert_eq!(
            !geometry.is_null(),
            for_page,
            "geometry, for_page = {for_page}"
        );
        if for_page {
            for run in ["main", "twin"] {
                assert!(get(&geometry, run).is_object(), "{run}'s samples");
            }
        }
    }
}

/// The panel shows the first seed's samples: with four workers and two seeds, the parts that
/// hold the second seed's runs report none, and the first seed's are those of a single job.
#[wasm_bindgen_test]
fn the_parts_geometry_is_the_first_seeds() {
    let query = "depth=3&width=6&batch=6&seeds=2";
    let finished = |part, parts| {
        let mut job = Job::new(query, true, part, parts).expect("job");
        while get(&job.step(50.0).expect("step"), "done").as_bool() != Some(true) {}
        job.geometry().expect("geometry")
    };
    // JSON with the 64-bit integers (BigInts) as their digits.
    let bigints = js_sys::Function::new_with_args(
        "key, value",
        "return typeof value === 'bigint' ? value.toString() : value",
    );
    let json = |v: &JsValue| {
        String::from(js_sys::JSON::stringify_with_replacer(v, &bigints).expect("json"))
    };
    let whole = finished(0, 1);
    for (part, held) in [(0, Some("main")), (1, Some("twin")), (2, None), (3, None)] {
        let geometry = finished(part, 4);
        for run in ["main", "twin"] {
            let g = get(&geometry, run);
            if held == Some(run) {
                assert_eq!(json(&g), json(&get(&whole, run)), "part {part}: {run}");
            } else {
                assert!(
                    g.is_undefined(),
                    "part {part} holds no first-seed {run} run"
                );
            }
        }
    }
}

#[wasm_bindgen_test]
fn parts_split_the_runs_without_overlap() {
    let query = "depth=6&width=6&batch=6&seeds=3";
    let mut view = View::new(query).expect("view");
    for part in 0..2 {
        let mut job = Job::new(query, true, part, 2).expect("job");
        drain(&mut job, &mut view, 50.0);
    }
    assert!(
        view.is_complete(),
        "the two parts together compute every run"
    );
    assert_eq!(view.csv().lines().count(), 1 + 3 * 7);
}

#[wasm_bindgen_test]
fn wasm_numbers_match_the_native_cli_format() {
    // Same parameters, same seed: the WASM build must tell the same story as the CLI.
    let csv = wasm_csv("depth=200&width=16&batch=16&norm=none");
    let last = csv.lines().last().expect("rows");
    let pr: f64 = last
        .split(',')
        .nth(4)
        .expect("cell")
        .parse()
        .expect("number");
    assert!(
        pr < 1.5,
        "a vanilla 16-wide linear net collapses by depth 200: r(H) = {pr}"
    );
}

#[wasm_bindgen_test]
fn bad_queries_are_errors_not_panics() {
    assert!(Job::new("depth=0", true, 0, 1).is_err());
    assert!(
        Job::new("depth=5", true, 2, 2).is_err(),
        "no third part of two"
    );
    assert!(View::new("act=sigmoid").is_err());
    let mut view = View::new("depth=5").expect("view");
    assert!(view.push(JsValue::from_str("not rows")).is_err());
}

/// Runs a query to completion in WASM and returns its CSV.
fn wasm_csv(query: &str) -> String {
    let mut job = Job::new(query, true, 0, 1).expect("job");
    let mut view = View::new(query).expect("view");
    drain(&mut job, &mut view, 50.0);
    view.csv()
}

/// The browser reproduces the native CLI's numbers for the same link (to round-off). Fixtures made with
/// tests/fixtures/make_native_runs.sh (the same queries as below).
#[wasm_bindgen_test]
fn wasm_reproduces_the_native_cli() {
    let cases = [
        (
            "depth=200&width=16&batch=16&norm=none",
            include_str!("fixtures/native_run_1.csv"),
        ),
        (
            "depth=100&width=24&batch=20&act=tanh&norm=bn&init=orthogonal&gamma=0.5&input=correlated",
            include_str!("fixtures/native_run_2.csv"),
        ),
        (
            "depth=60&width=12&batch=12&act=relu&norm=none&init=torch",
            include_str!("fixtures/native_run_3.csv"),
        ),
    ];
    for (query, native) in cases {
        let wasm = wasm_csv(query);
        assert_eq!(wasm.lines().count(), native.lines().count(), "{query}");
        let mut worst = 0.0f64;
        for (w, n) in wasm.lines().zip(native.lines()).skip(1) {
            for (a, b) in w.split(',').zip(n.split(',')) {
                let (a, b): (f64, f64) = (a.parse().expect("num"), b.parse().expect("num"));
                worst = worst.max((a - b).abs() / b.abs().max(1.0));
            }
        }
        // Same RNG stream and algorithms; only the last bits of libm and of fused
        // multiply-adds differ between native x86-64 and wasm32.
        assert!(worst < 1e-9, "{query}: worst relative difference {worst:e}");
    }
}

/// The paired bidiagonal phase runs two problems in the lanes of WASM's f64x2: each must get
/// exactly (bit for bit) the values it gets alone.
#[wasm_bindgen_test]
fn paired_singular_values_equal_single_ones_in_wasm() {
    use rankscope::svd::{reduce, Reduced};
    let matrix = |m: usize, n: usize, salt: f64| -> Vec<f64> {
        (0..m * n)
            .map(|k| ((k * 37 % 101) as f64 * 0.618 + salt).sin() * (1.0 + (k % 7) as f64))
            .collect()
    };
    let shapes = [(40, 40, 0.3), (64, 33, 0.5), (17, 29, 0.9), (3, 3, 0.1)];
    for &(ma, na, sa) in &shapes {
        for &(mb, nb, sb) in &shapes {
            let (a, b) = (matrix(ma, na, sa), matrix(mb, nb, sb));
            let (pa, pb) = Reduced::values_pair(reduce(&a, ma, na), reduce(&b, mb, nb));
            assert_eq!(pa, reduce(&a, ma, na).values(), "{ma}×{na}");
            assert_eq!(pb, reduce(&b, mb, nb).values(), "{mb}×{nb}");
        }
    }
}

/// The zero-skipping product and Gram kernels (ReLU layers) give exactly the dense kernels'
/// numbers in WASM too, where f64x2 and (in the relaxed-SIMD build) fused multiply-adds run.
#[wasm_bindgen_test]
fn zero_skipping_products_equal_the_dense_kernels_in_wasm() {
    use nalgebra::DMatrix;
    use rankscope::gemm::{
        packed_gram_upper, packed_product, sparse_gram_upper, sparse_product, SparseColumns,
    };
    for (m, k, n) in [(16, 16, 16), (33, 40, 21), (64, 64, 64)] {
        let a = DMatrix::from_fn(m, k, |i, j| ((i * 13 + j * 7) as f64 * 0.37).sin());
        let b = DMatrix::from_fn(k, n, |i, j| ((i * 11 + j * 5) as f64 * 0.61).cos().max(0.0));
        let columns = SparseColumns::of(&b).expect("a ReLU-like matrix is sparse");
        let (ours, dense) = (sparse_product(&a, &columns), packed_product(&a, &b));
        assert!(
            ours.iter().zip(dense.iter()).all(|(x, y)| x == y),
            "{m}×{k}·{k}×{n}"
        );
        let (g, dense) = (sparse_gram_upper(&b, &columns), packed_gram_upper(&b));
        for j in 0..n {
            for i in 0..=j {
                assert_eq!(g[(i, j)], dense[(i, j)], "{k}×{n} Gram at ({i}, {j})");
            }
        }
    }
}
