//! `Lanes` on x86-64: AVX2 + FMA (`F64x4`) and AVX-512F (`F64x8`, when the compiler has
//! stable AVX-512 intrinsics, cfg `jcpba_avx512` from build.rs).
//!
//! Why `unsafe` is allowed here, and only here: the `std::arch` intrinsics are `unsafe`
//! because executing them on a CPU without the instruction set is undefined behaviour.
//! This module keeps that from happening by construction:
//! - `F64x4` and `F64x8` are private to this module, and every value of them is created
//!   by a `Lanes` method called from generic kernel code that only `run_avx2` /
//!   `run_avx512` instantiate with these types;
//! - `run` calls those two only after `is_x86_feature_detected!` confirmed the features
//!   (AVX2 and FMA for `F64x4`; AVX-512F for `F64x8`).
//!
//! Loads and stores go through slices (bounds-checked) before the raw pointer is taken.
//! Everything else in the crate stays `#![deny(unsafe_code)]`.

use super::{Kernel, Lanes, Level, Mask, Pair};
use std::arch::x86_64::*;
use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use super::{FREXP_BASE, FREXP_OFFSET, MANTISSA, POW2_MAGIC};

/// 2^52 + 1023: the f64 whose low mantissa bits hold e + 1023, minus this, is e.
const EXP_BIAS_MAGIC: f64 = POW2_MAGIC;
const TWO52_BITS: i64 = 0x4330_0000_0000_0000;

pub(super) fn available(level: Level) -> bool {
    match level {
        Level::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
        Level::Avx512 => avx512_available(),
        _ => false,
    }
}

#[cfg(jcpba_avx512)]
fn avx512_available() -> bool {
    is_x86_feature_detected!("avx512f")
}

#[cfg(not(jcpba_avx512))]
fn avx512_available() -> bool {
    false
}

/// Runs `kernel` on the widest available lanes not above `level`.
pub(super) fn run<K: Kernel>(level: Level, kernel: K) -> K::Output {
    #[cfg(jcpba_avx512)]
    {
        if level == Level::Avx512 && available(Level::Avx512) {
            // SAFETY: AVX-512F was detected on this CPU just above.
            return unsafe { run_avx512(kernel) };
        }
    }
    if level >= Level::Avx2 && available(Level::Avx2) {
        // SAFETY: AVX2 and FMA were detected on this CPU just above.
        return unsafe { run_avx2(kernel) };
    }
    kernel.run::<f64>()
}

#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<K: Kernel>(kernel: K) -> K::Output {
    match K::CHAINS {
        1 => kernel.run::<F64x4>(),
        2 => kernel.run::<Pair<F64x4>>(),
        _ => kernel.run::<Pair<Pair<F64x4>>>(),
    }
}

#[cfg(jcpba_avx512)]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512<K: Kernel>(kernel: K) -> K::Output {
    match K::CHAINS {
        1 => kernel.run::<F64x8>(),
        2 => kernel.run::<Pair<F64x8>>(),
        _ => kernel.run::<Pair<Pair<F64x8>>>(),
    }
}

/// Four f64 lanes in an AVX register; exists only where AVX2 and FMA run (module docs).
#[derive(Clone, Copy)]
struct F64x4(__m256d);

/// An AVX2 lane mask: all-ones or all-zeros per lane.
#[derive(Clone, Copy)]
struct M4(__m256d);

// SAFETY (every `unsafe` block of F64x4 and M4): the intrinsics need AVX, AVX2 or FMA,
// which the CPU has whenever a value of these types exists (module docs).
macro_rules! avx {
    ($e:expr) => {
        unsafe { $e }
    };
}

impl BitAnd for M4 {
    type Output = M4;
    #[inline(always)]
    fn bitand(self, o: M4) -> M4 {
        M4(avx!(_mm256_and_pd(self.0, o.0)))
    }
}

