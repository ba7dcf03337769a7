//! Block A of MODEL.md section 3: the best pruning for fixed bandwidth, and the uniform
//! pruning rule of the baselines; mirrors ts/core/pruning.ts. Both are exact: the constraint
//! functions are piecewise linear, so after sorting the breakpoints the answer is one
//! linear equation.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::instance::Instance;

/// The smallest T with sum_k w_k clip(1 - T / U_k, 0, rmax_k) <= budget, where
/// U_k = c_k + S / r_k(b_k) is client k's unpruned latency (s) and w sums to 1.
/// Writes rho_k = clip(1 - T / U_k, 0, rmax_k) to `pruning` and returns T.
/// `points` is scratch for the breakpoints, kept by the caller so repeated calls
/// do not allocate.
pub fn pruning_block(
    inst: &Instance,
    u: &[f64],
    pruning: &mut [f64],
    points: &mut Vec<f64>,
) -> f64 {
    let k_count = inst.clients;
    let rmax = inst.rmax;
    // No T below max_k U_k (1 - rmax_k) is reachable: a client cannot prune past rmax.
    let mut floor: f64 = 0.0;
    let mut top: f64 = 0.0;
    for k in 0..k_count {
        floor = floor.max(u[k] * (1.0 - rmax[k]));
        top = top.max(u[k]);
    }
    let t = if pruning_used(inst, u, floor) <= inst.budget {
        floor
    } else {
        solve_segment(inst, u, floor, top, points)
    };
    for k in 0..k_count {
        pruning[k] = clip(1.0 - t / u[k], 0.0, rmax[k]);
    }
    t
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

/// D(T) = sum_k w_k clip(1 - T / U_k, 0, rmax_k), nonincreasing in T.
fn pruning_used(inst: &Instance, u: &[f64], t: f64) -> f64 {
    let mut sum = 0.0;
    for k in 0..inst.clients {
        sum += inst.w[k] * clip(1.0 - t / u[k], 0.0, inst.rmax[k]);
    }
    sum
}

/// D is linear between consecutive breakpoints {U_k (1 - rmax_k), U_k}; find the segment
/// where it crosses the budget, then solve the segment's equation
/// sum_sat w rmax + sum_act w - T sum_act w / U = budget for T.
fn solve_segment(inst: &Instance, u: &[f64], floor: f64, top: f64, points: &mut Vec<f64>) -> f64 {
    let (w, rmax, budget) = (&inst.w, inst.rmax, inst.budget);
    points.clear();
    points.push(floor);
    points.push(top);
    for k in 0..inst.clients {
        let lo = u[k] * (1.0 - rmax[k]);
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
        if pruning_used(inst, u, sorted[m]) > budget {
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
        let r = 1.0 - mid / u[k];
        if r >= rmax[k] {
            constant += w[k] * rmax[k];
        } else if r > 0.0 {
            constant += w[k];
            slope += w[k] / u[k];
        }
    }
    // A segment of zero width (breakpoints equal up to rounding) has no active client:
    // then hi, where D is already within the budget, is the answer.
    if !(slope > 0.0) {
        return hi;
    }
    let mut t = clip((constant - budget) / slope, lo, hi);
    // The closed form meets the budget up to rounding (an absolute few ulps, large next
    // to a tiny budget); the pruning returned must meet it exactly as `weighted` sums it
    // (D sums the same terms in the same order). Step T up by the excess over the slope,
    // at least 2 ulps and doubling, until it does; D(hi) <= budget already.
    let mut step: f64 = 0.0;
    for _ in 0..NUDGES {
        let used = pruning_used(inst, u, t);
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

/// sum_k w_k rho_k.
pub fn weighted(w: &[f64], rho: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..w.len() {
        s += w[k] * rho[k];
    }
    s
}
