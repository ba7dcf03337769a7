//! Kernels over whole client columns: `N` clients per step, the last partial step padded
//! with harmless values (so every client goes through the same lane code wherever it
//! sits in the column).

use super::{dispatch, math, Kernel, Lanes, Level};
use crate::rate::{counters, Kernel as Count};

/// The widest lane count of any kernel (four AVX-512 vectors of 8).
pub const MAX_LANES: usize = 32;

/// Lanes from `s` (fewer than `V::N` values), the rest `fill`.
#[inline(always)]
pub fn load_tail<V: Lanes>(s: &[f64], fill: f64) -> V {
    let mut buf = [fill; MAX_LANES];
    buf[..s.len()].copy_from_slice(s);
    V::load(&buf)
}

/// The first `out.len()` lanes of `v` into `out`.
#[inline(always)]
pub fn store_tail<V: Lanes>(v: V, out: &mut [f64]) {
    let mut buf = [0.0; MAX_LANES];
    v.store(&mut buf);
    let n = out.len();
    out.copy_from_slice(&buf[..n]);
}

struct RateInverse<'a> {
    a: &'a [f64],
    q: &'a [f64],
    out: &'a mut [f64],
}

impl<'a> Kernel for RateInverse<'a> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let n = self.out.len();
        let step = V::N;
        let mut i = 0;
        let ln2 = math::LN2;
        while i + step <= n {
            let a = V::load(&self.a[i..]);
            let q = V::load(&self.q[i..]);
            math::rate_inverse(a, q).store(&mut self.out[i..]);
            i += step;
        }
        if i < n {
            let a: V = load_tail(&self.a[i..n], 1.0);
            let q: V = load_tail(&self.q[i..n], 0.0);
            store_tail(math::rate_inverse(a, q), &mut self.out[i..n]);
        }
        if counters::ENABLED {
            counters::add(Count::RateInverse, n as u64);
            for k in 0..n {
                let c = (self.q[k] * ln2) / self.a[k];
                if self.q[k] > 0.0 && c < 1.0 && math::lambert_steps(c) {
                    counters::add(Count::LambertStep, math::HALLEY_STEPS as u64);
                }
            }
        }
    }
}

/// out[k] = rate::rate_inverse(a[k], q[k]) for every k, on `level`'s lanes.
pub fn rate_inverse(level: Level, a: &[f64], q: &[f64], out: &mut [f64]) {
    assert!(a.len() == out.len() && q.len() == out.len());
    dispatch(level, RateInverse { a, q, out });
}

struct Rate<'a> {
    a: &'a [f64],
    b: &'a [f64],
    out: &'a mut [f64],
}

impl<'a> Kernel for Rate<'a> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let n = self.out.len();
        let step = V::N;
        let mut i = 0;
        while i + step <= n {
            let a = V::load(&self.a[i..]);
            let b = V::load(&self.b[i..]);
            math::rate(a, b).store(&mut self.out[i..]);
            i += step;
        }
        if i < n {
            let a: V = load_tail(&self.a[i..n], 1.0);
            let b: V = load_tail(&self.b[i..n], 1.0);
            store_tail(math::rate(a, b), &mut self.out[i..n]);
        }
    }
}

/// out[k] = rate::rate(a[k], b[k]) for every k, on `level`'s lanes.
pub fn rate(level: Level, a: &[f64], b: &[f64], out: &mut [f64]) {
    assert!(a.len() == out.len() && b.len() == out.len());
    dispatch(level, Rate { a, b, out });
}

/// Which elementary function `Map` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Ln,
    Log1p,
    Exp,
    Expm1,
    LnGap,
    LambertT,
}

struct Map<'a> {
    f: Function,
    x: &'a [f64],
    out: &'a mut [f64],
}

impl<'a> Map<'a> {
    #[inline(always)]
    fn apply<V: Lanes>(f: Function, x: V) -> V {
        match f {
            Function::Ln => x.ln(),
            Function::Log1p => x.ln_1p(),
            Function::Exp => x.exp(),
            Function::Expm1 => x.exp_m1(),
            Function::LnGap => math::ln_gap(x),
            Function::LambertT => math::lambert_t(x),
        }
    }
}

impl<'a> Kernel for Map<'a> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let n = self.out.len();
        let step = V::N;
        let mut i = 0;
        while i + step <= n {
            Self::apply(self.f, V::load(&self.x[i..])).store(&mut self.out[i..]);
            i += step;
        }
        if i < n {
            let x: V = load_tail(&self.x[i..n], 1.0);
            store_tail(Self::apply(self.f, x), &mut self.out[i..n]);
        }
    }
}

/// out[k] = f(x[k]) for every k, on `level`'s lanes: the elementary kernels one by one,
/// for tests and the kernel benchmark.
pub fn map(level: Level, f: Function, x: &[f64], out: &mut [f64]) {
    assert!(x.len() == out.len());
    dispatch(level, Map { f, x, out });
}
