//! Branch-free elementary functions and the rate inverse, generic over [`Lanes`].
//!
//! `ln`, `log1p`, `exp` and `expm1` reduce the argument with exponent-bit arithmetic and
//! evaluate one minimax polynomial on the reduced range (coefficients from
//! scripts/fit-kernels.py, a Remez fit of relative error in 60-digit arithmetic); no
//! table, no per-lane branch. Rare inputs (zero, negative, infinite, NaN, subnormal) are
//! fixed up with lane selects, entered only when some lane needs them. Measured against
//! the C library over wide ranges (tests in simd/tests.rs): at most 1 ulp apart for `ln`,
//! `exp`, `expm1` and 2 ulps for `log1p`.
//!
//! `ln_gap`, `lambert_t`, `rate` and `rate_inverse` are the one implementation of the
//! rate model's numerics (rate.rs documents them and calls them on `f64`, whose lanes use
//! the C library's ln and exp). Where the method branches per client, a vector whose
//! lanes disagree computes both sides and each lane picks its own; a side no lane needs
//! is skipped.

// The formulas mirror rate.rs, which writes `2.0 * h * d1` and the like.
#![allow(clippy::excessive_precision)]

use super::{Lanes, Mask};

pub const LN2: f64 = std::f64::consts::LN_2;
/// ln 2 rounded to 41 bits (12 trailing zero bits): k LN2_HI is exact for |k| < 2^12.
const LN2_HI: f64 = 0.693147180559663;
/// ln 2 - LN2_HI.
const LN2_LO: f64 = 2.8235290563031577e-13;
const INV_LN2: f64 = std::f64::consts::LOG2_E;

/// With f = m - 1, s = f / (2 + f), z = s^2: ln(1 + f) = 2 s + s z P(z), P on
/// [0, (3 - 2 sqrt 2)^2]; relative error of P 4.6e-16, which s z P scales by at most
/// z / 2 < 0.015 in ln.
const LN_P: [f64; 7] = [
    0.666666666666667,
    0.3999999999989918,
    0.28571428626106155,
    0.2222221111582885,
    0.18182890369178314,
    0.15331684006501675,
    0.1461687568527569,
];

/// exp(r) = 1 + r + r^2 Q(r) on [-ln2/2, ln2/2]; relative error of Q 2.7e-18.
const EXP_Q: [f64; 11] = [
    0.5,
    0.1666666666666667,
    0.041666666666666616,
    0.008333333333326167,
    0.0013888888888917957,
    0.00019841269874720804,
    2.4801587245746546e-05,
    2.755725551423603e-06,
    2.7557349615645323e-07,
    2.5105173622216494e-08,
    2.0889375174322533e-09,
];

/// c[0] + c[1] x + ... by Horner's rule.
#[inline(always)]
fn poly<V: Lanes>(x: V, c: &[f64]) -> V {
    let n = c.len();
    let mut p = V::splat(c[n - 1]);
    for i in (0..n - 1).rev() {
        p = p.mul_add(x, V::splat(c[i]));
    }
    p
}

/// c[i] + c[i + 1] x (c[i] alone past the end).
#[inline(always)]
fn estrin2<V: Lanes>(x: V, c: &[f64], i: usize) -> V {
    if i + 1 < c.len() {
        x.mul_add(V::splat(c[i + 1]), V::splat(c[i]))
    } else {
        V::splat(c[i])
    }
}

/// c[i] + ... + c[i + 3] x^3 (fewer terms past the end).
#[inline(always)]
fn estrin4<V: Lanes>(x: V, x2: V, c: &[f64], i: usize) -> V {
    if i + 2 < c.len() {
        x2.mul_add(estrin2(x, c, i + 2), estrin2(x, c, i))
    } else {
        estrin2(x, c, i)
    }
}

/// c[i] + ... + c[i + 7] x^7 (fewer terms past the end).
#[inline(always)]
fn estrin8<V: Lanes>(x: V, x2: V, x4: V, c: &[f64], i: usize) -> V {
    if i + 4 < c.len() {
        x4.mul_add(estrin4(x, x2, c, i + 4), estrin4(x, x2, c, i))
    } else {
        estrin4(x, x2, c, i)
    }
}

