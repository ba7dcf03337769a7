//! Round model v2 (MODEL.md section 8) in the Rust core: fixed time t0_k and the prunable
//! fractions phi_c, phi_s, checked against numbers obtained independently of the solver.

use jcpba_core::bandwidth::bandwidth_block;
use jcpba_core::instance::instance;
use jcpba_core::rate::rate;
use jcpba_core::{solve, Method, Problem, Random, Solution, SolveOptions, Status};

mod common;
use common::{fraction, grid_golden_min, log_uniform};

/// N0 = -174 dBm/Hz, W/Hz.
const N0: f64 = 3.981_071_705_534_969e-21;

fn run(p: &Problem, m: Method) -> Solution {
    solve(&p.view(), m, &SolveOptions::default()).unwrap()
}

fn rel(x: f64, y: f64) -> f64 {
    ((x - y) / y).abs()
}

/// A random v2 problem over wide ranges: fixed times none or up to 10 c_k, fractions
/// 0, 1 or between.
fn random_problem(i: u32) -> Problem {
    let mut r = Random::new(2025, 10, i, 0);
    let k_count = 1 + (r.uniform() * 40.0) as usize;
    let c_scale = log_uniform(&mut r, 1e-3, 1e3);
    let mut p = Problem {
        bandwidth_hz: log_uniform(&mut r, 1e5, 1e8),
        noise_psd_w_per_hz: N0,
        payload_bits: log_uniform(&mut r, 1e5, 1e10),
        pruning_budget: if r.uniform() < 0.1 {
            0.0
        } else {
            0.9 * r.uniform()
        },
        prunable_compute_fraction: fraction(&mut r),
        prunable_payload_fraction: fraction(&mut r),
        ..Problem::default()
    };
    let with_fixed = r.uniform() < 0.75;
    for _ in 0..k_count {
        let c = c_scale * log_uniform(&mut r, 0.1, 10.0);
        p.compute_seconds.push(c);
        p.tx_power_w.push(log_uniform(&mut r, 0.01, 1.0));
        p.channel_gain.push(log_uniform(&mut r, 1e-16, 1e-8));
        p.data_weight.push(log_uniform(&mut r, 1.0, 1000.0));
        p.max_pruning.push(if r.uniform() < 0.1 {
            0.0
        } else {
            0.95 * r.uniform()
        });
        if with_fixed {
            let t0 = if r.uniform() < 0.2 {
                0.0
            } else {
                10.0 * r.uniform() * c
            };
            p.fixed_seconds.push(t0);
        }
    }
    p
}

/// tau_k written out plainly: t0 + c (1 - phi_c rho) + S (1 - phi_s rho) / r(b).
fn tau(p: &Problem, k: usize, rho: f64, b: f64) -> f64 {
    let a = p.tx_power_w[k] * p.channel_gain[k] / p.noise_psd_w_per_hz;
    let t0 = if p.fixed_seconds.is_empty() {
        0.0
    } else {
        p.fixed_seconds[k]
    };
    t0 + p.compute_seconds[k] * (1.0 - p.prunable_compute_fraction * rho)
        + p.payload_bits * (1.0 - p.prunable_payload_fraction * rho) / rate(a, b)
}

