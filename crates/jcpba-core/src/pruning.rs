//! Block A of MODEL.md sections 3 and 8: the best pruning for fixed bandwidth, and the uniform
//! pruning rule of the baselines; mirrors ts/core/pruning.ts. Both are exact: the constraint
//! functions are piecewise linear, so after sorting the breakpoints the answer is one
//! linear equation.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::instance::Instance;

/// The smallest T >= max_k (U_k - V_k rmax_k) with sum_k w_k rho_k(T) <= budget, where
/// rho_k(T) = clip((U_k - T) / V_k, 0, rmax_k) (0 when V_k = 0), U_k = t0_k + c_k + S / r_k(b_k)
/// is client k's unpruned latency and V_k = phi_c c_k + phi_s S / r_k(b_k) the latency a
/// whole unit of pruning removes (MODEL.md section 8; with t0 = 0 and phi = 1, V = U and
/// rho_k = clip(1 - T / U_k, 0, rmax_k) as in section 3). w sums to 1. Writes rho_k(T) to
/// `pruning` and returns T. `points` is scratch for the breakpoints, kept by the caller so
/// repeated calls do not allocate.
///
/// rho_k(T) is evaluated as U_k / V_k - T / V_k: U_k / V_k is exactly 1 in the model of
/// section 2, so the arithmetic there is that of 1 - T / U_k.
pub fn pruning_block(
    inst: &Instance,
    u: &[f64],
    v: &[f64],
    pruning: &mut [f64],
    points: &mut Vec<f64>,
) -> f64 {
    let k_count = inst.clients;
    let rmax = inst.rmax;
    // No T below max_k (U_k - V_k rmax_k) is reachable: a client cannot prune past rmax.
    let mut floor: f64 = 0.0;
    let mut top: f64 = 0.0;
    for k in 0..k_count {
        floor = floor.max(lowest(u[k], v[k], rmax[k]));
        top = top.max(u[k]);
    }
    let mut t = if pruning_used(inst, u, v, floor) <= inst.budget {
        floor
    } else {
        solve_segment(inst, u, v, floor, top, points)
    };
    // rho_k = U_k / V_k - T / V_k loses a few ulps of U_k / V_k, which is large when
    // little of a client's latency can be pruned (t0 large, phi small): the rounded
    // pruning can then exceed the budget by more than rounding of the budget. Move T up
    // past the excess and that error (never in the model of section 2, where U / V = 1).
    for _ in 0..MAX_BUDGET_STEPS {
        let (used, slope, noise) = budget_excess(inst, u, v, t);
        if !(used > inst.budget + BUDGET_SLACK && slope > 0.0) {
            break;
        }
        t += (used - inst.budget + noise) / slope;
    }
    for k in 0..k_count {
        pruning[k] = rate_at(u[k], v[k], rmax[k], t);
    }
    t
}

/// Weighted pruning above the budget by less than this is rounding (the accuracy contract
/// allows 1e-12).
const BUDGET_SLACK: f64 = 1e-13;
const MAX_BUDGET_STEPS: u32 = 4;

/// D(T), its slope -dD/dT = sum over the clients strictly between their breakpoints of
/// w_k / V_k, and a bound on the rounding error of D(T): 4 ulps of each such client's
/// U_k / V_k + T / V_k.
fn budget_excess(inst: &Instance, u: &[f64], v: &[f64], t: f64) -> (f64, f64, f64) {
    let mut used = 0.0;
    let mut slope = 0.0;
    let mut noise = 0.0;
    for k in 0..inst.clients {
        let rho = rate_at(u[k], v[k], inst.rmax[k], t);
        used += inst.w[k] * rho;
        if rho > 0.0 && rho < inst.rmax[k] {
            slope += inst.w[k] / v[k];
            noise += inst.w[k] * (u[k] + t) / v[k];
        }
    }
    (used, slope, 4.0 * f64::EPSILON * noise)
}

