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

/// 0, 1, 2, ...: lane indices, for the mask of a column's last, partial step.
const IOTA: [f64; MAX_LANES] = {
    let mut a = [0.0; MAX_LANES];
    let mut i = 0;
    while i < MAX_LANES {
        a[i] = i as f64;
        i += 1;
    }
    a
};

/// One step of `V::N` clients from `start` in a column of `len`: how many are real
/// (`count`, the rest padding) and the mask of those lanes.
#[derive(Clone, Copy)]
pub struct Step<V: Lanes> {
    pub start: usize,
    pub count: usize,
    pub valid: V::M,
}

impl<V: Lanes> Step<V> {
    /// The steps of a column are `Step::at(0, len)`, `Step::at(V::N, len)`, ... while
    /// `start < len`.
    #[inline(always)]
    pub fn at(start: usize, len: usize) -> Step<V> {
        let count = (len - start).min(V::N);
        let valid = V::load(&IOTA).lt(V::splat(count as f64));
        Step {
            start,
            count,
            valid,
        }
    }

    /// The step's clients of column `s`, padding lanes `fill`.
    #[inline(always)]
    pub fn load(&self, s: &[f64], fill: f64) -> V {
        if self.count == V::N {
            V::load(&s[self.start..])
        } else {
            load_tail(&s[self.start..self.start + self.count], fill)
        }
    }

    /// The step's real lanes of `v` into column `s`.
    #[inline(always)]
    pub fn store(&self, v: V, s: &mut [f64]) {
        if self.count == V::N {
            v.store(&mut s[self.start..]);
        } else {
            store_tail(v, &mut s[self.start..self.start + self.count]);
        }
    }

    /// The real lanes of `v` as f64s (the rest 0), for scalar passes over a step.
    #[inline(always)]
    pub fn lanes(&self, v: V) -> [f64; MAX_LANES] {
        let mut buf = [0.0; MAX_LANES];
        v.store(&mut buf);
        buf
    }
}

/// The lanes of column `s` at the indices `idx` (at most `V::N`), the rest `fill`: a
/// kernel over a list of clients (the capped ones, say) rather than a whole column.
#[inline(always)]
pub fn gather<V: Lanes>(s: &[f64], idx: &[usize], fill: f64) -> V {
    let mut buf = [fill; MAX_LANES];
    for (i, &k) in idx.iter().enumerate() {
        buf[i] = s[k];
    }
    V::load(&buf)
}

/// The first `idx.len()` lanes of `v` into column `s` at the indices `idx`.
#[inline(always)]
pub fn scatter<V: Lanes>(v: V, idx: &[usize], s: &mut [f64]) {
    let mut buf = [0.0; MAX_LANES];
    v.store(&mut buf);
    for (i, &k) in idx.iter().enumerate() {
        s[k] = buf[i];
    }
}

/// Counts one rate inverse (and its Lambert steps) per z = q ln2 / a, as
/// rate::rate_inverse counts them (counters feature; callers check counters::ENABLED).
pub fn count_inverses(zs: &[f64]) {
    for &z in zs {
        counters::count(Count::RateInverse);
        if z < 1.0 && math::lambert_steps(z) {
            counters::add(Count::LambertStep, math::HALLEY_STEPS as u64);
        }
    }
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

/// One elementary function on lanes, named by a type so each `Map` kernel holds only its
/// own code (a `match` over all of them in one kernel makes one huge function).
pub trait LaneFunction {
    fn apply<V: Lanes>(x: V) -> V;
}

macro_rules! lane_function {
    ($name:ident, $x:ident => $e:expr) => {
        struct $name;
        impl LaneFunction for $name {
            #[inline(always)]
            fn apply<V: Lanes>($x: V) -> V {
                $e
            }
        }
    };
}

lane_function!(LnF, x => x.ln());
lane_function!(Log1pF, x => x.ln_1p());
lane_function!(ExpF, x => x.exp());
lane_function!(Expm1F, x => x.exp_m1());
lane_function!(LnGapF, x => math::ln_gap(x));
lane_function!(LambertF, x => math::lambert_t(x));

struct Map<'a, F> {
    x: &'a [f64],
    out: &'a mut [f64],
    f: std::marker::PhantomData<F>,
}

impl<'a, F: LaneFunction> Kernel for Map<'a, F> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let n = self.out.len();
        let step = V::N;
        let mut i = 0;
        while i + step <= n {
            F::apply(V::load(&self.x[i..])).store(&mut self.out[i..]);
            i += step;
        }
        if i < n {
            let x: V = load_tail(&self.x[i..n], 1.0);
            store_tail(F::apply(x), &mut self.out[i..n]);
        }
    }
}

/// out[k] = f(x[k]) for every k, on `level`'s lanes: the elementary kernels one by one,
/// for tests and the kernel benchmark.
pub fn map(level: Level, f: Function, x: &[f64], out: &mut [f64]) {
    assert!(x.len() == out.len());
    fn go<F: LaneFunction>(level: Level, x: &[f64], out: &mut [f64]) {
        dispatch(
            level,
            Map::<F> {
                x,
                out,
                f: std::marker::PhantomData,
            },
        );
    }
    match f {
        Function::Ln => go::<LnF>(level, x, out),
        Function::Log1p => go::<Log1pF>(level, x, out),
        Function::Exp => go::<ExpF>(level, x, out),
        Function::Expm1 => go::<Expm1F>(level, x, out),
        Function::LnGap => go::<LnGapF>(level, x, out),
        Function::LambertT => go::<LambertF>(level, x, out),
    }
}