/// c[0] + c[1] x + ... (at most 16 terms) by Estrin's scheme: the polynomial of `poly`
/// with a dependency chain of about log2(n) multiply-adds instead of n. The rounding
/// differs from Horner's by far less than an ulp of the kernels' results, where these
/// polynomials are small corrections.
#[inline(always)]
fn estrin<V: Lanes>(x: V, c: &[f64]) -> V {
    let x2 = x * x;
    let x4 = x2 * x2;
    if c.len() <= 8 {
        estrin8(x, x2, x4, c, 0)
    } else {
        let x8 = x4 * x4;
        x8.mul_add(estrin8(x, x2, x4, c, 8), estrin8(x, x2, x4, c, 0))
    }
}

/// k ln 2 + ln(1 + f) for f in [sqrt(1/2) - 1, sqrt(2) - 1] and an integer k.
/// ln(1 + f) = f - f^2/2 + s (f^2/2 + z P(z)), summed from the smallest term.
#[inline(always)]
fn ln_reduced<V: Lanes>(f: V, k: V) -> V {
    let hfsq = V::splat(0.5) * f * f;
    let s = f / (V::splat(2.0) + f);
    let z = s * s;
    let r = z * estrin(z, &LN_P);
    let t = s.mul_add(hfsq + r, k * V::splat(LN2_LO)) - hfsq + f;
    k.mul_add(V::splat(LN2_HI), t)
}

/// Natural logarithm; ln 0 = -inf, ln of a negative number or NaN is NaN.
#[inline(always)]
pub fn ln_poly<V: Lanes>(x: V) -> V {
    let tiny = x.lt(V::splat(f64::MIN_POSITIVE));
    let (m, e) = if tiny.any() {
        // Subnormal lanes: scale by 2^54 into the normal range first.
        let (m, e) = V::select(tiny, x * V::splat(18014398509481984.0), x).frexp();
        (m, e - V::select(tiny, V::splat(54.0), V::splat(0.0)))
    } else {
        x.frexp()
    };
    let y = ln_reduced(m - V::splat(1.0), e);
    let ok = x.gt(V::splat(0.0)) & x.lt(V::splat(f64::INFINITY));
    if ok.all() {
        return y;
    }
    let special = V::select(
        x.eq(V::splat(0.0)),
        V::splat(f64::NEG_INFINITY),
        V::select(x.eq(V::splat(f64::INFINITY)), x, V::splat(f64::NAN)),
    );
    V::select(ok, y, special)
}

/// ln(1 + x), accurate for small x; log1p(-1) = -inf, NaN below -1.
#[inline(always)]
pub fn log1p_poly<V: Lanes>(x: V) -> V {
    let one = V::splat(1.0);
    let u = one + x;
    let (m, k) = u.frexp();
    // The rounding error d = (1 + x) - u, exactly: x - (u - 1) while u < 2 sqrt 2 (u - 1
    // is exact there), 1 - (u - x) beyond (u - x is exact by Sterbenz's lemma).
    let d = V::select(k.lt(V::splat(2.0)), x - (u - one), one - (u - x));
    // 1 + x = 2^k (m + d 2^-k): fold the error into f; 2^-k is clamped where d 2^-k is
    // far below rounding anyway.
    let f = d.mul_add((-k).clamp(-1022.0, 1022.0).pow2(), m - one);
    let y = ln_reduced(f, k);
    let ok = x.gt(V::splat(-1.0)) & x.lt(V::splat(f64::INFINITY));
    if ok.all() {
        return y;
    }
    let special = V::select(
        x.eq(V::splat(-1.0)),
        V::splat(f64::NEG_INFINITY),
        V::select(x.eq(V::splat(f64::INFINITY)), x, V::splat(f64::NAN)),
    );
    V::select(ok, y, special)
}

