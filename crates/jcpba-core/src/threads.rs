//! The thread pool behind `montecarlo::run_units`: scoped OS threads that claim units
//! one at a time from a shared counter. Kept apart so the Monte Carlo loop holds no
//! threading code, and because wasm32 (no threads) swaps in a sequential stand-in here.

use crate::error::Error;
use crate::summary::UnitSummary;

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

// wasm32 has no threads: the units run in order.
#[cfg(target_arch = "wasm32")]
pub(crate) fn parallel(
    count: usize,
    _threads: usize,
    one: &(dyn Fn(usize) -> Result<UnitSummary, Error> + Sync),
) -> Result<Vec<UnitSummary>, Error> {
    (0..count).map(one).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
