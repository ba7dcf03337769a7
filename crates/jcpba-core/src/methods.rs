//! The seven methods of MODEL.md section 3 behind one entry point; mirrors ts/core/methods.ts.

use crate::bandwidth::{
    bandwidth_block, bandwidth_block_from, pruning_coefficients, round_latency,
};
use crate::error::Error;
use crate::instance::{instance, Instance};
use crate::method::Method;
use crate::optimal::optimal;
use crate::options::SolveOptions;
use crate::problem::ProblemView;
use crate::pruning::{pruning_block, uniform_pruning};
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

/// What a method returns before the round latency is recomputed from it.
struct Point {
    pruning: Vec<f64>,
    bandwidth: Vec<f64>,
    iterations: u32,
    status: Status,
    lower_bound: Option<f64>,
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
    let point = match method {
        Method::Optimal => optimal_point(inst, tolerance, max_iterations, earlier),
        _ => run(inst, method, tolerance, max_iterations),
    };
    let mut client_latency = vec![0.0; inst.clients];
    let latency = round_latency(
        inst,
        &point.pruning,
        &point.bandwidth,
        Some(&mut client_latency),
    );
    Solution {
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
        // Filled by the energy accounting (MODEL.md 11.1).
        energy: Vec::new(),
        energy_total: f64::NAN,
        energy_max: f64::NAN,
        upload_bits: f64::NAN,
        compute_seconds: f64::NAN,
    }
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
    }
}

fn run(inst: &Instance, method: Method, tolerance: f64, max_iterations: u32) -> Point {
    let k_count = inst.clients;
    match method {
        Method::Equal => exact(vec![0.0; k_count], equal_split(inst)),
        Method::BandwidthOnly => {
            let rho = vec![0.0; k_count];
            let mut b = vec![0.0; k_count];
            bandwidth_block(inst, &rho, &mut b);
            exact(rho, b)
        }
        Method::UniformPrune => {
            let mut rho = vec![0.0; k_count];
            uniform_pruning(inst, &mut rho);
            exact(rho, equal_split(inst))
        }
        Method::UniformPruneBandwidth => {
            let mut rho = vec![0.0; k_count];
            uniform_pruning(inst, &mut rho);
            let mut b = vec![0.0; k_count];
            bandwidth_block(inst, &rho, &mut b);
            exact(rho, b)
        }
        Method::PruneOnly => {
            let b = equal_split(inst);
            let mut u = vec![0.0; k_count];
            let mut v = vec![0.0; k_count];
            pruning_coefficients(inst, &b, &mut u, &mut v);
            let mut rho = vec![0.0; k_count];
            pruning_block(
                inst,
                &u,
                &v,
                &mut rho,
                &mut Vec::with_capacity(2 * k_count + 2),
            );
            exact(rho, b)
        }
        Method::Bcd => bcd(inst, tolerance, max_iterations),
        Method::Optimal => optimal_point(inst, tolerance, max_iterations, &[]),
    }
}

/// Block coordinate descent (MODEL.md section 4): from b = B/K, rho = 0, alternate
/// block A (pruning) and block B (bandwidth) until T falls by less than `tolerance`
/// (relative); returns the best iterate.
fn bcd(inst: &Instance, tolerance: f64, max_iterations: u32) -> Point {
    let k_count = inst.clients;
    let mut rho = vec![0.0; k_count];
    let mut b = equal_split(inst);
    let mut u = vec![0.0; k_count];
    let mut v = vec![0.0; k_count];
    let mut points = Vec::with_capacity(2 * k_count + 2);
    let mut best_pruning = rho.clone();
    let mut best_bandwidth = b.clone();
    let mut best_t = round_latency(inst, &rho, &b, None);
    let mut previous = best_t;
    let mut status = Status::IterationLimit;
    let mut iterations = 0;
    while iterations < max_iterations {
        iterations += 1;
        pruning_coefficients(inst, &b, &mut u, &mut v);
        // Block A's point (rho, b) is a feasible start for block B, which never returns
        // anything worse.
        pruning_block(inst, &u, &v, &mut rho, &mut points);
        let t = bandwidth_block_from(inst, &rho, &mut b, true).0;
        if t < best_t {
            best_t = t;
            best_pruning.copy_from_slice(&rho);
            best_bandwidth.copy_from_slice(&b);
        }
        if previous - t <= tolerance * previous {
            status = Status::Converged;
            break;
        }
        previous = t;
    }
    Point {
        pruning: best_pruning,
        bandwidth: best_bandwidth,
        iterations,
        status,
        lower_bound: None,
    }
}

/// A start point of `optimal`: method `method`'s point and its round latency, from
/// `earlier` when it is there, else solved now.
fn start_point(
    inst: &Instance,
    method: Method,
    tolerance: f64,
    max_iterations: u32,
    earlier: &[Solution],
) -> (Vec<f64>, Vec<f64>, f64) {
    if let Some(s) = earlier.iter().find(|s| s.method == method) {
        return (s.pruning.clone(), s.bandwidth.clone(), s.latency);
    }
    let p = run(inst, method, tolerance, max_iterations);
    let t = round_latency(inst, &p.pruning, &p.bandwidth, None);
    (p.pruning, p.bandwidth, t)
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
    let mut start = start_point(inst, Method::PruneOnly, tolerance, max_iterations, earlier);
    let other = start_point(inst, uniform, tolerance, max_iterations, earlier);
    if other.2 < start.2 {
        start = other;
    }
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
    }
}
