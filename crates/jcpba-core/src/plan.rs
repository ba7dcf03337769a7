//! Fine-tuning time to a target loss (MODEL.md section 10); mirrors ts/core/plan.ts.
//!
//! Pruning shortens a round but makes more rounds necessary: reaching the target takes
//! `R(P) = ceil(R0 / (1 - P / Pmax))` rounds at mean pruning P. Over N fading
//! realizations of one drop (the same realizations for every budget) the fine-tuning
//! time of a budget P is `J(P) = R(P) * Tbar(P)`, `Tbar` the mean round latency.
//!
//! - **static, `optimal`**: one budget for every round. `Tbar` is nonincreasing in P and
//!   R a step function, so for each whole number of rounds R the best budget is the
//!   largest that still needs only R rounds, `P_R`, and `J* = min_R R Tbar(P_R)`. The
//!   search is a branch and bound over R: between two evaluated round counts a < b every
//!   R in (a, b) has `J(R) >= (a + 1) Tbar_lo(P_b)` (Tbar_lo: the mean of the certified
//!   lower bounds of `optimal`), and the gap with the least bound is split until every
//!   gap's bound is within the tolerance of the best J found. Beyond the budget cap
//!   `sum_k w_k rmax_k` (or Pmax, whichever is lower) nothing improves, which closes the
//!   range from above. Each budget's solves start from the solutions at the next smaller
//!   evaluated budget, which are feasible there.
//! - **static, other methods**: a grid of budgets, each moved up to the largest budget
//!   with the same number of rounds; rounds from the mean pruning the method used.
//! - **adaptive** (`optimal` only): Dinkelbach's method on the price lambda of progress;
//!   each realization picks `argmin_P T*_r(P) + lambda P / Pmax` by a grid, then Brent's
//!   method in the best grid cell.

// The numerics mirror ts/ line by line: index loops, and negated comparisons (`!(x < y)`)
// wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::bandwidth::round_latency;
use crate::error::Error;
use crate::instance::{instance, Instance};
use crate::method::{json_quote, Method};
use crate::methods::solve_instance;
use crate::optimal::optimal;
use crate::options::SolveOptions;
use crate::problem::{validate, BatchView};
use crate::pruning::weighted;
use crate::solution::Status;
use crate::summary::write_js_number;

/// Largest accepted `rounds0`: round counts stay exact whole numbers in an f64.
pub const MAX_ROUNDS0: f64 = 1e9;
/// Cells of the budget grid of the static plan of methods other than `optimal`.
pub const STATIC_GRID: usize = 100;
/// Cells of the budget grid from which the adaptive policy starts each 1-D search.
pub const ADAPTIVE_GRID: usize = 16;

/// Which policies to plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    Static,
    Adaptive,
    Both,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Static, Policy::Adaptive, Policy::Both];

    pub fn id(self) -> &'static str {
        match self {
            Policy::Static => "static",
            Policy::Adaptive => "adaptive",
            Policy::Both => "both",
        }
    }

    /// Parses a policy id exactly, as every backend must.
    pub fn from_id(id: &str) -> Result<Policy, Error> {
        match Policy::ALL.iter().find(|p| p.id() == id) {
            Some(&p) => Ok(p),
            None => Err(Error::invalid_option(
                "policy",
                format!(
                    "unknown policy {}; expected one of static, adaptive, both",
                    json_quote(id)
                ),
            )),
        }
    }
}

/// What a plan is asked for (docs/CORE_API.md, "Plan").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanOptions {
    pub method: Method,
    pub policy: Policy,
    /// R0: rounds to the target without pruning, in [1, MAX_ROUNDS0].
    pub rounds0: f64,
    /// Pmax > 0: the mean pruning at which the target becomes unreachable; +inf when
    /// pruning does not slow learning.
    pub pruning_limit: f64,
    pub solve: SolveOptions,
}

impl PlanOptions {
    /// Checks the options in the contract's order: rounds0, pruningLimit, tolerance,
    /// maxIterations, then whether the policy suits the method (the method and the policy
    /// are parsed before).
    pub fn new(
        method: Method,
        policy: Policy,
        rounds0: f64,
        pruning_limit: f64,
        tolerance: f64,
        max_iterations: f64,
    ) -> Result<PlanOptions, Error> {
        if !(rounds0 >= 1.0 && rounds0 <= MAX_ROUNDS0) {
            return Err(Error::invalid_option(
                "rounds0",
                "rounds0 must be a finite number in [1, 1e9] (the rounds to the target without pruning)",
            ));
        }
        if !(pruning_limit > 0.0) {
            return Err(Error::invalid_option(
                "pruningLimit",
                "pruningLimit must be a positive number, or Infinity (null in JSON) when pruning does not slow learning",
            ));
        }
        let solve = SolveOptions::from_numbers(tolerance, max_iterations)?;
        if policy != Policy::Static && method != Method::Optimal {
            return Err(Error::invalid_option(
                "policy",
                format!(
                    "policy {} needs method optimal (other methods are planned by the static policy over a grid of budgets)",
                    policy.id()
                ),
            ));
        }
        Ok(PlanOptions {
            method,
            policy,
            rounds0,
            pruning_limit,
            solve,
        })
    }
}

