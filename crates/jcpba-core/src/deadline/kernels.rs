//! The column kernels of deadline mode (simd::Kernel implementations run on every lane
//! type), for problems without energy caps (the capped ones take the per-client
//! functions of deadline/mod.rs): the compensated box ends at the loosened deadline, the
//! clients' needs at D, the split fitted to the band and each client's least pruning
//! with its bandwidth, and the rounding noise of the box ends. The search that drives
//! them is in deadline/mod.rs; each lane computes what the per-client function of the
//! same name computes, in the same order.

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::{ROUNDING_STEPS, U};
use crate::bandwidth::latency;
use crate::instance::Instance;
use crate::optimal::{stationarity, Workspace};
use crate::rate::{counters, Kernel as Count, LN2};
use crate::simd::columns::{self, Step};
use crate::simd::{self, math, Lanes, Mask};

/// a + b = s + e exactly (Knuth's TwoSum).
#[inline(always)]
pub(super) fn two_sum<V: Lanes>(a: V, b: V) -> (V, V) {
    let s = a + b;
    let bb = s - a;
    (s, a - (s - bb) + (b - bb))
}

/// a = hi + lo with hi the upper half of the significand (Veltkamp's split).
#[inline(always)]
fn split<V: Lanes>(a: V) -> (V, V) {
    let c = V::splat(134_217_729.0) * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// a b = p + e exactly (Dekker's product; no fused multiply-add, as in the reference).
#[inline(always)]
fn two_prod<V: Lanes>(a: V, b: V) -> (V, V) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ah * bh - p + ah * bl + al * bh + al * bl)
}

/// T - t0 - c (1 - phi_c rho) in compensated arithmetic (deadline::precise_window).
#[inline(always)]
pub(super) fn precise_window<V: Lanes>(phi_c: V, c: V, t0: V, rho: V, t: V) -> V {
    let (x, xe) = two_prod(phi_c, rho);
    let (m, me1) = two_sum(V::splat(1.0), -x);
    let me = me1 - xe; // 1 - phi_c rho = m + me
    let (y, ye1) = two_prod(c, m);
    let ye = ye1 + c * me; // c (1 - phi_c rho) = y + ye
    let (z, ze) = two_sum(t, -t0);
    let (w, we) = two_sum(z, -y);
    w + (we + ze - ye)
}

/// r^{-1}(q) where `ok` (the caller's window is positive), and the rate inverses counted
/// there (counters feature), as rate::rate_inverse counts them.
#[inline(always)]
fn inverse_where<V: Lanes>(step: &Step<V>, ok: V::M, a: V, q: V) -> V {
    let q = V::select(ok, q, V::splat(1.0));
    if counters::ENABLED {
        let z = step.lanes(V::select(ok, (q * V::splat(LN2)) / a, V::splat(f64::NAN)));
        for &z in z[..step.count].iter() {
            if z == z {
                columns::count_inverses(&[z]);
            }
        }
    }
    math::rate_inverse(a, q)
}

/// The columns of one end of the boxes (Workspace's b_lo, box_lo, g_lo, d_lo or their
/// _hi).
struct EndColumns<'w> {
    /// The end's bandwidth.
    b: &'w mut [f64],
    /// Its logarithm.
    ln_b: &'w mut [f64],
    /// G and G' there.
    g: &'w mut [f64],
    d: &'w mut [f64],
}

impl<'w> EndColumns<'w> {
    #[inline(always)]
    fn low(ws: &'w mut Workspace) -> Self {
        let (b, ln_b, g, d) = (&mut ws.b_lo, &mut ws.box_lo, &mut ws.g_lo, &mut ws.d_lo);
        EndColumns { b, ln_b, g, d }
    }

    #[inline(always)]
    fn high(ws: &'w mut Workspace) -> Self {
        let (b, ln_b, g, d) = (&mut ws.b_hi, &mut ws.box_hi, &mut ws.g_hi, &mut ws.d_hi);
        EndColumns { b, ln_b, g, d }
    }
}

/// One step's clients as the ends of their boxes see them (precise_box's arguments on
/// lanes).
struct Ends<'s, V: Lanes> {
    step: &'s Step<V>,
    a: V,
    cc: V,
    kk: V,
    bits: V,
    ss: V,
    phi_s: V,
}

impl<'s, V: Lanes> Ends<'s, V> {
    /// One end of the clients' boxes where `ok` (deadline::precise_box): the bandwidth with
    /// which pruning `rho` meets the deadline, given its compensated (positive) `window`,
    /// with its logarithm and G there, into `cols`; elsewhere the columns keep theirs.
    #[inline(always)]
    fn end(&self, ok: V::M, rho: V, window: V, cols: EndColumns) {
        let (step, a, bits, one) = (self.step, self.a, self.bits, V::splat(1.0));
        let b = inverse_where(step, ok, a, (bits * (one - self.phi_s * rho)) / window);
        let (g, dg) = stationarity(a, self.cc, bits, self.ss, self.kk, V::select(ok, b, one));
        let keep = |new: V, col: &mut [f64]| {
            step.store(V::select(ok, new, step.load(col, 0.0)), col);
        };
        keep(b, cols.b);
        keep(b.ln(), cols.ln_b);
        keep(g, cols.g);
        keep(dg, cols.d);
    }
}

