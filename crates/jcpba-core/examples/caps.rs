//! The cost of energy caps in `optimal` (MODEL.md 11.2): at K clients (default 1,000) on
//! the generator's default scenario with a 30 W accelerator per client, every client that
//! spends less at `uniform-prune-bandwidth`'s point than at the uncapped optimum capped
//! halfway between the two (so the cap binds there and a point exists; the others
//! uncapped); the CPU time of the capped solve against the uncapped one, solved
//! alternately, per seed and overall:
//! `cargo run --release -p jcpba-core --example caps [K]`. The ratio is not set by the
//! clients whose cap binds: a cap that binds only at full pruning still moves the box end
//! there, so more clients are interior at each price (seed 2: 3 caps bind, 25 % more
//! interior client-solves, CPU ratio about 1.6). `npm run bench -- --parts caps` has the
//! same figure through the bindings (with the generator's default 200 W). PROFILE=1 (or
//! PROFILE=uncapped) runs only capped (uncapped) solves of seed PROFILE_SEED, for a profiler.

use jcpba_core::energy::client_energy;
use jcpba_core::instance::instance;
use jcpba_core::scenario::generate_from_params;
use jcpba_core::support::default_scenario;
use jcpba_core::{solve, Method, Problem, SolveOptions, Status};
use std::time::Instant;

mod common;
use common::cpu_seconds;

/// The capped problem of the module comment.
fn capped(p: &Problem, opts: &SolveOptions) -> Problem {
    let mut p = p.clone();
    let k_count = p.compute_seconds.len();
    p.compute_power_w = vec![30.0; k_count];
    let free = solve(&p.view(), Method::Optimal, opts).unwrap();
    let start = solve(&p.view(), Method::UniformPruneBandwidth, opts).unwrap();
    let view = p.view();
    let inst = instance(&view);
    let caps: Vec<f64> = (0..k_count)
        .map(|k| {
            let e = client_energy(&inst, k, free.pruning[k], free.bandwidth[k]);
            let f = client_energy(&inst, k, start.pruning[k], start.bandwidth[k]);
            if f < e {
                f + 0.5 * (e - f)
            } else {
                f64::INFINITY
            }
        })
        .collect();
    p.energy_cap_j = caps;
    p
}

fn main() {
    let k_count: usize = std::env::args().nth(1).map_or(1000, |s| s.parse().unwrap());
    let opts = SolveOptions::default();
    let origin = Instant::now();
    let (mut free_cpu, mut capped_cpu) = (0.0, 0.0);
    let rounds = 20;
    for seed in 1..=5 {
        let base = generate_from_params(&default_scenario(k_count, seed)).unwrap();
        let mut free = base.clone();
        free.compute_power_w = vec![30.0; k_count];
        let cap = capped(&base, &opts);
        let s = solve(&cap.view(), Method::Optimal, &opts).unwrap();
        assert_eq!(s.status, Status::Converged);
        let view = cap.view();
        let inst = instance(&view);
        let binding = (0..k_count)
            .filter(|&k| cap.energy_cap_j[k] < f64::INFINITY)
            .filter(|&k| {
                client_energy(&inst, k, s.pruning[k], s.bandwidth[k])
                    >= cap.energy_cap_j[k] * (1.0 - 1e-9)
            })
            .count();
        let f = solve(&free.view(), Method::Optimal, &opts).unwrap();
        // PROFILE=1: only capped solves, for a profiler (PROFILE=uncapped: only uncapped ones).
        // PROFILE_SEED=n: profile seed n (default the first).
        let wanted = std::env::var("PROFILE_SEED").map_or(1, |s| s.parse().unwrap());
        if let (Ok(which), true) = (std::env::var("PROFILE"), seed == wanted) {
            let p = if which == "uncapped" { &free } else { &cap };
            for _ in 0..400 {
                solve(&p.view(), Method::Optimal, &opts).unwrap();
            }
            return;
        }
        let (mut seed_free, mut seed_capped) = (0.0, 0.0);
        for _ in 0..rounds {
            let t0 = cpu_seconds(&origin);
            solve(&free.view(), Method::Optimal, &opts).unwrap();
            let t1 = cpu_seconds(&origin);
            solve(&cap.view(), Method::Optimal, &opts).unwrap();
            let t2 = cpu_seconds(&origin);
            seed_free += t1 - t0;
            seed_capped += t2 - t1;
        }
        free_cpu += seed_free;
        capped_cpu += seed_capped;
        println!(
            "seed {}: caps bind on {} of {} clients; T {:.6} s capped, {:.6} s uncapped; iterations {} vs {}; CPU ratio {:.2}",
            seed,
            binding,
            k_count,
            s.latency,
            f.latency,
            s.iterations,
            f.iterations,
            seed_capped / seed_free
        );
    }
    let n = (5 * rounds) as f64;
    println!(
        "optimal K={}: uncapped {:.3} ms, capped {:.3} ms CPU per solve; ratio {:.2}",
        k_count,
        1e3 * free_cpu / n,
        1e3 * capped_cpu / n,
        capped_cpu / free_cpu
    );
}
