//! The scalar and vector paths of every method (issue 12's contract): on every
//! instruction-set level this machine runs, every method's T agrees with the scalar
//! path's within 1e-12 relative, optimal's certificates hold against each other (lower
//! bounds within the cross-backend 1e-9), and every point is feasible. The problems span the default scenario (v1 and v2 fields) and random
//! problems over wide ranges, with client counts that leave every tail length.

use jcpba_core::instance::instance;
use jcpba_core::methods::solve_instance;
use jcpba_core::optimal::optimal;
use jcpba_core::scenario::{generate_from_params, ScenarioParams};
use jcpba_core::simd::Level;
use jcpba_core::support::default_scenario;
use jcpba_core::{
    validate, Method, Problem, Random, Solution, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE,
};

mod common;
use common::log_uniform;

/// N0 = -174 dBm/Hz, W/Hz.
const N0: f64 = 3.981_071_705_534_969e-21;

fn scenario(clients: usize, seed: u32, v2: bool) -> Problem {
    let v1 = default_scenario(clients, seed);
    generate_from_params(&if v2 {
        ScenarioParams {
            shadowing_db: 8.0,
            fixed_seconds: 20.0,
            prunable_compute_fraction: 0.8,
            prunable_payload_fraction: 0.6,
            ..v1
        }
    } else {
        v1
    })
    .unwrap()
}

/// A random problem over wide ranges (the v2 fields in half of them).
fn random_problem(i: u32) -> Problem {
    let mut r = Random::new(1212, 12, i, 0);
    let k_count = 1 + (r.uniform().powi(2) * 120.0) as usize;
    let v2 = r.uniform() < 0.5;
    let mut p = Problem {
        bandwidth_hz: log_uniform(&mut r, 1e5, 1e9),
        noise_psd_w_per_hz: N0,
        payload_bits: log_uniform(&mut r, 1e5, 1e10),
        pruning_budget: if r.uniform() < 0.1 {
            0.0
        } else {
            0.9 * r.uniform()
        },
        prunable_compute_fraction: if v2 { r.uniform() } else { 1.0 },
        prunable_payload_fraction: if v2 { r.uniform() } else { 1.0 },
        ..Problem::default()
    };
    for _ in 0..k_count {
        let c = log_uniform(&mut r, 1e-2, 1e3);
        p.compute_seconds.push(c);
        p.tx_power_w.push(log_uniform(&mut r, 1e-3, 1.0));
        p.channel_gain.push(log_uniform(&mut r, 1e-15, 1e-8));
        p.data_weight.push(log_uniform(&mut r, 1.0, 1e4));
        p.max_pruning.push(if r.uniform() < 0.1 {
            0.0
        } else {
            0.95 * r.uniform()
        });
        if v2 {
            p.fixed_seconds.push(if r.uniform() < 0.3 {
                0.0
            } else {
                r.uniform() * c
            });
        }
    }
    p
}

fn rel(x: f64, y: f64) -> f64 {
    if x == y {
        0.0
    } else {
        ((x - y) / y).abs()
    }
}

fn solve_at(p: &Problem, method: Method, level: Level) -> Solution {
    let view = p.view();
    validate(&view).unwrap();
    let mut inst = instance(&view);
    inst.level = level;
    solve_instance(&inst, method, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS)
}

/// T recomputed from the point, and the point's feasibility (budget and band).
fn check_point(p: &Problem, s: &Solution, label: &str) {
    let band: f64 = s.bandwidth.iter().sum();
    assert!(
        band <= p.bandwidth_hz * (1.0 + 1e-12),
        "{}: band {}",
        label,
        band
    );
    let wsum: f64 = p.data_weight.iter().sum();
    let used: f64 = (0..p.compute_seconds.len())
        .map(|k| p.data_weight[k] / wsum * s.pruning[k])
        .sum();
    assert!(
        used <= p.pruning_budget + 1e-12,
        "{}: pruning {}",
        label,
        used
    );
    for (k, &rho) in s.pruning.iter().enumerate() {
        assert!(
            rho >= 0.0 && rho <= p.max_pruning[k],
            "{}: rho[{}] {}",
            label,
            k,
            rho
        );
    }
}

fn compare(p: &Problem, label: &str) -> f64 {
    let mut worst: f64 = 0.0;
    for &method in Method::ALL.iter() {
        let scalar = solve_at(p, method, Level::Scalar);
        for &level in Level::all_available().iter().skip(1) {
            let s = solve_at(p, method, level);
            let d = rel(s.latency, scalar.latency);
            worst = worst.max(d);
            assert!(
                d <= 1e-12,
                "{} {:?} {:?}: T {} vs scalar {}",
                label,
                method,
                level,
                s.latency,
                scalar.latency
            );
            if let (Some(lo), Some(lo0)) = (s.lower_bound, scalar.lower_bound) {
                // The lower bound is the last T certified infeasible: where in the bracket
                // it lands depends on the path, so it agrees to the cross-backend 1e-9,
                // and each path's certificate must hold against the other's point.
                assert!(
                    rel(lo, lo0) <= 1e-9,
                    "{} {:?}: lower bound {} vs {}",
                    label,
                    level,
                    lo,
                    lo0
                );
                assert!(
                    lo <= scalar.latency && lo0 <= s.latency,
                    "{} {:?}: brackets",
                    label,
                    level
                );
            }
            check_point(p, &s, label);
        }
    }
    worst
}

#[test]
fn every_level_agrees_with_the_scalar_path_on_the_default_scenario() {
    let mut worst: f64 = 0.0;
    for &k in [1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1000].iter() {
        for &v2 in [false, true].iter() {
            worst = worst.max(compare(&scenario(k, 3, v2), &format!("K {} v2 {}", k, v2)));
        }
    }
    println!(
        "worst relative difference in T from the scalar path: {:e}",
        worst
    );
}

#[test]
fn every_level_agrees_with_the_scalar_path_on_random_problems() {
    let mut worst: f64 = 0.0;
    for i in 0..150 {
        worst = worst.max(compare(&random_problem(i), &format!("random {}", i)));
    }
    println!(
        "worst relative difference in T from the scalar path: {:e}",
        worst
    );
}

/// A budget equal to sum_k w_k rmax_k (everyone may prune fully) where that sum, taken
/// in lanes, rounds one ulp below the budget and, taken in client order, one ulp above:
/// the price search and the acceptance of a point must see the same sum, or optimal
/// rejects every point it builds and never closes its bracket (found by the fine-tuning
/// plan, which starts optimal from a smaller budget's point).
#[test]
fn optimal_converges_when_the_budget_is_every_clients_full_pruning() {
    let p = generate_from_params(&ScenarioParams {
        budget: 0.04,
        fixed_seconds: 2.0,
        prunable_compute_fraction: 0.6,
        prunable_payload_fraction: 0.9,
        ..default_scenario(30, 3)
    })
    .unwrap();
    for &level in Level::all_available().iter() {
        let start = solve_at(&p, Method::Optimal, level);
        let view = p.view();
        let mut inst = instance(&view);
        inst.level = level;
        inst.budget = 0.5;
        let r = optimal(
            &inst,
            &start.pruning,
            &start.bandwidth,
            start.latency,
            DEFAULT_TOLERANCE,
            DEFAULT_MAX_ITERATIONS,
        );
        assert!(
            r.converged,
            "{:?}: {} iterations, bracket [{}, {}]",
            level, r.iterations, r.lower_bound, r.upper_bound
        );
        assert!(
            r.iterations < 20,
            "{:?}: {} iterations",
            level,
            r.iterations
        );
    }
}
