//! The adaptive policy: Dinkelbach's method on the price of progress, each realization's
//! budget by a grid then Brent's method (module docs of plan).

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::drop::*;
use super::*;

/// One realization's state in the adaptive policy.
pub(super) struct Chooser {
    /// T*_r at the grid budgets.
    pub(super) grid: Vec<f64>,
    /// The total energy per round at the grid budgets, J.
    pub(super) grid_energy: Vec<f64>,
    /// The current budget, its latency and its total energy per round.
    pub(super) budget: f64,
    pub(super) latency: f64,
    pub(super) energy: f64,
}

/// (3 - sqrt 5) / 2, the golden section.
pub(super) const GOLD: f64 = 0.381_966_011_250_105_1;

/// Brent's minimization of f on [a, b] from an interior x with known f(x), to an
/// absolute budget tolerance `xtol`; returns the best point seen. `f` solves one
/// realization at a budget.
pub(super) fn brent(
    a0: f64,
    b0: f64,
    x0: f64,
    fx0: f64,
    xtol: f64,
    f: &mut dyn FnMut(f64) -> f64,
) -> (f64, f64) {
    let mut a = a0;
    let mut b = b0;
    let (mut x, mut w, mut v) = (x0, x0, x0);
    let (mut fx, mut fw, mut fv) = (fx0, fx0, fx0);
    let mut d: f64 = 0.0;
    let mut e: f64 = 0.0;
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        let tol1 = xtol;
        let tol2 = 2.0 * tol1;
        if (x - m).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol1 {
            // Parabola through x, w, v.
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            } else {
                q = -q;
            }
            let e_old = e;
            if p.abs() < (0.5 * q * e_old).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if m >= x { tol1 } else { -tol1 };
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= m { a - x } else { b - x };
            d = GOLD * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else if d > 0.0 {
            x + tol1
        } else {
            x - tol1
        };
        let fu = f(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    (x, fx)
}

/// One realization's 1-D search of the adaptive policy: every point solved, to start each
/// solve from the nearest smaller budget solved before.
pub(super) struct OneSearch {
    pub(super) seen: Vec<(f64, Sol)>,
    pub(super) converged: bool,
}

/// Golden-section steps of the refinement, at most.
pub(super) const REFINE_STEPS: u32 = 200;

/// The penalty of the adaptive policy's 1-D problem at price lambda: each realization
/// minimizes `g(P) = T*_r(P) + pen(P)`, `pen(P) = lambda (1 - pi(P))` nondecreasing
/// (MODEL.md section 13: `argmin T*_r(P) - lambda pi(P)`). At m = 1 it is section 10's
/// `lambda P / Pmax`, written so.
pub(super) struct Price {
    lambda: f64,
    pruning_limit: f64,
    exponent: f64,
    slope: f64,
}

impl Price {
    pub(super) fn new(lambda: f64, pruning_limit: f64, exponent: f64) -> Price {
        Price {
            lambda,
            pruning_limit,
            exponent,
            slope: lambda / pruning_limit,
        }
    }

    pub(super) fn pen(&self, p: f64) -> f64 {
        if self.exponent == 1.0 {
            return self.slope * p;
        }
        self.lambda * -(self.exponent * (-p / self.pruning_limit).ln_1p()).exp_m1()
    }

    /// pen(x) - pen(lo), lo <= x.
    pub(super) fn rise(&self, lo: f64, x: f64) -> f64 {
        if self.exponent == 1.0 {
            self.slope * (x - lo)
        } else {
            self.pen(x) - self.pen(lo)
        }
    }
}

impl OneSearch {
    /// T*_r at budget p.
    pub(super) fn latency(&mut self, d: &mut Drop, r: usize, p: f64) -> f64 {
        let mut start: Option<usize> = None;
        for (i, (q, _)) in self.seen.iter().enumerate() {
            if *q <= p && start.map_or(true, |s| *q > self.seen[s].0) {
                start = Some(i);
            }
        }
        let s = d.solve_one(r, p, start.map(|i| &self.seen[i].1));
        self.converged = self.converged && s.converged;
        let t = s.latency;
        self.seen.push((p, s));
        t
    }

    /// The budget minimizing g(P) = T*_r(P) + pen(P) on [a, b] from the grid's best x,
    /// with each end's and x's latency known; returns (budget, latency).
    ///
    /// Brent's method first, to `xtol`: enough where the minimum is smooth. Then g at
    /// `xtol` either side: if g rises there by more than the solves' noise (a kink, where
    /// T* stops falling, or an end of the range) or falls (a miss), golden sections
    /// shrink a bracket around the best point until monotonicity certifies its value:
    /// on [lo, x], g >= T(x) + pen(lo); on [x, hi], g >= T(hi) + pen(x).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn minimize(
        &mut self,
        d: &mut Drop,
        r: usize,
        a: (f64, f64),
        b: (f64, f64),
        x: (f64, f64),
        price: &Price,
        xtol: f64,
    ) -> (f64, f64) {
        let tol = d.tolerance;
        let (bx, _) = brent(a.0, b.0, x.0, x.1 + price.pen(x.0), xtol, &mut |p: f64| {
            self.latency(d, r, p) + price.pen(p)
        });
        let bt = if bx == x.0 { x.1 } else { self.known(bx) };
        let bg = bt + price.pen(bx);
        let h = 2.0 * xtol;
        let xl = (bx - h).max(a.0);
        let xr = (bx + h).min(b.0);
        let tl = if xl < bx { self.latency(d, r, xl) } else { bt };
        let tr = if xr > bx { self.latency(d, r, xr) } else { bt };
        let (gl, gr) = (tl + price.pen(xl), tr + price.pen(xr));
        // Each latency is within the tolerance above T*: differences below twice that are noise.
        let flat = 2.0 * tol * bg;
        if gl - bg <= flat && gr - bg <= flat && gl >= bg - flat && gr >= bg - flat {
            return (bx, bt);
        }
        let (mut lo, mut hi, mut t_hi, mut x, mut t_x) = if gl < bg && gl <= gr {
            (a.0, bx, bt, xl, tl)
        } else if gr < bg {
            (bx, b.0, b.1, xr, tr)
        } else {
            (xl, xr, tr, bx, bt)
        };
        let mut g_x = t_x + price.pen(x);
        for _ in 0..REFINE_STEPS {
            let left = price.rise(lo, x);
            let right = t_x - t_hi;
            if left.max(right) <= tol * g_x {
                return (x, t_x);
            }
            let u = if left >= right {
                x - GOLD * (x - lo)
            } else {
                x + GOLD * (hi - x)
            };
            if !(u > lo && u < hi && u != x) {
                return (x, t_x); // the bracket is down to the doubles' resolution
            }
            let t_u = self.latency(d, r, u);
            let g_u = t_u + price.pen(u);
            if g_u < g_x {
                if u < x {
                    hi = x;
                    t_hi = t_x;
                } else {
                    lo = x;
                }
                x = u;
                t_x = t_u;
                g_x = g_u;
            } else if u < x {
                lo = u;
            } else {
                hi = u;
                t_hi = t_u;
            }
        }
        self.converged = false;
        (x, t_x)
    }

    /// The latency at a budget already solved.
    pub(super) fn known(&self, p: f64) -> f64 {
        let mut found = f64::NAN;
        for (q, s) in self.seen.iter() {
            if *q == p {
                found = s.latency;
            }
        }
        found
    }

    /// The total energy per round at a budget already solved (as `known`).
    pub(super) fn energy_at(&self, p: f64) -> f64 {
        let mut found = f64::NAN;
        for (q, s) in self.seen.iter() {
            if *q == p {
                found = s.energy;
            }
        }
        found
    }
}

