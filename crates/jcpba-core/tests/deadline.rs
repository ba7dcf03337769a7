//! Deadline mode (MODEL.md section 9) in the Rust core, against numbers obtained
//! independently: `optimal` (the inverse relation), a brute force on two clients, and the
//! feasibility of every returned point recomputed from the point itself.

// Negated comparisons so that NaN takes the failing branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use jcpba_core::rate::rate;
use jcpba_core::{min_pruning, solve, Method, MinPruning, Problem, Random, SolveOptions, Status};

mod common;
use common::{fraction, grid_golden_min, log_uniform};

const N0: f64 = 3.981_071_705_534_969e-21;

fn opts() -> SolveOptions {
    SolveOptions::default()
}

/// Random problems of round model v2 (every third one of v1), K from 1 to 30. Channels
/// give each client an SNR bandwidth from 1 to 10,000 times its share of the band,
/// and the budget is below the clients' caps, so that `optimal`'s latency is above the
/// least feasible deadline (MODEL.md section 9: near it, and with clients given
/// thousands of times their SNR bandwidth, the least pruning is badly conditioned; the
/// tests of those cases are below).
fn random_problem(i: u32) -> Problem {
    let mut r = Random::new(2026, 11, i, 0);
    let k_count = 1 + (r.uniform() * 30.0) as usize;
    let v2 = i % 3 != 0;
    let mut p = Problem {
        bandwidth_hz: log_uniform(&mut r, 1e5, 1e8),
        noise_psd_w_per_hz: N0,
        payload_bits: log_uniform(&mut r, 1e5, 1e10),
        prunable_compute_fraction: if v2 { fraction(&mut r) } else { 1.0 },
        prunable_payload_fraction: if v2 { fraction(&mut r) } else { 1.0 },
        ..Problem::default()
    };
    let share = p.bandwidth_hz / k_count as f64;
    let c_scale = log_uniform(&mut r, 1e-3, 1e3);
    for _ in 0..k_count {
        let c = c_scale * log_uniform(&mut r, 0.1, 10.0);
        let power = log_uniform(&mut r, 0.01, 1.0);
        let a = share * log_uniform(&mut r, 1.0, 1e4);
        p.compute_seconds.push(c);
        p.tx_power_w.push(power);
        p.channel_gain.push(a * N0 / power);
        p.data_weight.push(log_uniform(&mut r, 1.0, 1000.0));
        p.max_pruning.push(if r.uniform() < 0.1 {
            0.0
        } else {
            0.95 * r.uniform()
        });
        if v2 {
            p.fixed_seconds.push(if r.uniform() < 0.3 {
                0.0
            } else {
                3.0 * r.uniform() * c
            });
        }
    }
    let wsum: f64 = p.data_weight.iter().sum();
    let caps: f64 = (0..k_count)
        .map(|k| p.data_weight[k] / wsum * p.max_pruning[k])
        .sum();
    p.pruning_budget = caps * (0.05 + 0.9 * r.uniform());
    p
}

/// The same with clients as in the Rust property tests: channel gains from 1e-16 to 1e-8
/// whatever the band (SNR bandwidths down to a hundred-thousandth of a client's share).
fn extreme_problem(i: u32) -> Problem {
    let mut r = Random::new(2027, 12, i, 0);
    let mut p = random_problem(i);
    for g in p.channel_gain.iter_mut() {
        *g = log_uniform(&mut r, 1e-16, 1e-8);
    }
    p
}

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

