//! Vector kernels over whole client columns, with run-time choice of the instruction set.
//!
//! The numerics are written once, generic over [`Lanes`] (a vector of `N` f64 lanes with
//! the few operations the kernels need), in `math` (branch-free polynomial `ln`, `log1p`,
//! `exp`, `expm1` and the Lambert W start and steps of `rate::lambert_t`) and `columns`
//! (loops over client columns). Each instruction set implements `Lanes` once:
//! - `f64` itself (one lane): the scalar path, on every target;
//! - `x86::F64x4` (AVX2 + FMA) and `x86::F64x8` (AVX-512F), chosen at run time by CPU
//!   detection on x86-64;
//! - `wasm::F64x2` (simd128) when the WASM module is compiled with `+simd128`.
//!
//! A kernel is a [`Kernel`] value whose `run::<V>()` does the work; [`dispatch`] picks the
//! `Lanes` type for the chosen [`Level`] and runs it inside a function compiled for that
//! instruction set, so the generic code (all `#[inline(always)]`) is inlined and compiled
//! with the wide instructions.
//!
//! Accuracy contract: every lane computes the same formulas as the scalar path, in the
//! same order, except that the x86 types fuse `mul_add` (the scalar and WASM paths round
//! twice); results agree within a few ulps per kernel, and sums over clients differ only
//! by summation order (`columns` sums lane-wise, then across lanes).
//!
//! `JCPBA_SIMD` forces a level: `off` (or `scalar`) the scalar path, `avx2` at most AVX2,
//! `auto` or unset the best the CPU has. It is read once per process.

pub mod columns;
pub mod math;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm;

use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

/// A lane mask: the result of a lane-wise comparison.
pub trait Mask: Copy + BitAnd<Output = Self> + BitOr<Output = Self> + Not<Output = Self> {
    /// Some lane is set.
    fn any(self) -> bool;
    /// Every lane is set.
    fn all(self) -> bool;
}

/// A vector of `N` f64 lanes. Arithmetic is IEEE 754 lane by lane (`mul_add` fused where
/// the hardware has FMA, else a product then a sum); comparisons are ordered (false when
/// a lane is NaN), as the scalar `<`.
pub trait Lanes:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    const N: usize;
    type M: Mask;

    fn splat(x: f64) -> Self;
    /// The first `N` values of `s` (which holds at least `N`).
    fn load(s: &[f64]) -> Self;
    /// Writes the lanes to the first `N` slots of `s`.
    fn store(self, s: &mut [f64]);
    /// self * b + c.
    fn mul_add(self, b: Self, c: Self) -> Self;
    fn lt(self, o: Self) -> Self::M;
    fn le(self, o: Self) -> Self::M;
    fn gt(self, o: Self) -> Self::M;
    fn ge(self, o: Self) -> Self::M;
    fn eq(self, o: Self) -> Self::M;
    /// Lane-wise `if m { a } else { b }`.
    fn select(m: Self::M, a: Self, b: Self) -> Self;
    /// Nearest integer, ties to even, for |x| < 2^51.
    fn round(self) -> Self;
    fn abs(self) -> Self;
    /// For a positive normal x: (m, e) with x = m 2^e, m in [sqrt(1/2), sqrt(2)), e an
    /// integer (as f64).
    fn frexp(self) -> (Self, Self);
    /// 2^k for an integer-valued k in [-1022, 1023].
    fn pow2(self) -> Self;
    /// The sum of the lanes, lane 0 first.
    fn sum(self) -> f64;

    /// Natural logarithm. The vector types use the polynomial kernels of `math`; the
    /// scalar path keeps the C library's (faster there, and the reference's own).
    #[inline(always)]
    fn ln(self) -> Self {
        math::ln_poly(self)
    }
    /// ln(1 + self).
    #[inline(always)]
    fn ln_1p(self) -> Self {
        math::log1p_poly(self)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        math::exp_poly(self)
    }
    /// e^self - 1.
    #[inline(always)]
    fn exp_m1(self) -> Self {
        math::expm1_poly(self)
    }

    /// min(max(self, lo), hi) for non-NaN lanes (a NaN lane gives an unspecified value).
    #[inline(always)]
    fn clamp(self, lo: f64, hi: f64) -> Self {
        let l = Self::splat(lo);
        let h = Self::splat(hi);
        let x = Self::select(self.lt(l), l, self);
        Self::select(x.gt(h), h, x)
    }
}

impl Mask for bool {
    #[inline(always)]
    fn any(self) -> bool {
        self
    }
    #[inline(always)]
    fn all(self) -> bool {
        self
    }
}

/// 1.5 * 2^52: adding and subtracting it rounds to an integer (ties to even).
const ROUND_MAGIC: f64 = 6755399441055744.0;
/// 2^52 + 1023: k + this has the biased exponent k + 1023 in its low mantissa bits.
const POW2_MAGIC: f64 = 4503599627371519.0;
/// Added to the bits of x so the exponent field steps at sqrt(2) instead of 2.
const FREXP_OFFSET: u64 = 0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd;
const FREXP_BASE: u64 = 0x3fe6_a09e_667f_3bcd;
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;

