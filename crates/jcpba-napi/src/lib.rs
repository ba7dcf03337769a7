//! Node-API binding of the JCPBA core, with no crate dependencies. It converts JS
//! arguments to core types, calls the core, and converts results and errors back;
//! every decision (validation, defaults, numerics) stays in `jcpba-core`.
//!
//! Exported JS functions (signatures in bindings/types.ts):
//! - `solve(scalars, computeSeconds, txPowerW, channelGain, dataWeight, maxPruning,
//!    fixedSeconds, minPruning, computePowerW, fixedJoules, energyCapJ, method,
//!    tolerance, maxIterations)` (the optional columns may be empty)
//! - `solveMany(scalars, offsets, computeSeconds, ..., energyCapJ, method,
//!    tolerance, maxIterations)`
//! - `minPruning(scalars, computeSeconds, ..., energyCapJ, deadline,
//!    tolerance, maxIterations)`: deadline mode (jcpba_core::deadline)
//! - `runUnits(params, specs, methods, trials, rounds, tolerance, maxIterations,
//!    threads)`: Monte Carlo units (jcpba_core::montecarlo), as a JSON array
//! - `plan(scalars, offsets, computeSeconds, ..., energyCapJ, method, policy, rounds0,
//!    pruningLimit, tolerance, maxIterations, convergenceExponent)`: fine-tuning plans
//!    (jcpba_core::plan), as a JSON array
//! - `version()`
//! - `lastRunThreads()`: CPU seconds and units of each thread of the last `runUnits`
//!   this JS thread made, as JSON (for bench/; not in the package's API)
//! - `kernels()`: the instruction set of the core's vector kernels on this CPU
//!   (`avx512f`, `avx2+fma` or `scalar`; `JCPBA_SIMD=off` forces `scalar`)

mod js;
mod sys;

/// The addon's own Rust allocations keep their freed blocks for the next call, so a
/// solve at steady state takes no pages from the kernel (see jcpba_reuse for why, and
/// why not glibc's `mallopt`). Node's memory is not affected.
#[global_allocator]
static ALLOC: jcpba_reuse::Reuse = jcpba_reuse::Reuse::new();

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use jcpba_core::{BatchView, Error, Method, ProblemView, SolveOptions, COLUMN_COUNT};

use js::{cstr, Failure, Js, JsResult};
use sys::*;

const SOLVE_ARGS: [&str; 14] = [
    "scalars",
    "computeSeconds",
    "txPowerW",
    "channelGain",
    "dataWeight",
    "maxPruning",
    "fixedSeconds",
    "minPruning",
    "computePowerW",
    "fixedJoules",
    "energyCapJ",
    "method",
    "tolerance",
    "maxIterations",
];

const SOLVE_MANY_ARGS: [&str; 15] = [
    "scalars",
    "offsets",
    "computeSeconds",
    "txPowerW",
    "channelGain",
    "dataWeight",
    "maxPruning",
    "fixedSeconds",
    "minPruning",
    "computePowerW",
    "fixedJoules",
    "energyCapJ",
    "method",
    "tolerance",
    "maxIterations",
];

const MIN_PRUNING_ARGS: [&str; 14] = [
    "scalars",
    "computeSeconds",
    "txPowerW",
    "channelGain",
    "dataWeight",
    "maxPruning",
    "fixedSeconds",
    "minPruning",
    "computePowerW",
    "fixedJoules",
    "energyCapJ",
    "deadline",
    "tolerance",
    "maxIterations",
];

const RUN_UNITS_ARGS: [&str; 8] = [
    "params",
    "specs",
    "methods",
    "trials",
    "rounds",
    "tolerance",
    "maxIterations",
    "threads",
];

/// The [`COLUMN_COUNT`] client columns starting at `args[0]` (names from `names`).
unsafe fn client_columns<'a>(
    js: &Js,
    args: &[napi_value],
    names: &[&str],
) -> JsResult<[&'a [f64]; COLUMN_COUNT]> {
    let mut columns: [&[f64]; COLUMN_COUNT] = [&[]; COLUMN_COUNT];
    for (i, column) in columns.iter_mut().enumerate() {
        *column = js.f64_array(args[i], names[i])?;
    }
    Ok(columns)
}

/// Method first, then options: the same order in which the core validates them.
unsafe fn method_and_options(js: &Js, args: &[napi_value]) -> JsResult<(Method, SolveOptions)> {
    let n = args.len();
    let method = Method::from_id(&js.string(args[n - 3], "method")?)?;
    let tolerance = js.number(args[n - 2], "tolerance")?;
    let max_iterations = js.number(args[n - 1], "maxIterations")?;
    Ok((
        method,
        SolveOptions::from_numbers(tolerance, max_iterations)?,
    ))
}

