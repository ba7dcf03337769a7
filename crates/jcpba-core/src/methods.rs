//! The methods of MODEL.md section 3. Only `equal` lives here for now; the numeric
//! port replaces this module and keeps `solve_method`'s signature.

use crate::channel::{client_latency, rate, snr_bandwidth};
use crate::error::{Error, ErrorCode};
use crate::method::Method;
use crate::options::SolveOptions;
use crate::problem::ProblemView;
use crate::solution::{Solution, Status};

/// Runs one method on a problem that already passed validation.
pub fn solve_method(p: &ProblemView, method: Method, _opts: &SolveOptions) -> Result<Solution, Error> {
    match method {
        Method::Equal => Ok(equal(p)),
        other => Err(Error::new(
            ErrorCode::Internal,
            "method",
            format!("method {} is not implemented in this backend yet", other.id()),
        )),
    }
}

/// Plain FedAvg: no pruning, B/K each. Closed form, so zero iterations.
fn equal(p: &ProblemView) -> Solution {
    let k_count = p.clients();
    let share = p.bandwidth_hz / k_count as f64;
    let client_latency: Vec<f64> = (0..k_count)
        .map(|k| {
            let a = snr_bandwidth(p.tx_power_w[k], p.channel_gain[k], p.noise_psd_w_per_hz);
            client_latency(0.0, p.compute_seconds[k], p.payload_bits, rate(a, share))
        })
        .collect();
    Solution {
        method: Method::Equal,
        latency: client_latency.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        pruning: vec![0.0; k_count],
        bandwidth: vec![share; k_count],
        client_latency,
        iterations: 0,
        status: Status::Converged,
        lower_bound: None,
        upper_bound: None,
    }
}
