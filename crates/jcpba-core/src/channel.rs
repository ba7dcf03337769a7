//! The uplink model of MODEL.md section 2.

use std::f64::consts::LN_2;

/// a_k = p_k g_k / N0 in Hz: the bandwidth scale at which the client's SNR is 1.
pub fn snr_bandwidth(tx_power_w: f64, channel_gain: f64, noise_psd_w_per_hz: f64) -> f64 {
    tx_power_w * channel_gain / noise_psd_w_per_hz
}

/// r(b) = b log2(1 + a / b) in bit/s. `ln_1p` keeps full precision when b >> a,
/// where 1 + a/b would round the information away.
pub fn rate(a: f64, bandwidth_hz: f64) -> f64 {
    bandwidth_hz * (a / bandwidth_hz).ln_1p() / LN_2
}

/// tau = (1 - rho)(c + S / r): structured pruning scales compute and upload alike.
pub fn client_latency(pruning: f64, compute_seconds: f64, payload_bits: f64, rate_bps: f64) -> f64 {
    (1.0 - pruning) * (compute_seconds + payload_bits / rate_bps)
}
