//! A solve at steady state takes no memory from the system (issue 22, "allocation").
//!
//! This test binary declares the native addon's allocator (`jcpba_reuse::Reuse`, as
//! crates/jcpba-napi/src/lib.rs does), wrapped in a counter, and calls the entries the
//! addon calls (`solve` for every method, `min_pruning` for deadline mode) on generated
//! scenarios of K = 1,000 and K = 100,000 clients. After a warm-up it counts, over
//! further solves of the same problems:
//!
//! - blocks of 1 KiB and more that the allocator had to take from the system (cache
//!   misses, `Reuse::stats().fresh`): must be 0. These are the per-client columns: the
//!   solver's scratch and the returned point (`pruning`, `bandwidth`, `client_latency`,
//!   `energy`: 4 x 8 bytes per client, which the caller owns and must be allocated
//!   for each result; the allocator hands back the blocks the previous result freed);
//! - blocks under 1 KiB (they go to the system allocator, whose bins keep them): their
//!   number per solve must not depend on K;
//! - minor page faults of the process (`/proc/self/stat`, field 10): at steady state a
//!   solve touches only pages it already mapped, so the measured solves fault at most
//!   `MAX_STEADY_FAULTS` times (with glibc's allocator alone, which unmaps or trims the
//!   freed columns, each call at K = 100,000 faults thousands of pages).
//!
//! The allocator is global to this binary only, so it has exactly one test function:
//! no other test's allocations run at the same time.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use jcpba_core::scenario::generate_from_params;
use jcpba_core::support::default_scenario;
use jcpba_core::{min_pruning, solve, Method, Problem, SolveOptions, Status};
use jcpba_reuse::{Reuse, MIN_CACHED};

struct Counting {
    inner: Reuse,
    calls: AtomicUsize,
    bytes: AtomicUsize,
    small: AtomicUsize,
}

impl Counting {
    fn count(&self, layout: &Layout) {
        self.calls.fetch_add(1, Relaxed);
        self.bytes.fetch_add(layout.size(), Relaxed);
        if layout.size() < MIN_CACHED {
            self.small.fetch_add(1, Relaxed);
        }
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.count(&layout);
        self.inner.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.count(&layout);
        self.inner.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        self.inner.dealloc(block, layout)
    }
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.count(&Layout::from_size_align_unchecked(new_size, layout.align()));
        self.inner.realloc(block, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting {
    inner: Reuse::new(),
    calls: AtomicUsize::new(0),
    bytes: AtomicUsize::new(0),
    small: AtomicUsize::new(0),
};

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    calls: usize,
    bytes: usize,
    small: usize,
    fresh: usize,
    faults: u64,
}

/// Minor page faults of this process so far (`/proc/self/stat` field 10), or 0 where
/// there is no procfs. The line is read into a stack buffer: no allocation.
fn minor_faults() -> u64 {
    use std::io::Read;
    let mut buf = [0u8; 1024];
    let n = match std::fs::File::open("/proc/self/stat") {
        Ok(mut f) => f.read(&mut buf).unwrap_or(0),
        Err(_) => return 0,
    };
    let line = &buf[..n];
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    let close = match line.iter().rposition(|&b| b == b')') {
        Some(i) => i,
        None => return 0,
    };
    let mut fields = line[close + 1..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty());
    // Fields 3..: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt.
    match fields.nth(7) {
        Some(f) => f
            .iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d.wrapping_sub(b'0'))),
        None => 0,
    }
}

fn now() -> Counts {
    Counts {
        calls: ALLOC.calls.load(Relaxed),
        bytes: ALLOC.bytes.load(Relaxed),
        small: ALLOC.small.load(Relaxed),
        fresh: ALLOC.inner.stats().fresh,
        faults: minor_faults(),
    }
}

