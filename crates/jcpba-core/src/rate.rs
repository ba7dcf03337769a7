//! The uplink rate model and its inverse (MODEL.md section 2); mirrors ts/core/rate.ts.
//!
//! `a` is the client's SNR bandwidth, a = p g / N0 in Hz; the rate with b Hz is
//! r(b) = b log2(1 + a / b), increasing and concave, tending to a / ln 2.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::simd::math;
pub use std::f64::consts::LN_2 as LN2;

/// The numerical kernels whose evaluations `examples/timing.rs` reports per client and
/// solve: the algorithmic cost of a method, independent of the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// A call of `rate_inverse` (or of `lambert_t` directly).
    RateInverse = 0,
    /// One Newton/Halley step inside `lambert_t`.
    LambertStep = 1,
    /// One evaluation of a client's stationarity condition in `optimal`.
    Stationarity = 2,
}

/// Evaluation counters, compiled in with the `counters` feature only.
pub mod counters {
    use super::Kernel;
    #[cfg(feature = "counters")]
    use std::sync::atomic::{AtomicU64, Ordering};

    #[cfg(feature = "counters")]
    static COUNTS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

    /// Adds one evaluation of `kernel`; nothing without the feature.
    #[inline(always)]
    pub fn count(kernel: Kernel) {
        #[cfg(feature = "counters")]
        COUNTS[kernel as usize].fetch_add(1, Ordering::Relaxed);
        #[cfg(not(feature = "counters"))]
        let _ = kernel;
    }

    /// Adds `n` evaluations of `kernel` (a batch kernel's column); nothing without the feature.
    #[inline(always)]
    pub fn add(kernel: Kernel, n: u64) {
        #[cfg(feature = "counters")]
        COUNTS[kernel as usize].fetch_add(n, Ordering::Relaxed);
        #[cfg(not(feature = "counters"))]
        let _ = (kernel, n);
    }

    /// The counts since the last `reset`, indexed by `Kernel as usize` (zeros without the feature).
    pub fn read() -> [u64; 3] {
        #[cfg(feature = "counters")]
        return [
            COUNTS[0].load(Ordering::Relaxed),
            COUNTS[1].load(Ordering::Relaxed),
            COUNTS[2].load(Ordering::Relaxed),
        ];
        #[cfg(not(feature = "counters"))]
        [0; 3]
    }

