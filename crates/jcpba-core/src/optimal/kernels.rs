//! The column kernels of `optimal` (simd::Kernel implementations run on every lane type):
//! the bandwidth boxes and box-end stationarity values of a T, the classification of the
//! clients at one price and the Newton steps of the interior ones over dense columns, and
//! the demand and its slope at a point. The search that drives them is in optimal/mod.rs.

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::*;
use crate::bandwidth::latency;
use crate::instance::Instance;
use crate::rate::{counters, Kernel, LN2};
use crate::simd::columns::{self, gather, scatter, Step};
use crate::simd::{self, math, Lanes, Mask};

/// G(b) = ln(K S r'(b)) - 2 ln(cc r(b) + ss) and dG/d(ln b), with cc = phi_c c,
/// ss = phi_s S and K = phi_c c + phi_s (T - t0 - c) (T, c and S in the model of
/// section 2). The client's stationarity condition is G(b) = -ln mu; G decreases in b.
/// One log1p (shared by r and r') and one ln, on lanes.
#[inline(always)]
pub fn stationarity<V: Lanes>(a: V, cc: V, bits: V, ss: V, kk: V, b: V) -> (V, V) {
    let one = V::splat(1.0);
    let ln2 = V::splat(LN2);
    let x = a / b;
    let l1p = x.ln_1p();
    let gap = math::ln_gap_from(x, l1p);
    let r = (b * l1p) / ln2;
    let rp = gap / ln2;
    let denom = cc * r + ss;
    let g = (((kk * bits) * rp) / denom / denom).ln();
    let one_plus = one + x;
    let gs = -(x * x) / (one_plus * one_plus * gap) - (V::splat(2.0) * cc * b * rp) / denom;
    (g, gs)
}

pub(super) struct Boxes<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) ws: &'a mut Workspace,
    pub(super) t: f64,
}

impl<'a, 'b> simd::Kernel for Boxes<'a, 'b> {
    type Output = Option<()>;

    #[inline(always)]
    fn run<V: Lanes>(self) -> Option<()> {
        let (inst, ws) = (self.inst, self.ws);
        let n = inst.clients;
        let (one, zero, inf) = (V::splat(1.0), V::splat(0.0), V::splat(f64::INFINITY));
        let (t, bits, ln2) = (V::splat(self.t), V::splat(inst.payload_bits), V::splat(LN2));
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let a = step.load(&inst.a, 1.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let rmax = step.load(inst.rmax, 0.0);
            // Instance::latency, unpruned, prunable, upload_window and payload on lanes.
            let upload = (bits * ln2) / a; // the upload time with infinite bandwidth
            let at_rmax = latency(inst, &step, rmax, upload);
            if (step.valid & !t.gt(at_rmax)).any() {
                return None;
            }
            let full = t0 + c + upload; // U_k with infinite bandwidth
            let window_lo = (t - t0) - (one - phi_c * rmax) * c;
            let q_lo = (bits * (one - phi_s * rmax)) / window_lo;
            let b_lo = math::rate_inverse(a, q_lo);
            // The upper end is the least pruning, rmin (0 without minimum pruning, where
            // the operations are those of the unpruned end).
            let (q_hi, finite) = if ws.has_rmin {
                let rmin = step.load(&ws.rmin, 0.0);
                let window_hi = (t - t0) - (one - phi_c * rmin) * c;
                let q_hi = (bits * (one - phi_s * rmin)) / window_hi;
                (q_hi, t.gt(latency(inst, &step, rmin, upload)))
            } else {
                let window_hi = (t - t0) - c;
                (bits / window_hi, t.gt(full))
            };
            let b_hi = V::select(finite, math::rate_inverse(a, q_hi), inf);
            let v = phi_c * c + phi_s * upload;
            let needed = V::select(t.lt(full) & v.gt(zero), full / v - t / v, zero);
            step.store(needed, &mut ws.needed);
            let kk = phi_s * (t - t0) + (phi_c - phi_s) * c;
            let cc = phi_c * c;
            let ss = phi_s * bits;
            let (g_lo, d_lo) = stationarity(a, cc, bits, ss, kk, b_lo);
            let (g_hi, d_hi) = stationarity(a, cc, bits, ss, kk, V::select(finite, b_hi, one));
            step.store(b_lo, &mut ws.b_lo);
            step.store(b_hi, &mut ws.b_hi);
            step.store(b_lo.ln(), &mut ws.box_lo);
            step.store(V::select(finite, b_hi.ln(), inf), &mut ws.box_hi);
            step.store(g_lo, &mut ws.g_lo);
            step.store(d_lo, &mut ws.d_lo);
            step.store(V::select(finite, g_hi, -inf), &mut ws.g_hi);
            step.store(V::select(finite, d_hi, V::splat(f64::NAN)), &mut ws.d_hi);
            step.store(kk, &mut ws.kk);
            if counters::ENABLED {
                // Two inverses and G at both ends, one of each where b_hi = +inf.
                let z_lo = step.lanes((q_lo * ln2) / a);
                let z_hi = step.lanes(V::select(finite, (q_hi * ln2) / a, inf));
                columns::count_inverses(&z_lo[..step.count]);
                for &z in z_hi[..step.count].iter() {
                    let ends = if z < f64::INFINITY {
                        columns::count_inverses(&[z]);
                        2
                    } else {
                        1
                    };
                    counters::add(Kernel::Stationarity, ends);
                }
            }
            start += V::N;
        }
        Some(())
    }
}

