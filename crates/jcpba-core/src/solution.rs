//! What a solve returns (docs/CORE_API.md, "Result").

use crate::method::Method;

/// Why an iterative method stopped. Closed-form methods always report `Converged`;
/// `Infeasible` is deadline mode's only (no point meets the deadline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Converged,
    IterationLimit,
    Infeasible,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Converged => "converged",
            Status::IterationLimit => "iteration-limit",
            Status::Infeasible => "infeasible",
        }
    }

    /// The integer that crosses the WASM boundary.
    pub fn code(self) -> u32 {
        match self {
            Status::Converged => 0,
            Status::IterationLimit => 1,
            Status::Infeasible => 2,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    pub method: Method,
    /// T = max_k tau_k of the returned point, seconds.
    pub latency: f64,
    /// rho_k per client.
    pub pruning: Vec<f64>,
    /// b_k per client, Hz.
    pub bandwidth: Vec<f64>,
    /// tau_k per client, seconds.
    pub client_latency: Vec<f64>,
    pub iterations: u32,
    pub status: Status,
    /// Certified bracket [lower, upper] on the optimum; only `optimal` reports it.
    pub lower_bound: Option<f64>,
    pub upper_bound: Option<f64>,
}
