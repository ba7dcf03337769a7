//! The Monte Carlo loop of a sweep (MODEL.md section 7) in units of work; mirrors
//! ts/montecarlo.ts `runUnit` step for step, so a unit's summary is the same whichever
//! backend ran it (up to the rounding of the solvers' own arithmetic).
//!
//! A unit is (grid point, drop, block): [`BLOCK_TRIALS`] consecutive trials of one drop.
//! A trial is one fine-tuning run of R rounds; round r of trial t uses realization
//! t R + r. [`run_units`] runs a batch of units, on several threads where there are
//! threads, and returns the summaries in the order of the specs; [`run_units_flat`] is
//! the same behind the flat boundary layout both bindings share.

// The numerics mirror ts/ line by line: index loops over the client columns, and
// negated comparisons so that NaN fails every check.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, ErrorCode};
use crate::instance::instance;
use crate::method::Method;
use crate::methods::solve_instance;
use crate::options::SolveOptions;
use crate::problem::{validate, ProblemView};
use crate::pruning::weighted;
use crate::rng::{Random, STREAM_FADING};
use crate::scenario::{drop_problem, ScenarioParams};
use crate::solution::Status;

/// Trials per unit of work: fixed, so results never depend on how work is split.
pub const BLOCK_TRIALS: u32 = 16;
/// Histogram bins per unit of ln T (bin width a factor e^0.001).
pub const BINS_PER_LN: f64 = 1000.0;
/// Numbers per grid point in the flat `params` layout (see [`PARAM_NAMES`]).
pub const PARAM_COUNT: usize = 18;
/// Numbers per unit in the flat `specs` layout: grid index, drop, block.
pub const SPEC_COUNT: usize = 3;

/// The flat `params` layout: the fields of ts/scenario.ts `ScenarioParams`, in this order.
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
];

/// One unit of work: grid point (an index into the params), drop, block of trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UnitSpec {
    pub grid: u32,
    pub drop: u32,
    pub block: u32,
}

/// ts/montecarlo.ts `MonteCarloOptions`.
#[derive(Clone, Debug, PartialEq)]
pub struct MonteCarloOptions {
    pub methods: Vec<Method>,
    /// Trials per drop (each of `rounds` rounds).
    pub trials: u32,
    pub rounds: u32,
    pub tolerance: f64,
    pub max_iterations: u32,
}

/// ts/montecarlo.ts `MethodSummary`: one method's statistics over the rounds of a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodSummary {
    /// Rounds seen, and the Welford mean and sum of squared deviations of their latency, s.
    pub n: u64,
    pub mean: f64,
    pub m2: f64,
    pub min: f64,
    pub max: f64,
    /// Sparse histogram of the round latency, sorted by bin, bin = floor(ln T x 1000).
    pub hist: Vec<(i32, u64)>,
    /// Sum over rounds of the weighted pruning used, sum_k w_k rho_k.
    pub pruning_sum: f64,
    /// Sum of iterations, and rounds that stopped at the iteration limit.
    pub iteration_sum: u64,
    pub iteration_limited: u64,
    /// Fine-tuning latency (sum of a trial's R rounds): trials, Welford mean and m2, s.
    pub ft_n: u64,
    pub ft_mean: f64,
    pub ft_m2: f64,
    /// For `bcd` when `optimal` runs too: relative gap T_bcd / T_opt - 1, summed and max.
    pub gap_n: u64,
    pub gap_sum: f64,
    pub gap_max: f64,
}

impl MethodSummary {
    /// ts/montecarlo.ts `emptySummary`.
    pub fn empty() -> MethodSummary {
        MethodSummary {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            hist: Vec::new(),
            pruning_sum: 0.0,
            iteration_sum: 0,
            iteration_limited: 0,
            ft_n: 0,
            ft_mean: 0.0,
            ft_m2: 0.0,
            gap_n: 0,
            gap_sum: 0.0,
            gap_max: 0.0,
        }
    }
}

/// ts/montecarlo.ts `UnitSummary`: the spec and one summary per method, in method order.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitSummary {
    pub grid: u32,
    pub drop: u32,
    pub block: u32,
    pub methods: Vec<MethodSummary>,
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

