//! Energy caps and minimum pruning (MODEL.md sections 11.2 and 12): each client's cap
//! condition, the floors the caps put under blocks A and B, and the infeasibility tests
//! every method shares; mirrors ts/core/energy.ts name for name.
//!
//! In units of upload time. Dividing the cap `E0 + e c (1 - phi_c rho) + p S (1 - phi_s rho) / r(b)
//! <= Ebar` by p_k gives `c' (1 - phi_c rho) + S (1 - phi_s rho) / r(b) <= H`, with
//! `c' = e c / p` (`energy_compute`) and `H = (Ebar - E0) / p` (`energy_window`): the
//! latency condition of section 8 with `T - t0` replaced by H and c by c'. So a capped
//! client is two clients of section 8 sharing one pruning rate and one bandwidth, and
//! every formula of blocks A and B and of `optimal` applies to the cap with that
//! substitution (the cap's block A floor is the rate at which that virtual client meets
//! H, its block B floor the bandwidth it needs).

// The numerics mirror ts/ line by line.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::instance::Instance;
use crate::pruning::weighted;
use crate::rate::{rate, rate_inverse, LN2};
use crate::simd::columns::{gather, scatter};
use crate::simd::{dispatch, math, Kernel, Lanes, Mask};

/// Relative slack of the cap check: a returned point meets every cap to 1e-12 relative
/// (the accuracy contract, MODEL.md section 6).
pub const CAP_SLACK: f64 = 1e-12;
/// Steps of the searches that move a floor by ulps until the cap is met as computed.
const NUDGES: u32 = 8;
/// 2^-51: a relative step that always moves a double by at least one ulp.
const NUDGE: f64 = 4.440892098500626e-16;

/// Whether client k has a finite cap.
#[inline]
pub fn is_capped(inst: &Instance, k: usize) -> bool {
    inst.cap_at(k) < f64::INFINITY
}

/// e_k, W (0 when the problem gives none).
#[inline]
pub fn compute_power(inst: &Instance, k: usize) -> f64 {
    if inst.e.is_empty() {
        0.0
    } else {
        inst.e[k]
    }
}

/// E0_k, J (0 when the problem gives none).
#[inline]
pub fn fixed_energy(inst: &Instance, k: usize) -> f64 {
    if inst.e0.is_empty() {
        0.0
    } else {
        inst.e0[k]
    }
}

/// E_k = E0_k + e_k c_k (1 - phi_c rho) + p_k upload (1 - phi_s rho), J, when the upload of
/// the unpruned update takes `upload` = S / r_k(b) seconds.
#[inline]
pub fn energy_at(inst: &Instance, k: usize, rho: f64, upload: f64) -> f64 {
    fixed_energy(inst, k)
        + compute_power(inst, k) * inst.c[k] * (1.0 - inst.phi_c * rho)
        + inst.p[k] * upload * (1.0 - inst.phi_s * rho)
}

/// E_k at pruning rho and b Hz, J.
pub fn client_energy(inst: &Instance, k: usize, rho: f64, b: f64) -> f64 {
    energy_at(inst, k, rho, inst.payload_bits / rate(inst.a[k], b))
}

/// Whether `energy` meets client k's cap, to CAP_SLACK relative (always, uncapped).
#[inline]
pub fn meets_cap(inst: &Instance, k: usize, energy: f64) -> bool {
    let cap = inst.cap_at(k);
    cap == f64::INFINITY || energy <= cap + CAP_SLACK * cap
}

/// The clients (ascending) whose cap the point (rho, b) breaks.
pub fn broken_caps(inst: &Instance, rho: &[f64], b: &[f64]) -> Vec<usize> {
    let mut out = Vec::new();
    if inst.cap.is_empty() {
        return out;
    }
    for k in 0..inst.clients {
        // An uncapped client meets its cap whatever its energy: none is computed.
        if is_capped(inst, k) && !meets_cap(inst, k, client_energy(inst, k, rho[k], b[k])) {
            out.push(k);
        }
    }
    out
}

