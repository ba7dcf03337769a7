//! The Monte Carlo loop of a sweep (MODEL.md section 7) in units of work; mirrors
//! ts/core/montecarlo.ts `runUnit` step for step, so a unit's summary is the same whichever
//! backend ran it (up to the rounding of the solvers' own arithmetic).
//!
//! A unit is (grid point, drop, block): [`BLOCK_TRIALS`] consecutive trials of one drop.
//! A trial is one fine-tuning run of R rounds; round r of trial t uses realization
//! t R + r. [`run_units`] runs a batch of units, on several threads where there are
//! threads, and returns the summaries in the order of the specs; [`run_units_flat`] is
//! the same behind the flat boundary layout both bindings share.
//!
//! This module holds the loop and the accumulation of the statistics only. Around it,
//! by concern: the summary types and their JSON in `crate::summary`, the flat boundary
//! layout in `crate::flat`, the thread pool in `crate::threads`. Their public names are
//! re-exported here, so every `montecarlo::` path of the single-file version still works.

// The numerics mirror ts/ line by line: index loops over the client columns, and
// negated comparisons so that NaN fails every check.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use std::collections::BTreeMap;

use crate::error::Error;
use crate::instance::instance;
use crate::method::Method;
use crate::methods::solve_instance_after;
use crate::problem::{validate, ProblemView};
use crate::pruning::weighted;
use crate::rng::{Random, STREAM_FADING};
use crate::scenario::{drop_problem, ScenarioParams};
use crate::solution::{Solution, Status};
use crate::threads::{parallel, sequential};

pub use crate::flat::{
    methods_from_list, params_from_flat, run_units_flat, PARAM_COUNT, PARAM_NAMES, SPEC_COUNT,
};
pub use crate::summary::{units_to_json, write_js_number, MethodSummary, UnitSummary};

/// Trials per unit of work: fixed, so results never depend on how work is split.
pub const BLOCK_TRIALS: u32 = 16;
/// Histogram bins per unit of ln T (bin width a factor e^0.001).
pub const BINS_PER_LN: f64 = 1000.0;

/// One unit of work: grid point (an index into the params), drop, block of trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UnitSpec {
    pub grid: u32,
    pub drop: u32,
    pub block: u32,
}

/// ts/core/montecarlo.ts `MonteCarloOptions`.
#[derive(Clone, Debug, PartialEq)]
pub struct MonteCarloOptions {
    pub methods: Vec<Method>,
    /// Trials per drop (each of `rounds` rounds).
    pub trials: u32,
    pub rounds: u32,
    pub tolerance: f64,
    pub max_iterations: u32,
}

/// Welford's update of (n, mean, m2) with one value, in the reference's operation order.
fn welford(n: &mut u64, mean: &mut f64, m2: &mut f64, x: f64) {
    let n1 = *n + 1;
    let d = x - *mean;
    let mean1 = *mean + d / n1 as f64;
    *n = n1;
    *mean = mean1;
    *m2 += d * (x - mean1);
}

/// JavaScript's `Math.min` (NaN wins; -0 is below +0).
fn js_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a < b {
        a
    } else if b < a {
        b
    } else if a.is_sign_negative() {
        a
    } else {
        b
    }
}

/// JavaScript's `Math.max` (NaN wins; +0 is above -0).
fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a > b {
        a
    } else if b > a {
        b
    } else if a.is_sign_positive() {
        a
    } else {
        b
    }
}

/// ts/core/montecarlo.ts `binOf`: floor(ln T x 1000) (saturating, as no real T reaches it).
pub fn bin_of(t: f64) -> i32 {
    (t.ln() * BINS_PER_LN).floor() as i32
}

