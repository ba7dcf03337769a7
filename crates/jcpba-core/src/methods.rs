//! The seven methods of MODEL.md section 3 behind one entry point; mirrors ts/core/methods.ts.

use crate::accounting::account;
use crate::bandwidth::{
    bandwidth_block, bandwidth_block_floors, pruning_coefficients, round_latency,
};
use crate::energy;
use crate::error::Error;
use crate::instance::{instance, Instance};
use crate::method::Method;
use crate::optimal::{cap_feasibility, optimal, CapFeasibility};
use crate::options::SolveOptions;
use crate::problem::ProblemView;
use crate::pruning::{pruning_block, pruning_block_floors, uniform_pruning, weighted};
use crate::solution::{Solution, Status};

/// Runs one method on a problem that already passed validation.
pub fn solve_method(
    p: &ProblemView,
    method: Method,
    opts: &SolveOptions,
) -> Result<Solution, Error> {
    Ok(solve_instance(
        &instance(p),
        method,
        opts.tolerance,
        opts.max_iterations,
    ))
}

/// What a method returns before the round latency is recomputed from it; `status`
/// Infeasible (MODEL.md 11.2, 12) with empty columns and the clients that fail alone.
struct Point {
    pruning: Vec<f64>,
    bandwidth: Vec<f64>,
    iterations: u32,
    status: Status,
    lower_bound: Option<f64>,
    infeasible_clients: Vec<usize>,
}

/// No point meets every constraint: `clients` are those that cannot meet theirs alone
/// (empty when only the clients together fail).
fn infeasible(clients: Vec<usize>, iterations: u32) -> Point {
    Point {
        pruning: Vec::new(),
        bandwidth: Vec::new(),
        iterations,
        status: Status::Infeasible,
        lower_bound: None,
        infeasible_clients: clients,
    }
}

/// Solves one instance; the reported latency is always max_k tau_k of the returned point
/// (and is the upper bound of `optimal`).
pub fn solve_instance(
    inst: &Instance,
    method: Method,
    tolerance: f64,
    max_iterations: u32,
) -> Solution {
    solve_instance_after(inst, method, tolerance, max_iterations, &[])
}

/// `solve_instance`, given solutions of other methods on the same instance: `optimal`
/// takes its start points (prune-only's and uniform-prune-bandwidth's, or
/// bandwidth-only's) from there instead of solving them again. A sweep solves every
/// method on each realization, so its `optimal` reuses them; the result is the same.
pub fn solve_instance_after(
    inst: &Instance,
    method: Method,
    tolerance: f64,
    max_iterations: u32,
    earlier: &[Solution],
) -> Solution {
    let point = if energy::minimum_pruning(inst) > inst.budget {
        // sum_k w_k rmin_k > budget: no method has a point (MODEL.md 12).
        infeasible(Vec::new(), 0)
    } else {
        match method {
            Method::Optimal => optimal_point(inst, tolerance, max_iterations, earlier),
            _ => run(inst, method, tolerance, max_iterations),
        }
    };
    if point.status == Status::Infeasible {
        return Solution {
            method,
            latency: f64::NAN,
            pruning: Vec::new(),
            bandwidth: Vec::new(),
            client_latency: Vec::new(),
            iterations: point.iterations,
            status: Status::Infeasible,
            lower_bound: point.lower_bound,
            upper_bound: None,
            infeasible_clients: point.infeasible_clients,
            energy: Vec::new(),
            energy_total: f64::NAN,
            energy_max: f64::NAN,
            upload_bits: f64::NAN,
            compute_seconds: f64::NAN,
        };
    }
    let mut client_latency = vec![0.0; inst.clients];
    let latency = round_latency(
        inst,
        &point.pruning,
        &point.bandwidth,
        Some(&mut client_latency),
    );
    let mut solution = Solution {
        method,
        latency,
        pruning: point.pruning,
        bandwidth: point.bandwidth,
        client_latency,
        iterations: point.iterations,
        status: point.status,
        lower_bound: point.lower_bound,
        upper_bound: point.lower_bound.map(|_| latency),
        infeasible_clients: Vec::new(),
        energy: Vec::new(),
        energy_total: f64::NAN,
        energy_max: f64::NAN,
        upload_bits: f64::NAN,
        compute_seconds: f64::NAN,
    };
    // MODEL.md 11.1: every result reports what its point costs.
    account(inst, &mut solution);
    solution
}