impl BitOr for M4 {
    type Output = M4;
    #[inline(always)]
    fn bitor(self, o: M4) -> M4 {
        M4(avx!(_mm256_or_pd(self.0, o.0)))
    }
}

impl Not for M4 {
    type Output = M4;
    #[inline(always)]
    fn not(self) -> M4 {
        M4(avx!(_mm256_xor_pd(
            self.0,
            _mm256_castsi256_pd(_mm256_set1_epi64x(-1))
        )))
    }
}

impl Mask for M4 {
    #[inline(always)]
    fn any(self) -> bool {
        avx!(_mm256_movemask_pd(self.0)) != 0
    }
    #[inline(always)]
    fn all(self) -> bool {
        avx!(_mm256_movemask_pd(self.0)) == 0xf
    }
}

macro_rules! binop {
    ($t:ident, $trait:ident, $method:ident, $intr:ident) => {
        impl $trait for $t {
            type Output = $t;
            #[inline(always)]
            fn $method(self, o: $t) -> $t {
                $t(avx!($intr(self.0, o.0)))
            }
        }
    };
}

binop!(F64x4, Add, add, _mm256_add_pd);
binop!(F64x4, Sub, sub, _mm256_sub_pd);
binop!(F64x4, Mul, mul, _mm256_mul_pd);
binop!(F64x4, Div, div, _mm256_div_pd);

impl Neg for F64x4 {
    type Output = F64x4;
    #[inline(always)]
    fn neg(self) -> F64x4 {
        F64x4(avx!(_mm256_xor_pd(self.0, _mm256_set1_pd(-0.0))))
    }
}

impl Lanes for F64x4 {
    const N: usize = 4;
    type M = M4;

    #[inline(always)]
    fn splat(x: f64) -> F64x4 {
        F64x4(avx!(_mm256_set1_pd(x)))
    }
    #[inline(always)]
    fn load(s: &[f64]) -> F64x4 {
        let s = &s[..4];
        F64x4(avx!(_mm256_loadu_pd(s.as_ptr())))
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        let s = &mut s[..4];
        avx!(_mm256_storeu_pd(s.as_mut_ptr(), self.0))
    }
    #[inline(always)]
    fn mul_add(self, b: F64x4, c: F64x4) -> F64x4 {
        F64x4(avx!(_mm256_fmadd_pd(self.0, b.0, c.0)))
    }
    #[inline(always)]
    fn lt(self, o: F64x4) -> M4 {
        M4(avx!(_mm256_cmp_pd(self.0, o.0, _CMP_LT_OQ)))
    }
    #[inline(always)]
    fn le(self, o: F64x4) -> M4 {
        M4(avx!(_mm256_cmp_pd(self.0, o.0, _CMP_LE_OQ)))
    }
    #[inline(always)]
    fn gt(self, o: F64x4) -> M4 {
        M4(avx!(_mm256_cmp_pd(self.0, o.0, _CMP_GT_OQ)))
    }
    #[inline(always)]
    fn ge(self, o: F64x4) -> M4 {
        M4(avx!(_mm256_cmp_pd(self.0, o.0, _CMP_GE_OQ)))
    }
    #[inline(always)]
    fn eq(self, o: F64x4) -> M4 {
        M4(avx!(_mm256_cmp_pd(self.0, o.0, _CMP_EQ_OQ)))
    }
    #[inline(always)]
    fn select(m: M4, a: F64x4, b: F64x4) -> F64x4 {
        F64x4(avx!(_mm256_blendv_pd(b.0, a.0, m.0)))
    }
    #[inline(always)]
    fn round(self) -> F64x4 {
        F64x4(avx!(_mm256_round_pd(
            self.0,
            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC
        )))
    }
    #[inline(always)]
    fn abs(self) -> F64x4 {
        F64x4(avx!(_mm256_andnot_pd(_mm256_set1_pd(-0.0), self.0)))
    }
    #[inline(always)]
    fn frexp(self) -> (F64x4, F64x4) {
        avx!({
            let bits = _mm256_add_epi64(
                _mm256_castpd_si256(self.0),
                _mm256_set1_epi64x(FREXP_OFFSET as i64),
            );
            let m = _mm256_add_epi64(
                _mm256_and_si256(bits, _mm256_set1_epi64x(MANTISSA as i64)),
                _mm256_set1_epi64x(FREXP_BASE as i64),
            );
            // The biased exponent e + 1023 into the low bits of 2^52, then unbiased.
            let e = _mm256_or_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(TWO52_BITS));
            (
                F64x4(_mm256_castsi256_pd(m)),
                F64x4(_mm256_sub_pd(
                    _mm256_castsi256_pd(e),
                    _mm256_set1_pd(EXP_BIAS_MAGIC),
                )),
            )
        })
    }
    #[inline(always)]
    fn pow2(self) -> F64x4 {
        avx!({
            let b = _mm256_castpd_si256(_mm256_add_pd(self.0, _mm256_set1_pd(POW2_MAGIC)));
            F64x4(_mm256_castsi256_pd(_mm256_slli_epi64(b, 52)))
        })
    }
    #[inline(always)]
    fn sum(self) -> f64 {
        let mut a = [0.0; 4];
        self.store(&mut a);
        ((a[0] + a[1]) + a[2]) + a[3]
    }
}

