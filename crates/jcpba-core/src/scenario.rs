//! The scenario generator (MODEL.md section 7); mirrors ts/core/scenario.ts. One drop places
//! K clients in a cell and draws their data and compute; one realization draws Rayleigh
//! fading for a drop. Presets (models, datasets, dBm, fleets) are resolved to numbers by
//! the TypeScript facade (`resolveScenario`); the core takes only the numbers and the
//! device catalog (crate::devices), which both cores hold with identical figures.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::devices::{memory_min_pruning, pick_device, DEVICES, DEVICE_COUNT};
use crate::error::Error;
use crate::problem::{validate, Problem};
use crate::rng::{Random, STREAM_DEVICE, STREAM_DROP, STREAM_FADING};

/// Most clients of one generated problem (ts/core/scenario.ts `MAX_CLIENTS`): a unit
/// holds a few vectors of K numbers per thread, so a caller's K cannot exhaust memory
/// (an allocation failure aborts the process, which no binding could report).
pub const MAX_CLIENTS: usize = 1_000_000;

/// A scenario with its presets resolved to numbers (ts/core/scenario.ts `ScenarioParams`).
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioParams {
    /// K.
    pub clients: usize,
    pub seed: u32,
    /// Drop index: client placement, data sizes and compute speeds.
    pub drop: u32,
    /// Realization index: the small-scale fading of the drop.
    pub realization: u32,
    /// m.
    pub cell_radius_m: f64,
    /// m.
    pub min_distance_m: f64,
    /// Log-normal shadowing standard deviation, dB (0: none).
    pub shadowing_db: f64,
    /// W.
    pub tx_power_w: f64,
    /// W/Hz.
    pub noise_psd_w_per_hz: f64,
    /// Hz.
    pub bandwidth_hz: f64,
    /// S, bits.
    pub payload_bits: f64,
    /// FLOPs of one sample's local training: tokens x FLOPs per token x epochs.
    pub flops_per_sample: f64,
    /// Samples per client, uniform integer in [samples_min, samples_max].
    pub samples_min: f64,
    pub samples_max: f64,
    /// Client compute throughput, FLOP/s, uniform in [min, max].
    pub throughput_min: f64,
    pub throughput_max: f64,
    /// rmax for every client.
    pub max_pruning: f64,
    pub budget: f64,
    /// t0, s per round for every client (MODEL.md section 8).
    pub fixed_seconds: f64,
    /// phi_c in [0, 1].
    pub prunable_compute_fraction: f64,
    /// phi_s in [0, 1].
    pub prunable_payload_fraction: f64,
    /// e_k, W: uniform in [min, max] per client (one value when equal); a client's
    /// device sets it instead (MODEL.md sections 11 and 12).
    pub compute_power_min: f64,
    pub compute_power_max: f64,
    /// Ebar, J per round for every client; +infinity: no cap.
    pub energy_cap_j: f64,
    /// Model FLOPs utilization: a device client's throughput is its peak times this.
    pub utilization: f64,
    /// M_model, bytes: what the unpruned fine-tuning needs in memory.
    pub model_memory_bytes: f64,
    /// phi_m in (0, 1]: the share of M_model that pruning removes.
    pub memory_prunable_fraction: f64,
    /// The fleet: one share per catalog entry (crate::devices::DEVICES order); all 0: no
    /// devices, throughputs uniform in [throughput_min, throughput_max] as before.
    pub device_shares: [f64; DEVICE_COUNT],
}

impl ScenarioParams {
    /// True when clients draw devices.
    pub fn has_fleet(&self) -> bool {
        self.device_shares.iter().any(|&s| s > 0.0)
    }
}

/// Path loss of MODEL.md section 7, dB, at distance d metres.
pub fn path_loss_db(d_m: f64) -> f64 {
    128.1 + 37.6 * (d_m / 1000.0).log10()
}

/// The drop-level draws of each client, in stream order.
#[derive(Clone, Debug, PartialEq)]
pub struct DropDraws {
    pub distance_m: Vec<f64>,
    pub shadow_db: Vec<f64>,
    pub samples: Vec<f64>,
    pub throughput: Vec<f64>,
    /// Each client's catalog index (empty: no fleet).
    pub device: Vec<usize>,
    /// Each client's compute power, W (empty: `compute_power_min` for every client).
    pub compute_power_w: Vec<f64>,
}

