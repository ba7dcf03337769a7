//! A global allocator for a process that runs the solver again and again: it keeps the
//! blocks of 1 KiB and more that it freed, sorted by size class, and hands them out
//! again, so that a solve at steady state takes no new memory from the system.
//!
//! Why: a solve allocates its columns (about 336 bytes per client live at once for
//! `optimal`) and frees them all on return. glibc's `free` then gives the top of the heap
//! back to the kernel (`M_TRIM_THRESHOLD`, 128 KiB by default) and unmaps blocks above
//! its mmap threshold, so the next solve page-faults and zeroes every page again: at
//! K = 10,000 that doubled the addon's CPU time per solve. Setting glibc's thresholds
//! with `mallopt` would also work, but it changes the policy of the whole host process
//! (Node's own memory too), and glibc documents it as MT-Unsafe (`const:mallopt`) while
//! Node's threads are already allocating when an addon loads. This allocator only
//! governs the allocations of the binary that declares it.
//!
//! Bound: the cache keeps at most `RETAIN_MAX` bytes (1 GiB), and the memory held (live
//! plus cached) stays within twice the largest amount ever live at once: a process keeps
//! about what its largest solve needed, as a WASM module keeps its linear memory.
//!
//! Use: `#[global_allocator] static ALLOC: jcpba_reuse::Reuse = jcpba_reuse::Reuse::new();`

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;
use std::sync::Mutex;

/// Blocks smaller than this go straight to the system allocator (its own bins keep them).
pub const MIN_CACHED: usize = 1 << MIN_LOG2;
const MIN_LOG2: usize = 10;
/// Larger blocks are not cached (and no class index is computed for them).
const MAX_LOG2: usize = 40;
/// Four size classes per power of two: a block is at most 25 % larger than asked.
const CLASSES_PER_OCTAVE: usize = 4;
const CLASSES: usize = (MAX_LOG2 - MIN_LOG2 + 1) * CLASSES_PER_OCTAVE;
/// The system allocator's guaranteed alignment (glibc on 64-bit targets); blocks with a
/// larger alignment are not cached.
const MAX_ALIGN: usize = 16;
/// The most bytes the cache keeps (on top of what is live).
pub const RETAIN_MAX: usize = 1 << 30;
/// Live plus cached bytes stay within this multiple of the most ever live at once. Not
/// 1: a solve that frees a block of one size class and then needs one of another holds
/// more than its peak across classes, and a bound of 1 would release and retake them on
/// every call. 2 leaves room for that and caps what a run of differently sized solves
/// can leave behind.
const HELD_PER_PEAK: usize = 2;

/// The size class of a request of `size` bytes: its index and the size every block of
/// the class has (`size` rounded up to 2^e x {1, 1.25, 1.5, 1.75}).
fn class_of(size: usize) -> Option<(usize, usize)> {
    if !(MIN_CACHED..=1 << MAX_LOG2).contains(&size) {
        return None;
    }
    let mut e = (usize::BITS - 1 - size.leading_zeros()) as usize;
    let shift = e - 2;
    let mut m = (size + (1 << shift) - 1) >> shift; // 4..=8 quarters of 2^e
    if m == 8 {
        e += 1;
        m = 4;
    }
    if e > MAX_LOG2 {
        return None;
    }
    Some(((e - MIN_LOG2) * CLASSES_PER_OCTAVE + (m - 4), m << (e - 2)))
}

fn cacheable(layout: &Layout) -> Option<(usize, usize)> {
    if layout.align() > MAX_ALIGN {
        None
    } else {
        class_of(layout.size())
    }
}

struct Cache {
    /// Heads of intrusive lists: a free block's first word points to the next one.
    free: [*mut u8; CLASSES],
    cached: usize,
    live: usize,
    peak: usize,
    fresh: usize,
}

// SAFETY: the pointers are blocks owned by the cache, only touched under its mutex.
unsafe impl Send for Cache {}

/// Counters of the cache, for tests and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Bytes in cacheable blocks now in use (class sizes).
    pub live: usize,
    /// Bytes in freed blocks kept for reuse.
    pub cached: usize,
    /// The most `live` has been.
    pub peak: usize,
    /// Blocks taken from the system allocator so far (cache misses).
    pub fresh: usize,
}

pub struct Reuse {
    cache: Mutex<Cache>,
}

