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
use crate::rate::{counters, rate, LN2};
use crate::simd::columns::{self, Step};
use crate::simd::{self, dispatch, math, Lanes, Mask};

const MAX_STEPS: u32 = 200;
/// Relative width at which the T bracket counts as closed (a few ulps).
const T_TOL: f64 = 4e-16;
/// A split over the band by at most this (relative) is scaled down onto it: that
/// lengthens no round by more than this relative amount.
const SCALE_SLACK: f64 = 1e-13;
/// Steps to the right of a T whose split is over the band by more than SCALE_SLACK.
const RIGHT_STEPS: u32 = 3;

/// Bandwidth each client needs to finish by T with pruning rho; writes `out`, returns
/// (sum, dG/dT). One column kernel over the clients (simd::columns).
fn demand(inst: &Instance, rho: &[f64], t: f64, out: &mut [f64]) -> (f64, f64) {
    dispatch(inst.level, Demand { inst, rho, t, out })
}

struct Demand<'a, 'b> {
    inst: &'a Instance<'b>,
    rho: &'a [f64],
    t: f64,
    out: &'a mut [f64],
}

impl<'a, 'b> simd::Kernel for Demand<'a, 'b> {
    type Output = (f64, f64);

    #[inline(always)]
    fn run<V: Lanes>(self) -> (f64, f64) {
        let inst = self.inst;
        let n = inst.clients;
        let (t, ln2, one, zero) = (
            V::splat(self.t),
            V::splat(LN2),
            V::splat(1.0),
            V::splat(0.0),
        );
        let (phi_c, phi_s, bits) = (
            V::splat(inst.phi_c),
            V::splat(inst.phi_s),
            V::splat(inst.payload_bits),
        );
        let mut sum = zero;
        let mut slope = zero;
        let mut unreachable = false;
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let rho = step.load(self.rho, 0.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let a = step.load(&inst.a, 1.0);
            // inst.upload_window and inst.payload, lane by lane.
            let slack = (t - t0) - (one - phi_c * rho) * c;
            let payload = bits * (one - phi_s * rho);
            let q = V::select(slack.gt(zero), payload / slack, V::splat(f64::INFINITY));
            // rate_inverse(a, q) = q ln2 / t, t = lambert_t(c), kept here for the slope.
            let z = (q * ln2) / a; // the c of lambert_t
            let reachable = z.lt(one);
            let tk = math::lambert_t(z);
            let b = (q * ln2) / tk;
            step.store(V::select(reachable, b, V::splat(f64::INFINITY)), self.out);
            let counted = step.valid & reachable;
            unreachable |= (step.valid & !reachable).any();
            sum = sum + V::select(counted, b, zero);
            // db/dT = (dq/dT) / r'(b) with dq/dT = -q / slack and, at the root,
            // ln(1 + a/b) = t, a/b = t/z: r'(b) ln2 = t (z + t - 1) / (z + t); z + t - 1 =
            // t - (1 - z) stays accurate as z -> 1 (t ~ 2 (1 - z)).
            slope = slope - V::select(counted, (b * (z + tk)) / (slack * (z - one + tk)), zero);
            if counters::ENABLED {
                columns::count_inverses(&step.lanes(z)[..step.count]);
            }
            start += V::N;
        }
        if unreachable {
            (f64::INFINITY, f64::NEG_INFINITY)
        } else {
            (sum.sum(), slope.sum())
        }
    }
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
pub fn round_latency(inst: &Instance, rho: &[f64], b: &[f64], out: Option<&mut [f64]>) -> f64 {
    dispatch(inst.level, RoundLatency { inst, rho, b, out })
}

struct RoundLatency<'a, 'b> {
    inst: &'a Instance<'b>,
    rho: &'a [f64],
    b: &'a [f64],
    out: Option<&'a mut [f64]>,
}

impl<'a, 'b> simd::Kernel for RoundLatency<'a, 'b> {
    type Output = f64;

    #[inline(always)]
    fn run<V: Lanes>(mut self) -> f64 {
        let inst = self.inst;
        let n = inst.clients;
        let mut worst = 0.0;
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let rho = step.load(self.rho, 0.0);
            let b = step.load(self.b, 1.0);
            let a = step.load(&inst.a, 1.0);
            let upload = V::splat(inst.payload_bits) / math::rate(a, b);
            let tau = latency(inst, &step, rho, upload);
            if let Some(out) = self.out.as_mut() {
                step.store(tau, out);
            }
            let lanes = step.lanes(tau);
            for &x in lanes[..step.count].iter() {
                if x > worst {
                    worst = x;
                }
            }
            start += V::N;
        }
        worst
    }
}

/// Instance::latency on lanes: t0 + (1 - phi_s rho)(c + upload) + ((phi_s - phi_c) rho) c.
#[inline(always)]
fn latency<V: Lanes>(inst: &Instance, step: &Step<V>, rho: V, upload: V) -> V {
    let c = step.load(inst.c, 0.0);
    let t0 = step.load(&inst.t0, 0.0);
    let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
    t0 + (V::splat(1.0) - phi_s * rho) * (c + upload) + ((phi_s - phi_c) * rho) * c
}

/// Block A's data for bandwidth b (MODEL.md section 8): U_k = t0_k + c_k + S / r_k(b_k),
/// client k's unpruned latency (s), to `u`, and V_k = phi_c c_k + phi_s S / r_k(b_k), the
/// latency a whole unit of pruning removes (s; tau_k = U_k - V_k rho_k), to `v`.
pub fn pruning_coefficients(inst: &Instance, b: &[f64], u: &mut [f64], v: &mut [f64]) {
    dispatch(inst.level, Coefficients { inst, b, u, v })
}

struct Coefficients<'a, 'b> {
    inst: &'a Instance<'b>,
    b: &'a [f64],
    u: &'a mut [f64],
    v: &'a mut [f64],
}

impl<'a, 'b> simd::Kernel for Coefficients<'a, 'b> {
    type Output = ();

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let inst = self.inst;
        let n = inst.clients;
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let b = step.load(self.b, 1.0);
            let a = step.load(&inst.a, 1.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let upload = V::splat(inst.payload_bits) / math::rate(a, b);
            // Instance::unpruned and Instance::prunable.
            step.store(t0 + c + upload, self.u);
            step.store(
                V::splat(inst.phi_c) * c + V::splat(inst.phi_s) * upload,
                self.v,
            );
            start += V::N;
        }
    }
}
