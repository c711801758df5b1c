//! The level-1 and level-2 loops of the bidiagonalisation, on contiguous column slices.
//!
//! Written against [`Lanes`] (f64x2 in WASM; two or four plain f64 natively) with independent
//! accumulators: a single running sum cannot be vectorised (floating-point addition is not
//! reassociated), which is what made an earlier hand-written SVD 40 % slower than nalgebra's
//! in WASM. The four-column kernels load the shared vector once for four columns, which cuts
//! the loads and stores per flop of the bidiagonalisation by about a third. Everything is
//! `inline(always)` so that a caller compiled with extra CPU features (AVX2) vectorises it
//! with them.

use crate::lanes::Lanes;

/// Σ aᵢ·bᵢ over the common length.
#[inline(always)]
pub fn dot<L: Lanes>(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (mut s0, mut s1) = (L::zero(), L::zero());
    let mut ca = a.chunks_exact(2 * L::N);
    let mut cb = b.chunks_exact(2 * L::N);
    for (x, y) in (&mut ca).zip(&mut cb) {
        s0 = s0.mul_add(L::load(x), L::load(y));
        s1 = s1.mul_add(L::load(&x[L::N..]), L::load(&y[L::N..]));
    }
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    s0.plus(s1).sum() + tail
}

/// y ← y + α·x over the common length.
#[inline(always)]
pub fn axpy<L: Lanes>(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let al = L::splat(alpha);
    let mut cy = y.chunks_exact_mut(L::N);
    let mut cx = x.chunks_exact(L::N);
    for (yy, xx) in (&mut cy).zip(&mut cx) {
        L::load(yy).mul_add(al, L::load(xx)).store(yy);
    }
    for (yy, xx) in cy.into_remainder().iter_mut().zip(cx.remainder()) {
        *yy += alpha * xx;
    }
}

/// max |xᵢ| (0 for an empty slice; a NaN entry is passed over, as by `if |xᵢ| > m`). Four
/// running maxima in two vectors: a scalar loop of compares took 5–10 µs per 64×64 matrix in
/// WASM, twice per layer.
#[inline]
pub fn max_abs(x: &[f64]) -> f64 {
    type L = crate::lanes::V;
    let (mut m0, mut m1) = (L::zero(), L::zero());
    let mut chunks = x.chunks_exact(2 * L::N);
    for c in &mut chunks {
        m0 = m0.max(L::load(c).abs());
        m1 = m1.max(L::load(&c[L::N..]).abs());
    }
    let m = m0.max(m1).max_lane();
    chunks
        .remainder()
        .iter()
        .fold(m, |m, v| if m < v.abs() { v.abs() } else { m })
}

/// xᵢ ← xᵢ / divisor, then (Σ xᵢ², max |xᵢ|) of the new values: the network's rescaling and
/// the two statistics every evaluated layer needs of the result, in one pass instead of three.
#[inline(always)]
pub fn divide_and_measure<L: Lanes>(x: &mut [f64], divisor: f64) -> (f64, f64) {
    let by = L::splat(divisor);
    let (mut s0, mut s1) = (L::zero(), L::zero());
    let (mut m0, mut m1) = (L::zero(), L::zero());
    let mut chunks = x.chunks_exact_mut(2 * L::N);
    for c in &mut chunks {
        let (lo, hi) = c.split_at_mut(L::N);
        let a = L::load(lo).div(by);
        let b = L::load(hi).div(by);
        a.store(lo);
        b.store(hi);
        s0 = s0.mul_add(a, a);
        s1 = s1.mul_add(b, b);
        m0 = m0.max(a.abs());
        m1 = m1.max(b.abs());
    }
    let (mut sum, mut max) = (s0.plus(s1).sum(), m0.max(m1).max_lane());
    for v in chunks.into_remainder() {
        *v /= divisor;
        sum += *v * *v;
        max = if max < v.abs() { v.abs() } else { max };
    }
    (sum, max)
}

/// Σ xᵢ², the squared Euclidean norm.
#[inline(always)]
pub fn sum_squares<L: Lanes>(x: &[f64]) -> f64 {
    dot::<L>(x, x)
}

/// The indices past the last full chunk of `lanes` values (handled one at a time).
#[inline(always)]
fn tail(n: usize, lanes: usize) -> std::ops::Range<usize> {
    n - n % lanes..n
}

