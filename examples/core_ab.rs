//! Whole runs of the benchmark workloads, one per call, exported for `bench/core_ab.mjs`, which
//! loads two builds of this file in one Node process and alternates their calls: the VM's speed
//! drifts by up to ×1.6 within minutes, so only runs interleaved call by call compare two
//! versions of the core. Not a test. Build (WASI, the page's relaxed-SIMD flavour):
//! ```text
//! RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd -C link-arg=--export=run" \
//!     cargo build --release --example core_ab --target wasm32-wasip1
//! ```

use rankscope::params::Params;
use rankscope::run::Simulation;

/// The runs `run` can time: W4's two (the default view and its no-normalisation twin), W1, W2.
const QUERIES: [&str; 4] = [
    "",
    "norm=none",
    "depth=100&width=128&batch=128&act=linear&norm=bn&every=1",
    "depth=50&width=256&batch=256&act=relu&norm=bn&every=1",
];

/// Runs query `which` of [`QUERIES`] with `seed` to the end; returns the number of rows (so
/// nothing is optimised away), or 0 for an unknown `which`.
#[no_mangle]
pub extern "C" fn run(which: u32, seed: u32) -> u32 {
    let Some(query) = QUERIES.get(which as usize) else {
        return 0;
    };
    let params = Params::parse(query).expect("a valid query");
    let mut sim = Simulation::new(&params, u64::from(seed));
    let mut rows = 0;
    while !sim.is_done() {
        rows += sim.advance(params.depth).len();
    }
    rows as u32
}

fn main() {}
