//! Fixtures shared by the crate's unit tests, its integration tests (tests/) and its
//! examples (examples/), which see only the public API: not part of that API (hidden from
//! the docs; the bindings do not use it).

use crate::devices::DEVICE_COUNT;
use crate::problem::{BatchView, Problem, COLUMN_COUNT};
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

/// Problems laid out as one batch, as the bindings lay them out (docs/CORE_API.md): the
/// scalars, the offsets, and the [`COLUMN_COUNT`] client columns in the order of
/// [`COLUMN_NAMES`](crate::problem::COLUMN_NAMES), an optional column empty when no
/// problem gives it and otherwise its default (0, or +infinity for a cap) where one does not.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub scalars: Vec<f64>,
    pub offsets: Vec<u32>,
    pub columns: [Vec<f64>; COLUMN_COUNT],
}

impl Batch {
    pub fn of(problems: &[Problem]) -> Batch {
        let mut b = Batch {
            offsets: vec![0],
            ..Batch::default()
        };
        let given: Vec<bool> = (0..5)
            .map(|j| {
                problems
                    .iter()
                    .any(|p| !optional_columns(p)[j].0.is_empty())
            })
            .collect();
        for p in problems.iter() {
            b.scalars.extend_from_slice(&[
                p.bandwidth_hz,
                p.noise_psd_w_per_hz,
                p.payload_bits,
                p.pruning_budget,
                p.prunable_compute_fraction,
                p.prunable_payload_fraction,
            ]);
            let required = [
                &p.compute_seconds,
                &p.tx_power_w,
                &p.channel_gain,
                &p.data_weight,
                &p.max_pruning,
            ];
            for (c, v) in b.columns.iter_mut().zip(required.iter()) {
                c.extend_from_slice(v);
            }
            let k_count = p.compute_seconds.len();
            for (j, &(v, default)) in optional_columns(p).iter().enumerate() {
                let c = &mut b.columns[5 + j];
                if given[j] && v.is_empty() {
                    c.resize(c.len() + k_count, default);
                } else {
                    c.extend_from_slice(v);
                }
            }
            b.offsets.push(b.columns[0].len() as u32);
        }
        b
    }

    pub fn view(&self) -> BatchView<'_> {
        let c = &self.columns;
        BatchView::from_columns(
            &self.scalars,
            &self.offsets,
            [
                &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &c[9],
            ],
        )
    }
}

/// A problem's optional columns in [`COLUMN_NAMES`](crate::problem::COLUMN_NAMES) order,
/// each with the value an absent column means.
fn optional_columns(p: &Problem) -> [(&Vec<f64>, f64); 5] {
    [
        (&p.fixed_seconds, 0.0),
        (&p.min_pruning, 0.0),
        (&p.compute_power_w, 0.0),
        (&p.fixed_joules, 0.0),
        (&p.energy_cap_j, f64::INFINITY),
    ]
}