/// The realizations of one drop, built into reused buffers. The drop-level draws (and
/// so every column but the channel gain) are made once; each realization redraws the
/// fading only. The problem is bit for bit that of `generate_from_params` with the same
/// drop and realization (a test checks it), validated the same way.
struct DropProblems {
    seed: u32,
    drop: u32,
    /// 10^(-loss_k / 10): the large-scale gain of client k.
    path_gain: Vec<f64>,
    bandwidth_hz: f64,
    noise_psd_w_per_hz: f64,
    payload_bits: f64,
    budget: f64,
    compute_seconds: Vec<f64>,
    tx_power_w: Vec<f64>,
    channel_gain: Vec<f64>,
    data_weight: Vec<f64>,
    max_pruning: Vec<f64>,
    fixed_seconds: Vec<f64>,
    prunable_compute_fraction: f64,
    prunable_payload_fraction: f64,
    min_pruning: Vec<f64>,
    compute_power_w: Vec<f64>,
    energy_cap_j: Vec<f64>,
    /// Clients drawn (fading is drawn for each), and the drawn index of each client that
    /// takes part (MODEL.md section 12: a device that cannot hold the model is excluded).
    drawn: usize,
    kept: Vec<usize>,
}

impl DropProblems {
    fn new(o: &ScenarioParams, drop: u32) -> Result<DropProblems, Error> {
        let mut params = o.clone();
        params.drop = drop;
        let d = drop_problem(&params)?;
        let base = d.problem;
        Ok(DropProblems {
            seed: o.seed,
            drop,
            drawn: o.clients,
            kept: d.kept,
            min_pruning: base.min_pruning,
            compute_power_w: base.compute_power_w,
            energy_cap_j: base.energy_cap_j,
            path_gain: base.channel_gain.clone(),
            bandwidth_hz: base.bandwidth_hz,
            noise_psd_w_per_hz: base.noise_psd_w_per_hz,
            payload_bits: base.payload_bits,
            budget: base.pruning_budget,
            compute_seconds: base.compute_seconds,
            tx_power_w: base.tx_power_w,
            channel_gain: base.channel_gain,
            data_weight: base.data_weight,
            max_pruning: base.max_pruning,
            fixed_seconds: base.fixed_seconds,
            prunable_compute_fraction: base.prunable_compute_fraction,
            prunable_payload_fraction: base.prunable_payload_fraction,
        })
    }

    /// Draws realization `realization`'s fading (the stream of `draw_fading`) and returns
    /// the validated problem.
    fn realize(&mut self, realization: u32) -> Result<ProblemView<'_>, Error> {
        let mut rng = Random::new(self.seed, STREAM_FADING, self.drop, realization);
        // One draw per drawn client, excluded or not, as draw_fading.
        let mut j = 0;
        for k in 0..self.drawn {
            let h2 = -rng.uniform().ln();
            if j < self.kept.len() && self.kept[j] == k {
                self.channel_gain[j] = self.path_gain[j] * h2;
                j += 1;
            }
        }
        let view = ProblemView {
            bandwidth_hz: self.bandwidth_hz,
            noise_psd_w_per_hz: self.noise_psd_w_per_hz,
            payload_bits: self.payload_bits,
            pruning_budget: self.budget,
            compute_seconds: &self.compute_seconds,
            tx_power_w: &self.tx_power_w,
            channel_gain: &self.channel_gain,
            data_weight: &self.data_weight,
            max_pruning: &self.max_pruning,
            fixed_seconds: &self.fixed_seconds,
            prunable_compute_fraction: self.prunable_compute_fraction,
            prunable_payload_fraction: self.prunable_payload_fraction,
            min_pruning: &self.min_pruning,
            compute_power_w: &self.compute_power_w,
            fixed_joules: &[],
            energy_cap_j: &self.energy_cap_j,
        };
        validate(&view)?;
        Ok(view)
    }
}

/// The first block past the last trial: units with `block >= block_count(trials)` are empty.
pub fn block_count(trials: u32) -> u32 {
    (trials - trials.min(1)) / BLOCK_TRIALS + trials.min(1)
}