/// The interior clients of one price, gathered into dense columns (Workspace::dense).
#[derive(Clone, Debug)]
pub struct Dense {
    pub(super) a: Vec<f64>,
    /// T - t0 + t0 of the client's binding branch: T, or H for the energy cap's (whose
    /// t0 column is then 0 and c column c'; MODEL.md 11.2).
    pub(super) h: Vec<f64>,
    pub(super) rmin: Vec<f64>,
    pub(super) c: Vec<f64>,
    pub(super) t0: Vec<f64>,
    pub(super) rmax: Vec<f64>,
    pub(super) kk: Vec<f64>,
    pub(super) box_lo: Vec<f64>,
    pub(super) box_hi: Vec<f64>,
    pub(super) g_lo: Vec<f64>,
    pub(super) d_lo: Vec<f64>,
    pub(super) g_hi: Vec<f64>,
    pub(super) d_hi: Vec<f64>,
    pub(super) log_mu: Vec<f64>,
    pub(super) s: Vec<f64>,
    pub(super) gs: Vec<f64>,
    pub(super) b: Vec<f64>,
    pub(super) rho: Vec<f64>,
    pub(super) ratio: Vec<f64>,
}

impl Dense {
    pub(super) fn new(k_count: usize) -> Dense {
        let column = || vec![0.0; k_count];
        Dense {
            a: column(),
            h: column(),
            rmin: column(),
            c: column(),
            t0: column(),
            rmax: column(),
            kk: column(),
            box_lo: column(),
            box_hi: column(),
            g_lo: column(),
            d_lo: column(),
            g_hi: column(),
            d_hi: column(),
            log_mu: column(),
            s: column(),
            gs: column(),
            b: column(),
            rho: column(),
            ratio: column(),
        }
    }
}

/// Settles every client of from..to a box end decides (and the fixed ones), lists the
/// others in ws.interior; returns how many are interior.
pub(super) struct Classify<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) ws: &'a mut Workspace,
    pub(super) log_price: f64,
    pub(super) from: usize,
    pub(super) to: usize,
}

impl<'a, 'b> simd::Kernel for Classify<'a, 'b> {
    type Output = usize;

    #[inline(always)]
    fn run<V: Lanes>(self) -> usize {
        if self.ws.caps.is_some() {
            self.blocks::<V, true>()
        } else {
            self.blocks::<V, false>()
        }
    }
}