impl Reuse {
    pub const fn new() -> Reuse {
        Reuse {
            cache: Mutex::new(Cache {
                free: [ptr::null_mut(); CLASSES],
                cached: 0,
                live: 0,
                peak: 0,
                fresh: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Nothing panics while the lock is held; a poisoned lock still holds valid lists.
        match self.cache.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub fn stats(&self) -> Stats {
        let c = self.lock();
        Stats {
            live: c.live,
            cached: c.cached,
            peak: c.peak,
            fresh: c.fresh,
        }
    }

    /// A block of class `index` (`size` bytes): a cached one (`true`) or a new one from
    /// the system allocator, zeroed when `zeroed`.
    unsafe fn take(&self, index: usize, size: usize, zeroed: bool) -> (*mut u8, bool) {
        {
            let mut c = self.lock();
            let head = c.free[index];
            if !head.is_null() {
                c.free[index] = *(head as *mut *mut u8);
                c.cached -= size;
                c.live += size;
                return (head, true);
            }
            c.live += size;
            c.fresh += 1;
            if c.live > c.peak {
                c.peak = c.live;
            }
            // Keep live + cached within HELD_PER_PEAK times the peak: release cached
            // blocks of other classes, largest first (free does not call back here).
            let mut class = CLASSES;
            while c.live + c.cached > HELD_PER_PEAK * c.peak && class > 0 {
                let victim = c.free[class - 1];
                if victim.is_null() {
                    class -= 1;
                    continue;
                }
                let victim_size = class_size(class - 1);
                c.free[class - 1] = *(victim as *mut *mut u8);
                c.cached -= victim_size;
                System.dealloc(
                    victim,
                    Layout::from_size_align_unchecked(victim_size, MAX_ALIGN),
                );
            }
        }
        let layout = Layout::from_size_align_unchecked(size, MAX_ALIGN);
        let block = if zeroed {
            System.alloc_zeroed(layout)
        } else {
            System.alloc(layout)
        };
        if block.is_null() {
            self.lock().live -= size;
        }
        (block, false)
    }
}

/// The size of every block of class `index`.
fn class_size(index: usize) -> usize {
    let e = index / CLASSES_PER_OCTAVE + MIN_LOG2;
    let m = index % CLASSES_PER_OCTAVE + 4;
    m << (e - 2)
}

impl Default for Reuse {
    fn default() -> Reuse {
        Reuse::new()
    }
}

unsafe impl GlobalAlloc for Reuse {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match cacheable(&layout) {
            Some((index, size)) => self.take(index, size, false).0,
            None => System.alloc(layout),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match cacheable(&layout) {
            Some((index, size)) => {
                let (block, reused) = self.take(index, size, true);
                if reused {
                    ptr::write_bytes(block, 0, layout.size());
                }
                block
            }
            None => System.alloc_zeroed(layout),
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let (index, size) = match cacheable(&layout) {
            Some(class) => class,
            None => return System.dealloc(block, layout),
        };
        {
            let mut c = self.lock();
            c.live -= size;
            if c.cached + size <= RETAIN_MAX {
                *(block as *mut *mut u8) = c.free[index];
                c.free[index] = block;
                c.cached += size;
                return;
            }
        }
        System.dealloc(block, Layout::from_size_align_unchecked(size, MAX_ALIGN));
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let (old, new) = (cacheable(&layout), cacheable(&new_layout));
        if old.is_none() && new.is_none() {
            return System.realloc(block, layout, new_size);
        }
        if let (Some((a, _)), Some((b, _))) = (old, new) {
            if a == b {
                return block; // the block already has the new class's size
            }
        }
        let moved = self.alloc(new_layout);
        if !moved.is_null() {
            ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
            self.dealloc(block, layout);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_by_at_most_a_quarter_and_invert() {
        assert_eq!(class_of(MIN_CACHED - 1), None);
        assert_eq!(class_of(1024), Some((0, 1024)));
        assert_eq!(class_of(1025), Some((1, 1280)));
        assert_eq!(class_of(8000), Some((12, 8192)));
        assert_eq!(class_of(80_000), Some((25, 81_920)));
        assert_eq!(class_of(8_000_000), Some((52, 8_388_608)));
        let mut size = MIN_CACHED;
        while size < (1 << 30) {
            let (index, class) = class_of(size).unwrap();
            assert!(
                class >= size && class * 4 <= size * 5,
                "{} -> {}",
                size,
                class
            );
            assert_eq!(class_size(index), class);
            assert_eq!(class_of(class), Some((index, class)));
            size = size * 9 / 8 + 1;
        }
    }

    #[test]
    fn a_freed_block_is_reused_zeroed_and_counted() {
        let a = Reuse::new();
        unsafe {
            let layout = Layout::from_size_align(80_000, 8).unwrap();
            let p = a.alloc(layout);
            assert!(!p.is_null());
            ptr::write_bytes(p, 0xAB, layout.size());
            assert_eq!(
                a.stats(),
                Stats {
                    live: 81_920,
                    cached: 0,
                    peak: 81_920,
                    fresh: 1
                }
            );
            a.dealloc(p, layout);
            assert_eq!(
                a.stats(),
                Stats {
                    live: 0,
                    cached: 81_920,
                    peak: 81_920,
                    fresh: 1
                }
            );
            // Same class (79,000 rounds to 81,920): the same block, zeroed on request.
            let smaller = Layout::from_size_align(79_000, 8).unwrap();
            let q = a.alloc_zeroed(smaller);
            assert_eq!(q, p);
            assert!(std::slice::from_raw_parts(q, smaller.size())
                .iter()
                .all(|&b| b == 0));
            a.dealloc(q, smaller);
            // Small blocks are the system's.
            let tiny = Layout::from_size_align(100, 8).unwrap();
            let t = a.alloc(tiny);
            a.dealloc(t, tiny);
            assert_eq!(
                a.stats(),
                Stats {
                    live: 0,
                    cached: 81_920,
                    peak: 81_920,
                    fresh: 1
                }
            );
        }
    }

    #[test]
    fn a_repeated_pattern_takes_nothing_new_after_its_first_round() {
        // A block freed before one of another class is taken (the solver's pattern):
        // held memory exceeds the peak live, within the bound, and no round after the
        // first needs the system allocator.
        let a = Reuse::new();
        let x = Layout::from_size_align(8_000, 8).unwrap();
        let y = Layout::from_size_align(16_016, 8).unwrap();
        let round = || unsafe {
            let p: Vec<*mut u8> = (0..6).map(|_| a.alloc(x)).collect();
            a.dealloc(p[5], x);
            let q = a.alloc_zeroed(y);
            for &b in p[..5].iter() {
                a.dealloc(b, x);
            }
            a.dealloc(q, y);
        };
        round();
        let first = a.stats();
        assert_eq!(first.fresh, 7);
        for _ in 0..10 {
            round();
        }
        let s = a.stats();
        assert_eq!(s.fresh, first.fresh);
        assert_eq!(s.live, 0);
        assert!(
            s.cached > s.peak && s.cached <= HELD_PER_PEAK * s.peak,
            "{:?}",
            s
        );
    }

    #[test]
    fn held_memory_stays_within_the_bound_and_realloc_keeps_data() {
        let a = Reuse::new();
        unsafe {
            // Solves of growing size: each new class evicts older blocks beyond the bound.
            for k in 1..40usize {
                let layout = Layout::from_size_align(k * 100_000, 8).unwrap();
                let blocks: Vec<*mut u8> = (0..3).map(|_| a.alloc(layout)).collect();
                let s = a.stats();
                assert!(s.live + s.cached <= HELD_PER_PEAK * s.peak, "{:?}", s);
                for b in blocks {
                    a.dealloc(b, layout);
                }
            }
            let other = Layout::from_size_align(600_000, 8).unwrap();
            let q = a.alloc(other);
            // realloc across classes and from and to small sizes keeps the bytes.
            for i in 0..100 {
                *q.add(i) = i as u8;
            }
            let r = a.realloc(q, other, 3_000_000);
            let r_layout = Layout::from_size_align(3_000_000, 8).unwrap();
            let s = a.realloc(r, r_layout, 500);
            let small = Layout::from_size_align(500, 8).unwrap();
            let t = a.realloc(s, small, 5000);
            for i in 0..100 {
                assert_eq!(*t.add(i), i as u8);
            }
            a.dealloc(t, Layout::from_size_align(5000, 8).unwrap());
            let s = a.stats();
            assert_eq!(s.live, 0);
            assert!(s.cached <= HELD_PER_PEAK * s.peak);
        }
    }

    #[test]
    fn threads_share_the_cache_safely() {
        static A: Reuse = Reuse::new();
        let handles: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || unsafe {
                    for i in 0..2000 {
                        let layout =
                            Layout::from_size_align(1024 + (i * 37 + t * 1000) % 50_000, 8)
                                .unwrap();
                        let p = A.alloc(layout);
                        *p = t as u8;
                        *p.add(layout.size() - 1) = i as u8;
                        assert_eq!(*p, t as u8);
                        A.dealloc(p, layout);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let s = A.stats();
        assert_eq!(s.live, 0);
        assert!(s.cached <= HELD_PER_PEAK * s.peak);
    }
}
