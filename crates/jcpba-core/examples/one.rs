use jcpba_core::scenario::{generate_from_params, ScenarioParams};
use jcpba_core::{solve, Method, SolveOptions};
fn main() {
    let k: usize = std::env::args().nth(1).map(|a| a.parse().unwrap()).unwrap_or(1000);
    let p = ScenarioParams { clients: k, seed: 1, drop: 0, realization: 0, cell_radius_m: 500.0, min_distance_m: 10.0, shadowing_db: 0.0,
        tx_power_w: 10f64.powf((23.0 - 30.0) / 10.0), noise_psd_w_per_hz: 10f64.powf((-174.0 - 30.0) / 10.0), bandwidth_hz: 20e6,
        payload_bits: 4_194_304.0 * 16.0, flops_per_sample: 256.0 * 4.0 * 6.74e9, samples_min: 50.0, samples_max: 150.0,
        throughput_min: 1e13, throughput_max: 5e13, max_pruning: 0.5, budget: 0.3, fixed_seconds: 0.0, prunable_compute_fraction: 1.0, prunable_payload_fraction: 1.0 };
    let prob = generate_from_params(&p).unwrap();
    let m = if std::env::args().nth(2).as_deref() == Some("bcd") { Method::Bcd } else { Method::Optimal };
    let mut r = solve(&prob.view(), m, &SolveOptions::default()).unwrap();
    for _ in 0..std::env::args().nth(3).map(|a| a.parse().unwrap()).unwrap_or(0) { r = solve(&prob.view(), m, &SolveOptions::default()).unwrap(); }
    println!("T {} lb {:?} it {}", r.latency, r.lower_bound, r.iterations);
}