unsafe fn solve(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    let a = js.args(info, &SOLVE_ARGS)?;
    let scalars = js.f64_array(a[0], SOLVE_ARGS[0])?;
    let columns = client_columns(js, &a[1..], &SOLVE_ARGS[1..])?;
    let (method, options) = method_and_options(js, &a)?;
    let problem = ProblemView::from_scalars(scalars, columns)?;
    let solution = jcpba_core::solve(&problem, method, &options)?;
    js.solution(&solution)
}

unsafe fn solve_many(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    let a = js.args(info, &SOLVE_MANY_ARGS)?;
    let scalars = js.f64_array(a[0], SOLVE_MANY_ARGS[0])?;
    let offsets = js.u32_array(a[1], SOLVE_MANY_ARGS[1])?;
    let columns = client_columns(js, &a[2..], &SOLVE_MANY_ARGS[2..])?;
    let (method, options) = method_and_options(js, &a)?;
    let batch = BatchView::from_columns(scalars, offsets, columns);
    let solutions = jcpba_core::solve_many(&batch, method, &options)?;
    let array = js.new_array(solutions.len())?;
    for (i, s) in solutions.iter().enumerate() {
        js.set_element(array, i, js.solution(s)?)?;
    }
    Ok(array)
}

/// Deadline mode: the problem, then the deadline and the options as plain numbers, which
/// the core checks (deadline first).
unsafe fn min_pruning(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    let a = js.args(info, &MIN_PRUNING_ARGS)?;
    let scalars = js.f64_array(a[0], MIN_PRUNING_ARGS[0])?;
    let columns = client_columns(js, &a[1..], &MIN_PRUNING_ARGS[1..])?;
    let mut numbers = [0.0; 3];
    let at = 1 + COLUMN_COUNT;
    for (i, x) in numbers.iter_mut().enumerate() {
        *x = js.number(a[at + i], MIN_PRUNING_ARGS[at + i])?;
    }
    let options = jcpba_core::min_pruning_options(numbers[0], numbers[1], numbers[2])?;
    let problem = ProblemView::from_scalars(scalars, columns)?;
    let r = jcpba_core::min_pruning(&problem, numbers[0], &options)?;
    js.min_pruning(&r)
}

/// The arguments are only converted here; the core checks their values (in argument
/// order) and runs the units on `threads` threads while this call blocks.
unsafe fn run_units(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    let a = js.args(info, &RUN_UNITS_ARGS)?;
    let params = js.f64_array(a[0], RUN_UNITS_ARGS[0])?;
    let specs = js.u32_array(a[1], RUN_UNITS_ARGS[1])?;
    let methods = js.string(a[2], RUN_UNITS_ARGS[2])?;
    let mut numbers = [0.0; 5];
    for (i, x) in numbers.iter_mut().enumerate() {
        *x = js.number(a[3 + i], RUN_UNITS_ARGS[3 + i])?;
    }
    let json = jcpba_core::run_units_flat(
        params, specs, &methods, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4],
    )?;
    js.new_string(&json)
}

const PLAN_ARGS: [&str; 19] = [
    "scalars",
    "offsets",
    "computeSeconds",
    "txPowerW",
    "channelGain",
    "dataWeight",
    "maxPruning",
    "fixedSeconds",
    "minPruning",
    "computePowerW",
    "fixedJoules",
    "energyCapJ",
    "method",
    "policy",
    "rounds0",
    "pruningLimit",
    "tolerance",
    "maxIterations",
    "convergenceExponent",
];

/// The batch is read like `solveMany`'s; the core checks every value.
unsafe fn plan(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    let a = js.args(info, &PLAN_ARGS)?;
    let scalars = js.f64_array(a[0], PLAN_ARGS[0])?;
    let offsets = js.u32_array(a[1], PLAN_ARGS[1])?;
    let columns = client_columns(js, &a[2..], &PLAN_ARGS[2..])?;
    let at = 2 + COLUMN_COUNT;
    let method = Method::from_id(&js.string(a[at], PLAN_ARGS[at])?)?;
    let policy = js.string(a[at + 1], PLAN_ARGS[at + 1])?;
    let mut numbers = [0.0; 5];
    for (i, x) in numbers.iter_mut().enumerate() {
        *x = js.number(a[at + 2 + i], PLAN_ARGS[at + 2 + i])?;
    }
    let batch = BatchView::from_columns(scalars, offsets, columns);
    let json = jcpba_core::plan_flat(
        &batch, method, &policy, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4],
    )?;
    js.new_string(&json)
}