/// deadline::precise_box for every client (no caps): each end the deadline binds
/// recomputed from the compensated window at `d`, with its logarithm and G there.
pub(super) struct PreciseBoxes<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) ws: &'a mut Workspace,
    pub(super) d: f64,
}

impl<'a, 'b> simd::Kernel for PreciseBoxes<'a, 'b> {
    type Output = ();

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let (inst, ws) = (self.inst, self.ws);
        let n = inst.clients;
        let (one, zero, inf) = (V::splat(1.0), V::splat(0.0), V::splat(f64::INFINITY));
        let (d, bits) = (V::splat(self.d), V::splat(inst.payload_bits));
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let ss = V::splat(inst.phi_s * inst.payload_bits);
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let a = step.load(&inst.a, 1.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let rmax = step.load(inst.rmax, 0.0);
            let rmin = step.load(&ws.rmin, 0.0);
            let kk = step.load(&ws.kk, 1.0);
            let cc = phi_c * c;
            let clients = Ends {
                step: &step,
                a,
                cc,
                kk,
                bits,
                ss,
                phi_s,
            };
            let lo = precise_window(phi_c, c, t0, rmax, d);
            let ok_lo = lo.gt(zero);
            clients.end(ok_lo, rmax, lo, EndColumns::low(ws));
            let hi = precise_window(phi_c, c, t0, rmin, d);
            let ok_hi = step.load(&ws.b_hi, 0.0).lt(inf) & hi.gt(zero);
            if ok_hi.any() {
                clients.end(ok_hi, rmin, hi, EndColumns::high(ws));
            }
            if counters::ENABLED {
                let ends = step.lanes(V::select(ok_lo, one, zero) + V::select(ok_hi, one, zero));
                let count: f64 = ends[..step.count].iter().sum();
                counters::add(Count::Stationarity, count as u64);
            }
            start += V::N;
        }
    }
}

/// deadline::needs for every client (no caps): its bandwidth need at D at full pruning
/// `cap` (its unpruned need where pruning saves it nothing) into `full`, and unpruned
/// into `unpruned` (+inf where no bandwidth is enough).
pub(super) struct Needs<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) ws: &'a Workspace,
    pub(super) d: f64,
    pub(super) cap: &'a [f64],
    pub(super) full: &'a mut [f64],
    pub(super) unpruned: &'a mut [f64],
}

impl<'a, 'b> simd::Kernel for Needs<'a, 'b> {
    type Output = ();

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let (inst, ws) = (self.inst, self.ws);
        let n = inst.clients;
        let (one, zero, inf) = (V::splat(1.0), V::splat(0.0), V::splat(f64::INFINITY));
        let (d, bits) = (V::splat(self.d), V::splat(inst.payload_bits));
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let a = step.load(&inst.a, 1.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let cap = step.load(self.cap, 0.0);
            let rmin = step.load(&ws.rmin, 0.0);
            let fixed = !step.load(&ws.b_lo, 0.0).lt(step.load(&ws.b_hi, 1.0));
            let lo = precise_window(phi_c, c, t0, cap, d);
            let hi = precise_window(phi_c, c, t0, rmin, d);
            let ok_hi = hi.gt(zero);
            let b_hi = inverse_where(&step, ok_hi, a, (bits * (one - phi_s * rmin)) / hi);
            let need_hi = V::select(ok_hi, b_hi, inf);
            let ok_lo = !fixed & lo.gt(zero);
            let b_lo = inverse_where(&step, ok_lo, a, (bits * (one - phi_s * cap)) / lo);
            let need = V::select(fixed, need_hi, V::select(ok_lo, b_lo, inf));
            step.store(need_hi, self.unpruned);
            step.store(need, self.full);
            start += V::N;
        }
    }
}

/// The split `b` raised to each client's need (meet_deadline): into `out`, and its sum.
pub(super) struct Fit<'a> {
    pub(super) b: &'a [f64],
    pub(super) need: &'a [f64],
    pub(super) out: &'a mut [f64],
}

impl<'a> simd::Kernel for Fit<'a> {
    type Output = f64;

    #[inline(always)]
    fn run<V: Lanes>(self) -> f64 {
        let n = self.b.len();
        let zero = V::splat(0.0);
        let mut sum = zero;
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let b = step.load(self.b, 0.0);
            let need = step.load(self.need, 0.0);
            let x = V::select(b.lt(need), need, b);
            step.store(x, self.out);
            sum = sum + V::select(step.valid, x, zero);
            start += V::N;
        }
        sum.sum()
    }
}

