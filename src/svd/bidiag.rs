//! Householder bidiagonalisation A = Q·B·Pᵀ of a tall (m ≥ n) column-major matrix, keeping
//! only B's diagonal and superdiagonal (Golub & Van Loan, Alg. 5.4.2; LAPACK dgebd2 without
//! accumulating Q or P).
//!
//! Each step makes one pass over the trailing columns that applies the previous step's two
//! updates and takes this step's left-reflector dot products, then a second pass for y = A·u
//! (the right reflector's product); see [`bidiagonalise_with`]. All loops run down contiguous
//! columns ([`crate::kernels`]).

use crate::kernels::{axpy, axpy2_dot4, dot, gemv, sum_squares};
use crate::lanes::Lanes;

/// A Householder reflector I − τ·v·vᵀ with v₀ = 1 that maps x to β·e₁ (LAPACK dlarfg).
struct Reflector {
    tau: f64,
    beta: f64,
    /// Factor that turns x's tail into v's tail (v = [1; scale·x₁..]).
    scale: f64,
}

/// B's two diagonals, and the left reflectors' τ: the reflectors' vectors are left in the matrix
/// (column k, rows k..m, with v₀ = 1 written over the diagonal), so A = Q·B·Pᵀ with
/// Q = H₀·H₁⋯H_{n−1}, Hₖ = I − τₖ·vₖ·vₖᵀ, can be applied afterwards ([`crate::svd::vectors`]).
pub struct Bidiagonal {
    pub d: Vec<f64>,
    pub e: Vec<f64>,
    pub tau_left: Vec<f64>,
}

/// The reflector for x = [alpha; tail] with ‖tail‖² = `tail_sq`. A zero tail needs none.
#[inline(always)]
fn reflector(alpha: f64, tail_sq: f64) -> Reflector {
    if tail_sq == 0.0 {
        return Reflector {
            tau: 0.0,
            beta: alpha,
            scale: 0.0,
        };
    }
    let norm = (alpha * alpha + tail_sq).sqrt();
    let beta = if alpha >= 0.0 { -norm } else { norm };
    Reflector {
        tau: (beta - alpha) / beta,
        beta,
        scale: 1.0 / (alpha - beta),
    }
}

/// Reduces `a` (m×n column-major, m ≥ n ≥ 1, overwritten by the left reflectors) to upper
/// bidiagonal form: diagonal of length n, superdiagonal of length n − 1 (see [`Bidiagonal`]).
///
/// Natively on x86-64 with AVX2 (detected at run time) the loops run four lanes wide, with
/// fused multiply-adds where the CPU has FMA and 32 registers where it has AVX-512VL; WASM runs them as f64x2 (fused in the relaxed-SIMD
/// build where the CPU has FMA). Results differ
/// between these paths in the last bits only (rounding of the fused operations and the
/// grouping of partial sums).
pub fn bidiagonalise(a: &mut [f64], m: usize, n: usize) -> Bidiagonal {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("fma")
        {
            // SAFETY: AVX-512F, AVX-512VL and FMA were detected on this CPU just above.
            return unsafe { bidiagonalise_avx512vl(a, m, n) };
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: AVX2 and FMA were detected on this CPU just above.
            return unsafe { bidiagonalise_avx2_fma(a, m, n) };
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected on this CPU just above.
            return unsafe { bidiagonalise_avx2(a, m, n) };
        }
    }
    bidiagonalise_with::<crate::lanes::V>(a, m, n)
}

/// [`bidiagonalise_with`] compiled for AVX2: the inlined kernels vectorise four lanes wide.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn bidiagonalise_avx2(a: &mut [f64], m: usize, n: usize) -> Bidiagonal {
    bidiagonalise_with::<crate::lanes::Quad>(a, m, n)
}

/// [`bidiagonalise_with`] at four lanes with FMA, compiled where AVX-512VL exists: still 256-bit
/// vectors, but 32 vector registers instead of 16, so the one-pass kernel's eight coefficients,
/// four sums and three shared vectors no longer spill (3–12 % faster at 256 × 256, same at
/// 128). Eight 512-bit lanes were slower here (see BENCHMARKS.md).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
unsafe fn bidiagonalise_avx512vl(a: &mut [f64], m: usize, n: usize) -> Bidiagonal {
    bidiagonalise_with::<crate::lanes::QuadFma>(a, m, n)
}

/// [`bidiagonalise_with`] compiled for AVX2 with fused multiply-adds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn bidiagonalise_avx2_fma(a: &mut [f64], m: usize, n: usize) -> Bidiagonal {
    bidiagonalise_with::<crate::lanes::QuadFma>(a, m, n)
}