/// Every returned point meets the deadline, the band and the box; its weighted pruning is
/// the upper bound; the certificate brackets it within the tolerance when converged. The
/// one other outcome allowed: the price pinned to rounding before the certificate reached
/// the tolerance (`iteration-limit` before the cap), where the problem's data fix the
/// least pruning only to the rounding noise of the dual: where the frontier is flat (a
/// unit of pruning saves almost no bandwidth, near the least feasible deadline) or a
/// client holds thousands of times its SNR bandwidth (its need is known to a few ulps
/// times that ratio). The bracket is still certified. Returns whether it converged.
fn assert_meets(p: &Problem, r: &MinPruning, label: &str) -> bool {
    let k_count = p.compute_seconds.len();
    assert_ne!(r.status, Status::Infeasible, "{}", label);
    let d = r.deadline;
    let wsum: f64 = p.data_weight.iter().sum();
    let mut used = 0.0;
    let mut band = 0.0;
    let mut t: f64 = 0.0;
    for k in 0..k_count {
        let (rho, b) = (r.pruning[k], r.bandwidth[k]);
        assert!(
            rho >= 0.0 && rho <= p.max_pruning[k],
            "{}: rho[{}] = {}",
            label,
            k,
            rho
        );
        assert!(b > 0.0, "{}: b[{}] = {}", label, k, b);
        let x = tau(p, k, rho, b);
        assert!(
            x <= d * (1.0 + 1e-12),
            "{}: tau[{}] = {} > D = {}",
            label,
            k,
            x,
            d
        );
        used += p.data_weight[k] / wsum * rho;
        band += b;
        t = t.max(x);
    }
    assert!(
        band <= p.bandwidth_hz * (1.0 + 1e-12),
        "{}: band {}",
        label,
        band
    );
    let (lo, hi) = (r.lower_bound.unwrap(), r.upper_bound.unwrap());
    assert_eq!(r.weighted_pruning, Some(hi), "{}", label);
    assert!(
        (used - hi).abs() <= 1e-14,
        "{}: weighted pruning {} vs {}",
        label,
        hi,
        used
    );
    assert!((r.latency.unwrap() - t).abs() <= 1e-12 * t, "{}", label);
    assert!(lo <= hi + 1e-15, "{}: [{}, {}]", label, lo, hi);
    if r.status == Status::Converged {
        assert!(hi - lo <= opts().tolerance, "{}: [{}, {}]", label, lo, hi);
        return true;
    }
    assert_eq!(r.status, Status::IterationLimit, "{}", label);
    assert!(
        r.iterations < opts().max_iterations,
        "{}: {} iterations",
        label,
        r.iterations
    );
    false
}

/// MODEL.md section 9: D -> P*(D) inverts budget -> T*(budget). With D = T*(budget),
/// the least pruning is at most the budget, and `optimal` at that pruning as budget
/// reaches D again (latencies are compared, not budgets: the frontier may be flat).
#[test]
fn the_least_pruning_for_the_optimal_latency_gives_that_latency_back() {
    let mut checked = 0;
    let mut pinned = 0;
    for i in 0..150 {
        let mut p = random_problem(i);
        let opt = solve(&p.view(), Method::Optimal, &opts()).unwrap();
        let d = opt.latency;
        let r = min_pruning(&p.view(), d, &opts()).unwrap();
        if !assert_meets(&p, &r, &format!("problem {}", i)) {
            pinned += 1;
            let width = r.upper_bound.unwrap() - r.lower_bound.unwrap();
            assert!(width <= 1e-3, "problem {}: certificate {}", i, width);
        }
        let least = r.weighted_pruning.unwrap();
        // The certificate holds against optimal's point; the returned point is within the
        // tolerance of the budget when converged.
        assert!(
            r.lower_bound.unwrap() <= p.pruning_budget + 1e-12,
            "problem {}",
            i
        );
        assert!(
            least <= p.pruning_budget + 1e-9 || r.status == Status::IterationLimit,
            "problem {}: {} above the budget {}",
            i,
            least,
            p.pruning_budget
        );
        p.pruning_budget = least.min(1.0 - 1e-16);
        let back = solve(&p.view(), Method::Optimal, &opts()).unwrap().latency;
        assert!(
            ((back - d) / d).abs() <= 1e-8,
            "problem {}: T*(P*(D)) = {} vs D = {}",
            i,
            back,
            d
        );
        checked += 1;
    }
    assert_eq!(checked, 150);
    // The least pruning is badly conditioned where the frontier is flat (MODEL.md section
    // 9): a change of D by a few ulps moves it by more than 1e-10 in many random problems,
    // and the certificate, which holds for every point whose computed latency meets D,
    // stops at that width (still certified, checked above). Generated scenarios converge
    // (test/deadline.test.mjs); this count only guards against a regression.
    println!(
        "{} of 150 certificates stopped at the rounding noise",
        pinned
    );
    assert!(
        pinned <= 60,
        "{} of 150 certificates stopped at the rounding noise",
        pinned
    );
}

