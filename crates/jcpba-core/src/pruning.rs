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
    pruning_block_floors(inst, u, v, &[], pruning, points)
}

/// `pruning_block` with a least rate per client: rho_k(T) = clip((U_k - T) / V_k, lo_k,
/// rmax_k) (`lo` empty: 0 for every client). The floors are rmin_k (MODEL.md 12) and the
/// cap floors rho_E,k(b_k) (MODEL.md 11.2, energy::pruning_floor); the caller checks that
/// lo_k <= rmax_k and sum_k w_k lo_k <= budget (else no point exists). With zero floors
/// every operation is that of `pruning_block` before the floors existed.
pub fn pruning_block_floors(
    inst: &Instance,
    u: &[f64],
    v: &[f64],
    lo: &[f64],
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
        top = top.max(highest(u[k], v[k], floor_at(lo, k)));
    }
    // Both branches meet the budget exactly as `weighted` sums the pruning written here
    // (D sums the same terms in the same order): the floor by its test, the segment's
    // solution by its final search.
    let t = if pruning_used(inst, u, v, lo, floor) <= inst.budget {
        floor
    } else {
        solve_segment(inst, u, v, lo, floor, top, points)
    };
    for k in 0..k_count {
        pruning[k] = rate_at(u[k], v[k], floor_at(lo, k), rmax[k], t);
    }
    t
}

/// lo_k, 0 when there are no floors.
#[inline]
fn floor_at(lo: &[f64], k: usize) -> f64 {
    if lo.is_empty() {
        0.0
    } else {
        lo[k]
    }
}