/// Runs one unit: trials [block x BLOCK_TRIALS, ...) of one drop of one scenario
/// (ts/core/montecarlo.ts `runUnit`). `params.drop` and `params.realization` are ignored.
pub fn run_unit(
    params: &ScenarioParams,
    spec: UnitSpec,
    o: &MonteCarloOptions,
) -> Result<UnitSummary, Error> {
    let m_count = o.methods.len();
    let mut sums: Vec<MethodSummary> = (0..m_count).map(|_| MethodSummary::empty()).collect();
    let mut hists: Vec<BTreeMap<i32, u64>> = (0..m_count).map(|_| BTreeMap::new()).collect();
    let i_bcd = o.methods.iter().position(|&m| m == Method::Bcd);
    let i_opt = o.methods.iter().position(|&m| m == Method::Optimal);
    // u64: the reference computes these in doubles, which hold them exactly.
    let first = spec.block as u64 * BLOCK_TRIALS as u64;
    let last = (first + BLOCK_TRIALS as u64).min(o.trials as u64);
    // This round's latency per method (NaN: no point), and each trial's fine-tuning sum
    // with whether every round of it had a point.
    let mut t = vec![0.0; m_count];
    let mut ft = vec![0.0; m_count];
    let mut ft_ok = vec![true; m_count];
    let mut problems = if first < last {
        Some(DropProblems::new(params, spec.drop)?)
    } else {
        None
    };
    let mut done: Vec<Solution> = Vec::with_capacity(m_count);
    for trial in first..last {
        for x in ft.iter_mut() {
            *x = 0.0;
        }
        for x in ft_ok.iter_mut() {
            *x = true;
        }
        for round in 0..o.rounds as u64 {
            // JS hashes the realization as a uint32 (`^` wraps); callers keep it below 2^32.
            let realization = (trial * o.rounds as u64 + round) as u32;
            let problem = match problems.as_mut() {
                Some(p) => p.realize(realization)?,
                None => unreachable!("a unit with trials always has its drop"),
            };
            let inst = instance(&problem);
            // This realization's solutions so far: optimal reuses its start points.
            done.clear();
            for m in 0..m_count {
                let r =
                    solve_instance_after(&inst, o.methods[m], o.tolerance, o.max_iterations, &done);
                let s = &mut sums[m];
                if r.status == Status::Infeasible {
                    // No point (MODEL.md 11.2, 12): counted in infeasibleShare; the latency
                    // and energy statistics cover the rounds with a point only.
                    s.infeasible += 1;
                    t[m] = f64::NAN;
                    ft_ok[m] = false;
                    done.push(r);
                    continue;
                }
                t[m] = r.latency;
                ft[m] += r.latency;
                let n0 = s.n;
                welford(&mut s.n, &mut s.mean, &mut s.m2, r.latency);
                let mut n = n0;
                welford(&mut n, &mut s.energy_mean, &mut s.energy_m2, r.energy_total);
                let mut n = n0;
                welford(
                    &mut n,
                    &mut s.energy_max_mean,
                    &mut s.energy_max_m2,
                    r.energy_max,
                );
                s.min = js_min(s.min, r.latency);
                s.max = js_max(s.max, r.latency);
                *hists[m].entry(bin_of(r.latency)).or_insert(0) += 1;
                s.pruning_sum += weighted(&inst.w, &r.pruning);
                s.iteration_sum += r.iterations as u64;
                if r.status == Status::IterationLimit {
                    s.iteration_limited += 1;
                }
                done.push(r);
            }
            if let (Some(b), Some(opt)) = (i_bcd, i_opt) {
                // Rounds where both have a point.
                if !t[b].is_nan() && !t[opt].is_nan() {
                    let gap = t[b] / t[opt] - 1.0;
                    let s = &mut sums[b];
                    s.gap_n += 1;
                    s.gap_sum += gap;
                    s.gap_max = js_max(s.gap_max, gap);
                }
            }
        }
        for m in 0..m_count {
            // A trial's fine-tuning latency exists when every one of its rounds had a point.
            if ft_ok[m] {
                let s = &mut sums[m];
                welford(&mut s.ft_n, &mut s.ft_mean, &mut s.ft_m2, ft[m]);
            }
        }
    }
    for (s, h) in sums.iter_mut().zip(hists) {
        s.hist = h.into_iter().collect();
    }
    Ok(UnitSummary {
        grid: spec.grid,
        drop: spec.drop,
        block: spec.block,
        methods: sums,
    })
}