/// Q(D) is infeasible exactly below the least feasible deadline, which is `optimal` with
/// the budget constraint removed (every client at its cap).
#[test]
fn infeasible_exactly_below_the_least_feasible_deadline() {
    let mut pinned = 0;
    for i in 0..80 {
        let mut p = random_problem(500 + i);
        let r = min_pruning(&p.view(), 1e-9, &opts()).unwrap();
        assert_eq!(r.status, Status::Infeasible, "problem {}", i);
        assert!(r.pruning.is_empty() && r.weighted_pruning.is_none() && r.lower_bound.is_none());
        let t_min = r.min_deadline.unwrap();
        // Independently: with a budget covering every cap, uniform-prune-bandwidth prunes
        // every client to its cap, and optimal can do no better.
        let wsum: f64 = p.data_weight.iter().sum();
        let caps: f64 = (0..p.max_pruning.len())
            .map(|k| p.data_weight[k] / wsum * p.max_pruning[k])
            .sum();
        p.pruning_budget = caps.min(1.0 - 1e-16);
        let upb = solve(&p.view(), Method::UniformPruneBandwidth, &opts())
            .unwrap()
            .latency;
        let opt = solve(&p.view(), Method::Optimal, &opts()).unwrap().latency;
        assert!(
            ((t_min - upb) / upb).abs() <= 1e-12,
            "problem {}: {} vs {}",
            i,
            t_min,
            upb
        );
        assert!(
            ((t_min - opt) / opt).abs() <= 1e-9,
            "problem {}: {} vs optimal {}",
            i,
            t_min,
            opt
        );
        let below = min_pruning(&p.view(), t_min * (1.0 - 1e-9), &opts()).unwrap();
        assert_eq!(below.status, Status::Infeasible, "problem {}", i);
        assert_eq!(below.min_deadline, Some(t_min));
        for &d in [t_min, t_min * (1.0 + 1e-9)].iter() {
            let at = min_pruning(&p.view(), d, &opts()).unwrap();
            if !assert_meets(&p, &at, &format!("problem {} at D = {}", i, d)) {
                pinned += 1;
            }
            assert!(at.weighted_pruning.unwrap() <= caps + 1e-12);
        }
    }
    // At the least feasible deadline every client is at its cap: the worst conditioning.
    // At the least feasible deadline every client is at its cap: the frontier ends
    // there, often flat, the worst conditioning; no count is asked of these.
    println!(
        "{} of 160 certificates at the least feasible deadline stopped at the rounding noise",
        pinned
    );
}

