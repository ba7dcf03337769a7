//! `optimal`: the certified global optimum of P (MODEL.md sections 5 and 8); mirrors
//! ts/core/optimal.ts.
//!
//! For a fixed round latency T, F(T) = min_rho sum_k b_k(rho_k; T) over the box and the
//! budget is a separable convex problem. We solve it through its Lagrangian: with a
//! price lambda >= 0 on weighted pruning each client minimizes b + lambda w_k rho alone,
//! and lambda is set so the budget binds. Rather than b as a function of rho (which needs
//! the inverse rate inside every step), each client is parametrized by its bandwidth b,
//! with rho(b) = (U(b) - T) / V(b), U(b) = t0 + c + S / r(b), V(b) = phi_c c + phi_s S / r(b)
//! (in the model of section 2, 1 - T / U(b) with U(b) = c + S / r(b)): the inverse of a
//! convex decreasing bijection is convex decreasing, so the per-client problem
//! min_b b + mu rho(b) is convex too, and its stationarity condition
//! mu K S r'(b) = (phi_c c r(b) + phi_s S)^2 with K = phi_c c + phi_s (T - t0 - c) is
//! explicit (K = T and mu T S r'(b) = (c r(b) + S)^2 in the model of section 2). K > 0 at
//! every T the client can meet. A client whose pruning changes nothing (phi_c = phi_s = 0,
//! or rmax = 0) keeps its unpruned bandwidth and prunes nothing.
//!
//! T is feasible iff F(T) <= B. The outer search keeps a certified bracket:
//! - lower bound: a T proven infeasible, because some client cannot meet it even with
//!   infinite bandwidth at full pruning, or the minimum weighted pruning at infinite
//!   bandwidth exceeds the budget, or the Lagrangian dual value exceeds B (weak duality);
//! - upper bound: the round latency of a feasible point actually built (budget met,
//!   bandwidth rescaled onto the band), which is the point returned.
//!
//! Newton's method on ln F(T) = ln B in the coordinate ln(T - pole) (dF/dT by the envelope
//! theorem) drives T, bisection safeguards it, and near the root it aims a quarter
//! tolerance left of it, so that one evaluation certifies the lower bound and builds the
//! point that closes the bracket.
//!
//! Per T, every client's box (two rate inverses) and G at both box ends are computed once
//! over the client columns (simd kernels); each price then settles the clients a box end
//! decides without evaluating anything, and runs Newton's method in ln b only for the
//! interior ones, gathered into dense columns. ts/core/optimal.ts runs the same algorithm
//! one client at a time.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::bandwidth::round_latency;
use crate::energy;
use crate::instance::Instance;
use crate::pruning::weighted;
use crate::rate::LN2;
use crate::simd::dispatch;

mod kernels;
pub use kernels::{stationarity, Dense};
use kernels::{Boxes, CapEnds, Classify, DemandSlope, Interior, KinkColumns, Kinks};

/// Stop the price search when the weighted pruning is this close to the budget, relative.
const BUDGET_TOL: f64 = 1e-14;
const PRICE_STEPS: u32 = 200;
const CLIENT_STEPS: u32 = 100;
/// Relative Newton step in ln b after which one more step would be below rounding.
const CLIENT_STOP: f64 = 1e-9;
/// Relative rounding noise allowed per well-conditioned bandwidth term (about 45 ulps).
pub const DUAL_NOISE: f64 = 1e-14;
/// Absolute rounding noise of a weighted pruning sum (weights sum to 1).
pub const RHO_NOISE: f64 = 1e-15;
/// Steps of the search that raises the price until the pruning meets the budget exactly,
/// and its largest step in ln(price).
const NUDGES: u32 = 16;
const MAX_NUDGE: f64 = 1.0;
/// Evaluations in a row that move neither end of the bracket after which `optimal` stops
/// (iteration-limit, the bracket reached): the bracket is then pinned by rounding (a
/// tolerance below what doubles certify), and the probes of one side have halved it 32
/// times. Converging runs move an end at least every other evaluation.
const STAGNATION: u32 = 32;
/// The least relative width the search steers by: its probes and aims are fractions of
/// the tolerance, and below a few ulps they round onto the ends of the bracket and stall
/// it far from its rounding-limited width. A smaller tolerance still decides convergence.
const STEER: f64 = 1e-15;
/// Clients per block of a price's passes (price_response): the block's workspace columns
/// and dense columns (35 of them, 70 KiB) stay within the L2 cache between the passes.
const BLOCK: usize = 256;
/// 2^-51: a relative step that always moves a double by at least one ulp.
const NUDGE: f64 = 4.440892098500626e-16;

#[derive(Clone, Debug, PartialEq)]
pub struct OptimalResult {
    pub latency: f64,
    pub pruning: Vec<f64>,
    pub bandwidth: Vec<f64>,
    pub lower_bound: f64,
    pub upper_bound: f64,
    pub iterations: u32,
    pub converged: bool,
}

/// Scratch arrays reused across every T and every price: nothing is allocated inside
/// the search.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub b_lo: Vec<f64>,
    pub b_hi: Vec<f64>,
    /// ln b_lo and ln b_hi (+inf when b_hi is): the box of each client's search, per T.
    pub box_lo: Vec<f64>,
    pub box_hi: Vec<f64>,
    /// G and dG/ds at the box ends, per T (G = -inf, dG/ds = NaN where b_hi = +inf):
    /// every price decides clipped clients from these, with no evaluation.
    pub g_lo: Vec<f64>,
    pub d_lo: Vec<f64>,
    pub g_hi: Vec<f64>,
    pub d_hi: Vec<f64>,
    /// K of the stationarity condition, per T.
    pub kk: Vec<f64>,
    /// The pruning each client needs with infinite bandwidth, per T.
    pub needed: Vec<f64>,
    /// ln b, the warm start of each client's search.
    pub s: Vec<f64>,
    /// dG/ds at the client's solution, 0 at a bound.
    pub gs: Vec<f64>,
    pub rho: Vec<f64>,
    pub b: Vec<f64>,
    /// U(b) / V(b) at an interior client's solution, where T / V(b) = ratio - rho: the
    /// price predictor's and the rounding noise's data (exactly 1 in the model of section 2).
    pub ratio: Vec<f64>,
    /// ln w_k: the same value the reference recomputes at every price.
    log_w: Vec<f64>,
    /// The clients of a block (price_response) a price leaves inside their box, and their
    /// columns gathered.
    interior: Vec<usize>,
    dense: Dense,
    pub log_price: f64,
    /// The T of the last price search, and d ln(lambda) / dT there: the predictor's data.
    pub last_t: f64,
    pub price_slope: f64,
    /// rmin_k (zeros without minimum pruning), and whether any is positive.
    pub rmin: Vec<f64>,
    pub has_rmin: bool,
    /// The energy caps (MODEL.md 11.2), present when some client is capped.
    pub caps: Option<Caps>,
}

