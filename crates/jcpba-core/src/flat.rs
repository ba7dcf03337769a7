//! The flat boundary layout both bindings share: a batch of Monte Carlo units as plain
//! numbers (`params` per grid point, `specs` per unit) and a comma-separated method list
//! in, the JSON array of the unit summaries out ([`run_units_flat`]). Kept apart from the
//! Monte Carlo loop (montecarlo.rs) because it is decoding and argument checking for the
//! bindings, whose order and messages are part of the boundary contract.

// The checks mirror ts/core/scenario.ts rule by rule: index loops over the fields, and
// negated comparisons so that NaN fails every check.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::devices::DEVICE_COUNT;
use crate::error::{Error, ErrorCode};
use crate::method::Method;
use crate::montecarlo::{block_count, run_units, MonteCarloOptions, UnitSpec, BLOCK_TRIALS};
use crate::options::SolveOptions;
use crate::scenario::{ScenarioParams, MAX_CLIENTS};
use crate::summary::units_to_json;

/// Numbers per grid point in the flat `params` layout (see [`PARAM_NAMES`]): 27 scalars,
/// then one fleet share per device of the catalog.
pub const PARAM_COUNT: usize = 27 + DEVICE_COUNT;
/// Numbers per unit in the flat `specs` layout: grid index, drop, block.
pub const SPEC_COUNT: usize = 3;

/// The flat `params` layout: the fields of ts/core/scenario.ts `ScenarioParams`, in this order.
pub const PARAM_NAMES: [&str; PARAM_COUNT] = [
    "clients",
    "seed",
    "drop",
    "realization",
    "cellRadiusM",
    "minDistanceM",
    "shadowingDb",
    "txPowerW",
    "noisePsdWPerHz",
    "bandwidthHz",
    "payloadBits",
    "flopsPerSample",
    "samplesMin",
    "samplesMax",
    "throughputMin",
    "throughputMax",
    "maxPruning",
    "budget",
    "fixedSeconds",
    "prunableComputeFraction",
    "prunablePayloadFraction",
    "computePowerMin",
    "computePowerMax",
    "energyCapJ",
    "utilization",
    "modelMemoryBytes",
    "memoryPrunableFraction",
    "deviceShares[0]",
    "deviceShares[1]",
    "deviceShares[2]",
    "deviceShares[3]",
    "deviceShares[4]",
    "deviceShares[5]",
    "deviceShares[6]",
];

fn is_uint32(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(&x)
}

fn is_positive_integer(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && x >= 1.0
}