/// How the static budget was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Search {
    /// Branch and bound over whole numbers of rounds, with a certificate (`optimal`).
    Exact,
    /// The best point of a grid of budgets (every other method).
    Grid,
}

impl Search {
    pub fn as_str(self) -> &'static str {
        match self {
            Search::Exact => "exact",
            Search::Grid => "grid",
        }
    }
}

/// One budget for every round.
#[derive(Clone, Debug, PartialEq)]
pub struct StaticPlan {
    pub method: Method,
    pub search: Search,
    /// The budget, in [0, min(Pmax, sum_k w_k rmax_k)].
    pub budget: f64,
    /// R(mean pruning) at that budget.
    pub rounds: f64,
    /// rounds x mean round latency, s.
    pub fine_tuning_seconds: f64,
    /// Mean over the realizations of the round latency at the budget, s.
    pub mean_round_latency: f64,
    /// Mean over the realizations of sum_k w_k rho_k at the budget.
    pub mean_pruning: f64,
    /// Certified bracket on the least fine-tuning time (exact search only), s.
    pub lower_bound: Option<f64>,
    pub upper_bound: Option<f64>,
    /// Budgets evaluated (each one solve per realization).
    pub evaluations: u32,
    pub status: Status,
}

/// One budget per realization, priced by Dinkelbach's method.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptivePlan {
    pub method: Method,
    /// lambda = mean round latency / mean progress per round, s.
    pub price: f64,
    /// R0 x price, s (not rounded up to whole rounds).
    pub fine_tuning_seconds: f64,
    pub mean_round_latency: f64,
    /// Mean of the budgets.
    pub mean_pruning: f64,
    /// The budget of each realization.
    pub budgets: Vec<f64>,
    /// Dinkelbach iterations.
    pub iterations: u32,
    /// Solves, over all realizations.
    pub evaluations: u32,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    Static(StaticPlan),
    Adaptive(AdaptivePlan),
}

/// `ceil(R0 / (1 - P / Pmax))`, +inf when P >= Pmax.
pub fn rounds_needed(rounds0: f64, pruning_limit: f64, pruning: f64) -> f64 {
    if !(pruning < pruning_limit) {
        return f64::INFINITY;
    }
    (rounds0 / (1.0 - pruning / pruning_limit)).ceil()
}

/// The next f64 below a positive finite x.
fn next_below(x: f64) -> f64 {
    f64::from_bits(x.to_bits() - 1)
}

/// One realization's solve at one budget.
#[derive(Clone, Debug)]
struct Sol {
    latency: f64,
    lower: f64,
    pruning: f64,
    converged: bool,
    rho: Vec<f64>,
    b: Vec<f64>,
}

/// Every realization's solve at one budget, and their means (in realization order).
#[derive(Clone, Debug)]
struct Level {
    budget: f64,
    latency: f64,
    lower: f64,
    pruning: f64,
    converged: bool,
    latencies: Vec<f64>,
    /// The points, kept while a larger budget may start from them.
    points: Option<Vec<Sol>>,
}

/// The realizations of one drop, with the plan's constants.
struct Drop<'a> {
    insts: Vec<Instance<'a>>,
    method: Method,
    rounds0: f64,
    pruning_limit: f64,
    tolerance: f64,
    max_iterations: u32,
    /// sum_k w_k rmax_k, the largest budget that can bind.
    cap: f64,
    /// Solves done.
    solves: u32,
}

impl<'a> Drop<'a> {
    fn rounds(&self, pruning: f64) -> f64 {
        rounds_needed(self.rounds0, self.pruning_limit, pruning)
    }

