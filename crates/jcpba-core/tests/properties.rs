//! Properties every method must have (MODEL.md sections 5 and 6), each checked against
//! numbers obtained independently of the solver under test.

use jcpba_core::bandwidth::bandwidth_block;
use jcpba_core::instance::instance;
use jcpba_core::rate::rate;
use jcpba_core::{solve, Method, Problem, Random, Solution, SolveOptions, Status};

mod common;
use common::{grid_golden_min, log_uniform};

/// N0 = -174 dBm/Hz, W/Hz.
const N0: f64 = 3.981_071_705_534_969e-21;

fn opts() -> SolveOptions {
    SolveOptions::default()
}

fn run(p: &Problem, m: Method) -> Solution {
    solve(&p.view(), m, &opts()).unwrap()
}

fn rel(x: f64, y: f64) -> f64 {
    ((x - y) / y).abs()
}

/// x log-uniform in [lo, hi].
/// A random problem over wide ranges: K up to 60; compute times, SNR bandwidths,
/// payloads and bands spanning decades; some clients that may not prune at all.
fn random_problem(i: u32) -> Problem {
    let mut r = Random::new(2024, 9, i, 0);
    let k_count = 1 + (r.uniform() * 60.0) as usize;
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
        ..Problem::default()
    };
    for _ in 0..k_count {
        p.compute_seconds
            .push(c_scale * log_uniform(&mut r, 0.1, 10.0));
        p.tx_power_w.push(log_uniform(&mut r, 0.01, 1.0));
        p.channel_gain.push(log_uniform(&mut r, 1e-16, 1e-8));
        p.data_weight.push(log_uniform(&mut r, 1.0, 1000.0));
        p.max_pruning.push(if r.uniform() < 0.1 {
            0.0
        } else {
            0.95 * r.uniform()
        });
    }
    p
}

fn latency_of(p: &Problem, rho: &[f64], b: &[f64]) -> f64 {
    let mut t: f64 = 0.0;
    for k in 0..rho.len() {
        let a = p.tx_power_w[k] * p.channel_gain[k] / p.noise_psd_w_per_hz;
        t = t.max((1.0 - rho[k]) * (p.compute_seconds[k] + p.payload_bits / rate(a, b[k])));
    }
    t
}

/// The accuracy contract of MODEL.md section 6, recomputed from the returned point.
fn assert_feasible(p: &Problem, s: &Solution, label: &str) {
    let k_count = p.compute_seconds.len();
    assert_eq!(
        (s.pruning.len(), s.bandwidth.len(), s.client_latency.len()),
        (k_count, k_count, k_count)
    );
    let wsum: f64 = p.data_weight.iter().sum();
    let used: f64 = (0..k_count)
        .map(|k| p.data_weight[k] / wsum * s.pruning[k])
        .sum();
    assert!(
        used <= p.pruning_budget + 1e-12,
        "{}: weighted pruning {} > budget {}",
        label,
        used,
        p.pruning_budget
    );
    let band: f64 = s.bandwidth.iter().sum();
    assert!(
        band <= p.bandwidth_hz * (1.0 + 1e-12),
        "{}: sum b {} > B {}",
        label,
        band,
        p.bandwidth_hz
    );
    for k in 0..k_count {
        assert!(
            s.pruning[k] >= 0.0 && s.pruning[k] <= p.max_pruning[k],
            "{}: rho[{}] = {}",
            label,
            k,
            s.pruning[k]
        );
        assert!(
            s.bandwidth[k] > 0.0,
            "{}: b[{}] = {}",
            label,
            k,
            s.bandwidth[k]
        );
    }
    let t = latency_of(p, &s.pruning, &s.bandwidth);
    assert!(
        rel(s.latency, t) <= 1e-15,
        "{}: reported {} recomputed {}",
        label,
        s.latency,
        t
    );
    let max_tau = s.client_latency.iter().cloned().fold(0.0, f64::max);
    assert_eq!(s.latency, max_tau, "{}", label);
}

#[test]
fn a_single_client_gets_the_whole_band_and_prunes_to_the_cap() {
    for &(budget, rmax) in [(0.3, 0.5), (0.5, 0.3), (0.0, 0.4), (0.2, 0.0)].iter() {
        let p = Problem {
            bandwidth_hz: 1e6,
            noise_psd_w_per_hz: 1e-20,
            payload_bits: 6e6,
            pruning_budget: budget,
            compute_seconds: vec![2.0],
            tx_power_w: vec![0.3],
            channel_gain: vec![1e-13], // a = 3 MHz: r(B) = 1e6 log2(4) = 2 Mbit/s
            data_weight: vec![17.0],
            max_pruning: vec![rmax],
            ..Problem::default()
        };
        let rho = f64::min(budget, rmax);
        let want = (1.0 - rho) * (2.0 + 3.0);
        for &m in [
            Method::PruneOnly,
            Method::UniformPrune,
            Method::UniformPruneBandwidth,
            Method::Bcd,
            Method::Optimal,
        ]
        .iter()
        {
            let s = run(&p, m);
            assert!(
                rel(s.latency, want) <= 1e-12,
                "{:?}: {} vs {}",
                m,
                s.latency,
                want
            );
            assert!(rel(s.bandwidth[0], 1e6) <= 1e-12, "{:?}", m);
            assert!((s.pruning[0] - rho).abs() <= 1e-12, "{:?}", m);
        }
        for &m in [Method::Equal, Method::BandwidthOnly].iter() {
            assert!(rel(run(&p, m).latency, 5.0) <= 1e-12);
        }
    }
}