/// Two clients: for each rho_1 on a grid (then golden section, P is convex in rho_1), the
/// least rho_2 that fits the band, with bandwidth needs by bisection on the rate.
fn brute_force(p: &Problem, d: f64) -> f64 {
    let need = |k: usize, rho: f64| -> f64 {
        let a = p.tx_power_w[k] * p.channel_gain[k] / p.noise_psd_w_per_hz;
        let t0 = if p.fixed_seconds.is_empty() {
            0.0
        } else {
            p.fixed_seconds[k]
        };
        let window = d - t0 - p.compute_seconds[k] * (1.0 - p.prunable_compute_fraction * rho);
        let q = p.payload_bits * (1.0 - p.prunable_payload_fraction * rho) / window;
        if !(window > 0.0) || !(q < a / std::f64::consts::LN_2) {
            return f64::INFINITY;
        }
        let (mut lo, mut hi) = (0.0, 1.0);
        while rate(a, hi) < q {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if rate(a, mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    };
    let wsum = p.data_weight[0] + p.data_weight[1];
    let (w1, w2) = (p.data_weight[0] / wsum, p.data_weight[1] / wsum);
    let total = |rho1: f64| -> f64 {
        let left = p.bandwidth_hz - need(0, rho1);
        if !(left > 0.0) {
            return f64::INFINITY;
        }
        if need(1, 0.0) <= left {
            return w1 * rho1;
        }
        if need(1, p.max_pruning[1]) > left {
            return f64::INFINITY;
        }
        let (mut lo, mut hi) = (0.0, p.max_pruning[1]);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if need(1, mid) <= left {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        w1 * rho1 + w2 * hi
    };
    grid_golden_min(p.max_pruning[0], total)
}

#[test]
fn the_least_pruning_matches_a_brute_force_on_two_clients() {
    let mut binding = 0;
    for i in 0..40 {
        let mut r = Random::new(79, 4, i, 0);
        let c = [
            log_uniform(&mut r, 0.1, 100.0),
            log_uniform(&mut r, 0.1, 100.0),
        ];
        let v2 = i % 2 == 1;
        let p = Problem {
            bandwidth_hz: log_uniform(&mut r, 1e5, 1e8),
            noise_psd_w_per_hz: N0,
            payload_bits: log_uniform(&mut r, 1e6, 1e9),
            pruning_budget: 0.3,
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
            fixed_seconds: if v2 {
                vec![2.0 * r.uniform() * c[0], 2.0 * r.uniform() * c[1]]
            } else {
                vec![]
            },
            prunable_compute_fraction: if v2 { 0.2 + 0.8 * r.uniform() } else { 1.0 },
            prunable_payload_fraction: if v2 { 0.2 + 0.8 * r.uniform() } else { 1.0 },
            ..Problem::default()
        };
        // A deadline between the least feasible one and the unpruned optimum.
        let t_min = min_pruning(&p.view(), 1e-9, &opts())
            .unwrap()
            .min_deadline
            .unwrap();
        let bw = solve(&p.view(), Method::BandwidthOnly, &opts())
            .unwrap()
            .latency;
        let d = t_min + (0.1 + 0.8 * r.uniform()) * (bw - t_min);
        let got = min_pruning(&p.view(), d, &opts()).unwrap();
        assert!(
            assert_meets(&p, &got, &format!("problem {}", i)),
            "problem {}: not converged",
            i
        );
        let want = brute_force(&p, d);
        let least = got.weighted_pruning.unwrap();
        assert!(
            least <= want + 1e-9,
            "problem {}: {} above brute force {}",
            i,
            least,
            want
        );
        assert!(
            least >= want - 1e-7,
            "problem {}: {} far below brute force {}",
            i,
            least,
            want
        );
        assert!(got.lower_bound.unwrap() <= want + 1e-12, "problem {}", i);
        if least > 1e-6 {
            binding += 1;
        }
    }
    assert!(binding >= 30, "only {} deadlines needed pruning", binding);
}

#[test]
fn a_deadline_met_unpruned_needs_no_pruning_and_costs_few_evaluations() {
    let mut total = 0;
    for i in 0..100 {
        let p = random_problem(900 + i);
        let bw = solve(&p.view(), Method::BandwidthOnly, &opts())
            .unwrap()
            .latency;
        let r = min_pruning(&p.view(), bw * (1.0 + 1e-9), &opts()).unwrap();
        assert_meets(&p, &r, &format!("problem {}", i));
        assert_eq!(r.weighted_pruning, Some(0.0), "problem {}", i);
        let opt = solve(&p.view(), Method::Optimal, &opts()).unwrap();
        let r = min_pruning(&p.view(), opt.latency, &opts()).unwrap();
        total += r.iterations;
    }
    // About one price search of optimal per solve.
    assert!(
        total <= 100 * 25,
        "{} price evaluations for 100 solves",
        total
    );
}

/// Extreme channels (a client given up to 1e5 times its SNR bandwidth): the returned
/// points still meet the deadline and the certificate still holds (its lower end is below
/// the budget whose optimal latency is the deadline), though its width may stop at the
/// rounding noise.
#[test]
fn extreme_channels_keep_feasible_points_and_valid_certificates() {
    let mut pinned = 0;
    for i in 0..100 {
        let p = extreme_problem(i);
        let opt = solve(&p.view(), Method::Optimal, &opts()).unwrap();
        let r = min_pruning(&p.view(), opt.latency, &opts()).unwrap();
        if !assert_meets(&p, &r, &format!("problem {}", i)) {
            pinned += 1;
        }
        assert!(
            r.lower_bound.unwrap() <= p.pruning_budget + 1e-12,
            "problem {}",
            i
        );
    }
    println!(
        "{} of 100 certificates with extreme channels stopped at the rounding noise",
        pinned
    );
}

/// Issue 20 (audit 01): a client whose compute (1e-15 s) is below the rounding of the
/// deadline and whose payload cannot be pruned gains no bandwidth from pruning; the dual
/// counted it at its cap, and the lower bound (0.478) passed the upper (0.020) as
/// `Converged`.
#[test]
fn a_client_pruning_cannot_help_never_lifts_the_lower_bound_above_the_least_pruning() {
    for &(tiny, phi_s) in [(1e-15, 0.0), (1e-17, 0.0), (1e-13, 0.0), (1e-15, 1e-9)].iter() {
        let p = Problem {
            bandwidth_hz: 2e7,
            noise_psd_w_per_hz: N0,
            payload_bits: 67_108_864.0,
            pruning_budget: 0.3,
            prunable_payload_fraction: phi_s,
            compute_seconds: vec![20.0, tiny],
            tx_power_w: vec![0.2, 0.2],
            channel_gain: vec![1e-10, 1e-8],
            data_weight: vec![100.0, 2000.0],
            max_pruning: vec![0.5, 0.5],
            ..Problem::default()
        };
        let label = format!("compute {}, phi_s {}", tiny, phi_s);
        let r = min_pruning(&p.view(), 12.0, &opts()).unwrap();
        assert!(assert_meets(&p, &r, &label), "{}: {:?}", label, r.status);
        let want = brute_force(&p, 12.0);
        assert!(
            r.lower_bound.unwrap() <= want + 1e-12,
            "{}: lower bound {:?} above brute force {}",
            label,
            r.lower_bound,
            want
        );
        assert!(
            (r.weighted_pruning.unwrap() - want).abs() <= 1e-7,
            "{}: {:?} vs brute force {}",
            label,
            r.weighted_pruning,
            want
        );
    }
}

/// Issue 20 (audit 02): the loosened deadline D (1 + 64 u) overflowed at the largest
/// doubles, and the unpruned split's scale B / sum did at 1e307: bandwidth +inf, latency
/// NaN, `Converged`.
#[test]
fn a_deadline_up_to_the_largest_double_is_met_unpruned_on_a_finite_split() {
    let mut tiny = random_problem(7);
    tiny.payload_bits = 1.0;
    tiny.bandwidth_hz = 1e12;
    for p in [random_problem(7), tiny].iter() {
        for &d in [1e300, 1e307, 1e308, f64::MAX].iter() {
            let label = format!("D = {}", d);
            let r = min_pruning(&p.view(), d, &opts()).unwrap();
            assert!(assert_meets(p, &r, &label), "{}: {:?}", label, r.status);
            assert_eq!(r.weighted_pruning, Some(0.0), "{}", label);
            let t = r.latency.unwrap();
            assert!(t.is_finite() && t > 0.0, "{}: latency {}", label, t);
            for &b in r.bandwidth.iter() {
                assert!(b.is_finite() && b > 0.0, "{}: bandwidth {}", label, b);
            }
        }
    }
}

/// Issue 20 (audit 03): near full pruning the least rho is known to a few ulps of 1, many
/// ulps of 1 - rho: the point missed the deadline by up to 5e-11 relative at rmax =
/// 0.999999. K = 1 with U = c + S / r(B) = 2 s: tau = 2 (1 - rho), the least deadline is
/// 2 (1 - rmax) and the least pruning 1 - D / 2.
#[test]
fn max_pruning_close_to_one_still_meets_the_deadline() {
    for &rmax in [0.99999, 0.999999, 1.0 - 1e-6].iter() {
        let p = Problem {
            bandwidth_hz: 1.0,
            noise_psd_w_per_hz: 1.0,
            payload_bits: 1.0,
            compute_seconds: vec![1.0],
            tx_power_w: vec![1.0],
            channel_gain: vec![1.0],
            data_weight: vec![1.0],
            max_pruning: vec![rmax],
            ..Problem::default()
        };
        for i in 0..50 {
            let d = 2.0 * (1.0 - rmax) * (1.0 + 0.01 * i as f64);
            let label = format!("rmax {}, D {}", rmax, d);
            let r = min_pruning(&p.view(), d, &opts()).unwrap();
            assert!(assert_meets(&p, &r, &label), "{}: {:?}", label, r.status);
            assert!(
                (r.pruning[0] - (1.0 - d / 2.0)).abs() <= 4.0 * f64::EPSILON,
                "{}: rho {}",
                label,
                r.pruning[0]
            );
        }
    }
}
