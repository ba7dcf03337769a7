//! What the integration tests share (`mod common;` in each that uses it; a folder, so
//! cargo does not take it for a test of its own). Not every test uses every item.
#![allow(dead_code)]

use jcpba_core::Random;

/// x log-uniform in [lo, hi].
pub fn log_uniform(r: &mut Random, lo: f64, hi: f64) -> f64 {
    (lo.ln() + r.uniform() * (hi.ln() - lo.ln())).exp()
}

/// A prunable fraction: 0, 1, or anything between.
pub fn fraction(r: &mut Random) -> f64 {
    let x = r.uniform();
    if x < 0.15 {
        0.0
    } else if x < 0.3 {
        1.0
    } else {
        r.uniform()
    }
}

/// The least value of `f` on [0, top] where f is unimodal: the best of a 401-point grid,
/// refined by 200 golden-section steps in the grid cells either side of it (a brute
/// force that shares no code with the solvers).
pub fn grid_golden_min<F: FnMut(f64) -> f64>(top: f64, mut f: F) -> f64 {
    let n = 400;
    let mut best = (f64::INFINITY, 0);
    for j in 0..=n {
        let x = f(top * j as f64 / n as f64);
        if x < best.0 {
            best = (x, j);
        }
    }
    let (mut lo, mut hi) = (
        top * (best.1.max(1) - 1) as f64 / n as f64,
        top * (best.1 + 1).min(n) as f64 / n as f64,
    );
    let g = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..200 {
        let x1 = hi - g * (hi - lo);
        let x2 = lo + g * (hi - lo);
        if f(x1) < f(x2) {
            hi = x2;
        } else {
            lo = x1;
        }
    }
    f(0.5 * (lo + hi)).min(best.0)
}
