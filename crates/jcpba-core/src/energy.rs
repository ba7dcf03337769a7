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

/// Relative slack with which a returned point meets a cap (the accuracy contract's
/// 1e-12): floors come from rate inverses and quotients exact to a few ulps.
pub const CAP_SLACK: f64 = 1e-12;

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

/// c'_k = e_k c_k / p_k: the compute's energy in seconds of upload at power p_k.
#[inline]
pub fn energy_compute(inst: &Instance, k: usize) -> f64 {
    (compute_power(inst, k) * inst.c[k]) / inst.p[k]
}

/// H_k = (Ebar_k - E0_k) / p_k: the cap in seconds of upload at power p_k (+inf uncapped).
#[inline]
pub fn energy_window(inst: &Instance, k: usize) -> f64 {
    (inst.cap_at(k) - fixed_energy(inst, k)) / inst.p[k]
}

/// E_k(rho, b) = E0 + e c (1 - phi_c rho) + p S (1 - phi_s rho) / r(b), J (MODEL.md 11).
pub fn client_energy(inst: &Instance, k: usize, rho: f64, b: f64) -> f64 {
    fixed_energy(inst, k)
        + compute_power(inst, k) * inst.c[k] * (1.0 - inst.phi_c * rho)
        + (inst.p[k] * inst.payload(rho)) / rate(inst.a[k], b)
}

/// Whether client k can meet its cap at pruning rho with unlimited bandwidth (MODEL.md
/// 11.2): `E0 + e c (1 - phi_c rho) + p S (1 - phi_s rho) ln2 / a < Ebar`, evaluated left
/// to right as written. At rho = rmax_k this is the single-client condition; true for an
/// uncapped client.
pub fn meets_cap_alone(inst: &Instance, k: usize, rho: f64) -> bool {
    let cap = inst.cap_at(k);
    if !(cap < f64::INFINITY) {
        return true;
    }
    let spend = fixed_energy(inst, k)
        + compute_power(inst, k) * inst.c[k] * (1.0 - inst.phi_c * rho)
        + (inst.p[k] * inst.payload(rho) * LN2) / inst.a[k];
    spend < cap
}

/// The clients (ascending) that cannot meet their caps alone at pruning `rho`
/// (`meets_cap_alone`); `rho` empty: at rmax_k, the single-client condition.
pub fn cap_failures(inst: &Instance, rho: &[f64]) -> Vec<usize> {
    let mut out = Vec::new();
    if !inst.has_caps() {
        return out;
    }
    for k in 0..inst.clients {
        let r = if rho.is_empty() { inst.rmax[k] } else { rho[k] };
        if !meets_cap_alone(inst, k, r) {
            out.push(k);
        }
    }
    out
}

/// Whether the least pruning alone breaks the budget: `sum_k w_k rmin_k > budget`,
/// summed in client order as every budget check (equality is feasible; MODEL.md 12).
pub fn min_pruning_over_budget(inst: &Instance) -> bool {
    !inst.rmin.is_empty() && weighted(&inst.w, inst.rmin) > inst.budget
}

/// rho_E,k at an upload time `upload` = S / r_k(b) (block A's cap floor, MODEL.md 11.2):
/// the least rate with `E0 + e c (1 - phi_c rho) + p upload (1 - phi_s rho) <= Ebar`, the
/// affine condition's root `(E0 + e c + p upload - Ebar) / (phi_c e c + phi_s p upload)`,
/// and at least rmin_k. Above rmax_k (+inf when pruning saves no energy) when the cap
/// cannot be met at this bandwidth within the box.
pub fn pruning_floor(inst: &Instance, k: usize, upload: f64) -> f64 {
    let rmin = inst.rmin_at(k);
    let cap = inst.cap_at(k);
    if !(cap < f64::INFINITY) {
        return rmin;
    }
    let compute = compute_power(inst, k) * inst.c[k];
    let send = inst.p[k] * upload;
    let over = fixed_energy(inst, k) + compute + send - cap;
    if !(over > 0.0) {
        return rmin;
    }
    let saved = inst.phi_c * compute + inst.phi_s * send;
    if !(saved > 0.0) {
        return f64::INFINITY;
    }
    let rho = over / saved;
    if rho > rmin {
        rho
    } else {
        rmin
    }
}

