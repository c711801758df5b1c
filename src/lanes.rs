//! Two f64 lanes: WASM's f64x2 (simd128), or a plain pair natively, where LLVM vectorises it
//! to SSE2/AVX by itself. The hot loops ([`crate::kernels`], [`crate::gemm`]) are written once
//! against this type, so the same code is tested natively and run as SIMD in the browser.

pub use imp::V;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct V(v128);

    impl V {
        #[inline(always)]
        pub fn zero() -> V {
            V(f64x2_splat(0.0))
        }
        #[inline(always)]
        pub fn splat(x: f64) -> V {
            V(f64x2_splat(x))
        }
        /// The first two values of `s`.
        #[inline(always)]
        pub fn load(s: &[f64]) -> V {
            assert!(s.len() >= 2);
            // SAFETY: two f64 are in bounds (checked above); wasm loads need no alignment.
            V(unsafe { v128_load(s.as_ptr() as *const v128) })
        }
        /// Writes the two lanes to the first two values of `s`.
        #[inline(always)]
        pub fn store(self, s: &mut [f64]) {
            assert!(s.len() >= 2);
            // SAFETY: as in `load`.
            unsafe { v128_store(s.as_mut_ptr() as *mut v128, self.0) }
        }
        /// self + a·b (two roundings: wasm SIMD has no fused multiply-add).
        #[inline(always)]
        pub fn mul_add(self, a: V, b: V) -> V {
            V(f64x2_add(self.0, f64x2_mul(a.0, b.0)))
        }
        #[inline(always)]
        pub fn plus(self, o: V) -> V {
            V(f64x2_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn sum(self) -> f64 {
            f64x2_extract_lane::<0>(self.0) + f64x2_extract_lane::<1>(self.0)
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct V([f64; 2]);

    impl V {
        #[inline(always)]
        pub fn zero() -> V {
            V([0.0; 2])
        }
        #[inline(always)]
        pub fn splat(x: f64) -> V {
            V([x; 2])
        }
        #[inline(always)]
        pub fn load(s: &[f64]) -> V {
            V([s[0], s[1]])
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f64]) {
            s[0] = self.0[0];
            s[1] = self.0[1];
        }
        #[inline(always)]
        pub fn mul_add(self, a: V, b: V) -> V {
            V([self.0[0] + a.0[0] * b.0[0], self.0[1] + a.0[1] * b.0[1]])
        }
        #[inline(always)]
        pub fn plus(self, o: V) -> V {
            V([self.0[0] + o.0[0], self.0[1] + o.0[1]])
        }
        #[inline(always)]
        pub fn sum(self) -> f64 {
            self.0[0] + self.0[1]
        }
    }
}
