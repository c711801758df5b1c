//! Times the pieces of one evaluated layer (matrix products, bidiagonalisation, dqds, random
//! numbers) at the benchmark sizes, to see where the time goes. Not a test.
//!
//! Natively: `cargo run --release --example kernels`.
//! As WASM (SIMD) under Node, through WASI:
//! ```text
//! rustup target add wasm32-wasip1
//! RUSTFLAGS="-C target-feature=+simd128" cargo build --release --example kernels --target wasm32-wasip1
//! node bench/wasi.mjs target/wasm32-wasip1/release/examples/kernels.wasm
//! ```
//! Timings on the project VM vary ±20 % between runs: compare rows of one run.
use nalgebra::DMatrix;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use std::time::Instant;

fn time<F: FnMut()>(name: &str, n: usize, reps: usize, flops: f64, mut f: F) {
    f();
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    let s = t.elapsed().as_secs_f64() / reps as f64;
    println!(
        "{name:>12} n={n:4}: {:8.3} ms  {:6.2} GFLOP/s",
        s * 1e3,
        flops / s / 1e9
    );
}

fn main() {
    let mut rng = StdRng::seed_from_u64(1);
    for n in [64usize, 128, 256] {
        let a = DMatrix::from_fn(n, n, |_, _| rng.sample::<f64, _>(StandardNormal));
        let b = DMatrix::from_fn(n, n, |_, _| rng.sample::<f64, _>(StandardNormal));
        let nf = n as f64;
        let reps = (200_000_000 / (n * n * n)).max(3);
        time("gemm", n, reps, 2.0 * nf * nf * nf, || {
            std::hint::black_box(&a * &b);
        });
        time("gram", n, reps, 2.0 * nf * nf * nf, || {
            std::hint::black_box(a.transpose() * &a);
        });
        time("blocked_gram", n, reps, 2.0 * nf * nf * nf, || {
            std::hint::black_box(rankscope::gemm::blocked_gram_upper(&a));
        });
        time("tr_mul", n, reps, 2.0 * nf * nf * nf, || {
            std::hint::black_box(a.tr_mul(&a));
        });
        time("packed_gemm", n, reps, 2.0 * nf * nf * nf, || {
            std::hint::black_box(rankscope::gemm::packed_product(&a, &b));
        });
        time("packed_gram", n, reps, 2.0 * nf * nf * nf, || {
            std::hint::black_box(rankscope::gemm::packed_gram_upper(&a));
        });
        time("svd", n, reps / 2 + 1, 8.0 / 3.0 * nf * nf * nf, || {
            std::hint::black_box(rankscope::spectrum::singular_values(&a).expect("svd"));
        });
        time("bidiag", n, reps / 2 + 1, 8.0 / 3.0 * nf * nf * nf, || {
            std::hint::black_box(a.clone().bidiagonalize().diagonal());
        });
        time(
            "pair_bidiag",
            n,
            reps / 2 + 1,
            8.0 / 3.0 * nf * nf * nf,
            || {
                let mut w = a.as_slice().to_vec();
                std::hint::black_box(rankscope::svd::bidiag::bidiagonalise_with::<
                    rankscope::lanes::Pair,
                >(&mut w, n, n));
            },
        );
        time(
            "my_bidiag",
            n,
            reps / 2 + 1,
            8.0 / 3.0 * nf * nf * nf,
            || {
                let mut w = a.as_slice().to_vec();
                std::hint::black_box(rankscope::svd::bidiag::bidiagonalise(&mut w, n, n));
            },
        );
        let mut w = a.as_slice().to_vec();
        let rankscope::svd::bidiag::Bidiagonal { d: d0, e: e0, .. } =
            rankscope::svd::bidiag::bidiagonalise(&mut w, n, n);
        time(
            "my_bdsqr",
            n,
            reps / 2 + 1,
            8.0 / 3.0 * nf * nf * nf,
            || {
                let (mut d, mut e) = (d0.clone(), e0.clone());
                rankscope::svd::bdsqr::bidiagonal_singular_values(&mut d, &mut e)
                    .expect("converges");
                std::hint::black_box(d);
            },
        );
        time("my_dqds", n, reps / 2 + 1, 8.0 / 3.0 * nf * nf * nf, || {
            std::hint::black_box(rankscope::svd::dqds::bidiagonal_singular_values(&d0, &e0));
        });
        // Two different problems: solved one after the other, and paired (interleaved).
        let b = DMatrix::from_fn(n, n, |_, _| rng.sample::<f64, _>(StandardNormal));
        let mut w = b.as_slice().to_vec();
        let rankscope::svd::bidiag::Bidiagonal { d: d1, e: e1, .. } =
            rankscope::svd::bidiag::bidiagonalise(&mut w, n, n);
        time("dqds_2x1", n, reps / 2 + 1, 0.0, || {
            std::hint::black_box(rankscope::svd::dqds::bidiagonal_singular_values(&d0, &e0));
            std::hint::black_box(rankscope::svd::dqds::bidiagonal_singular_values(&d1, &e1));
        });
        time("dqds_pair", n, reps / 2 + 1, 0.0, || {
            std::hint::black_box(rankscope::svd::dqds::bidiagonal_singular_values_pair(
                (&d0, &e0),
                (&d1, &e1),
                rankscope::svd::dqds::SWEEPS_PER_VALUE,
            ));
        });
        let taken = rankscope::svd::dqds::transforms_taken(&d0, &e0).expect("converges");
        println!(
            "{:>12} n={n:4}: {:.2} dqds transforms per value",
            "",
            taken as f64 / nf
        );
        time("normals", n, reps, nf * nf, || {
            std::hint::black_box(DMatrix::from_fn(n, n, |_, _| {
                rng.sample::<f64, _>(StandardNormal)
            }));
        });
        let mut xo = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
        time("xo_normals", n, reps, nf * nf, || {
            std::hint::black_box(DMatrix::from_fn(n, n, |_, _| {
                xo.sample::<f64, _>(StandardNormal)
            }));
        });
    }
}