/// What the energy caps add to `optimal`'s per-client problem (MODEL.md 11.2). In units
/// of upload time a capped client must meet c' (1 - phi_c rho) + S (1 - phi_s rho) / r(b) <= H
/// (energy.rs): a second client of section 8 with T - t0 = H and c = c', whose bandwidth
/// need does not depend on T. The need is the max of the two, so each client's box in b
/// is [max of the needs at rmax, max of the needs at rmin], each end taking G from the
/// branch that binds there, and when a different branch binds at the two ends the box
/// has one kink, where the two needs cross (their upload windows are affine in rho, so
/// they cross once): a price puts the client on one side of it (Newton's method on that
/// branch) or at it.
#[derive(Clone, Debug)]
pub struct Caps {
    /// Indices of the capped clients.
    pub list: Vec<usize>,
    /// c' = e c / p and H = (Ebar - E0) / p per client (0 and +inf when uncapped).
    pub e_c: Vec<f64>,
    pub e_h: Vec<f64>,
    /// K' = phi_s H + (phi_c - phi_s) c' of the cap's stationarity condition.
    pub e_kk: Vec<f64>,
    /// The cap's need at rmax and at rmin (+inf when it cannot be met at rmin), with G
    /// and dG/ds there (-inf and NaN at an infinite end), and their logarithms.
    pub e_b_lo: Vec<f64>,
    pub e_b_hi: Vec<f64>,
    pub e_g_lo: Vec<f64>,
    pub e_d_lo: Vec<f64>,
    pub e_g_hi: Vec<f64>,
    pub e_d_hi: Vec<f64>,
    pub e_s_lo: Vec<f64>,
    pub e_s_hi: Vec<f64>,
    /// The least pruning with infinite bandwidth: max(rmin, the cap's floor there).
    pub floor_inf: Vec<f64>,
    /// Per T: whether the cap binds at the box's lower (rho = rmax) and upper (rho = rmin)
    /// end, and the kink when they differ.
    pub lower: Vec<bool>,
    pub upper: Vec<bool>,
    pub kink: Vec<bool>,
    /// Whether the kink's point has been checked against the box ends for this T (on the
    /// first price that leaves the client inside its box: place_kink).
    pub kink_ready: Vec<bool>,
    /// Where a kinked client's kink is in `columns` (its point, ln of it, G and dG/ds of
    /// the lower-end and the upper-end branch there, and its move with T), for this T.
    kink_at: Vec<usize>,
    /// Per T, for the Classify kernel: G of the branch binding below and above the kink,
    /// and the kink's rho, b and ln b, where the kink is inside (b_lo, b_hi) (at_g_lo =
    /// -inf elsewhere, so that no price settles the client there). A price between the
    /// two settles the client at its kink like a box end, on the vector lanes.
    at_g_lo: Vec<f64>,
    at_g_hi: Vec<f64>,
    at_rho: Vec<f64>,
    at_b: Vec<f64>,
    at_s: Vec<f64>,
    /// Per price: whether an interior client's solution is on the cap's branch, and 1
    /// where the client sits at its kink (else 0; written by Classify for every client).
    pub on_cap: Vec<bool>,
    pub at_kink: Vec<f64>,
    /// Per point: 1 where the client's need moves with T (its time branch binds), else 0.
    pub moving: Vec<f64>,
    /// The caps-only problem F_E(inf): the time branch is dropped.
    pub only: bool,
    /// The kinked clients of this T, and their columns for the Kinks kernel.
    kinked: Vec<usize>,
    columns: KinkColumns,
}

impl Caps {
    fn new(inst: &Instance, rmin: &[f64]) -> Option<Caps> {
        if !inst.has_caps() {
            return None;
        }
        let k_count = inst.clients;
        let column = |x: f64| vec![x; k_count];
        let mut caps = Caps {
            list: Vec::new(),
            e_c: column(0.0),
            e_h: column(f64::INFINITY),
            e_kk: column(0.0),
            e_b_lo: column(0.0),
            e_b_hi: column(0.0),
            e_g_lo: column(0.0),
            e_d_lo: column(0.0),
            e_g_hi: column(0.0),
            e_d_hi: column(0.0),
            e_s_lo: column(0.0),
            e_s_hi: column(0.0),
            floor_inf: rmin.to_vec(),
            lower: vec![false; k_count],
            upper: vec![false; k_count],
            kink: vec![false; k_count],
            kink_ready: vec![false; k_count],
            kink_at: vec![0; k_count],
            on_cap: vec![false; k_count],
            at_g_lo: column(f64::NEG_INFINITY),
            at_g_hi: column(0.0),
            at_rho: column(0.0),
            at_b: column(0.0),
            at_s: column(0.0),
            at_kink: column(0.0),
            moving: column(1.0),
            only: false,
            kinked: Vec::new(),
            columns: KinkColumns::new(0),
        };
        let bits = inst.payload_bits;
        caps.list = energy::capped_clients(inst);
        // The cap's need at both ends of every capped client's box, on the vector lanes.
        energy::cap_bandwidths(inst, &caps.list, inst.rmax, &mut caps.e_b_lo);
        energy::cap_bandwidths(inst, &caps.list, rmin, &mut caps.e_b_hi);
        for i in 0..caps.list.len() {
            let k = caps.list[i];
            let p = inst.p[k];
            let c1 = (energy::compute_power(inst, k) * inst.c[k]) / p;
            let h = (inst.cap_at(k) - energy::fixed_energy(inst, k)) / p;
            let kk = energy::cap_stationarity(inst, k).1;
            caps.e_c[k] = c1;
            caps.e_h[k] = h;
            caps.e_kk[k] = kk;
            let at_inf = energy::cap_pruning(inst, k, (bits * LN2) / inst.a[k]);
            caps.floor_inf[k] = at_inf.max(rmin[k]).min(inst.rmax[k]);
        }
        // ln of both ends, and G and dG/ds of the cap's branch there, on the vector lanes.
        dispatch(
            inst.level,
            CapEnds {
                inst,
                caps: &mut caps,
            },
        );
        caps.kinked = Vec::with_capacity(caps.list.len());
        caps.columns = KinkColumns::new(caps.list.len());
        Some(caps)
    }
}