/// (k, r) with x = k ln 2 + r, k an integer, |r| <= ln2 / 2 (up to rounding).
#[inline(always)]
fn reduce<V: Lanes>(x: V) -> (V, V) {
    let k = (x * V::splat(INV_LN2)).round();
    let r = (x - k * V::splat(LN2_HI)) - k * V::splat(LN2_LO);
    (k, r)
}

/// NaN lanes of x pass through into y.
#[inline(always)]
fn keep_nan<V: Lanes>(x: V, y: V) -> V {
    let nan = !x.eq(x);
    if nan.any() {
        V::select(nan, x, y)
    } else {
        y
    }
}

/// e^x, with gradual underflow to 0 and overflow to +inf.
#[inline(always)]
pub fn exp_poly<V: Lanes>(x: V) -> V {
    let (k, r) = reduce(x.clamp(-746.0, 710.0));
    let p = V::splat(1.0) + (r * r).mul_add(estrin(r, &EXP_Q), r);
    // 2^k in two factors, each a normal number even where 2^k is not.
    let k1 = (k * V::splat(0.5)).round();
    keep_nan(x, p * k1.pow2() * (k - k1).pow2())
}

/// e^x - 1, accurate for small x.
#[inline(always)]
pub fn expm1_poly<V: Lanes>(x: V) -> V {
    // Below -40, e^x - 1 rounds to -1.
    let (k, r) = reduce(x.clamp(-40.0, 710.0));
    let pm = (r * r).mul_add(estrin(r, &EXP_Q), r); // e^r - 1
                                                    // e^x - 1 = 2^k pm + (2^k - 1), with 2^k - 1 exact for the k that matter; where
                                                    // 2^k would overflow (k > 1000) it is split as 2^(k - 512) 2^512, and the -1 dropped.
    let big = k.gt(V::splat(1000.0));
    let zero = V::splat(0.0);
    let t = (k - V::select(big, V::splat(512.0), zero)).pow2();
    let y = t.mul_add(pm, t - V::select(big, zero, V::splat(1.0)));
    let y = if big.any() {
        y * V::select(big, V::splat(512.0).pow2(), V::splat(1.0))
    } else {
        y
    };
    keep_nan(x, y)
}

/// Below this x, `ln_gap` sums its Taylor series.
pub(crate) const SERIES_LIMIT: f64 = 0.05;
/// 0.05^15 is far below double precision.
const SERIES_TERMS: u32 = 16;

/// log1p(x) - x / (1 + x) for x > 0 (see rate::ln_gap).
#[inline(always)]
pub fn ln_gap<V: Lanes>(x: V) -> V {
    let small = x.lt(V::splat(SERIES_LIMIT));
    if small.all() {
        return gap_series(x);
    }
    ln_gap_from(x, x.ln_1p())
}

/// `ln_gap(x)` given `l1p` = log1p(x) (callers that need log1p(x) anyway).
#[inline(always)]
pub fn ln_gap_from<V: Lanes>(x: V, l1p: V) -> V {
    let small = x.lt(V::splat(SERIES_LIMIT));
    let y = l1p - x / (V::splat(1.0) + x);
    if small.any() {
        V::select(small, gap_series(x), y)
    } else {
        y
    }
}

/// The Taylor series of `ln_gap` below SERIES_LIMIT.
#[inline(always)]
fn gap_series<V: Lanes>(x: V) -> V {
    let mut sum = V::splat(0.0);
    let mut n = SERIES_TERMS;
    while n >= 2 {
        let nf = n as f64;
        sum = V::splat((nf - 1.0) / nf) - x * sum;
        n -= 1;
    }
    // The loop evaluated sum_{n>=2} (-1)^n (n-1)/n x^(n-2) by Horner's rule.
    x * x * sum
}

/// Uplink rate in bit/s with b Hz: b log2(1 + a / b).
#[inline(always)]
pub fn rate<V: Lanes>(a: V, b: V) -> V {
    (b * (a / b).ln_1p()) / V::splat(LN2)
}

