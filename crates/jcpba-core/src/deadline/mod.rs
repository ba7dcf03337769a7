//! Deadline mode (MODEL.md section 9): the least weighted pruning that meets a round
//! deadline D; mirrors ts/core/deadline.ts.
//!
//! ```text
//! Q(D):  minimize P = sum_k w_k rho_k  subject to  tau_k(rho_k, b_k) <= D for every k,
//!        sum_k b_k <= B,  0 <= rho_k <= rmax_k      (the pruning budget is not used)
//! ```
//!
//! For T = D this is the separable convex problem of `optimal` (section 5) with the roles
//! of the two resources swapped. Each client is parametrized by its bandwidth b, with
//! rho(b) = (U(b) - D) / V(b) convex and decreasing on its box [b_lo, b_hi] (b_lo: the
//! bandwidth it needs at full pruning, b_hi: unpruned); with a price 1 / lambda >= 0 on
//! bandwidth each client minimizes w_k rho + b / lambda, the same minimizer as the
//! b + lambda w_k rho of `optimal` (optimal::solve_client), and lambda is set so that the
//! band is used: sum_k b_k(lambda) = B, increasing in lambda.
//!
//! The certificate [lowerBound, upperBound] on the least P:
//! - lower: weak duality, for every lambda > 0,
//!   sum_k min_b (w_k rho_k(b) + b / lambda) - B / lambda = P(lambda) + (sum_k b_k - B) / lambda
//!   <= P*, less the rounding noise of both sums (as in `optimal`);
//! - upper: a feasible point actually built: the split of a price whose split fits the band,
//!   scaled up onto the band, each client pruning the least that meets D with its bandwidth.
//!
//! Newton's method on ln sum_k b_k(lambda) = ln B' in ln lambda drives the price, with B'
//! a little below B: B - tolerance lambda / 2, where the dual gap (B - sum b) / lambda is
//! half the tolerance, so the iterates land on the feasible side; a bracket safeguards it.
//!
//! Q(D) is infeasible exactly when D is below the round latency with every client at its
//! cap and the best split of the band (block B at rho = rmax: `optimal` with the budget
//! removed), which is then reported as the least feasible deadline.
//!
//! Minimum pruning and energy caps (MODEL.md sections 11.2 and 12): each box is
//! [rmin_k, rmax_k] (so the least pruning is at least sum_k w_k rmin_k), and client k's
//! least pruning with b Hz is max(rho_T(b), rho_E(b)), both convex and decreasing:
//! `optimal`'s boxes and per-client solution with the cap's kink carry over, and every
//! need at full pruning or at the least pruning takes the cap's floor too. The least
//! feasible deadline is block B at full pruning with the caps' floors; when the caps alone
//! rule out every deadline (a client fails its cap condition, or the floors at full
//! pruning exceed the band) it is None and `infeasible_clients` says why.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::bandwidth::{bandwidth_block, bandwidth_block_floors, round_latency};
use crate::energy::{
    bandwidth_floors, cap_bandwidth, cap_pruning, compute_power, fixed_energy, total,
    unreachable_caps, upload_allowance,
};
use crate::error::Error;
use crate::instance::{instance, Instance};
use crate::optimal::{boxes, price_response, rho_noise_scale, stationarity, Workspace, RHO_NOISE};
use crate::options::SolveOptions;
use crate::problem::{validate, ProblemView};
use crate::pruning::weighted;
use crate::rate::LN2;
use crate::rate::{rate, rate_inverse};
use crate::simd::dispatch;
use crate::solution::Status;

mod kernels;
use kernels::{BoxNoise, Fit, LeastPruning, Needs as NeedColumns, PreciseBoxes};

/// Newton steps in ln lambda start here when the band is not yet bracketed.
const PRICE_STRIDE: f64 = 4.0;
/// The accuracy contract's slack on the deadline (MODEL.md section 6): a deadline below
/// the least feasible one by at most this (relative) counts as met by the point at full
/// pruning.
const DEADLINE_SLACK: f64 = 1e-12;
/// The unit roundoff.
const U: f64 = f64::EPSILON / 2.0;
/// A bound on the relative rounding error of a computed client latency (a few
/// operations, 16 ulps, with margin).
const LATENCY_ROUNDING: f64 = 64.0 * U;
/// Steps of least_pruning's rise onto the deadline: doubling from an ulp, 64 reach any rmax.
const ROUNDING_STEPS: u32 = 64;