#[test]
fn identical_clients_are_treated_alike() {
    let k_count = 7;
    let p = Problem {
        bandwidth_hz: 7e6,
        noise_psd_w_per_hz: 1e-20,
        payload_bits: 6e6,
        pruning_budget: 0.25,
        compute_seconds: vec![2.0; k_count],
        tx_power_w: vec![0.3; k_count],
        channel_gain: vec![1e-13; k_count],
        data_weight: vec![4.0; k_count],
        max_pruning: vec![0.6; k_count],
        ..Problem::default()
    };
    // B/K = 1 MHz each and rho = budget: T = 0.75 (2 + 3) s.
    for &m in Method::ALL.iter() {
        let s = run(&p, m);
        let rho = match m {
            Method::Equal | Method::BandwidthOnly => 0.0,
            _ => 0.25,
        };
        assert!(
            rel(s.latency, (1.0 - rho) * 5.0) <= 1e-12,
            "{:?}: {}",
            m,
            s.latency
        );
        for k in 0..k_count {
            assert!(rel(s.bandwidth[k], 1e6) <= 1e-12, "{:?}", m);
            assert!((s.pruning[k] - rho).abs() <= 1e-12, "{:?}", m);
        }
    }
}

#[test]
fn with_no_budget_optimal_is_bandwidth_only() {
    for i in 0..40 {
        let mut p = random_problem(i);
        p.pruning_budget = 0.0;
        let opt = run(&p, Method::Optimal);
        let bw = run(&p, Method::BandwidthOnly);
        assert!(
            rel(opt.latency, bw.latency) <= 1e-9,
            "problem {}: {} vs {}",
            i,
            opt.latency,
            bw.latency
        );
        // Pruning within the contract's 1e-12 of the zero budget is allowed.
        assert_feasible(&p, &opt, &format!("problem {}", i));
    }
}

