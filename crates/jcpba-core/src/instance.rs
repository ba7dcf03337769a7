//! Derived constants of a validated problem (the `Instance` of ts/core/problem.ts), and the
//! client latency of round model v2 (MODEL.md section 8) that every method evaluates.

use crate::problem::ProblemView;
use crate::simd::{self, Level};

/// What every method works on: a_k = p_k g_k / N0 (Hz) and the data weights normalized
/// to sum 1, next to the problem's own columns.
#[derive(Clone, Debug)]
pub struct Instance<'a> {
    /// K.
    pub clients: usize,
    /// B, Hz.
    pub bandwidth_hz: f64,
    /// S, bits.
    pub payload_bits: f64,
    /// Cap on sum_k w_k rho_k.
    pub budget: f64,
    /// c_k, s.
    pub c: &'a [f64],
    /// a_k = p_k g_k / N0, Hz.
    pub a: Vec<f64>,
    /// w_k, summing to 1.
    pub w: Vec<f64>,
    /// rmax_k.
    pub rmax: &'a [f64],
    /// t0_k, s (zeros when the problem gives none).
    pub t0: Vec<f64>,
    /// phi_c, the prunable share of the compute.
    pub phi_c: f64,
    /// phi_s, the prunable share of the payload.
    pub phi_s: f64,
    /// p_k, W (the upload's energy is p_k times its time, MODEL.md section 11).
    pub p: &'a [f64],
    /// rmin_k (MODEL.md section 12); empty: 0 for every client (see [`Instance::rmin_at`]).
    pub rmin: &'a [f64],
    /// e_k, W drawn while training; empty: 0 for every client.
    pub e: &'a [f64],
    /// E0_k, J per round; empty: 0 for every client.
    pub e0: &'a [f64],
    /// Ebar_k, J per round (+infinity: uncapped); empty: no client is capped.
    pub cap: &'a [f64],
    /// The instruction set of the column kernels (simd::level(): the best this machine
    /// runs, or scalar under JCPBA_SIMD=off); tests set it to compare the paths.
    pub level: Level,
}

/// The instance of a problem that passed validation.
pub fn instance<'a>(p: &ProblemView<'a>) -> Instance<'a> {
    let k_count = p.clients();
    let mut wsum = 0.0;
    for k in 0..k_count {
        wsum += p.data_weight[k];
    }
    let mut a = Vec::with_capacity(k_count);
    let mut w = Vec::with_capacity(k_count);
    for k in 0..k_count {
        a.push((p.tx_power_w[k] * p.channel_gain[k]) / p.noise_psd_w_per_hz);
        w.push(p.data_weight[k] / wsum);
    }
    let t0 = if p.fixed_seconds.is_empty() {
        vec![0.0; k_count]
    } else {
        p.fixed_seconds.to_vec()
    };
    Instance {
        clients: k_count,
        bandwidth_hz: p.bandwidth_hz,
        payload_bits: p.payload_bits,
        budget: p.pruning_budget,
        c: p.compute_seconds,
        a,
        w,
        rmax: p.max_pruning,
        t0,
        phi_c: p.prunable_compute_fraction,
        phi_s: p.prunable_payload_fraction,
        p: p.tx_power_w,
        rmin: p.min_pruning,
        e: p.compute_power_w,
        e0: p.fixed_joules,
        cap: p.energy_cap_j,
        level: simd::level(),
    }
}

impl<'a> Instance<'a> {
    /// rmin_k, 0 when the problem gives no minimum pruning.
    #[inline]
    pub fn rmin_at(&self, k: usize) -> f64 {
        if self.rmin.is_empty() {
            0.0
        } else {
            self.rmin[k]
        }
    }

    /// Ebar_k, +infinity when client k (or every client) is uncapped.
    #[inline]
    pub fn cap_at(&self, k: usize) -> f64 {
        if self.cap.is_empty() {
            f64::INFINITY
        } else {
            self.cap[k]
        }
    }

    /// Whether any client has a finite energy cap (MODEL.md section 11.2).
    pub fn has_caps(&self) -> bool {
        self.cap.iter().any(|x| x.is_finite())
    }

    /// Whether any client has a positive minimum pruning (MODEL.md section 12).
    pub fn has_min_pruning(&self) -> bool {
        self.rmin.iter().any(|&x| x > 0.0)
    }

    /// Client k's round latency at pruning rho when its upload of the unpruned update takes
    /// `upload` = S / r_k(b) seconds (MODEL.md section 8):
    /// tau = t0 + c (1 - phi_c rho) + upload (1 - phi_s rho), evaluated as
    /// t0 + (1 - phi rho)(c + upload) when phi_c = phi_s = phi, which with t0 = 0 and
    /// phi = 1 is exactly the (1 - rho)(c + upload) of MODEL.md section 2.
    #[inline]
    pub fn latency(&self, k: usize, rho: f64, upload: f64) -> f64 {
        let c = self.c[k];
        // Otherwise the sum of the two positive terms: the one-product form plus a
        // correction, t0 + (1 - phi_s rho)(c + upload) + (phi_s - phi_c) rho c, cancels when
        // the correction is close to the product (phi_s = 0 and rho near 1: an error of
        // 1e-16 / (1 - rho) relative).
        if self.phi_s == self.phi_c {
            return self.t0[k] + (1.0 - self.phi_s * rho) * (c + upload);
        }
        self.t0[k] + c * (1.0 - self.phi_c * rho) + upload * (1.0 - self.phi_s * rho)
    }

    /// U_k = t0 + c + upload: the latency without pruning, s.
    #[inline]
    pub fn unpruned(&self, k: usize, upload: f64) -> f64 {
        self.t0[k] + self.c[k] + upload
    }

    /// V_k = phi_c c + phi_s upload: the latency a whole unit of pruning removes, s
    /// (tau = U - V rho); 0 when neither compute nor payload can be pruned.
    #[inline]
    pub fn prunable(&self, k: usize, upload: f64) -> f64 {
        self.phi_c * self.c[k] + self.phi_s * upload
    }

    /// The time client k has for its upload when its round must end by T at pruning rho,
    /// T - t0 - c (1 - phi_c rho); the upload then needs rate S (1 - phi_s rho) / that.
    #[inline]
    pub fn upload_window(&self, k: usize, rho: f64, t: f64) -> f64 {
        t - self.t0[k] - (1.0 - self.phi_c * rho) * self.c[k]
    }

    /// The payload left after pruning at rate rho, S (1 - phi_s rho), bits.
    #[inline]
    pub fn payload(&self, rho: f64) -> f64 {
        self.payload_bits * (1.0 - self.phi_s * rho)
    }
}
