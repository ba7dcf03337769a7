//! Fine-tuning time to a target loss (MODEL.md section 10); mirrors ts/core/plan.ts.
//!
//! Pruning shortens a round but makes more rounds necessary: reaching the target takes
//! `R(P) = ceil(R0 / pi(P))` rounds at mean pruning P, `pi(P) = (1 - P / Pmax)^m` the
//! progress per round (m = 1 by default; MODEL.md section 13). Over N fading
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
//!   each realization picks `argmin_P T*_r(P) - lambda pi(P)` by a grid, then Brent's
//!   method in the best grid cell.

// The numerics mirror ts/ line by line: index loops, and negated comparisons (`!(x < y)`)
// wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::energy::minimum_pruning;
use crate::error::Error;
use crate::instance::{instance, Instance};
use crate::method::{json_quote, Method};
use crate::options::SolveOptions;
use crate::problem::{validate, BatchView};
use crate::pruning::weighted;
use crate::solution::Status;
use crate::summary::write_js_number;

/// Largest accepted `rounds0`: round counts stay exact whole numbers in an f64.
pub const MAX_ROUNDS0: f64 = 1e9;
/// Accepted range of the convergence exponent m (MODEL.md section 13).
pub const MIN_EXPONENT: f64 = 1e-3;
pub const MAX_EXPONENT: f64 = 1e3;
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
    /// m: progress per round (1 - P / Pmax)^m; 1 gives section 10.
    pub convergence_exponent: f64,
    pub solve: SolveOptions,
}

impl PlanOptions {
    /// Checks the options in the contract's order: rounds0, pruningLimit,
    /// convergenceExponent, tolerance, maxIterations, then whether the policy suits the
    /// method (the method and the policy are parsed before).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        method: Method,
        policy: Policy,
        rounds0: f64,
        pruning_limit: f64,
        convergence_exponent: f64,
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
        check_exponent(convergence_exponent)?;
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
            convergence_exponent,
            solve,
        })
    }
}

/// Errors unless m is in [MIN_EXPONENT, MAX_EXPONENT].
pub fn check_exponent(m: f64) -> Result<(), Error> {
    if !(m >= MIN_EXPONENT && m <= MAX_EXPONENT) {
        return Err(Error::invalid_option(
            "convergenceExponent",
            "convergenceExponent must be a finite number in [0.001, 1000] (the exponent m of progress per round (1 - P / Pmax)^m; default 1)",
        ));
    }
    Ok(())
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
    /// The fine-tuning energy, rounds x mean round energy, J (MODEL.md 11.1).
    pub fine_tuning_joules: f64,
    /// Mean over the realizations of the round latency at the budget, s.
    pub mean_round_latency: f64,
    /// Mean over the realizations of the round's total energy sum_k E_k at the budget, J.
    pub mean_round_energy: f64,
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
    /// The fine-tuning energy, J: R0 x sum_r E_r / sum_r pi(P_r), E_r the total energy
    /// of a round of realization r at its budget (MODEL.md 11.1).
    pub fine_tuning_joules: f64,
    pub mean_round_latency: f64,
    /// Mean over the realizations of the round's total energy at their budgets, J.
    pub mean_round_energy: f64,
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

/// Progress per round at pruning P, `pi(P) = (1 - P / Pmax)^m` (MODEL.md section 13); at
/// m = 1 exactly section 10's `1 - P / Pmax`.
pub fn progress(pruning_limit: f64, exponent: f64, pruning: f64) -> f64 {
    let linear = 1.0 - pruning / pruning_limit;
    if exponent == 1.0 {
        linear
    } else {
        linear.powf(exponent)
    }
}

/// `ceil(R0 / pi(P))`, +inf when P >= Pmax (or pi(P) underflows).
pub fn rounds_needed(rounds0: f64, pruning_limit: f64, pruning: f64, exponent: f64) -> f64 {
    if !(pruning < pruning_limit) {
        return f64::INFINITY;
    }
    (rounds0 / progress(pruning_limit, exponent, pruning)).ceil()
}

/// The status of a plan: a plan whose every budget tried has a realization with no point
/// (energy caps, MODEL.md 11.2) has an infinite time and is infeasible.
fn plan_status(ok: bool, seconds: f64) -> Status {
    if !(seconds < f64::INFINITY) {
        Status::Infeasible
    } else if ok {
        Status::Converged
    } else {
        Status::IterationLimit
    }
}

/// Why realizations must agree on their clients' columns (the error's second half).
const SHARE: &str =
    "the realizations of a plan share their clients (K, dataWeight, maxPruning, minPruning)";

mod adaptive;
mod drop;
mod static_search;
#[cfg(test)]
mod tests;

use adaptive::adaptive;
use drop::{Drop, Level};
use static_search::{static_exact, static_grid};

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
                    "clients has {} entries but problems[0] has {}; {}",
                    p.clients(),
                    first.clients(),
                    SHARE
                ),
            )
            .in_problem(i));
        }
        for k in 0..p.clients() {
            let rmin = |v: &crate::problem::ProblemView| {
                if v.min_pruning.is_empty() {
                    0.0
                } else {
                    v.min_pruning[k]
                }
            };
            let columns = [
                ("dataWeight", p.data_weight[k], first.data_weight[k]),
                ("maxPruning", p.max_pruning[k], first.max_pruning[k]),
                ("minPruning", rmin(&p), rmin(&first)),
            ];
            for &(name, x, y) in columns.iter() {
                if x != y {
                    let field = format!("clients[{}].{}", k, name);
                    let message = format!("{} differs from problems[0]; {}", field, SHARE);
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
    let floor = minimum_pruning(&insts[0]);
    if !(floor < opts.pruning_limit) {
        return Err(Error::invalid_option(
            "pruningLimit",
            "pruningLimit must be above the least mean pruning the clients' minPruning forces (sum_k w_k rmin_k): the target is unreachable",
        ));
    }
    let mut d = Drop {
        insts,
        method: opts.method,
        rounds0: opts.rounds0,
        pruning_limit: opts.pruning_limit,
        exponent: opts.convergence_exponent,
        tolerance: opts.solve.tolerance,
        max_iterations: opts.solve.max_iterations,
        cap,
        floor,
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
                field(out, "fineTuningJoules", s.fine_tuning_joules);
                field(out, "meanRoundLatency", s.mean_round_latency);
                field(out, "meanRoundEnergy", s.mean_round_energy);
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
                field(out, "fineTuningJoules", a.fine_tuning_joules);
                field(out, "meanRoundLatency", a.mean_round_latency);
                field(out, "meanRoundEnergy", a.mean_round_energy);
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
    convergence_exponent: f64,
) -> Result<String, Error> {
    let policy = Policy::from_id(policy)?;
    let opts = PlanOptions::new(
        method,
        policy,
        rounds0,
        pruning_limit,
        convergence_exponent,
        tolerance,
        max_iterations,
    )?;
    Ok(plans_to_json(&plan(batch, &opts)?))
}