/// What deadline mode returns (docs/CORE_API.md, "Deadline mode").
#[derive(Clone, Debug, PartialEq)]
pub struct MinPruning {
    /// D, seconds.
    pub deadline: f64,
    /// `Converged` (the certificate is within the tolerance), `IterationLimit`, or
    /// `Infeasible` (no point meets D: then no point and `min_deadline`).
    pub status: Status,
    /// sum_k w_k rho_k of the returned point (weights normalized), equal to `upper_bound`.
    pub weighted_pruning: Option<f64>,
    /// Certified: no point meeting D prunes less.
    pub lower_bound: Option<f64>,
    pub upper_bound: Option<f64>,
    /// max_k tau_k of the returned point (at most D, up to rounding), seconds.
    pub latency: Option<f64>,
    /// The returned point; empty when infeasible.
    pub pruning: Vec<f64>,
    pub bandwidth: Vec<f64>,
    pub client_latency: Vec<f64>,
    /// Price evaluations.
    pub iterations: u32,
    /// The least feasible deadline, seconds; only when infeasible, and None then when the
    /// energy caps alone rule out every deadline (MODEL.md 11.2).
    pub min_deadline: Option<f64>,
    /// Only when infeasible with `min_deadline` None: the clients (0-based, ascending)
    /// that fail their cap condition, or empty when the caps' floors at full pruning
    /// together exceed the band.
    pub infeasible_clients: Option<Vec<usize>>,
}

fn deadline_error() -> Error {
    Error::invalid_option("deadline", "deadline must be a positive finite number")
}

/// The bindings' check of deadline mode's numbers, as JavaScript gives them, in the
/// contract's order: the deadline, then the tolerance and the iteration cap.
pub fn min_pruning_options(
    deadline: f64,
    tolerance: f64,
    max_iterations: f64,
) -> Result<SolveOptions, Error> {
    if !(deadline.is_finite() && deadline > 0.0) {
        return Err(deadline_error());
    }
    SolveOptions::from_numbers(tolerance, max_iterations)
}

/// Checks the deadline (first), the options and the problem, then solves Q(D). The
/// problem's pruning budget is validated like every input but not used.
pub fn min_pruning(
    p: &ProblemView,
    deadline: f64,
    opts: &SolveOptions,
) -> Result<MinPruning, Error> {
    if !(deadline.is_finite() && deadline > 0.0) {
        return Err(deadline_error());
    }
    opts.validate()?;
    validate(p)?;
    Ok(min_pruning_instance(
        &instance(p),
        deadline,
        opts.tolerance,
        opts.max_iterations,
    ))
}

/// A point of Q(D): pruning, bandwidth and its weighted pruning.
struct Point {
    pruning: Vec<f64>,
    bandwidth: Vec<f64>,
    weighted: f64,
}

impl Point {
    fn new(k_count: usize) -> Point {
        Point {
            pruning: vec![0.0; k_count],
            bandwidth: vec![0.0; k_count],
            weighted: f64::INFINITY,
        }
    }
}

/// A point meeting D from the split `b` (of the search, at the loosened deadline), into
/// `point`: each client gets at least `need`, its bandwidth need at D at full pruning
/// (unpruned when pruning saves it nothing); the split is then scaled up onto the band,
/// and each client prunes the least that meets D with its bandwidth. False (and `point`
/// spent) when the needs do not fit. On the client columns (kernels::Fit, LeastPruning)
/// without caps, client by client with them.
fn meet_deadline(
    inst: &Instance,
    ws: &Workspace,
    d: f64,
    b: &[f64],
    need: &[f64],
    point: &mut Point,
) -> bool {
    let k_count = inst.clients;
    let b_total = inst.bandwidth_hz;
    let out = &mut point.bandwidth[..];
    let sum = dispatch(inst.level, Fit { b, need, out });
    if !(sum <= b_total) {
        return false;
    }
    if ws.caps.is_none() {
        let scale = b_total / sum;
        dispatch(
            inst.level,
            LeastPruning {
                inst,
                ws,
                t: d,
                scale: if scale.is_finite() { Some(scale) } else { None },
                sum,
                bandwidth: &mut point.bandwidth,
                pruning: &mut point.pruning,
            },
        );
    } else {
        scale_up_onto_band(&mut point.bandwidth, sum, b_total);
        for k in 0..k_count {
            point.pruning[k] = if fixed(ws, k) {
                inst.rmin_at(k)
            } else {
                least_pruning(inst, k, d, point.bandwidth[k])
            };
        }
    }
    point.weighted = weighted(&inst.w, &point.pruning);
    true
}