impl Workspace {
    pub fn new(inst: &Instance) -> Workspace {
        let k_count = inst.clients;
        let column = || vec![0.0; k_count];
        Workspace {
            b_lo: column(),
            b_hi: column(),
            box_lo: column(),
            box_hi: column(),
            g_lo: column(),
            d_lo: column(),
            g_hi: column(),
            d_hi: column(),
            kk: column(),
            needed: column(),
            s: vec![f64::NAN; k_count],
            gs: column(),
            rho: column(),
            b: column(),
            ratio: vec![1.0; k_count],
            log_w: inst.w.iter().map(|w| w.ln()).collect(),
            interior: vec![0; k_count.min(BLOCK)],
            dense: Dense::new(k_count.min(BLOCK)),
            log_price: f64::NAN,
            last_t: f64::NAN,
            price_slope: f64::NAN,
            rmin: (0..k_count).map(|k| inst.rmin_at(k)).collect(),
            has_rmin: inst.has_min_pruning(),
            caps: None,
        }
        .with_caps(inst)
    }

    fn with_caps(mut self, inst: &Instance) -> Workspace {
        self.caps = Caps::new(inst, &self.rmin);
        self
    }
}

/// K = phi_s (T - t0) + (phi_c - phi_s) c, the phi_c c + phi_s (T - t0 - c) of the
/// stationarity condition, arranged to be exactly T in the model of section 2.
pub fn stationarity_scale(inst: &Instance, k: usize, t: f64) -> f64 {
    inst.phi_s * (t - inst.t0[k]) + (inst.phi_c - inst.phi_s) * inst.c[k]
}

/// Every client's bandwidth box at T (MODEL.md section 8): `b_lo`, the bandwidth it needs
/// at full pruning, and `b_hi`, the bandwidth it needs unpruned (+inf when no bandwidth
/// suffices), with their logarithms, the stationarity function at both ends and K, into
/// ws. Returns None when some client cannot meet T even with infinite bandwidth at full
/// pruning, else the weighted pruning the clients need with infinite bandwidth.
pub fn boxes(inst: &Instance, ws: &mut Workspace, t: f64) -> Option<f64> {
    let mut caps = ws.caps.take();
    let ok = match caps.as_mut() {
        Some(caps) if caps.only => {
            cap_boxes(inst, ws, caps);
            true
        }
        _ => {
            let ok = dispatch(inst.level, Boxes { inst, ws, t }).is_some();
            // Every client's least pruning, capped or not (a capped client's cap floor
            // includes it; an uncapped one's is its rmin alone).
            if ok && ws.has_rmin {
                for k in 0..inst.clients {
                    ws.needed[k] = ws.needed[k].max(ws.rmin[k]);
                }
            }
            if ok {
                if let Some(caps) = caps.as_mut() {
                    merge_caps(inst, ws, caps, t);
                }
            }
            ok
        }
    };
    ws.caps = caps;
    if !ok {
        return None;
    }
    // Summed in client order, as everywhere the budget is compared: a decision at the
    // budget must not depend on the lane count.
    Some(weighted(&inst.w, &ws.needed))
}

/// The caps-only problem (F_E(inf), MODEL.md 11.2): each capped client's box is the cap's
/// own, an uncapped one is fixed at rmin with no bandwidth.
fn cap_boxes(inst: &Instance, ws: &mut Workspace, caps: &mut Caps) {
    for k in 0..inst.clients {
        ws.needed[k] = caps.floor_inf[k];
        caps.kink[k] = false;
        caps.at_g_lo[k] = f64::NEG_INFINITY;
        caps.moving[k] = 0.0;
        if !energy::is_capped(inst, k) {
            ws.b_lo[k] = 0.0;
            ws.b_hi[k] = 0.0;
            ws.box_lo[k] = f64::NEG_INFINITY;
            ws.box_hi[k] = f64::NEG_INFINITY;
            caps.lower[k] = false;
            caps.upper[k] = false;
            continue;
        }
        ws.b_lo[k] = caps.e_b_lo[k];
        ws.b_hi[k] = caps.e_b_hi[k];
        ws.box_lo[k] = caps.e_s_lo[k];
        ws.box_hi[k] = caps.e_s_hi[k];
        ws.g_lo[k] = caps.e_g_lo[k];
        ws.d_lo[k] = caps.e_d_lo[k];
        ws.g_hi[k] = caps.e_g_hi[k];
        ws.d_hi[k] = caps.e_d_hi[k];
        ws.kk[k] = caps.e_kk[k];
        caps.lower[k] = true;
        caps.upper[k] = true;
    }
}

