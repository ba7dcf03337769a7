//! Sweep throughput of the README's default job in the core alone (every method, the
//! default scenario, 8 drops x 64 realizations) on one thread:
//! `cargo run --release -p jcpba-core --example sweep [K]` (default K = 100). With
//! `--features counters` it also reports the rate inverses and stationarity evaluations
//! per client and realization (all methods together). Client-solves per second =
//! K x methods x drops x realizations / seconds, the best of 5 runs.

use jcpba_core::rate::counters;
use jcpba_core::support::default_scenario;
use jcpba_core::{run_units, Method, MonteCarloOptions, UnitSpec};
use std::time::Instant;

/// The native addon's allocator, so that these timings are the addon's: with glibc's
/// default `free`, a loop of solves at K >= 1,000 pays page faults on every call.
#[global_allocator]
static ALLOC: jcpba_reuse::Reuse = jcpba_reuse::Reuse::new();

const DROPS: u32 = 8;
const REALIZATIONS: u32 = 64;
const RUNS: u32 = 5;

fn main() {
    let k: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("K"))
        .unwrap_or(100);
    let params = default_scenario(k, 1);
    let o = MonteCarloOptions {
        methods: Method::ALL.to_vec(),
        trials: REALIZATIONS,
        rounds: 1,
        tolerance: 1e-10,
        max_iterations: 500,
    };
    let blocks = (REALIZATIONS + 15) / 16;
    let specs: Vec<UnitSpec> = (0..DROPS)
        .flat_map(|drop| {
            (0..blocks).map(move |block| UnitSpec {
                grid: 0,
                drop,
                block,
            })
        })
        .collect();
    counters::reset();
    let mut best = f64::INFINITY;
    let mut check = 0.0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let units = run_units(std::slice::from_ref(&params), &specs, &o, 1).unwrap();
        best = best.min(start.elapsed().as_secs_f64());
        check = units.iter().map(|u| u.methods[6].mean).sum::<f64>();
    }
    let solves = (k * Method::ALL.len()) as f64 * (DROPS * REALIZATIONS) as f64;
    println!(
        "K {}: {:.0} client-solves/s on 1 thread (optimal's mean T summed over units: {})",
        k,
        solves / best,
        check
    );
    if counters::ENABLED {
        let c = counters::read();
        let per = (RUNS as usize * k) as f64 * (DROPS * REALIZATIONS) as f64;
        println!(
            "per client and realization, all methods: rate inverses {:.2}, stationarity {:.2}",
            c[0] as f64 / per,
            c[2] as f64 / per
        );
    }
}
