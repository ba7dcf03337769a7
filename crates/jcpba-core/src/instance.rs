//! Derived constants of a validated problem (the `Instance` of ts/core/problem.ts).

use crate::problem::ProblemView;

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
    Instance {
        clients: k_count,
        bandwidth_hz: p.bandwidth_hz,
        payload_bits: p.payload_bits,
        budget: p.pruning_budget,
        c: p.compute_seconds,
        a,
        w,
        rmax: p.max_pruning,
    }
}
