//! Energy caps (MODEL.md 11.2) and minimum pruning (MODEL.md 12) in every method of the
//! Rust core, checked against numbers obtained independently of the solver: brute force
//! over fine grids on one and two clients, a two-client closed form where the cap's kink
//! is active, the single-client condition on both sides of its threshold, and the
//! invariants of the accuracy contract on every returned point.

use jcpba_core::rate::{rate, rate_inverse, LN2};
use jcpba_core::scenario::{generate_from_params, ScenarioParams};
use jcpba_core::{solve, Method, Problem, Random, Solution, SolveOptions, Status};

const N0: f64 = 3.981_071_705_534_969e-21;

fn run(p: &Problem, m: Method) -> Solution {
    solve(&p.view(), m, &SolveOptions::default()).unwrap()
}

fn col(v: &[f64], k: usize, default: f64) -> f64 {
    if v.is_empty() {
        default
    } else {
        v[k]
    }
}

fn snr(p: &Problem, k: usize) -> f64 {
    p.tx_power_w[k] * p.channel_gain[k] / p.noise_psd_w_per_hz
}

/// tau_k written out plainly: t0 + c (1 - phi_c rho) + S (1 - phi_s rho) / r(b).
fn tau(p: &Problem, k: usize, rho: f64, b: f64) -> f64 {
    col(&p.fixed_seconds, k, 0.0)
        + p.compute_seconds[k] * (1.0 - p.prunable_compute_fraction * rho)
        + p.payload_bits * (1.0 - p.prunable_payload_fraction * rho) / rate(snr(p, k), b)
}

/// E_k written out plainly (MODEL.md 11): E0 + e c (1 - phi_c rho) + p S (1 - phi_s rho) / r(b).
fn energy(p: &Problem, k: usize, rho: f64, b: f64) -> f64 {
    col(&p.fixed_joules, k, 0.0)
        + col(&p.compute_power_w, k, 0.0)
            * p.compute_seconds[k]
            * (1.0 - p.prunable_compute_fraction * rho)
        + p.tx_power_w[k] * p.payload_bits * (1.0 - p.prunable_payload_fraction * rho)
            / rate(snr(p, k), b)
}

fn cap(p: &Problem, k: usize) -> f64 {
    col(&p.energy_cap_j, k, f64::INFINITY)
}

fn weights(p: &Problem) -> Vec<f64> {
    let wsum: f64 = p.data_weight.iter().sum();
    p.data_weight.iter().map(|w| w / wsum).collect()
}

/// MODEL.md 6 and 11.2 on a returned point: the box exactly, the budget and the band to
/// 1e-12, every cap to 1e-12 relative, and the reported latency recomputed.
fn assert_point(p: &Problem, s: &Solution, label: &str) {
    assert_ne!(s.status, Status::Infeasible, "{}: infeasible", label);
    let k_count = p.compute_seconds.len();
    let w = weights(p);
    let used: f64 = (0..k_count).map(|k| w[k] * s.pruning[k]).sum();
    assert!(
        used <= p.pruning_budget * (1.0 + 1e-12) + 1e-15,
        "{}: pruning {} > budget {}",
        label,
        used,
        p.pruning_budget
    );
    let band: f64 = s.bandwidth.iter().sum();
    assert!(band <= p.bandwidth_hz * (1.0 + 1e-12), "{}: band {}", label, band);
    let mut t: f64 = 0.0;
    for k in 0..k_count {
        let (rho, b) = (s.pruning[k], s.bandwidth[k]);
        assert!(
            rho >= col(&p.min_pruning, k, 0.0) && rho <= p.max_pruning[k],
            "{}: rho[{}] = {} outside [{}, {}]",
            label,
            k,
            rho,
            col(&p.min_pruning, k, 0.0),
            p.max_pruning[k]
        );
        assert!(b > 0.0 && b.is_finite(), "{}: b[{}] = {}", label, k, b);
        let e = energy(p, k, rho, b);
        assert!(
            e <= cap(p, k) * (1.0 + 1e-12),
            "{}: client {} spends {} J over its cap {} (rel {:e})",
            label,
            k,
            e,
            cap(p, k),
            e / cap(p, k) - 1.0
        );
        t = t.max(tau(p, k, rho, b));
    }
    assert!(
        ((s.latency - t) / t).abs() <= 1e-12,
        "{}: latency {} recomputes to {}",
        label,
        s.latency,
        t
    );
}

