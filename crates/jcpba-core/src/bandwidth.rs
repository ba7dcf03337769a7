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

use crate::energy;
use crate::instance::Instance;
use crate::rate::{counters, rate, LN2};
use crate::simd::columns::{self, Step};
use crate::simd::{self, dispatch, math, Lanes, Mask};

const MAX_STEPS: u32 = 200;
/// A demand this close above B (relative) counts as the root: the rescaled point's
/// latency is within that factor of the root's.
const NEAR: f64 = 1e-12;
/// Relative width at which the T bracket counts as closed (a few ulps).
const T_TOL: f64 = 4e-16;

/// Bandwidth each client needs to finish by T with pruning rho, at least `floor` (empty:
/// no floors); writes `out`, returns (sum, dG/dT). One column kernel over the clients
/// (simd::columns).
fn demand(inst: &Instance, rho: &[f64], floor: &[f64], t: f64, out: &mut [f64]) -> (f64, f64) {
    dispatch(
        inst.level,
        Demand {
            inst,
            rho,
            floor,
            t,
            out,
        },
    )
}

struct Demand<'a, 'b> {
    inst: &'a Instance<'b>,
    rho: &'a [f64],
    floor: &'a [f64],
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
        let floors = !self.floor.is_empty();
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
            let mut b = (q * ln2) / tk;
            // With floors (MODEL.md 11.2) a client at its floor does not move with T.
            let mut moving = step.valid;
            if floors {
                let f = step.load(self.floor, 0.0);
                let below = b.lt(f);
                b = V::select(below, f, b);
                moving = moving & !below;
            }
            step.store(V::select(reachable, b, V::splat(f64::INFINITY)), self.out);
            let counted = step.valid & reachable;
            unreachable |= (step.valid & !reachable).any();
            sum = sum + V::select(counted, b, zero);
            // db/dT = (dq/dT) / r'(b) with dq/dT = -q / slack and, at the root,
            // ln(1 + a/b) = t, a/b = t/z: r'(b) ln2 = t (z + t - 1) / (z + t); z + t - 1 =
            // t - (1 - z) stays accurate as z -> 1 (t ~ 2 (1 - z)).
            slope = slope
                - V::select(
                    counted & moving,
                    (b * (z + tk)) / (slack * (z - one + tk)),
                    zero,
                );
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
    bandwidth_block_from(inst, rho, bandwidth, false)
}

/// `bandwidth_block` from a feasible start: with `warm`, `bandwidth` holds on entry a split
/// of the band (sum <= B; bcd passes block A's point); otherwise the start is the equal
/// split. The result is never worse than the start: the search returns only a point it
/// built from a T on the feasible side of its bracket (sum_k b_k(T) <= B, rescaled up onto
/// the band) or just left of the root (sum within 1 + NEAR of B, rescaled down), and only
/// when its recomputed latency is below the start's. Where rounding leaves no such T (a
/// client whose rate is saturated, a_k << b_k, or whose upload time is below the rounding
/// of its compute time), the start's own split is the answer to the precision the latency
/// has.
pub fn bandwidth_block_from(
    inst: &Instance,
    rho: &[f64],
    bandwidth: &mut [f64],
    warm: bool,
) -> (f64, u32) {
    bandwidth_block_floors(inst, rho, bandwidth, warm, &[])
}

/// `bandwidth_block_from` with a least bandwidth per client, `floor` (MODEL.md 11.2: the
/// bandwidth with which a capped client meets its cap, energy::bandwidth_floors; empty:
/// none): each client needs max(r^-1(q_k(T)), floor_k), and the point found is moved onto
/// the band keeping every floor (energy::onto_band). The caller has checked that the
/// floors sum to less than B; a warm start must meet them, and the cold start is
/// the equal split when it meets every cap, else energy::spread_over.
pub fn bandwidth_block_floors(
    inst: &Instance,
    rho: &[f64],
    bandwidth: &mut [f64],
    warm: bool,
    floor: &[f64],
) -> (f64, u32) {
    let (k_count, b_total, bits, a) = (inst.clients, inst.bandwidth_hz, inst.payload_bits, &inst.a);
    if !warm {
        let equal = b_total / k_count as f64;
        for k in 0..k_count {
            bandwidth[k] = equal;
        }
        // With floors, the equal split when it meets every cap (so that the block is
        // never worse than `equal`), else the floors and an equal share of what they
        // leave of the band.
        if !floor.is_empty() && !energy::broken_caps(inst, rho, bandwidth).is_empty() {
            energy::spread_over(inst, floor, bandwidth);
        }
    }
    let start = round_latency(inst, rho, bandwidth, None);
    // Below T_lo some client needs infinite bandwidth; the start reaches T_hi.
    let mut lo: f64 = 0.0;
    for k in 0..k_count {
        lo = lo.max(inst.latency(k, rho[k], (bits * LN2) / a[k]));
    }
    let mut hi = start;
    let pole = lo;
    let mut need = vec![0.0; k_count];
    // b(hi), once some evaluated T had sum_k b_k(T) <= B (hi is then the least such T).
    let mut best = vec![0.0; k_count];
    let mut found = false;
    // Whether `need` holds b(T) for the last T, just left of the root (sum_k b_k(T) - B
    // within NEAR B): rescaled down onto the band it is as good as the root itself.
    let mut near = false;
    let mut t = hi;
    let mut past: f64 = 0.0;
    let mut steps = 0;
    while steps < MAX_STEPS {
        let (sum, slope) = demand(inst, rho, floor, t, &mut need);
        let g = sum - b_total;
        near = g > 0.0 && g <= NEAR * b_total;
        if g > 0.0 {
            lo = t;
        } else if g <= 0.0 {
            hi = t;
            found = true;
            best.copy_from_slice(&need);
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
        // A step below the tolerance ends the search, before the bracket test: such a
        // step can round onto the bracket end just set, which must not trigger bisection.
        // Left of the root and not near it (where rounding leaves no T between a demand
        // far above B and one below it) it steps just past the root instead (2 ulps,
        // doubling), so that the point returned comes from the feasible side.
        if (next - t).abs() <= T_TOL * t {
            if !(g > NEAR * b_total) {
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
    if near {
        // Rescaling down by at most 1 + NEAR lengthens uploads by at most that factor.
        best.copy_from_slice(&need);
        found = true;
    }
    if found && energy::onto_band(inst, floor, &mut best) {
        // Onto the band: up from b(hi), which only shortens rounds, or down by at most
        // 1 + NEAR (keeping the floors).
        let t1 = round_latency(inst, rho, &best, None);
        if t1 < start {
            bandwidth.copy_from_slice(&best);
            return (t1, steps + 1);
        }
    }
    (start, steps + 1)
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
                // NaN propagates: a point with an undefined latency never looks good.
                if x > worst || x.is_nan() {
                    worst = x;
                }
            }
            start += V::N;
        }
        worst
    }
}

/// Instance::latency on lanes: t0 + (1 - phi rho)(c + upload) when phi_c = phi_s = phi,
/// else t0 + c (1 - phi_c rho) + upload (1 - phi_s rho).
#[inline(always)]
pub(crate) fn latency<V: Lanes>(inst: &Instance, step: &Step<V>, rho: V, upload: V) -> V {
    let c = step.load(inst.c, 0.0);
    let t0 = step.load(&inst.t0, 0.0);
    let one = V::splat(1.0);
    let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
    if inst.phi_s == inst.phi_c {
        t0 + (one - phi_s * rho) * (c + upload)
    } else {
        t0 + c * (one - phi_c * rho) + upload * (one - phi_s * rho)
    }
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
