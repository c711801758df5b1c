//! Metric identities on constructed matrices: identity, exact rank k, scaled copies.

use nalgebra::DMatrix;
use rankscope::{metrics, spectrum};

fn measure(h: &DMatrix<f64>) -> metrics::Metrics {
    let sv = spectrum::singular_values(h).expect("svd");
    metrics::compute(h, &sv, 0.1)
}

/// A d×n matrix whose first k columns are orthonormal unit vectors e₁…e_k, repeated.
fn rank_k(d: usize, n: usize, k: usize) -> DMatrix<f64> {
    DMatrix::from_fn(d, n, |i, j| if i == j % k { 1.0 } else { 0.0 })
}

#[test]
fn identity_is_perfectly_orthogonal_full_rank() {
    let m = measure(&DMatrix::identity(12, 12));
    assert_eq!((m.numerical_rank, m.soft_rank), (12.0, 12.0));
    for r in [m.participation_ratio, m.stable_rank, m.effective_rank] {
        assert!((r - 12.0).abs() < 1e-12);
    }
    assert!(m.orthogonality_gap < 1e-7 && m.mean_abs_cos == 0.0);
}

#[test]
fn equal_energy_rank_k_gives_k_for_every_measure() {
    for k in [1, 2, 5] {
        // n = 10 columns cycle through k directions: equal singular values √(10/k).
        let m = measure(&rank_k(8, 10, k));
        let kf = k as f64;
        assert_eq!(m.numerical_rank, kf);
        assert_eq!(m.soft_rank, kf);
        for r in [m.participation_ratio, m.stable_rank, m.effective_rank] {
            assert!((r - kf).abs() < 1e-9, "k = {k}: {m:?}");
        }
    }
}

#[test]
fn rank_one_batch_has_all_samples_on_one_line() {
    let m = measure(&rank_k(6, 9, 1));
    assert_eq!(m.mean_abs_cos, 1.0);
    // Gap of a rank-one batch: √(1 − 1/N).
    assert!((m.orthogonality_gap - (1.0 - 1.0 / 9.0f64).sqrt()).abs() < 1e-12);
}

#[test]
fn every_measure_is_scale_invariant() {
    let h = DMatrix::from_fn(7, 11, |i, j| {
        ((3 * i + 5 * j) as f64).sin() + 0.1 * i as f64
    });
    let base = measure(&h);
    for c in [1e-200, 1e-3, -2.0, 1e200] {
        let m = measure(&(&h * c));
        assert_eq!(m.numerical_rank, base.numerical_rank, "scale {c}");
        assert_eq!(m.soft_rank, base.soft_rank, "scale {c}");
        for (a, b) in [
            (m.participation_ratio, base.participation_ratio),
            (m.stable_rank, base.stable_rank),
            (m.effective_rank, base.effective_rank),
            (m.orthogonality_gap, base.orthogonality_gap),
            (m.mean_abs_cos, base.mean_abs_cos),
        ] {
            assert!(
                (a - b).abs() < 1e-9 * b.abs().max(1.0),
                "scale {c}: {a} vs {b}"
            );
        }
    }
}

/// A failed SVD is a flagged point: no metrics, empty CSV cells, `null` in JSON, skipped by the
/// charts' bands — never a NaN and never a frozen run.
#[test]
fn a_flagged_point_is_shown_as_missing_not_as_nan() {
    use rankscope::output;
    use rankscope::params::{Metric, Params};
    use rankscope::run::Row;
    use rankscope::scene::{RunKind, Scene};
    let row = Row {
        seed: 1,
        layer: 3,
        metrics: None,
        log10_norm: 0.5,
        singular_values: Vec::new(),
        flag: Some("the SVD did not converge within 30 iterations".into()),
    };
    assert_eq!(output::csv_line(&row), "1,3,,,,,,,,0.5");
    let json: serde_json::Value = serde_json::from_str(&output::json_row(&row)).expect("JSON");
    assert!(json["soft_rank"].is_null());
    assert_eq!(
        json["flag"],
        "the SVD did not converge within 30 iterations"
    );
    let p = Params::parse("depth=3&width=4&batch=4").expect("valid");
    let mut scene = Scene::new(&p);
    scene.push(RunKind::Main, vec![row]).expect("own seed");
    assert!(scene.band(RunKind::Main, Metric::SoftRank).is_empty());
    assert_eq!(scene.band(RunKind::Main, Metric::Log10Norm).len(), 1);
}
