//! Block B of MODEL.md section 3: the best bandwidth split for fixed pruning; mirrors
//! ts/bandwidth.ts.
//!
//! For a target T client k needs b_k(T) = r_k^{-1}(q_k(T)) Hz, with
//! q_k(T) = S m_k / (T - m_k c_k) and m_k = 1 - rho_k. G(T) = sum_k b_k(T) - B is convex
//! and decreasing on (T_lo, inf); its root is the block optimum, where every client
//! finishes at the same T. Safeguarded Newton on G, bracketed by bisection.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::instance::Instance;
use crate::rate::{rate, rate_derivative, rate_inverse, LN2};

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
        let b = rate_inverse(a[k], q);
        out[k] = b;
        sum += b;
        // db/dT = (dq/dT) / r'(b), dq/dT = -q^2 / (S m).
        slope -= (q * q) / (bits * m) / rate_derivative(a[k], b);
    }
    (sum, slope)
}

/// The block optimum for pruning `rho`: writes the bandwidth (summing to B) and returns
/// (T, steps), T the round latency of that point and steps the Newton/bisection steps.
pub fn bandwidth_block(inst: &Instance, rho: &[f64], bandwidth: &mut [f64]) -> (f64, u32) {
    let (k_count, b_total, bits, c, a) = (
        inst.clients,
        inst.bandwidth_hz,
        inst.payload_bits,
        inst.c,
        &inst.a,
    );
    // Below T_lo some client needs infinite bandwidth; at T_hi the equal split suffices.
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    let equal = b_total / k_count as f64;
    for k in 0..k_count {
        let m = 1.0 - rho[k];
        lo = lo.max(m * (c[k] + (bits * LN2) / a[k]));
        hi = hi.max(m * (c[k] + bits / rate(a[k], equal)));
    }
    let mut t = hi;
    let mut steps = 0;
    while steps < MAX_STEPS {
        let (sum, slope) = demand(inst, rho, t, bandwidth);
        let g = sum - b_total;
        if g > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        if g == 0.0 || hi - lo <= T_TOL * hi {
            break;
        }
        let mut next = if g.is_finite() && slope < 0.0 {
            t - g / slope
        } else {
            f64::NAN
        };
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - t).abs() <= T_TOL * t {
            break;
        }
        t = next;
        steps += 1;
    }
    // `bandwidth` holds b(T) for the last T; its sum is within rounding of B. Rescale onto
    // the band exactly: scaling down keeps feasibility, scaling up only shortens rounds.
    let mut sum = 0.0;
    for k in 0..k_count {
        sum += bandwidth[k];
    }
    if !sum.is_finite() {
        // The last T was left of some client's asymptote: fall back to the feasible end.
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
        if tau > t {
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
