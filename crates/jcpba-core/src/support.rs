//! Fixtures shared by the crate's unit tests, its integration tests (tests/) and its
//! examples (examples/), which see only the public API: not part of that API (hidden from
//! the docs; the bindings do not use it).

use crate::devices::DEVICE_COUNT;
use crate::scenario::ScenarioParams;

/// ts/core/scenario.ts `resolveScenario({ clients, seed })` with the default presets
/// (llama2-7b-lora on gsm8k, 23 dBm, -174 dBm/Hz, 20 MHz, no fleet): drop 0, realization
/// 0. A caller that wants another field sets it with `..default_scenario(k, seed)`.
pub fn default_scenario(clients: usize, seed: u32) -> ScenarioParams {
    let dbm = |x: f64| 10f64.powf((x - 30.0) / 10.0);
    ScenarioParams {
        clients,
        seed,
        drop: 0,
        realization: 0,
        cell_radius_m: 500.0,
        min_distance_m: 10.0,
        shadowing_db: 0.0,
        tx_power_w: dbm(23.0),
        noise_psd_w_per_hz: dbm(-174.0),
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
        device_shares: [0.0; DEVICE_COUNT],
    }
}
