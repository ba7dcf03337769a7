//! WebAssembly exports of the JCPBA core over linear memory, for
//! wasm32-unknown-unknown without wasm-bindgen. The TypeScript loader
//! (bindings/wasm.ts) copies inputs into memory from `jcpba_alloc`, calls an entry
//! point, and reads outputs and the last error back. Like the N-API binding, this
//! crate converts and decides nothing.
//!
//! Conventions:
//! - Arrays cross as (pointer, length in elements). A zero length never dereferences
//!   its pointer.
//! - Entry points return 0 on success and 1 on error; the error is then readable
//!   through the `jcpba_error_*` accessors until the next call.
//! - A panic aborts, which traps; the panic hook first stores the panic message as
//!   the last error (cleared when each entry point starts), so the loader can report it.

use std::cell::RefCell;
use std::slice;
use std::sync::Once;

use jcpba_core::{
    BatchView, Error, ErrorCode, Method, MinPruning, ProblemView, Solution, SolveOptions,
    COLUMN_COUNT,
};

/// f64 slots per solution header: latency, iterations, status code, lowerBound,
/// upperBound, energyTotal, energyMax, uploadBits, computeSeconds (NaN when absent or
/// infeasible), and the number of infeasible clients.
pub const HEADER_LEN: usize = 10;

/// f64 slots of deadline mode's header: status code, iterations, weightedPruning,
/// lowerBound, upperBound, latency, minDeadline (NaN when absent or null), and the number
/// of infeasible clients (NaN when the result names none: MODEL.md 11.2).
pub const MIN_PRUNING_HEADER_LEN: usize = 8;

/// Block alignment of `jcpba_alloc`: enough for every f64 and u32 array.
const ALIGN: usize = 8;

struct LastError {
    message: String,
    field: String,
    code: &'static str,
    client: i32,
}

thread_local! {
    /// The last `jcpba_run_units` or `jcpba_plan` result (JSON), readable until the next call.
    static RESULT: RefCell<String> = const { RefCell::new(String::new()) };
    // wasm32-unknown-unknown is single-threaded, so this is just a global.
    static LAST_ERROR: RefCell<LastError> = const {
        RefCell::new(LastError { message: String::new(), field: String::new(), code: "", client: -1 })
    };
}

fn set_last_error(e: Error) {
    LAST_ERROR.with(|last| {
        *last.borrow_mut() = LastError {
            message: e.message,
            field: e.field,
            code: e.code.as_str(),
            // A client index always fits: K columns of f64 must fit in 4 GiB of memory.
            client: e.client.map_or(-1, |k| k as i32),
        };
    });
}

/// Installs (once) a panic hook that records the panic as the last error before the
/// abort traps: the loader reads it from the trapped instance's memory.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let what = match (
                payload.downcast_ref::<&str>(),
                payload.downcast_ref::<String>(),
            ) {
                (Some(s), _) => s,
                (None, Some(s)) => s.as_str(),
                (None, None) => "unknown panic payload",
            };
            // No stderr here, so the location travels in the message.
            let message = match info.location() {
                Some(at) => format!(
                    "internal error (panic in the WASM module): {} ({}:{})",
                    what,
                    at.file(),
                    at.line()
                ),
                None => format!("internal error (panic in the WASM module): {}", what),
            };
            // try_borrow_mut: the panic may have happened while the error was borrowed.
            let _ = LAST_ERROR.try_with(|last| {
                if let Ok(mut last) = last.try_borrow_mut() {
                    *last = LastError {
                        message,
                        field: String::new(),
                        code: ErrorCode::Internal.as_str(),
                        client: -1,
                    };
                }
            });
        }));
    });
}

/// Starts an entry point: makes sure panics are recorded, and clears the last error
/// so that after a trap the loader can tell a recorded panic from a stale error.
fn begin() {
    install_panic_hook();
    LAST_ERROR.with(|last| {
        let mut last = last.borrow_mut();
        last.message.clear();
        last.field.clear();
        last.code = "";
        last.client = -1;
    });
}

