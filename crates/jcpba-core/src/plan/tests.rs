//! Tests of the fine-tuning planner (plan/ and its submodules).

use super::drop::*;
use super::*;
use crate::problem::Problem;
use crate::rng::Random;
use crate::support::Batch;

fn drop_with(rounds0: f64, pruning_limit: f64, cap: f64) -> Drop<'static> {
    drop_with_exponent(rounds0, pruning_limit, cap, 1.0)
}

fn drop_with_exponent(rounds0: f64, pruning_limit: f64, cap: f64, exponent: f64) -> Drop<'static> {
    Drop {
        insts: Vec::new(),
        method: Method::Optimal,
        rounds0,
        pruning_limit,
        exponent,
        tolerance: 1e-10,
        max_iterations: 500,
        cap,
        floor: 0.0,
        solves: 0,
    }
}

#[test]
fn rounds_needed_follows_the_formula() {
    assert_eq!(rounds_needed(100.0, 0.5, 0.0, 1.0), 100.0);
    assert_eq!(rounds_needed(100.0, 0.5, 0.25, 1.0), 200.0);
    assert_eq!(rounds_needed(100.5, 0.5, 0.0, 1.0), 101.0);
    assert_eq!(rounds_needed(100.0, f64::INFINITY, 0.4, 1.0), 100.0);
    assert_eq!(rounds_needed(100.0, 0.5, 0.5, 1.0), f64::INFINITY);
    assert_eq!(rounds_needed(100.0, 0.5, 0.7, 1.0), f64::INFINITY);
    // MODEL.md section 13: ceil(R0 / (1 - P / Pmax)^m).
    assert_eq!(rounds_needed(100.0, 0.5, 0.25, 2.0), 400.0);
    assert_eq!(rounds_needed(100.0, 0.5, 0.25, 0.5), 142.0); // 100 sqrt 2 = 141.42
    assert_eq!(rounds_needed(100.0, f64::INFINITY, 0.4, 3.0), 100.0);
    assert_eq!(rounds_needed(100.0, 0.5, 0.5, 3.0), f64::INFINITY);
}

/// With m != 1, P_R = Pmax (1 - (R0 / R)^(1/m)) moved by ulps: it needs R rounds and the
/// next double needs more, over random (R0, Pmax, m, R).
#[test]
fn budget_for_rounds_is_the_largest_budget_for_any_exponent() {
    let mut rng = Random::new(6, 78, 0, 0);
    for _ in 0..1000 {
        let r0 = (1.0 + rng.uniform() * 500.0).floor();
        let pmax = 0.05 + rng.uniform() * 2.0;
        let cap = rng.uniform() * 0.95;
        let m = 0.2 + rng.uniform() * 4.0;
        let d = drop_with_exponent(r0, pmax, cap, m);
        let r_cap = d.rounds(cap);
        let mut previous = -1.0;
        for r in (r0 as u64)..(r0 as u64 + 30) {
            let r = r as f64;
            let p = d.budget_for_rounds(r);
            assert!(p >= 0.0 && p <= cap && d.rounds(p) <= r && p >= previous);
            previous = p;
            if r < r_cap && p > 0.0 {
                assert_eq!(d.rounds(p), r, "r0 {} pmax {} m {} r {}", r0, pmax, m, r);
                assert!(
                    d.rounds(next_up(p)) > r,
                    "r0 {} pmax {} m {} r {}",
                    r0,
                    pmax,
                    m,
                    r
                );
            }
        }
    }
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
        PlanOptions::new(method, policy, rounds0, limit, 1.0, tol, 500.0)
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
    let m = |m: f64| {
        PlanOptions::new(o, s, 10.0, 1.0, m, 0.0, 500.0)
            .unwrap_err()
            .field
    };
    for &bad in [0.0, -1.0, 1e-4, 2e3, f64::NAN, f64::INFINITY].iter() {
        assert_eq!(m(bad), "convergenceExponent");
    }
    assert_eq!(m(2.0), "tolerance");
    assert_eq!(new(10.0, 1.0, 1e-10, Policy::Both, Method::Bcd), "policy");
    assert!(PlanOptions::new(o, Policy::Both, 1.0, f64::INFINITY, 1.0, 1e-10, 500.0).is_ok());
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
    plan(&Batch::of(problems).view(), opts)
}

#[test]
fn realizations_must_share_their_clients() {
    let opts = PlanOptions::new(
        Method::Optimal,
        Policy::Static,
        10.0,
        0.5,
        1.0,
        1e-10,
        500.0,
    )
    .unwrap();
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
    assert_eq!(e.message, "problems[1]: clients[1].maxPruning differs from problems[0]; the realizations of a plan share their clients (K, dataWeight, maxPruning, minPruning)");
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
        1.0,
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