/// Each capped client's box at T from its time branch's (the Boxes kernel's) and its
/// cap's: each end from the branch that needs more there, and the kink between them,
/// computed for every kinked client at once (the Kinks kernel; place_kink checks it
/// against the box ends when a price first leaves the client inside its box).
fn merge_caps(inst: &Instance, ws: &mut Workspace, caps: &mut Caps, t: f64) {
    caps.kinked.clear();
    for i in 0..caps.list.len() {
        let k = caps.list[i];
        let time_needed = ws.needed[k];
        ws.needed[k] = time_needed.max(caps.floor_inf[k]);
        let lower = caps.e_b_lo[k] > ws.b_lo[k];
        // Both needs infinite at the least pruning: the branch that needs more pruning with
        // infinite bandwidth binds there (as ts/core/optimal.ts clientBox decides).
        let upper = caps.e_b_hi[k] > ws.b_hi[k]
            || (caps.e_b_hi[k] == f64::INFINITY && ws.b_hi[k] == f64::INFINITY && caps.floor_inf[k] > time_needed);
        if lower {
            ws.b_lo[k] = caps.e_b_lo[k];
            ws.box_lo[k] = caps.e_s_lo[k];
            ws.g_lo[k] = caps.e_g_lo[k];
            ws.d_lo[k] = caps.e_d_lo[k];
        }
        if upper {
            ws.b_hi[k] = caps.e_b_hi[k];
            ws.box_hi[k] = caps.e_s_hi[k];
            ws.g_hi[k] = caps.e_g_hi[k];
            ws.d_hi[k] = caps.e_d_hi[k];
        }
        caps.lower[k] = lower;
        caps.upper[k] = upper;
        caps.kink[k] = lower != upper && ws.b_lo[k] < ws.b_hi[k];
        caps.kink_ready[k] = false;
        caps.at_g_lo[k] = f64::NEG_INFINITY;
        if caps.kink[k] {
            let (j, d) = (caps.kinked.len(), &mut caps.columns);
            d.a[j] = inst.a[k];
            d.c[j] = inst.c[k];
            d.t0[j] = inst.t0[k];
            d.kk[j] = ws.kk[k];
            d.c1[j] = caps.e_c[k];
            d.h[j] = caps.e_h[k];
            d.e_kk[j] = caps.e_kk[k];
            d.rmin[j] = ws.rmin[k];
            d.rmax[j] = inst.rmax[k];
            d.lower[j] = if lower { 1.0 } else { 0.0 };
            caps.kink_at[k] = j;
            caps.kinked.push(k);
        }
    }
    let count = caps.kinked.len();
    if count == 0 {
        return;
    }
    dispatch(
        inst.level,
        Kinks {
            inst,
            cols: &mut caps.columns,
            count,
            t,
        },
    );
    // The kinks inside their box, for Classify (one place_kink would keep, and drop
    // nothing from).
    let d = &caps.columns;
    for (j, &k) in caps.kinked.iter().enumerate() {
        let b = d.b[j];
        if b > ws.b_lo[k] && b < ws.b_hi[k] {
            caps.at_g_lo[k] = d.g_lo[j];
            caps.at_g_hi[k] = d.g_hi[j];
            caps.at_rho[k] = d.rho[j];
            caps.at_b[k] = b;
            caps.at_s[k] = d.s[j];
        }
    }
}

/// Client k's kink at T (merge_caps) against its box: when rounding puts the crossing at
/// a box end (not inside (b_lo, b_hi)), the client keeps one branch.
fn place_kink(caps: &mut Caps, k: usize, b_lo: f64, b_hi: f64) {
    caps.kink_ready[k] = true;
    let b = caps.columns.b[caps.kink_at[k]];
    if !(b > b_lo) {
        // Rounding put the crossing at the lower end: the upper branch throughout.
        caps.lower[k] = caps.upper[k];
        caps.kink[k] = false;
    } else if !(b < b_hi) {
        caps.upper[k] = caps.lower[k];
        caps.kink[k] = false;
    }
}

/// Weighted pruning sum_k w_k rho_k(lambda) and its derivative in ln lambda, with each
/// client's best bandwidth at its price mu = lambda w_k (Hz per unit pruning) written to
/// ws. A client whose G at a box end already settles the sign of G + ln mu stays at that
/// end (no evaluation: G at the ends was computed once for this T). The others, the
/// interior clients, are gathered into dense columns and run Newton's method on
/// G(s) = -ln mu in s = ln b inside the box, from the warm start ws.s[k] (projected onto
/// the box), a vector of them in step until all its lanes have converged. Newton converges
/// quadratically, so once a step falls below CLIENT_STOP the step is applied and the
/// search ends: the next one would be below rounding. log_price = -inf: every client at
/// full pruning, warm starts kept.
///
/// The clients go through in blocks of BLOCK (classify, gather, Newton, scatter, sum), so
/// each block's columns stay in cache between the passes and each column of the
/// workspace crosses the memory bus once per price; the dense columns hold one block.
/// Each client's result does not depend on its block (a converged lane stops moving),
/// and both sums run in client order, so the result is the same for every block size.
pub fn price_response(inst: &Instance, ws: &mut Workspace, t: f64, log_price: f64) -> (f64, f64) {
    let price = log_price.exp();
    let (n, w) = (inst.clients, &inst.w);
    let mut used = 0.0;
    let mut slope = 0.0;
    let mut from = 0;
    while from < n {
        let to = n.min(from + BLOCK);
        let count = dispatch(
            inst.level,
            Classify {
                inst,
                ws,
                log_price,
                from,
                to,
            },
        );
        if count > 0 {
            gather_interior(inst, ws, t, log_price, count);
            let d = &mut ws.dense;
            dispatch(inst.level, Interior { inst, d, count, t });
            // Scatter their solutions back.
            for (j, &k) in ws.interior[..count].iter().enumerate() {
                ws.s[k] = d.s[j];
                ws.gs[k] = d.gs[j];
                ws.b[k] = d.b[j];
                ws.rho[k] = d.rho[j];
                ws.ratio[k] = d.ratio[j];
                // d rho / d ln lambda = b / (mu dG/ds), so w d rho = b / (lambda dG/ds).
                slope += d.b[j] / (price * d.gs[j]);
            }
        }
        // Summed in client order, as everywhere the budget is compared (pruning::weighted):
        // a decision at the budget must not depend on the lane count.
        for k in from..to {
            used += w[k] * ws.rho[k];
        }
        from = to;
    }
    (used, slope)
}

