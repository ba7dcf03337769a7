//! What the timing examples share (`mod common;` in each; a folder, so cargo does not take
//! it for an example of its own).

use std::time::Instant;

/// Seconds this thread has run on a CPU (Linux: CLOCK_THREAD_CPUTIME_ID), so timings on
/// a busy machine leave out the time other processes held the core; wall time elsewhere.
#[cfg(target_os = "linux")]
pub fn cpu_seconds(_origin: &Instant) -> f64 {
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
    // SAFETY: clock_gettime writes one timespec (two C longs on x86-64 Linux) to `ts`.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.sec as f64 + ts.nsec as f64 * 1e-9
}

#[cfg(not(target_os = "linux"))]
pub fn cpu_seconds(origin: &Instant) -> f64 {
    origin.elapsed().as_secs_f64()
}