/// Scales a split summing to `sum` (at most B) up onto the band B: by B / sum, or, when
/// that overflows (the needs of a deadline near the largest double are below 1e-300 Hz),
/// by each client's share of the sum.
fn scale_up_onto_band(bandwidth: &mut [f64], sum: f64, b_total: f64) {
    let scale = b_total / sum;
    for b in bandwidth.iter_mut() {
        *b = if scale.is_finite() {
            *b * scale
        } else {
            (*b / sum) * b_total
        };
    }
}

fn infeasible(
    d: f64,
    min_deadline: Option<f64>,
    infeasible_clients: Option<Vec<usize>>,
) -> MinPruning {
    MinPruning {
        deadline: d,
        status: Status::Infeasible,
        weighted_pruning: None,
        lower_bound: None,
        upper_bound: None,
        latency: None,
        pruning: Vec::new(),
        bandwidth: Vec::new(),
        client_latency: Vec::new(),
        iterations: 0,
        min_deadline,
        infeasible_clients,
    }
}

fn finish(
    inst: &Instance,
    d: f64,
    point: Point,
    lower: f64,
    iterations: u32,
    converged: bool,
) -> MinPruning {
    let mut client_latency = vec![0.0; inst.clients];
    let latency = round_latency(
        inst,
        &point.pruning,
        &point.bandwidth,
        Some(&mut client_latency),
    );
    MinPruning {
        deadline: d,
        status: if converged {
            Status::Converged
        } else {
            Status::IterationLimit
        },
        weighted_pruning: Some(point.weighted),
        lower_bound: Some(lower),
        upper_bound: Some(point.weighted),
        latency: Some(latency),
        pruning: point.pruning,
        bandwidth: point.bandwidth,
        client_latency,
        iterations,
        min_deadline: None,
        infeasible_clients: None,
    }
}

/// T - t0 - c (1 - phi_c rho), the time left for client k's upload, in compensated
/// arithmetic (TwoSum and Dekker's product, kernels::precise_window): to about an ulp of
/// itself even when the fixed time and the compute nearly fill T (the plain formula
/// carries an ulp of T, relatively (T + t0 + c) / w ulps).
fn precise_window(inst: &Instance, k: usize, rho: f64, t: f64) -> f64 {
    kernels::precise_window(inst.phi_c, inst.c[k], inst.t0[k], rho, t)
}

/// Client k's box at D from the compensated time window: the ends of the box are the
/// bandwidth needs the dual bound adds up, so their accuracy is the certificate's.
/// The box's logarithms and G at both ends (what optimal::price_response reads) follow.
/// Only the ends the deadline binds (an end the cap binds is its floor, energy.rs), and
/// never past the cap's kink.
fn precise_box(inst: &Instance, ws: &mut Workspace, k: usize, d: f64) {
    let (a, bits) = (inst.a[k], inst.payload_bits);
    let (cc, ss, kk) = (inst.phi_c * inst.c[k], inst.phi_s * bits, ws.kk[k]);
    let rmin = inst.rmin_at(k);
    let (cap_lo, cap_hi, kink) = match ws.caps.as_ref() {
        Some(caps) => (
            caps.lower[k],
            caps.upper[k],
            if caps.kink[k] {
                kink_bandwidth(inst, caps.e_c[k], caps.e_h[k], k, d)
            } else {
                None
            },
        ),
        None => (false, false, None),
    };
    let lo = if cap_lo {
        0.0
    } else {
        precise_window(inst, k, inst.rmax[k], d)
    };
    if lo > 0.0 {
        let b = rate_inverse(a, inst.payload(inst.rmax[k]) / lo);
        if kink.map_or(true, |x| b < x) {
            ws.b_lo[k] = b;
            ws.box_lo[k] = b.ln();
            let (g, dg) = stationarity(a, cc, bits, ss, kk, b);
            ws.g_lo[k] = g;
            ws.d_lo[k] = dg;
        }
    }
    if ws.b_hi[k] < f64::INFINITY && !cap_hi {
        let hi = precise_window(inst, k, rmin, d);
        if hi > 0.0 {
            let b = rate_inverse(a, inst.payload(rmin) / hi);
            if kink.map_or(true, |x| b > x) {
                ws.b_hi[k] = b;
                ws.box_hi[k] = b.ln();
                let (g, dg) = stationarity(a, cc, bits, ss, kk, b);
                ws.g_hi[k] = g;
                ws.d_hi[k] = dg;
            }
        }
    }
}

