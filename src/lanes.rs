//! Short f64 vectors for the hot loops ([`crate::kernels`], [`crate::gemm`]), written once
//! against the [`Lanes`] trait: WASM's f64x2 (simd128) in the browser; natively a pair or a
//! quadruple of plain f64 that LLVM vectorises by itself (to SSE2, or to AVX2 inside functions
//! compiled with that feature, see `svd::bidiag`). So the same code is tested natively and runs
//! as SIMD in the browser.

/// A vector of `N` f64 lanes.
pub trait Lanes: Copy {
    const N: usize;
    fn zero() -> Self;
    fn splat(x: f64) -> Self;
    /// The first `N` values of `s` (which must be at least that long).
    fn load(s: &[f64]) -> Self;
    /// Writes the lanes to the first `N` values of `s`.
    fn store(self, s: &mut [f64]);
    /// self + a·b: two roundings, except where noted (the FMA lanes natively, and WASM built
    /// with relaxed SIMD, where the engine fuses it on CPUs that have FMA).
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn plus(self, o: Self) -> Self;
    /// self / o, lane by lane (correctly rounded, as a scalar division).
    fn div(self, o: Self) -> Self;
    /// |self|, lane by lane.
    fn abs(self) -> Self;
    /// The larger of self and o by `self < o ? o : self` in each lane (WASM's pseudo-maximum, one
    /// instruction; `f64::max` is a libm call there): a NaN in `o` is passed over.
    fn max(self, o: Self) -> Self;
    /// The sum of the lanes.
    fn sum(self) -> f64;
    /// The largest lane, as [`Lanes::max`] compares them.
    fn max_lane(self) -> f64;
}

/// The two-lane vector of this target: f64x2 in WASM, [`Pair`] natively.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub type V = simd::F64x2;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type V = Pair;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use super::Lanes;
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct F64x2(v128);

    impl Lanes for F64x2 {
        const N: usize = 2;
        #[inline(always)]
        fn zero() -> Self {
            F64x2(f64x2_splat(0.0))
        }
        #[inline(always)]
        fn splat(x: f64) -> Self {
            F64x2(f64x2_splat(x))
        }
        #[inline(always)]
        fn load(s: &[f64]) -> Self {
            assert!(s.len() >= 2);
            // SAFETY: two f64 are in bounds (checked above); wasm loads need no alignment.
            F64x2(unsafe { v128_load(s.as_ptr() as *const v128) })
        }
        #[inline(always)]
        fn store(self, s: &mut [f64]) {
            assert!(s.len() >= 2);
            // SAFETY: as in `load`.
            unsafe { v128_store(s.as_mut_ptr() as *mut v128, self.0) }
        }
        /// With relaxed SIMD (the page's second build, see the Makefile) one
        /// `f64x2.relaxed_madd`: a single FMA instruction on x86-64 with FMA and on ARM64,
        /// mul then add elsewhere; about 20 % faster matrix products (14.8 → 17.8 GFLOP/s).
        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            #[cfg(target_feature = "relaxed-simd")]
            {
                F64x2(f64x2_relaxed_madd(a.0, b.0, self.0))
            }
            #[cfg(not(target_feature = "relaxed-simd"))]
            {
                F64x2(f64x2_add(self.0, f64x2_mul(a.0, b.0)))
            }
        }
        #[inline(always)]
        fn plus(self, o: Self) -> Self {
            F64x2(f64x2_add(self.0, o.0))
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            F64x2(f64x2_div(self.0, o.0))
        }
        #[inline(always)]
        fn abs(self) -> Self {
            F64x2(f64x2_abs(self.0))
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            F64x2(f64x2_pmax(self.0, o.0))
        }
        #[inline(always)]
        fn sum(self) -> f64 {
            f64x2_extract_lane::<0>(self.0) + f64x2_extract_lane::<1>(self.0)
        }
        #[inline(always)]
        fn max_lane(self) -> f64 {
            let (a, b) = (
                f64x2_extract_lane::<0>(self.0),
                f64x2_extract_lane::<1>(self.0),
            );
            if a < b {
                b
            } else {
                a
            }
        }
    }
}

/// Plain lanes as an array; `N` = 2 or 4; `$fma` picks `f64::mul_add` (one rounding; only
/// for code compiled with the FMA feature, where it is a single instruction) or mul then add.
macro_rules! array_lanes {
    ($name:ident, $n:literal, $fma:literal) => {
        #[derive(Clone, Copy)]
        pub struct $name([f64; $n]);

        impl Lanes for $name {
            const N: usize = $n;
            #[inline(always)]
            fn zero() -> Self {
                $name([0.0; $n])
            }
            #[inline(always)]
            fn splat(x: f64) -> Self {
                $name([x; $n])
            }
            #[inline(always)]
            fn load(s: &[f64]) -> Self {
                let mut v = [0.0; $n];
                v.copy_from_slice(&s[..$n]);
                $name(v)
            }
            #[inline(always)]
            fn store(self, s: &mut [f64]) {
                s[..$n].copy_from_slice(&self.0);
            }
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                let mut v = self.0;
                for i in 0..$n {
                    v[i] = if $fma {
                        a.0[i].mul_add(b.0[i], v[i])
                    } else {
                        v[i] + a.0[i] * b.0[i]
                    };
                }
                $name(v)
            }
            #[inline(always)]
            fn plus(self, o: Self) -> Self {
                let mut v = self.0;
                for i in 0..$n {
                    v[i] += o.0[i];
                }
                $name(v)
            }
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                let mut v = self.0;
                for i in 0..$n {
                    v[i] /= o.0[i];
                }
                $name(v)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                $name(self.0.map(f64::abs))
            }
            #[inline(always)]
            fn max(self, o: Self) -> Self {
                let mut v = self.0;
                for i in 0..$n {
                    v[i] = if v[i] < o.0[i] { o.0[i] } else { v[i] };
                }
                $name(v)
            }
            #[inline(always)]
            fn sum(self) -> f64 {
                self.0.iter().sum()
            }
            #[inline(always)]
            fn max_lane(self) -> f64 {
                self.0
                    .iter()
                    .fold(self.0[0], |m, &x| if m < x { x } else { m })
            }
        }
    };
}

array_lanes!(Pair, 2, false);
array_lanes!(Quad, 4, false);
array_lanes!(QuadFma, 4, true);
