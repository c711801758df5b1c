//! The level-1 loops every hot path is made of (dot products and axpys on contiguous slices).
//!
//! Written with four independent accumulators over chunks of four so that LLVM vectorises them:
//! to two f64x2 lanes pairs in WASM (simd128) and to SSE2/AVX natively. A single running sum
//! cannot be vectorised (floating-point addition is not reassociated), which is what made an
//! earlier hand-written SVD 40 % slower than nalgebra's in WASM.

/// Σ aᵢ·bᵢ over the common length.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::dot(a, b)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        portable_dot(a, b)
    }
}

/// y ← y + α·x over the common length.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::axpy(alpha, x, y)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        portable_axpy(alpha, x, y)
    }
}

/// [`dot`] in plain Rust, vectorised by LLVM.
#[inline]
pub fn portable_dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

/// [`axpy`] in plain Rust, vectorised by LLVM.
#[inline]
pub fn portable_axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let mut cy = y.chunks_exact_mut(4);
    let mut cx = x.chunks_exact(4);
    for (yy, xx) in (&mut cy).zip(&mut cx) {
        yy[0] += alpha * xx[0];
        yy[1] += alpha * xx[1];
        yy[2] += alpha * xx[2];
        yy[3] += alpha * xx[3];
    }
    for (yy, xx) in cy.into_remainder().iter_mut().zip(cx.remainder()) {
        *yy += alpha * xx;
    }
}

/// Σ xᵢ², the squared Euclidean norm.
#[inline]
pub fn sum_squares(x: &[f64]) -> f64 {
    dot(x, x)
}

/// WASM SIMD versions: two f64x2 accumulators, four values per iteration.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::*;

    #[inline]
    pub fn dot(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len().min(b.len());
        let quads = n / 4;
        let (mut s0, mut s1) = (f64x2_splat(0.0), f64x2_splat(0.0));
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        for i in 0..quads {
            // SAFETY: 4·i + 3 < 4·quads ≤ n ≤ len of both slices; wasm loads need no alignment.
            unsafe {
                let a0 = v128_load(pa.add(4 * i) as *const v128);
                let a1 = v128_load(pa.add(4 * i + 2) as *const v128);
                let b0 = v128_load(pb.add(4 * i) as *const v128);
                let b1 = v128_load(pb.add(4 * i + 2) as *const v128);
                s0 = f64x2_add(s0, f64x2_mul(a0, b0));
                s1 = f64x2_add(s1, f64x2_mul(a1, b1));
            }
        }
        let s = f64x2_add(s0, s1);
        let mut total = f64x2_extract_lane::<0>(s) + f64x2_extract_lane::<1>(s);
        for i in 4 * quads..n {
            total += a[i] * b[i];
        }
        total
    }

    #[inline]
    pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
        let n = x.len().min(y.len());
        let quads = n / 4;
        let al = f64x2_splat(alpha);
        let (px, py) = (x.as_ptr(), y.as_mut_ptr());
        for i in 0..quads {
            // SAFETY: as in `dot`; x and y are distinct borrows, so they cannot overlap.
            unsafe {
                let x0 = v128_load(px.add(4 * i) as *const v128);
                let x1 = v128_load(px.add(4 * i + 2) as *const v128);
                let y0 = v128_load(py.add(4 * i) as *const v128);
                let y1 = v128_load(py.add(4 * i + 2) as *const v128);
                v128_store(py.add(4 * i) as *mut v128, f64x2_add(y0, f64x2_mul(al, x0)));
                v128_store(py.add(4 * i + 2) as *mut v128, f64x2_add(y1, f64x2_mul(al, x1)));
            }
        }
        for i in 4 * quads..n {
            y[i] += alpha * x[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_axpy_match_the_plain_loops_at_every_length() {
        for n in 0..13 {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-14, "n = {n}");
            let mut y = b.clone();
            axpy(0.5, &a, &mut y);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-15);
            }
        }
    }
}