/// Client k's cap condition (MODEL.md 11.2): it can meet its cap at all, i.e. at full
/// pruning with unlimited band, E0 + e c (1 - phi_c rmax) + p S (1 - phi_s rmax) ln 2 / a
/// < Ebar (strict: the rate only tends to a / ln 2).
pub fn cap_reachable(inst: &Instance, k: usize) -> bool {
    let cap = inst.cap_at(k);
    cap == f64::INFINITY
        || energy_at(inst, k, inst.rmax[k], (inst.payload_bits * LN2) / inst.a[k]) < cap
}

/// The clients (ascending) that fail their cap condition: no point of any method meets
/// their cap.
pub fn unreachable_caps(inst: &Instance) -> Vec<usize> {
    let mut out = Vec::new();
    if inst.cap.is_empty() {
        return out;
    }
    for k in 0..inst.clients {
        if !cap_reachable(inst, k) {
            out.push(k);
        }
    }
    out
}

/// sum_k w_k rmin_k in client order (the order of every budget check): above the budget,
/// no point exists (MODEL.md 12; equality is feasible).
pub fn minimum_pruning(inst: &Instance) -> f64 {
    if inst.rmin.is_empty() {
        return 0.0;
    }
    weighted(&inst.w, inst.rmin)
}

/// A_k(rho) = (Ebar_k - E0_k - e_k c_k (1 - phi_c rho)) / p_k: the longest upload of the
/// unpruned update's share S (1 - phi_s rho) the cap allows, s (+inf uncapped; <= 0: the
/// cap is spent before the upload starts).
pub fn upload_allowance(inst: &Instance, k: usize, rho: f64) -> f64 {
    let cap = inst.cap_at(k);
    if cap == f64::INFINITY {
        return f64::INFINITY;
    }
    (cap - fixed_energy(inst, k) - compute_power(inst, k) * inst.c[k] * (1.0 - inst.phi_c * rho))
        / inst.p[k]
}

/// Block B's floor (MODEL.md 11.2): r_k^-1(q_E(rho)), q_E = S (1 - phi_s rho) / A_k(rho), the
/// least bandwidth with which client k meets its cap at pruning rho, Hz; 0 uncapped, +inf
/// when no bandwidth suffices (E_k(rho, inf) >= Ebar_k, as energy_at computes it: the cap
/// condition at rho, decided as cap_reachable decides it at rmax, so that a cap at its
/// threshold is out of reach here too whatever the rate inverse rounds to). Moved up by
/// ulps until the energy as computed meets the cap (the rate inverse is a few ulps off,
/// times its condition number 1 + 2 b / a).
pub fn cap_bandwidth(inst: &Instance, k: usize, rho: f64) -> f64 {
    let allowance = upload_allowance(inst, k, rho);
    if allowance == f64::INFINITY {
        return 0.0;
    }
    if !(allowance > 0.0)
        || !(energy_at(inst, k, rho, (inst.payload_bits * LN2) / inst.a[k]) < inst.cap_at(k))
    {
        return f64::INFINITY;
    }
    let mut b = rate_inverse(inst.a[k], inst.payload(rho) / allowance);
    if !(b < f64::INFINITY) {
        return f64::INFINITY;
    }
    let cap = inst.cap_at(k);
    let mut step: f64 = 0.0;
    let mut i = 0;
    while i < NUDGES && client_energy(inst, k, rho, b) > cap {
        step = (2.0 * step).max(NUDGE * b);
        b += step;
        i += 1;
    }
    b
}

/// cap_bandwidth for every capped client at once, client k at pruning rho[k], to out[k]
/// (uncapped clients are left alone): the same operations on the vector lanes of the
/// instance's level (simd), the capped clients packed `N` to a vector. The scalar level
/// computes exactly what cap_bandwidth does; the vector ones agree to a few ulps (their
/// ln and log1p are the polynomial kernels'), and the nudges make the energy as computed
/// there meet the cap, so the scalar energy meets it to well within CAP_SLACK.
pub fn cap_bandwidths(inst: &Instance, capped: &[usize], rho: &[f64], out: &mut [f64]) {
    dispatch(
        inst.level,
        CapBandwidths {
            inst,
            capped,
            rho,
            out,
        },
    );
}

/// The clients (ascending) with a finite cap.
pub fn capped_clients(inst: &Instance) -> Vec<usize> {
    if inst.cap.is_empty() {
        return Vec::new();
    }
    (0..inst.clients).filter(|&k| is_capped(inst, k)).collect()
}