    /// The largest budget (at most the cap) that needs at most `r` rounds (r >= ceil(R0)):
    /// Pmax (1 - R0 / r), written without cancellation, then moved by ulps (rarely more:
    /// by bisection) until it needs r rounds and the next double would not. 0 when r = R0.
    fn budget_for_rounds(&self, r: f64) -> f64 {
        if self.rounds(self.cap) <= r {
            return self.cap;
        }
        let mut p = self.pruning_limit * ((r - self.rounds0) / r);
        if !(p > 0.0) {
            return 0.0;
        }
        if !(p < self.cap) {
            p = self.cap; // needs more than r rounds (checked above)
        }
        // lo needs at most r rounds, hi more.
        let (mut lo, mut hi);
        if self.rounds(p) <= r {
            lo = p;
            hi = self.cap;
            for _ in 0..64 {
                let q = next_up(lo);
                if !(q < hi && self.rounds(q) <= r) {
                    hi = hi.min(q);
                    break;
                }
                lo = q;
            }
        } else {
            lo = 0.0;
            hi = p;
            for _ in 0..64 {
                let q = next_below(hi);
                if self.rounds(q) <= r {
                    lo = q;
                    break;
                }
                hi = q;
            }
        }
        while next_up(lo) < hi {
            let mid = lo + 0.5 * (hi - lo);
            if !(mid > lo && mid < hi) {
                break;
            }
            if self.rounds(mid) <= r {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn solve_one(&mut self, r: usize, budget: f64, start: Option<&Sol>) -> Sol {
        self.solves += 1;
        let inst = &mut self.insts[r];
        inst.budget = budget;
        let inst = &self.insts[r];
        match (self.method, start) {
            (Method::Optimal, Some(s)) => {
                // A point of a smaller budget is feasible here: it opens the bracket.
                let res = optimal(
                    inst,
                    &s.rho,
                    &s.b,
                    s.latency,
                    self.tolerance,
                    self.max_iterations,
                );
                let latency = round_latency(inst, &res.pruning, &res.bandwidth, None);
                Sol {
                    latency,
                    lower: res.lower_bound,
                    pruning: weighted(&inst.w, &res.pruning),
                    converged: res.converged,
                    rho: res.pruning,
                    b: res.bandwidth,
                }
            }
            _ => {
                let s = solve_instance(inst, self.method, self.tolerance, self.max_iterations);
                Sol {
                    latency: s.latency,
                    lower: s.lower_bound.unwrap_or(s.latency),
                    pruning: weighted(&inst.w, &s.pruning),
                    converged: s.status == Status::Converged,
                    rho: s.pruning,
                    b: s.bandwidth,
                }
            }
        }
    }

    /// Solves every realization at `budget`, from `start` (solutions at a smaller budget).
    fn level(&mut self, budget: f64, start: Option<&Vec<Sol>>, keep: bool) -> Level {
        let n = self.insts.len();
        let mut points = Vec::with_capacity(n);
        for r in 0..n {
            let s = self.solve_one(r, budget, start.map(|v| &v[r]));
            points.push(s);
        }
        let mut latency = 0.0;
        let mut lower = 0.0;
        let mut pruning = 0.0;
        let mut converged = true;
        let mut latencies = Vec::with_capacity(n);
        for s in points.iter() {
            latency += s.latency;
            lower += s.lower;
            pruning += s.pruning;
            converged = converged && s.converged;
            latencies.push(s.latency);
        }
        let nf = n as f64;
        Level {
            budget,
            latency: latency / nf,
            lower: lower / nf,
            pruning: pruning / nf,
            converged,
            latencies,
            points: if keep { Some(points) } else { None },
        }
    }
}

fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else {
        f64::from_bits(x.to_bits() + 1)
    }
}

/// A node of the static search: a whole number of rounds and its budget's level; the
/// virtual top node only bounds the mean latency of every budget below it.
struct Node {
    rounds: f64,
    level: Level,
    real: bool,
}

/// The exact static search of `optimal` (module docs). Returns the plan and the level of
/// its budget.
fn static_exact(d: &mut Drop) -> (StaticPlan, Level) {
    let tol = d.tolerance;
    let r_lo = d.rounds0.ceil();
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
        // Every R above r_bound has J(R) >= R Tbar_lo(floor) > ub.
        let r_bound = (ub / top.lower).floor();
        if r_cap <= r_bound + 1.0 {
            nodes.push(Node {
                rounds: r_cap,
                level: top,
                real: true,
            });
        } else {
            nodes.push(Node {
                rounds: (r_bound + 1.0).max(r_lo + 1.0),
                level: top,
                real: false,
            });
        }
    }
    let limit = d.max_iterations;
    let mut limited = false;
    loop {
        let threshold = ub - tol * ub;
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
        mean_round_latency: node.level.latency,
        mean_pruning: node.level.pruning,
        lower_bound: Some(lower.min(j)),
        upper_bound: Some(j),
        evaluations,
        status: if converged && !limited {
            Status::Converged
        } else {
            Status::IterationLimit
        },
    };
    (plan, node.level)
}

/// The static plan of a method other than `optimal`: the best of a grid of budgets.
fn static_grid(d: &mut Drop) -> (StaticPlan, Level) {
    let top = d.cap.min(d.pruning_limit);
    let mut budgets: Vec<f64> = Vec::new();
    let uses_budget = !matches!(d.method, Method::Equal | Method::BandwidthOnly);
    if uses_budget && top > 0.0 {
        let cells = STATIC_GRID;
        // Pmax itself needs infinitely many rounds.
        let last = if d.pruning_limit <= d.cap {
            cells - 1
        } else {
            cells
        };
        for i in 0..=last {
            let p = if i == cells {
                top
            } else {
                top * (i as f64 / cells as f64)
            };
            // Up to the largest budget with the same number of rounds.
            let q = d.budget_for_rounds(d.rounds(p)).max(p);
            if budgets.last().map_or(true, |&x| q > x) {
                budgets.push(q);
            }
        }
    } else {
        budgets.push(0.0);
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
        mean_round_latency: level.latency,
        mean_pruning: level.pruning,
        lower_bound: None,
        upper_bound: None,
        evaluations,
        status: if converged {
            Status::Converged
        } else {
            Status::IterationLimit
        },
    };
    (plan, level)
}

/// One realization's state in the adaptive policy.
struct Chooser {
    /// T*_r at the grid budgets.
    grid: Vec<f64>,
    /// The current budget and its latency.
    budget: f64,
    latency: f64,
}

/// (3 - sqrt 5) / 2, the golden section.
const GOLD: f64 = 0.381_966_011_250_105_1;

/// Brent's minimization of f on [a, b] from an interior x with known f(x), to an
/// absolute budget tolerance `xtol`; returns the best point seen. `f` solves one
/// realization at a budget.
fn brent(
    a0: f64,
    b0: f64,
    x0: f64,
    fx0: f64,
    xtol: f64,
    f: &mut dyn FnMut(f64) -> f64,
) -> (f64, f64) {
    let mut a = a0;
    let mut b = b0;
    let (mut x, mut w, mut v) = (x0, x0, x0);
    let (mut fx, mut fw, mut fv) = (fx0, fx0, fx0);
    let mut d: f64 = 0.0;
    let mut e: f64 = 0.0;
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let tol1 = xtol;
        let tol2 = 2.0 * tol1;
        if (x - m).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol1 {
            // Parabola through x, w, v.
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            } else {
                q = -q;
            }
            let e_old = e;
            if p.abs() < (0.5 * q * e_old).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if m >= x { tol1 } else { -tol1 };
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= m { a - x } else { b - x };
            d = GOLD * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else if d > 0.0 {
            x + tol1
        } else {
            x - tol1
        };
        let fu = f(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    (x, fx)
}

/// One realization's 1-D search of the adaptive policy: every point solved, to start each
/// solve from the nearest smaller budget solved before.
struct OneSearch {
    seen: Vec<(f64, Sol)>,
    converged: bool,
}

/// Golden-section steps of the refinement, at most.
const REFINE_STEPS: u32 = 200;

impl OneSearch {
    /// T*_r at budget p.
    fn latency(&mut self, d: &mut Drop, r: usize, p: f64) -> f64 {
        let mut start: Option<usize> = None;
        for (i, (q, _)) in self.seen.iter().enumerate() {
            if *q <= p && start.map_or(true, |s| *q > self.seen[s].0) {
                start = Some(i);
            }
        }
        let s = d.solve_one(r, p, start.map(|i| &self.seen[i].1));
        self.converged = self.converged && s.converged;
        let t = s.latency;
        self.seen.push((p, s));
        t
    }

    /// The budget minimizing g(P) = T*_r(P) + slope P on [a, b] from the grid's best x,
    /// with each end's and x's latency known; returns (budget, latency).
    ///
    /// Brent's method first, to `xtol`: enough where the minimum is smooth. Then g at
    /// `xtol` either side: if g rises there by more than the solves' noise (a kink, where
    /// T* stops falling, or an end of the range) or falls (a miss), golden sections
    /// shrink a bracket around the best point until monotonicity certifies its value:
    /// on [lo, x], g >= T(x) + slope lo; on [x, hi], g >= T(hi) + slope x.
    #[allow(clippy::too_many_arguments)]
    fn minimize(
        &mut self,
        d: &mut Drop,
        r: usize,
        a: (f64, f64),
        b: (f64, f64),
        x: (f64, f64),
        slope: f64,
        xtol: f64,
    ) -> (f64, f64) {
        let tol = d.tolerance;
        let (bx, _) = brent(a.0, b.0, x.0, x.1 + slope * x.0, xtol, &mut |p: f64| {
            self.latency(d, r, p) + slope * p
        });
        let bt = if bx == x.0 { x.1 } else { self.known(bx) };
        let bg = bt + slope * bx;
        let h = 2.0 * xtol;
        let xl = (bx - h).max(a.0);
        let xr = (bx + h).min(b.0);
        let tl = if xl < bx { self.latency(d, r, xl) } else { bt };
        let tr = if xr > bx { self.latency(d, r, xr) } else { bt };
        let (gl, gr) = (tl + slope * xl, tr + slope * xr);
        // Each latency is within the tolerance above T*: differences below twice that are noise.
        let flat = 2.0 * tol * bg;
        if gl - bg <= flat && gr - bg <= flat && gl >= bg - flat && gr >= bg - flat {
            return (bx, bt);
        }
        let (mut lo, mut hi, mut t_hi, mut x, mut t_x) = if gl < bg && gl <= gr {
            (a.0, bx, bt, xl, tl)
        } else if gr < bg {
            (bx, b.0, b.1, xr, tr)
        } else {
            (xl, xr, tr, bx, bt)
        };
        let mut g_x = t_x + slope * x;
        for _ in 0..REFINE_STEPS {
            let left = slope * (x - lo);
            let right = t_x - t_hi;
            if left.max(right) <= tol * g_x {
                return (x, t_x);
            }
            let u = if left >= right {
                x - GOLD * (x - lo)
            } else {
                x + GOLD * (hi - x)
            };
            if !(u > lo && u < hi && u != x) {
                return (x, t_x); // the bracket is down to the doubles' resolution
            }
            let t_u = self.latency(d, r, u);
            let g_u = t_u + slope * u;
            if g_u < g_x {
                if u < x {
                    hi = x;
                    t_hi = t_x;
                } else {
                    lo = x;
                }
                x = u;
                t_x = t_u;
                g_x = g_u;
            } else if u < x {
                lo = u;
            } else {
                hi = u;
                t_hi = t_u;
            }
        }
        self.converged = false;
        (x, t_x)
    }

    /// The latency at a budget already solved.
    fn known(&self, p: f64) -> f64 {
        let mut found = f64::NAN;
        for (q, s) in self.seen.iter() {
            if *q == p {
                found = s.latency;
            }
        }
        found
    }
}

/// The adaptive policy of `optimal` (MODEL.md section 10). `seed`: a static level whose
/// budget is tried as the common starting budget too.
fn adaptive(d: &mut Drop, seed: Option<&Level>) -> AdaptivePlan {
    let n = d.insts.len();
    let nf = n as f64;
    let pmax = d.pruning_limit;
    let top = d.cap.min(pmax);
    let solves_before = d.solves;
    let finish =
        |d: &Drop, budgets: Vec<f64>, latencies: &[f64], iterations: u32, converged: bool| {
            let mut latency = 0.0;
            let mut pruning = 0.0;
            let mut progress = 0.0;
            for r in 0..budgets.len() {
                latency += latencies[r];
                pruning += budgets[r];
                progress += 1.0 - budgets[r] / pmax;
            }
            let price = latency / progress;
            AdaptivePlan {
                method: d.method,
                price,
                fine_tuning_seconds: d.rounds0 * price,
                mean_round_latency: latency / nf,
                mean_pruning: pruning / nf,
                budgets,
                iterations,
                evaluations: d.solves - solves_before,
                status: if converged {
                    Status::Converged
                } else {
                    Status::IterationLimit
                },
            }
        };
    if !(pmax < f64::INFINITY) || !(top > 0.0) {
        // Nothing to trade: the largest budget is best for every realization.
        let level = d.level(top, None, false);
        return finish(d, vec![top; n], &level.latencies, 0, level.converged);
    }
    let cells = ADAPTIVE_GRID;
    let grid_budgets: Vec<f64> = (0..=cells)
        .map(|j| {
            if j == cells {
                top
            } else {
                top * (j as f64 / cells as f64)
            }
        })
        .collect();
    let mut converged = true;
    let mut choosers: Vec<Chooser> = Vec::with_capacity(n);
    for r in 0..n {
        let mut grid = Vec::with_capacity(cells + 1);
        let mut prev: Option<Sol> = None;
        for &p in grid_budgets.iter() {
            let s = d.solve_one(r, p, prev.as_ref());
            converged = converged && s.converged;
            grid.push(s.latency);
            prev = Some(s);
        }
        choosers.push(Chooser {
            grid,
            budget: 0.0,
            latency: 0.0,
        });
    }
    // Start from the best common budget of the grid (and of the static plan).
    let mut lambda = f64::INFINITY;
    for j in 0..=cells {
        let progress = 1.0 - grid_budgets[j] / pmax;
        if !(progress > 0.0) {
            continue;
        }
        let mut latency = 0.0;
        for c in choosers.iter() {
            latency += c.grid[j];
        }
        let ratio = (latency / nf) / progress;
        if ratio < lambda {
            lambda = ratio;
            for c in choosers.iter_mut() {
                c.budget = grid_budgets[j];
                c.latency = c.grid[j];
            }
        }
    }
    if let Some(s) = seed {
        let progress = 1.0 - s.budget / pmax;
        if progress > 0.0 && s.latency / progress < lambda {
            lambda = s.latency / progress;
            for (r, c) in choosers.iter_mut().enumerate() {
                c.budget = s.budget;
                c.latency = s.latencies[r];
            }
        }
    }
    // The budget to about a tenth of sqrt(tolerance) of its range: g is then within
    // about 1% of the tolerance of its minimum where the minimum is smooth.
    let xtol = 0.1 * d.tolerance.sqrt() * top;
    let mut iterations = 0;
    let mut settled = false;
    while iterations < d.max_iterations {
        iterations += 1;
        let slope = lambda / pmax;
        for r in 0..n {
            let (mut best_j, mut best_g) = (0, f64::INFINITY);
            for j in 0..=cells {
                let g = choosers[r].grid[j] + slope * grid_budgets[j];
                if g < best_g {
                    best_g = g;
                    best_j = j;
                }
            }
            let a = grid_budgets[if best_j > 0 { best_j - 1 } else { 0 }];
            let b = grid_budgets[if best_j < cells { best_j + 1 } else { cells }];
            let x = grid_budgets[best_j];
            let mut search = OneSearch {
                seen: Vec::new(),
                converged: true,
            };
            let t_x = choosers[r].grid[best_j];
            let (bx, bt) = search.minimize(
                d,
                r,
                (a, choosers[r].grid[if best_j > 0 { best_j - 1 } else { 0 }]),
                (
                    b,
                    choosers[r].grid[if best_j < cells { best_j + 1 } else { cells }],
                ),
                (x, t_x),
                slope,
                xtol,
            );
            converged = converged && search.converged;
            let c = &mut choosers[r];
            // Keep the previous choice when it is at least as good at this price: the
            // price then never rises.
            if bt + slope * bx < c.latency + slope * c.budget {
                c.budget = bx;
                c.latency = bt;
            }
        }
        let mut latency = 0.0;
        let mut progress = 0.0;
        for c in choosers.iter() {
            latency += c.latency;
            progress += 1.0 - c.budget / pmax;
        }
        let next = latency / progress;
        let done = !(next < lambda - d.tolerance * lambda);
        lambda = next.min(lambda);
        if done {
            settled = true;
            break;
        }
    }
    let budgets: Vec<f64> = choosers.iter().map(|c| c.budget).collect();
    let latencies: Vec<f64> = choosers.iter().map(|c| c.latency).collect();
    finish(d, budgets, &latencies, iterations, converged && settled)
}

/// Plans the fine-tuning of one drop from its realizations (MODEL.md section 10). The
/// options are checked first, then the batch layout, then each problem (errors prefixed
/// `problems[i]: `), then that every problem has the clients of problems[0].
pub fn plan(batch: &BatchView, opts: &PlanOptions) -> Result<Vec<Plan>, Error> {
    let n = batch.check_layout()?;
    if n == 0 {
        return Err(Error::invalid_input(
            "problems",
            "problems must hold at least one realization",
        ));
    }
    for i in 0..n {
        validate(&batch.problem(i)).map_err(|e| e.in_problem(i))?;
    }
    let first = batch.problem(0);
    for i in 1..n {
        let p = batch.problem(i);
        if p.clients() != first.clients() {
            return Err(Error::invalid_input(
                "clients",
                format!(
                    "clients has {} entries but problems[0] has {}; the realizations of a plan share their clients (K, dataWeight, maxPruning)",
                    p.clients(),
                    first.clients()
                ),
            )
            .in_problem(i));
        }
        for k in 0..p.clients() {
            let columns = [
                ("dataWeight", p.data_weight[k], first.data_weight[k]),
                ("maxPruning", p.max_pruning[k], first.max_pruning[k]),
            ];
            for &(name, x, y) in columns.iter() {
                if x != y {
                    let field = format!("clients[{}].{}", k, name);
                    let message = format!(
                        "{} differs from problems[0]; the realizations of a plan share their clients (K, dataWeight, maxPruning)",
                        field
                    );
                    return Err(Error::invalid_input(field, message)
                        .for_client(k)
                        .in_problem(i));
                }
            }
        }
    }
    let insts: Vec<Instance> = (0..n).map(|i| instance(&batch.problem(i))).collect();
    let cap = {
        let inst = &insts[0];
        weighted(&inst.w, inst.rmax)
    };
    let mut d = Drop {
        insts,
        method: opts.method,
        rounds0: opts.rounds0,
        pruning_limit: opts.pruning_limit,
        tolerance: opts.solve.tolerance,
        max_iterations: opts.solve.max_iterations,
        cap,
        solves: 0,
    };
    let mut plans = Vec::new();
    let mut seed: Option<Level> = None;
    if opts.policy != Policy::Adaptive {
        let (p, level) = if opts.method == Method::Optimal {
            static_exact(&mut d)
        } else {
            static_grid(&mut d)
        };
        plans.push(Plan::Static(p));
        seed = Some(level);
    }
    if opts.policy != Policy::Static {
        plans.push(Plan::Adaptive(adaptive(&mut d, seed.as_ref())));
    }
    Ok(plans)
}

fn field(out: &mut String, name: &str, x: f64) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    write_js_number(out, x);
}

impl Plan {
    /// The plan as JSON, exactly what `JSON.stringify` writes for ts/core/plan.ts's
    /// objects (budgets as a plain array).
    pub fn write_json(&self, out: &mut String) {
        match self {
            Plan::Static(s) => {
                out.push_str("{\"method\":\"");
                out.push_str(s.method.id());
                out.push_str("\",\"policy\":\"static\",\"search\":\"");
                out.push_str(s.search.as_str());
                out.push('"');
                field(out, "budget", s.budget);
                field(out, "rounds", s.rounds);
                field(out, "fineTuningSeconds", s.fine_tuning_seconds);
                field(out, "meanRoundLatency", s.mean_round_latency);
                field(out, "meanPruning", s.mean_pruning);
                if let (Some(lo), Some(hi)) = (s.lower_bound, s.upper_bound) {
                    field(out, "lowerBound", lo);
                    field(out, "upperBound", hi);
                }
                field(out, "evaluations", s.evaluations as f64);
                out.push_str(",\"status\":\"");
                out.push_str(s.status.as_str());
                out.push_str("\"}");
            }
            Plan::Adaptive(a) => {
                out.push_str("{\"method\":\"");
                out.push_str(a.method.id());
                out.push_str("\",\"policy\":\"adaptive\"");
                field(out, "price", a.price);
                field(out, "fineTuningSeconds", a.fine_tuning_seconds);
                field(out, "meanRoundLatency", a.mean_round_latency);
                field(out, "meanPruning", a.mean_pruning);
                out.push_str(",\"budgets\":[");
                for (i, &x) in a.budgets.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_js_number(out, x);
                }
                out.push(']');
                field(out, "iterations", a.iterations as f64);
                field(out, "evaluations", a.evaluations as f64);
                out.push_str(",\"status\":\"");
                out.push_str(a.status.as_str());
                out.push_str("\"}");
            }
        }
    }
}