/// Where client k's two needs at D cross (MODEL.md 11.2: the upload windows
/// D - t0 - c m and H - c' m, m = 1 - phi_c rho, are affine in rho), as `optimal` places
/// its kink: the bandwidth there, None when it is not inside the box.
fn kink_bandwidth(inst: &Instance, c1: f64, h: f64, k: usize, d: f64) -> Option<f64> {
    let m = (d - inst.t0[k] - h) / (inst.c[k] - c1);
    let rho = (1.0 - m) / inst.phi_c;
    if !(rho > inst.rmin_at(k) && rho < inst.rmax[k]) {
        return None;
    }
    let window = inst
        .upload_window(k, rho, d)
        .min(h - (1.0 - inst.phi_c * rho) * c1);
    if window > 0.0 {
        Some(rate_inverse(inst.a[k], inst.payload(rho) / window))
    } else {
        None
    }
}

/// rho(b) = clip(U(b) / V(b) - T / V(b), rmin, rmax): the least pruning with which client
/// k meets T with b Hz (rmin when pruning removes nothing, V = 0), and with a cap the least
/// that meets both T and the cap (MODEL.md 11.2).
fn pruning_for(inst: &Instance, k: usize, t: f64, b: f64) -> f64 {
    let r = (b * (inst.a[k] / b).ln_1p()) / LN2;
    let upload = inst.payload_bits / r;
    let v = inst.prunable(k, upload);
    let lo = inst.rmin_at(k);
    if !(v > 0.0) {
        return lo;
    }
    let mut rho = inst.unpruned(k, upload) / v - t / v;
    if inst.cap_at(k) < f64::INFINITY {
        let e = cap_pruning(inst, k, upload);
        if e > rho {
            rho = e;
        }
    }
    if rho < lo {
        lo
    } else if rho > inst.rmax[k] {
        inst.rmax[k]
    } else {
        rho
    }
}

/// The least pruning with which client k meets T with b Hz, as its latency is computed:
/// pruning_for's rho is the root of tau(rho) = T to a few ulps of U / V, which near full
/// pruning are many ulps of 1 - rho (relatively, 1e-16 / (1 - rho)), so its latency can
/// miss T by more than the contract's rounding. Raised by the excess over V (at least an
/// ulp, doubling) until the computed latency meets T, or up to the cap.
fn least_pruning(inst: &Instance, k: usize, t: f64, b: f64) -> f64 {
    let mut rho = pruning_for(inst, k, t, b);
    let upload = inst.payload_bits / rate(inst.a[k], b);
    let v = inst.prunable(k, upload);
    let mut step: f64 = 0.0;
    for _ in 0..ROUNDING_STEPS {
        let excess = inst.latency(k, rho, upload) - t;
        if !(excess > 0.0 && v > 0.0 && rho < inst.rmax[k]) {
            break;
        }
        step = (2.0 * step)
            .max(excess / v)
            .max(f64::EPSILON * rho)
            .max(f64::MIN_POSITIVE);
        rho = (rho + step).min(inst.rmax[k]);
    }
    rho
}

/// Whether pruning saves client k no bandwidth at this deadline (rmax = rmin, or nothing
/// prunable): it keeps its need at rmin and prunes rmin.
fn fixed(ws: &Workspace, k: usize) -> bool {
    ws.b_lo[k] >= ws.b_hi[k]
}

/// The least feasible deadline: block B's latency at full pruning, and its split, with
/// the caps' floors at full pruning (the caller has checked that they fit the band).
fn least_deadline(inst: &Instance, full: &[f64]) -> (f64, Vec<f64>) {
    let mut b = vec![0.0; inst.clients];
    if !inst.has_caps() {
        let t = bandwidth_block(inst, full, &mut b).0;
        return (t, b);
    }
    let mut floors = vec![0.0; inst.clients];
    bandwidth_floors(inst, full, &mut floors);
    let t = bandwidth_block_floors(inst, full, &mut b, false, &floors).0;
    (t, b)
}

/// Why the caps alone rule out every deadline (MODEL.md 11.2), or None when they do not:
/// the clients failing their cap condition, else empty when the caps' floors at full
/// pruning exceed the band.
fn caps_rule_out(inst: &Instance, full: &[f64]) -> Option<Vec<usize>> {
    if !inst.has_caps() {
        return None;
    }
    let bad = unreachable_caps(inst);
    if !bad.is_empty() {
        return Some(bad);
    }
    let mut floors = vec![0.0; inst.clients];
    if !bandwidth_floors(inst, full, &mut floors).is_empty()
        || !(total(&floors) <= inst.bandwidth_hz)
    {
        return Some(Vec::new());
    }
    None
}

