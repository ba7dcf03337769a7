//! The scenario generator (MODEL.md section 7); mirrors ts/core/scenario.ts. One drop places
//! K clients in a cell and draws their data and compute; one realization draws Rayleigh
//! fading for a drop. Presets (models, datasets, dBm) are resolved to numbers by the
//! TypeScript facade (`resolveScenario`); the core takes only the numbers.

// The numerics mirror ts/ line by line: index loops over the client columns, and negated
// comparisons (`!(x < y)`) wherever NaN must take the same branch as in the reference.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::error::Error;
use crate::problem::{validate, Problem};
use crate::rng::{Random, STREAM_DROP, STREAM_FADING};

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
}

pub fn draw_drop(o: &ScenarioParams) -> DropDraws {
    let k_count = o.clients;
    let mut rng = Random::new(o.seed, STREAM_DROP, o.drop, 0);
    let mut out = DropDraws {
        distance_m: vec![0.0; k_count],
        shadow_db: vec![0.0; k_count],
        samples: vec![0.0; k_count],
        throughput: vec![0.0; k_count],
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
    out
}

/// Rayleigh fading power gains |h|^2 ~ Exp(1) of one realization.
pub fn draw_fading(o: &ScenarioParams) -> Vec<f64> {
    let mut rng = Random::new(o.seed, STREAM_FADING, o.drop, o.realization);
    (0..o.clients).map(|_| -rng.uniform().ln()).collect()
}

/// The drop-level part of a problem, before fading: `channel_gain` holds each client's
/// large-scale path gain (path loss and shadowing, linear). The Monte Carlo loop builds
/// it once per drop and applies each realization's fading to it.
pub fn drop_problem(o: &ScenarioParams) -> Problem {
    let drop = draw_drop(o);
    let k_count = o.clients;
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
        ..Problem::default()
    };
    for k in 0..k_count {
        let loss_db = path_loss_db(drop.distance_m[k]) + drop.shadow_db[k];
        p.channel_gain[k] = 10f64.powf(-loss_db / 10.0);
        p.compute_seconds[k] = (drop.samples[k] * o.flops_per_sample) / drop.throughput[k];
        p.data_weight[k] = drop.samples[k];
    }
    p
}

/// One problem: drop `o.drop`, realization `o.realization` of the scenario. Fails only
/// when the parameters produce an invalid problem (e.g. a non-positive power).
pub fn generate_from_params(o: &ScenarioParams) -> Result<Problem, Error> {
    let mut p = drop_problem(o);
    for (g, h2) in p.channel_gain.iter_mut().zip(draw_fading(o)) {
        *g *= h2;
    }
    validate(&p.view())?;
    Ok(p)
}