/// The scalar path: one lane, plain f64 arithmetic (no fused multiply-add, which without
/// hardware FMA is a slow library call).
impl Lanes for f64 {
    const N: usize = 1;
    type M = bool;

    #[inline(always)]
    fn splat(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn load(s: &[f64]) -> f64 {
        s[0]
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        s[0] = self;
    }
    #[inline(always)]
    fn mul_add(self, b: f64, c: f64) -> f64 {
        self * b + c
    }
    #[inline(always)]
    fn lt(self, o: f64) -> bool {
        self < o
    }
    #[inline(always)]
    fn le(self, o: f64) -> bool {
        self <= o
    }
    #[inline(always)]
    fn gt(self, o: f64) -> bool {
        self > o
    }
    #[inline(always)]
    fn ge(self, o: f64) -> bool {
        self >= o
    }
    #[inline(always)]
    fn eq(self, o: f64) -> bool {
        self == o
    }
    #[inline(always)]
    fn select(m: bool, a: f64, b: f64) -> f64 {
        if m {
            a
        } else {
            b
        }
    }
    #[inline(always)]
    fn round(self) -> f64 {
        (self + ROUND_MAGIC) - ROUND_MAGIC
    }
    #[inline(always)]
    fn abs(self) -> f64 {
        f64::from_bits(self.to_bits() & !(1u64 << 63))
    }
    #[inline(always)]
    fn frexp(self) -> (f64, f64) {
        let bits = self.to_bits().wrapping_add(FREXP_OFFSET);
        let e = (bits >> 52) as i64 - 1023;
        (f64::from_bits((bits & MANTISSA) + FREXP_BASE), e as f64)
    }
    #[inline(always)]
    fn pow2(self) -> f64 {
        f64::from_bits((self + POW2_MAGIC).to_bits() << 52)
    }
    #[inline(always)]
    fn sum(self) -> f64 {
        self
    }
    #[inline(always)]
    fn ln(self) -> f64 {
        f64::ln(self)
    }
    #[inline(always)]
    fn ln_1p(self) -> f64 {
        f64::ln_1p(self)
    }
    #[inline(always)]
    fn exp(self) -> f64 {
        f64::exp(self)
    }
    #[inline(always)]
    fn exp_m1(self) -> f64 {
        f64::exp_m1(self)
    }
}

/// Two vectors processed side by side: twice the lanes, and two independent dependency
/// chains for the out-of-order core to overlap (the kernels are long chains of
/// dependent operations, so one vector alone leaves most execution units idle).
#[derive(Clone, Copy)]
pub struct Pair<V>(V, V);

/// The mask of a `Pair`.
#[derive(Clone, Copy)]
pub struct PairMask<M>(M, M);

impl<M: Mask> BitAnd for PairMask<M> {
    type Output = Self;
    #[inline(always)]
    fn bitand(self, o: Self) -> Self {
        PairMask(self.0 & o.0, self.1 & o.1)
    }
}

impl<M: Mask> BitOr for PairMask<M> {
    type Output = Self;
    #[inline(always)]
    fn bitor(self, o: Self) -> Self {
        PairMask(self.0 | o.0, self.1 | o.1)
    }
}

impl<M: Mask> Not for PairMask<M> {
    type Output = Self;
    #[inline(always)]
    fn not(self) -> Self {
        PairMask(!self.0, !self.1)
    }
}

impl<M: Mask> Mask for PairMask<M> {
    #[inline(always)]
    fn any(self) -> bool {
        self.0.any() || self.1.any()
    }
    #[inline(always)]
    fn all(self) -> bool {
        self.0.all() && self.1.all()
    }
}

macro_rules! pair_op {
    ($trait:ident, $method:ident) => {
        impl<V: Lanes> $trait for Pair<V> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, o: Self) -> Self {
                Pair(self.0.$method(o.0), self.1.$method(o.1))
            }
        }
    };
}

pair_op!(Add, add);
pair_op!(Sub, sub);
pair_op!(Mul, mul);
pair_op!(Div, div);

impl<V: Lanes> Neg for Pair<V> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Pair(-self.0, -self.1)
    }
}

macro_rules! pair_cmp {
    ($($method:ident),*) => {
        $(
            #[inline(always)]
            fn $method(self, o: Self) -> Self::M {
                PairMask(self.0.$method(o.0), self.1.$method(o.1))
            }
        )*
    };
}

macro_rules! pair_unary {
    ($($method:ident),*) => {
        $(
            #[inline(always)]
            fn $method(self) -> Self {
                Pair(self.0.$method(), self.1.$method())
            }
        )*
    };
}

impl<V: Lanes> Lanes for Pair<V> {
    const N: usize = 2 * V::N;
    type M = PairMask<V::M>;