/// For four columns cⱼ of equal length L: cⱼ ← cⱼ + aⱼ·w + bⱼ·y, then returns sⱼ = v·cⱼ (of
/// the updated column). `w`, `y` and `v` have length ≥ L. The bidiagonalisation's one pass per
/// step over the trailing columns: the previous step's left and right updates, then this step's
/// left reflector's dot products.
#[inline(always)]
pub fn axpy2_dot4<L: Lanes>(
    a: [f64; 4],
    w: &[f64],
    b: [f64; 4],
    y: &[f64],
    v: &[f64],
    c: [&mut [f64]; 4],
) -> [f64; 4] {
    let [c0, c1, c2, c3] = c;
    let n = c0.len();
    let (w, y, v) = (&w[..n], &y[..n], &v[..n]);
    let (c1, c2, c3) = (&mut c1[..n], &mut c2[..n], &mut c3[..n]);
    let al = a.map(L::splat);
    let bl = b.map(L::splat);
    let mut s = [L::zero(); 4];
    let rows = w
        .chunks_exact(L::N)
        .zip(y.chunks_exact(L::N))
        .zip(v.chunks_exact(L::N))
        .zip(c0.chunks_exact_mut(L::N))
        .zip(c1.chunks_exact_mut(L::N))
        .zip(c2.chunks_exact_mut(L::N))
        .zip(c3.chunks_exact_mut(L::N));
    for ((((((ww, yy), vv), x0), x1), x2), x3) in rows {
        let (ww, yy, vv) = (L::load(ww), L::load(yy), L::load(vv));
        let x = L::load(x0).mul_add(al[0], ww).mul_add(bl[0], yy);
        x.store(x0);
        s[0] = s[0].mul_add(x, vv);
        let x = L::load(x1).mul_add(al[1], ww).mul_add(bl[1], yy);
        x.store(x1);
        s[1] = s[1].mul_add(x, vv);
        let x = L::load(x2).mul_add(al[2], ww).mul_add(bl[2], yy);
        x.store(x2);
        s[2] = s[2].mul_add(x, vv);
        let x = L::load(x3).mul_add(al[3], ww).mul_add(bl[3], yy);
        x.store(x3);
        s[3] = s[3].mul_add(x, vv);
    }
    let mut out = s.map(L::sum);
    for i in tail(n, L::N) {
        for (j, col) in [&mut *c0, &mut *c1, &mut *c2, &mut *c3]
            .into_iter()
            .enumerate()
        {
            col[i] += a[j] * w[i] + b[j] * y[i];
            out[j] += v[i] * col[i];
        }
    }
    out
}