struct CapBandwidths<'a, 'b> {
    inst: &'a Instance<'b>,
    capped: &'a [usize],
    rho: &'a [f64],
    out: &'a mut [f64],
}

impl<'a, 'b> Kernel for CapBandwidths<'a, 'b> {
    type Output = ();

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let inst = self.inst;
        let (one, zero, inf) = (V::splat(1.0), V::splat(0.0), V::splat(f64::INFINITY));
        let bits = V::splat(inst.payload_bits);
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let nudge = V::splat(NUDGE);
        for idx in self.capped.chunks(V::N) {
            let a = gather::<V>(&inst.a, idx, 1.0);
            let c = gather::<V>(inst.c, idx, 0.0);
            let p = gather::<V>(&inst.p, idx, 1.0);
            let e = if inst.e.is_empty() {
                zero
            } else {
                gather::<V>(&inst.e, idx, 0.0)
            };
            let e0 = if inst.e0.is_empty() {
                zero
            } else {
                gather::<V>(&inst.e0, idx, 0.0)
            };
            let cap = gather::<V>(&inst.cap, idx, 1.0);
            let rho = gather::<V>(self.rho, idx, 0.0);
            // upload_allowance, energy_at and payload on lanes, in their order.
            let compute = e * c * (one - phi_c * rho);
            let allowance = ((cap - e0) - compute) / p;
            let share = one - phi_s * rho;
            let fixed = e0 + compute;
            // The cap condition at rho, as cap_bandwidth decides it (energy_at with the
            // upload of unlimited band, S ln 2 / a).
            let least = fixed + (p * ((bits * V::splat(LN2)) / a)) * share;
            let open = allowance.gt(zero) & least.lt(cap);
            let q = (bits * share) / V::select(open, allowance, one);
            let mut b = V::select(open, math::rate_inverse(a, q), inf);
            let finite = b.lt(inf);
            let at = V::select(finite, b, one);
            let mut step = zero;
            let mut over = finite & (fixed + (p * (bits / math::rate(a, at))) * share).gt(cap);
            let mut i = 0;
            while i < NUDGES && over.any() {
                let wider = V::splat(2.0) * step;
                let least = nudge * b;
                step = V::select(over, V::select(wider.lt(least), least, wider), step);
                b = V::select(over, b + step, b);
                over = over & (fixed + (p * (bits / math::rate(a, b))) * share).gt(cap);
                i += 1;
            }
            scatter(b, idx, self.out);
        }
    }
}

/// UE = E0 + e c + p upload, client k's energy unpruned, and VE = phi_c e c + phi_s p upload,
/// what a whole unit of pruning saves (E = UE - VE rho), J, when its unpruned upload takes
/// `upload` s: the energy twins of block A's U_k and V_k.
pub fn cap_coefficients(inst: &Instance, k: usize, upload: f64) -> (f64, f64) {
    let e0 = fixed_energy(inst, k);
    let ec = compute_power(inst, k) * inst.c[k];
    let pu = inst.p[k] * upload;
    (e0 + ec + pu, inst.phi_c * ec + inst.phi_s * pu)
}

/// The cap as a round model of section 8 (module comment): `optimal`'s second piece is the
/// latency piece of a client with c' = e c / p and t0' = E0 / p meeting T' = Ebar / p.
/// Returns (phi_c c', K') with K' = phi_s (T' - t0') + (phi_c - phi_s) c', the `cc` and `kk`
/// of optimal's `stationarity` (K' > 0 when the cap condition holds).
pub fn cap_stationarity(inst: &Instance, k: usize) -> (f64, f64) {
    let p = inst.p[k];
    let e0 = fixed_energy(inst, k);
    let ec = (compute_power(inst, k) * inst.c[k]) / p;
    (
        inst.phi_c * ec,
        inst.phi_s * ((inst.cap_at(k) - e0) / p) + (inst.phi_c - inst.phi_s) * ec,
    )
}