#[cfg(jcpba_avx512)]
pub(super) use avx512::F64x8;

// Compiled only by Rust 1.89 and later (build.rs), whatever rust-version says.
#[cfg(jcpba_avx512)]
#[allow(clippy::incompatible_msrv)]
mod avx512 {
    use super::super::{Lanes, Mask};
    use super::{EXP_BIAS_MAGIC, FREXP_BASE, FREXP_OFFSET, MANTISSA, POW2_MAGIC, TWO52_BITS};
    use std::arch::x86_64::*;
    use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

    /// Eight f64 lanes in an AVX-512 register; exists only where AVX-512F runs.
    #[derive(Clone, Copy)]
    pub struct F64x8(__m512d);

    /// An AVX-512 lane mask, one bit per lane.
    #[derive(Clone, Copy)]
    pub struct M8(__mmask8);

    // SAFETY (every `unsafe` block of F64x8): the intrinsics need AVX-512F, which the CPU
    // has whenever a value of F64x8 exists (module docs of x86.rs).
    macro_rules! avx512 {
        ($e:expr) => {
            unsafe { $e }
        };
    }

    impl BitAnd for M8 {
        type Output = M8;
        #[inline(always)]
        fn bitand(self, o: M8) -> M8 {
            M8(self.0 & o.0)
        }
    }

    impl BitOr for M8 {
        type Output = M8;
        #[inline(always)]
        fn bitor(self, o: M8) -> M8 {
            M8(self.0 | o.0)
        }
    }

    impl Not for M8 {
        type Output = M8;
        #[inline(always)]
        fn not(self) -> M8 {
            M8(!self.0)
        }
    }

    impl Mask for M8 {
        #[inline(always)]
        fn any(self) -> bool {
            self.0 != 0
        }
        #[inline(always)]
        fn all(self) -> bool {
            self.0 == 0xff
        }
    }

    macro_rules! binop {
        ($trait:ident, $method:ident, $intr:ident) => {
            impl $trait for F64x8 {
                type Output = F64x8;
                #[inline(always)]
                fn $method(self, o: F64x8) -> F64x8 {
                    F64x8(avx512!($intr(self.0, o.0)))
                }
            }
        };
    }

    binop!(Add, add, _mm512_add_pd);
    binop!(Sub, sub, _mm512_sub_pd);
    binop!(Mul, mul, _mm512_mul_pd);
    binop!(Div, div, _mm512_div_pd);

    impl Neg for F64x8 {
        type Output = F64x8;
        #[inline(always)]
        fn neg(self) -> F64x8 {
            F64x8(avx512!(_mm512_castsi512_pd(_mm512_xor_si512(
                _mm512_castpd_si512(self.0),
                _mm512_set1_epi64(i64::MIN)
            ))))
        }
    }