fn equal_split(inst: &Instance) -> Vec<f64> {
    vec![inst.bandwidth_hz / inst.clients as f64; inst.clients]
}

/// A closed-form (or exactly solved) point: one iteration, converged.
fn exact(pruning: Vec<f64>, bandwidth: Vec<f64>) -> Point {
    Point {
        pruning,
        bandwidth,
        iterations: 1,
        status: Status::Converged,
        lower_bound: None,
        infeasible_clients: Vec::new(),
    }
}

/// rmin_k for every client (the pruning of `equal` and `bandwidth-only`, MODEL.md 12).
fn least_pruning(inst: &Instance) -> Vec<f64> {
    (0..inst.clients).map(|k| inst.rmin_at(k)).collect()
}

/// A rule with no freedom left (`equal`, `uniform-prune`): its point, or infeasible with
/// the clients whose caps it breaks (MODEL.md 11.2).
fn fixed_rule(inst: &Instance, rho: Vec<f64>, b: Vec<f64>) -> Point {
    let broken = energy::broken_caps(inst, &rho, &b);
    if broken.is_empty() {
        exact(rho, b)
    } else {
        infeasible(broken, 1)
    }
}

/// Block B at pruning `rho` with the cap floors (MODEL.md 11.2): infeasible with the
/// clients that cannot meet their caps at this pruning with unlimited band, or with `[]`
/// when the floors together need the band or more.
fn bandwidth_rule(inst: &Instance, rho: Vec<f64>) -> Point {
    let mut b = vec![0.0; inst.clients];
    if !inst.has_caps() {
        bandwidth_block(inst, &rho, &mut b);
        return exact(rho, b);
    }
    let mut floor = vec![0.0; inst.clients];
    let failures = energy::bandwidth_floors(inst, &rho, &mut floor);
    if !failures.is_empty() {
        return infeasible(failures, 0);
    }
    if !(energy::total(&floor) <= inst.bandwidth_hz) {
        return infeasible(Vec::new(), 0);
    }
    bandwidth_block_floors(inst, &rho, &mut b, false, &floor);
    exact(rho, b)
}

/// Block A's least rates at bandwidth b: rmin_k and the cap floors rho_E,k(b_k)
/// (energy::pruning_floors), with the clients whose floor exceeds rmax_k; empty when
/// there are neither.
fn pruning_floors(inst: &Instance, b: &[f64]) -> (Vec<f64>, Vec<usize>) {
    if !inst.has_caps() {
        let lo = if inst.has_min_pruning() {
            least_pruning(inst)
        } else {
            Vec::new()
        };
        return (lo, Vec::new());
    }
    let mut lo = vec![0.0; inst.clients];
    let failures = energy::pruning_floors(inst, b, &mut lo);
    (lo, failures)
}

fn run(inst: &Instance, method: Method, tolerance: f64, max_iterations: u32) -> Point {
    let k_count = inst.clients;
    match method {
        Method::Equal => fixed_rule(inst, least_pruning(inst), equal_split(inst)),
        Method::BandwidthOnly => bandwidth_rule(inst, least_pruning(inst)),
        Method::UniformPrune => {
            let mut rho = vec![0.0; k_count];
            uniform_pruning(inst, &mut rho);
            fixed_rule(inst, rho, equal_split(inst))
        }
        Method::UniformPruneBandwidth => {
            let mut rho = vec![0.0; k_count];
            uniform_pruning(inst, &mut rho);
            bandwidth_rule(inst, rho)
        }
        Method::PruneOnly => {
            let b = equal_split(inst);
            let mut u = vec![0.0; k_count];
            let mut v = vec![0.0; k_count];
            pruning_coefficients(inst, &b, &mut u, &mut v);
            // Clients whose cap cannot be met at b = B/K within the box, then floors over
            // the budget (MODEL.md 11.2).
            let (lo, failures) = pruning_floors(inst, &b);
            if !failures.is_empty() {
                return infeasible(failures, 0);
            }
            if !lo.is_empty() && !(weighted(&inst.w, &lo) <= inst.budget) {
                return infeasible(Vec::new(), 0);
            }
            let mut rho = vec![0.0; k_count];
            pruning_block_floors(
                inst,
                &u,
                &v,
                &lo,
                &mut rho,
                &mut Vec::with_capacity(2 * k_count + 2),
            );
            exact(rho, b)
        }
        Method::Bcd => bcd(inst, tolerance, max_iterations),
        Method::Optimal => optimal_point(inst, tolerance, max_iterations, &[]),
    }
}