/// The adaptive policy of `optimal` (MODEL.md section 10). `seed`: a static level whose
/// budget is tried as the common starting budget too.
pub(super) fn adaptive(d: &mut Drop, seed: Option<&Level>) -> AdaptivePlan {
    let n = d.insts.len();
    let nf = n as f64;
    let pmax = d.pruning_limit;
    let top = d.cap.min(pmax);
    let solves_before = d.solves;
    let finish = |d: &Drop,
                  budgets: Vec<f64>,
                  latencies: &[f64],
                  energies: &[f64],
                  iterations: u32,
                  converged: bool| {
            let mut latency = 0.0;
            let mut energy = 0.0;
            let mut pruning = 0.0;
            let mut progress = 0.0;
            for r in 0..budgets.len() {
                latency += latencies[r];
                energy += energies[r];
                pruning += budgets[r];
                progress += d.progress(budgets[r]);
            }
            let price = latency / progress;
            AdaptivePlan {
                method: d.method,
                price,
                fine_tuning_seconds: d.rounds0 * price,
                fine_tuning_joules: d.rounds0 * (energy / progress),
                mean_round_latency: latency / nf,
                mean_round_energy: energy / nf,
                mean_pruning: pruning / nf,
                budgets,
                iterations,
                evaluations: d.solves - solves_before,
                status: plan_status(converged, d.rounds0 * price),
            }
        };
    if !(pmax < f64::INFINITY) || !(top > d.floor) {
        // Nothing to trade: the largest budget is best for every realization.
        let level = d.level(top, None, false);
        return finish(
            d,
            vec![top; n],
            &level.latencies,
            &level.energies,
            0,
            level.converged,
        );
    }
    let cells = ADAPTIVE_GRID;
    let grid_budgets: Vec<f64> = (0..=cells)
        .map(|j| {
            if j == cells {
                top
            } else {
                d.floor + (top - d.floor) * (j as f64 / cells as f64)
            }
        })
        .collect();
    let mut converged = true;
    let mut choosers: Vec<Chooser> = Vec::with_capacity(n);
    for r in 0..n {
        let mut grid = Vec::with_capacity(cells + 1);
        let mut grid_energy = Vec::with_capacity(cells + 1);
        let mut prev: Option<Sol> = None;
        for &p in grid_budgets.iter() {
            let s = d.solve_one(r, p, prev.as_ref());
            converged = converged && s.converged;
            grid.push(s.latency);
            grid_energy.push(s.energy);
            prev = Some(s);
        }
        choosers.push(Chooser {
            grid,
            grid_energy,
            budget: 0.0,
            latency: 0.0,
            energy: 0.0,
        });
    }
    // Start from the best common budget of the grid (and of the static plan).
    let mut lambda = f64::INFINITY;
    for j in 0..=cells {
        let progress = d.progress(grid_budgets[j]);
        if !(progress > 0.0) {
            continue;
        }
        let mut latency = 0.0;
        for c in choosers.iter() {
            latency += c.grid[j];
        }
        let ratio = (latency / nf) / progress;
        if ratio < lambda {
            lambda = ratio;
            for c in choosers.iter_mut() {
                c.budget = grid_budgets[j];
                c.latency = c.grid[j];
                c.energy = c.grid_energy[j];
            }
        }
    }
    if let Some(s) = seed {
        let progress = d.progress(s.budget);
        if progress > 0.0 && s.latency / progress < lambda {
            lambda = s.latency / progress;
            for (r, c) in choosers.iter_mut().enumerate() {
                c.budget = s.budget;
                c.latency = s.latencies[r];
                c.energy = s.energies[r];
            }
        }
    }
    if !(lambda < f64::INFINITY) {
        // No common budget with progress has a point in every realization (energy caps).
        // Feasibility only grows with the budget: a realization without a point at the top
        // budget has none at all, and the plan is infeasible.
        let at_top: Vec<f64> = choosers.iter().map(|c| c.grid[cells]).collect();
        let energy_at_top: Vec<f64> = choosers.iter().map(|c| c.grid_energy[cells]).collect();
        if at_top.iter().any(|t| !(*t < f64::INFINITY)) {
            return finish(d, vec![top; n], &at_top, &energy_at_top, 0, converged);
        }
        // Else every realization has a point between the grid's last budget and the top
        // one (Pmax, where progress ends): bisect for a common budget with progress.
        let mut lo = grid_budgets[cells - 1];
        let hi = top;
        let mut i = 0;
        while i < 60 && !(lambda < f64::INFINITY) {
            i += 1;
            let mid = lo + 0.5 * (hi - lo);
            if !(mid > lo && mid < hi) {
                break;
            }
            let level = d.level(mid, None, false);
            converged = converged && level.converged;
            let progress = d.progress(mid);
            if level.latencies.iter().all(|t| *t < f64::INFINITY) && progress > 0.0 {
                lambda = level.latency / progress;
                for (r, c) in choosers.iter_mut().enumerate() {
                    c.budget = mid;
                    c.latency = level.latencies[r];
                    c.energy = level.energies[r];
                }
            } else {
                lo = mid;
            }
        }
        if !(lambda < f64::INFINITY) {
            return finish(d, vec![top; n], &at_top, &energy_at_top, 0, false);
        }
    }
    // The budget to about a tenth of sqrt(tolerance) of its range: g is then within
    // about 1% of the tolerance of its minimum where the minimum is smooth.
    let xtol = 0.1 * d.tolerance.sqrt() * top;
    let mut iterations = 0;
    let mut settled = false;
    while iterations < d.max_iterations {
        iterations += 1;
        let price = Price::new(lambda, pmax, d.exponent);
        for r in 0..n {
            let (mut best_j, mut best_g) = (0, f64::INFINITY);
            for j in 0..=cells {
                let g = choosers[r].grid[j] + price.pen(grid_budgets[j]);
                if g < best_g {
                    best_g = g;
                    best_j = j;
                }
            }
            let a = grid_budgets[if best_j > 0 { best_j - 1 } else { 0 }];
            let b = grid_budgets[if best_j < cells { best_j + 1 } else { cells }];
            let x = grid_budgets[best_j];
            let mut search = OneSearch {
                seen: Vec::new(),
                converged: true,
            };
            let t_x = choosers[r].grid[best_j];
            let (bx, bt) = search.minimize(
                d,
                r,
                (a, choosers[r].grid[if best_j > 0 { best_j - 1 } else { 0 }]),
                (
                    b,
                    choosers[r].grid[if best_j < cells { best_j + 1 } else { cells }],
                ),
                (x, t_x),
                &price,
                xtol,
            );
            converged = converged && search.converged;
            let c = &mut choosers[r];
            // Keep the previous choice when it is at least as good at this price: the
            // price then never rises.
            if bt + price.pen(bx) < c.latency + price.pen(c.budget) {
                c.budget = bx;
                c.latency = bt;
                // The grid's point keeps the grid's solve (its latency is the grid's too).
                c.energy = if bx == x {
                    c.grid_energy[best_j]
                } else {
                    search.energy_at(bx)
                };
            }
        }
        let mut latency = 0.0;
        let mut progress = 0.0;
        for c in choosers.iter() {
            latency += c.latency;
            progress += d.progress(c.budget);
        }
        let next = latency / progress;
        let done = !(next < lambda - d.tolerance * lambda);
        lambda = next.min(lambda);
        if done {
            settled = true;
            break;
        }
    }
    let budgets: Vec<f64> = choosers.iter().map(|c| c.budget).collect();
    let latencies: Vec<f64> = choosers.iter().map(|c| c.latency).collect();
    let energies: Vec<f64> = choosers.iter().map(|c| c.energy).collect();
    finish(d, budgets, &latencies, &energies, iterations, converged && settled)
}