pub fn draw_drop(o: &ScenarioParams) -> DropDraws {
    let k_count = o.clients;
    let mut rng = Random::new(o.seed, STREAM_DROP, o.drop, 0);
    let mut out = DropDraws {
        distance_m: vec![0.0; k_count],
        shadow_db: vec![0.0; k_count],
        samples: vec![0.0; k_count],
        throughput: vec![0.0; k_count],
        device: Vec::new(),
        compute_power_w: Vec::new(),
    };
    let r0 = o.min_distance_m * o.min_distance_m;
    let r1 = o.cell_radius_m * o.cell_radius_m;
    for k in 0..k_count {
        // Uniform in the annulus area: d^2 uniform in [dmin^2, R^2].
        out.distance_m[k] = (r0 + rng.uniform() * (r1 - r0)).sqrt();
        // Box-Muller; both uniforms are always drawn so the stream does not depend on sigma.
        let u1 = rng.uniform();
        let u2 = rng.uniform();
        out.shadow_db[k] =
            o.shadowing_db * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        out.samples[k] =
            o.samples_min + (rng.uniform() * (o.samples_max - o.samples_min + 1.0)).floor();
        out.throughput[k] =
            o.throughput_min + rng.uniform() * (o.throughput_max - o.throughput_min);
    }
    draw_devices(o, &mut out);
    out
}

/// The device stream (MODEL.md section 12): two uniforms per client, its device and its
/// compute power, drawn only when there is a fleet or a power range. It is a stream of its
/// own, so the drop stream (and every problem without a fleet) is what it always was.
fn draw_devices(o: &ScenarioParams, out: &mut DropDraws) {
    let fleet = o.has_fleet();
    let range = o.compute_power_max > o.compute_power_min;
    if !fleet && !range {
        return;
    }
    let k_count = o.clients;
    let mut rng = Random::new(o.seed, STREAM_DEVICE, o.drop, 0);
    out.compute_power_w = vec![0.0; k_count];
    if fleet {
        out.device = vec![0; k_count];
    }
    for k in 0..k_count {
        let u_device = rng.uniform();
        let u_power = rng.uniform();
        out.compute_power_w[k] =
            o.compute_power_min + u_power * (o.compute_power_max - o.compute_power_min);
        if fleet {
            if let Some(i) = pick_device(&o.device_shares, u_device) {
                out.device[k] = i;
                out.throughput[k] = DEVICES[i].peak_flops * o.utilization;
                out.compute_power_w[k] = DEVICES[i].power_w;
            }
        }
    }
}

/// Rayleigh fading power gains |h|^2 ~ Exp(1) of one realization.
pub fn draw_fading(o: &ScenarioParams) -> Vec<f64> {
    let mut rng = Random::new(o.seed, STREAM_FADING, o.drop, o.realization);
    (0..o.clients).map(|_| -rng.uniform().ln()).collect()
}

/// The drop-level part of a problem, before fading: `channel_gain` holds each client's
/// large-scale path gain (path loss and shadowing, linear). The Monte Carlo loop builds
/// it once per drop and applies each realization's fading to it. Clients whose device
/// cannot hold the fine-tuning even at rmax are left out (see [`DropProblem`]).
pub fn drop_problem(o: &ScenarioParams) -> Result<DropProblem, Error> {
    problem_from_draws(o, &draw_drop(o))
}

/// A drop's problem before fading, and which of the drawn clients take part.
#[derive(Clone, Debug, PartialEq)]
pub struct DropProblem {
    pub problem: Problem,
    /// The drawn clients that take part, ascending (the problem's client k is drawn
    /// client `kept[k]`; fading is drawn for every drawn client).
    pub kept: Vec<usize>,
    /// Drawn clients whose least pruning exceeds rmax (MODEL.md section 12).
    pub excluded: usize,
}

