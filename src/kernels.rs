//! The level-1 and level-2 loops of the bidiagonalisation, on contiguous column slices.
//!
//! Written against [`crate::lanes::V`] (f64x2 in WASM) with independent accumulators: a single
//! running sum cannot be vectorised (floating-point addition is not reassociated), which is
//! what made an earlier hand-written SVD 40 % slower than nalgebra's in WASM. The four-column
//! kernels load the shared vector once for four columns, which cuts the loads and stores per
//! flop of the bidiagonalisation by about a third.

use crate::lanes::V;

/// Σ aᵢ·bᵢ over the common length.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (mut s0, mut s1) = (V::zero(), V::zero());
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        s0 = s0.mul_add(V::load(x), V::load(y));
        s1 = s1.mul_add(V::load(&x[2..]), V::load(&y[2..]));
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
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let al = V::splat(alpha);
    let mut cy = y.chunks_exact_mut(2);
    let mut cx = x.chunks_exact(2);
    for (yy, xx) in (&mut cy).zip(&mut cx) {
        V::load(yy).mul_add(al, V::load(xx)).store(yy);
    }
    for (yy, xx) in cy.into_remainder().iter_mut().zip(cx.remainder()) {
        *yy += alpha * xx;
    }
}

/// max |xᵢ| (0 for an empty slice), with comparisons: `f64::max` is a libm call in WASM.
#[inline]
pub fn max_abs(x: &[f64]) -> f64 {
    let mut m = 0.0;
    for v in x {
        let a = v.abs();
        if a > m {
            m = a;
        }
    }
    m
}

/// Σ xᵢ², the squared Euclidean norm.
#[inline]
pub fn sum_squares(x: &[f64]) -> f64 {
    dot(x, x)
}

/// For four columns cⱼ of equal length L: cⱼ ← cⱼ + aⱼ·y, then returns sⱼ = v·cⱼ (of the
/// updated column). `y` and `v` have length ≥ L.
#[inline]
pub fn axpy_dot4(a: [f64; 4], y: &[f64], v: &[f64], c: [&mut [f64]; 4]) -> [f64; 4] {
    let [c0, c1, c2, c3] = c;
    let n = c0.len();
    let (y, v) = (&y[..n], &v[..n]);
    let (c1, c2, c3) = (&mut c1[..n], &mut c2[..n], &mut c3[..n]);
    let al = a.map(V::splat);
    let mut s = [V::zero(); 4];
    let rows = y
        .chunks_exact(2)
        .zip(v.chunks_exact(2))
        .zip(c0.chunks_exact_mut(2))
        .zip(c1.chunks_exact_mut(2))
        .zip(c2.chunks_exact_mut(2))
        .zip(c3.chunks_exact_mut(2));
    for (((((yy, vv), x0), x1), x2), x3) in rows {
        let (yy, vv) = (V::load(yy), V::load(vv));
        let x = V::load(x0).mul_add(al[0], yy);
        x.store(x0);
        s[0] = s[0].mul_add(x, vv);
        let x = V::load(x1).mul_add(al[1], yy);
        x.store(x1);
        s[1] = s[1].mul_add(x, vv);
        let x = V::load(x2).mul_add(al[2], yy);
        x.store(x2);
        s[2] = s[2].mul_add(x, vv);
        let x = V::load(x3).mul_add(al[3], yy);
        x.store(x3);
        s[3] = s[3].mul_add(x, vv);
    }
    let mut out = s.map(V::sum);
    if n % 2 == 1 {
        let i = n - 1;
        for (j, col) in [&mut *c0, &mut *c1, &mut *c2, &mut *c3]
            .into_iter()
            .enumerate()
        {
            col[i] += a[j] * y[i];
            out[j] += v[i] * col[i];
        }
    }
    out
}