/// ts/montecarlo.ts `binOf`: floor(ln T x 1000) (saturating, as no real T reaches it).
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
}

impl DropProblems {
    fn new(o: &ScenarioParams, drop: u32) -> DropProblems {
        let mut params = o.clone();
        params.drop = drop;
        let base = drop_problem(&params);
        DropProblems {
            seed: o.seed,
            drop,
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
        }
    }

    /// Draws realization `realization`'s fading (the stream of `draw_fading`) and returns
    /// the validated problem.
    fn realize(&mut self, realization: u32) -> Result<ProblemView<'_>, Error> {
        let mut rng = Random::new(self.seed, STREAM_FADING, self.drop, realization);
        for k in 0..self.channel_gain.len() {
            let h2 = -rng.uniform().ln();
            self.channel_gain[k] = self.path_gain[k] * h2;
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
/// (ts/montecarlo.ts `runUnit`). `params.drop` and `params.realization` are ignored.
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
    let mut t = vec![0.0; m_count];
    let mut ft = vec![0.0; m_count];
    let mut problems = if first < last {
        Some(DropProblems::new(params, spec.drop))
    } else {
        None
    };
    for trial in first..last {
        for x in ft.iter_mut() {
            *x = 0.0;
        }
        for round in 0..o.rounds as u64 {
            // JS hashes the realization as a uint32 (`^` wraps); callers keep it below 2^32.
            let realization = (trial * o.rounds as u64 + round) as u32;
            let problem = match problems.as_mut() {
                Some(p) => p.realize(realization)?,
                None => unreachable!("a unit with trials always has its drop"),
            };
            let inst = instance(&problem);
            for m in 0..m_count {
                let r = solve_instance(&inst, o.methods[m], o.tolerance, o.max_iterations);
                let s = &mut sums[m];
                t[m] = r.latency;
                ft[m] += r.latency;
                welford(&mut s.n, &mut s.mean, &mut s.m2, r.latency);
                s.min = js_min(s.min, r.latency);
                s.max = js_max(s.max, r.latency);
                *hists[m].entry(bin_of(r.latency)).or_insert(0) += 1;
                s.pruning_sum += weighted(&inst.w, &r.pruning);
                s.iteration_sum += r.iterations as u64;
                if r.status == Status::IterationLimit {
                    s.iteration_limited += 1;
                }
            }
            if let (Some(b), Some(opt)) = (i_bcd, i_opt) {
                let gap = t[b] / t[opt] - 1.0;
                let s = &mut sums[b];
                s.gap_n += 1;
                s.gap_sum += gap;
                s.gap_max = js_max(s.gap_max, gap);
            }
        }
        for m in 0..m_count {
            let s = &mut sums[m];
            welford(&mut s.ft_n, &mut s.ft_mean, &mut s.ft_m2, ft[m]);
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
        return (0..specs.len()).map(one).collect();
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

#[cfg(not(target_arch = "wasm32"))]
fn parallel(
    count: usize,
    threads: usize,
    one: &(dyn Fn(usize) -> Result<UnitSummary, Error> + Sync),
) -> Result<Vec<UnitSummary>, Error> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let worker = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                break;
            }
            let r = one(i);
            if r.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((i, r));
        }
        done
    };
    let mut slots: Vec<Option<Result<UnitSummary, Error>>> = (0..count).map(|_| None).collect();
    let mut panic = None;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        // Every handle is joined here, so the scope itself never panics; a worker's
        // panic is re-raised below with its own payload (and message).
        for h in handles {
            match h.join() {
                Ok(done) => {
                    for (i, r) in done {
                        slots[i] = Some(r);
                    }
                }
                Err(payload) => {
                    if panic.is_none() {
                        panic = Some(payload);
                    }
                }
            }
        }
    });
    if let Some(payload) = panic {
        std::panic::resume_unwind(payload);
    }
    let mut out = Vec::with_capacity(count);
    for slot in slots {
        match slot {
            Some(Ok(u)) => out.push(u),
            Some(Err(e)) => return Err(e),
            // Only specs after a failure go unclaimed, and that failure returned first.
            None => return Err(Error::internal("internal error: a unit was never run")),
        }
    }
    Ok(out)
}