/// ts/core/scenario.ts `problemFromDraws` before fading.
pub fn problem_from_draws(o: &ScenarioParams, drop: &DropDraws) -> Result<DropProblem, Error> {
    let drawn = drop.distance_m.len();
    let fleet = !drop.device.is_empty();
    let mut kept = Vec::with_capacity(drawn);
    let mut rmin = Vec::new();
    for k in 0..drawn {
        if fleet {
            let m = DEVICES[drop.device[k]].memory_bytes;
            let r = memory_min_pruning(o.model_memory_bytes, m, o.memory_prunable_fraction);
            if r > o.max_pruning {
                continue;
            }
            rmin.push(r);
        }
        kept.push(k);
    }
    if kept.is_empty() {
        return Err(every_client_excluded(o, drop));
    }
    let k_count = kept.len();
    let mut p = Problem {
        bandwidth_hz: o.bandwidth_hz,
        noise_psd_w_per_hz: o.noise_psd_w_per_hz,
        payload_bits: o.payload_bits,
        pruning_budget: o.budget,
        compute_seconds: vec![0.0; k_count],
        tx_power_w: vec![o.tx_power_w; k_count],
        channel_gain: vec![0.0; k_count],
        data_weight: vec![0.0; k_count],
        max_pruning: vec![o.max_pruning; k_count],
        // No column when there is no fixed time, as ts/core/scenario.ts.
        fixed_seconds: if o.fixed_seconds == 0.0 {
            Vec::new()
        } else {
            vec![o.fixed_seconds; k_count]
        },
        prunable_compute_fraction: o.prunable_compute_fraction,
        prunable_payload_fraction: o.prunable_payload_fraction,
        min_pruning: rmin,
        compute_power_w: if drop.compute_power_w.is_empty() {
            if o.compute_power_min == 0.0 {
                Vec::new()
            } else {
                vec![o.compute_power_min; k_count]
            }
        } else {
            kept.iter().map(|&k| drop.compute_power_w[k]).collect()
        },
        energy_cap_j: if o.energy_cap_j.is_finite() {
            vec![o.energy_cap_j; k_count]
        } else {
            Vec::new()
        },
        ..Problem::default()
    };
    for (j, &k) in kept.iter().enumerate() {
        let loss_db = path_loss_db(drop.distance_m[k]) + drop.shadow_db[k];
        p.channel_gain[j] = 10f64.powf(-loss_db / 10.0);
        p.compute_seconds[j] = (drop.samples[k] * o.flops_per_sample) / drop.throughput[k];
        p.data_weight[j] = drop.samples[k];
    }
    Ok(DropProblem {
        problem: p,
        excluded: drawn - k_count,
        kept,
    })
}

/// ts/core/scenario.ts `everyClientExcluded`: names the devices drawn, in catalog order.
fn every_client_excluded(o: &ScenarioParams, drop: &DropDraws) -> Error {
    let names: Vec<&str> = (0..DEVICE_COUNT)
        .filter(|&i| drop.device.contains(&i))
        .map(|i| DEVICES[i].name)
        .collect();
    Error::invalid_option(
        "devices",
        format!(
            "devices: every client of drop {} was excluded: {} cannot hold the fine-tuning even at maxPruning (its least pruning exceeds rmax)",
            o.drop,
            names.join(", ")
        ),
    )
}

/// One problem: drop `o.drop`, realization `o.realization` of the scenario. Fails only
/// when the parameters produce an invalid problem (e.g. a non-positive power).
pub fn generate_from_params(o: &ScenarioParams) -> Result<Problem, Error> {
    let d = drop_problem(o)?;
    let mut p = d.problem;
    let h2 = draw_fading(o);
    for (g, &k) in p.channel_gain.iter_mut().zip(&d.kept) {
        *g *= h2[k];
    }
    validate(&p.view())?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::tests::scenario;

    #[test]
    fn devices_exclude_and_count_and_an_empty_drop_names_them() {
        let mut o = scenario(30, 5);
        // The 13B fine-tuning (27.87 GB) on 8 GiB boards and 80 GiB GPUs, rmax 0.5.
        o.model_memory_bytes = 27_874_329_600.0;
        o.device_shares = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        let draws = draw_drop(&o);
        let boards = draws.device.iter().filter(|&&i| i == 0).count();
        assert!(boards > 5 && boards < 25, "{}", boards);
        let d = drop_problem(&o).unwrap();
        assert_eq!(d.excluded, boards);
        assert_eq!(d.problem.compute_seconds.len(), 30 - boards);
        for (j, &k) in d.kept.iter().enumerate() {
            assert_eq!(draws.device[k], 6);
            assert_eq!(d.problem.min_pruning[j], 0.0);
            assert_eq!(d.problem.compute_power_w[j], 400.0);
            let c = draws.samples[k] * o.flops_per_sample / (312e12 * o.utilization);
            assert_eq!(d.problem.compute_seconds[j], c);
        }
        o.device_shares = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let e = drop_problem(&o).unwrap_err();
        assert_eq!(e.field, "devices");
        assert_eq!(
            e.message,
            "devices: every client of drop 0 was excluded: orin-nano-8gb, a17-pro cannot hold the fine-tuning even at maxPruning (its least pruning exceeds rmax)"
        );
        // A larger rmax keeps them, each with its least pruning.
        o.max_pruning = 0.7;
        let d = drop_problem(&o).unwrap();
        assert_eq!(d.excluded, 0);
        assert!(d
            .problem
            .min_pruning
            .iter()
            .all(|&r| (r - 0.691_833_500_024_337_9).abs() < 1e-12));
    }
}