/// Reads grid point `g` of the flat `params` (the [`PARAM_NAMES`] order) and checks it
/// with the rules of ts/core/scenario.ts `scenarioOptions`, applied to the resolved numbers.
/// `drop` and `realization` are not read: units name their own.
pub fn params_from_flat(values: &[f64], g: usize) -> Result<ScenarioParams, Error> {
    let v = &values[g * PARAM_COUNT..(g + 1) * PARAM_COUNT];
    let bad = |i: usize, rule: &str| {
        let field = format!("params[{}].{}", g, PARAM_NAMES[i]);
        let message = format!("{} {}", field, rule);
        Error::invalid_input(field, message)
    };
    for i in 0..PARAM_COUNT {
        // drop (2) and realization (3) are ignored; energyCapJ (23) may be +Infinity.
        if i != 2 && i != 3 && i != 23 && !v[i].is_finite() {
            return Err(bad(i, "must be a finite number"));
        }
    }
    if !(is_positive_integer(v[0]) && v[0] <= MAX_CLIENTS as f64) {
        return Err(bad(
            0,
            &format!("must be a positive integer, at most {}", MAX_CLIENTS),
        ));
    }
    if !is_uint32(v[1]) {
        return Err(bad(1, "must be an integer in [0, 2^32)"));
    }
    // In field order: cellRadiusM, minDistanceM, shadowingDb, then the positive numbers.
    if !(v[4] > 0.0) {
        return Err(bad(4, "must be positive"));
    }
    if !(v[5] > 0.0 && v[5] < v[4]) {
        return Err(bad(5, "must be positive and below cellRadiusM"));
    }
    if !(v[6] >= 0.0) {
        return Err(bad(6, "must be >= 0"));
    }
    // txPowerW, noisePsdWPerHz, bandwidthHz, payloadBits, flopsPerSample.
    for i in 7..12 {
        if !(v[i] > 0.0) {
            return Err(bad(i, "must be positive"));
        }
    }
    if !is_positive_integer(v[12]) {
        return Err(bad(12, "must be a positive integer"));
    }
    if !(v[13].fract() == 0.0 && v[13] >= v[12]) {
        return Err(bad(13, "must be an integer >= samplesMin"));
    }
    if !(v[14] > 0.0) {
        return Err(bad(14, "must be positive"));
    }
    if !(v[15] >= v[14]) {
        return Err(bad(15, "must be >= throughputMin"));
    }
    if !(v[16] >= 0.0 && v[16] < 1.0) {
        return Err(bad(16, "must be in [0, 1)"));
    }
    if !(v[17] >= 0.0 && v[17] < 1.0) {
        return Err(bad(17, "must be in [0, 1)"));
    }
    if !(v[18] >= 0.0) {
        return Err(bad(18, "must be >= 0"));
    }
    for i in 19..21 {
        if !(v[i] >= 0.0 && v[i] <= 1.0) {
            return Err(bad(i, "must be in [0, 1]"));
        }
    }
    if !(v[21] >= 0.0) {
        return Err(bad(21, "must be >= 0"));
    }
    if !(v[22] >= v[21]) {
        return Err(bad(22, "must be >= computePowerMin"));
    }
    if !(v[23] > 0.0) {
        return Err(bad(23, "must be positive (Infinity: no cap)"));
    }
    if !(v[24] > 0.0 && v[24] <= 1.0) {
        return Err(bad(24, "must be in (0, 1]"));
    }
    if !(v[25] > 0.0) {
        return Err(bad(25, "must be positive"));
    }
    if !(v[26] >= 0.0 && v[26] <= 1.0) {
        return Err(bad(26, "must be in [0, 1]"));
    }
    let mut shares = [0.0; DEVICE_COUNT];
    for i in 0..DEVICE_COUNT {
        if !(v[27 + i] >= 0.0) {
            return Err(bad(27 + i, "must be >= 0"));
        }
        shares[i] = v[27 + i];
    }
    if shares.iter().any(|&x| x > 0.0) && !(v[26] > 0.0) {
        return Err(bad(26, "must be in (0, 1] when clients draw devices"));
    }
    Ok(ScenarioParams {
        clients: v[0] as usize,
        seed: v[1] as u32,
        drop: 0,
        realization: 0,
        cell_radius_m: v[4],
        min_distance_m: v[5],
        shadowing_db: v[6],
        tx_power_w: v[7],
        noise_psd_w_per_hz: v[8],
        bandwidth_hz: v[9],
        payload_bits: v[10],
        flops_per_sample: v[11],
        samples_min: v[12],
        samples_max: v[13],
        throughput_min: v[14],
        throughput_max: v[15],
        max_pruning: v[16],
        budget: v[17],
        fixed_seconds: v[18],
        prunable_compute_fraction: v[19],
        prunable_payload_fraction: v[20],
        compute_power_min: v[21],
        compute_power_max: v[22],
        energy_cap_j: v[23],
        utilization: v[24],
        model_memory_bytes: v[25],
        memory_prunable_fraction: v[26],
        device_shares: shares,
    })
}

/// Parses a comma-separated list of method ids (exact ids, no spaces).
pub fn methods_from_list(list: &str) -> Result<Vec<Method>, Error> {
    if list.is_empty() {
        return Err(Error::new(
            ErrorCode::UnknownMethod,
            "methods",
            "methods must name at least one method (comma-separated ids)",
        ));
    }
    list.split(',')
        .map(|id| {
            Method::from_id(id).map_err(|mut e| {
                e.field = "methods".to_string();
                e
            })
        })
        .collect()
}