/// Runs every spec (`spec.grid` indexes `params`) on up to `threads` OS threads and
/// returns the summaries in spec order. Units are handed out one at a time from a shared
/// counter, so uneven units balance. On failure the error of the first failing spec (in
/// spec order) is returned, prefixed with `specs[<i>]: `, whatever the thread count:
/// specs are claimed in order, so every spec before a failing one still runs to the end.
/// wasm32 has no threads: there, and with `threads <= 1`, the specs run in order.
pub fn run_units(
    params: &[ScenarioParams],
    specs: &[UnitSpec],
    o: &MonteCarloOptions,
    threads: usize,
) -> Result<Vec<UnitSummary>, Error> {
    for (i, spec) in specs.iter().enumerate() {
        if spec.grid as usize >= params.len() {
            return Err(Error::invalid_input(
                "specs",
                format!(
                    "specs[{}]: grid index {} is out of range ({} grid points)",
                    i,
                    spec.grid,
                    params.len()
                ),
            ));
        }
    }
    let one = |i: usize| {
        let spec = specs[i];
        run_unit(&params[spec.grid as usize], spec, o).map_err(|e| e.in_unit(i))
    };
    let threads = threads.min(specs.len());
    if cfg!(target_arch = "wasm32") || threads <= 1 {
        return sequential(specs.len(), &one);
    }
    parallel(specs.len(), threads, &one)
}

trait InUnit {
    fn in_unit(self, i: usize) -> Error;
}

