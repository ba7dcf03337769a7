//! The planner with minimum pruning and energy caps (MODEL.md sections 10, 11 and 12) in
//! the Rust core, against numbers obtained independently: a search over whole numbers of
//! rounds written out here, each method's own solve at the plan's budget, the fine-tuning
//! energy recomputed from the points of the plan's budgets, and the error of a least
//! pruning at or above Pmax. Mirrors test/min-pruning.test.mjs's plan tests.

#![allow(clippy::neg_cmp_op_on_partial_ord)]

use jcpba_core::support::Batch;
use jcpba_core::{
    plan, solve, Method, Plan, PlanOptions, Policy, Problem, Random, SolveOptions,
    Status,
};

mod common;
use common::log_uniform;

const N0: f64 = 3.981_071_705_534_969e-21;

fn options(method: Method, policy: Policy, rounds0: f64, pruning_limit: f64, tolerance: f64) -> PlanOptions {
    PlanOptions::new(method, policy, rounds0, pruning_limit, 1.0, tolerance, 500.0).unwrap()
}

fn plans(problems: &[Problem], o: &PlanOptions) -> Vec<Plan> {
    plan(&Batch::of(problems).view(), o).unwrap()
}

fn weights(p: &Problem) -> Vec<f64> {
    let s: f64 = p.data_weight.iter().sum();
    p.data_weight.iter().map(|w| w / s).collect()
}

fn least_pruning(p: &Problem) -> f64 {
    let w = weights(p);
    (0..w.len()).map(|k| w[k] * p.min_pruning[k]).sum()
}

fn top(p: &Problem) -> f64 {
    let w = weights(p);
    (0..w.len()).map(|k| w[k] * p.max_pruning[k]).sum()
}

/// ceil(R0 / (1 - P / Pmax)), written out.
fn rounds_at(r0: f64, pmax: f64, p: f64) -> f64 {
    (r0 / (1.0 - p / pmax)).ceil()
}

/// A drop of `k_count` clients, each with a least pruning up to a third of rmax, and its
/// fading realizations (channel gains times an exponential draw).
fn boxed_drop(seed: u32, k_count: usize, realizations: usize) -> Vec<Problem> {
    let mut r = Random::new(seed, 31, 0, 0);
    let mut base = Problem {
        bandwidth_hz: log_uniform(&mut r, 1e6, 1e7),
        noise_psd_w_per_hz: N0,
        payload_bits: log_uniform(&mut r, 1e7, 1e8),
        pruning_budget: 0.0,
        prunable_compute_fraction: 1.0,
        prunable_payload_fraction: 1.0,
        ..Problem::default()
    };
    for _ in 0..k_count {
        let power = log_uniform(&mut r, 0.05, 0.5);
        base.compute_seconds.push(log_uniform(&mut r, 1.0, 30.0));
        base.tx_power_w.push(power);
        base.channel_gain.push(log_uniform(&mut r, 1e-13, 1e-11));
        base.data_weight.push(log_uniform(&mut r, 1.0, 10.0));
        let rmax = 0.4 + 0.5 * r.uniform();
        base.max_pruning.push(rmax);
        base.min_pruning.push(rmax * r.uniform() / 3.0);
        base.compute_power_w.push(log_uniform(&mut r, 5.0, 50.0));
    }
    (0..realizations)
        .map(|_| {
            let mut p = base.clone();
            for g in p.channel_gain.iter_mut() {
                *g *= -r.uniform().ln();
            }
            p
        })
        .collect()
}

/// T of a method's own solve of each realization at `budget`, and sum_k E_k of its point.
fn solves_at(drop: &[Problem], method: Method, budget: f64, tolerance: f64) -> Vec<(f64, f64)> {
    drop.iter()
        .map(|q| {
            let mut q = q.clone();
            q.pruning_budget = budget;
            let o = SolveOptions {
                tolerance,
                ..SolveOptions::default()
            };
            let s = solve(&q.view(), method, &o).unwrap();
            assert_ne!(s.status, Status::Infeasible);
            (s.latency, s.energy_total)
        })
        .collect()
}

fn mean(x: &[(f64, f64)]) -> (f64, f64) {
    let n = x.len() as f64;
    (x.iter().map(|v| v.0).sum::<f64>() / n, x.iter().map(|v| v.1).sum::<f64>() / n)
}