/// cⱼ ← cⱼ + aⱼ·x for four columns of equal length L (x has length ≥ L).
#[inline]
pub fn axpy4(a: [f64; 4], x: &[f64], c: [&mut [f64]; 4]) {
    let [c0, c1, c2, c3] = c;
    let n = c0.len();
    let x = &x[..n];
    let (c1, c2, c3) = (&mut c1[..n], &mut c2[..n], &mut c3[..n]);
    let al = a.map(V::splat);
    let rows = x
        .chunks_exact(2)
        .zip(c0.chunks_exact_mut(2))
        .zip(c1.chunks_exact_mut(2))
        .zip(c2.chunks_exact_mut(2))
        .zip(c3.chunks_exact_mut(2));
    for ((((xx, x0), x1), x2), x3) in rows {
        let xx = V::load(xx);
        V::load(x0).mul_add(al[0], xx).store(x0);
        V::load(x1).mul_add(al[1], xx).store(x1);
        V::load(x2).mul_add(al[2], xx).store(x2);
        V::load(x3).mul_add(al[3], xx).store(x3);
    }
    if n % 2 == 1 {
        let i = n - 1;
        for (j, col) in [&mut *c0, &mut *c1, &mut *c2, &mut *c3]
            .into_iter()
            .enumerate()
        {
            col[i] += a[j] * x[i];
        }
    }
}

/// y ← y + Σⱼ aⱼ·cⱼ for four columns of equal length L (y has length ≥ L).
#[inline]
pub fn gemv4(a: [f64; 4], c: [&[f64]; 4], y: &mut [f64]) {
    let [c0, c1, c2, c3] = c;
    let n = c0.len();
    let y = &mut y[..n];
    let (c1, c2, c3) = (&c1[..n], &c2[..n], &c3[..n]);
    let al = a.map(V::splat);
    let rows = y
        .chunks_exact_mut(2)
        .zip(c0.chunks_exact(2))
        .zip(c1.chunks_exact(2))
        .zip(c2.chunks_exact(2))
        .zip(c3.chunks_exact(2));
    for ((((yy, x0), x1), x2), x3) in rows {
        V::load(yy)
            .mul_add(al[0], V::load(x0))
            .mul_add(al[1], V::load(x1))
            .mul_add(al[2], V::load(x2))
            .mul_add(al[3], V::load(x3))
            .store(yy);
    }
    if n % 2 == 1 {
        let i = n - 1;
        y[i] += a[0] * c0[i] + a[1] * c1[i] + a[2] * c2[i] + a[3] * c3[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(n: usize, f: f64) -> Vec<f64> {
        (0..n).map(|i| (i as f64 * f).sin()).collect()
    }

    #[test]
    fn dot_and_axpy_match_the_plain_loops_at_every_length() {
        for n in 0..13 {
            let (a, b) = (wave(n, 0.7), wave(n, 1.3));
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-14, "n = {n}");
            let mut y = b.clone();
            axpy(0.5, &a, &mut y);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn four_column_kernels_match_one_column_at_a_time() {
        for n in [0, 1, 2, 5, 8, 11] {
            let (y, v) = (wave(n, 0.3), wave(n, 0.9));
            let cols: Vec<Vec<f64>> = (0..4).map(|j| wave(n, 1.1 + j as f64)).collect();
            let a = [0.5, -1.0, 2.0, 0.25];

            let mut c = cols.clone();
            let [c0, c1, c2, c3] = &mut c[..] else {
                unreachable!()
            };
            let s = axpy_dot4(a, &y, &v, [c0, c1, c2, c3]);
            for j in 0..4 {
                let mut expect = cols[j].clone();
                axpy(a[j], &y, &mut expect);
                assert!(c[j].iter().zip(&expect).all(|(p, q)| (p - q).abs() < 1e-14));
                assert!(
                    (s[j] - dot(&v, &expect)).abs() < 1e-13,
                    "n = {n}, column {j}"
                );
            }

            let mut c = cols.clone();
            let [c0, c1, c2, c3] = &mut c[..] else {
                unreachable!()
            };
            axpy4(a, &v, [c0, c1, c2, c3]);
            for j in 0..4 {
                let mut expect = cols[j].clone();
                axpy(a[j], &v, &mut expect);
                assert!(c[j].iter().zip(&expect).all(|(p, q)| (p - q).abs() < 1e-14));
            }

            let mut out = y.clone();
            gemv4(a, [&cols[0], &cols[1], &cols[2], &cols[3]], &mut out);
            for i in 0..n {
                let expect = y[i] + (0..4).map(|j| a[j] * cols[j][i]).sum::<f64>();
                assert!((out[i] - expect).abs() < 1e-14);
            }
        }
    }
}