impl<'a, 'b> Classify<'a, 'b> {
    /// The kernel; KINKS (caps present) adds the clients at their kink.
    #[inline(always)]
    fn blocks<V: Lanes, const KINKS: bool>(self) -> usize {
        let (inst, ws) = (self.inst, self.ws);
        let n = self.to;
        let (one, zero) = (V::splat(1.0), V::splat(0.0));
        let no_price = self.log_price == f64::NEG_INFINITY;
        let mut count = 0;
        let mut start = self.from;
        let mut caps = if KINKS { ws.caps.as_mut() } else { None };
        while start < n {
            let step = Step::<V>::at(start, n);
            let b_lo = step.load(&ws.b_lo, 1.0);
            let b_hi = step.load(&ws.b_hi, 1.0);
            let rmax = step.load(inst.rmax, 0.0);
            let rmin = step.load(&ws.rmin, 0.0);
            let log_mu = V::splat(self.log_price) + step.load(&ws.log_w, 0.0);
            // Pruning saves a fixed client no bandwidth (rmax = 0, or phi_c = phi_s = 0).
            let fixed = !b_lo.lt(b_hi);
            // Even full pruning's marginal saving is below the price: full pruning.
            let clip_lo = !fixed
                & (V::splat(if no_price { 1.0 } else { 0.0 }).gt(zero)
                    | (step.load(&ws.g_lo, 0.0) + log_mu).le(zero));
            // The first bit of pruning is not worth its price: no pruning.
            let clip_hi = !fixed & !clip_lo & (step.load(&ws.g_hi, 0.0) + log_mu).ge(zero);
            let mut interior = !fixed & !clip_lo & !clip_hi;
            let mut rho = V::select(clip_lo, rmax, rmin);
            let mut b = V::select(clip_lo, b_lo, b_hi);
            let mut s = zero;
            if !no_price {
                s = V::select(clip_lo, step.load(&ws.box_lo, 0.0), step.load(&ws.s, 0.0));
                s = V::select(clip_hi, step.load(&ws.box_hi, 0.0), s);
            }
            if KINKS {
                if let Some(caps) = caps.as_mut() {
                    // A client whose price falls between G on the two sides of its kink
                    // sits at the kink (gather_interior's third case, settled here on the
                    // lanes like a box end; never without a price: all clipped then).
                    let at = interior
                        & !(step.load(&caps.at_g_lo, f64::NEG_INFINITY) + log_mu).lt(zero)
                        & !(step.load(&caps.at_g_hi, 0.0) + log_mu).gt(zero);
                    interior = interior & !at;
                    rho = V::select(at, step.load(&caps.at_rho, 0.0), rho);
                    b = V::select(at, step.load(&caps.at_b, 0.0), b);
                    s = V::select(at, step.load(&caps.at_s, 0.0), s);
                    step.store(V::select(at, one, zero), &mut caps.at_kink);
                }
            }
            if !no_price {
                step.store(s, &mut ws.s);
            }
            step.store(zero, &mut ws.gs);
            step.store(b, &mut ws.b);
            step.store(rho, &mut ws.rho);
            if interior.any() {
                let flags = step.lanes(V::select(interior, one, zero));
                for i in 0..step.count {
                    if flags[i] != 0.0 {
                        ws.interior[count] = start + i;
                        count += 1;
                    }
                }
            }
            start += V::N;
        }
        count
    }
}

/// Newton's method for the gathered interior clients (see price_response), then their
/// bandwidth, pruning and U / V.
pub(super) struct Interior<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) d: &'a mut Dense,
    pub(super) count: usize,
    pub(super) t: f64,
}