fn clip(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// The latency at full pruning, V (U / V - rmax) (U (1 - rmax) in the model of section 2),
/// or U when pruning removes nothing.
fn lowest(u: f64, v: f64, rmax: f64) -> f64 {
    if v > 0.0 {
        v * (u / v - rmax)
    } else {
        u
    }
}

/// rho(T) = clip(U / V - T / V, 0, rmax), 0 when V = 0.
fn rate_at(u: f64, v: f64, rmax: f64, t: f64) -> f64 {
    if v > 0.0 {
        clip(u / v - t / v, 0.0, rmax)
    } else {
        0.0
    }
}

/// D(T) = sum_k w_k rho_k(T), nonincreasing in T.
fn pruning_used(inst: &Instance, u: &[f64], v: &[f64], t: f64) -> f64 {
    let mut sum = 0.0;
    for k in 0..inst.clients {
        sum += inst.w[k] * rate_at(u[k], v[k], inst.rmax[k], t);
    }
    sum
}

/// D is linear between consecutive breakpoints {U_k - V_k rmax_k, U_k}; find the segment
/// where it crosses the budget, then solve the segment's equation
/// sum_sat w rmax + sum_act w U / V - T sum_act w / V = budget for T.
fn solve_segment(
    inst: &Instance,
    u: &[f64],
    v: &[f64],
    floor: f64,
    top: f64,
    points: &mut Vec<f64>,
) -> f64 {
    let (w, rmax, budget) = (&inst.w, inst.rmax, inst.budget);
    points.clear();
    points.push(floor);
    points.push(top);
    for k in 0..inst.clients {
        if !(v[k] > 0.0) {
            continue; // never prunes: no breakpoint
        }
        let lo = lowest(u[k], v[k], rmax[k]);
        if lo > floor && lo < top {
            points.push(lo);
        }
        if u[k] > floor && u[k] < top {
            points.push(u[k]);
        }
    }
    // Every point is finite and in [floor, top], so the order is total.
    points.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    let sorted = &points[..];
    // Binary search for the last breakpoint where D is still above the budget.
    let mut i = 0;
    let mut j = sorted.len() - 1; // D(sorted[0]) > budget >= D(sorted[n-1]) = 0
    while j - i > 1 {
        let m = (i + j) >> 1;
        if pruning_used(inst, u, v, sorted[m]) > budget {
            i = m;
        } else {
            j = m;
        }
    }
    let lo = sorted[i];
    let hi = sorted[j];
    let mid = 0.5 * (lo + hi);
    let mut constant = 0.0;
    let mut slope = 0.0;
    for k in 0..inst.clients {
        if !(v[k] > 0.0) {
            continue;
        }
        let ratio = u[k] / v[k];
        let r = ratio - mid / v[k];
        if r >= rmax[k] {
            constant += w[k] * rmax[k];
        } else if r > 0.0 {
            constant += w[k] * ratio;
            slope += w[k] / v[k];
        }
    }
    // A segment of zero width (breakpoints equal up to rounding) has no active client:
    // then hi, where D is already within the budget, is the answer.
    if !(slope > 0.0) {
        return hi;
    }
    clip((constant - budget) / slope, lo, hi)
}

/// Uniform pruning: rho_k = min(u, rmax_k) with the largest u in [0, 1) keeping
/// sum_k w_k rho_k <= budget (u = max rmax when the budget allows every client its cap).
pub fn uniform_pruning(inst: &Instance, pruning: &mut [f64]) {
    let (k_count, w, rmax, budget) = (inst.clients, &inst.w, inst.rmax, inst.budget);
    let mut capped = 0.0;
    let mut max_cap: f64 = 0.0;
    for k in 0..k_count {
        capped += w[k] * rmax[k];
        max_cap = max_cap.max(rmax[k]);
    }
    let mut u: f64;
    if capped <= budget {
        u = max_cap;
    } else {
        // f(u) = sum_{rmax_k < u} w_k rmax_k + u sum_{rmax_k >= u} w_k, increasing; walk the caps.
        // A stable sort, as the TypeScript reference's Array.prototype.sort.
        let mut order: Vec<usize> = (0..k_count).collect();
        order.sort_by(|&x, &y| {
            rmax[x]
                .partial_cmp(&rmax[y])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut below = 0.0; // sum of w rmax over clients already capped
        let mut rest = 1.0; // sum of w over clients not yet capped
        u = 0.0;
        for &k in order.iter() {
            // Is the crossing before this client's cap?
            if below + rmax[k] * rest >= budget {
                u = if rest > 0.0 {
                    (budget - below) / rest
                } else {
                    rmax[k]
                };
                break;
            }
            below += w[k] * rmax[k];
            rest -= w[k];
        }
        u = u.min(max_cap);
    }
    for k in 0..k_count {
        pruning[k] = u.min(rmax[k]);
    }
}

/// sum_k w_k rho_k.
pub fn weighted(w: &[f64], rho: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..w.len() {
        s += w[k] * rho[k];
    }
    s
}