/// The latency at the least pruning, V (U / V - lo) (U itself when lo = 0, or when pruning
/// removes nothing).
#[inline]
fn highest(u: f64, v: f64, lo: f64) -> f64 {
    if lo > 0.0 && v > 0.0 {
        v * (u / v - lo)
    } else {
        u
    }
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

/// rho(T) = clip(U / V - T / V, lo, rmax), lo when V = 0.
fn rate_at(u: f64, v: f64, lo: f64, rmax: f64, t: f64) -> f64 {
    if v > 0.0 {
        clip(u / v - t / v, lo, rmax)
    } else {
        lo
    }
}

/// D(T) = sum_k w_k rho_k(T), nonincreasing in T.
fn pruning_used(inst: &Instance, u: &[f64], v: &[f64], lo: &[f64], t: f64) -> f64 {
    let mut sum = 0.0;
    for k in 0..inst.clients {
        sum += inst.w[k] * rate_at(u[k], v[k], floor_at(lo, k), inst.rmax[k], t);
    }
    sum
}

/// D is linear between consecutive breakpoints {U_k - V_k rmax_k, U_k - V_k lo_k}; find the
/// segment where it crosses the budget, then solve the segment's equation
/// sum_sat w rmax + sum_low w lo + sum_act w U / V - T sum_act w / V = budget for T.
fn solve_segment(
    inst: &Instance,
    u: &[f64],
    v: &[f64],
    lo_floor: &[f64],
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
        let high = highest(u[k], v[k], floor_at(lo_floor, k));
        if high > floor && high < top {
            points.push(high);
        }
    }
    // Every point is finite and in [floor, top], so the order is total.
    points.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    let sorted = &points[..];
    // Binary search for the last breakpoint where D is still above the budget.
    let mut i = 0;
    let mut j = sorted.len() - 1; // D(sorted[0]) > budget >= D(sorted[n-1]) = sum w lo
    while j - i > 1 {
        let m = (i + j) >> 1;
        if pruning_used(inst, u, v, lo_floor, sorted[m]) > budget {
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
        let least = floor_at(lo_floor, k);
        if r >= rmax[k] {
            constant += w[k] * rmax[k];
        } else if r > least {
            constant += w[k] * ratio;
            slope += w[k] / v[k];
        } else if least > 0.0 {
            constant += w[k] * least;
        }
    }
    // A segment of zero width (breakpoints equal up to rounding) has no active client:
    // then hi, where D is already within the budget, is the answer.
    if !(slope > 0.0) {
        return hi;
    }
    let mut t = clip((constant - budget) / slope, lo, hi);
    // The closed form meets the budget up to rounding: an absolute few ulps of each
    // active client's U_k / V_k + T / V_k, large next to a tiny budget, or when little of
    // a client's latency can be pruned (t0 large, phi small). The pruning returned must
    // meet it exactly as `weighted` sums it (D sums the same terms in the same order).
    // Step T up by the excess over the slope, at least 2 ulps and doubling, until it
    // does; D(hi) <= budget already.
    let mut step: f64 = 0.0;
    for _ in 0..NUDGES {
        let used = pruning_used(inst, u, v, lo_floor, t);
        if used <= budget {
            return t;
        }
        step = (2.0 * step).max((used - budget) / slope).max(t * NUDGE);
        t += step;
        if !(t < hi) {
            break;
        }
    }
    hi
}

/// Steps of the search that makes a closed-form pruning meet the budget exactly.
const NUDGES: u32 = 64;
/// 2^-51: a relative step that always moves a double by at least one ulp.
const NUDGE: f64 = 4.440892098500626e-16;

/// Uniform pruning: rho_k = min(u, rmax_k) with the largest u in [0, 1) keeping
/// sum_k w_k rho_k <= budget (u = max rmax when the budget allows every client its cap).
pub fn uniform_pruning(inst: &Instance, pruning: &mut [f64]) {
    if inst.has_min_pruning() {
        uniform_pruning_box(inst, pruning);
        return;
    }
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
    // As in block A: the closed form meets the budget up to rounding; lower u until
    // the weighted sum meets it exactly (u = 0 does).
    let mut step: f64 = 0.0;
    for _ in 0..NUDGES {
        let used = weighted(w, pruning);
        if used <= budget {
            return;
        }
        step = (2.0 * step).max(used - budget).max(u * NUDGE);
        u -= step;
        if !(u > 0.0) {
            u = 0.0;
        }
        for k in 0..k_count {
            pruning[k] = u.min(rmax[k]);
        }
    }
}

/// The uniform rule on the box [rmin_k, rmax_k] (MODEL.md 12): rho_k = clip(u, rmin_k, rmax_k)
/// with the largest u in [0, 1) keeping sum_k w_k rho_k <= budget. f(u) = sum_k w_k
/// clip(u, rmin_k, rmax_k) is nondecreasing and piecewise linear with breakpoints at every
/// rmin_k and rmax_k. The caller has checked f(0) = sum_k w_k rmin_k <= budget.
fn uniform_pruning_box(inst: &Instance, pruning: &mut [f64]) {
    let (k_count, rmin, rmax, budget) = (inst.clients, inst.rmin, inst.rmax, inst.budget);
    let mut max_cap: f64 = 0.0;
    for k in 0..k_count {
        max_cap = max_cap.max(rmax[k]);
    }
    let fill = |u: f64, pruning: &mut [f64]| {
        for k in 0..k_count {
            pruning[k] = clip(u, rmin[k], rmax[k]);
        }
    };
    let used_at = |u: f64| {
        let mut s = 0.0;
        for k in 0..k_count {
            s += inst.w[k] * clip(u, rmin[k], rmax[k]);
        }
        s
    };
    let mut u: f64;
    if used_at(max_cap) <= budget {
        u = max_cap;
    } else {
        let mut points: Vec<f64> = Vec::with_capacity(2 * k_count + 1);
        points.push(0.0);
        for k in 0..k_count {
            points.push(rmin[k]);
            points.push(rmax[k]);
        }
        points.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
        // The last breakpoint with f <= budget (f(0) <= budget < f(max_cap)).
        let mut i = 0;
        let mut j = points.len() - 1;
        while j - i > 1 {
            let m = (i + j) >> 1;
            if used_at(points[m]) <= budget {
                i = m;
            } else {
                j = m;
            }
        }
        let (lo, hi) = (points[i], points[j]);
        let mid = 0.5 * (lo + hi);
        let mut constant = 0.0;
        let mut slope = 0.0;
        for k in 0..k_count {
            if mid >= rmax[k] {
                constant += inst.w[k] * rmax[k];
            } else if mid > rmin[k] {
                slope += inst.w[k];
            } else {
                constant += inst.w[k] * rmin[k];
            }
        }
        u = if slope > 0.0 {
            clip((budget - constant) / slope, lo, hi)
        } else {
            lo
        };
    }
    fill(u, pruning);
    // The closed form meets the budget up to rounding: lower u until the weighted sum
    // meets it exactly (u = 0, every client at rmin_k, does).
    let mut step: f64 = 0.0;
    for _ in 0..NUDGES {
        let used = weighted(&inst.w, pruning);
        if used <= budget {
            return;
        }
        step = (2.0 * step).max(used - budget).max(u * NUDGE);
        u -= step;
        if !(u > 0.0) {
            u = 0.0;
        }
        fill(u, pruning);
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
