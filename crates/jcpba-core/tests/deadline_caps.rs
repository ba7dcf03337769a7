//! Deadline mode with energy caps and minimum pruning (MODEL.md sections 9, 11.2 and 12) in
//! the Rust core, against numbers obtained independently: the closed form of one client
//! (the whole band; its least pruning the largest of rmin, the deadline's and the cap's),
//! a brute force over the split of two clients, both sides of every threshold, and the
//! reference relations on random problems (the least pruning at least sum_k w_k rmin_k,
//! every returned point meeting every cap to 1e-12 relative and the deadline, the inverse
//! relation with `optimal`). Also `optimal` on a drop where a capped client's time and cap
//! needs are both infinite at its least pruning (the cap's branch binds there): the point
//! met no cap before the fix.

// Negated comparisons so that NaN takes the failing branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use jcpba_core::{min_pruning, solve, Method, MinPruning, Problem, Random, SolveOptions, Status};

mod common;
use common::log_uniform;

const N0: f64 = 3.981_071_705_534_969e-21;
const LN2: f64 = std::f64::consts::LN_2;

fn opts() -> SolveOptions {
    SolveOptions::default()
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

/// r(b) = b log2(1 + a / b), written out (not the core's rate).
fn rate(a: f64, b: f64) -> f64 {
    b * (a / b).ln_1p() / LN2
}

/// S / r_k(b), the unpruned upload time (S ln2 / a with infinite bandwidth).
fn upload(p: &Problem, k: usize, b: f64) -> f64 {
    if b == f64::INFINITY {
        p.payload_bits * LN2 / snr(p, k)
    } else {
        p.payload_bits / rate(snr(p, k), b)
    }
}

fn tau(p: &Problem, k: usize, rho: f64, b: f64) -> f64 {
    col(&p.fixed_seconds, k, 0.0)
        + p.compute_seconds[k] * (1.0 - p.prunable_compute_fraction * rho)
        + upload(p, k, b) * (1.0 - p.prunable_payload_fraction * rho)
}

fn energy(p: &Problem, k: usize, rho: f64, b: f64) -> f64 {
    col(&p.fixed_joules, k, 0.0)
        + col(&p.compute_power_w, k, 0.0)
            * p.compute_seconds[k]
            * (1.0 - p.prunable_compute_fraction * rho)
        + p.tx_power_w[k] * upload(p, k, b) * (1.0 - p.prunable_payload_fraction * rho)
}

fn cap(p: &Problem, k: usize) -> f64 {
    col(&p.energy_cap_j, k, f64::INFINITY)
}

fn weights(p: &Problem) -> Vec<f64> {
    let wsum: f64 = p.data_weight.iter().sum();
    p.data_weight.iter().map(|w| w / wsum).collect()
}

fn floor_pruning(p: &Problem) -> f64 {
    let w = weights(p);
    (0..w.len()).map(|k| w[k] * col(&p.min_pruning, k, 0.0)).sum()
}

/// Client k's least pruning with b Hz at deadline d: the largest of rmin, the deadline's
/// (tau is affine in rho) and the cap's (so is E); None above rmax.
fn least(p: &Problem, k: usize, d: f64, b: f64) -> Option<f64> {
    let u = upload(p, k, b);
    let (c, pc, ps) = (p.compute_seconds[k], p.prunable_compute_fraction, p.prunable_payload_fraction);
    let mut rho = col(&p.min_pruning, k, 0.0);
    let v = pc * c + ps * u;
    let un = col(&p.fixed_seconds, k, 0.0) + c + u;
    if un > d {
        if !(v > 0.0) {
            return None;
        }
        rho = rho.max((un - d) / v);
    }
    let e_cap = cap(p, k);
    if e_cap < f64::INFINITY {
        let ec = col(&p.compute_power_w, k, 0.0) * c;
        let pu = p.tx_power_w[k] * u;
        let ue = col(&p.fixed_joules, k, 0.0) + ec + pu;
        let ve = pc * ec + ps * pu;
        if ue > e_cap {
            if !(ve > 0.0) {
                return None;
            }
            rho = rho.max((ue - e_cap) / ve);
        }
    }
    if rho <= p.max_pruning[k] {
        Some(rho)
    } else {
        None
    }
}

/// The least bandwidth with which client k meets d and its cap at rmax (bisection on the
/// monotone test); None when B does not suffice.
fn least_band(p: &Problem, k: usize, d: f64) -> Option<f64> {
    let ok = |b: f64| least(p, k, d, b).is_some();
    if !ok(p.bandwidth_hz) {
        return None;
    }
    let (mut lo, mut hi) = (0.0, p.bandwidth_hz);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// The least weighted pruning of two clients at deadline d: golden sections over b_1 on
/// the splits where both can meet d (the objective is convex in b_1); None when none.
fn brute_two(p: &Problem, d: f64) -> Option<f64> {
    let w = weights(p);
    let (lo0, lo1) = (least_band(p, 0, d)?, least_band(p, 1, d)?);
    let b_total = p.bandwidth_hz;
    if lo0 + lo1 > b_total {
        return None;
    }
    let f = |b0: f64| {
        let r0 = least(p, 0, d, b0).unwrap_or(p.max_pruning[0]);
        let r1 = least(p, 1, d, b_total - b0).unwrap_or(p.max_pruning[1]);
        w[0] * r0 + w[1] * r1
    };
    let (mut a, mut b) = (lo0, b_total - lo1);
    let g = 0.381_966_011_250_105_1;
    let mut x1 = a + g * (b - a);
    let mut x2 = b - g * (b - a);
    let (mut f1, mut f2) = (f(x1), f(x2));
    for _ in 0..300 {
        if f1 <= f2 {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = a + g * (b - a);
            f1 = f(x1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = b - g * (b - a);
            f2 = f(x2);
        }
    }
    Some(f1.min(f2).min(f(lo0)).min(f(b_total - lo1)))
}

/// Every returned point: in the box [rmin, rmax], within the band, meeting D and every
/// cap to 1e-12 relative (recomputed here), its weighted pruning the upper bound and at
/// least sum_k w_k rmin_k, the lower bound below it.
fn assert_meets(p: &Problem, r: &MinPruning, label: &str) {
    assert_ne!(r.status, Status::Infeasible, "{}", label);
    assert!(r.infeasible_clients.is_none() && r.min_deadline.is_none(), "{}", label);
    let w = weights(p);
    let d = r.deadline;
    let mut used = 0.0;
    let mut band = 0.0;
    for k in 0..w.len() {
        let (rho, b) = (r.pruning[k], r.bandwidth[k]);
        let rmin = col(&p.min_pruning, k, 0.0);
        assert!(rho >= rmin && rho <= p.max_pruning[k], "{}: rho[{}] = {} outside [{}, {}]", label, k, rho, rmin, p.max_pruning[k]);
        let t = tau(p, k, rho, b);
        assert!(t <= d * (1.0 + 1e-12), "{}: tau[{}] = {} > D = {}", label, k, t, d);
        let e = energy(p, k, rho, b);
        assert!(e <= cap(p, k) * (1.0 + 1e-12), "{}: E[{}] = {} > cap {}", label, k, e, cap(p, k));
        used += w[k] * rho;
        band += b;
    }
    assert!(band <= p.bandwidth_hz * (1.0 + 1e-12), "{}: band {}", label, band);
    let got = r.weighted_pruning.unwrap();
    assert!((got - used).abs() <= 1e-14, "{}: weighted {} vs {}", label, got, used);
    assert_eq!(r.upper_bound, Some(got), "{}", label);
    assert!(got >= floor_pruning(p) - 1e-15, "{}: {} below sum w rmin {}", label, got, floor_pruning(p));
    assert!(r.lower_bound.unwrap() <= got, "{}", label);
    if r.status == Status::Converged {
        assert!(got - r.lower_bound.unwrap() <= 1e-10, "{}: bracket", label);
    }
}

/// One client with caps and minimum pruning (the numbers of a 7B LoRA round on an edge board).
fn one_client() -> Problem {
    Problem {
        bandwidth_hz: 1e6,
        noise_psd_w_per_hz: 1e-20,
        payload_bits: 6e6,
        pruning_budget: 0.0,
        compute_seconds: vec![2.0],
        tx_power_w: vec![0.3],
        channel_gain: vec![1e-13], // a = 3 MHz: r(B) = 2 Mbit/s, S / r = 3 s
        data_weight: vec![1.0],
        max_pruning: vec![0.6],
        fixed_seconds: vec![1.0],
        prunable_compute_fraction: 0.5,
        prunable_payload_fraction: 1.0,
        min_pruning: vec![0.1],
        compute_power_w: vec![20.0],
        fixed_joules: vec![5.0],
        energy_cap_j: vec![f64::INFINITY],
        ..Problem::default()
    }
}

#[test]
fn one_client_prunes_the_largest_of_its_least_pruning_the_deadlines_and_the_caps() {
    let mut p = one_client();
    // tau = 1 + 2 (1 - 0.5 rho) + 3 (1 - rho) = 6 - 4 rho; E = 5 + 40 (1 - 0.5 rho) + 0.9 (1 - rho)
    // = 45.9 - 20.9 rho at the whole band.
    for &(d, e_cap, want) in [
        (7.0, f64::INFINITY, 0.1),   // rmin binds
        (5.0, f64::INFINITY, 0.25),  // the deadline
        (7.0, 45.9 - 20.9 * 0.3, 0.3), // the cap
        (5.0, 45.9 - 20.9 * 0.2, 0.25),  // the deadline above the cap
        (5.0, 45.9 - 20.9 * 0.4, 0.4),   // the cap above the deadline
        (4.0, 45.9 - 20.9 * 0.05, 0.5),  // cap below rmin: rmin and the deadline
    ]
    .iter()
    {
        p.energy_cap_j = vec![e_cap];
        let r = min_pruning(&p.view(), d, &opts()).unwrap();
        let label = format!("D {} cap {}", d, e_cap);
        assert_meets(&p, &r, &label);
        let got = r.weighted_pruning.unwrap();
        assert!((got - want).abs() <= 1e-9, "{}: {} vs {}", label, got, want);
        let closed = least(&p, 0, d, p.bandwidth_hz).unwrap();
        assert!((got - closed).abs() <= 1e-9, "{}: {} vs closed form {}", label, got, closed);
    }
}

#[test]
fn one_client_thresholds_on_both_sides() {
    let mut p = one_client();
    let rmax = 0.6;
    let b_total = p.bandwidth_hz;
    // The deadline: tau(rmax, B) = 6 - 2.4 = 3.6 s is the least feasible one.
    for &(factor, feasible) in [(1.0 + 1e-9, true), (1.0 - 1e-9, false)].iter() {
        let d = tau(&p, 0, rmax, b_total) * factor;
        let r = min_pruning(&p.view(), d, &opts()).unwrap();
        if feasible {
            assert_meets(&p, &r, "above the least deadline");
            assert!((r.weighted_pruning.unwrap() - rmax).abs() <= 1e-6);
        } else {
            assert_eq!(r.status, Status::Infeasible);
            assert!((r.min_deadline.unwrap() - 3.6).abs() <= 1e-12);
            assert_eq!(r.infeasible_clients, None);
        }
    }
    // The cap condition at rmax with infinite bandwidth: below it the client is named.
    let at_inf = energy(&p, 0, rmax, f64::INFINITY);
    p.energy_cap_j = vec![at_inf * (1.0 - 1e-9)];
    let r = min_pruning(&p.view(), 100.0, &opts()).unwrap();
    assert_eq!(r.status, Status::Infeasible);
    assert_eq!((r.min_deadline, r.infeasible_clients.clone()), (None, Some(vec![0])));
    assert!(r.pruning.is_empty() && r.weighted_pruning.is_none() && r.latency.is_none());
    // Above it the cap needs more than B at rmax (its floor at rmax exceeds the band): [].
    p.energy_cap_j = vec![at_inf * (1.0 + 1e-9)];
    let r = min_pruning(&p.view(), 100.0, &opts()).unwrap();
    assert_eq!((r.status, r.min_deadline, r.infeasible_clients.clone()), (Status::Infeasible, None, Some(vec![])));
    // The cap met at rmax with exactly B: on both sides.
    let at_band = energy(&p, 0, rmax, b_total);
    p.energy_cap_j = vec![at_band * (1.0 + 1e-9)];
    let r = min_pruning(&p.view(), 100.0, &opts()).unwrap();
    assert_meets(&p, &r, "cap just above E(rmax, B)");
    assert!((r.weighted_pruning.unwrap() - rmax).abs() <= 1e-6);
    p.energy_cap_j = vec![at_band * (1.0 - 1e-9)];
    let r = min_pruning(&p.view(), 100.0, &opts()).unwrap();
    assert_eq!((r.status, r.min_deadline, r.infeasible_clients.clone()), (Status::Infeasible, None, Some(vec![])));
    // rmin = rmax: the client is fixed there.
    p.energy_cap_j = vec![f64::INFINITY];
    p.min_pruning = vec![rmax];
    let r = min_pruning(&p.view(), 4.0, &opts()).unwrap();
    assert_meets(&p, &r, "rmin = rmax");
    assert_eq!(r.pruning, vec![rmax]);
}

/// Random problems with minimum pruning on about half the clients and caps on about half,
/// each cap from 0.5x to 3x of the client's energy at the equal split and rmin.
fn random_problem(seed: u32, i: u32, k_count: usize) -> Problem {
    let mut r = Random::new(seed, 19, i, 0);
    let mut p = Problem {
        bandwidth_hz: log_uniform(&mut r, 1e6, 1e8),
        noise_psd_w_per_hz: N0,
        payload_bits: log_uniform(&mut r, 1e6, 1e9),
        pruning_budget: 0.0,
        prunable_compute_fraction: if r.uniform() < 0.5 { 1.0 } else { r.uniform() },
        prunable_payload_fraction: if r.uniform() < 0.5 { 1.0 } else { r.uniform() },
        ..Problem::default()
    };
    let share = p.bandwidth_hz / k_count as f64;
    for _ in 0..k_count {
        let power = log_uniform(&mut r, 0.05, 1.0);
        p.compute_seconds.push(log_uniform(&mut r, 0.5, 50.0));
        p.tx_power_w.push(power);
        p.channel_gain.push(share * log_uniform(&mut r, 0.3, 300.0) * N0 / power);
        p.data_weight.push(log_uniform(&mut r, 1.0, 100.0));
        let rmax = 0.3 + 0.6 * r.uniform();
        p.max_pruning.push(rmax);
        p.fixed_seconds.push(if r.uniform() < 0.5 { 0.0 } else { log_uniform(&mut r, 0.01, 5.0) });
        p.min_pruning.push(if r.uniform() < 0.5 { 0.0 } else { 0.5 * rmax * r.uniform() });
        p.compute_power_w.push(log_uniform(&mut r, 1.0, 100.0));
        p.fixed_joules.push(if r.uniform() < 0.5 { 0.0 } else { log_uniform(&mut r, 1.0, 50.0) });
    }
    let equal = p.bandwidth_hz / k_count as f64;
    for k in 0..k_count {
        let e = energy(&p, k, p.min_pruning[k], equal);
        let c = if r.uniform() < 0.5 { e * log_uniform(&mut r, 0.5, 3.0) } else { f64::INFINITY };
        p.energy_cap_j.push(c);
    }
    p
}

/// The deadline a problem's clients meet at the equal split and rmax, times `factor`.
fn deadline_at(p: &Problem, factor: f64) -> f64 {
    let equal = p.bandwidth_hz / p.compute_seconds.len() as f64;
    let worst = (0..p.compute_seconds.len())
        .map(|k| tau(p, k, p.max_pruning[k], equal))
        .fold(0.0, f64::max);
    worst * factor
}

#[test]
fn two_clients_equal_a_brute_force_over_the_split() {
    let (mut feasible, mut infeasible) = (0, 0);
    for i in 0..150 {
        let p = random_problem(7, i, 2);
        let d = deadline_at(&p, log_uniform(&mut Random::new(7, 23, i, 0), 0.7, 2.5));
        let label = format!("problem {} D {}", i, d);
        let r = min_pruning(&p.view(), d, &opts()).unwrap();
        // Skip the splits within a relative 1e-7 of the band: rounding decides them.
        let near = match (least_band(&p, 0, d), least_band(&p, 1, d)) {
            (Some(a), Some(b)) => ((a + b) / p.bandwidth_hz - 1.0).abs() < 1e-7,
            _ => false,
        };
        if near {
            continue;
        }
        match brute_two(&p, d) {
            Some(best) => {
                feasible += 1;
                assert_meets(&p, &r, &label);
                let got = r.weighted_pruning.unwrap();
                assert!(got - best <= 1e-8, "{}: {} above the brute force {}", label, got, best);
                assert!(r.lower_bound.unwrap() <= best + 1e-9, "{}: lower bound {} above {}", label, r.lower_bound.unwrap(), best);
            }
            None => {
                infeasible += 1;
                assert_eq!(r.status, Status::Infeasible, "{}", label);
                // The caps alone: the clients failing the cap condition (at rmax with
                // infinite bandwidth), written out.
                if let Some(list) = r.infeasible_clients.as_ref() {
                    assert_eq!(r.min_deadline, None, "{}", label);
                    let bad: Vec<usize> = (0..2)
                        .filter(|&k| !(energy(&p, k, p.max_pruning[k], f64::INFINITY) < cap(&p, k)))
                        .collect();
                    assert_eq!(list, &bad, "{}", label);
                } else {
                    let t = r.min_deadline.unwrap();
                    assert!(t > d, "{}: min deadline {} <= D", label, t);
                    // That deadline is met at rmax with a split of the band.
                    assert!(brute_two(&p, t * (1.0 + 1e-9)).is_some(), "{}: {} not feasible", label, t);
                }
            }
        }
    }
    assert!(feasible >= 40 && infeasible >= 20, "feasible {} infeasible {}", feasible, infeasible);
}

#[test]
fn random_problems_meet_every_cap_and_the_inverse_relation_with_optimal() {
    let mut checked = 0;
    for i in 0..60 {
        let k_count = 1 + (i as usize * 7) % 30;
        let mut p = random_problem(11, i, k_count);
        let w = weights(&p);
        let top: f64 = (0..k_count).map(|k| w[k] * p.max_pruning[k]).sum();
        let floor = floor_pruning(&p);
        p.pruning_budget = floor + (top - floor) * (0.2 + 0.6 * ((i % 5) as f64) / 4.0);
        let opt = solve(&p.view(), Method::Optimal, &opts()).unwrap();
        if opt.status == Status::Infeasible {
            // Then no deadline is met at that budget; deadline mode may still find one
            // with more pruning, or name the same clients when the caps alone fail.
            let r = min_pruning(&p.view(), 1e9, &opts()).unwrap();
            if !opt.infeasible_clients.is_empty() {
                assert_eq!(r.infeasible_clients.as_ref(), Some(&opt.infeasible_clients), "problem {}", i);
            }
            continue;
        }
        // At D = T*(P) the least pruning is at most P (MODEL.md 9's inverse relation).
        let r = min_pruning(&p.view(), opt.latency, &opts()).unwrap();
        let label = format!("problem {} K {}", i, k_count);
        assert_meets(&p, &r, &label);
        assert!(
            r.weighted_pruning.unwrap() <= p.pruning_budget + 1e-9,
            "{}: {} above the budget {}",
            label,
            r.weighted_pruning.unwrap(),
            p.pruning_budget
        );
        // A looser deadline: still a point, at least sum w rmin.
        let r = min_pruning(&p.view(), 2.0 * opt.latency, &opts()).unwrap();
        assert_meets(&p, &r, &format!("{} 2T*", label));
        checked += 1;
    }
    assert!(checked >= 30, "checked {}", checked);
}

/// A 12-client drop (the facade's generate, seed 5) with 30 W of compute power and caps
/// at 0.8x the energy of `equal` on every third client: at budget 0.1 client 9 cannot
/// meet T* unpruned with any bandwidth, nor its cap, and the cap needs more pruning there.
fn both_infinite() -> Problem {
    Problem {
        bandwidth_hz: 2e7,
        noise_psd_w_per_hz: 3.981071705534986e-21,
        payload_bits: 67108864.0,
        pruning_budget: 0.1,
        compute_seconds: vec![
            23.734037047416862, 26.563390968195893, 19.557399652092176, 16.781584608764422,
            33.044528677283814, 24.657173545444397, 18.606694396944615, 24.31488317857032,
            23.777883857827558, 32.88759895422452, 31.144545283543604, 14.982555120443093,
        ],
        tx_power_w: vec![0.19952623149688797; 12],
        channel_gain: vec![
            1.2145230851021493e-11, 6.079025097663712e-12, 2.545634367429548e-12,
            8.463184566002871e-12, 1.206801083330754e-11, 1.900073688184151e-12,
            7.101729029208807e-12, 8.39364111494814e-12, 7.3836821241268e-10,
            1.2037727306770894e-11, 2.0658763359939837e-11, 2.9769316926010828e-12,
        ],
        data_weight: vec![142.0, 81.0, 89.0, 103.0, 148.0, 134.0, 74.0, 144.0, 127.0, 142.0, 66.0, 95.0],
        max_pruning: vec![0.5; 12],
        prunable_compute_fraction: 1.0,
        prunable_payload_fraction: 1.0,
        compute_power_w: vec![30.0; 12],
        energy_cap_j: vec![
            570.3715575136106, f64::INFINITY, f64::INFINITY, 403.5617135903375, f64::INFINITY,
            f64::INFINITY, 447.39049191417575, f64::INFINITY, f64::INFINITY, 790.0581784758248,
            f64::INFINITY, f64::INFINITY,
        ],
        ..Problem::default()
    }
}

#[test]
fn optimal_meets_a_cap_whose_branch_binds_where_both_needs_are_infinite() {
    // T* from the TypeScript reference (ts/core/optimal.ts), whose point meets every cap.
    for &(budget, reference) in [(0.1, 28.93052182273707), (0.24, 22.325592311602033)].iter() {
        let mut p = both_infinite();
        p.pruning_budget = budget;
        let s = solve(&p.view(), Method::Optimal, &opts()).unwrap();
        assert_eq!(s.status, Status::Converged);
        for k in 0..12 {
            let e = energy(&p, k, s.pruning[k], s.bandwidth[k]);
            assert!(e <= cap(&p, k) * (1.0 + 1e-12), "budget {}: E[{}] = {} > cap {}", budget, k, e, cap(&p, k));
        }
        assert!(((s.latency - reference) / reference).abs() <= 1e-9, "budget {}: T {} vs {}", budget, s.latency, reference);
        // Deadline mode at a looser deadline converges with every cap met.
        let r = min_pruning(&p.view(), 1.1 * s.latency, &opts()).unwrap();
        assert_meets(&p, &r, "both infinite");
        assert_eq!(r.status, Status::Converged);
    }
}