/// A point that meets every cap, the box, the budget and the band, for `bcd` and
/// `optimal` to start from when the plain starts break a cap: the minimizer of F_E(inf)
/// (`optimal`'s caps-only problem, MODEL.md 11.2) with block B's best split for its
/// pruning. Err: the problem is infeasible, with the clients that fail alone.
fn capped_start(
    inst: &Instance,
    tolerance: f64,
    max_iterations: u32,
) -> Result<(Vec<f64>, Vec<f64>), Point> {
    let failures = energy::unreachable_caps(inst);
    if !failures.is_empty() {
        return Err(infeasible(failures, 0));
    }
    match cap_feasibility(inst, tolerance, max_iterations) {
        CapFeasibility::Infeasible => Err(infeasible(Vec::new(), 1)),
        CapFeasibility::Pruning(rho) => match bandwidth_rule(inst, rho) {
            p if p.status == Status::Infeasible => Err(p),
            p => Ok((p.pruning, p.bandwidth)),
        },
    }
}

/// Block coordinate descent (MODEL.md section 4): from b = B/K, rho = 0, alternate
/// block A (pruning) and block B (bandwidth) until T falls by less than `tolerance`
/// (relative); returns the best iterate.
fn bcd(inst: &Instance, tolerance: f64, max_iterations: u32) -> Point {
    let k_count = inst.clients;
    let mut rho = least_pruning(inst);
    let mut b = equal_split(inst);
    let caps = inst.has_caps();
    let floors = caps || inst.has_min_pruning();
    // The start (rmin, B/K) is not returned when it breaks a cap; the first block A then
    // takes the cap floors at B/K (prune-only's point, so bcd <= prune-only still holds),
    // and when those cannot be met, bcd starts from capped_start's point instead
    // (MODEL.md 11.2; docs/MODEL.md section 4).
    let mut best_t = round_latency(inst, &rho, &b, None);
    if caps && !energy::broken_caps(inst, &rho, &b).is_empty() {
        best_t = f64::INFINITY;
        let (lo, failures) = pruning_floors(inst, &b);
        if !failures.is_empty() || !(weighted(&inst.w, &lo) <= inst.budget) {
            match capped_start(inst, tolerance, max_iterations) {
                Ok((r, s)) => {
                    rho = r;
                    b = s;
                    best_t = round_latency(inst, &rho, &b, None);
                }
                Err(p) => return p,
            }
        }
    }
    let mut floor_b = vec![0.0; if caps { k_count } else { 0 }];
    let mut u = vec![0.0; k_count];
    let mut v = vec![0.0; k_count];
    let mut points = Vec::with_capacity(2 * k_count + 2);
    let mut best_pruning = rho.clone();
    let mut best_bandwidth = b.clone();
    let mut previous = best_t;
    let mut status = Status::IterationLimit;
    let mut iterations = 0;
    while iterations < max_iterations {
        iterations += 1;
        pruning_coefficients(inst, &b, &mut u, &mut v);
        // Block A's point (rho, b) is a feasible start for block B, which never returns
        // anything worse.
        if floors {
            // The iterate meets every cap, so its rates are above the floors (up to
            // rounding: a floor above rmax_k is rmax_k's rounding).
            let mut lo = pruning_floors(inst, &b).0;
            for k in 0..k_count {
                lo[k] = lo[k].min(inst.rmax[k]);
            }
            if weighted(&inst.w, &lo) > inst.budget {
                status = Status::Converged;
                break;
            }
            pruning_block_floors(inst, &u, &v, &lo, &mut rho, &mut points);
        } else {
            pruning_block(inst, &u, &v, &mut rho, &mut points);
        }
        let t = if caps {
            let failures = energy::bandwidth_floors(inst, &rho, &mut floor_b);
            if !failures.is_empty() || !(energy::total(&floor_b) <= inst.bandwidth_hz) {
                status = Status::Converged;
                break;
            }
            bandwidth_block_floors(inst, &rho, &mut b, true, &floor_b).0
        } else {
            bandwidth_block_floors(inst, &rho, &mut b, true, &[]).0
        };
        if t < best_t {
            best_t = t;
            best_pruning.copy_from_slice(&rho);
            best_bandwidth.copy_from_slice(&b);
        }
        if previous < f64::INFINITY && previous - t <= tolerance * previous {
            status = Status::Converged;
            break;
        }
        previous = t;
    }
    if !(best_t < f64::INFINITY) {
        // Rounding left no iterate (the floors at the bound of a rate): the caps-only start.
        return match capped_start(inst, tolerance, max_iterations) {
            Ok((r, s)) => exact(r, s),
            Err(p) => p,
        };
    }
    Point {
        pruning: best_pruning,
        bandwidth: best_bandwidth,
        iterations,
        status,
        lower_bound: None,
        infeasible_clients: Vec::new(),
    }
}