impl<'a, 'b> simd::Kernel for Interior<'a, 'b> {
    type Output = ();
    // The lanes of a vector iterate together until the slowest converges: two vectors
    // per step hide latency without making that wait much longer.
    const CHAINS: usize = 2;

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let (inst, d) = (self.inst, self.d);
        let n = self.count;
        let (one, zero, inf) = (V::splat(1.0), V::splat(0.0), V::splat(f64::INFINITY));
        let bits = V::splat(inst.payload_bits);
        let ss = V::splat(inst.phi_s * inst.payload_bits);
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let a = step.load(&d.a, 1.0);
            let c = step.load(&d.c, 0.0);
            let cc = phi_c * c;
            let kk = step.load(&d.kk, 1.0);
            let box_lo = step.load(&d.box_lo, 0.0);
            let box_hi = step.load(&d.box_hi, 1.0);
            let (g_lo, d_lo) = (step.load(&d.g_lo, 1.0), step.load(&d.d_lo, -1.0));
            let (g_hi, d_hi) = (step.load(&d.g_hi, -1.0), step.load(&d.d_hi, -1.0));
            let log_mu = step.load(&d.log_mu, 0.0);
            let mut s = step.load(&d.s, 0.5);
            let mut lo = box_lo;
            let mut hi = box_hi;
            let middle = V::select(
                box_hi.lt(inf),
                V::splat(0.5) * (box_lo + box_hi),
                box_lo + one,
            );
            let projected = V::select(s.le(box_lo), box_lo, V::select(s.ge(box_hi), box_hi, s));
            s = V::select(s.eq(s), projected, middle);
            let mut gs = zero;
            let mut active = step.valid;
            let mut steps = 0;
            while steps < CLIENT_STEPS && active.any() {
                steps += 1;
                let at_lo = s.eq(box_lo);
                let at_hi = s.eq(box_hi);
                let inside = active & !at_lo & !at_hi;
                let (mut g, mut gd) = (g_lo, d_lo);
                if inside.any() {
                    let e = stationarity(a, cc, bits, ss, kk, s.exp());
                    g = e.0;
                    gd = e.1;
                    if counters::ENABLED {
                        let flags = step.lanes(V::select(inside, one, zero));
                        let evaluated = flags[..step.count].iter().filter(|&&f| f != 0.0).count();
                        counters::add(Kernel::Stationarity, evaluated as u64);
                    }
                }
                // At a box end, G is known; there the client is not clipped (Classify),
                // so G + ln mu > 0 at the lower end and < 0 at the upper one.
                g = V::select(at_lo, g_lo, V::select(at_hi, g_hi, g));
                gd = V::select(at_lo, d_lo, V::select(at_hi, d_hi, gd));
                let phi = g + log_mu;
                gs = V::select(active, gd, gs);
                let right = phi.gt(zero);
                lo = V::select(active & right, s, lo);
                hi = V::select(active & !right, s, hi);
                let newton = phi / gd;
                let next = s - newton;
                let scale = V::select(s.abs().gt(one), s.abs(), one);
                let converged = phi.eq(zero) | newton.abs().le(V::splat(CLIENT_STOP) * scale);
                let settled = V::select(next.ge(lo) & next.le(hi), next, s);
                // Leaving through a box end not yet visited: try that end; else bisect.
                let to_lo = next.le(lo) & lo.eq(box_lo) & !s.eq(box_lo);
                let to_hi = next.ge(hi) & hi.eq(box_hi) & box_hi.lt(inf) & !s.eq(box_hi);
                let bisect = V::select(hi.lt(inf), V::splat(0.5) * (lo + hi), s + V::splat(2.0));
                let fallback = V::select(to_lo, box_lo, V::select(to_hi, box_hi, bisect));
                let moved = V::select(next.gt(lo) & next.lt(hi), next, fallback);
                s = V::select(active, V::select(converged, settled, moved), s);
                active = active & !converged;
            }
            // rho(b) = clip(U(b) / V(b) - T / V(b), 0, rmax), with U / V (pruning_for).
            let b = s.exp();
            let t0 = step.load(&d.t0, 0.0);
            let rmax = step.load(&d.rmax, 0.0);
            let rmin = step.load(&d.rmin, 0.0);
            let h = step.load(&d.h, self.t);
            let r = (b * (a / b).ln_1p()) / V::splat(LN2);
            let upload = bits / r;
            let v = cc + phi_s * upload;
            let ratio = (t0 + c + upload) / v;
            let rho = ratio - h / v;
            let rho = V::select(rho.lt(rmin), rmin, V::select(rho.gt(rmax), rmax, rho));
            step.store(s, &mut d.s);
            step.store(gs, &mut d.gs);
            step.store(b, &mut d.b);
            step.store(rho, &mut d.rho);
            step.store(ratio, &mut d.ratio);
            start += V::N;
        }
    }
}

/// The kinked clients of one T gathered into dense columns (Caps::columns): their time
/// and cap branches in, each kink's point and G on both sides of it out (Kinks).
#[derive(Clone, Debug)]
pub struct KinkColumns {
    pub(super) a: Vec<f64>,
    pub(super) c: Vec<f64>,
    pub(super) t0: Vec<f64>,
    pub(super) kk: Vec<f64>,
    /// The cap's c' and H and K' (Caps::e_c, e_h, e_kk).
    pub(super) c1: Vec<f64>,
    pub(super) h: Vec<f64>,
    pub(super) e_kk: Vec<f64>,
    pub(super) rmin: Vec<f64>,
    pub(super) rmax: Vec<f64>,
    /// 1 where the cap binds at the box's lower end (so the time branch at its upper end).
    pub(super) lower: Vec<f64>,
    pub(super) b: Vec<f64>,
    pub(super) s: Vec<f64>,
    pub(super) rho: Vec<f64>,
    pub(super) g_lo: Vec<f64>,
    pub(super) d_lo: Vec<f64>,
    pub(super) g_hi: Vec<f64>,
    pub(super) d_hi: Vec<f64>,
    /// At the kink (rho_x, b_x): b_E'(rho_x), the cap branch's need's derivative in rho,
    /// and rho_x'(T) = -1 / (phi_c (c - c')), for demand_and_slope's kink_move.
    pub(super) db: Vec<f64>,
    pub(super) drho: Vec<f64>,
}

