//! The uplink rate model and its inverse (MODEL.md section 2); mirrors ts/rate.ts.
//!
//! `a` is the client's SNR bandwidth, a = p g / N0 in Hz; the rate with b Hz is
//! r(b) = b log2(1 + a / b), increasing and concave, tending to a / ln 2.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub use std::f64::consts::LN_2 as LN2;

/// Uplink rate in bit/s with `b` Hz of bandwidth.
pub fn rate(a: f64, b: f64) -> f64 {
    (b * (a / b).ln_1p()) / LN2
}

/// Below this x, `ln_gap` sums its Taylor series instead of cancelling.
const SERIES_LIMIT: f64 = 0.05;
/// 0.05^15 is far below double precision.
const SERIES_TERMS: u32 = 16;

/// log1p(x) - x / (1 + x), accurate for every x > 0. The direct formula cancels for
/// small x (the value is about x^2 / 2), so there we sum its Taylor series
/// sum_{n>=2} (-1)^n (n - 1) / n x^n.
pub fn ln_gap(x: f64) -> f64 {
    if x < SERIES_LIMIT {
        let mut sum = 0.0;
        let mut n = SERIES_TERMS;
        while n >= 2 {
            let nf = n as f64;
            sum = (nf - 1.0) / nf - x * sum;
            n -= 1;
        }
        // The loop evaluated sum_{n>=2} (-1)^n (n-1)/n x^(n-2) by Horner's rule.
        return x * x * sum;
    }
    x.ln_1p() - x / (1.0 + x)
}

/// dr/db in bit/s per Hz.
pub fn rate_derivative(a: f64, b: f64) -> f64 {
    ln_gap(a / b) / LN2
}

/// The bandwidth (Hz) that carries `q` bit/s: the inverse of `rate`, through Lambert W
/// branch -1 (MODEL.md section 3). With c = q ln2 / a and t = ln(1 + a / b), the rate
/// equation is c (e^t - 1) = t; its positive root is t = ln y, y = -W_{-1}(-c e^-c) / c,
/// and b = a / (e^t - 1). Returns +inf when q >= a / ln 2 (no bandwidth suffices)
/// and 0 for q <= 0 (and for NaN).
///
/// Accuracy: relative 1e-15 in t; b inherits the conditioning of the problem, whose
/// relative condition number is about 2 / (a / b) when b >> a (q near a / ln 2).
pub fn rate_inverse(a: f64, q: f64) -> f64 {
    if !(q > 0.0) {
        return 0.0;
    }
    let c = (q * LN2) / a;
    if !(c < 1.0) {
        return f64::INFINITY;
    }
    a / lambert_t(c).exp_m1()
}

const NEWTON_CAP: u32 = 100;
/// Relative Newton step below which t is converged (a couple of ulps).
const NEWTON_STOP: f64 = 4e-16;

/// The root t > 0 of h(t) = c expm1(t) - t for c in (0, 1), by Newton's method started
/// above the root. h is convex and increasing right of the root, so the iterates decrease
/// monotonically and converge quadratically; the starting points are proven upper bounds:
/// expm1(t) >= t + t^2/2 gives t^ <= 2 (1 - c) / c, and t^ = ln(1 + t^ / c) is a fixed point
/// of an increasing map, so mapping the bound 2 ln(2/c) through it stays above the root.
pub fn lambert_t(c: f64) -> f64 {
    if c > 0.5 {
        let mut t = (2.0 * (1.0 - c)) / c;
        for _ in 0..NEWTON_CAP {
            let next = t - (c * t.exp_m1() - t) / (c * t.exp() - 1.0);
            if !(next < t) {
                break;
            }
            let small = t - next <= NEWTON_STOP * t;
            t = next;
            if small {
                break;
            }
        }
        return t;
    }
    // Small c: work with e^(t - L), L = ln(1/c), which stays moderate where e^t overflows.
    let l = -c.ln();
    let mut t = (c + 2.0 * LN2 + 2.0 * l).ln() + l;
    for _ in 0..NEWTON_CAP {
        let e = (t - l).exp();
        let next = t - (e - c - t) / (e - 1.0);
        if !(next < t) {
            break;
        }
        let small = t - next <= NEWTON_STOP * t;
        t = next;
        if small {
            break;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

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
