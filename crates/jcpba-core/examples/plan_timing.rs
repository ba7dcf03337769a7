//! Times the plan of one drop: `cargo run --release -p jcpba-core --example plan_timing
//! [K N R0 PMAX POLICY METHOD REPEATS]` (defaults 100 64 100 0.5 static optimal 1),
//! realizations 0..N-1 of drop 0 of the default scenario (seed 1); prints the plans and the
//! best wall time.

use jcpba_core::plan::{plan, plans_to_json, PlanOptions, Policy};
use jcpba_core::rate::counters;
use jcpba_core::scenario::{generate_from_params, ScenarioParams};
use jcpba_core::support::{default_scenario, Batch};
use jcpba_core::{Method, Problem};
use std::time::Instant;

/// The native addon's allocator, so that these timings are the addon's.
#[global_allocator]
static ALLOC: jcpba_reuse::Reuse = jcpba_reuse::Reuse::new();

/// Realization `realization` of drop 0 of the default scenario (seed 1).
fn params(clients: usize, realization: u32) -> ScenarioParams {
    ScenarioParams {
        realization,
        ..default_scenario(clients, 1)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let k: usize = get(0, "100").parse().unwrap();
    let n: u32 = get(1, "64").parse().unwrap();
    let r0: f64 = get(2, "100").parse().unwrap();
    let pmax: f64 = get(3, "0.5").parse().unwrap();
    let policy = Policy::from_id(&get(4, "static")).unwrap();
    let method = Method::from_id(&get(5, "optimal")).unwrap();
    let problems: Vec<Problem> = (0..n)
        .map(|r| generate_from_params(&params(k, r)).unwrap())
        .collect();
    let batch = Batch::of(&problems);
    let opts = PlanOptions::new(method, policy, r0, pmax, 1.0, 1e-10, 500.0).unwrap();
    let repeats: usize = get(6, "1").parse().unwrap();
    let mut best = f64::INFINITY;
    let mut plans = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        plans = plan(&batch.view(), &opts).unwrap();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!("{}", plans_to_json(&plans));
    if counters::ENABLED {
        let c = counters::read();
        println!(
            "kernels over all runs: rate inverses {}, Halley steps {}, stationarity {}",
            c[0], c[1], c[2]
        );
    }
    println!("{:.3} s (best of {})", best, repeats);
}
