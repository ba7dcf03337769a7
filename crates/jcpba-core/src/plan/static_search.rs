//! The static policy: the exact branch and bound over whole numbers of rounds for
//! `optimal`, and the budget grid of the other methods (module docs of plan).

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::drop::*;
use super::*;
use crate::method::Method;

/// A node of the static search: a whole number of rounds and its budget's level; the
/// virtual top node only bounds the mean latency of every budget below it.
pub(super) struct Node {
    pub(super) rounds: f64,
    pub(super) level: Level,
    pub(super) real: bool,
}

/// The exact static search of `optimal` (module docs). Returns the plan and the level of
/// its budget.
pub(super) fn static_exact(d: &mut Drop) -> (StaticPlan, Level) {
    let tol = d.tolerance;
    let r_lo = if d.floor > 0.0 {
        d.rounds(d.floor)
    } else {
        d.rounds0.ceil()
    };
    let r_cap = d.rounds(d.cap); // +inf when the cap is at or above Pmax
    let first = d.budget_for_rounds(r_lo);
    let first = if r_cap <= r_lo { d.cap } else { first };
    let mut nodes: Vec<Node> = Vec::new();
    let lo_level = d.level(first, None, r_cap > r_lo);
    let mut converged = lo_level.converged;
    nodes.push(Node {
        rounds: r_lo,
        level: lo_level,
        real: true,
    });
    let mut evaluations: u32 = 1;
    let mut ub = r_lo * nodes[0].level.latency;
    if r_cap > r_lo {
        // The floor of every budget's mean latency: at the cap, or at Pmax when the cap
        // is out of reach (no whole number of rounds gets there).
        let floor_budget = if r_cap < f64::INFINITY {
            d.cap
        } else {
            d.pruning_limit
        };
        let top = d.level(floor_budget, nodes[0].level.points.as_ref(), false);
        evaluations += 1;
        converged = converged && top.converged;
        if r_cap < f64::INFINITY {
            ub = ub.min(r_cap * top.latency);
        }
        // With energy caps the least budget can leave a realization without a point; when
        // the cap's budget is out of reach too, no node bounds J yet. Double the rounds
        // until a budget has a point in every realization (feasibility only grows with
        // the budget), so that the search has a finite bound to split under.
        let mut r = 2.0 * r_lo;
        while !(ub < f64::INFINITY)
            && top.lower < f64::INFINITY
            && r < r_cap
            && evaluations < d.max_iterations
        {
            let budget = d.budget_for_rounds(r);
            if !(budget < floor_budget) {
                break;
            }
            let level = d.level(budget, None, true);
            evaluations += 1;
            converged = converged && level.converged;
            ub = ub.min(r * level.latency);
            nodes.push(Node {
                rounds: r,
                level,
                real: true,
            });
            r *= 2.0;
        }
        // Every R above r_bound has J(R) >= R Tbar_lo(floor) > ub.
        let r_bound = (ub / top.lower).floor();
        let last = nodes[nodes.len() - 1].rounds;
        if !(ub < f64::INFINITY) {
            // No budget below the cap has a point in every realization: nothing to search.
        } else if r_cap <= r_bound + 1.0 {
            nodes.push(Node {
                rounds: r_cap,
                level: top,
                real: true,
            });
        } else if r_bound + 1.0 > last {
            nodes.push(Node {
                rounds: (r_bound + 1.0).max(last + 1.0),
                level: top,
                real: false,
            });
        }
    }
    let limit = d.max_iterations;
    let mut limited = false;
    loop {
        let threshold = if ub < f64::INFINITY {
            ub - tol * ub
        } else {
            f64::INFINITY
        };
        // Drop the points no split will start from: the left ends of closed gaps.
        for i in 0..nodes.len() {
            let open = i + 1 < nodes.len()
                && nodes[i + 1].rounds - nodes[i].rounds >= 2.0
                && (nodes[i].rounds + 1.0) * nodes[i + 1].level.lower < threshold;
            if !open {
                nodes[i].level.points = None;
            }
        }
        let mut pick: Option<usize> = None;
        let mut least = f64::INFINITY;
        for i in 0..nodes.len().saturating_sub(1) {
            if nodes[i + 1].rounds - nodes[i].rounds < 2.0 {
                continue;
            }
            let bound = (nodes[i].rounds + 1.0) * nodes[i + 1].level.lower;
            if bound < threshold && bound < least {
                least = bound;
                pick = Some(i);
            }
        }
        let i = match pick {
            Some(i) => i,
            None => break,
        };
        if evaluations >= limit {
            limited = true;
            break;
        }
        let mid = (0.5 * (nodes[i].rounds + nodes[i + 1].rounds)).floor();
        let budget = d.budget_for_rounds(mid);
        // The split's points are kept while its right gap is open (the loop's first pass).
        let level = d.level(budget, nodes[i].level.points.as_ref(), true);
        evaluations += 1;
        converged = converged && level.converged;
        ub = ub.min(mid * level.latency);
        nodes.insert(
            i + 1,
            Node {
                rounds: mid,
                level,
                real: true,
            },
        );
    }
    // The certificate: every real node's certified J, and every gap's bound.
    let mut lower = f64::INFINITY;
    let mut best: Option<usize> = None;
    for i in 0..nodes.len() {
        let n = &nodes[i];
        if n.real {
            lower = lower.min(n.rounds * n.level.lower);
            let j = n.rounds * n.level.latency;
            let better = match best {
                None => true,
                Some(b) => j < nodes[b].rounds * nodes[b].level.latency,
            };
            if better {
                best = Some(i);
            }
        }
        if i + 1 < nodes.len() && nodes[i + 1].rounds - n.rounds >= 2.0 {
            lower = lower.min((n.rounds + 1.0) * nodes[i + 1].level.lower);
        }
    }
    let b = best.unwrap_or(0);
    let node = nodes.swap_remove(b);
    let j = node.rounds * node.level.latency;
    let plan = StaticPlan {
        method: d.method,
        search: Search::Exact,
        budget: node.level.budget,
        rounds: node.rounds,
        fine_tuning_seconds: j,
        fine_tuning_joules: node.rounds * node.level.energy,
        mean_round_latency: node.level.latency,
        mean_round_energy: node.level.energy,
        mean_pruning: node.level.pruning,
        lower_bound: Some(lower.min(j)),
        upper_bound: Some(j),
        evaluations,
        status: plan_status(converged && !limited, j),
    };
    (plan, node.level)
}