fn count_option(name: &str, x: f64) -> Result<u32, Error> {
    if is_positive_integer(x) && x <= 4_294_967_295.0 {
        Ok(x as u32)
    } else {
        Err(Error::invalid_option(
            name,
            format!("{} must be a positive integer below 2^32", name),
        ))
    }
}

/// The whole batch entry point of the bindings, over the flat layout: `params` holds
/// [`PARAM_COUNT`] numbers per grid point, `specs` [`SPEC_COUNT`] per unit (grid index,
/// drop, block), `methods` comma-separated ids. Arguments are checked in order (params,
/// specs, methods, trials, rounds, tolerance, maxIterations, threads; then each spec's
/// grid index and block); the result is the JSON array of the unit summaries, in spec
/// order.
#[allow(clippy::too_many_arguments)]
pub fn run_units_flat(
    params: &[f64],
    specs: &[u32],
    methods: &str,
    trials: f64,
    rounds: f64,
    tolerance: f64,
    max_iterations: f64,
    threads: f64,
) -> Result<String, Error> {
    if params.len() % PARAM_COUNT != 0 {
        return Err(Error::invalid_input(
            "params",
            format!(
                "params must hold {} numbers per grid point ({}), got {}",
                PARAM_COUNT,
                PARAM_NAMES.join(", "),
                params.len()
            ),
        ));
    }
    let grid: Vec<ScenarioParams> = (0..params.len() / PARAM_COUNT)
        .map(|g| params_from_flat(params, g))
        .collect::<Result<_, _>>()?;
    if specs.len() % SPEC_COUNT != 0 {
        return Err(Error::invalid_input(
            "specs",
            format!(
                "specs must hold {} numbers per unit (grid, drop, block), got {}",
                SPEC_COUNT,
                specs.len()
            ),
        ));
    }
    let units: Vec<UnitSpec> = specs
        .chunks(SPEC_COUNT)
        .map(|s| UnitSpec {
            grid: s[0],
            drop: s[1],
            block: s[2],
        })
        .collect();
    let methods = methods_from_list(methods)?;
    let trials = count_option("trials", trials)?;
    let rounds = count_option("rounds", rounds)?;
    if trials as u64 * rounds as u64 > 1u64 << 32 {
        return Err(Error::invalid_option(
            "rounds",
            "trials x rounds must be at most 2^32 (realization indices are 32-bit)",
        ));
    }
    let options = SolveOptions::from_numbers(tolerance, max_iterations)?;
    if !is_positive_integer(threads) {
        return Err(Error::invalid_option(
            "threads",
            "threads must be a positive integer",
        ));
    }
    let blocks = block_count(trials);
    for (i, u) in units.iter().enumerate() {
        if u.grid as usize >= grid.len() {
            return Err(Error::invalid_input(
                "specs",
                format!(
                    "specs[{}]: grid index {} is out of range ({} grid points)",
                    i,
                    u.grid,
                    grid.len()
                ),
            ));
        }
        if u.block >= blocks {
            return Err(Error::invalid_input(
                "specs",
                format!(
                    "specs[{}]: block {} holds no trials ({} trials make {} blocks of {})",
                    i, u.block, trials, blocks, BLOCK_TRIALS
                ),
            ));
        }
    }
    let o = MonteCarloOptions {
        methods,
        trials,
        rounds,
        tolerance: options.tolerance,
        max_iterations: options.max_iterations,
    };
    // Saturates: run_units never starts more threads than units.
    let threads = if threads >= usize::MAX as f64 {
        usize::MAX
    } else {
        threads as usize
    };
    let summaries = run_units(&grid, &units, &o, threads)?;
    Ok(units_to_json(&summaries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::tests::scenario;

    #[test]
    fn flat_arguments_are_checked() {
        let p = scenario(4, 1);
        let flat = vec![
            4.0,
            1.0,
            0.0,
            0.0,
            p.cell_radius_m,
            p.min_distance_m,
            p.shadowing_db,
            p.tx_power_w,
            p.noise_psd_w_per_hz,
            p.bandwidth_hz,
            p.payload_bits,
            p.flops_per_sample,
            p.samples_min,
            p.samples_max,
            p.throughput_min,
            p.throughput_max,
            p.max_pruning,
            p.budget,
            p.fixed_seconds,
            p.prunable_compute_fraction,
            p.prunable_payload_fraction,
            p.compute_power_min,
            p.compute_power_max,
            p.energy_cap_j,
            p.utilization,
            p.model_memory_bytes,
            p.memory_prunable_fraction,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ];
        assert_eq!(params_from_flat(&flat, 0).unwrap(), p);
        let ok = run_units_flat(
            &flat,
            &[0, 0, 0],
            "bcd,optimal",
            3.0,
            2.0,
            1e-10,
            500.0,
            2.0,
        )
        .unwrap();
        assert!(ok.starts_with("[{\"grid\":0,\"drop\":0,\"block\":0,\"methods\":[{\"n\":6,"));
        let run = |params: &[f64], specs: &[u32], methods: &str, trials: f64, threads: f64| {
            run_units_flat(params, specs, methods, trials, 2.0, 1e-10, 500.0, threads).unwrap_err()
        };
        let e = run(&flat[..20], &[0, 0, 0], "bcd", 3.0, 1.0);
        assert_eq!(e.field, "params");
        let mut bad = flat.clone();
        bad[0] = 2.5;
        let e = run(&bad, &[0, 0, 0], "bcd", 3.0, 1.0);
        assert_eq!(e.field, "params[0].clients");
        assert_eq!(
            e.message,
            "params[0].clients must be a positive integer, at most 1000000"
        );
        // A K whose vectors could not be allocated is refused before any allocation
        // (a failed allocation aborts the process, past any binding's reach).
        let mut huge = flat.clone();
        huge[0] = 4_294_967_295.0;
        let e = run(&huge, &[0, 0, 0], "equal", 1.0, 1.0);
        assert_eq!(
            e.message,
            "params[0].clients must be a positive integer, at most 1000000"
        );
        huge[0] = MAX_CLIENTS as f64 + 1.0;
        assert_eq!(
            run(&huge, &[0, 0, 0], "equal", 1.0, 1.0).field,
            "params[0].clients"
        );
        let mut bad = flat.clone();
        bad[9] = -1.0;
        let e = run(&bad, &[0, 0, 0], "bcd", 3.0, 1.0);
        assert_eq!(e.message, "params[0].bandwidthHz must be positive");
        let e = run(&flat, &[0, 0], "bcd", 3.0, 1.0);
        assert_eq!(e.field, "specs");
        let e = run(&flat, &[1, 0, 0], "bcd", 3.0, 1.0);
        assert_eq!(
            e.message,
            "specs[0]: grid index 1 is out of range (1 grid points)"
        );
        let e = run(&flat, &[0, 0, 1], "bcd", 16.0, 1.0);
        assert!(e.message.starts_with("specs[0]: block 1 holds no trials"));
        let e = run(&flat, &[0, 0, 0], "bcd,nope", 3.0, 1.0);
        assert_eq!(
            (e.code, e.field.as_str()),
            (ErrorCode::UnknownMethod, "methods")
        );
        let e = run(&flat, &[0, 0, 0], "", 3.0, 1.0);
        assert_eq!(e.code, ErrorCode::UnknownMethod);
        let e = run(&flat, &[0, 0, 0], "bcd", 0.0, 1.0);
        assert_eq!(e.field, "trials");
        let e = run(&flat, &[0, 0, 0], "bcd", 3.0, 0.5);
        assert_eq!(e.field, "threads");
        let e = run_units_flat(&flat, &[0, 0, 0], "bcd", 3.0, 2.0, 2.0, 500.0, 1.0).unwrap_err();
        assert_eq!(e.field, "tolerance");
        // No specs: an empty array.
        assert_eq!(
            run_units_flat(&flat, &[], "bcd", 3.0, 2.0, 1e-10, 500.0, 4.0).unwrap(),
            "[]"
        );
    }
}