/// y ← y + Σⱼ aⱼ·cⱼ for `K` columns of equal length L (y has length ≥ L), each yᵢ updated by
/// one chain of multiply-adds in column order — so eight columns at once give bit for bit what
/// two calls with four give. The bidiagonalisation's second pass (y = A·u) runs eight wide: one
/// load and store of y per eight columns instead of per four (see BENCHMARKS.md).
#[inline(always)]
pub fn gemv<L: Lanes, const K: usize>(a: [f64; K], c: [&[f64]; K], y: &mut [f64]) {
    let n = c.first().map_or(0, |c0| c0.len());
    assert!(c.iter().all(|cj| cj.len() == n) && y.len() >= n);
    let y = &mut y[..n];
    let al = a.map(L::splat);
    let body = n - n % L::N;
    for (i, yy) in y[..body].chunks_exact_mut(L::N).enumerate() {
        let i = i * L::N;
        let mut acc = L::load(yy);
        for j in 0..K {
            // SAFETY: i + N ≤ body ≤ n = c[j].len() (asserted above).
            acc = acc.mul_add(al[j], L::load(unsafe { c[j].get_unchecked(i..i + L::N) }));
        }
        acc.store(yy);
    }
    // The scalar rows add four columns' products at a time, as the four-column kernel did.
    for i in body..n {
        for g in (0..K).step_by(4) {
            y[i] += (g..K.min(g + 4)).fold(-0.0, |s, j| s + a[j] * c[j][i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::{Pair, Quad};

    fn wave(n: usize, f: f64) -> Vec<f64> {
        (0..n).map(|i| (i as f64 * f).sin()).collect()
    }

    fn dot_and_axpy<L: Lanes>() {
        for n in 0..13 {
            let (a, b) = (wave(n, 0.7), wave(n, 1.3));
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot::<L>(&a, &b) - plain).abs() < 1e-14, "n = {n}");
            let mut y = b.clone();
            axpy::<L>(0.5, &a, &mut y);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-15);
            }
        }
    }

    fn four_columns<L: Lanes>() {
        for n in [0, 1, 2, 3, 5, 8, 11] {
            let (y, v) = (wave(n, 0.3), wave(n, 0.9));
            let cols: Vec<Vec<f64>> = (0..4).map(|j| wave(n, 1.1 + j as f64)).collect();
            let a = [0.5, -1.0, 2.0, 0.25];

            let w = wave(n, 0.45);
            let b = [-0.75, 1.5, 0.125, -2.0];
            let mut c = cols.clone();
            let [c0, c1, c2, c3] = &mut c[..] else {
                unreachable!()
            };
            let s = axpy2_dot4::<L>(a, &w, b, &y, &v, [c0, c1, c2, c3]);
            for j in 0..4 {
                let mut expect = cols[j].clone();
                axpy::<L>(a[j], &w, &mut expect);
                axpy::<L>(b[j], &y, &mut expect);
                assert!(c[j].iter().zip(&expect).all(|(p, q)| (p - q).abs() < 1e-14));
                assert!(
                    (s[j] - dot::<L>(&v, &expect)).abs() < 1e-13,
                    "n = {n}, column {j}"
                );
            }

            let mut out = y.clone();
            gemv::<L, 4>(a, [&cols[0], &cols[1], &cols[2], &cols[3]], &mut out);
            for i in 0..n {
                let expect = y[i] + (0..4).map(|j| a[j] * cols[j][i]).sum::<f64>();
                assert!((out[i] - expect).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn dot_and_axpy_match_the_plain_loops_at_every_length() {
        dot_and_axpy::<Pair>();
        dot_and_axpy::<Quad>();
    }

    #[test]
    fn four_column_kernels_match_one_column_at_a_time() {
        four_columns::<Pair>();
        four_columns::<Quad>();
    }

    /// The scalar maximum the vector one replaced: `if |x| > m`, which passes a NaN over.
    fn plain_max_abs(x: &[f64]) -> f64 {
        x.iter()
            .fold(0.0, |m, v| if v.abs() > m { v.abs() } else { m })
    }

    #[test]
    fn max_abs_is_the_plain_maximum_at_every_length_and_passes_nan_over() {
        for n in 0..13 {
            let x: Vec<f64> = wave(n, 0.7).iter().map(|v| 3.0 * v).collect();
            assert_eq!(max_abs(&x), plain_max_abs(&x), "n = {n}");
            // The largest entry in each position (every lane, the tail).
            for i in 0..n {
                let mut y = x.clone();
                y[i] = -7.5;
                assert_eq!(max_abs(&y), 7.5, "n = {n}, at {i}");
                y[i] = f64::NAN;
                assert_eq!(max_abs(&y), plain_max_abs(&y), "n = {n}, NaN at {i}");
                y[i] = f64::NEG_INFINITY;
                assert_eq!(max_abs(&y), f64::INFINITY, "n = {n}, -∞ at {i}");
            }
        }
    }

    fn divide_and_measure_at<L: Lanes>() {
        for n in 0..13 {
            let x: Vec<f64> = wave(n, 1.3).iter().map(|v| 5.0 * v).collect();
            let mut y = x.clone();
            let (sum, max) = divide_and_measure::<L>(&mut y, 1.7);
            // Each entry divided exactly as a scalar division would.
            assert!(y.iter().zip(&x).all(|(q, v)| *q == v / 1.7), "n = {n}");
            let plain: f64 = y.iter().map(|v| v * v).sum();
            assert!((sum - plain).abs() <= 1e-14 * plain.max(1.0), "n = {n}");
            assert_eq!(max, plain_max_abs(&y), "n = {n}");
        }
    }

    #[test]
    fn divide_and_measure_divides_exactly_and_measures_the_quotients() {
        divide_and_measure_at::<Pair>();
        divide_and_measure_at::<Quad>();
    }
}