    #[inline(always)]
    fn splat(x: f64) -> Self {
        Pair(V::splat(x), V::splat(x))
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        Pair(V::load(s), V::load(&s[V::N..]))
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        self.0.store(s);
        self.1.store(&mut s[V::N..]);
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Pair(self.0.mul_add(b.0, c.0), self.1.mul_add(b.1, c.1))
    }
    pair_cmp!(lt, le, gt, ge, eq);
    #[inline(always)]
    fn select(m: Self::M, a: Self, b: Self) -> Self {
        Pair(V::select(m.0, a.0, b.0), V::select(m.1, a.1, b.1))
    }
    pair_unary!(round, abs, pow2, ln, ln_1p, exp, exp_m1);
    #[inline(always)]
    fn frexp(self) -> (Self, Self) {
        let (m0, e0) = self.0.frexp();
        let (m1, e1) = self.1.frexp();
        (Pair(m0, m1), Pair(e0, e1))
    }
    #[inline(always)]
    fn sum(self) -> f64 {
        self.0.sum() + self.1.sum()
    }
}

/// The instruction sets a kernel can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// One lane, on every target.
    Scalar = 1,
    /// WASM simd128 (two lanes), when the module was compiled with it.
    Simd128 = 2,
    /// x86-64 AVX2 with FMA (four lanes).
    Avx2 = 3,
    /// x86-64 AVX-512F (eight lanes).
    Avx512 = 4,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Simd128 => "simd128",
            Level::Avx2 => "avx2+fma",
            Level::Avx512 => "avx512f",
        }
    }

    /// Whether this level can run here (the CPU has it, or the module was built with it).
    pub fn available(self) -> bool {
        match self {
            Level::Scalar => true,
            Level::Simd128 => cfg!(all(target_arch = "wasm32", target_feature = "simd128")),
            Level::Avx2 | Level::Avx512 => x86_available(self),
        }
    }

    /// Every level that can run here, best last.
    pub fn all_available() -> Vec<Level> {
        [Level::Scalar, Level::Simd128, Level::Avx2, Level::Avx512]
            .iter()
            .copied()
            .filter(|l| l.available())
            .collect()
    }
}

#[cfg(target_arch = "x86_64")]
fn x86_available(level: Level) -> bool {
    x86::available(level)
}

#[cfg(not(target_arch = "x86_64"))]
fn x86_available(_level: Level) -> bool {
    false
}

/// The best level available, capped by `JCPBA_SIMD` (see the module documentation).
/// Unknown values of the variable are ignored (the best level runs).
pub fn detect() -> Level {
    let best = *Level::all_available().last().unwrap_or(&Level::Scalar);
    let cap = match std::env::var("JCPBA_SIMD") {
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "off" | "0" | "scalar" | "none" => Level::Scalar,
            "avx2" => Level::Avx2,
            "simd128" => Level::Simd128,
            _ => Level::Avx512,
        },
        Err(_) => Level::Avx512,
    };
    if best <= cap {
        best
    } else {
        // The best available level not above the cap.
        *Level::all_available()
            .iter()
            .rev()
            .find(|&&l| l <= cap)
            .unwrap_or(&Level::Scalar)
    }
}

/// `detect()`, computed once per process.
pub fn level() -> Level {
    use std::sync::atomic::{AtomicU8, Ordering};
    static LEVEL: AtomicU8 = AtomicU8::new(0);
    match LEVEL.load(Ordering::Relaxed) {
        1 => Level::Scalar,
        2 => Level::Simd128,
        3 => Level::Avx2,
        4 => Level::Avx512,
        _ => {
            let l = detect();
            LEVEL.store(l as u8, Ordering::Relaxed);
            l
        }
    }
}

/// Work generic over the lane type; see [`dispatch`].
pub trait Kernel {
    type Output;
    /// Independent vectors per step on the vector levels (1, 2 or 4): `run` gets `Pair`s
    /// of the hardware vector, whose interleaved dependency chains keep the FPU busy.
    /// Four suits long fixed sequences (the rate inverse: 4 to 8 times faster than one),
    /// fewer suits per-lane iterations whose step counts differ.
    const CHAINS: usize = 4;
    /// Implementations must be `#[inline(always)]` (and so must everything they call) so
    /// that they are compiled inside the instruction set's entry function.
    fn run<V: Lanes>(self) -> Self::Output;
}

/// Runs `kernel` on `level`'s lane type. A level that is not available here (see
/// [`Level::available`]) runs the scalar path instead, so a `Level` value can never
/// execute instructions the machine lacks.
#[inline]
pub fn dispatch<K: Kernel>(level: Level, kernel: K) -> K::Output {
    match level {
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 | Level::Avx512 if level.available() => x86::run(level, kernel),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Level::Simd128 => match K::CHAINS {
            1 => kernel.run::<wasm::F64x2>(),
            2 => kernel.run::<Pair<wasm::F64x2>>(),
            _ => kernel.run::<Pair<Pair<wasm::F64x2>>>(),
        },
        _ => kernel.run::<f64>(),
    }
}

#[cfg(test)]
mod tests;