/// Below this c the asymptotic start is used, above it the series in 1 - c.
pub(crate) const LAMBERT_SPLIT: f64 = 0.4;
/// Below this u = 1 - c the 12-term series is exact to rounding (next term ~ 1e-18 t).
pub(crate) const LAMBERT_NEAR: f64 = 0.05;
pub(crate) const HALLEY_STEPS: u32 = 2;
/// Taylor coefficients of t(u) / u, u = 1 - c: 2, 2/3, 4/9, 44/135, 104/405, ...
const NEAR_ONE: [f64; 12] = [
    2.0,
    2.0 / 3.0,
    4.0 / 9.0,
    44.0 / 135.0,
    104.0 / 405.0,
    40.0 / 189.0,
    7648.0 / 42525.0,
    2848.0 / 18225.0,
    31712.0 / 229635.0,
    23429344.0 / 189448875.0,
    89072576.0 / 795685275.0,
    1441952704.0 / 14105329875.0,
];

/// Whether `lambert_t(c)` takes Halley steps (for the evaluation counters).
pub(crate) fn lambert_steps(c: f64) -> bool {
    if c > LAMBERT_SPLIT {
        1.0 - c >= LAMBERT_NEAR
    } else {
        c > 0.0
    }
}

/// The root t > 0 of c expm1(t) = t for c in (0, 1): see rate::lambert_t for the method
/// and its accuracy; +inf where !(c > 0).
#[inline(always)]
pub fn lambert_t<V: Lanes>(c: V) -> V {
    let near = c.gt(V::splat(LAMBERT_SPLIT));
    let mut t = V::splat(0.0);
    if near.any() {
        t = lambert_near(c, near);
    }
    if !near.all() {
        t = V::select(near, t, lambert_far(c));
    }
    t
}

/// c > LAMBERT_SPLIT: the series in u = 1 - c, then Halley steps on c expm1(t) - t
/// where u >= LAMBERT_NEAR.
#[inline(always)]
fn lambert_near<V: Lanes>(c: V, near: V::M) -> V {
    let u = V::splat(1.0) - c;
    let series = poly(u, &NEAR_ONE) * u;
    let steps = near & u.ge(V::splat(LAMBERT_NEAR));
    if !steps.any() {
        return series;
    }
    let one = V::splat(1.0);
    let two = V::splat(2.0);
    let mut t = series;
    for _ in 0..HALLEY_STEPS {
        let em = t.exp_m1();
        let h = c * em - t;
        let d2 = c * (em + one);
        let d1 = d2 - one;
        t = t - (two * h * d1) / (two * d1 * d1 - h * d2);
    }
    V::select(steps, t, series)
}

/// c <= LAMBERT_SPLIT: the asymptotic series of W_{-1}, then Halley steps on
/// t - L - ln(t + c).
#[inline(always)]
fn lambert_far<V: Lanes>(c: V) -> V {
    let one = V::splat(1.0);
    let two = V::splat(2.0);
    let l_big = -c.ln();
    let a = l_big + c;
    let l = a.ln();
    let inv = one / a;
    let mut t = l_big
        + l
        + l * inv
            * (one
                + inv
                    * (V::splat(-0.5) * (l - two)
                        + inv
                            * (two * l * l - V::splat(9.0) * l + V::splat(6.0))
                            * V::splat(1.0 / 6.0)));
    for _ in 0..HALLEY_STEPS {
        let s = t + c;
        let f = t - l_big - s.ln();
        let sm1 = s - one;
        t = t - (two * f * s * sm1) / (two * sm1 * sm1 - f);
    }
    V::select(c.gt(V::splat(0.0)), t, V::splat(f64::INFINITY))
}

/// The bandwidth that carries q bit/s (see rate::rate_inverse): 0 where !(q > 0), +inf
/// where q >= a / ln 2.
#[inline(always)]
pub fn rate_inverse<V: Lanes>(a: V, q: V) -> V {
    let ql = q * V::splat(LN2);
    let c = ql / a;
    let b = ql / lambert_t(c);
    V::select(
        q.gt(V::splat(0.0)),
        V::select(c.lt(V::splat(1.0)), b, V::splat(f64::INFINITY)),
        V::splat(0.0),
    )
}
