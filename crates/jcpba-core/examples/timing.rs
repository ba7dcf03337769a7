//! Times every method (thread CPU time on Linux) on generated scenarios (llama2-7b-lora on gsm8k, the generator's
//! defaults, as `generate({clients: K, seed: s})` for s = 1..5) at several K:
//! `cargo run --release -p jcpba-core --example timing [K...]`. With
//! `--features counters` it also reports the kernel evaluations per client and solve
//! (rate inverses, Newton/Halley steps inside them, client stationarity evaluations).

use jcpba_core::rate::counters;
use jcpba_core::scenario::generate_from_params;
use jcpba_core::support::default_scenario;
use jcpba_core::{solve, Method, SolveOptions};
use std::time::Instant;

mod common;
use common::cpu_seconds;

/// The native addon's allocator, so that these timings are the addon's: with glibc's
/// default `free`, a loop of solves at K >= 1,000 pays page faults on every call.
#[global_allocator]
static ALLOC: jcpba_reuse::Reuse = jcpba_reuse::Reuse::new();

const SEEDS: u32 = 5;

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
            .map(|s| generate_from_params(&default_scenario(k_count, s)).unwrap())
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
    }
}