/// Gathers the `count` interior clients of a block (ws.interior) into the dense columns,
/// all of which run Newton's method (Classify settled the clients at their kink).
fn gather_interior(inst: &Instance, ws: &mut Workspace, t: f64, log_price: f64, count: usize) {
    let d = &mut ws.dense;
    match ws.caps.as_mut() {
        None => {
            for (j, &k) in ws.interior[..count].iter().enumerate() {
                d.a[j] = inst.a[k];
                d.c[j] = inst.c[k];
                d.t0[j] = inst.t0[k];
                d.h[j] = t;
                d.rmin[j] = ws.rmin[k];
                d.rmax[j] = inst.rmax[k];
                d.kk[j] = ws.kk[k];
                d.box_lo[j] = ws.box_lo[k];
                d.box_hi[j] = ws.box_hi[k];
                d.g_lo[j] = ws.g_lo[k];
                d.d_lo[j] = ws.d_lo[k];
                d.g_hi[j] = ws.g_hi[k];
                d.d_hi[j] = ws.d_hi[k];
                d.log_mu[j] = log_price + ws.log_w[k];
                d.s[j] = ws.s[k];
            }
        }
        Some(caps) => {
            // A kinked client's price puts it on one side of the kink (at it, Classify
            // settled it); each side is a smooth problem on one branch (MODEL.md 11.2).
            for j in 0..count {
                let k = ws.interior[j];
                if caps.kink[k] && !caps.kink_ready[k] {
                    place_kink(caps, k, ws.b_lo[k], ws.b_hi[k]);
                }
                let log_mu = log_price + ws.log_w[k];
                let (mut box_lo, mut g_lo, mut d_lo) = (ws.box_lo[k], ws.g_lo[k], ws.d_lo[k]);
                let (mut box_hi, mut g_hi, mut d_hi) = (ws.box_hi[k], ws.g_hi[k], ws.d_hi[k]);
                let on_cap;
                if caps.kink[k] {
                    let (x, kc) = (caps.kink_at[k], &caps.columns);
                    if kc.g_lo[x] + log_mu < 0.0 {
                        on_cap = caps.lower[k];
                        box_hi = kc.s[x];
                        g_hi = kc.g_lo[x];
                        d_hi = kc.d_lo[x];
                    } else {
                        // Above the kink. A price at the kink (neither side's G settles
                        // the sign) never comes here: the Classify kernel settled the
                        // client there, with the same two tests on the same values
                        // (at_g_lo, at_g_hi, set by merge_caps exactly where place_kink
                        // keeps the kink).
                        debug_assert!(kc.g_hi[x] + log_mu > 0.0, "client {} at its kink", k);
                        on_cap = caps.upper[k];
                        box_lo = kc.s[x];
                        g_lo = kc.g_hi[x];
                        d_lo = kc.d_hi[x];
                    }
                } else {
                    on_cap = caps.upper[k];
                }
                caps.on_cap[k] = on_cap;
                d.a[j] = inst.a[k];
                if on_cap {
                    d.c[j] = caps.e_c[k];
                    d.t0[j] = 0.0;
                    d.h[j] = caps.e_h[k];
                    d.kk[j] = caps.e_kk[k];
                } else {
                    d.c[j] = inst.c[k];
                    d.t0[j] = inst.t0[k];
                    d.h[j] = t;
                    d.kk[j] = ws.kk[k];
                }
                d.rmin[j] = ws.rmin[k];
                d.rmax[j] = inst.rmax[k];
                d.box_lo[j] = box_lo;
                d.box_hi[j] = box_hi;
                d.g_lo[j] = g_lo;
                d.d_lo[j] = d_lo;
                d.g_hi[j] = g_hi;
                d.d_hi[j] = d_hi;
                d.log_mu[j] = log_mu;
                d.s[j] = ws.s[k];
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Certified: T < T*.
    pub infeasible: bool,
    /// sum_k b_k at the budget-meeting price: F(T) up to the budget tolerance.
    pub demand: f64,
    /// dF/dT at that point (negative).
    pub slope: f64,
    /// The weighted pruning of the point left in ws.rho, summed as pruning::weighted
    /// (+inf when no point is left).
    pub used: f64,
}

/// sum_k b_k and sum_k d b_k / dT at fixed rho: (dq/dT) / r'(b) with
/// q = S m_s / (T - t0 - c m_c), dq/dT = -q^2 / (S m_s), m_s = 1 - phi_s rho,
/// m_c = 1 - phi_c rho.
/// With caps (MODEL.md 11.2) the envelope theorem counts, per client, the branch that
/// binds at its solution: the time branch as above, the cap's not at all (its need does
/// not move with T), and a client at its kink (rho_x, b_x) with value b_x + lambda w rho_x
/// moves along the kink: (b_E'(rho_x) + lambda w) rho_x'(T), rho_x' = -1 / (phi_c (c - c')).
fn demand_and_slope(inst: &Instance, ws: &mut Workspace, t: f64, log_price: f64) -> (f64, f64) {
    let mut kink_slope = 0.0;
    if let Some(caps) = ws.caps.as_mut() {
        if !caps.only {
            let lambda = if log_price > f64::NEG_INFINITY {
                log_price.exp()
            } else {
                0.0
            };
            for &k in caps.list.iter() {
                caps.moving[k] = if caps.at_kink[k] != 0.0 {
                    kink_slope += kink_move(inst, caps, k, lambda);
                    0.0
                } else if ws.gs[k] != 0.0 {
                    if caps.on_cap[k] {
                        0.0
                    } else {
                        1.0
                    }
                } else if ws.b[k] == ws.b_lo[k] && ws.b_lo[k] < ws.b_hi[k] {
                    if caps.lower[k] {
                        0.0
                    } else {
                        1.0
                    }
                } else if caps.upper[k] {
                    0.0
                } else {
                    1.0
                };
            }
        }
    }
    let (rho, b) = (&ws.rho[..], &ws.b[..]);
    let moving = ws.caps.as_ref().map(|c| &c.moving[..]);
    let (demand, slope) = dispatch(
        inst.level,
        DemandSlope {
            inst,
            t,
            rho,
            b,
            moving,
        },
    );
    (demand, slope + kink_slope)
}

/// d(b_x + lambda w rho_x) / dT for client k at its kink (demand_and_slope), from the
/// kink's b_E'(rho_x) and rho_x'(T) (the Kinks kernel).
fn kink_move(inst: &Instance, caps: &Caps, k: usize, lambda: f64) -> f64 {
    let (x, kc) = (caps.kink_at[k], &caps.columns);
    let value = (kc.db[x] + lambda * inst.w[k]) * kc.drho[x];
    if value.is_finite() {
        value
    } else {
        0.0
    }
}

/// Whether interior client k's solution is on its time branch (the only one that moves
/// with T).
#[inline]
fn on_time(ws: &Workspace, k: usize) -> bool {
    ws.caps.as_ref().map_or(true, |c| !c.on_cap[k])
}

/// Bounds the rounding error of a weighted pruning sum, in units of RHO_NOISE: an
/// interior client's rho = U / V - T / V carries a few ulps of U / V + T / V; U / V =
/// T / V + rho, and T / V = ratio - rho. 1 in the model of section 2, where T <= U = V.
pub fn rho_noise_scale(inst: &Instance, ws: &Workspace) -> f64 {
    let mut scale: f64 = 1.0;
    for k in 0..inst.clients {
        if ws.gs[k] != 0.0 {
            scale = scale.max(ws.ratio[k] - ws.rho[k]);
        }
    }
    scale
}

/// The rounding noise in the dual value sum_k (b_k + lambda w_k rho_k). A client at a box
/// end (gs = 0) has b_k = r^{-1}(q_k), which carries a relative error of a few ulps times
/// its condition number, about 1 + 2 b_k / a_k (large for a weak client given much more
/// bandwidth than its SNR bandwidth a_k), and that error enters the value to first order.
/// An interior client's b_k minimizes its own term, so an error in b_k enters only to
/// second order: a few ulps of b_k for the sum cover it.
fn demand_noise(inst: &Instance, b: &[f64], gs: &[f64]) -> f64 {
    let mut noise = 0.0;
    for k in 0..inst.clients {
        noise += if gs[k] == 0.0 {
            b[k] * (1.0 + (2.0 * b[k]) / inst.a[k])
        } else {
            b[k]
        };
    }
    DUAL_NOISE * noise
}

/// Decides F(T) <= B and leaves the budget-feasible primal point in ws.rho, ws.b.
pub fn evaluate(inst: &Instance, ws: &mut Workspace, t: f64) -> Evaluation {
    let (k_count, w, budget, b_total) = (inst.clients, &inst.w, inst.budget, inst.bandwidth_hz);
    let certified_infeasible = Evaluation {
        infeasible: true,
        demand: f64::INFINITY,
        slope: f64::NAN,
        used: f64::INFINITY,
    };
    // The weighted pruning needed with infinite bandwidth.
    let min_used = match boxes(inst, ws, t) {
        Some(used) => used,
        None => return certified_infeasible,
    };
    if min_used > budget {
        return certified_infeasible;
    }

    if budget == 0.0 {
        // Nobody may prune: F(T) is the unpruned demand, exactly; no price is involved.
        let mut used = 0.0;
        for k in 0..k_count {
            ws.rho[k] = ws.rmin[k];
            ws.b[k] = ws.b_hi[k];
            ws.gs[k] = 0.0;
            used += w[k] * ws.rho[k];
        }
        let (demand, slope) = demand_and_slope(inst, ws, t, f64::NEG_INFINITY);
        return Evaluation {
            infeasible: demand - demand_noise(inst, &ws.b, &ws.gs) > b_total,
            demand,
            slope,
            used,
        };
    }

    // Predict the price and each interior client's ln b at this T to first order from the
    // last search (at fixed b, dG/dT = phi_s / K, 1 / T in the model of section 2): Newton
    // then starts a few digits closer.
    let dt = t - ws.last_t;
    let dy = ws.price_slope * dt;
    if dy.is_finite() && ws.log_price.is_finite() {
        ws.log_price += dy;
        for k in 0..k_count {
            if ws.gs[k] != 0.0 {
                // A client on its cap's branch: G does not move with T.
                let relative = if on_time(ws, k) {
                    inst.phi_s * (dt / stationarity_scale(inst, k, ws.last_t))
                } else {
                    0.0
                };
                ws.s[k] -= (relative + dy) / ws.gs[k];
            }
        }
    }
    let mut price = f64::NEG_INFINITY; // ln lambda
    let mut used = price_response(inst, ws, t, price).0;
    let bound = used > budget;
    let mut price_slope = f64::NAN;
    if bound {
        // The budget binds: search ln lambda, Newton safeguarded by a bracket.
        let mut lo = f64::NEG_INFINITY; // used > budget here
        let mut hi = f64::INFINITY; // used <= budget here
        price = if ws.log_price.is_finite() {
            ws.log_price
        } else {
            b_total.ln()
        };
        let mut slope = f64::NAN;
        let mut expand = 4.0;
        // Aim just inside the budget, so that the point found usually meets it exactly.
        let target = budget * (1.0 - 0.5 * BUDGET_TOL);
        for _ in 0..PRICE_STEPS {
            let (u, du) = price_response(inst, ws, t, price);
            used = u;
            slope = du;
            if u > budget {
                lo = price;
            } else {
                hi = price;
            }
            if (u - target).abs() <= 0.5 * BUDGET_TOL * budget {
                break;
            }
            if hi - lo <= 1e-15 * price.abs().max(1.0) {
                break;
            }
            let mut next = if du < 0.0 {
                price - (u - target) / du
            } else {
                f64::NAN
            };
            if !(next > lo && next < hi) {
                // Outside the bracket: expand it geometrically while it is open (a warm
                // start can be far off), else bisect.
                next = if lo == f64::NEG_INFINITY {
                    price - expand
                } else if hi == f64::INFINITY {
                    price + expand
                } else {
                    0.5 * (lo + hi)
                };
                if lo == f64::NEG_INFINITY || hi == f64::INFINITY {
                    expand *= 2.0;
                }
            }
            price = next;
        }
        // The primal point must meet the budget exactly, not up to the tolerance: a tiny
        // budget's tolerance can be worth a lot of latency to a client of tiny weight.
        // Raise the price by the excess over the slope (at least 2 ulps, doubling) until
        // it does: past the bracket's upper end if need be, since rounding can put the
        // re-evaluated sum a few ulps above the budget there.
        let mut step: f64 = 0.0;
        let mut nudges = 0;
        while used > budget && nudges < NUDGES {
            nudges += 1;
            step = (2.0 * step)
                .max(if slope < 0.0 {
                    (budget - used) / slope
                } else {
                    0.0
                })
                .max(NUDGE * price.abs().max(1.0));
            if step > MAX_NUDGE {
                // Not a rounding excess: the budget cannot be met at this T with a
                // finite bandwidth, and no point is taken from it.
                break;
            }
            price += step;
            let (u, du) = price_response(inst, ws, t, price);
            used = u;
            if du < 0.0 {
                slope = du;
            }
        }
        ws.log_price = price;
        price_slope = slope;
    }
    let (demand, slope) = demand_and_slope(inst, ws, t, price);
    let lambda = price.exp();
    // One pass over the columns for every remaining sum, each still in client order:
    // - the weight of the clients whose rho is computed (U / V - T / V, a few ulps off;
    //   at a bound rho is exactly 0 or rmax), and rho_noise_scale's maximum;
    // - demand_noise's sum;
    // - when the budget binds, the price predictor's data: d ln(lambda)/dT = -U_T / U_y
    //   with U_y = the price slope and, over the interior clients, U_T = -sum w / V +
    //   sum (b / (lambda dG/ds)) phi_s / K: d rho/dT at fixed lambda is -1 / V directly,
    //   plus the move of b (dG/dT = phi_s / K at fixed b). With T / V = ratio - rho and
    //   cross = sum (b / (lambda dG/ds)) (phi_s T / K - 1), which is exactly 0 in the
    //   model of section 2 (where T / V = 1 - rho), T U_T = slope + cross - interior.
    let mut loose = 0.0;
    let mut scale: f64 = 1.0;
    let mut noise = 0.0;
    let mut interior = 0.0;
    let mut cross = 0.0;
    for k in 0..k_count {
        let (gs, b) = (ws.gs[k], ws.b[k]);
        if gs != 0.0 {
            loose += w[k];
            scale = scale.max(ws.ratio[k] - ws.rho[k]);
            noise += b;
            if bound && on_time(ws, k) {
                interior += w[k] * (ws.ratio[k] - ws.rho[k]);
                let scale = (inst.phi_s * t) / stationarity_scale(inst, k, t);
                cross += (b / (lambda * gs)) * (scale - 1.0);
            }
        } else {
            noise += b * (1.0 + (2.0 * b) / inst.a[k]);
        }
    }
    if bound {
        ws.last_t = t;
        ws.price_slope = (interior / price_slope - 1.0 - cross / price_slope) / t;
    }
    // Weak duality: sum_k min_rho (b_k + lambda w_k rho_k) - lambda budget <= F(T).
    let dual = demand
        + if lambda > 0.0 {
            lambda * (used - budget)
        } else {
            0.0
        };
    // Each computed rho carries a rounding error of a few ulps, and so does the sum
    // used - budget; the price magnifies both. Only a dual value clear of that noise
    // certifies infeasibility. (A huge price comes from a client of tiny weight, so the
    // noise is weighted: lambda times the whole weight would swamp the certificate.)
    let noise = DUAL_NOISE * noise
        + if lambda > 0.0 {
            RHO_NOISE * scale * lambda * (loose + used + budget)
        } else {
            0.0
        };
    Evaluation {
        infeasible: dual - noise > b_total,
        demand,
        slope,
        used,
    }
}

/// Minimizes the round latency exactly. `start` is a feasible point (pruning, bandwidth)
/// whose latency `start_latency` opens the bracket; `tolerance` is the relative bracket
/// width to reach.
pub fn optimal(
    inst: &Instance,
    start_pruning: &[f64],
    start_bandwidth: &[f64],
    start_latency: f64,
    tolerance: f64,
    max_iterations: u32,
) -> OptimalResult {
    let (k_count, a, bits, rmax, b_total) = (
        inst.clients,
        &inst.a,
        inst.payload_bits,
        inst.rmax,
        inst.bandwidth_hz,
    );
    let mut ws = Workspace::new(inst);
    let mut pruning = start_pruning.to_vec();
    let mut bandwidth = start_bandwidth.to_vec();
    let mut hi = start_latency;
    // Infinite bandwidth and full pruning still leave client k its latency at rmax_k with
    // the upload time S ln2 / a_k ((1 - rmax_k) U_k(inf) in the model of section 2).
    let mut lo: f64 = 0.0;
    for k in 0..k_count {
        lo = lo.max(inst.latency(k, rmax[k], (bits * LN2) / a[k]));
    }

    // Where F(T) has its pole: the outer Newton's coordinate is ln(T - pole).
    let pole = lo;
    let mut scratch = vec![0.0; k_count];
    // With caps, a point is moved onto the band keeping every client's cap floor at its
    // pruning (energy::onto_band), so that it meets every cap.
    let capped = inst.has_caps();
    let mut floor = vec![0.0; if capped { k_count } else { 0 }];
    let mut t = hi;
    let mut iterations = 0;
    let steer = tolerance.max(STEER);
    let mut converged = hi - lo <= tolerance * hi;
    let mut stalled = 0;
    while !converged && iterations < max_iterations {
        iterations += 1;
        let ev = evaluate(inst, &mut ws, t);
        let (lo_before, hi_before) = (lo, hi);
        if ev.infeasible {
            lo = lo.max(t);
        }
        // ev.used is weighted(&inst.w, &ws.rho), summed by evaluate's last price.
        if ev.demand.is_finite() && ev.used <= inst.budget {
            // A feasible point from this T: its bandwidth rescaled onto the band (down when T
            // is infeasible, which lengthens the round a little; up when it is feasible).
            let moved = if capped && ev.demand > b_total {
                // Each capped client's floor as computed (one on its cap's branch has b
                // within ulps of it); scaling up keeps the floors, scaling down shrinks only
                // the bandwidth above them (energy::onto_band).
                scratch.copy_from_slice(&ws.b);
                let list = &ws.caps.as_ref().map_or(&[][..], |c| &c.list[..]);
                energy::cap_bandwidths(inst, list, &ws.rho, &mut floor);
                for &k in list.iter() {
                    scratch[k] = scratch[k].max(floor[k]);
                }
                energy::onto_band(inst, &floor, &mut scratch)
            } else if capped {
                // Up: plain scaling keeps every floor (a client on its cap's branch is
                // within ulps of its floor, well inside the caps' 1e-12).
                energy::onto_band(inst, &[], &mut scratch_from(&mut scratch, &ws.b))
            } else {
                let scale = b_total / ev.demand;
                for k in 0..k_count {
                    scratch[k] = ws.b[k] * scale;
                }
                true
            };
            let t1 = if moved {
                round_latency(inst, &ws.rho, &scratch, None)
            } else {
                f64::INFINITY
            };
            if t1 < hi {
                hi = t1;
                pruning.copy_from_slice(&ws.rho);
                bandwidth.copy_from_slice(&scratch);
            }
        }
        converged = hi - lo <= tolerance * hi;
        stalled = if lo == lo_before && hi == hi_before {
            stalled + 1
        } else {
            0
        };
        if converged || stalled >= STAGNATION {
            break;
        }
        // Newton's method on ln F = ln B in y = ln(T - pole): F grows like 1 / (T - pole)
        // near the pole and falls like a power of T far from it, straight lines in
        // (y, ln F), so the step lands within a few digits from the start and then
        // converges quadratically.
        let mut next = if ev.demand.is_finite() && ev.slope < 0.0 {
            let newton = pole
                + (t - pole)
                    * (-(ev.demand / b_total).ln() / (((t - pole) * ev.slope) / ev.demand)).exp();
            // Once a feasible T's step is below sqrt(tolerance), the new estimate is within
            // about tolerance^2 of the root: aim a quarter tolerance left of it, where the
            // dual certifies the lower bound and the rescaled point closes the bracket in
            // the same evaluation.
            if !ev.infeasible && ((newton - t) / t).abs() <= steer.sqrt() {
                newton - 0.25 * steer * newton
            } else {
                newton
            }
        } else {
            f64::NAN
        };
        // When this T moved neither end and Newton's step is below the tolerance, halve
        // the side of T where the root seems to lie (F very convex, a client whose rate is
        // saturated: the tangent's step rounds back onto T, and T's infeasibility is
        // within rounding noise of the dual, so it cannot be certified; at T = hi the
        // demand's own noise can put it above B). Bisect when Newton leaves the bracket.
        if lo == lo_before && hi == hi_before && (next - t).abs() <= 0.5 * steer * t {
            let right = 0.5 * (t + hi);
            let left = 0.5 * (lo + t);
            next = if ev.demand > b_total && right > t && right < hi {
                right
            } else if left > lo && left < t {
                left
            } else {
                0.5 * (lo + hi)
            };
        } else if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        // Near the optimum Newton's steps shrink below the tolerance while the bracket stays
        // open on one side: probe just inside the far end so the bracket closes.
        let probe = 0.5 * steer * hi;
        if next - lo < probe {
            next = (lo + probe).min(0.5 * (lo + hi));
        } else if hi - next < probe {
            next = (hi - probe).max(0.5 * (lo + hi));
        }
        // A T whose evaluation moved neither end (its demand within rounding noise of B,
        // its rescaled point no better) would be evaluated again to the same effect,
        // forever: bisect instead.
        if next == t && lo == lo_before && hi == hi_before {
            next = 0.5 * (lo + hi);
        }
        t = next;
    }
    OptimalResult {
        latency: hi,
        pruning,
        bandwidth,
        lower_bound: lo,
        upper_bound: hi,
        iterations,
        converged,
    }
}

/// Copies `b` into `scratch` and returns it.
fn scratch_from<'a>(scratch: &'a mut [f64], b: &[f64]) -> &'a mut [f64] {
    scratch.copy_from_slice(b);
    scratch
}

/// What the caps-only problem says (MODEL.md 11.2): F_E(inf) = min sum_k b_E,k(rho_k) over
/// the box and the budget, each capped client's need for its cap alone.
#[derive(Clone, Debug, PartialEq)]
pub enum CapFeasibility {
    /// F_E(inf) > B, certified by the dual value (or the caps' least pruning with unlimited
    /// bandwidth exceeds the budget): no point meets every cap.
    Infeasible,
    /// The minimizing pruning: with it the caps need less than the band (block B with
    /// the floors then gives a point).
    Pruning(Vec<f64>),
}

/// Solves the caps-only problem by `optimal`'s price search at T = +inf with the time
/// branch dropped. The caller has checked every client's condition alone
/// (energy::unreachable_caps) and the least pruning against the budget. A minimizer whose
/// floors use the whole band although the dual does not certify it (the caps need B to
/// rounding) has no point either: no split of B gives every client a positive share.
pub fn cap_feasibility(inst: &Instance, _tolerance: f64, _max_iterations: u32) -> CapFeasibility {
    let mut ws = Workspace::new(inst);
    if let Some(caps) = ws.caps.as_mut() {
        caps.only = true;
    } else {
        return CapFeasibility::Pruning(ws.rmin.clone());
    }
    let ev = evaluate(inst, &mut ws, f64::INFINITY);
    if ev.infeasible {
        return CapFeasibility::Infeasible;
    }
    if !(weighted(&inst.w, &ws.rho) <= inst.budget) {
        return CapFeasibility::Infeasible;
    }
    let mut floor = vec![0.0; inst.clients];
    let failures = energy::bandwidth_floors(inst, &ws.rho, &mut floor);
    if failures.is_empty() && energy::total(&floor) <= inst.bandwidth_hz {
        CapFeasibility::Pruning(ws.rho.clone())
    } else {
        CapFeasibility::Infeasible
    }
}