#[cfg(target_arch = "wasm32")]
fn parallel(
    count: usize,
    _threads: usize,
    one: &(dyn Fn(usize) -> Result<UnitSummary, Error> + Sync),
) -> Result<Vec<UnitSummary>, Error> {
    (0..count).map(one).collect()
}

// ---------------------------------------------------------------------------------
// JSON: exactly what `JSON.stringify` writes for the TypeScript `UnitSummary`.

/// Appends `x` as JavaScript's `Number.prototype.toString` writes it (and so
/// `JSON.stringify`), from the shortest digits that round-trip: `JSON.parse` gives back
/// exactly `x`. Two departures, both still valid JSON: -0 is written `-0` (so it
/// survives the round trip) and a non-finite value `null` (as `JSON.stringify` does).
pub fn write_js_number(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // `{:e}` gives the shortest round-trip digits: "d.ddde-7", "5e-324", "1e0".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_at(sci.find('e').unwrap_or(sci.len()));
    let e: i32 = exponent.get(1..).and_then(|s| s.parse().ok()).unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    // ECMAScript Number::toString: x = 0.digits x 10^n.
    let n = e + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        for _ in 0..(n - k) {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in 0..(-n) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{}",
            if n - 1 < 0 { '-' } else { '+' },
            (n - 1).abs()
        );
    }
}

impl MethodSummary {
    pub fn write_json(&self, out: &mut String) {
        let _ = write!(out, "{{\"n\":{},\"mean\":", self.n);
        write_js_number(out, self.mean);
        out.push_str(",\"m2\":");
        write_js_number(out, self.m2);
        out.push_str(",\"min\":");
        write_js_number(out, self.min);
        out.push_str(",\"max\":");
        write_js_number(out, self.max);
        out.push_str(",\"hist\":[");
        for (i, (bin, count)) in self.hist.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "[{},{}]", bin, count);
        }
        out.push_str("],\"pruningSum\":");
        write_js_number(out, self.pruning_sum);
        let _ = write!(
            out,
            ",\"iterationSum\":{},\"iterationLimited\":{},\"ftN\":{},\"ftMean\":",
            self.iteration_sum, self.iteration_limited, self.ft_n
        );
        write_js_number(out, self.ft_mean);
        out.push_str(",\"ftM2\":");
        write_js_number(out, self.ft_m2);
        let _ = write!(out, ",\"gapN\":{},\"gapSum\":", self.gap_n);
        write_js_number(out, self.gap_sum);
        out.push_str(",\"gapMax\":");
        write_js_number(out, self.gap_max);
        out.push('}');
    }
}

impl UnitSummary {
    pub fn write_json(&self, out: &mut String) {
        let _ = write!(
            out,
            "{{\"grid\":{},\"drop\":{},\"block\":{},\"methods\":[",
            self.grid, self.drop, self.block
        );
        for (i, m) in self.methods.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            m.write_json(out);
        }
        out.push_str("]}");
    }

    /// The JSON of the TypeScript `UnitSummary`, key for key (`JSON.stringify` order).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// A JSON array of unit summaries.
pub fn units_to_json(units: &[UnitSummary]) -> String {
    let mut out = String::with_capacity(1024 * units.len() + 2);
    out.push('[');
    for (i, u) in units.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        u.write_json(&mut out);
    }
    out.push(']');
    out
}

// ---------------------------------------------------------------------------------
// The flat boundary layout shared by the bindings.

fn is_uint32(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(&x)
}

fn is_positive_integer(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && x >= 1.0
}