/// MODEL.md section 6 on the returned point, with the v2 latency.
fn assert_feasible(p: &Problem, s: &Solution, label: &str) {
    let k_count = p.compute_seconds.len();
    let wsum: f64 = p.data_weight.iter().sum();
    let used: f64 = (0..k_count)
        .map(|k| p.data_weight[k] / wsum * s.pruning[k])
        .sum();
    assert!(
        used <= p.pruning_budget + 1e-12,
        "{}: pruning {} > budget {}",
        label,
        used,
        p.pruning_budget
    );
    let band: f64 = s.bandwidth.iter().sum();
    assert!(
        band <= p.bandwidth_hz * (1.0 + 1e-12),
        "{}: band {}",
        label,
        band
    );
    let mut t: f64 = 0.0;
    for k in 0..k_count {
        assert!(
            s.pruning[k] >= 0.0 && s.pruning[k] <= p.max_pruning[k],
            "{}: rho[{}]",
            label,
            k
        );
        assert!(s.bandwidth[k] > 0.0, "{}: b[{}]", label, k);
        let x = tau(p, k, s.pruning[k], s.bandwidth[k]);
        assert!(
            rel(s.client_latency[k], x) <= 1e-12,
            "{}: tau[{}] {} vs {}",
            label,
            k,
            s.client_latency[k],
            x
        );
        t = t.max(x);
    }
    assert!(
        rel(s.latency, t) <= 1e-12,
        "{}: latency {} vs {}",
        label,
        s.latency,
        t
    );
}

#[test]
fn orderings_feasibility_and_certificate_on_random_v2_problems() {
    let slack = 1.0 + 1e-9;
    for i in 0..200 {
        let p = random_problem(i);
        let t = |m: Method| {
            let s = run(&p, m);
            assert_feasible(&p, &s, &format!("problem {} {:?}", i, m));
            if m == Method::Optimal {
                let (lo, hi) = (s.lower_bound.unwrap(), s.upper_bound.unwrap());
                assert_eq!(s.status, Status::Converged, "problem {}", i);
                assert!(
                    lo <= hi && hi - lo <= 1e-10 * hi,
                    "problem {}: [{}, {}]",
                    i,
                    lo,
                    hi
                );
            }
            s.latency
        };
        let (eq, bw, up, upb, po, bcd, opt) = (
            t(Method::Equal),
            t(Method::BandwidthOnly),
            t(Method::UniformPrune),
            t(Method::UniformPruneBandwidth),
            t(Method::PruneOnly),
            t(Method::Bcd),
            t(Method::Optimal),
        );
        let all = [eq, bw, up, upb, po, bcd, opt];
        for &x in all.iter() {
            assert!(opt <= x * slack, "problem {}: optimal above {:?}", i, all);
        }
        assert!(
            bcd <= po * slack && po <= up * slack && up <= eq * slack,
            "problem {}: {:?}",
            i,
            all
        );
        assert!(
            upb <= bw * slack && bw <= eq * slack,
            "problem {}: {:?}",
            i,
            all
        );
    }
}

#[test]
fn pruning_that_changes_nothing_gives_equal_or_bandwidth_only() {
    for i in 0..60 {
        let mut p = random_problem(1000 + i);
        p.prunable_compute_fraction = 0.0;
        p.prunable_payload_fraction = 0.0;
        let eq = run(&p, Method::Equal).latency;
        let bw = run(&p, Method::BandwidthOnly).latency;
        for &m in [Method::UniformPrune, Method::PruneOnly].iter() {
            assert!(
                rel(run(&p, m).latency, eq) <= 1e-12,
                "problem {} {:?}",
                i,
                m
            );
        }
        for &m in [Method::UniformPruneBandwidth, Method::Bcd, Method::Optimal].iter() {
            let s = run(&p, m);
            assert!(
                rel(s.latency, bw) <= 1e-9,
                "problem {} {:?}: {} vs {}",
                i,
                m,
                s.latency,
                bw
            );
            if m != Method::UniformPruneBandwidth {
                assert!(
                    s.pruning.iter().all(|&x| x == 0.0),
                    "problem {} {:?} prunes",
                    i,
                    m
                );
            }
        }
    }
}