/// The rounding noise of sum_k b_k in the dual, from the clients at an end of their box
/// only (an interior client's bandwidth is an exact number at which its pruning is
/// computed forward, and the Newton step that found it was below rounding, so its term of
/// the dual is exact to rounding). A box end is b = r^{-1}(q), q = S m_s / w with the time
/// left for the upload w = D - t0 - c m_c, m = 1 - phi rho (precise_box). Its relative
/// error, with u the unit roundoff: q carries u (3 + 1 / m_s) from S m_s and the division,
/// and 2 u plus 8 u^2 (D + t0 + c) / w from the compensated w; the rate inverse multiplies
/// the error of q ln2 / a (2 u more) by its condition number, at most 1 + 2 b / a, and
/// adds 3e-15 of its own (rate.rs). Doubled for safety.
/// On the client columns (kernels::BoxNoise) without caps.
fn box_noise(
    inst: &Instance,
    ws: &Workspace,
    d: f64,
    b: &[f64],
    rho: &[f64],
    interior: Option<&[f64]>,
) -> f64 {
    if ws.caps.is_none() {
        let kernel = BoxNoise {
            inst,
            d,
            b,
            rho,
            interior,
        };
        return dispatch(inst.level, kernel);
    }
    let mut noise = 0.0;
    for k in 0..inst.clients {
        if let Some(gs) = interior {
            if gs[k] != 0.0 {
                continue;
            }
        }
        let window = inst.upload_window(k, rho[k], d);
        let kept = 1.0 - inst.phi_s * rho[k];
        let mut q_error =
            U * (5.0 + 1.0 / kept) + (8.0 * U * U * (d + inst.t0[k] + inst.c[k])) / window;
        let cap = inst.cap_at(k);
        if cap < f64::INFINITY {
            // The cap's floor, q_E = S m_s / A with A = (Ebar - E0 - e c m_c) / p in plain
            // arithmetic: a few ulps of Ebar + E0 + e c relative to p A.
            let allowance = upload_allowance(inst, k, rho[k]);
            let (e0, ec) = cap_terms(inst, k);
            if allowance > 0.0 {
                q_error = q_error.max(
                    U * (5.0 + 1.0 / kept) + (4.0 * U * (cap + e0 + ec)) / (inst.p[k] * allowance),
                );
            }
        }
        let condition = 1.0 + (2.0 * b[k]) / inst.a[k];
        noise += b[k] * (3e-15 + (1.0 + condition) * (q_error + 2.0 * U));
    }
    2.0 * noise
}

/// E0_k and e_k c_k, J: the energy pruning does not touch and the compute energy unpruned.
fn cap_terms(inst: &Instance, k: usize) -> (f64, f64) {
    (fixed_energy(inst, k), compute_power(inst, k) * inst.c[k])
}

/// Full pruning and the price response's point below y_full: `cap`, each client's full
/// pruning (rmax, or 0 everywhere when pruning changes no latency); `rho`, the same with
/// the clients pruning saves no bandwidth at 0 (they stay unpruned at every price, and
/// counting them at their cap would put the dual above the least pruning); each client's
/// bandwidth there at the loosened deadline, their sum (the least band that meets D) and
/// the weighted pruning of `rho`.
struct FullPruning {
    cap: Vec<f64>,
    rho: Vec<f64>,
    bandwidth: Vec<f64>,
    band: f64,
    weighted: f64,
}

/// What each client needs to meet D itself (not the loosened deadline): its bandwidth at
/// full pruning (`full`; its unpruned need when pruning saves it nothing) and unpruned,
/// and `extra`, the most bandwidth meet_deadline may add to a split of the search.
struct Needs {
    full: Vec<f64>,
    unpruned: Vec<f64>,
    extra: f64,
}

/// Every client's box at the loosened deadline `dd`, with compensated ends; false when
/// some client cannot meet it even with infinite bandwidth at full pruning.
fn deadline_boxes(inst: &Instance, ws: &mut Workspace, dd: f64) -> bool {
    if boxes(inst, ws, dd).is_none() {
        return false;
    }
    if ws.caps.is_none() {
        dispatch(inst.level, PreciseBoxes { inst, ws, d: dd });
    } else {
        for k in 0..inst.clients {
            precise_box(inst, ws, k, dd);
        }
    }
    true
}

/// Full pruning: rmax, unless pruning changes no latency (it is then never worth its
/// cost: rmin).
fn full_pruning(inst: &Instance) -> Vec<f64> {
    if inst.phi_c > 0.0 || inst.phi_s > 0.0 {
        inst.rmax.to_vec()
    } else {
        (0..inst.clients).map(|k| inst.rmin_at(k)).collect()
    }
}