/// Block A's floor (MODEL.md 11.2): the least pruning with which client k meets its cap
/// when its unpruned upload takes `upload` s, rho_E = (UE - Ebar) / VE (cap_coefficients);
/// -inf when uncapped or when the cap holds unpruned with nothing to prune, +inf when
/// nothing prunable meets it. Moved up by ulps until the energy as computed meets the cap;
/// it may exceed rmax_k (the cap cannot be met at this bandwidth).
pub fn cap_pruning(inst: &Instance, k: usize, upload: f64) -> f64 {
    let cap = inst.cap_at(k);
    if cap == f64::INFINITY {
        return f64::NEG_INFINITY;
    }
    let (ue, ve) = cap_coefficients(inst, k, upload);
    if !(ve > 0.0) {
        return if ue <= cap {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let mut rho = ue / ve - cap / ve;
    if !(rho < 1.0) {
        return rho;
    }
    let mut step: f64 = 0.0;
    let mut i = 0;
    while i < NUDGES && energy_at(inst, k, rho, upload) > cap {
        step = (2.0 * step).max(NUDGE * rho.abs().max(NUDGE));
        rho += step;
        i += 1;
    }
    rho
}

/// Block A's floors at bandwidth b: max(rmin_k, rho_E,k(b_k)) to `floors`; returns the
/// clients (ascending) whose floor exceeds rmax_k (their cap cannot be met at b within the box).
pub fn pruning_floors(inst: &Instance, b: &[f64], floors: &mut [f64]) -> Vec<usize> {
    let mut out = Vec::new();
    for k in 0..inst.clients {
        let lo = inst.rmin_at(k);
        let e = if inst.cap_at(k) == f64::INFINITY {
            f64::NEG_INFINITY
        } else {
            cap_pruning(inst, k, inst.payload_bits / rate(inst.a[k], b[k]))
        };
        floors[k] = if e > lo { e } else { lo };
        if floors[k] > inst.rmax[k] {
            out.push(k);
        }
    }
    out
}

/// Block B's floors at pruning rho: r^-1(q_E(rho_k)) to `floors` (0 uncapped); returns the
/// clients (ascending) whose cap no bandwidth meets at that pruning.
pub fn bandwidth_floors(inst: &Instance, rho: &[f64], floors: &mut [f64]) -> Vec<usize> {
    let mut out = Vec::new();
    for k in 0..inst.clients {
        floors[k] = 0.0;
    }
    cap_bandwidths(inst, &capped_clients(inst), rho, floors);
    for k in 0..inst.clients {
        if floors[k] == f64::INFINITY {
            out.push(k);
        }
    }
    out
}

/// The sum of a column in client order.
pub fn total(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        s += v;
    }
    s
}

/// The floors and an equal share of the band they leave, to `out` (a start that meets every
/// cap; the caller makes sure the floors fit in the band).
pub fn spread_over(inst: &Instance, floors: &[f64], out: &mut [f64]) {
    let f = total(floors);
    let share = (inst.bandwidth_hz - f).max(0.0) / inst.clients as f64;
    for k in 0..inst.clients {
        out[k] = floors[k] + share;
    }
}

/// Moves a split `b` onto the band: up by plain scaling (which keeps every floor), down
/// (a split over the band) by shrinking only the bandwidth above the floors, so that every
/// cap stays met (`floor` empty: plain scaling both ways). Returns false, b untouched,
/// when the floors alone use more than the band. A split over the band by less than the
/// rounding of `sum - f` gives a factor of exactly 1: it is on the band to rounding (as
/// plain scaling leaves a sum within an ulp or so of B) and is kept as it is; refusing it
/// threw away block B's optimum for its start (a 40-client problem of the caps fuzz:
/// `uniform-prune-bandwidth` 60,846 s instead of 23,350 s, above `bandwidth-only`).
pub fn onto_band(inst: &Instance, floor: &[f64], b: &mut [f64]) -> bool {
    let b_total = inst.bandwidth_hz;
    let sum = total(b);
    if floor.is_empty() || !(sum > b_total) {
        let scale = b_total / sum;
        for k in 0..inst.clients {
            b[k] *= scale;
        }
        return true;
    }
    let f = total(floor);
    let scale = (b_total - f) / (sum - f);
    if !(scale >= 0.0 && scale <= 1.0) {
        return false;
    }
    for k in 0..inst.clients {
        b[k] = floor[k] + (b[k] - floor[k]) * scale;
    }
    true
}