    impl Lanes for F64x8 {
        const N: usize = 8;
        type M = M8;

        #[inline(always)]
        fn splat(x: f64) -> F64x8 {
            F64x8(avx512!(_mm512_set1_pd(x)))
        }
        #[inline(always)]
        fn load(s: &[f64]) -> F64x8 {
            let s = &s[..8];
            F64x8(avx512!(_mm512_loadu_pd(s.as_ptr())))
        }
        #[inline(always)]
        fn store(self, s: &mut [f64]) {
            let s = &mut s[..8];
            avx512!(_mm512_storeu_pd(s.as_mut_ptr(), self.0))
        }
        #[inline(always)]
        fn mul_add(self, b: F64x8, c: F64x8) -> F64x8 {
            F64x8(avx512!(_mm512_fmadd_pd(self.0, b.0, c.0)))
        }
        #[inline(always)]
        fn lt(self, o: F64x8) -> M8 {
            M8(avx512!(_mm512_cmp_pd_mask(self.0, o.0, _CMP_LT_OQ)))
        }
        #[inline(always)]
        fn le(self, o: F64x8) -> M8 {
            M8(avx512!(_mm512_cmp_pd_mask(self.0, o.0, _CMP_LE_OQ)))
        }
        #[inline(always)]
        fn gt(self, o: F64x8) -> M8 {
            M8(avx512!(_mm512_cmp_pd_mask(self.0, o.0, _CMP_GT_OQ)))
        }
        #[inline(always)]
        fn ge(self, o: F64x8) -> M8 {
            M8(avx512!(_mm512_cmp_pd_mask(self.0, o.0, _CMP_GE_OQ)))
        }
        #[inline(always)]
        fn eq(self, o: F64x8) -> M8 {
            M8(avx512!(_mm512_cmp_pd_mask(self.0, o.0, _CMP_EQ_OQ)))
        }
        #[inline(always)]
        fn select(m: M8, a: F64x8, b: F64x8) -> F64x8 {
            F64x8(avx512!(_mm512_mask_blend_pd(m.0, b.0, a.0)))
        }
        #[inline(always)]
        fn round(self) -> F64x8 {
            F64x8(avx512!(_mm512_roundscale_pd(
                self.0,
                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC
            )))
        }
        #[inline(always)]
        fn abs(self) -> F64x8 {
            F64x8(avx512!(_mm512_abs_pd(self.0)))
        }
        #[inline(always)]
        fn frexp(self) -> (F64x8, F64x8) {
            avx512!({
                let bits = _mm512_add_epi64(
                    _mm512_castpd_si512(self.0),
                    _mm512_set1_epi64(FREXP_OFFSET as i64),
                );
                let m = _mm512_add_epi64(
                    _mm512_and_si512(bits, _mm512_set1_epi64(MANTISSA as i64)),
                    _mm512_set1_epi64(FREXP_BASE as i64),
                );
                let e = _mm512_or_si512(_mm512_srli_epi64(bits, 52), _mm512_set1_epi64(TWO52_BITS));
                (
                    F64x8(_mm512_castsi512_pd(m)),
                    F64x8(_mm512_sub_pd(
                        _mm512_castsi512_pd(e),
                        _mm512_set1_pd(EXP_BIAS_MAGIC),
                    )),
                )
            })
        }
        #[inline(always)]
        fn pow2(self) -> F64x8 {
            avx512!({
                let b = _mm512_castpd_si512(_mm512_add_pd(self.0, _mm512_set1_pd(POW2_MAGIC)));
                F64x8(_mm512_castsi512_pd(_mm512_slli_epi64(b, 52)))
            })
        }
        #[inline(always)]
        fn sum(self) -> f64 {
            let mut a = [0.0; 8];
            self.store(&mut a);
            let mut s = a[0];
            for x in a.iter().skip(1) {
                s += *x;
            }
            s
        }
    }
}