/// The bidiagonalisation with the kernels at lane type `L`.
///
/// Both updates of a step are applied lazily, in the next step's single pass over each trailing
/// column (`axpy2_dot4`): the stored trailing columns C lack the last left update, so the true
/// matrix is C − τ_l·v·sᵀ (s the reflector's dot products, v its vector below the diagonal) and
/// then the right update −τ_r·y·uᵀ. The row that defines the right reflector needs only its
/// entries C[k, j] − τ_l·s_j, and y = (C − τ_l·v·sᵀ)·u = C·u − τ_l·(s·u)·v. Each trailing entry
/// is then loaded twice and stored once per step (the eager form: three loads, two stores).
#[inline(always)]
pub fn bidiagonalise_with<L: Lanes>(a: &mut [f64], m: usize, n: usize) -> Bidiagonal {
    debug_assert!(m >= n && n >= 1 && a.len() == m * n);
    let mut diag = vec![0.0; n];
    let mut sup = vec![0.0; n.saturating_sub(1)];
    let mut tau_left = vec![0.0; n];
    // The previous step's pending updates of columns k..n (index 0 ↔ column k): the right one
    // −τ_r·u_j·y over rows k..m, the left one −τ_l·s_j·(previous column's v below row k−1).
    let mut u = vec![0.0; n];
    let mut next_u = vec![0.0; n];
    let mut s = vec![0.0; n];
    let mut next_s = vec![0.0; n];
    let mut y = vec![0.0; m];
    let (mut tau_r, mut tau_l) = (0.0, 0.0);
    for k in 0..n {
        let (done, trailing) = a.split_at_mut((k + 1) * m);
        let (before, col) = done.split_at_mut(k * m);
        let col = &mut col[k..];
        // The previous left reflector's vector over rows k..m (unused while τ_l = 0).
        let w: &[f64] = if k > 0 {
            &before[(k - 1) * m + k..k * m]
        } else {
            &y[..m]
        };
        let y_rows = &y[..m - k];
        if tau_l != 0.0 {
            axpy::<L>(-tau_l * s[0], w, col);
        }
        if tau_r != 0.0 {
            axpy::<L>(-tau_r * u[0], y_rows, col);
        }
        // Left reflector from column k, rows k..m; v is stored in place of the column.
        let left = reflector(col[0], sum_squares::<L>(&col[1..]));
        diag[k] = left.beta;
        tau_left[k] = left.tau;
        col[1..].iter_mut().for_each(|x| *x *= left.scale);
        col[0] = 1.0;
        let v: &[f64] = col;
        // Trailing columns, four at a time: the pending updates, then this reflector's dots.
        let pending_left = |j: usize| -tau_l * s[j + 1];
        let pending_right = |j: usize| -tau_r * u[j + 1];
        let mut groups = trailing.chunks_exact_mut(4 * m);
        let mut j = 0;
        for group in &mut groups {
            let (c0, rest) = group.split_at_mut(m);
            let (c1, rest) = rest.split_at_mut(m);
            let (c2, c3) = rest.split_at_mut(m);
            let [c0, c1, c2, c3] = [&mut c0[k..], &mut c1[k..], &mut c2[k..], &mut c3[k..]];
            let a = [0, 1, 2, 3].map(|i| pending_left(j + i));
            let b = [0, 1, 2, 3].map(|i| pending_right(j + i));
            let dots =
                axpy2_dot4::<L>(a, w, b, y_rows, v, [&mut *c0, &mut *c1, &mut *c2, &mut *c3]);
            next_s[j..j + 4].copy_from_slice(&dots);
            let firsts = [c0[0], c1[0], c2[0], c3[0]];
            for i in 0..4 {
                next_u[j + i] = firsts[i] - left.tau * dots[i];
            }
            j += 4;
        }
        for c in groups.into_remainder().chunks_exact_mut(m) {
            let c = &mut c[k..];
            axpy::<L>(pending_left(j), w, c);
            axpy::<L>(pending_right(j), y_rows, c);
            let dot_v = dot::<L>(v, c);
            next_s[j] = dot_v;
            next_u[j] = c[0] - left.tau * dot_v;
            j += 1;
        }
        tau_l = left.tau;
        std::mem::swap(&mut s, &mut next_s);
        if k + 1 >= n {
            break;
        }
        // Right reflector from row k (after the left update), columns k+1..n.
        let width = n - k - 1;
        let un = &mut next_u[..width];
        let right = reflector(un[0], sum_squares::<L>(&un[1..]));
        sup[k] = right.beta;
        tau_r = right.tau;
        if right.tau != 0.0 {
            un[1..].iter_mut().for_each(|x| *x *= right.scale);
            un[0] = 1.0;
            // y = A[k+1.., k+1..]·u with A = C − τ_l·v·sᵀ, applied at the next step.
            let y = &mut y[..m - k - 1];
            y.fill(0.0);
            // Eight columns at a time, then four, then one by one (the same chain of
            // multiply-adds into each yᵢ in column order, whatever the grouping).
            let mut eights = trailing.chunks_exact(8 * m);
            let mut uj = un.chunks_exact(8);
            for (group, a) in (&mut eights).zip(&mut uj) {
                let col = |i: usize| &group[i * m + k + 1..(i + 1) * m];
                let a: [f64; 8] = std::array::from_fn(|i| a[i]);
                gemv::<L, 8>(a, std::array::from_fn(col), y);
            }
            let mut fours = eights.remainder().chunks_exact(4 * m);
            let mut uj = uj.remainder().chunks_exact(4);
            for (group, a) in (&mut fours).zip(&mut uj) {
                let col = |i: usize| &group[i * m + k + 1..(i + 1) * m];
                gemv::<L, 4>([a[0], a[1], a[2], a[3]], std::array::from_fn(col), y);
            }
            for (c, &a) in fours.remainder().chunks_exact(m).zip(uj.remainder()) {
                axpy::<L>(a, &c[k + 1..], y);
            }
            let s_dot_u = dot::<L>(&s[..width], un);
            axpy::<L>(-tau_l * s_dot_u, &v[1..], y);
            std::mem::swap(&mut u, &mut next_u);
        }
    }
    Bidiagonal {
        d: diag,
        e: sup,
        tau_left,
    }
}
