//! Times every method (thread CPU time on Linux) on generated scenarios (llama2-7b-lora on gsm8k, the generator's
//! defaults, as `generate({clients: K, seed: s})` for s = 1..5) at several K:
//! `cargo run --release -p jcpba-core --example timing [K...]`. With
//! `--features counters` it also reports the kernel evaluations per client and solve
//! (rate inverses, Newton/Halley steps inside them, client stationarity evaluations).

use jcpba_core::rate::counters;
use jcpba_core::scenario::{generate_from_params, ScenarioParams};
use jcpba_core::{min_pruning, solve, Method, SolveOptions};
use std::time::Instant;

/// The native addon's allocator, so that these timings are the addon's: with glibc's
/// default `free`, a loop of solves at K >= 1,000 pays page faults on every call.
#[global_allocator]
static ALLOC: jcpba_reuse::Reuse = jcpba_reuse::Reuse::new();

/// Seconds this thread has run on a CPU (Linux: CLOCK_THREAD_CPUTIME_ID), so timings on
/// a busy machine leave out the time other processes held the core; wall time elsewhere.
#[cfg(target_os = "linux")]
fn cpu_seconds(_origin: &Instant) -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec (two C longs on x86-64 Linux) to `ts`.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.sec as f64 + ts.nsec as f64 * 1e-9
}

#[cfg(not(target_os = "linux"))]
fn cpu_seconds(origin: &Instant) -> f64 {
    origin.elapsed().as_secs_f64()
}

const SEEDS: u32 = 5;

fn params(clients: usize, seed: u32) -> ScenarioParams {
    ScenarioParams {
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
        compute_power_min: 200.0,
        compute_power_max: 200.0,
        energy_cap_j: f64::INFINITY,
        utilization: 0.3,
        model_memory_bytes: 14_679_570_944.0,
        memory_prunable_fraction: 1.0,
        device_shares: [0.0; jcpba_core::devices::DEVICE_COUNT],
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("K"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![20, 100, 1000]
    } else {
        sizes
    };
    for &k_count in sizes.iter() {
        let problems: Vec<_> = (1..=SEEDS)
            .map(|s| generate_from_params(&params(k_count, s)).unwrap())
            .collect();
        // Repeat small sizes so each timing covers at least ~0.2 s of work.
        let repeats = (200_000 / k_count).clamp(1, 2000);
        for &m in Method::ALL.iter() {
            let mut iterations = 0;
            counters::reset();
            for p in problems.iter() {
                iterations += solve(&p.view(), m, &SolveOptions::default())
                    .unwrap()
                    .iterations;
            }
            let counts = counters::read();
            let origin = Instant::now();
            let start = cpu_seconds(&origin);
            // The latencies are summed (and printed below) so no solve can be optimized away.
            let mut check = 0.0;
            for _ in 0..repeats {
                for p in problems.iter() {
                    check += solve(&p.view(), m, &SolveOptions::default())
                        .unwrap()
                        .latency;
                }
            }
            let ms = (cpu_seconds(&origin) - start) * 1e3 / (repeats as f64 * SEEDS as f64);
            let per = (k_count as f64) * SEEDS as f64;
            let evaluations = if counters::ENABLED {
                format!(
                    "  per client: rate inverses {:.2} (steps {:.2}), stationarity {:.2}",
                    counts[0] as f64 / per,
                    counts[1] as f64 / per,
                    counts[2] as f64 / per
                )
            } else {
                String::new()
            };
            println!(
                "K {:>5} {:<24} {:>9.4} ms/solve  mean T {:>10.4} s  mean iterations {:.1}{}",
                k_count,
                m.id(),
                ms,
                check / (repeats * SEEDS as usize) as f64,
                iterations as f64 / SEEDS as f64,
                evaluations
            );
        }
        // Deadline mode at 1.05 times each problem's optimal latency, as in bench/.
        let deadlines: Vec<f64> = problems
            .iter()
            .map(|p| {
                1.05 * solve(&p.view(), Method::Optimal, &SolveOptions::default())
                    .unwrap()
                    .latency
            })
            .collect();
        let mut iterations = 0;
        counters::reset();
        for (p, &d) in problems.iter().zip(deadlines.iter()) {
            iterations += min_pruning(&p.view(), d, &SolveOptions::default())
                .unwrap()
                .iterations;
        }
        let counts = counters::read();
        let origin = Instant::now();
        let start = cpu_seconds(&origin);
        let mut check = 0.0;
        for _ in 0..repeats {
            for (p, &d) in problems.iter().zip(deadlines.iter()) {
                check += min_pruning(&p.view(), d, &SolveOptions::default())
                    .unwrap()
                    .weighted_pruning
                    .unwrap_or(f64::NAN);
            }
        }
        let ms = (cpu_seconds(&origin) - start) * 1e3 / (repeats as f64 * SEEDS as f64);
        let per = (k_count as f64) * SEEDS as f64;
        let evaluations = if counters::ENABLED {
            format!(
                "  per client: rate inverses {:.2}, stationarity {:.2}",
                counts[0] as f64 / per,
                counts[2] as f64 / per
            )
        } else {
            String::new()
        };
        println!(
            "K {:>5} {:<24} {:>9.4} ms/solve  mean P {:>10.4}    mean iterations {:.1}{}",
            k_count,
            "min-pruning",
            ms,
            check / (repeats * SEEDS as usize) as f64,
            iterations as f64 / SEEDS as f64,
            evaluations
        );
    }
}