/// The plans as a JSON array.
pub fn plans_to_json(plans: &[Plan]) -> String {
    let mut out = String::from("[");
    for (i, p) in plans.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        p.write_json(&mut out);
    }
    out.push(']');
    out
}

/// The entry point of the bindings: method and policy ids, the numbers as JavaScript
/// gives them, and the batch layout of `solve_many`; returns the plans' JSON.
#[allow(clippy::too_many_arguments)]
pub fn plan_flat(
    batch: &BatchView,
    method: Method,
    policy: &str,
    rounds0: f64,
    pruning_limit: f64,
    tolerance: f64,
    max_iterations: f64,
) -> Result<String, Error> {
    let policy = Policy::from_id(policy)?;
    let opts = PlanOptions::new(
        method,
        policy,
        rounds0,
        pruning_limit,
        tolerance,
        max_iterations,
    )?;
    Ok(plans_to_json(&plan(batch, &opts)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;
    use crate::rng::Random;

    fn drop_with(rounds0: f64, pruning_limit: f64, cap: f64) -> Drop<'static> {
        Drop {
            insts: Vec::new(),
            method: Method::Optimal,
            rounds0,
            pruning_limit,
            tolerance: 1e-10,
            max_iterations: 500,
            cap,
            solves: 0,
        }
    }

    #[test]
    fn rounds_needed_follows_the_formula() {
        assert_eq!(rounds_needed(100.0, 0.5, 0.0), 100.0);
        assert_eq!(rounds_needed(100.0, 0.5, 0.25), 200.0);
        assert_eq!(rounds_needed(100.5, 0.5, 0.0), 101.0);
        assert_eq!(rounds_needed(100.0, f64::INFINITY, 0.4), 100.0);
        assert_eq!(rounds_needed(100.0, 0.5, 0.5), f64::INFINITY);
        assert_eq!(rounds_needed(100.0, 0.5, 0.7), f64::INFINITY);
    }

    /// P_R needs exactly R rounds, one ulp more needs more (or passes the cap), and P_R
    /// grows with R: over thousands of random (R0, Pmax, R).
    #[test]
    fn budget_for_rounds_is_the_largest_budget_of_its_round_count() {
        let mut rng = Random::new(5, 77, 0, 0);
        let mut corrected = 0;
        for _ in 0..2000 {
            let r0 = if rng.uniform() < 0.5 {
                (1.0 + rng.uniform() * 1000.0).floor()
            } else {
                1.0 + rng.uniform() * 1000.0
            };
            let pmax = 0.05 + rng.uniform() * 2.0;
            let cap = rng.uniform() * 0.95;
            let d = drop_with(r0, pmax, cap);
            let r_cap = d.rounds(cap);
            let mut previous = -1.0;
            let first = r0.ceil();
            for r in (first as u64)..(first as u64 + 40) {
                let r = r as f64;
                let p = d.budget_for_rounds(r);
                assert!(
                    p >= 0.0 && p <= cap,
                    "r0 {} pmax {} r {}: budget {}",
                    r0,
                    pmax,
                    r,
                    p
                );
                assert!(d.rounds(p) <= r);
                assert!(p >= previous);
                previous = p;
                if r < r_cap && p > 0.0 {
                    assert_eq!(d.rounds(p), r, "r0 {} pmax {} r {}", r0, pmax, r);
                    assert!(
                        d.rounds(next_up(p)) > r,
                        "r0 {} pmax {} r {}: not the largest",
                        r0,
                        pmax,
                        r
                    );
                    if p != pmax * (1.0 - r0 / r) {
                        corrected += 1;
                    }
                }
                if r >= r_cap {
                    assert_eq!(p, cap);
                }
            }
        }
        // The formula alone is off by an ulp or more for a few percent of R (MODEL.md).
        assert!(corrected > 0);
    }

    #[test]
    fn options_are_checked_in_order() {
        let new = |rounds0: f64, limit: f64, tol: f64, policy: Policy, method: Method| {
            PlanOptions::new(method, policy, rounds0, limit, tol, 500.0)
                .unwrap_err()
                .field
        };
        let (o, s) = (Method::Optimal, Policy::Static);
        assert_eq!(new(0.5, 0.0, 0.0, s, o), "rounds0");
        assert_eq!(new(f64::NAN, 1.0, 1e-10, s, o), "rounds0");
        assert_eq!(new(2e9, 1.0, 1e-10, s, o), "rounds0");
        assert_eq!(new(10.0, 0.0, 0.0, s, o), "pruningLimit");
        assert_eq!(new(10.0, f64::NAN, 1e-10, s, o), "pruningLimit");
        assert_eq!(new(10.0, -1.0, 1e-10, s, o), "pruningLimit");
        assert_eq!(new(10.0, 1.0, 0.0, s, o), "tolerance");
        assert_eq!(new(10.0, 1.0, 1e-10, Policy::Both, Method::Bcd), "policy");
        assert!(PlanOptions::new(o, Policy::Both, 1.0, f64::INFINITY, 1e-10, 500.0).is_ok());
        assert_eq!(
            Policy::from_id("Static").unwrap_err().message,
            "unknown policy \"Static\"; expected one of static, adaptive, both"
        );
    }

    fn client_problem(gain: f64) -> Problem {
        Problem {
            bandwidth_hz: 1e6,
            noise_psd_w_per_hz: 4e-21,
            payload_bits: 1e7,
            pruning_budget: 0.3,
            compute_seconds: vec![1.0, 2.0, 3.0],
            tx_power_w: vec![0.1; 3],
            channel_gain: vec![gain, 2.0 * gain, 3.0 * gain],
            data_weight: vec![1.0, 2.0, 3.0],
            max_pruning: vec![0.5, 0.4, 0.3],
            ..Problem::default()
        }
    }

    fn plan_of(problems: &[Problem], opts: &PlanOptions) -> Result<Vec<Plan>, Error> {
        let mut scalars = Vec::new();
        let mut offsets = vec![0u32];
        let mut cols: [Vec<f64>; 5] = Default::default();
        for p in problems.iter() {
            scalars.extend_from_slice(&[
                p.bandwidth_hz,
                p.noise_psd_w_per_hz,
                p.payload_bits,
                p.pruning_budget,
                p.prunable_compute_fraction,
                p.prunable_payload_fraction,
            ]);
            cols[0].extend_from_slice(&p.compute_seconds);
            cols[1].extend_from_slice(&p.tx_power_w);
            cols[2].extend_from_slice(&p.channel_gain);
            cols[3].extend_from_slice(&p.data_weight);
            cols[4].extend_from_slice(&p.max_pruning);
            offsets.push(cols[0].len() as u32);
        }
        let batch = BatchView {
            scalars: &scalars,
            offsets: &offsets,
            compute_seconds: &cols[0],
            tx_power_w: &cols[1],
            channel_gain: &cols[2],
            data_weight: &cols[3],
            max_pruning: &cols[4],
            fixed_seconds: &[],
        };
        plan(&batch, opts)
    }

    #[test]
    fn realizations_must_share_their_clients() {
        let opts =
            PlanOptions::new(Method::Optimal, Policy::Static, 10.0, 0.5, 1e-10, 500.0).unwrap();
        assert_eq!(
            plan_of(&[], &opts).unwrap_err().message,
            "problems must hold at least one realization"
        );
        let a = client_problem(1e-12);
        let mut b = client_problem(2e-12);
        b.max_pruning[1] = 0.2;
        let e = plan_of(&[a.clone(), b], &opts).unwrap_err();
        assert_eq!(e.field, "clients[1].maxPruning");
        assert_eq!(e.client, Some(1));
        assert_eq!(e.message, "problems[1]: clients[1].maxPruning differs from problems[0]; the realizations of a plan share their clients (K, dataWeight, maxPruning)");
        let mut c = client_problem(2e-12);
        c.payload_bits = -1.0;
        let e = plan_of(&[a.clone(), c], &opts).unwrap_err();
        assert_eq!(
            e.message,
            "problems[1]: payloadBits must be a positive finite number"
        );
        // The realizations' own budgets do not matter; other shared inputs may differ.
        let mut d = client_problem(3e-12);
        d.pruning_budget = 0.0;
        d.compute_seconds[0] = 5.0;
        assert!(plan_of(&[a, d], &opts).is_ok());
    }

    #[test]
    fn json_is_what_javascript_writes() {
        let opts = PlanOptions::new(
            Method::Optimal,
            Policy::Both,
            20.0,
            f64::INFINITY,
            1e-10,
            500.0,
        )
        .unwrap();
        let problems = [client_problem(1e-12), client_problem(3e-12)];
        let plans = plan_of(&problems, &opts).unwrap();
        let json = plans_to_json(&plans);
        assert!(json.starts_with(
            "[{\"method\":\"optimal\",\"policy\":\"static\",\"search\":\"exact\",\"budget\":"
        ));
        assert!(json.contains("\"rounds\":20,"));
        assert!(json.contains("},{\"method\":\"optimal\",\"policy\":\"adaptive\",\"price\":"));
        assert!(json.contains("\"iterations\":0,"));
        assert!(json.ends_with("\"status\":\"converged\"}]"));
        match (&plans[0], &plans[1]) {
            (Plan::Static(s), Plan::Adaptive(a)) => {
                // The cap: (1 x 0.5 + 2 x 0.4 + 3 x 0.3) / 6.
                assert!((s.budget - 2.2 / 6.0).abs() <= 1e-15);
                assert_eq!(a.budgets, vec![s.budget; 2]);
                assert!(
                    (a.fine_tuning_seconds - s.fine_tuning_seconds).abs()
                        <= 1e-12 * a.fine_tuning_seconds
                );
            }
            _ => panic!("static, then adaptive"),
        }
    }
}