fn full_pruning_point(inst: &Instance, ws: &Workspace, cap: Vec<f64>) -> FullPruning {
    let k_count = inst.clients;
    let mut rho = cap.clone();
    let mut bandwidth = vec![0.0; k_count];
    let mut band = 0.0;
    for k in 0..k_count {
        if fixed(ws, k) {
            rho[k] = inst.rmin_at(k);
            bandwidth[k] = ws.b_hi[k];
        } else {
            bandwidth[k] = ws.b_lo[k];
        }
        band += bandwidth[k];
    }
    let weighted = weighted(&inst.w, &rho);
    FullPruning {
        cap,
        rho,
        bandwidth,
        band,
        weighted,
    }
}

fn needs(inst: &Instance, ws: &Workspace, d: f64, full: &FullPruning) -> Needs {
    let k_count = inst.clients;
    let mut need = vec![0.0; k_count];
    let mut need_hi = vec![0.0; k_count];
    let capped = ws.caps.is_some();
    if !capped {
        let kernel = NeedColumns {
            inst,
            ws,
            d,
            cap: &full.cap,
            full: &mut need,
            unpruned: &mut need_hi,
        };
        dispatch(inst.level, kernel);
    }
    for k in 0..if capped { k_count } else { 0 } {
        let rmin = inst.rmin_at(k);
        let lo = precise_window(inst, k, full.cap[k], d);
        let hi = precise_window(inst, k, rmin, d);
        need_hi[k] = if hi > 0.0 {
            rate_inverse(inst.a[k], inst.payload(rmin) / hi)
        } else {
            f64::INFINITY
        };
        // With a cap, at least its floor (MODEL.md 11.2).
        if capped {
            need_hi[k] = need_hi[k].max(cap_bandwidth(inst, k, rmin));
        }
        need[k] = if fixed(ws, k) {
            need_hi[k]
        } else if lo > 0.0 {
            rate_inverse(inst.a[k], inst.payload(full.cap[k]) / lo)
        } else {
            f64::INFINITY
        };
        if capped && !fixed(ws, k) {
            need[k] = need[k].max(cap_bandwidth(inst, k, full.cap[k]));
        }
    }
    let mut extra = 0.0;
    for k in 0..k_count {
        if need[k] > full.bandwidth[k] {
            extra += need[k] - full.bandwidth[k];
        }
    }
    Needs {
        full: need,
        unpruned: need_hi,
        extra,
    }
}

/// The first point meeting D: from the full-pruning split when it fits the band, else,
/// when D is within the contract's slack of the least feasible deadline (block B's latency
/// at full pruning), block B's split at full pruning. Err: D is infeasible, and the least
/// feasible deadline.
fn start_point(
    inst: &Instance,
    ws: &Workspace,
    d: f64,
    full: &FullPruning,
    needs: &Needs,
) -> Result<Point, f64> {
    if full.band <= inst.bandwidth_hz {
        let mut point = Point::new(inst.clients);
        if meet_deadline(inst, ws, d, &full.bandwidth, &needs.full, &mut point) {
            return Ok(point);
        }
    }
    let (t_min, b) = least_deadline(inst, &full.cap);
    if !(t_min <= d * (1.0 + DEADLINE_SLACK)) {
        return Err(t_min);
    }
    Ok(Point {
        pruning: full.cap.clone(),
        bandwidth: b,
        weighted: weighted(&inst.w, &full.cap),
    })
}

/// Every client meeting D (and its cap) at its least pruning rmin_k, scaled up onto the
/// band, when that fits it.
fn unpruned_point(inst: &Instance, needs: &Needs) -> Option<Point> {
    let mut sum_hi = 0.0;
    for k in 0..inst.clients {
        sum_hi += needs.unpruned[k];
    }
    if !(sum_hi <= inst.bandwidth_hz) {
        return None;
    }
    let mut bandwidth = needs.unpruned.clone();
    scale_up_onto_band(&mut bandwidth, sum_hi, inst.bandwidth_hz);
    if inst.rmin.is_empty() {
        return Some(Point {
            pruning: vec![0.0; inst.clients],
            bandwidth,
            weighted: 0.0,
        });
    }
    let pruning = inst.rmin.to_vec();
    let weighted = weighted(&inst.w, &pruning);
    Some(Point {
        pruning,
        bandwidth,
        weighted,
    })
}