    pub fn reset() {
        #[cfg(feature = "counters")]
        for c in COUNTS.iter() {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// Whether the counting is compiled in.
    pub const ENABLED: bool = cfg!(feature = "counters");
}

/// Uplink rate in bit/s with `b` Hz of bandwidth.
#[inline]
pub fn rate(a: f64, b: f64) -> f64 {
    math::rate(a, b)
}

/// log1p(x) - x / (1 + x), accurate for every x > 0. The direct formula cancels for
/// small x (the value is about x^2 / 2), so below `SERIES_LIMIT` (0.05) we sum 16 terms
/// of its Taylor series sum_{n>=2} (-1)^n (n - 1) / n x^n.
#[inline]
pub fn ln_gap(x: f64) -> f64 {
    math::ln_gap(x)
}

/// dr/db in bit/s per Hz.
pub fn rate_derivative(a: f64, b: f64) -> f64 {
    ln_gap(a / b) / LN2
}

/// The bandwidth (Hz) that carries `q` bit/s: the inverse of `rate`, through Lambert W
/// branch -1 (MODEL.md section 3). With c = q ln2 / a and t = ln(1 + a / b), the rate
/// equation is c (e^t - 1) = t; its positive root is t = ln y, y = -W_{-1}(-c e^-c) / c.
/// Since e^t - 1 = t / c at the root, b = a / (e^t - 1) = q ln2 / t, with no exponential.
/// Returns +inf when q >= a / ln 2 (no bandwidth suffices) and 0 for q <= 0 (and NaN).
///
/// Accuracy: relative 3e-15 in t, hence in b, for the rounded c; b inherits the
/// conditioning of the problem in q, about 2 / (a / b) when b >> a (q near a / ln 2).
/// `simd::columns::rate_inverse` computes the same over a column of clients.
#[inline]
pub fn rate_inverse(a: f64, q: f64) -> f64 {
    counters::count(Kernel::RateInverse);
    if !(q > 0.0) {
        return 0.0;
    }
    let c = (q * LN2) / a;
    if !(c < 1.0) {
        return f64::INFINITY;
    }
    (q * LN2) / lambert_t(c)
}

/// The root t > 0 of c expm1(t) = t for c in (0, 1) (t = -W_{-1}(-c e^-c) - c), from an
/// initial approximation accurate to about 5e-3 that a fixed number of Halley steps
/// (cubic convergence) takes to full precision, with no convergence test:
/// - c <= LAMBERT_SPLIT (0.4, t >= 1.6): the asymptotic series of W_{-1} in
///   A = ln(1/c) + c, t ~ L + l + l/A - l(l - 2)/(2 A^2) + l(2 l^2 - 9 l + 6)/(6 A^3),
///   l = ln A, then two Halley steps on psi(t) = t - L - ln(t + c), which is nearly
///   linear (psi'' = 1/(t + c)^2) and never overflows (t reaches 745 for the least c);
/// - c > LAMBERT_SPLIT: the Taylor series of t in u = 1 - c (exact by Sterbenz), whose
///   coefficients are rational (2, 2/3, 4/9, 44/135, ...), then two Halley steps on
///   h(t) = c expm1(t) - t; for u < LAMBERT_NEAR (0.05) the series alone is exact to
///   rounding.
///
/// Worst relative error over c in (0, 1), checked against 50-digit arithmetic: 3e-15.
/// The code is `simd::math::lambert_t`, written once for scalar and vector lanes; the
/// scalar path evaluates it with the C library's ln and expm1.
#[inline]
pub fn lambert_t(c: f64) -> f64 {
    if counters::ENABLED && math::lambert_steps(c) {
        counters::add(Kernel::LambertStep, math::HALLEY_STEPS as u64);
    }
    math::lambert_t(c)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::simd::math::{LAMBERT_NEAR, LAMBERT_SPLIT, SERIES_LIMIT};

    fn rel(x: f64, y: f64) -> f64 {
        ((x - y) / y).abs()
    }

    #[test]
    fn rate_inverse_undoes_rate_over_decades() {
        // b/a from 1e-6 to 1e3: the inverse is well conditioned there.
        for &a in [1.0, 3.7e5, 2.2e9, 1e14].iter() {
            let mut ratio = 1e-6;
            while ratio <= 1e3 {
                for &f in [1.0, 2.5, 7.3].iter() {
                    let b = a * ratio * f;
                    if b / a > 1e3 {
                        continue;
                    }
                    let back = rate_inverse(a, rate(a, b));
                    assert!(
                        rel(back, b) <= 1e-12,
                        "a {} b {} back {} rel {}",
                        a,
                        b,
                        back,
                        rel(back, b)
                    );
                }
                ratio *= 10.0;
            }
        }
    }

    #[test]
    fn rate_inverse_edges() {
        assert_eq!(rate_inverse(1e6, 0.0), 0.0);
        assert_eq!(rate_inverse(1e6, -1.0), 0.0);
        assert_eq!(rate_inverse(1e6, f64::NAN), 0.0);
        assert_eq!(rate_inverse(1e6, 1e6 / LN2), f64::INFINITY);
        assert_eq!(rate_inverse(1e6, f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn rate_matches_log2_where_it_is_well_conditioned() {
        // a = 3 b: r = b log2(4) = 2 b exactly.
        assert!(rel(rate(3e6, 1e6), 2e6) <= 1e-15);
        // r tends to a / ln 2.
        assert!(rel(rate(1.0, 1e20), 1.0 / LN2) <= 1e-15);
    }

    #[test]
    fn ln_gap_is_continuous_at_the_series_limit_and_matches_the_series() {
        let below = ln_gap(SERIES_LIMIT * (1.0 - 1e-15));
        let above = ln_gap(SERIES_LIMIT);
        assert!(rel(below, above) <= 1e-13, "{} {}", below, above);
        // x = 1e-4: log1p(x) - x/(1+x) = x^2/2 - 2x^3/3 + 3x^4/4 - ...
        let x: f64 = 1e-4;
        let want =
            x * x / 2.0 - 2.0 * x.powi(3) / 3.0 + 3.0 * x.powi(4) / 4.0 - 4.0 * x.powi(5) / 5.0;
        assert!(rel(ln_gap(x), want) <= 1e-15);
    }

    /// (c, t) with t = -W_{-1}(-c e^-c) - c to 17 digits, from 60-digit arithmetic (mpmath).
    #[allow(clippy::excessive_precision)]
    pub(crate) const LAMBERT_TABLE: [(f64, f64); 39] = [
        (5e-324, 751.06155953987908),
        (1e-310, 720.38115928798791),
        (1e-300, 697.32277629546016),
        (1e-200, 466.66262516534691),
        (1e-100, 235.72115887568531),
        (1e-50, 119.91604653543682),
        (1e-20, 49.962984276674473),
        (1e-12, 31.067172842017264),
        (1e-08, 21.488183944497883),
        (1e-05, 14.163601575480432),
        (0.001, 9.1181296448337879),
        (0.01, 6.4746003795893581),
        (0.05, 4.5139125430161851),
        (0.1, 3.6149504270875306),
        (0.2, 2.6603990584636849),
        (0.3, 2.0645682525377886),
        (0.35, 1.8284236378162165),
        (0.39999999999999997, 1.6187881252646833),
        (0.4, 1.6187881252646831),
        (0.4000000000000001, 1.6187881252646829),
        (0.45, 1.4295288071518689),
        (0.5, 1.2564312086261697),
        (0.6, 0.94740488161515166),
        (0.7, 0.67547159293210786),
        (0.8, 0.43084220978425893),
        (0.9, 0.20714650294424991),
        (0.93, 0.14342739465616245),
        (0.94, 0.12250043408546069),
        (0.9499999999999998, 0.10172434295994368),
        (0.95, 0.10172434295994345),
        (0.9500000000000001, 0.10172434295994322),
        (0.97, 0.060612270398324347),
        (0.99, 0.020067114396262855),
        (0.999, 0.0020006671114372958),
        (0.999999, 2.0000006667246225e-6),
        (0.9999999999, 2.0000001655474087e-10),
        (0.9999999999999, 2.0006218903745988e-13),
        (0.9999999999999998, 4.4408920985006265e-16),
        (0.9999999999999999, 2.2204460492503132e-16),
    ];

    #[test]
    fn lambert_t_matches_high_precision_values_over_the_whole_range() {
        for &(c, want) in LAMBERT_TABLE.iter() {
            let t = lambert_t(c);
            assert!(rel(t, want) <= 4e-15, "c {} t {} want {}", c, t, want);
        }
        assert_eq!(lambert_t(0.0), f64::INFINITY);
    }

    #[test]
    fn lambert_t_is_monotone_across_its_branch_switches() {
        let mut prev = f64::INFINITY;
        let mut e = -320.0;
        while e < 0.0 {
            let t = lambert_t(10f64.powf(e));
            assert!(t < prev, "c 1e{}", e);
            prev = t;
            e += 0.01;
        }
        // t moves by about 4e-14 relative over these two ulps of c near 0.95.
        for &c0 in [LAMBERT_SPLIT, 1.0 - LAMBERT_NEAR].iter() {
            assert!(rel(lambert_t(c0 * (1.0 - 1e-15)), lambert_t(c0 * (1.0 + 1e-15))) < 1e-13);
        }
    }

    #[test]
    fn rate_derivative_matches_a_central_difference() {
        let a = 5e6;
        for &b in [1e4, 1e6, 3e7, 1e9].iter() {
            let h = b * 1e-6;
            let fd = (rate(a, b + h) - rate(a, b - h)) / (2.0 * h);
            assert!(rel(rate_derivative(a, b), fd) <= 1e-6, "b {}", b);
        }
    }

    #[test]
    fn lambert_t_solves_its_equation_on_both_branches() {
        for &c in [1e-300, 1e-12, 1e-3, 0.2, 0.5, 0.5000001, 0.9, 0.999999].iter() {
            let t = lambert_t(c);
            // c expm1(t) = t, compared in the log domain to avoid overflow.
            // ln(e^t - 1) = t + ln(1 - e^-t) = t + ln(-expm1(-t)).
            let lhs = c.ln() + t + (-(-t).exp_m1()).ln();
            assert!(
                (lhs - t.ln()).abs() <= 1e-14 * t.ln().abs().max(1.0),
                "c {} t {}",
                c,
                t
            );
        }
    }
}