impl KinkColumns {
    pub(super) fn new(count: usize) -> KinkColumns {
        let column = || vec![0.0; count];
        KinkColumns {
            a: column(),
            c: column(),
            t0: column(),
            kk: column(),
            c1: column(),
            h: column(),
            e_kk: column(),
            rmin: column(),
            rmax: column(),
            lower: column(),
            b: column(),
            s: column(),
            rho: column(),
            g_lo: column(),
            d_lo: column(),
            g_hi: column(),
            d_hi: column(),
            db: column(),
            drho: column(),
        }
    }
}

/// Each kinked client's kink at T (MODEL.md 11.2): where its two needs cross, ln of it,
/// and G and dG/ds there of the branch binding below it (`g_lo`) and above it (`g_hi`).
/// The upload windows T - t0 - c m and H - c' m (m = 1 - phi_c rho) cross at
/// m = (T - t0 - H) / (c - c'), clipped to [rmin, rmax]; the bandwidth is the larger need
/// there (+inf where a window is spent). place_kink checks the point against the box ends.
pub(super) struct Kinks<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) cols: &'a mut KinkColumns,
    pub(super) count: usize,
    pub(super) t: f64,
}

impl<'a, 'b> simd::Kernel for Kinks<'a, 'b> {
    type Output = ();

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let (inst, d) = (self.inst, self.cols);
        let n = self.count;
        let (one, zero, inf) = (V::splat(1.0), V::splat(0.0), V::splat(f64::INFINITY));
        let (t, bits) = (V::splat(self.t), V::splat(inst.payload_bits));
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let ss = V::splat(inst.phi_s * inst.payload_bits);
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let a = step.load(&d.a, 1.0);
            let c = step.load(&d.c, 0.0);
            let t0 = step.load(&d.t0, 0.0);
            let c1 = step.load(&d.c1, 0.0);
            let h = step.load(&d.h, 1.0);
            let rmin = step.load(&d.rmin, 0.0);
            let rmax = step.load(&d.rmax, 0.0);
            let m = ((t - t0) - h) / (c - c1);
            let rho = (one - m) / phi_c;
            let rho = V::select(rho.ge(rmin), rho, rmin);
            let rho = V::select(rho.le(rmax), rho, rmax);
            // The smaller window, as f64::min (a NaN one gives the other).
            let w_time = (t - t0) - (one - phi_c * rho) * c;
            let w_cap = h - (one - phi_c * rho) * c1;
            let window = V::select(w_cap.lt(w_time) | !w_time.eq(w_time), w_cap, w_time);
            let finite = window.gt(zero);
            let q = (bits * (one - phi_s * rho)) / window;
            let b = V::select(
                finite,
                math::rate_inverse(a, V::select(finite, q, one)),
                inf,
            );
            let at = V::select(b.lt(inf) & b.gt(zero), b, one);
            let (g_t, d_t) = stationarity(a, phi_c * c, bits, ss, step.load(&d.kk, 1.0), at);
            let (g_e, d_e) = stationarity(a, phi_c * c1, bits, ss, step.load(&d.e_kk, 1.0), at);
            let lower = step.load(&d.lower, 0.0).gt(zero);
            step.store(b, &mut d.b);
            step.store(b.ln(), &mut d.s);
            step.store(rho, &mut d.rho);
            step.store(V::select(lower, g_e, g_t), &mut d.g_lo);
            step.store(V::select(lower, d_e, d_t), &mut d.d_lo);
            step.store(V::select(lower, g_t, g_e), &mut d.g_hi);
            step.store(V::select(lower, d_t, d_e), &mut d.d_hi);
            // Where the client sits at its kink, its move with T (kink_move): the cap's
            // need at rho_x, b_E(rho) = r^{-1}(S m_s / (H - c' m_c)), has
            // dq/drho = -(phi_s S w + S m_s phi_c c') / w^2 with w = H - c' m_c.
            step.store(-one / (phi_c * (c - c1)), &mut d.drho);
            let m_s = one - phi_s * rho;
            let w_e = h - c1 * (one - phi_c * rho);
            let dq = -(phi_s * bits * w_e + bits * m_s * phi_c * c1) / (w_e * w_e);
            step.store(dq / (math::ln_gap(a / b) / V::splat(LN2)), &mut d.db);
            if counters::ENABLED {
                let z = step.lanes(V::select(finite, (q * V::splat(LN2)) / a, inf));
                for &z in z[..step.count].iter() {
                    if z < f64::INFINITY {
                        columns::count_inverses(&[z]);
                    }
                }
                counters::add(Kernel::Stationarity, 2 * step.count as u64);
            }
            start += V::N;
        }
    }
}

