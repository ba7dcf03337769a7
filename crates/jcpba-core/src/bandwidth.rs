//! Block B of MODEL.md section 3: the best bandwidth split for fixed pruning; mirrors
//! ts/core/bandwidth.ts.
//!
//! For a target T client k needs b_k(T) = r_k^{-1}(q_k(T)) Hz, with
//! q_k(T) = S (1 - phi_s rho_k) / (T - t0_k - c_k (1 - phi_c rho_k)) (MODEL.md section 8;
//! S m_k / (T - m_k c_k), m_k = 1 - rho_k, in the model of section 2). G(T) = sum_k b_k(T) - B
//! is convex and decreasing on (T_lo, inf); its root is the block optimum, where every client
//! finishes at the same T. b_k(T) has a pole at P_k, client k's latency with infinite
//! bandwidth (where q_k reaches a_k / ln 2), and b_k ~ 1 / (T - P_k) there; far from the poles the sum
//! falls like a power of T. Both are straight lines in (ln(T - P), ln sum), P = max_k P_k,
//! so Newton's method in those coordinates takes a handful of steps from the feasible
//! end (and never crosses the pole); bisection on the bracket safeguards it.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::instance::Instance;
use crate::rate::{counters, lambert_t, rate, Kernel, LN2};

const MAX_STEPS: u32 = 200;
/// Relative width at which the T bracket counts as closed (a few ulps).
const T_TOL: f64 = 4e-16;
/// A split over the band by at most this (relative) is scaled down onto it: that
/// lengthens no round by more than this relative amount.
const SCALE_SLACK: f64 = 1e-13;
/// Steps to the right of a T whose split is over the band by more than SCALE_SLACK.
const RIGHT_STEPS: u32 = 3;

/// Bandwidth each client needs to finish by T with pruning rho; writes `out`, returns
/// (sum, dG/dT).
fn demand(inst: &Instance, rho: &[f64], t: f64, out: &mut [f64]) -> (f64, f64) {
    let a = &inst.a;
    let mut sum = 0.0;
    let mut slope = 0.0;
    for k in 0..inst.clients {
        let slack = inst.upload_window(k, rho[k], t);
        let q = if slack > 0.0 {
            inst.payload(rho[k]) / slack
        } else {
            f64::INFINITY
        };
        // rate_inverse(a, q) = q ln2 / t, t = lambert_t(c), kept here for the slope.
        counters::count(Kernel::RateInverse);
        let z = (q * LN2) / a[k]; // the c of lambert_t
        if !(z < 1.0) {
            out[k] = f64::INFINITY;
            sum = f64::INFINITY;
            slope = f64::NEG_INFINITY;
            continue;
        }
        let tk = lambert_t(z);
        let b = (q * LN2) / tk;
        out[k] = b;
        sum += b;
        // db/dT = (dq/dT) / r'(b) with dq/dT = -q / slack and, at the root, ln(1 + a/b) = t,
        // a/b = t/z: r'(b) ln2 = t (z + t - 1) / (z + t); z + t - 1 = t - (1 - z) stays
        // accurate as z -> 1 (t ~ 2 (1 - z)).
        slope -= (b * (z + tk)) / (slack * (z - 1.0 + tk));
    }
    (sum, slope)
}

/// The block optimum for pruning `rho`: writes the bandwidth (summing to B) and returns
/// (T, steps), T the round latency of that point and steps the Newton/bisection steps.
pub fn bandwidth_block(inst: &Instance, rho: &[f64], bandwidth: &mut [f64]) -> (f64, u32) {
    bandwidth_block_from(inst, rho, bandwidth, None)
}