fn rel(x: f64, y: f64) -> f64 {
    (x - y).abs() / y.abs().max(1e-300)
}

#[test]
fn the_static_plan_starts_at_sum_w_rmin_and_matches_a_search_over_whole_rounds() {
    for seed in 0..3 {
        let drop = boxed_drop(40 + seed, 3, 3);
        let least = least_pruning(&drop[0]);
        let cap = top(&drop[0]);
        let (r0, pmax) = (20.0, least + 0.3 + 0.2 * seed as f64);
        let ps = plans(&drop, &options(Method::Optimal, Policy::Static, r0, pmax, 1e-10));
        let s = match &ps[0] {
            Plan::Static(s) => s.clone(),
            _ => panic!("static"),
        };
        assert_eq!(s.status, Status::Converged);
        assert!(s.budget >= least * (1.0 - 1e-15) && s.budget <= cap * (1.0 + 1e-15), "budget {} outside [{}, {}]", s.budget, least, cap);
        let first = rounds_at(r0, pmax, least);
        assert!(s.rounds >= first);
        // Every whole number of rounds from R(sum w rmin), at the largest budget (at most
        // the cap) needing that many; J = R x mean T*.
        let last = if cap < pmax { rounds_at(r0, pmax, cap) } else { first + 300.0 };
        let mut best = f64::INFINITY;
        let mut r = first;
        while r <= last {
            let p = (pmax * (1.0 - r0 / r)).max(least).min(cap);
            best = best.min(r * mean(&solves_at(&drop, Method::Optimal, p, 1e-12)).0);
            r += 1.0;
        }
        assert!(rel(s.fine_tuning_seconds, best) <= 1e-7, "seed {}: plan {} vs search {}", seed, s.fine_tuning_seconds, best);
        // The fine-tuning energy: the rounds times the mean energy of the points at the budget.
        let (t, e) = mean(&solves_at(&drop, Method::Optimal, s.budget, 1e-10));
        assert!(rel(s.mean_round_latency, t) <= 1e-9);
        assert!(rel(s.mean_round_energy, e) <= 1e-6, "seed {}: energy {} vs {}", seed, s.mean_round_energy, e);
        assert!(rel(s.fine_tuning_joules, s.rounds * e) <= 1e-6);
        assert!(rel(s.fine_tuning_joules, s.rounds * s.mean_round_energy) <= 1e-15);
    }
}

#[test]
fn equal_and_bandwidth_only_are_planned_at_sum_w_rmin() {
    let drop = boxed_drop(50, 4, 2);
    let least = least_pruning(&drop[0]);
    let pmax = least + 0.5;
    for &method in [Method::Equal, Method::BandwidthOnly].iter() {
        let ps = plans(&drop, &options(method, Policy::Static, 10.0, pmax, 1e-10));
        let s = match &ps[0] {
            Plan::Static(s) => s.clone(),
            _ => panic!("static"),
        };
        assert_eq!(s.budget, least, "{:?}", method);
        assert_eq!(s.rounds, rounds_at(10.0, pmax, least), "{:?}", method);
        let (t, e) = mean(&solves_at(&drop, method, least, 1e-10));
        assert!(rel(s.fine_tuning_seconds, s.rounds * t) <= 1e-12, "{:?}", method);
        assert!(rel(s.fine_tuning_joules, s.rounds * e) <= 1e-12, "{:?}: {} vs {}", method, s.fine_tuning_joules, s.rounds * e);
    }
}

#[test]
fn the_adaptive_policy_keeps_its_budgets_in_the_range_and_reports_its_energy() {
    let drop = boxed_drop(60, 3, 2);
    let least = least_pruning(&drop[0]);
    let cap = top(&drop[0]);
    let pmax = least + 0.4;
    let ps = plans(&drop, &options(Method::Optimal, Policy::Adaptive, 30.0, pmax, 1e-8));
    let a = match &ps[0] {
        Plan::Adaptive(a) => a.clone(),
        _ => panic!("adaptive"),
    };
    for &b in a.budgets.iter() {
        assert!(b >= least * (1.0 - 1e-15) && b <= pmax.min(cap) * (1.0 + 1e-15), "budget {}", b);
    }
    // R0 x sum_r E_r / sum_r pi(P_r), from each realization's own solve at its budget.
    let (mut energy, mut latency, mut progress) = (0.0, 0.0, 0.0);
    for (q, &b) in drop.iter().zip(a.budgets.iter()) {
        let (t, e) = solves_at(std::slice::from_ref(q), Method::Optimal, b, 1e-10)[0];
        energy += e;
        latency += t;
        progress += 1.0 - b / pmax;
    }
    assert!(rel(a.fine_tuning_seconds, 30.0 * latency / progress) <= 1e-7);
    assert!(rel(a.fine_tuning_joules, 30.0 * energy / progress) <= 1e-6, "{} vs {}", a.fine_tuning_joules, 30.0 * energy / progress);
    assert!(rel(a.mean_round_energy, energy / 2.0) <= 1e-6);
}

