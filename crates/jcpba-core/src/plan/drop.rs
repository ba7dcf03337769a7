//! The realizations of one drop and their solves at one budget (a `Level`), shared by
//! the static and adaptive searches of the planner.

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::{progress, rounds_needed};
use crate::accounting::accounting;
use crate::bandwidth::round_latency;
use crate::instance::Instance;
use crate::method::Method;
use crate::methods::solve_instance;
use crate::optimal::optimal;
use crate::pruning::weighted;
use crate::solution::Status;

/// The next f64 below a positive finite x.
pub(super) fn next_below(x: f64) -> f64 {
    f64::from_bits(x.to_bits() - 1)
}

/// One realization's solve at one budget.
#[derive(Clone, Debug)]
pub(super) struct Sol {
    pub(super) latency: f64,
    /// sum_k E_k of the point, J (+inf without one).
    pub(super) energy: f64,
    pub(super) lower: f64,
    pub(super) pruning: f64,
    pub(super) converged: bool,
    pub(super) rho: Vec<f64>,
    pub(super) b: Vec<f64>,
}

/// Every realization's solve at one budget, and their means (in realization order).
#[derive(Clone, Debug)]
pub(super) struct Level {
    pub(super) budget: f64,
    pub(super) latency: f64,
    /// Mean total energy per round, J.
    pub(super) energy: f64,
    pub(super) lower: f64,
    pub(super) pruning: f64,
    pub(super) converged: bool,
    pub(super) latencies: Vec<f64>,
    pub(super) energies: Vec<f64>,
    /// The points, kept while a larger budget may start from them.
    pub(super) points: Option<Vec<Sol>>,
}

/// The realizations of one drop, with the plan's constants.
pub(super) struct Drop<'a> {
    pub(super) insts: Vec<Instance<'a>>,
    pub(super) method: Method,
    pub(super) rounds0: f64,
    pub(super) pruning_limit: f64,
    /// m, the convergence exponent.
    pub(super) exponent: f64,
    pub(super) tolerance: f64,
    pub(super) max_iterations: u32,
    /// sum_k w_k rmax_k, the largest budget that can bind.
    pub(super) cap: f64,
    /// sum_k w_k rmin_k, the least budget any point meets (MODEL.md section 12).
    pub(super) floor: f64,
    /// Solves done.
    pub(super) solves: u32,
}

impl<'a> Drop<'a> {
    pub(super) fn rounds(&self, pruning: f64) -> f64 {
        rounds_needed(self.rounds0, self.pruning_limit, pruning, self.exponent)
    }

    pub(super) fn progress(&self, pruning: f64) -> f64 {
        progress(self.pruning_limit, self.exponent, pruning)
    }

    /// The largest budget (at most the cap) that needs at most `r` rounds (r >= ceil(R0)):
    /// Pmax (1 - (R0 / r)^(1/m)), written without cancellation, then moved by ulps (rarely
    /// more: by bisection) until it needs r rounds and the next double would not. 0 when
    /// r = R0.
    pub(super) fn budget_for_rounds(&self, r: f64) -> f64 {
        if self.rounds(self.cap) <= r {
            return self.cap;
        }
        let mut p = if self.exponent == 1.0 {
            self.pruning_limit * ((r - self.rounds0) / r)
        } else {
            self.pruning_limit * -((-(r - self.rounds0) / r).ln_1p() / self.exponent).exp_m1()
        };
        if !(p > self.floor) {
            return self.floor; // R(floor) <= r: no smaller budget is feasible
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
            lo = self.floor;
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

    pub(super) fn solve_one(&mut self, r: usize, budget: f64, start: Option<&Sol>) -> Sol {
        self.solves += 1;
        let inst = &mut self.insts[r];
        inst.budget = budget;
        let inst = &self.insts[r];
        match (self.method, start) {
            (Method::Optimal, Some(s)) if s.latency < f64::INFINITY => {
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
                    energy: accounting(inst, &res.pruning, &res.bandwidth).energy_total,
                    lower: res.lower_bound,
                    pruning: weighted(&inst.w, &res.pruning),
                    converged: res.converged,
                    rho: res.pruning,
                    b: res.bandwidth,
                }
            }
            _ => {
                let s = solve_instance(inst, self.method, self.tolerance, self.max_iterations);
                if s.status == Status::Infeasible {
                    // Energy caps no point meets at this budget (MODEL.md 11.2): no round
                    // at this budget ends, and no smaller budget does better.
                    return Sol {
                        latency: f64::INFINITY,
                        energy: f64::INFINITY,
                        lower: f64::INFINITY,
                        pruning: f64::NAN,
                        converged: true,
                        rho: Vec::new(),
                        b: Vec::new(),
                    };
                }
                Sol {
                    latency: s.latency,
                    energy: s.energy_total,
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
    pub(super) fn level(&mut self, budget: f64, start: Option<&Vec<Sol>>, keep: bool) -> Level {
        let n = self.insts.len();
        let mut points = Vec::with_capacity(n);
        for r in 0..n {
            let s = self.solve_one(r, budget, start.map(|v| &v[r]));
            points.push(s);
        }
        let mut latency = 0.0;
        let mut energy = 0.0;
        let mut lower = 0.0;
        let mut pruning = 0.0;
        let mut converged = true;
        let mut latencies = Vec::with_capacity(n);
        let mut energies = Vec::with_capacity(n);
        for s in points.iter() {
            latency += s.latency;
            energy += s.energy;
            lower += s.lower;
            pruning += s.pruning;
            converged = converged && s.converged;
            latencies.push(s.latency);
            energies.push(s.energy);
        }
        let nf = n as f64;
        Level {
            budget,
            latency: latency / nf,
            energy: energy / nf,
            lower: lower / nf,
            pruning: pruning / nf,
            converged,
            latencies,
            energies,
            points: if keep { Some(points) } else { None },
        }
    }
}

pub(super) fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else {
        f64::from_bits(x.to_bits() + 1)
    }
}