impl InUnit for Error {
    fn in_unit(mut self, i: usize) -> Error {
        self.message = format!("specs[{}]: {}", i, self.message);
        self
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::options::SolveOptions;
    use crate::scenario::generate_from_params;
    use crate::solve::solve;

    pub(crate) use crate::support::default_scenario as scenario;

    fn options(trials: u32, rounds: u32) -> MonteCarloOptions {
        MonteCarloOptions {
            methods: Method::ALL.to_vec(),
            trials,
            rounds,
            tolerance: 1e-10,
            max_iterations: 500,
        }
    }

    /// A fleet where 8 GiB devices cannot hold a 27.9 GB fine-tuning at rmax 0.5 (the
    /// llama2-13b-lora preset on gsm8k), a power range and a cap.
    pub(crate) fn fleet(clients: usize, seed: u32) -> ScenarioParams {
        let mut o = scenario(clients, seed);
        o.model_memory_bytes = 27_874_329_600.0;
        // edge-mix: orin-nano-8gb, agx-orin-64gb, a17-pro, rtx-4090-laptop.
        o.device_shares = [0.3, 0.2, 0.3, 0.2, 0.0, 0.0, 0.0];
        o.compute_power_min = 20.0;
        o.compute_power_max = 60.0;
        o.energy_cap_j = 5000.0;
        o
    }

    #[test]
    fn realizations_equal_the_generator() {
        for o in [scenario(7, 3), fleet(40, 3)] {
            realizations_equal_the_generator_of(o);
        }
    }

    fn realizations_equal_the_generator_of(mut o: ScenarioParams) {
        o.shadowing_db = 4.0;
        let mut drops = DropProblems::new(&o, 5).unwrap();
        for r in [0u32, 1, 17, 4_000_000_000] {
            o.drop = 5;
            o.realization = r;
            let expected = generate_from_params(&o).unwrap();
            let got = drops.realize(r).unwrap();
            assert_eq!(got.min_pruning, &expected.min_pruning[..]);
            assert_eq!(got.compute_power_w, &expected.compute_power_w[..]);
            assert_eq!(got.energy_cap_j, &expected.energy_cap_j[..]);
            assert_eq!(got.channel_gain, &expected.channel_gain[..]);
            assert_eq!(got.compute_seconds, &expected.compute_seconds[..]);
            assert_eq!(got.data_weight, &expected.data_weight[..]);
            assert_eq!(got.tx_power_w, &expected.tx_power_w[..]);
            assert_eq!(got.max_pruning, &expected.max_pruning[..]);
            assert_eq!(got.bandwidth_hz, expected.bandwidth_hz);
            assert_eq!(got.noise_psd_w_per_hz, expected.noise_psd_w_per_hz);
            assert_eq!(got.payload_bits, expected.payload_bits);
            assert_eq!(got.pruning_budget, expected.pruning_budget);
        }
    }

    #[test]
    fn a_unit_matches_a_direct_loop() {
        let params = scenario(6, 11);
        let o = options(20, 3);
        // Block 1 holds trials 16..20.
        let spec = UnitSpec {
            grid: 0,
            drop: 2,
            block: 1,
        };
        let unit = run_unit(&params, spec, &o).unwrap();
        let opts = SolveOptions::default();
        for (m, &method) in o.methods.iter().enumerate() {
            let mut latencies = Vec::new();
            let mut fine_tuning = Vec::new();
            for trial in 16..20u32 {
                let mut sum = 0.0;
                for round in 0..3 {
                    let mut p = params.clone();
                    p.drop = 2;
                    p.realization = trial * 3 + round;
                    let problem = generate_from_params(&p).unwrap();
                    let s = solve(&problem.view(), method, &opts).unwrap();
                    latencies.push(s.latency);
                    sum += s.latency;
                }
                fine_tuning.push(sum);
            }
            let s = &unit.methods[m];
            let n = latencies.len() as f64;
            let mean = latencies.iter().sum::<f64>() / n;
            assert_eq!(s.n, 12);
            assert_eq!(s.ft_n, 4);
            assert!((s.mean - mean).abs() <= 1e-12 * mean, "{:?}", method);
            let var = latencies
                .iter()
                .map(|x| (x - mean) * (x - mean))
                .sum::<f64>();
            assert!((s.m2 - var).abs() <= 1e-9 * var.max(1e-300), "{:?}", method);
            let ft_mean = fine_tuning.iter().sum::<f64>() / 4.0;
            assert!((s.ft_mean - ft_mean).abs() <= 1e-12 * ft_mean);
            assert_eq!(
                s.min,
                latencies.iter().cloned().fold(f64::INFINITY, f64::min)
            );
            assert_eq!(
                s.max,
                latencies.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            );
            assert_eq!(s.hist.iter().map(|h| h.1).sum::<u64>(), 12);
            for &x in &latencies {
                assert!(s.hist.iter().any(|h| h.0 == bin_of(x)));
            }
            if method == Method::Bcd {
                assert_eq!(s.gap_n, 12);
                assert!(s.gap_sum >= -1e-9);
            } else {
                assert_eq!(s.gap_n, 0);
            }
        }
    }

    #[test]
    fn infeasible_rounds_are_counted_and_left_out_of_the_statistics() {
        // Upload energy only, capped at 0.4 J: the fading leaves some rounds without a
        // point (MODEL.md 11.2); those count in `infeasible`, the others in the statistics.
        let mut params = scenario(5, 1);
        params.compute_power_min = 0.0;
        params.compute_power_max = 0.0;
        params.energy_cap_j = 0.4;
        let o = options(8, 2);
        let spec = UnitSpec {
            grid: 0,
            drop: 0,
            block: 0,
        };
        let unit = run_unit(&params, spec, &o).unwrap();
        let opts = SolveOptions::default();
        let (mut partial, mut none) = (0, 0);
        for (m, &method) in o.methods.iter().enumerate() {
            let mut latency = Vec::new();
            let mut energy = Vec::new();
            let mut energy_max = Vec::new();
            let mut fine_tuning = Vec::new();
            let mut infeasible = 0u64;
            for trial in 0..8u32 {
                let (mut sum, mut whole) = (0.0, true);
                for round in 0..2 {
                    let mut p = params.clone();
                    p.realization = trial * 2 + round;
                    let problem = generate_from_params(&p).unwrap();
                    let r = solve(&problem.view(), method, &opts).unwrap();
                    if r.status == Status::Infeasible {
                        assert!(r.latency.is_nan() && r.energy_total.is_nan());
                        infeasible += 1;
                        whole = false;
                        continue;
                    }
                    latency.push(r.latency);
                    energy.push(r.energy_total);
                    energy_max.push(r.energy_max);
                    sum += r.latency;
                }
                if whole {
                    fine_tuning.push(sum);
                }
            }
            let s = &unit.methods[m];
            assert_eq!(s.infeasible, infeasible, "{:?}", method);
            assert_eq!(s.n, latency.len() as u64, "{:?}", method);
            assert_eq!(s.ft_n, fine_tuning.len() as u64, "{:?}", method);
            assert_eq!(s.hist.iter().map(|h| h.1).sum::<u64>(), s.n);
            if latency.is_empty() {
                none += 1;
                continue;
            }
            if infeasible > 0 {
                partial += 1;
            }
            let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
            let m2 = |x: &[f64]| {
                let mu = mean(x);
                x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>()
            };
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-300);
            assert!(near(s.mean, mean(&latency)), "{:?}", method);
            assert!(near(s.energy_mean, mean(&energy)), "{:?}", method);
            assert!(near(s.energy_max_mean, mean(&energy_max)), "{:?}", method);
            assert!((s.energy_m2 - m2(&energy)).abs() <= 1e-9 * m2(&energy).max(1e-12));
            assert!((s.energy_max_m2 - m2(&energy_max)).abs() <= 1e-9 * m2(&energy_max).max(1e-12));
            if !fine_tuning.is_empty() {
                assert!(near(s.ft_mean, mean(&fine_tuning)), "{:?}", method);
            }
        }
        assert!(
            partial >= 3 && none >= 1,
            "partial {} none {}",
            partial,
            none
        );
    }