unsafe fn version(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    js.args(info, &[])?;
    js.new_string(jcpba_core::VERSION)
}

/// The threads of the last `runUnits` this JS thread made: `[{"cpuSeconds", "units"}]`
/// (bench/sweep-throughput.mjs's thread scaling; not part of the package's API).
unsafe fn last_run_threads(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    js.args(info, &[])?;
    let runs: Vec<String> = jcpba_core::threads::last_run()
        .iter()
        .map(|r| {
            let cpu = if r.cpu_seconds.is_finite() {
                format!("{}", r.cpu_seconds)
            } else {
                "null".to_string()
            };
            format!("{{\"cpuSeconds\":{},\"units\":{}}}", cpu, r.units)
        })
        .collect();
    js.new_string(&format!("[{}]", runs.join(",")))
}

/// The calling thread's CPU seconds, for the core's record of each sweep thread's work.
fn thread_cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec (two C longs on 64-bit Linux, the only
    // target this addon is built for) to `ts`.
    if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return f64::NAN;
    }
    ts.sec as f64 + ts.nsec as f64 * 1e-9
}

unsafe fn kernels(js: &Js, info: napi_callback_info) -> JsResult<napi_value> {
    js.args(info, &[])?;
    js.new_string(jcpba_core::simd::level().name())
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown panic payload"
    }
}

/// Runs one entry point. A panic must never unwind into Node (undefined behaviour
/// across `extern "C"`), so it is caught here and thrown as an `internal` error.
unsafe fn run(
    env: napi_env,
    info: napi_callback_info,
    function: &'static str,
    body: unsafe fn(&Js, napi_callback_info) -> JsResult<napi_value>,
) -> napi_value {
    let js = Js { env, function };
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&js, info)));
    let failure = match outcome {
        Ok(Ok(value)) => return value,
        Ok(Err(failure)) => failure,
        // Same wording as the WASM module's panic hook; the default hook has already
        // printed the location (and a backtrace if asked) to stderr.
        Err(payload) => Failure::Core(Error::internal(format!(
            "internal error (panic in the native addon): {}",
            panic_message(payload.as_ref())
        ))),
    };
    // Throwing calls into Node-API again; a panic there would have nowhere to go.
    let _ = catch_unwind(AssertUnwindSafe(|| js.throw(failure)));
    ptr::null_mut()
}

unsafe extern "C" fn solve_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "solve", solve)
}

unsafe extern "C" fn solve_many_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "solveMany", solve_many)
}

unsafe extern "C" fn min_pruning_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "minPruning", min_pruning)
}

unsafe extern "C" fn run_units_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "runUnits", run_units)
}

unsafe extern "C" fn plan_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "plan", plan)
}

unsafe extern "C" fn version_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "version", version)
}

unsafe extern "C" fn last_run_threads_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "lastRunThreads", last_run_threads)
}

unsafe extern "C" fn kernels_cb(env: napi_env, info: napi_callback_info) -> napi_value {
    run(env, info, "kernels", kernels)
}

unsafe fn register(js: &Js, exports: napi_value) -> JsResult<()> {
    let functions: [(
        &str,
        unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value,
    ); 8] = [
        ("solve", solve_cb),
        ("solveMany", solve_many_cb),
        ("minPruning", min_pruning_cb),
        ("runUnits", run_units_cb),
        ("plan", plan_cb),
        ("version", version_cb),
        ("kernels", kernels_cb),
        ("lastRunThreads", last_run_threads_cb),
    ];
    jcpba_core::threads::set_thread_clock(thread_cpu_seconds);
    for &(name, callback) in functions.iter() {
        let mut function = ptr::null_mut();
        js.check(
            napi_create_function(
                js.env,
                name.as_ptr() as *const _,
                name.len(),
                Some(callback),
                ptr::null_mut(),
                &mut function,
            ),
            "napi_create_function",
        )?;
        let key = js.new_string(name)?;
        js.check(
            napi_set_property(js.env, exports, key, function),
            "napi_set_property",
        )?;
    }
    Ok(())
}

/// The well-known symbol Node looks up when it loads an addon that did not register
/// itself through a static constructor.
///
/// # Safety
/// Called by Node only, with a live `env` and the module's `exports` object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    let js = Js {
        env,
        function: "load",
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| register(&js, exports)));
    match outcome {
        Ok(Ok(())) => exports,
        Ok(Err(failure)) => {
            js.throw(failure);
            ptr::null_mut()
        }
        Err(_) => {
            napi_throw_error(
                env,
                cstr!("internal"),
                cstr!("jcpba: panic while loading the native addon"),
            );
            ptr::null_mut()
        }
    }
}