/// r^-1(q_E(rho)): the least bandwidth with which client k meets its cap at pruning rho
/// (block B's cap floor, MODEL.md 11.2), q_E = p S (1 - phi_s rho) / (Ebar - E0 - e c (1 - phi_c rho));
/// 0 for an uncapped client, +inf when no bandwidth suffices.
pub fn bandwidth_floor(inst: &Instance, k: usize, rho: f64) -> f64 {
    let cap = inst.cap_at(k);
    if !(cap < f64::INFINITY) {
        return 0.0;
    }
    let room = cap
        - fixed_energy(inst, k)
        - compute_power(inst, k) * inst.c[k] * (1.0 - inst.phi_c * rho);
    if !(room > 0.0) {
        return f64::INFINITY;
    }
    rate_inverse(inst.a[k], (inst.p[k] * inst.payload(rho)) / room)
}

/// Block B's floors at pruning `rho` into `out`; returns their sum (client order).
pub fn bandwidth_floors(inst: &Instance, rho: &[f64], out: &mut [f64]) -> f64 {
    let mut sum = 0.0;
    for k in 0..inst.clients {
        out[k] = bandwidth_floor(inst, k, rho[k]);
        sum += out[k];
    }
    sum
}

/// Whether client k's energy at (rho, b) is within its cap (to CAP_SLACK relative).
pub fn meets_cap(inst: &Instance, k: usize, rho: f64, b: f64) -> bool {
    let cap = inst.cap_at(k);
    !(cap < f64::INFINITY) || client_energy(inst, k, rho, b) <= cap * (1.0 + CAP_SLACK)
}

/// The clients (ascending) whose caps the point (rho, b) breaks (beyond CAP_SLACK).
pub fn broken_caps(inst: &Instance, rho: &[f64], b: &[f64]) -> Vec<usize> {
    let mut out = Vec::new();
    if !inst.has_caps() {
        return out;
    }
    for k in 0..inst.clients {
        if !meets_cap(inst, k, rho[k], b[k]) {
            out.push(k);
        }
    }
    out
}

/// Moves a split `b` whose entries are at least `floor` onto the band: the excess over
/// the floors is scaled so that the split sums to B, so every client keeps at least its
/// floor (`b_k = f_k + s (b_k - f_k)`). Without floors (empty) it is the plain scaling
/// `b_k B / sum b`. Returns false (b untouched) when the floors alone use the band.
pub fn onto_band(inst: &Instance, floor: &[f64], b: &mut [f64]) -> bool {
    let b_total = inst.bandwidth_hz;
    if floor.is_empty() {
        let mut sum = 0.0;
        for k in 0..inst.clients {
            sum += b[k];
        }
        let scale = b_total / sum;
        for k in 0..inst.clients {
            b[k] *= scale;
        }
        return true;
    }
    let mut fixed = 0.0;
    let mut excess = 0.0;
    for k in 0..inst.clients {
        let f = floor[k].min(b[k]);
        fixed += f;
        excess += b[k] - f;
    }
    if !(fixed < b_total) || !(excess > 0.0) {
        return false;
    }
    let scale = (b_total - fixed) / excess;
    for k in 0..inst.clients {
        let f = floor[k].min(b[k]);
        b[k] = f + scale * (b[k] - f);
    }
    true
}

/// A split of the band that gives every client its floor and the rest of the band in
/// equal shares (the start of block B with floors; the equal split without them).
/// None when the floors alone use the band.
pub fn floor_split(inst: &Instance, floor: &[f64]) -> Option<Vec<f64>> {
    let k_count = inst.clients;
    let mut sum = 0.0;
    for k in 0..k_count {
        sum += floor[k];
    }
    if !(sum < inst.bandwidth_hz) {
        return None;
    }
    let share = (inst.bandwidth_hz - sum) / k_count as f64;
    Some((0..k_count).map(|k| floor[k] + share).collect())
}