    fn batch() -> (Vec<ScenarioParams>, Vec<UnitSpec>) {
        let params = vec![scenario(5, 1), scenario(9, 2)];
        let mut specs = Vec::new();
        for grid in 0..2 {
            for drop in 0..3 {
                for block in 0..2 {
                    specs.push(UnitSpec { grid, drop, block });
                }
            }
        }
        specs.reverse();
        (params, specs)
    }

    #[test]
    fn threads_do_not_change_results() {
        let (params, specs) = batch();
        let o = options(20, 2);
        let one = units_to_json(&run_units(&params, &specs, &o, 1).unwrap());
        let two = units_to_json(&run_units(&params, &specs, &o, 2).unwrap());
        let many = units_to_json(&run_units(&params, &specs, &o, 64).unwrap());
        assert_eq!(one, two);
        assert_eq!(one, many);
        let units = run_units(&params, &specs, &o, 3).unwrap();
        for (u, s) in units.iter().zip(&specs) {
            assert_eq!((u.grid, u.drop, u.block), (s.grid, s.drop, s.block));
            assert_eq!(u.methods[0].n, if s.block == 0 { 32 } else { 8 });
        }
    }

    #[test]
    fn errors_name_the_first_failing_spec_whatever_the_threads() {
        let (mut params, specs) = batch();
        // Grid point 1 gets a zero transmit power: every one of its units fails.
        params[1].tx_power_w = 0.0;
        let o = options(20, 1);
        let first = specs.iter().position(|s| s.grid == 1).unwrap();
        for threads in [1, 2, 4] {
            let e = run_units(&params, &specs, &o, threads).unwrap_err();
            assert!(
                e.message.starts_with(&format!("specs[{}]: ", first)),
                "{}",
                e.message
            );
            assert_eq!(e.field, "clients[0].txPowerW");
        }
    }

    #[test]
    fn block_counts() {
        assert_eq!(block_count(1), 1);
        assert_eq!(block_count(16), 1);
        assert_eq!(block_count(17), 2);
        assert_eq!(block_count(u32::MAX), 268_435_456);
    }
}