/// Reads grid point `g` of the flat `params` (the [`PARAM_NAMES`] order) and checks it
/// with the rules of ts/scenario.ts `scenarioOptions`, applied to the resolved numbers.
/// `drop` and `realization` are not read: units name their own.
pub fn params_from_flat(values: &[f64], g: usize) -> Result<ScenarioParams, Error> {
    let v = &values[g * PARAM_COUNT..(g + 1) * PARAM_COUNT];
    let bad = |i: usize, rule: &str| {
        let field = format!("params[{}].{}", g, PARAM_NAMES[i]);
        let message = format!("{} {}", field, rule);
        Error::invalid_input(field, message)
    };
    for i in 0..PARAM_COUNT {
        // drop (2) and realization (3) are ignored.
        if i != 2 && i != 3 && !v[i].is_finite() {
            return Err(bad(i, "must be a finite number"));
        }
    }
    if !(is_positive_integer(v[0]) && v[0] <= 4_294_967_295.0) {
        return Err(bad(0, "must be a positive integer below 2^32"));
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
    use crate::scenario::generate_from_params;
    use crate::solve::solve;

    /// ts/scenario.ts `resolveScenario({ clients, seed })` with the default presets.
    fn scenario(clients: usize, seed: u32) -> ScenarioParams {
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
        }
    }

    fn options(trials: u32, rounds: u32) -> MonteCarloOptions {
        MonteCarloOptions {
            methods: Method::ALL.to_vec(),
            trials,
            rounds,
            tolerance: 1e-10,
            max_iterations: 500,
        }
    }

    #[test]
    fn realizations_equal_the_generator() {
        let mut o = scenario(7, 3);
        o.shadowing_db = 4.0;
        let mut drops = DropProblems::new(&o, 5);
        for r in [0u32, 1, 17, 4_000_000_000] {
            o.drop = 5;
            o.realization = r;
            let expected = generate_from_params(&o).unwrap();
            let got = drops.realize(r).unwrap();
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
    fn js_numbers() {
        let cases: [(f64, &str); 16] = [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e300, "1e+300"),
            (5e-324, "5e-324"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000123, "0.000123"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "null"),
        ];
        for &(x, s) in cases.iter() {
            let mut out = String::new();
            write_js_number(&mut out, x);
            assert_eq!(out, s);
        }
        let mut out = String::new();
        write_js_number(&mut out, 2.0f64.powi(53) + 2.0);
        assert_eq!(out, "9007199254740994");
        for &x in [0.3, 1.0 / 3.0, 2.0 / 3.0 * 1e-5, 6.02214076e23, 1e-310].iter() {
            let mut out = String::new();
            write_js_number(&mut out, x);
            assert_eq!(out.parse::<f64>().unwrap(), x, "{}", out);
        }
    }

    #[test]
    fn json_shape() {
        let mut s = MethodSummary::empty();
        s.n = 2;
        s.mean = 1.5;
        s.min = 1.0;
        s.max = 2.0;
        s.hist = vec![(-3, 1), (693, 1)];
        let u = UnitSummary {
            grid: 1,
            drop: 2,
            block: 3,
            methods: vec![s],
        };
        assert_eq!(
            u.to_json(),
            "{\"grid\":1,\"drop\":2,\"block\":3,\"methods\":[{\"n\":2,\"mean\":1.5,\"m2\":0,\
             \"min\":1,\"max\":2,\"hist\":[[-3,1],[693,1]],\"pruningSum\":0,\"iterationSum\":0,\
             \"iterationLimited\":0,\"ftN\":0,\"ftMean\":0,\"ftM2\":0,\"gapN\":0,\"gapSum\":0,\
             \"gapMax\":0}]}"
        );
    }

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
        let e = run(&flat[..17], &[0, 0, 0], "bcd", 3.0, 1.0);
        assert_eq!(e.field, "params");
        let mut bad = flat.clone();
        bad[0] = 2.5;
        let e = run(&bad, &[0, 0, 0], "bcd", 3.0, 1.0);
        assert_eq!(e.field, "params[0].clients");
        assert_eq!(
            e.message,
            "params[0].clients must be a positive integer below 2^32"
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

    #[test]
    fn a_worker_panic_keeps_its_message() {
        let outcome = std::panic::catch_unwind(|| {
            parallel(6, 2, &|i| {
                if i == 3 {
                    panic!("unit {} exploded", i);
                }
                Ok(UnitSummary {
                    grid: 0,
                    drop: 0,
                    block: i as u32,
                    methods: Vec::new(),
                })
            })
        });
        let payload = outcome.unwrap_err();
        assert_eq!(
            payload.downcast_ref::<String>().map(|s| s.as_str()),
            Some("unit 3 exploded")
        );
    }

    #[test]
    fn block_counts() {
        assert_eq!(block_count(1), 1);
        assert_eq!(block_count(16), 1);
        assert_eq!(block_count(17), 2);
        assert_eq!(block_count(u32::MAX), 268_435_456);
    }
}