/// y_full = ln lambda_full, the price below which every client stays at full pruning (its
/// stationarity condition holds at b_lo; +inf when no client can trade pruning for band),
/// and the lower bound there: the dual is closed-form, and no lower price changes the
/// split, only the rounding noise of the dual. The bound is capped at that point's
/// weighted pruning: no point meeting D needs more, and a dual above that only says that
/// D is infeasible by less than the rounding the slack allows.
fn full_pruning_dual(inst: &Instance, ws: &Workspace, dd: f64, full: &FullPruning) -> (f64, f64) {
    let mut y_full = f64::INFINITY;
    for k in 0..inst.clients {
        if !fixed(ws, k) {
            // G at b_lo, as computed for this deadline by boxes and precise_box.
            let y = -ws.g_lo[k] - inst.w[k].ln();
            if y < y_full {
                y_full = y;
            }
        }
    }
    let mut lower: f64 = 0.0;
    if y_full.is_finite() {
        let lambda = y_full.exp();
        let dual = full.weighted + (full.band - inst.bandwidth_hz) / lambda
            - box_noise(inst, ws, dd, &full.bandwidth, &full.rho, None) / lambda
            - RHO_NOISE;
        if dual > lower {
            lower = dual;
        }
    }
    if full.weighted < lower {
        lower = full.weighted;
    }
    (y_full, lower)
}

/// Deadline mode at one deadline: D, the loosened deadline of the search and the dual,
/// full pruning and the clients' needs at D.
struct Deadline {
    d: f64,
    dd: f64,
    full: FullPruning,
    needs: Needs,
}

/// Where the price search stands: the best point met, the certified lower bound, and the
/// bracket on ln lambda.
struct Search {
    best: Point,
    lower: f64,
    iterations: u32,
    converged: bool,
}

/// Newton's method on ln sum_k b_k(lambda) = ln B' in y = ln lambda from the price y_full,
/// each price raising the lower bound (weak duality, clear of the rounding noise of both
/// sums) and building a point that meets D when its split fits the band. Stops at the
/// tolerance, at the cap, when the rounding noise alone is above the tolerance and the gap
/// before the noise is within it, or when the price is pinned to rounding: the problem's
/// data then determine the least pruning only to the width reached.
fn price_search(
    inst: &Instance,
    ws: &mut Workspace,
    at: &Deadline,
    y_full: f64,
    tolerance: f64,
    max_iterations: u32,
    search: &mut Search,
) {
    let (k_count, b_total) = (inst.clients, inst.bandwidth_hz);
    let (d, dd, full, needs) = (at.d, at.dd, &at.full, &at.needs);
    let mut y_lo = y_full; // the split (with what meeting D adds) fits the band here
    let mut y_hi = f64::INFINITY; // and not here
    let mut y = b_total.ln().max(y_full + 1.0); // a unit of pruning worth the whole band
    let mut candidate = Point::new(k_count);
    while !search.converged && search.iterations < max_iterations {
        search.iterations += 1;
        let used = price_response(inst, ws, dd, y).0;
        let lambda = y.exp();
        let mut band = 0.0;
        let mut band_slope = 0.0; // d band / d ln lambda
        for k in 0..k_count {
            band += ws.b[k];
            if ws.gs[k] != 0.0 {
                band_slope -= ws.b[k] / ws.gs[k];
            }
        }
        let noise = box_noise(inst, ws, dd, &ws.b, &ws.rho, Some(&ws.gs)) / lambda
            + RHO_NOISE * rho_noise_scale(inst, ws);
        let mut dual = used + (band - b_total) / lambda - noise;
        if full.weighted < dual {
            dual = full.weighted;
        }
        if dual > search.lower {
            search.lower = dual;
        }
        if band <= b_total && meet_deadline(inst, ws, d, &ws.b, &needs.full, &mut candidate) {
            y_lo = y;
            if candidate.weighted < search.best.weighted {
                std::mem::swap(&mut search.best, &mut candidate);
            }
        } else {
            y_hi = y;
        }
        search.converged = search.best.weighted - search.lower <= tolerance;
        let raw = used + (band - b_total) / lambda;
        if search.converged
            || (noise >= tolerance && search.best.weighted - raw <= tolerance)
            || !(y_hi - y_lo > 1e-15 * y.abs().max(1.0))
        {
            break;
        }
        let target = (b_total - 0.5 * tolerance * lambda - needs.extra).max(0.5 * b_total);
        y = next_price(band, band_slope, y, (y_lo, y_hi), target);
    }
}

/// Newton's step on ln band = ln target in y = ln lambda (the target is inside the band by
/// half the tolerance's worth of bandwidth and what meeting D itself may add, so the next
/// split fits), safeguarded by the bracket: a stride up while it is open, else bisection.
fn next_price(band: f64, band_slope: f64, y: f64, (y_lo, y_hi): (f64, f64), target: f64) -> f64 {
    let next = if band.is_finite() && band_slope > 0.0 {
        y - (band / target).ln() / (band_slope / band)
    } else {
        f64::NAN
    };
    if next > y_lo && next < y_hi {
        next
    } else if y_hi == f64::INFINITY {
        y + PRICE_STRIDE
    } else {
        0.5 * (y_lo + y_hi)
    }
}