/// Maps a core result onto the 0/1 return convention.
fn report(result: Result<(), Error>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            set_last_error(e);
            1
        }
    }
}

unsafe fn input<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        &[]
    } else {
        slice::from_raw_parts(ptr, len)
    }
}

unsafe fn output<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 {
        &mut []
    } else {
        slice::from_raw_parts_mut(ptr, len)
    }
}

fn write_header(header: &mut [f64], s: &Solution) {
    header[0] = s.latency;
    header[1] = s.iterations as f64;
    header[2] = s.status.code() as f64;
    header[3] = s.lower_bound.unwrap_or(f64::NAN);
    header[4] = s.upper_bound.unwrap_or(f64::NAN);
    header[5] = s.energy_total;
    header[6] = s.energy_max;
    header[7] = s.upload_bits;
    header[8] = s.compute_seconds;
    header[9] = s.infeasible_clients.len() as f64;
}

/// One solution's per-client outputs, each a slice of K slots: the point and its energy
/// when there is one, else the infeasible clients' indices (as f64) at the front of the last.
struct ClientOutputs<'a> {
    pruning: &'a mut [f64],
    bandwidth: &'a mut [f64],
    client_latency: &'a mut [f64],
    energy: &'a mut [f64],
    infeasible: &'a mut [f64],
}

fn write_clients(out: ClientOutputs, s: &Solution) {
    if s.has_point() {
        out.pruning.copy_from_slice(&s.pruning);
        out.bandwidth.copy_from_slice(&s.bandwidth);
        out.client_latency.copy_from_slice(&s.client_latency);
        out.energy.copy_from_slice(&s.energy);
    } else {
        for (slot, &k) in out.infeasible.iter_mut().zip(s.infeasible_clients.iter()) {
            *slot = k as f64;
        }
    }
}

/// The [`COLUMN_COUNT`] client columns from (pointer, length) pairs.
unsafe fn columns<'a>(pairs: [(*const f64, usize); COLUMN_COUNT]) -> [&'a [f64]; COLUMN_COUNT] {
    let mut out: [&[f64]; COLUMN_COUNT] = [&[]; COLUMN_COUNT];
    for (slot, &(ptr, len)) in out.iter_mut().zip(pairs.iter()) {
        *slot = input(ptr, len);
    }
    out
}