/// A start point of `optimal`: method `method`'s point and its round latency, from
/// `earlier` when it is there, else solved now; None when that method is infeasible.
fn start_point(
    inst: &Instance,
    method: Method,
    tolerance: f64,
    max_iterations: u32,
    earlier: &[Solution],
) -> Option<(Vec<f64>, Vec<f64>, f64)> {
    if let Some(s) = earlier.iter().find(|s| s.method == method) {
        if s.status == Status::Infeasible {
            return None;
        }
        return Some((s.pruning.clone(), s.bandwidth.clone(), s.latency));
    }
    let p = run(inst, method, tolerance, max_iterations);
    if p.status == Status::Infeasible {
        return None;
    }
    let t = round_latency(inst, &p.pruning, &p.bandwidth, None);
    Some((p.pruning, p.bandwidth, t))
}

fn optimal_point(
    inst: &Instance,
    tolerance: f64,
    max_iterations: u32,
    earlier: &[Solution],
) -> Point {
    // Open the bracket at the better of two cheap feasible points. When pruning changes no
    // latency (phi_c = phi_s = 0), uniform pruning would only add pruning for nothing: its
    // latency is bandwidth-only's, and so is the optimum.
    let uniform = if inst.phi_c > 0.0 || inst.phi_s > 0.0 {
        Method::UniformPruneBandwidth
    } else {
        Method::BandwidthOnly
    };
    if inst.has_caps() {
        let failures = energy::unreachable_caps(inst);
        if !failures.is_empty() {
            return infeasible(failures, 0);
        }
    }
    let mut start = start_point(inst, Method::PruneOnly, tolerance, max_iterations, earlier);
    let other = start_point(inst, uniform, tolerance, max_iterations, earlier);
    if let Some(o) = other {
        if start.as_ref().map_or(true, |s| o.2 < s.2) {
            start = Some(o);
        }
    }
    let start = match start {
        Some(s) => s,
        // Both baselines break a cap (only possible with caps): the caps-only problem
        // decides feasibility, certified by its dual bound, and gives the start.
        None => match capped_start(inst, tolerance, max_iterations) {
            Ok((rho, b)) => {
                let t = round_latency(inst, &rho, &b, None);
                (rho, b, t)
            }
            Err(p) => return p,
        },
    };
    let (start_pruning, start_bandwidth, start_t) = start;
    let r = optimal(
        inst,
        &start_pruning,
        &start_bandwidth,
        start_t,
        tolerance,
        max_iterations,
    );
    Point {
        pruning: r.pruning,
        bandwidth: r.bandwidth,
        iterations: r.iterations,
        status: if r.converged {
            Status::Converged
        } else {
            Status::IterationLimit
        },
        lower_bound: Some(r.lower_bound),
        infeasible_clients: Vec::new(),
    }
}