#[test]
fn a_least_pruning_at_or_above_pmax_is_an_error_and_minpruning_must_be_shared() {
    let drop = boxed_drop(70, 3, 2);
    let least = least_pruning(&drop[0]);
    for &pmax in [least, least / 2.0].iter() {
        let e = plan(&Batch::of(&drop).view(), &options(Method::Optimal, Policy::Static, 10.0, pmax, 1e-10)).unwrap_err();
        assert_eq!(e.field, "pruningLimit");
        assert!(e.message.starts_with("pruningLimit must be above the least mean pruning"), "{}", e.message);
    }
    let mut other = drop.clone();
    other[1].min_pruning[2] *= 0.5;
    let e = plan(&Batch::of(&other).view(), &options(Method::Optimal, Policy::Static, 10.0, 0.9, 1e-10)).unwrap_err();
    assert_eq!((e.field.as_str(), e.client), ("clients[2].minPruning", Some(2)));
    assert_eq!(
        e.message,
        "problems[1]: clients[2].minPruning differs from problems[0]; the realizations of a plan share their clients (K, dataWeight, maxPruning, minPruning)"
    );
}

/// Two clients, the second capped at 300 J: below some budget no point meets its cap.
fn capped() -> Problem {
    Problem {
        bandwidth_hz: 1e6,
        noise_psd_w_per_hz: 4e-21,
        payload_bits: 1e7,
        pruning_budget: 0.3,
        compute_seconds: vec![10.0, 20.0],
        tx_power_w: vec![0.2, 0.2],
        channel_gain: vec![2e-13, 2e-13],
        data_weight: vec![1.0, 1.0],
        max_pruning: vec![0.8, 0.8],
        prunable_compute_fraction: 1.0,
        prunable_payload_fraction: 1.0,
        compute_power_w: vec![30.0, 30.0],
        energy_cap_j: vec![f64::INFINITY, 300.0],
        ..Problem::default()
    }
}

#[test]
fn budgets_with_no_point_are_infinitely_slow_and_a_method_with_none_is_infeasible() {
    let base = capped();
    let mut low = base.clone();
    low.pruning_budget = 0.1;
    assert_eq!(solve(&low.view(), Method::Optimal, &SolveOptions::default()).unwrap().status, Status::Infeasible);
    let ps = plans(&[base.clone()], &options(Method::Optimal, Policy::Both, 10.0, 1.5, 1e-10));
    for p in ps.iter() {
        match p {
            Plan::Static(s) => {
                assert_eq!(s.status, Status::Converged);
                let (t, e) = solves_at(&[base.clone()], Method::Optimal, s.budget, 1e-10)[0];
                assert!(rel(s.fine_tuning_seconds, s.rounds * t) <= 1e-9);
                assert!(rel(s.fine_tuning_joules, s.rounds * e) <= 1e-6);
                // Every point of the plan meets the cap: its mean energy is below it.
                assert!(s.mean_round_energy.is_finite());
            }
            Plan::Adaptive(a) => {
                assert_ne!(a.status, Status::Infeasible);
                assert!(a.fine_tuning_joules.is_finite() && a.fine_tuning_joules > 0.0);
            }
        }
    }
    let ps = plans(&[base], &options(Method::Equal, Policy::Static, 10.0, 1.5, 1e-10));
    match &ps[0] {
        Plan::Static(s) => {
            assert_eq!(s.status, Status::Infeasible);
            assert_eq!(s.fine_tuning_seconds, f64::INFINITY);
            assert_eq!(s.fine_tuning_joules, f64::INFINITY);
        }
        _ => panic!("static"),
    }
}
