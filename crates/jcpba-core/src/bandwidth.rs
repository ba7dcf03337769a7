//! Block B of MODEL.md section 3: the best bandwidth split for fixed pruning; mirrors
//! ts/core/bandwidth.ts.
//!
//! For a target T client k needs b_k(T) = r_k^{-1}(q_k(T)) Hz, with
//! q_k(T) = S m_k / (T - m_k c_k) and m_k = 1 - rho_k. G(T) = sum_k b_k(T) - B is convex
//! and decreasing on (T_lo, inf); its root is the block optimum, where every client
//! finishes at the same T. b_k(T) has a pole at P_k = m_k (c_k + S ln2 / a_k), where
//! q_k reaches a_k / ln 2, and b_k ~ 1 / (T - P_k) there; far from the poles the sum
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

/// Bandwidth each client needs to finish by T with pruning rho; writes `out`, returns
/// (sum, dG/dT).
fn demand(inst: &Instance, rho: &[f64], t: f64, out: &mut [f64]) -> (f64, f64) {
    let (c, a, bits) = (inst.c, &inst.a, inst.payload_bits);
    let mut sum = 0.0;
    let mut slope = 0.0;
    for k in 0..inst.clients {
        let m = 1.0 - rho[k];
        let slack = t - m * c[k];
        let q = if slack > 0.0 {
            (bits * m) / slack
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
    bandwidth_block_from(inst, rho, bandwidth, false)
}

/// `bandwidth_block` from a feasible start: with `warm`, `bandwidth` holds on entry a split
/// of the band (sum <= B; bcd passes block A's point); otherwise the start is the equal
/// split. The result is never worse than
/// the start: the search only returns a point it built on the feasible side of its bracket
/// (T with sum_k b_k(T) <= B, rescaled up onto the band) and whose recomputed latency is
/// below the start's. Where rounding leaves no such T (a client whose rate is saturated,
/// a_k << b_k, or whose upload time is below the rounding of its compute time), the
/// start's own split is the answer to the precision the latency has.
pub fn bandwidth_block_from(
    inst: &Instance,
    rho: &[f64],
    bandwidth: &mut [f64],
    warm: bool,
) -> (f64, u32) {
    let (k_count, b_total, bits, c, a) = (
        inst.clients,
        inst.bandwidth_hz,
        inst.payload_bits,
        inst.c,
        &inst.a,
    );
    if !warm {
        let equal = b_total / k_count as f64;
        for k in 0..k_count {
            bandwidth[k] = equal;
        }
    }
    let start = round_latency(inst, rho, bandwidth, None);
    // Below T_lo some client needs infinite bandwidth; the start reaches T_hi.
    let mut lo: f64 = 0.0;
    for k in 0..k_count {
        let m = 1.0 - rho[k];
        lo = lo.max(m * (c[k] + (bits * LN2) / a[k]));
    }
    let mut hi = start;
    let pole = lo;
    let mut need = vec![0.0; k_count];
    let mut t = hi;
    // Whether some evaluated T had sum_k b_k(T) <= B (then hi is the least such T), and
    // whether `need` holds b(hi).
    let mut found = false;
    let mut need_at_hi = false;
    let mut past: f64 = 0.0;
    let mut steps = 0;
    while steps < MAX_STEPS {
        let (sum, slope) = demand(inst, rho, t, &mut need);
        let g = sum - b_total;
        if g > 0.0 {
            lo = t;
            need_at_hi = false;
        } else if g <= 0.0 {
            hi = t;
            found = true;
            need_at_hi = true;
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
        // A step below the tolerance ends the search on the feasible side, before the
        // bracket test: such a step can round onto the bracket end just set, which must
        // not trigger bisection. On the infeasible side it steps just past the root
        // instead (2 ulps, doubling), so that the point returned is one of T's own.
        if (next - t).abs() <= T_TOL * t {
            if !(g > 0.0) {
                break;
            }
            past = if past > 0.0 { 2.0 * past } else { T_TOL * t };
            next = t + past;
        }
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        t = next;
        steps += 1;
    }
    if found {
        if !need_at_hi {
            demand(inst, rho, hi, &mut need);
        }
        // sum_k b_k(hi) <= B: rescaling up onto the band only shortens rounds.
        let mut sum = 0.0;
        for k in 0..k_count {
            sum += need[k];
        }
        let scale = b_total / sum;
        for k in 0..k_count {
            need[k] *= scale;
        }
        let t1 = round_latency(inst, rho, &need, None);
        if t1 < start {
            bandwidth.copy_from_slice(&need);
            return (t1, steps + 1);
        }
    }
    (start, steps + 1)
}

/// tau_k = (1 - rho_k)(c_k + S / r_k(b_k)), s.
pub fn client_latency(inst: &Instance, k: usize, rho: f64, b: f64) -> f64 {
    (1.0 - rho) * (inst.c[k] + inst.payload_bits / rate(inst.a[k], b))
}

/// max_k tau_k; the per-client latencies go to `out` when given.
pub fn round_latency(inst: &Instance, rho: &[f64], b: &[f64], mut out: Option<&mut [f64]>) -> f64 {
    let mut t = 0.0;
    for k in 0..inst.clients {
        let tau = client_latency(inst, k, rho[k], b[k]);
        if let Some(out) = out.as_mut() {
            out[k] = tau;
        }
        // NaN propagates: a point with an undefined latency never looks good.
        if tau > t || tau.is_nan() {
            t = tau;
        }
    }
    t
}

/// U_k = c_k + S / r_k(b_k): client k's unpruned latency with its bandwidth, s.
pub fn unpruned_latencies(inst: &Instance, b: &[f64], out: &mut [f64]) {
    for k in 0..inst.clients {
        out[k] = inst.c[k] + inst.payload_bits / rate(inst.a[k], b[k]);
    }
}