/// `bandwidth_block` with `upper`, when given, the round latency of some split of the
/// band with this pruning (bcd passes block A's latency): a feasible T that starts the
/// search closer than the equal split's.
pub fn bandwidth_block_from(
    inst: &Instance,
    rho: &[f64],
    bandwidth: &mut [f64],
    upper: Option<f64>,
) -> (f64, u32) {
    let (k_count, b_total, bits, a) = (inst.clients, inst.bandwidth_hz, inst.payload_bits, &inst.a);
    // Below T_lo some client needs infinite bandwidth; at T_hi the equal split suffices.
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    let equal = b_total / k_count as f64;
    for k in 0..k_count {
        lo = lo.max(inst.latency(k, rho[k], (bits * LN2) / a[k]));
        if upper.is_none() {
            hi = hi.max(inst.latency(k, rho[k], bits / rate(a[k], equal)));
        }
    }
    if let Some(upper) = upper {
        hi = upper;
    }
    let pole = lo;
    let mut t = hi;
    let mut steps = 0;
    // The last T evaluated and dG/dT there.
    let mut last_t = t;
    let mut last_slope = f64::NAN;
    while steps < MAX_STEPS {
        let (sum, slope) = demand(inst, rho, t, bandwidth);
        last_t = t;
        last_slope = slope;
        let g = sum - b_total;
        if g > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        if g == 0.0 || hi - lo <= T_TOL * hi {
            break;
        }
        // Newton on ln sum = ln B in y = ln(T - pole): dy = -ln(sum / B) / (d ln sum / dy).
        let mut next = if g.is_finite() && slope < 0.0 {
            pole + (t - pole) * (-(sum / b_total).ln() / (((t - pole) * slope) / sum)).exp()
        } else {
            f64::NAN
        };
        // A step below the tolerance ends the search, before the bracket test: such a step
        // can round onto the bracket end just set, which must not trigger bisection.
        if (next - t).abs() <= T_TOL * t {
            break;
        }
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        t = next;
        steps += 1;
    }
    // `bandwidth` holds b(T) for the last T, whose sum is B up to the resolution of T.
    // Rescale onto the band exactly: scaling down keeps feasibility, scaling up only
    // shortens rounds. But scaling down by a factor 1 - e lengthens the rounds of clients
    // whose latency is mostly upload by about e: when one client near its pole holds most
    // of the band, its demand moves by much more than B e over the last ulps of T, and e
    // is far above the resolution of T. Then step T right of the root instead.
    let mut sum = 0.0;
    for k in 0..k_count {
        sum += bandwidth[k];
    }
    if sum.is_finite() && sum > b_total * (1.0 + SCALE_SLACK) && last_slope < 0.0 {
        let mut t_up = last_t;
        for _ in 0..RIGHT_STEPS {
            // Twice Newton's correction: G is convex, so Newton from the left falls short.
            t_up += (2.0 * (sum - b_total) / -last_slope).max(T_TOL * t_up);
            if !(t_up < hi) {
                break;
            }
            let (s, slope) = demand(inst, rho, t_up, bandwidth);
            sum = s;
            last_slope = slope;
            if !(sum > b_total * (1.0 + SCALE_SLACK) && slope < 0.0) {
                break;
            }
        }
    }
    if !(sum <= b_total * (1.0 + SCALE_SLACK)) {
        // Left of some client's asymptote, or still over the band: the feasible end.
        demand(inst, rho, hi, bandwidth);
        sum = 0.0;
        for k in 0..k_count {
            sum += bandwidth[k];
        }
    }
    let scale = b_total / sum;
    for k in 0..k_count {
        bandwidth[k] *= scale;
    }
    (round_latency(inst, rho, bandwidth, None), steps + 1)
}

/// tau_k = t0_k + c_k (1 - phi_c rho_k) + S (1 - phi_s rho_k) / r_k(b_k), s
/// ((1 - rho_k)(c_k + S / r_k(b_k)) in the model of section 2).
pub fn client_latency(inst: &Instance, k: usize, rho: f64, b: f64) -> f64 {
    inst.latency(k, rho, inst.payload_bits / rate(inst.a[k], b))
}

/// max_k tau_k; the per-client latencies go to `out` when given.
pub fn round_latency(inst: &Instance, rho: &[f64], b: &[f64], mut out: Option<&mut [f64]>) -> f64 {
    let mut t = 0.0;
    for k in 0..inst.clients {
        let tau = client_latency(inst, k, rho[k], b[k]);
        if let Some(out) = out.as_mut() {
            out[k] = tau;
        }
        if tau > t {
            t = tau;
        }
    }
    t
}

/// Block A's data for bandwidth b (MODEL.md section 8): U_k = t0_k + c_k + S / r_k(b_k),
/// client k's unpruned latency (s), to `u`, and V_k = phi_c c_k + phi_s S / r_k(b_k), the
/// latency a whole unit of pruning removes (s; tau_k = U_k - V_k rho_k), to `v`.
pub fn pruning_coefficients(inst: &Instance, b: &[f64], u: &mut [f64], v: &mut [f64]) {
    for k in 0..inst.clients {
        let upload = inst.payload_bits / rate(inst.a[k], b[k]);
        u[k] = inst.unpruned(k, upload);
        v[k] = inst.prunable(k, upload);
    }
}
