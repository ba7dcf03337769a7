//! The thread pool behind `montecarlo::run_units`: scoped OS threads that claim units
//! one at a time from a shared counter. Kept apart so the Monte Carlo loop holds no
//! threading code, and because wasm32 (no threads) swaps in a sequential stand-in here.

use crate::error::Error;
use crate::summary::UnitSummary;
use std::cell::RefCell;
use std::sync::Mutex;

/// One thread's share of the last `run_units` its caller made: the CPU seconds it spent
/// in its units (NaN without `set_thread_clock`) and how many it ran. For the benchmark's thread
/// scaling (bench/sweep-throughput.mjs): on a shared machine the wall clock of a run with
/// two threads measures the scheduler, while the busiest thread's CPU time is how long
/// the run would take with a core per thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThreadRun {
    pub cpu_seconds: f64,
    pub units: usize,
}

thread_local! {
    /// Per calling thread, so that concurrent callers (tests, JS workers) do not mix.
    static LAST_RUN: RefCell<Vec<ThreadRun>> = const { RefCell::new(Vec::new()) };
}

/// The threads of the last `run_units` this thread called, in no order.
pub fn last_run() -> Vec<ThreadRun> {
    LAST_RUN.with(|v| v.borrow().clone())
}

fn record(runs: Vec<ThreadRun>) {
    LAST_RUN.with(|v| *v.borrow_mut() = runs);
}

/// The clock of `ThreadRun::cpu_seconds`: the calling thread's CPU seconds. Set by the
/// native addon (clock_gettime(CLOCK_THREAD_CPUTIME_ID), an FFI call this crate keeps
/// out of its safe code); without one the figures are NaN.
static THREAD_CLOCK: Mutex<Option<fn() -> f64>> = Mutex::new(None);

pub fn set_thread_clock(clock: fn() -> f64) {
    match THREAD_CLOCK.lock() {
        Ok(mut c) => *c = Some(clock),
        Err(poisoned) => *poisoned.into_inner() = Some(clock),
    }
}

fn thread_cpu_seconds() -> f64 {
    let clock = match THREAD_CLOCK.lock() {
        Ok(c) => *c,
        Err(poisoned) => *poisoned.into_inner(),
    };
    clock.map_or(f64::NAN, |f| f())
}

/// Runs `one(i)` for every i in 0..count in order on the calling thread (wasm32, or one
/// thread), recording its CPU time as `last_run`'s only thread.
pub(crate) fn sequential(
    count: usize,
    one: &dyn Fn(usize) -> Result<UnitSummary, Error>,
) -> Result<Vec<UnitSummary>, Error> {
    let start = thread_cpu_seconds();
    let out: Result<Vec<UnitSummary>, Error> = (0..count).map(one).collect();
    record(vec![ThreadRun {
        cpu_seconds: thread_cpu_seconds() - start,
        units: count,
    }]);
    out
}

/// Runs `one(i)` for every i in 0..count on `threads` scoped threads and returns the
/// results in index order, or the error of the first failing index; a worker's panic is
/// re-raised with its own payload. After a failure, workers claim no further units.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn parallel(
    count: usize,
    threads: usize,
    one: &(dyn Fn(usize) -> Result<UnitSummary, Error> + Sync),
) -> Result<Vec<UnitSummary>, Error> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let worker = || {
        let start = thread_cpu_seconds();
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
        let run = ThreadRun {
            cpu_seconds: thread_cpu_seconds() - start,
            units: done.len(),
        };
        (done, run)
    };
    let mut slots: Vec<Option<Result<UnitSummary, Error>>> = (0..count).map(|_| None).collect();
    let mut panic = None;
    let mut runs = Vec::with_capacity(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        // Every handle is joined here, so the scope itself never panics; a worker's
        // panic is re-raised below with its own payload (and message).
        for h in handles {
            match h.join() {
                Ok((done, run)) => {
                    for (i, r) in done {
                        slots[i] = Some(r);
                    }
                    runs.push(run);
                }
                Err(payload) => {
                    if panic.is_none() {
                        panic = Some(payload);
                    }
                }
            }
        }
    });
    record(runs);
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

// wasm32 has no threads: the units run in order.
#[cfg(target_arch = "wasm32")]
pub(crate) fn parallel(
    count: usize,
    _threads: usize,
    one: &(dyn Fn(usize) -> Result<UnitSummary, Error> + Sync),
) -> Result<Vec<UnitSummary>, Error> {
    sequential(count, one)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thread_of_a_run_is_recorded_with_its_units_and_cpu_time() {
        // Any clock that advances checks the bookkeeping; the addon's counts CPU time.
        fn clock() -> f64 {
            use std::time::{SystemTime, UNIX_EPOCH};
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs_f64()
        }
        set_thread_clock(clock);
        let busy = |i: usize| {
            // Some work that takes CPU time (a few ms), so every thread's figure is positive.
            let mut x = 1.0f64;
            for k in 0..200_000 {
                x = (x + k as f64).sqrt();
            }
            Ok(UnitSummary {
                grid: 0,
                drop: 0,
                block: i as u32 + (x < 0.0) as u32,
                methods: Vec::new(),
            })
        };
        let out = parallel(9, 3, &busy).unwrap();
        assert_eq!(out.len(), 9);
        let runs = last_run();
        assert_eq!(runs.len(), 3);
        assert_eq!(runs.iter().map(|r| r.units).sum::<usize>(), 9);
        assert!(
            runs.iter()
                .filter(|r| r.units > 0)
                .all(|r| r.cpu_seconds > 0.0),
            "{:?}",
            runs
        );
        sequential(4, &busy).unwrap();
        let runs = last_run();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].units, 4);
        assert!(runs[0].cpu_seconds > 0.0);
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
}
