//! `Lanes` on WASM simd128 (two f64 lanes), compiled in when the module is built with
//! `-C target-feature=+simd128` (scripts/build-wasm.sh builds one module with it and
//! one without). The wasm32 intrinsics used here are safe functions: an engine without
//! SIMD rejects the whole module when it loads, so no instruction can run where it is
//! not supported. simd128 has no fused multiply-add: `mul_add` rounds twice, as the
//! scalar path.

use super::{Lanes, Mask};
use core::arch::wasm32::*;
use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use super::{FREXP_BASE, FREXP_OFFSET, MANTISSA, POW2_MAGIC};

const TWO52_BITS: u64 = 0x4330_0000_0000_0000;

#[derive(Clone, Copy)]
pub struct F64x2(v128);

#[derive(Clone, Copy)]
pub struct M2(v128);

impl BitAnd for M2 {
    type Output = M2;
    #[inline(always)]
    fn bitand(self, o: M2) -> M2 {
        M2(v128_and(self.0, o.0))
    }
}

impl BitOr for M2 {
    type Output = M2;
    #[inline(always)]
    fn bitor(self, o: M2) -> M2 {
        M2(v128_or(self.0, o.0))
    }
}

impl Not for M2 {
    type Output = M2;
    #[inline(always)]
    fn not(self) -> M2 {
        M2(v128_not(self.0))
    }
}

impl Mask for M2 {
    #[inline(always)]
    fn any(self) -> bool {
        v128_any_true(self.0)
    }
    #[inline(always)]
    fn all(self) -> bool {
        i64x2_all_true(self.0)
    }
}

macro_rules! binop {
    ($trait:ident, $method:ident, $intr:ident) => {
        impl $trait for F64x2 {
            type Output = F64x2;
            #[inline(always)]
            fn $method(self, o: F64x2) -> F64x2 {
                F64x2($intr(self.0, o.0))
            }
        }
    };
}

binop!(Add, add, f64x2_add);
binop!(Sub, sub, f64x2_sub);
binop!(Mul, mul, f64x2_mul);
binop!(Div, div, f64x2_div);

impl Neg for F64x2 {
    type Output = F64x2;
    #[inline(always)]
    fn neg(self) -> F64x2 {
        F64x2(f64x2_neg(self.0))
    }
}

impl Lanes for F64x2 {
    const N: usize = 2;
    type M = M2;

    #[inline(always)]
    fn splat(x: f64) -> F64x2 {
        F64x2(f64x2_splat(x))
    }
    #[inline(always)]
    fn load(s: &[f64]) -> F64x2 {
        F64x2(f64x2(s[0], s[1]))
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        s[0] = f64x2_extract_lane::<0>(self.0);
        s[1] = f64x2_extract_lane::<1>(self.0);
    }
    #[inline(always)]
    fn mul_add(self, b: F64x2, c: F64x2) -> F64x2 {
        F64x2(f64x2_add(f64x2_mul(self.0, b.0), c.0))
    }
    #[inline(always)]
    fn lt(self, o: F64x2) -> M2 {
        M2(f64x2_lt(self.0, o.0))
    }
    #[inline(always)]
    fn le(self, o: F64x2) -> M2 {
        M2(f64x2_le(self.0, o.0))
    }
    #[inline(always)]
    fn gt(self, o: F64x2) -> M2 {
        M2(f64x2_gt(self.0, o.0))
    }
    #[inline(always)]
    fn ge(self, o: F64x2) -> M2 {
        M2(f64x2_ge(self.0, o.0))
    }
    #[inline(always)]
    fn eq(self, o: F64x2) -> M2 {
        M2(f64x2_eq(self.0, o.0))
    }
    #[inline(always)]
    fn select(m: M2, a: F64x2, b: F64x2) -> F64x2 {
        F64x2(v128_bitselect(a.0, b.0, m.0))
    }
    #[inline(always)]
    fn round(self) -> F64x2 {
        F64x2(f64x2_nearest(self.0))
    }
    #[inline(always)]
    fn abs(self) -> F64x2 {
        F64x2(f64x2_abs(self.0))
    }
    #[inline(always)]
    fn frexp(self) -> (F64x2, F64x2) {
        let bits = i64x2_add(self.0, u64x2_splat(FREXP_OFFSET));
        let m = i64x2_add(
            v128_and(bits, u64x2_splat(MANTISSA)),
            u64x2_splat(FREXP_BASE),
        );
        let e = v128_or(u64x2_shr(bits, 52), u64x2_splat(TWO52_BITS));
        (F64x2(m), F64x2(f64x2_sub(e, f64x2_splat(POW2_MAGIC))))
    }
    #[inline(always)]
    fn pow2(self) -> F64x2 {
        F64x2(i64x2_shl(f64x2_add(self.0, f64x2_splat(POW2_MAGIC)), 52))
    }
    #[inline(always)]
    fn sum(self) -> f64 {
        f64x2_extract_lane::<0>(self.0) + f64x2_extract_lane::<1>(self.0)
    }
}