fn scenario(clients: usize, seed: u32) -> Problem {
    let mut p = generate_from_params(&ScenarioParams {
        clients,
        seed,
        drop: 0,
        realization: 0,
        cell_radius_m: 500.0,
        min_distance_m: 10.0,
        shadowing_db: 0.0,
        tx_power_w: 10f64.powf((23.0 - 30.0) / 10.0),
        noise_psd_w_per_hz: 10f64.powf((-174.0 - 30.0) / 10.0),
        bandwidth_hz: 20e6,
        payload_bits: 4_194_304.0 * 16.0,
        flops_per_sample: 256.0 * 4.0 * 6.74e9,
        samples_min: 50.0,
        samples_max: 150.0,
        throughput_min: 1e13,
        throughput_max: 5e13,
        max_pruning: 0.5,
        budget: 0.3,
        fixed_seconds: 0.0,
        prunable_compute_fraction: 1.0,
        prunable_payload_fraction: 1.0,
    })
    .unwrap();
    // A 30 W accelerator on every client.
    p.compute_power_w = vec![30.0; clients];
    p
}

/// Each client's energy at `optimal`'s uncapped point.
fn uncapped_energy(p: &Problem) -> Vec<f64> {
    let mut q = p.clone();
    q.energy_cap_j.clear();
    let s = run(&q, Method::Optimal);
    (0..p.compute_seconds.len())
        .map(|k| energy(p, k, s.pruning[k], s.bandwidth[k]))
        .collect()
}

/// The least energy client k can spend: at rmax with unlimited bandwidth (the
/// single-client condition of MODEL.md 11.2 is `this < cap`).
fn least_energy(p: &Problem, k: usize) -> f64 {
    let rho = p.max_pruning[k];
    col(&p.fixed_joules, k, 0.0)
        + col(&p.compute_power_w, k, 0.0)
            * p.compute_seconds[k]
            * (1.0 - p.prunable_compute_fraction * rho)
        + p.tx_power_w[k] * p.payload_bits * (1.0 - p.prunable_payload_fraction * rho) * LN2
            / snr(p, k)
}

/// Caps a share `f` of the way from each client's least energy to its uncapped one, on
/// the clients `which` picks.
fn caps_between(p: &Problem, f: f64, which: impl Fn(usize) -> bool) -> Vec<f64> {
    let e = uncapped_energy(p);
    (0..p.compute_seconds.len())
        .map(|k| {
            if which(k) {
                let lo = least_energy(p, k);
                lo + f * (e[k] - lo)
            } else {
                f64::INFINITY
            }
        })
        .collect()
}

/// Caps that bind at the uncapped optimum on the clients `which` picks and spend more
/// there than at `feasible`'s point (so that point stays feasible): halfway between the
/// two energies.
fn binding_caps(p: &Problem, feasible: Method, which: impl Fn(usize) -> bool) -> Vec<f64> {
    let e = uncapped_energy(p);
    let f = run(p, feasible);
    (0..p.compute_seconds.len())
        .map(|k| {
            let ef = energy(p, k, f.pruning[k], f.bandwidth[k]);
            if which(k) && ef < e[k] {
                ef + 0.5 * (e[k] - ef)
            } else {
                f64::INFINITY
            }
        })
        .collect()
}

#[test]
fn caps_bind_on_a_third_of_the_clients() {
    let mut p = scenario(60, 5);
    let base = run(&p, Method::Optimal);
    p.energy_cap_j = binding_caps(&p, Method::UniformPruneBandwidth, |k| k % 3 == 0);
    let bound = p.energy_cap_j.iter().filter(|c| c.is_finite()).count();
    println!("{} caps", bound);
    for &m in Method::ALL.iter() {
        let s = run(&p, m);
        if s.status == Status::Infeasible {
            println!("{}: infeasible {:?}", m.id(), s.infeasible_clients);
            continue;
        }
        assert_point(&p, &s, m.id());
        println!("{}: {} (uncapped optimal {})", m.id(), s.latency, base.latency);
    }
    let s = run(&p, Method::Optimal);
    assert_eq!(s.status, Status::Converged);
    assert!(s.latency >= base.latency * (1.0 - 1e-9));
    let (lo, hi) = (s.lower_bound.unwrap(), s.upper_bound.unwrap());
    assert!(hi - lo <= 1e-10 * hi, "bracket [{}, {}]", lo, hi);
}