/// Two clients: the budget binds at the optimum, so rho_2 follows from rho_1; block B is
/// exact for fixed pruning, so a 1-D search over rho_1 finds T* without the Lagrangian.
#[test]
fn optimal_matches_a_one_dimensional_search_on_two_v2_clients() {
    for i in 0..30 {
        let mut r = Random::new(78, 3, i, 0);
        let c = [
            log_uniform(&mut r, 0.1, 100.0),
            log_uniform(&mut r, 0.1, 100.0),
        ];
        let p = Problem {
            bandwidth_hz: log_uniform(&mut r, 1e5, 1e8),
            noise_psd_w_per_hz: N0,
            payload_bits: log_uniform(&mut r, 1e6, 1e9),
            pruning_budget: 0.05 + 0.5 * r.uniform(),
            compute_seconds: c.to_vec(),
            tx_power_w: vec![0.2, 0.2],
            channel_gain: vec![
                log_uniform(&mut r, 1e-14, 1e-9),
                log_uniform(&mut r, 1e-14, 1e-9),
            ],
            data_weight: vec![
                log_uniform(&mut r, 1.0, 10.0),
                log_uniform(&mut r, 1.0, 10.0),
            ],
            max_pruning: vec![0.1 + 0.8 * r.uniform(), 0.1 + 0.8 * r.uniform()],
            fixed_seconds: vec![5.0 * r.uniform() * c[0], 5.0 * r.uniform() * c[1]],
            prunable_compute_fraction: 0.1 + 0.9 * r.uniform(),
            prunable_payload_fraction: 0.1 + 0.9 * r.uniform(),
            ..Problem::default()
        };
        let inst = instance(&p.view());
        let (w1, w2) = (inst.w[0], inst.w[1]);
        let (m1, m2) = (p.max_pruning[0], p.max_pruning[1]);
        let budget = p.pruning_budget;
        let mut b = [0.0; 2];
        let latency = |rho1: f64| {
            let rho2 = f64::min(m2, ((budget - w1 * rho1) / w2).max(0.0));
            bandwidth_block(&inst, &[rho1, rho2], &mut b).0
        };
        let brute = grid_golden_min(f64::min(m1, budget / w1), latency);
        let opt = run(&p, Method::Optimal);
        assert_feasible(&p, &opt, &format!("problem {}", i));
        assert!(
            opt.latency <= brute * (1.0 + 1e-9),
            "problem {}: optimal {} above {}",
            i,
            opt.latency,
            brute
        );
        assert!(
            rel(opt.latency, brute) <= 1e-8,
            "problem {}: optimal {} search {}",
            i,
            opt.latency,
            brute
        );
        assert!(
            opt.lower_bound.unwrap() <= brute * (1.0 + 1e-12),
            "problem {}",
            i
        );
    }
}

#[test]
fn fields_of_v2_are_validated_with_the_contract_messages() {
    let mut p = random_problem(7);
    let k_count = p.compute_seconds.len();
    let message = |p: &Problem| jcpba_core::validate(&p.view()).unwrap_err().message;
    p.prunable_compute_fraction = 1.0 + 1e-15;
    assert_eq!(
        message(&p),
        "prunableComputeFraction must be a finite number in [0, 1]"
    );
    p.prunable_compute_fraction = 1.0;
    p.prunable_payload_fraction = f64::NAN;
    assert_eq!(
        message(&p),
        "prunablePayloadFraction must be a finite number in [0, 1]"
    );
    p.prunable_payload_fraction = 0.0;
    p.fixed_seconds = vec![1.0; k_count + 1];
    assert_eq!(
        message(&p),
        format!(
            "clients.fixedSeconds has {} entries but clients.computeSeconds has {}",
            k_count + 1,
            k_count
        )
    );
    p.fixed_seconds = vec![1.0; k_count];
    p.fixed_seconds[k_count - 1] = -1e-300;
    let e = jcpba_core::validate(&p.view()).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "clients[{}].fixedSeconds must be a finite number >= 0",
            k_count - 1
        )
    );
    assert_eq!(
        (e.field, e.client),
        (
            format!("clients[{}].fixedSeconds", k_count - 1),
            Some(k_count - 1)
        )
    );
    p.fixed_seconds.clear();
    assert_eq!(jcpba_core::validate(&p.view()), Ok(()));
}