/// The cap's box ends of every capped client (Caps::new), given its needs e_b_lo (at
/// rmax) and e_b_hi (at rmin) and its c', K': their logarithms (-inf for a zero need,
/// +inf for an infinite one) and G and dG/ds of the cap's branch there (left as they are
/// at a lower end that is 0 or +inf; -inf and NaN at an infinite upper end).
pub(super) struct CapEnds<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) caps: &'a mut Caps,
}

impl<'a, 'b> simd::Kernel for CapEnds<'a, 'b> {
    type Output = ();

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let (inst, caps) = (self.inst, self.caps);
        let (one, zero, inf) = (V::splat(1.0), V::splat(0.0), V::splat(f64::INFINITY));
        let bits = V::splat(inst.payload_bits);
        let ss = V::splat(inst.phi_s * inst.payload_bits);
        let phi_c = V::splat(inst.phi_c);
        for idx in caps.list.chunks(V::N) {
            let a = gather::<V>(&inst.a, idx, 1.0);
            let cc = phi_c * gather::<V>(&caps.e_c, idx, 0.0);
            let kk = gather::<V>(&caps.e_kk, idx, 1.0);
            let lo = gather::<V>(&caps.e_b_lo, idx, 1.0);
            let hi = gather::<V>(&caps.e_b_hi, idx, 1.0);
            let lo_in = lo.gt(zero) & lo.lt(inf);
            let hi_in = hi.lt(inf);
            let at_lo = V::select(lo_in, lo, one);
            let at_hi = V::select(hi_in & hi.gt(zero), hi, one);
            let s_lo = V::select(lo_in, at_lo.ln(), V::select(lo.gt(zero), inf, -inf));
            scatter(s_lo, idx, &mut caps.e_s_lo);
            let s_hi = V::select(hi.gt(zero), at_hi.ln(), -inf);
            scatter(V::select(hi_in, s_hi, inf), idx, &mut caps.e_s_hi);
            let (g_lo, d_lo) = stationarity(a, cc, bits, ss, kk, at_lo);
            let old_g = gather::<V>(&caps.e_g_lo, idx, 0.0);
            let old_d = gather::<V>(&caps.e_d_lo, idx, 0.0);
            scatter(V::select(lo_in, g_lo, old_g), idx, &mut caps.e_g_lo);
            scatter(V::select(lo_in, d_lo, old_d), idx, &mut caps.e_d_lo);
            let (g_hi, d_hi) = stationarity(a, cc, bits, ss, kk, at_hi);
            scatter(V::select(hi_in, g_hi, -inf), idx, &mut caps.e_g_hi);
            scatter(
                V::select(hi_in, d_hi, V::splat(f64::NAN)),
                idx,
                &mut caps.e_d_hi,
            );
        }
    }
}

pub(super) struct DemandSlope<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) t: f64,
    pub(super) rho: &'a [f64],
    pub(super) b: &'a [f64],
    /// With caps (MODEL.md 11.2): 1 for a client whose need moves with T (its time branch
    /// binds), 0 for one on its cap's branch or at its kink (added by the caller).
    pub(super) moving: Option<&'a [f64]>,
}

impl<'a, 'b> simd::Kernel for DemandSlope<'a, 'b> {
    type Output = (f64, f64);

    #[inline(always)]
    fn run<V: Lanes>(self) -> (f64, f64) {
        let inst = self.inst;
        let n = inst.clients;
        let (one, zero) = (V::splat(1.0), V::splat(0.0));
        let mut demand = zero;
        let mut slope = zero;
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let rho = step.load(self.rho, 0.0);
            let b = step.load(self.b, 1.0);
            let a = step.load(&inst.a, 1.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let payload = V::splat(inst.payload_bits) * (one - V::splat(inst.phi_s) * rho);
            let window = (V::splat(self.t) - t0) - (one - V::splat(inst.phi_c) * rho) * c;
            let q = payload / window;
            let d = -(q * q) / payload / (math::ln_gap(a / b) / V::splat(LN2));
            demand = demand + V::select(step.valid, b, zero);
            let mut moving = step.valid;
            if let Some(m) = self.moving {
                moving = moving & step.load(m, 0.0).gt(zero);
            }
            slope = slope + V::select(moving, d, zero);
            start += V::N;
        }
        (demand.sum(), slope.sum())
    }
}