/// Solves Q(D) on an instance; `tolerance` is the absolute width of the certificate to
/// reach (P is a fraction), `max_iterations` the cap on price evaluations.
pub fn min_pruning_instance(
    inst: &Instance,
    d: f64,
    tolerance: f64,
    max_iterations: u32,
) -> MinPruning {
    let mut ws = Workspace::new(inst);
    // The price search and the dual bound work at the deadline loosened by the rounding
    // of a latency (LATENCY_ROUNDING): a point whose latency, as computed, meets D meets
    // that, so the lower bound holds for every such point too (optimal's, say); the points
    // built meet D itself. (The largest doubles keep the largest double: the loosened
    // deadline would overflow.)
    let dd = (d * (1.0 + LATENCY_ROUNDING)).min(f64::MAX);
    let full = full_pruning(inst);
    if let Some(clients) = caps_rule_out(inst, &full) {
        return infeasible(d, None, Some(clients));
    }
    if !deadline_boxes(inst, &mut ws, dd) {
        return infeasible(d, Some(least_deadline(inst, &full).0), None);
    }
    let full = full_pruning_point(inst, &ws, full);
    let needs = needs(inst, &ws, d, &full);
    let start = match start_point(inst, &ws, d, &full, &needs) {
        Ok(point) => point,
        Err(min_deadline) => return infeasible(d, Some(min_deadline), None),
    };
    if let Some(point) = unpruned_point(inst, &needs) {
        let lower = point.weighted;
        return finish(inst, d, point, lower, 0, true);
    }
    let (y_full, lower) = full_pruning_dual(inst, &ws, dd, &full);
    let at = Deadline { d, dd, full, needs };
    let mut search = Search {
        converged: start.weighted - lower <= tolerance,
        best: start,
        lower,
        iterations: 0,
    };
    // Otherwise no split of a price fits the band (or no client can trade pruning for band).
    if at.full.band <= inst.bandwidth_hz && y_full.is_finite() {
        price_search(
            inst,
            &mut ws,
            &at,
            y_full,
            tolerance,
            max_iterations,
            &mut search,
        );
    }
    finish(
        inst,
        d,
        search.best,
        search.lower,
        search.iterations,
        search.converged,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    /// One client: the whole band, and the least rho with tau(rho, B) <= D in closed form.
    #[test]
    fn one_client_prunes_exactly_what_the_deadline_needs() {
        let p = Problem {
            bandwidth_hz: 1e6,
            noise_psd_w_per_hz: 1e-20,
            payload_bits: 6e6,
            pruning_budget: 0.0,
            compute_seconds: vec![2.0],
            tx_power_w: vec![0.3],
            channel_gain: vec![1e-13], // a = 3 MHz: r(B) = 2 Mbit/s, S / r = 3 s
            data_weight: vec![1.0],
            max_pruning: vec![0.6],
            fixed_seconds: vec![1.0],
            prunable_compute_fraction: 0.5,
            prunable_payload_fraction: 1.0,
            ..Problem::default()
        };
        // tau = 1 + 2 (1 - 0.5 rho) + 3 (1 - rho) = 6 - 4 rho.
        let opts = SolveOptions::default();
        for &(d, rho) in [(5.0, 0.25), (4.0, 0.5), (6.0, 0.0), (7.0, 0.0)].iter() {
            let r = min_pruning(&p.view(), d, &opts).unwrap();
            assert_eq!(r.status, Status::Converged, "D {}", d);
            let got = r.weighted_pruning.unwrap();
            assert!((got - rho).abs() <= 1e-10, "D {}: {} vs {}", d, got, rho);
            assert!(r.lower_bound.unwrap() <= got && got - r.lower_bound.unwrap() <= 1e-10);
            assert!(r.latency.unwrap() <= d * (1.0 + 1e-12));
        }
        // Below 6 - 4 x 0.6 = 3.6 s no pruning is enough.
        let r = min_pruning(&p.view(), 3.5, &opts).unwrap();
        assert_eq!(r.status, Status::Infeasible);
        assert!((r.min_deadline.unwrap() - 3.6).abs() <= 1e-12);
        assert!(r.pruning.is_empty() && r.weighted_pruning.is_none());
        for &bad in [0.0, -1.0, f64::NAN, f64::INFINITY].iter() {
            let e = min_pruning(&p.view(), bad, &opts).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.message.as_str()),
                ("deadline", "deadline must be a positive finite number")
            );
        }
    }
}