#[test]
fn methods_are_ordered_as_the_model_says_and_every_point_is_feasible() {
    let slack = 1.0 + 1e-9;
    for i in 0..200 {
        let p = random_problem(i);
        let t = |m: Method| {
            let s = run(&p, m);
            assert_feasible(&p, &s, &format!("problem {} {:?}", i, m));
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
            assert!(
                opt <= x * slack,
                "problem {}: optimal {} above {:?}",
                i,
                opt,
                all
            );
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
fn optimal_certifies_its_bracket() {
    for i in 0..200 {
        let p = random_problem(i);
        let s = run(&p, Method::Optimal);
        let (lo, hi) = (s.lower_bound.unwrap(), s.upper_bound.unwrap());
        assert_eq!(hi, s.latency);
        assert_eq!(hi, latency_of(&p, &s.pruning, &s.bandwidth));
        assert!(lo <= hi, "problem {}: [{}, {}]", i, lo, hi);
        assert_eq!(s.status, Status::Converged, "problem {}", i);
        assert!(
            hi - lo <= opts().tolerance * hi,
            "problem {}: [{}, {}]",
            i,
            lo,
            hi
        );
        assert!(s.iterations >= 1 || hi - lo <= opts().tolerance * hi);
    }
}

/// Two clients: the budget binds at the optimum, so rho_2 follows from rho_1, and block B
/// is exact for fixed pruning; a 1-D search over rho_1 then finds T* independently of the
/// Lagrangian machinery of `optimal`.
#[test]
fn optimal_matches_a_one_dimensional_search_on_two_clients() {
    for i in 0..30 {
        let mut r = Random::new(77, 3, i, 0);
        let p = Problem {
            bandwidth_hz: log_uniform(&mut r, 1e5, 1e8),
            noise_psd_w_per_hz: N0,
            payload_bits: log_uniform(&mut r, 1e6, 1e9),
            pruning_budget: 0.05 + 0.5 * r.uniform(),
            compute_seconds: vec![
                log_uniform(&mut r, 0.1, 100.0),
                log_uniform(&mut r, 0.1, 100.0),
            ],
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
        // T is unimodal in rho_1.
        let brute = grid_golden_min(f64::min(m1, budget / w1), latency);
        let opt = run(&p, Method::Optimal).latency;
        assert!(
            opt <= brute * (1.0 + 1e-9),
            "problem {}: optimal {} above search {}",
            i,
            opt,
            brute
        );
        assert!(
            rel(opt, brute) <= 1e-8,
            "problem {}: optimal {} search {}",
            i,
            opt,
            brute
        );
    }
}

#[test]
fn bcd_reports_its_stopping_reason() {
    let p = random_problem(3);
    let capped = SolveOptions {
        tolerance: 1e-10,
        max_iterations: 1,
    };
    let s = solve(&p.view(), Method::Bcd, &capped).unwrap();
    assert_eq!(s.iterations, 1);
    let s = run(&p, Method::Bcd);
    assert_eq!(s.status, Status::Converged);
}

/// Regression: started from a feasible point of a smaller budget (as the plan's search
/// starts it), `optimal` once probed the same T forever. Just above T* the demand's
/// rounding noise (client 4 holds 7,000 times its SNR bandwidth) neither certified that T
/// infeasible nor gave a better feasible point, the state did not change, and the next
/// step was the same T: 500 iterations, bracket open at 7.5e-10.
#[test]
fn optimal_makes_progress_when_a_probe_changes_nothing() {
    use jcpba_core::optimal::optimal;
    let p = Problem {
        bandwidth_hz: 12723250.763994634,
        noise_psd_w_per_hz: 3.981071705534986e-21,
        payload_bits: 65949993.276385106,
        pruning_budget: 0.0013181660884131017,
        compute_seconds: vec![
            0.6704594730236653,
            132.22098919204683,
            104.18952477794802,
            0.12797269532432215,
            0.21193780921245015,
        ],
        tx_power_w: vec![
            0.6489442399752403,
            0.004924591754721859,
            0.7498488108143301,
            0.012181759962921814,
            0.017216213634928663,
        ],
        channel_gain: vec![
            1.8804999548699297e-13,
            1.12436871787843e-13,
            2.519842004624854e-13,
            9.973644975885532e-10,
            4.0354153362777e-16,
        ],
        data_weight: vec![
            191.02551710037267,
            419.7759716085254,
            2082.6442914925933,
            29.88707229823703,
            4.632995090315486,
        ],
        max_pruning: vec![
            0.4672410812859019,
            0.2322863231787317,
            0.03506298010187215,
            0.42946344366737654,
            0.7771592203111461,
        ],
        ..Problem::default()
    };
    let view = p.view();
    let inst = instance(&view);
    // The point `optimal` found at a slightly smaller budget.
    let rho = [0.0, 0.0, 0.0, 0.0, 0.7744643901940464];
    let b = [
        726.5738260918573,
        1819.5755364839063,
        708.78779332961,
        494.8771701556259,
        12719500.949668573,
    ];
    let r = optimal(&inst, &rho, &b, 5908.303010869273, 1e-10, 500);
    assert!(
        r.converged,
        "stalled: {} iterations, bracket [{}, {}]",
        r.iterations, r.lower_bound, r.upper_bound
    );
    assert!(r.iterations < 60, "{} iterations", r.iterations);
    let cold = run(&p, Method::Optimal);
    assert!(rel(r.upper_bound, cold.latency) <= 1e-10);
    assert!(
        r.lower_bound <= cold.upper_bound.unwrap() && cold.lower_bound.unwrap() <= r.upper_bound
    );
}

/// Issue 20 (audit 16): with a tolerance below what doubles certify (1e-17) the bracket
/// stops moving after a few evaluations; `optimal` then stops with `IterationLimit` and
/// the bracket reached instead of running on to the cap (hours at 2^32 - 1).
#[test]
fn optimal_stops_when_rounding_pins_its_bracket() {
    let pinned = SolveOptions {
        tolerance: 1e-17,
        max_iterations: 5000,
    };
    for i in 0..12 {
        let p = random_problem(1000 + i);
        let reference = run(&p, Method::Optimal);
        let s = solve(&p.view(), Method::Optimal, &pinned).unwrap();
        let label = format!("problem {}", i);
        assert_feasible(&p, &s, &label);
        let (lo, hi) = (s.lower_bound.unwrap(), s.upper_bound.unwrap());
        assert!(
            s.status == Status::IterationLimit || hi - lo <= 1e-17 * hi,
            "{}: {:?}",
            label,
            s.status
        );
        assert!(
            s.iterations < 200,
            "{}: {} evaluations",
            label,
            s.iterations
        );
        assert!(
            lo <= hi && hi - lo <= 1e-12 * hi,
            "{}: {}..{}",
            label,
            lo,
            hi
        );
        // Both brackets hold the optimum.
        assert!(
            lo <= reference.upper_bound.unwrap() && reference.lower_bound.unwrap() <= hi,
            "{}",
            label
        );
    }
}
