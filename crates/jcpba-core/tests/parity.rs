//! Cross-backend parity: the Rust core against numbers the TypeScript reference wrote
//! (scripts/parity-vectors.mjs). MODEL.md section 6: every method agrees on T within
//! relative 1e-9; section 7: the uniforms are bit-identical, derived quantities agree
//! up to rounding.

use jcpba_core::rng::Random;
use jcpba_core::scenario::{generate_from_params, ScenarioParams};
use jcpba_core::{solve, Method, Problem, SolveOptions};

pub struct ParityProblem {
    pub name: &'static str,
    pub bandwidth_hz: f64,
    pub noise_psd_w_per_hz: f64,
    pub payload_bits: f64,
    pub pruning_budget: f64,
    pub compute_seconds: &'static [f64],
    pub tx_power_w: &'static [f64],
    pub channel_gain: &'static [f64],
    pub data_weight: &'static [f64],
    pub max_pruning: &'static [f64],
    pub fixed_seconds: &'static [f64],
    pub prunable_compute_fraction: f64,
    pub prunable_payload_fraction: f64,
    /// The reference's T for each method, in `METHOD_IDS` order.
    pub latency: [f64; 7],
    /// The reference's certified lower bound from `optimal`.
    pub lower_bound: f64,
}

pub struct RngVector {
    pub seed: u32,
    pub stream: u32,
    pub drop: u32,
    pub realization: u32,
    pub uniform_bits: [u64; 8],
}

pub struct GenerateVector {
    pub params: ScenarioParams,
    pub bandwidth_hz: f64,
    pub noise_psd_w_per_hz: f64,
    pub payload_bits: f64,
    pub pruning_budget: f64,
    pub compute_seconds: &'static [f64],
    pub tx_power_w: &'static [f64],
    pub channel_gain: &'static [f64],
    pub data_weight: &'static [f64],
    pub max_pruning: &'static [f64],
    pub fixed_seconds: &'static [f64],
    pub prunable_compute_fraction: f64,
    pub prunable_payload_fraction: f64,
    pub min_pruning: &'static [f64],
    pub compute_power_w: &'static [f64],
    pub energy_cap_j: &'static [f64],
    /// Clients drawn but excluded (their device cannot hold the model, MODEL.md section 12).
    pub excluded: usize,
}

mod data {
    use super::*;
    include!("data/parity_data.rs");
}

/// MODEL.md section 6.
const AGREEMENT: f64 = 1e-9;
/// Generator outputs pass through ln, cos, log10 and pow, which libm and V8 may round
/// differently in the last place; a few ulps compound.
const ROUNDING: f64 = 1e-13;

fn rel(x: f64, y: f64) -> f64 {
    if x == y {
        0.0
    } else {
        ((x - y) / y).abs()
    }
}

#[test]
fn every_method_matches_the_reference_latency() {
    assert_eq!(data::METHOD_IDS.len(), Method::ALL.len());
    let options = SolveOptions {
        tolerance: 1e-10,
        max_iterations: 500,
    };
    let mut worst = vec![(0.0, ""); Method::ALL.len()];
    let mut failures = Vec::new();
    for case in data::PROBLEMS.iter() {
        let p = Problem {
            bandwidth_hz: case.bandwidth_hz,
            noise_psd_w_per_hz: case.noise_psd_w_per_hz,
            payload_bits: case.payload_bits,
            pruning_budget: case.pruning_budget,
            compute_seconds: case.compute_seconds.to_vec(),
            tx_power_w: case.tx_power_w.to_vec(),
            channel_gain: case.channel_gain.to_vec(),
            data_weight: case.data_weight.to_vec(),
            max_pruning: case.max_pruning.to_vec(),
            fixed_seconds: case.fixed_seconds.to_vec(),
            prunable_compute_fraction: case.prunable_compute_fraction,
            prunable_payload_fraction: case.prunable_payload_fraction,
            ..Problem::default()
        };
        for (i, id) in data::METHOD_IDS.iter().enumerate() {
            let m = Method::from_id(id).unwrap();
            let s = solve(&p.view(), m, &options).unwrap();
            let r = rel(s.latency, case.latency[i]);
            if r > worst[i].0 {
                worst[i] = (r, case.name);
            }
            if r > AGREEMENT || r.is_nan() {
                failures.push(format!(
                    "{} {}: rust {} ts {} (rel {:e})",
                    case.name, id, s.latency, case.latency[i], r
                ));
            }
            if m == Method::Optimal {
                let lo = s.lower_bound.unwrap();
                let r = rel(lo, case.lower_bound);
                if r > AGREEMENT || r.is_nan() {
                    failures.push(format!(
                        "{} lower bound: rust {} ts {}",
                        case.name, lo, case.lower_bound
                    ));
                }
            }
        }
    }
    for (i, id) in data::METHOD_IDS.iter().enumerate() {
        println!(
            "{:<24} worst relative difference {:e} ({})",
            id, worst[i].0, worst[i].1
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn uniforms_are_bit_identical_to_the_reference() {
    for v in data::RNG_VECTORS.iter() {
        let mut r = Random::new(v.seed, v.stream, v.drop, v.realization);
        for (i, &want) in v.uniform_bits.iter().enumerate() {
            let got = r.uniform().to_bits();
            assert_eq!(
                got, want,
                "seed {} stream {} drop {} realization {}: uniform {} is {:#018x}, reference {:#018x}",
                v.seed, v.stream, v.drop, v.realization, i, got, want
            );
        }
    }
}

#[test]
fn the_generator_matches_the_reference() {
    for v in data::generate_vectors() {
        let p = generate_from_params(&v.params).unwrap();
        assert_eq!(p.bandwidth_hz, v.bandwidth_hz);
        assert_eq!(p.noise_psd_w_per_hz, v.noise_psd_w_per_hz);
        assert_eq!(p.payload_bits, v.payload_bits);
        assert_eq!(p.pruning_budget, v.pruning_budget);
        assert_eq!(p.tx_power_w, v.tx_power_w);
        assert_eq!(p.max_pruning, v.max_pruning);
        assert_eq!(p.fixed_seconds, v.fixed_seconds);
        assert_eq!(
            (p.prunable_compute_fraction, p.prunable_payload_fraction),
            (v.prunable_compute_fraction, v.prunable_payload_fraction)
        );
        // Sample counts come from uniforms by exact arithmetic and floor.
        assert_eq!(p.data_weight, v.data_weight);
        // The device stream: devices, powers and the memory rule by exact arithmetic.
        assert_eq!(p.min_pruning, v.min_pruning);
        assert_eq!(p.compute_power_w, v.compute_power_w);
        assert_eq!(p.energy_cap_j, v.energy_cap_j);
        assert_eq!(
            v.params.clients - p.compute_seconds.len(),
            v.excluded,
            "excluded clients"
        );
        let columns = [
            ("computeSeconds", &p.compute_seconds, v.compute_seconds),
            ("channelGain", &p.channel_gain, v.channel_gain),
        ];
        for &(name, got, want) in columns.iter() {
            assert_eq!(got.len(), want.len());
            for k in 0..want.len() {
                assert!(
                    rel(got[k], want[k]) <= ROUNDING,
                    "{}[{}]: rust {} ts {}",
                    name,
                    k,
                    got[k],
                    want[k]
                );
            }
        }
    }
}