/// Allocates `bytes` bytes aligned to 8; returns null when memory cannot grow.
#[no_mangle]
pub extern "C" fn jcpba_alloc(bytes: usize) -> *mut u8 {
    install_panic_hook();
    if bytes == 0 {
        // A well-aligned dangling pointer: never dereferenced for zero-length arrays.
        return ALIGN as *mut u8;
    }
    match std::alloc::Layout::from_size_align(bytes, ALIGN) {
        Ok(layout) => unsafe { std::alloc::alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Frees a block from `jcpba_alloc`.
///
/// # Safety
/// `ptr` must come from `jcpba_alloc(bytes)` with the same `bytes`, and not be freed twice.
#[no_mangle]
pub unsafe extern "C" fn jcpba_free(ptr: *mut u8, bytes: usize) {
    if bytes == 0 || ptr.is_null() {
        return;
    }
    if let Ok(layout) = std::alloc::Layout::from_size_align(bytes, ALIGN) {
        std::alloc::dealloc(ptr, layout);
    }
}

/// Parses a UTF-8 method id. Returns its code (docs/CORE_API.md), or -1 with the
/// core's `unknown-method` error as the last error.
///
/// # Safety
/// `id` must point to `len` readable bytes (any pointer when `len` is 0).
#[no_mangle]
pub unsafe extern "C" fn jcpba_method_code(id: *const u8, len: usize) -> i32 {
    begin();
    // The loader encodes a JS string, which is always valid UTF-8 after TextEncoder.
    let id = String::from_utf8_lossy(input(id, len));
    match Method::from_id(&id) {
        Ok(m) => m.code() as i32,
        Err(e) => {
            set_last_error(e);
            -1
        }
    }
}

/// Solves one problem. Inputs: the 6 scalars and the 10 client columns of
/// `jcpba_core::COLUMN_NAMES` (the optional ones may be empty), each with its own length
/// (so the core reports length mismatches itself). Outputs, allocated by the caller:
/// pruning, bandwidth, clientLatency, energy and infeasibleClients with `compute_len`
/// slots each (the first four written when there is a point, the last, its first
/// `header[9]` slots, when infeasible), and a header of `HEADER_LEN` slots.
///
/// # Safety
/// Every (pointer, length) pair must be readable for that many elements, and the
/// outputs writable for the sizes above and disjoint from the inputs.
#[no_mangle]
pub unsafe extern "C" fn jcpba_solve(
    scalars: *const f64,
    scalars_len: usize,
    compute_seconds: *const f64,
    compute_len: usize,
    tx_power_w: *const f64,
    tx_power_len: usize,
    channel_gain: *const f64,
    channel_gain_len: usize,
    data_weight: *const f64,
    data_weight_len: usize,
    max_pruning: *const f64,
    max_pruning_len: usize,
    fixed_seconds: *const f64,
    fixed_seconds_len: usize,
    min_pruning: *const f64,
    min_pruning_len: usize,
    compute_power_w: *const f64,
    compute_power_len: usize,
    fixed_joules: *const f64,
    fixed_joules_len: usize,
    energy_cap_j: *const f64,
    energy_cap_len: usize,
    method: u32,
    tolerance: f64,
    max_iterations: f64,
    pruning_out: *mut f64,
    bandwidth_out: *mut f64,
    client_latency_out: *mut f64,
    energy_out: *mut f64,
    infeasible_out: *mut f64,
    header_out: *mut f64,
) -> u32 {
    begin();
    report((|| {
        let method = Method::from_code(method)?;
        let options = SolveOptions::from_numbers(tolerance, max_iterations)?;
        let problem = ProblemView::from_scalars(input(scalars, scalars_len), columns([
            (compute_seconds, compute_len),
            (tx_power_w, tx_power_len),
            (channel_gain, channel_gain_len),
            (data_weight, data_weight_len),
            (max_pruning, max_pruning_len),
            (fixed_seconds, fixed_seconds_len),
            (min_pruning, min_pruning_len),
            (compute_power_w, compute_power_len),
            (fixed_joules, fixed_joules_len),
            (energy_cap_j, energy_cap_len),
        ]))?;
        let s = jcpba_core::solve(&problem, method, &options)?;
        write_clients(
            ClientOutputs {
                pruning: output(pruning_out, compute_len),
                bandwidth: output(bandwidth_out, compute_len),
                client_latency: output(client_latency_out, compute_len),
                energy: output(energy_out, compute_len),
                infeasible: output(infeasible_out, compute_len),
            },
            &s,
        );
        write_header(output(header_out, HEADER_LEN), &s);
        Ok(())
    })())
}

/// Solves a batch (layout of `jcpba_core::BatchView`). Outputs: pruning, bandwidth,
/// clientLatency, energy and infeasibleClients concatenated like the inputs
/// (`compute_len` slots each; a problem's infeasible clients at the front of its rows),
/// and `HEADER_LEN` header slots per problem (`offsets_len - 1` problems).
///
/// # Safety
/// As for `jcpba_solve`.
#[no_mangle]
pub unsafe extern "C" fn jcpba_solve_many(
    scalars: *const f64,
    scalars_len: usize,
    offsets: *const u32,
    offsets_len: usize,
    compute_seconds: *const f64,
    compute_len: usize,
    tx_power_w: *const f64,
    tx_power_len: usize,
    channel_gain: *const f64,
    channel_gain_len: usize,
    data_weight: *const f64,
    data_weight_len: usize,
    max_pruning: *const f64,
    max_pruning_len: usize,
    fixed_seconds: *const f64,
    fixed_seconds_len: usize,
    min_pruning: *const f64,
    min_pruning_len: usize,
    compute_power_w: *const f64,
    compute_power_len: usize,
    fixed_joules: *const f64,
    fixed_joules_len: usize,
    energy_cap_j: *const f64,
    energy_cap_len: usize,
    method: u32,
    tolerance: f64,
    max_iterations: f64,
    pruning_out: *mut f64,
    bandwidth_out: *mut f64,
    client_latency_out: *mut f64,
    energy_out: *mut f64,
    infeasible_out: *mut f64,
    headers_out: *mut f64,
) -> u32 {
    begin();
    report((|| {
        let method = Method::from_code(method)?;
        let options = SolveOptions::from_numbers(tolerance, max_iterations)?;
        let batch = BatchView::from_columns(
            input(scalars, scalars_len),
            input(offsets, offsets_len),
            columns([
            (compute_seconds, compute_len),
            (tx_power_w, tx_power_len),
            (channel_gain, channel_gain_len),
            (data_weight, data_weight_len),
            (max_pruning, max_pruning_len),
            (fixed_seconds, fixed_seconds_len),
            (min_pruning, min_pruning_len),
            (compute_power_w, compute_power_len),
            (fixed_joules, fixed_joules_len),
            (energy_cap_j, energy_cap_len),
        ]),
        );
        let solutions = jcpba_core::solve_many(&batch, method, &options)?;
        // solve_many succeeded, so the offsets are a valid partition of compute_len rows.
        let pruning = output(pruning_out, compute_len);
        let bandwidth = output(bandwidth_out, compute_len);
        let client_latency = output(client_latency_out, compute_len);
        let energy = output(energy_out, compute_len);
        let infeasible = output(infeasible_out, compute_len);
        let headers = output(headers_out, HEADER_LEN * solutions.len());
        for (i, s) in solutions.iter().enumerate() {
            let rows = batch.offsets[i] as usize..batch.offsets[i + 1] as usize;
            write_clients(
                ClientOutputs {
                    pruning: &mut pruning[rows.clone()],
                    bandwidth: &mut bandwidth[rows.clone()],
                    client_latency: &mut client_latency[rows.clone()],
                    energy: &mut energy[rows.clone()],
                    infeasible: &mut infeasible[rows],
                },
                s,
            );
            write_header(&mut headers[HEADER_LEN * i..HEADER_LEN * (i + 1)], s);
        }
        Ok(())
    })())
}

fn write_min_pruning_header(header: &mut [f64], r: &MinPruning) {
    header[0] = r.status.code() as f64;
    header[1] = r.iterations as f64;
    header[2] = r.weighted_pruning.unwrap_or(f64::NAN);
    header[3] = r.lower_bound.unwrap_or(f64::NAN);
    header[4] = r.upper_bound.unwrap_or(f64::NAN);
    header[5] = r.latency.unwrap_or(f64::NAN);
    header[6] = r.min_deadline.unwrap_or(f64::NAN);
    header[7] = r
        .infeasible_clients
        .as_ref()
        .map_or(f64::NAN, |list| list.len() as f64);
}

/// Deadline mode (`jcpba_core::min_pruning`): the least weighted pruning that meets
/// `deadline` seconds. Inputs as for `jcpba_solve`, then the deadline and the options.
/// Outputs, allocated by the caller: pruning, bandwidth and clientLatency with
/// `compute_len` slots each (written only when a point exists, i.e. not infeasible),
/// infeasibleClients with `compute_len` slots (the clients' indices at its front, when
/// the result names them: `header[7]` of them), and a header of `MIN_PRUNING_HEADER_LEN`
/// slots.
///
/// # Safety
/// As for `jcpba_solve`.
#[no_mangle]
pub unsafe extern "C" fn jcpba_min_pruning(
    scalars: *const f64,
    scalars_len: usize,
    compute_seconds: *const f64,
    compute_len: usize,
    tx_power_w: *const f64,
    tx_power_len: usize,
    channel_gain: *const f64,
    channel_gain_len: usize,
    data_weight: *const f64,
    data_weight_len: usize,
    max_pruning: *const f64,
    max_pruning_len: usize,
    fixed_seconds: *const f64,
    fixed_seconds_len: usize,
    min_pruning: *const f64,
    min_pruning_len: usize,
    compute_power_w: *const f64,
    compute_power_len: usize,
    fixed_joules: *const f64,
    fixed_joules_len: usize,
    energy_cap_j: *const f64,
    energy_cap_len: usize,
    deadline: f64,
    tolerance: f64,
    max_iterations: f64,
    pruning_out: *mut f64,
    bandwidth_out: *mut f64,
    client_latency_out: *mut f64,
    infeasible_out: *mut f64,
    header_out: *mut f64,
) -> u32 {
    begin();
    report((|| {
        let options = jcpba_core::min_pruning_options(deadline, tolerance, max_iterations)?;
        let problem = ProblemView::from_scalars(input(scalars, scalars_len), columns([
            (compute_seconds, compute_len),
            (tx_power_w, tx_power_len),
            (channel_gain, channel_gain_len),
            (data_weight, data_weight_len),
            (max_pruning, max_pruning_len),
            (fixed_seconds, fixed_seconds_len),
            (min_pruning, min_pruning_len),
            (compute_power_w, compute_power_len),
            (fixed_joules, fixed_joules_len),
            (energy_cap_j, energy_cap_len),
        ]))?;
        let r = jcpba_core::min_pruning(&problem, deadline, &options)?;
        if r.weighted_pruning.is_some() {
            output(pruning_out, compute_len).copy_from_slice(&r.pruning);
            output(bandwidth_out, compute_len).copy_from_slice(&r.bandwidth);
            output(client_latency_out, compute_len).copy_from_slice(&r.client_latency);
        }
        if let Some(list) = r.infeasible_clients.as_ref() {
            let out = output(infeasible_out, compute_len);
            for (slot, &k) in out.iter_mut().zip(list.iter()) {
                *slot = k as f64;
            }
        }
        write_min_pruning_header(output(header_out, MIN_PRUNING_HEADER_LEN), &r);
        Ok(())
    })())
}

/// Runs a batch of Monte Carlo units (`jcpba_core::run_units_flat`; there are no
/// threads here, so `threads` is only checked). Inputs: `params` (34 f64 per grid
/// point), `specs` (3 u32 per unit) and the comma-separated method ids (UTF-8). On
/// success the JSON array of unit summaries is readable through `jcpba_result_ptr` and
/// `jcpba_result_len` until the next call.
///
/// # Safety
/// Every (pointer, length) pair must be readable for that many elements.
#[no_mangle]
pub unsafe extern "C" fn jcpba_run_units(
    params: *const f64,
    params_len: usize,
    specs: *const u32,
    specs_len: usize,
    methods: *const u8,
    methods_len: usize,
    trials: f64,
    rounds: f64,
    tolerance: f64,
    max_iterations: f64,
    threads: f64,
) -> u32 {
    begin();
    RESULT.with(|r| *r.borrow_mut() = String::new());
    report((|| {
        let methods = String::from_utf8_lossy(input(methods, methods_len));
        let json = jcpba_core::run_units_flat(
            input(params, params_len),
            input(specs, specs_len),
            &methods,
            trials,
            rounds,
            tolerance,
            max_iterations,
            threads,
        )?;
        RESULT.with(|r| *r.borrow_mut() = json);
        Ok(())
    })())
}

/// Plans the fine-tuning of one drop (`jcpba_core::plan_flat`) over a batch laid out as
/// for `jcpba_solve_many`; `method` is a method code, `policy` the UTF-8 policy id. On
/// success the JSON array of the plans is readable through `jcpba_result_ptr` and
/// `jcpba_result_len` until the next call.
///
/// # Safety
/// Every (pointer, length) pair must be readable for that many elements.
#[no_mangle]
pub unsafe extern "C" fn jcpba_plan(
    scalars: *const f64,
    scalars_len: usize,
    offsets: *const u32,
    offsets_len: usize,
    compute_seconds: *const f64,
    compute_len: usize,
    tx_power_w: *const f64,
    tx_power_len: usize,
    channel_gain: *const f64,
    channel_gain_len: usize,
    data_weight: *const f64,
    data_weight_len: usize,
    max_pruning: *const f64,
    max_pruning_len: usize,
    fixed_seconds: *const f64,
    fixed_seconds_len: usize,
    min_pruning: *const f64,
    min_pruning_len: usize,
    compute_power_w: *const f64,
    compute_power_len: usize,
    fixed_joules: *const f64,
    fixed_joules_len: usize,
    energy_cap_j: *const f64,
    energy_cap_len: usize,
    method: u32,
    policy: *const u8,
    policy_len: usize,
    rounds0: f64,
    pruning_limit: f64,
    tolerance: f64,
    max_iterations: f64,
    convergence_exponent: f64,
) -> u32 {
    begin();
    RESULT.with(|r| *r.borrow_mut() = String::new());
    report((|| {
        let method = Method::from_code(method)?;
        let policy = String::from_utf8_lossy(input(policy, policy_len));
        let batch = BatchView::from_columns(
            input(scalars, scalars_len),
            input(offsets, offsets_len),
            columns([
            (compute_seconds, compute_len),
            (tx_power_w, tx_power_len),
            (channel_gain, channel_gain_len),
            (data_weight, data_weight_len),
            (max_pruning, max_pruning_len),
            (fixed_seconds, fixed_seconds_len),
            (min_pruning, min_pruning_len),
            (compute_power_w, compute_power_len),
            (fixed_joules, fixed_joules_len),
            (energy_cap_j, energy_cap_len),
        ]),
        );
        let json = jcpba_core::plan_flat(
            &batch,
            method,
            &policy,
            rounds0,
            pruning_limit,
            tolerance,
            max_iterations,
            convergence_exponent,
        )?;
        RESULT.with(|r| *r.borrow_mut() = json);
        Ok(())
    })())
}

/// The last `jcpba_run_units` or `jcpba_plan` result (UTF-8 JSON): pointer and byte length.
#[no_mangle]
pub extern "C" fn jcpba_result_ptr() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn jcpba_result_len() -> usize {
    RESULT.with(|r| r.borrow().len())
}

fn with_last_error<T>(f: impl FnOnce(&LastError) -> T) -> T {
    LAST_ERROR.with(|last| f(&last.borrow()))
}

/// The last error's message (UTF-8): pointer and byte length.
#[no_mangle]
pub extern "C" fn jcpba_error_ptr() -> *const u8 {
    with_last_error(|e| e.message.as_ptr())
}

#[no_mangle]
pub extern "C" fn jcpba_error_len() -> usize {
    with_last_error(|e| e.message.len())
}

/// The last error's `field` (UTF-8).
#[no_mangle]
pub extern "C" fn jcpba_error_field_ptr() -> *const u8 {
    with_last_error(|e| e.field.as_ptr())
}

#[no_mangle]
pub extern "C" fn jcpba_error_field_len() -> usize {
    with_last_error(|e| e.field.len())
}

/// The last error's `code` (ASCII, e.g. `invalid-input`).
#[no_mangle]
pub extern "C" fn jcpba_error_code_ptr() -> *const u8 {
    with_last_error(|e| e.code.as_ptr())
}

#[no_mangle]
pub extern "C" fn jcpba_error_code_len() -> usize {
    with_last_error(|e| e.code.len())
}

/// The last error's client index, or -1 when no client is at fault.
#[no_mangle]
pub extern "C" fn jcpba_error_client() -> i32 {
    with_last_error(|e| e.client)
}

/// The core's version string (ASCII).
#[no_mangle]
pub extern "C" fn jcpba_version_ptr() -> *const u8 {
    jcpba_core::VERSION.as_ptr()
}

#[no_mangle]
pub extern "C" fn jcpba_version_len() -> usize {
    jcpba_core::VERSION.len()
}

/// The instruction set the core's kernels run on (ASCII): `simd128` in the module built
/// with it, `scalar` in the build without SIMD.
#[no_mangle]
pub extern "C" fn jcpba_kernels_ptr() -> *const u8 {
    jcpba_core::simd::level().name().as_ptr()
}

#[no_mangle]
pub extern "C" fn jcpba_kernels_len() -> usize {
    jcpba_core::simd::level().name().len()
}