fn since(a: Counts) -> Counts {
    let b = now();
    Counts {
        calls: b.calls - a.calls,
        bytes: b.bytes - a.bytes,
        small: b.small - a.small,
        fresh: b.fresh - a.fresh,
        faults: b.faults - a.faults,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Entry {
    Solve(Method),
    Deadline,
}

/// One call through the addon's entry; returns a number of the result so that nothing
/// is optimized away, and checks that the result is a solved point.
fn run(p: &Problem, entry: Entry, deadline: f64) -> f64 {
    let opts = SolveOptions::default();
    match entry {
        Entry::Solve(m) => {
            let s = solve(&p.view(), m, &opts).unwrap();
            assert!(s.status != Status::Infeasible, "{:?}", m);
            assert_eq!(s.pruning.len(), p.compute_seconds.len());
            s.latency
        }
        Entry::Deadline => {
            let r = min_pruning(&p.view(), deadline, &opts).unwrap();
            assert_eq!(r.pruning.len(), p.compute_seconds.len());
            r.status.code() as f64 + r.weighted_pruning.unwrap_or(0.0)
        }
    }
}

/// Minor faults allowed over the measured calls of one entry (0 measured here; a few
/// for a kernel that faults a page of the stack or of procfs's buffers again).
const MAX_STEADY_FAULTS: u64 = 16;

#[test]
fn a_solve_at_steady_state_takes_no_memory_from_the_system() {
    let mut entries: Vec<Entry> = Method::ALL.iter().map(|&m| Entry::Solve(m)).collect();
    entries.push(Entry::Deadline);
    // Small allocations per solve, by entry, at the first K: the same at the second.
    let mut small_per_entry: Vec<usize> = Vec::with_capacity(entries.len());
    let mut report = String::new();
    for (size_index, &k_count) in [1_000usize, 100_000].iter().enumerate() {
        let p = generate_from_params(&default_scenario(k_count, 1)).unwrap();
        // A deadline between the least feasible one and optimal's latency: 1.5 x optimal.
        let deadline = 1.5 * solve(&p.view(), Method::Optimal, &SolveOptions::default())
            .unwrap()
            .latency;
        for (e, &entry) in entries.iter().enumerate() {
            let start = now();
            let mut check = run(&p, entry, deadline);
            let first = since(start);
            // Warm-up: a second call (the first one fills the cache).
            check += run(&p, entry, deadline);
            let repeats = if k_count > 10_000 { 2 } else { 5 };
            let start = now();
            for _ in 0..repeats {
                check += run(&p, entry, deadline);
            }
            let steady = since(start);
            assert!(check.is_finite());
            report.push_str(&format!(
                "K={} {:?}: first call {} blocks {} bytes {} fresh {} faults; steady per call \
                 {} blocks {} bytes ({} under 1 KiB), {} fresh, {} faults over {}\n",
                k_count,
                entry,
                first.calls,
                first.bytes,
                first.fresh,
                first.faults,
                steady.calls / repeats,
                steady.bytes / repeats,
                steady.small / repeats,
                steady.fresh,
                steady.faults,
                repeats
            ));
            assert_eq!(
                steady.fresh, 0,
                "K = {} {:?}: {} blocks of 1 KiB or more taken from the system at steady state\n{}",
                k_count, entry, steady.fresh, report
            );
            assert_eq!(
                steady.small % repeats,
                0,
                "K = {} {:?}: a varying number of small blocks per call\n{}",
                k_count,
                entry,
                report
            );
            // A call at steady state touches only pages mapped before (a call that took
            // its columns from the system again would fault them in: at K = 100,000
            // about 200 pages per column, thousands per call).
            assert!(
                steady.faults <= MAX_STEADY_FAULTS,
                "K = {} {:?}: {} minor page faults over {} calls at steady state\n{}",
                k_count,
                entry,
                steady.faults,
                repeats,
                report
            );
            let small = steady.small / repeats;
            if size_index == 0 {
                small_per_entry.push(small);
            } else {
                assert_eq!(
                    small, small_per_entry[e],
                    "{:?}: the number of blocks under 1 KiB per call depends on K\n{}",
                    entry, report
                );
            }
        }
    }
    println!("{}", report);
}