/// The static plan of a method other than `optimal`: the best of a grid of budgets.
pub(super) fn static_grid(d: &mut Drop) -> (StaticPlan, Level) {
    let top = d.cap.min(d.pruning_limit);
    let mut budgets: Vec<f64> = Vec::new();
    let uses_budget = !matches!(d.method, Method::Equal | Method::BandwidthOnly);
    if uses_budget && top > d.floor {
        let cells = STATIC_GRID;
        // Pmax itself needs infinitely many rounds.
        let last = if d.pruning_limit <= d.cap {
            cells - 1
        } else {
            cells
        };
        for i in 0..=last {
            // From the least budget any point meets (0 without minimum pruning).
            let p = if i == cells {
                top
            } else {
                d.floor + (top - d.floor) * (i as f64 / cells as f64)
            };
            // Up to the largest budget with the same number of rounds.
            let q = d.budget_for_rounds(d.rounds(p)).max(p);
            if budgets.last().map_or(true, |&x| q > x) {
                budgets.push(q);
            }
        }
    } else {
        // equal and bandwidth-only prune rmin_k: planned at that budget (MODEL.md section 12).
        budgets.push(d.floor);
    }
    let mut best: Option<(f64, Level)> = None;
    let mut converged = true;
    let mut evaluations = 0;
    for &p in budgets.iter() {
        let level = d.level(p, None, false);
        evaluations += 1;
        converged = converged && level.converged;
        let j = d.rounds(p) * level.latency;
        let better = match &best {
            None => true,
            Some((bj, _)) => j < *bj,
        };
        if better {
            best = Some((j, level));
        }
    }
    let (j, level) = best.expect("the grid holds at least one budget");
    let plan = StaticPlan {
        method: d.method,
        search: Search::Grid,
        budget: level.budget,
        rounds: d.rounds(level.budget),
        fine_tuning_seconds: j,
        fine_tuning_joules: d.rounds(level.budget) * level.energy,
        mean_round_latency: level.latency,
        mean_round_energy: level.energy,
        mean_pruning: level.pruning,
        lower_bound: None,
        upper_bound: None,
        evaluations,
        status: plan_status(converged, j),
    };
    (plan, level)
}