/// The fitted split scaled up onto the band (by `scale`, or by each client's share of
/// `sum` when None: scale_up_onto_band) and each client's least pruning with its
/// bandwidth (least_pruning; rmin for a fixed client).
pub(super) struct LeastPruning<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) ws: &'a Workspace,
    pub(super) t: f64,
    pub(super) scale: Option<f64>,
    pub(super) sum: f64,
    pub(super) bandwidth: &'a mut [f64],
    pub(super) pruning: &'a mut [f64],
}

impl<'a, 'b> simd::Kernel for LeastPruning<'a, 'b> {
    type Output = ();
    // The rise onto the deadline takes a step or two on a few lanes only.
    const CHAINS: usize = 2;

    #[inline(always)]
    fn run<V: Lanes>(self) {
        let (inst, ws) = (self.inst, self.ws);
        let n = inst.clients;
        let (zero, bits) = (V::splat(0.0), V::splat(inst.payload_bits));
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let t = V::splat(self.t);
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let x = step.load(self.bandwidth, 1.0);
            let b = match self.scale {
                Some(scale) => x * V::splat(scale),
                None => (x / V::splat(self.sum)) * V::splat(inst.bandwidth_hz),
            };
            step.store(b, self.bandwidth);
            let a = step.load(&inst.a, 1.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let rmax = step.load(inst.rmax, 0.0);
            let rmin = step.load(&ws.rmin, 0.0);
            let fixed = !step.load(&ws.b_lo, 0.0).lt(step.load(&ws.b_hi, 1.0));
            // pruning_for: the root of tau(rho) = T, clipped to the box.
            let upload = bits / math::rate(a, b);
            let v = phi_c * c + phi_s * upload;
            let rho = (t0 + c + upload) / v - t / v;
            let rho = V::select(rho.lt(rmin), rmin, V::select(rho.gt(rmax), rmax, rho));
            let mut rho = V::select(v.gt(zero), rho, rmin);
            // The rise onto the deadline as the latency is computed.
            let mut rise = zero;
            let mut active = step.valid & !fixed & v.gt(zero);
            for _ in 0..ROUNDING_STEPS {
                let excess = latency(inst, &step, rho, upload) - t;
                active = active & excess.gt(zero) & rho.lt(rmax);
                if !active.any() {
                    break;
                }
                let up = V::splat(2.0) * rise;
                let up = V::select(up.lt(excess / v), excess / v, up);
                let floor = V::splat(f64::EPSILON) * rho;
                let up = V::select(up.lt(floor), floor, up);
                let up = V::select(
                    up.lt(V::splat(f64::MIN_POSITIVE)),
                    V::splat(f64::MIN_POSITIVE),
                    up,
                );
                rise = V::select(active, up, rise);
                let next = rho + rise;
                rho = V::select(active, V::select(next.gt(rmax), rmax, next), rho);
            }
            step.store(V::select(fixed, rmin, rho), self.pruning);
            start += V::N;
        }
    }
}

/// deadline::box_noise without caps: the rounding noise of sum_k b_k from the clients at
/// an end of their box (every client when `interior` is None).
pub(super) struct BoxNoise<'a, 'b> {
    pub(super) inst: &'a Instance<'b>,
    pub(super) d: f64,
    pub(super) b: &'a [f64],
    pub(super) rho: &'a [f64],
    pub(super) interior: Option<&'a [f64]>,
}

impl<'a, 'b> simd::Kernel for BoxNoise<'a, 'b> {
    type Output = f64;

    #[inline(always)]
    fn run<V: Lanes>(self) -> f64 {
        let inst = self.inst;
        let n = inst.clients;
        let (one, zero) = (V::splat(1.0), V::splat(0.0));
        let d = V::splat(self.d);
        let (phi_c, phi_s) = (V::splat(inst.phi_c), V::splat(inst.phi_s));
        let mut noise = zero;
        let mut start = 0;
        while start < n {
            let step = Step::<V>::at(start, n);
            let mut ends = step.valid;
            if let Some(gs) = self.interior {
                ends = ends & step.load(gs, 0.0).eq(zero);
            }
            let b = step.load(self.b, 0.0);
            let rho = step.load(self.rho, 0.0);
            let a = step.load(&inst.a, 1.0);
            let c = step.load(inst.c, 0.0);
            let t0 = step.load(&inst.t0, 0.0);
            let window = d - t0 - (one - phi_c * rho) * c;
            let kept = one - phi_s * rho;
            let q_error = V::splat(U) * (V::splat(5.0) + one / kept)
                + (V::splat(8.0 * U * U) * (d + t0 + c)) / window;
            let condition = one + (V::splat(2.0) * b) / a;
            let term = b * (V::splat(3e-15) + (one + condition) * (q_error + V::splat(2.0 * U)));
            noise = noise + V::select(ends, term, zero);
            start += V::N;
        }
        2.0 * noise.sum()
    }
}
