//! Times every method on generated scenarios (llama2-7b-lora on gsm8k, the generator's
//! defaults) at several K: `cargo run --release -p jcpba-core --example timing [K...]`.

use jcpba_core::scenario::{generate_from_params, ScenarioParams};
use jcpba_core::{solve, Method, SolveOptions};
use std::time::Instant;

fn params(clients: usize, drop: u32) -> ScenarioParams {
    ScenarioParams {
        clients,
        seed: 1,
        drop,
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
    let drops = 5;
    for &k_count in sizes.iter() {
        let problems: Vec<_> = (0..drops)
            .map(|d| generate_from_params(&params(k_count, d)).unwrap())
            .collect();
        for &m in Method::ALL.iter() {
            let start = Instant::now();
            let mut iterations = 0;
            let mut latency = 0.0;
            for p in problems.iter() {
                let s = solve(&p.view(), m, &SolveOptions::default()).unwrap();
                iterations += s.iterations;
                latency += s.latency;
            }
            let ms = start.elapsed().as_secs_f64() * 1e3 / drops as f64;
            println!(
                "K {:>5} {:<24} {:>9.3} ms/solve  mean T {:>10.4} s  mean iterations {:.1}",
                k_count,
                m.id(),
                ms,
                latency / drops as f64,
                iterations as f64 / drops as f64
            );
        }
    }
}
