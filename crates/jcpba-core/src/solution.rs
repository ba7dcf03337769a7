//! What a solve returns (docs/CORE_API.md, "Result").

use crate::method::Method;

/// Why an iterative method stopped. Closed-form methods always report `Converged`;
/// `Infeasible`: no point meets every constraint (deadline mode: the deadline; every
/// method: the energy caps of MODEL.md section 11.2 or the least pruning of section 12).
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
    /// With `status == Infeasible` only: the clients (0-based, ascending) that cannot meet
    /// their constraints alone (MODEL.md 11.2), empty when only the clients together fail
    /// (the band, the budget, or `sum w rmin > budget`). With that status `latency` is NaN
    /// inside the core and every point column is empty; the bindings write `null`.
    pub infeasible_clients: Vec<usize>,
    /// E_k per client, J (MODEL.md section 11.1); empty when infeasible.
    pub energy: Vec<f64>,
    /// sum_k E_k, J (NaN when infeasible).
    pub energy_total: f64,
    /// max_k E_k, J (NaN when infeasible).
    pub energy_max: f64,
    /// sum_k S (1 - phi_s rho_k), bits: the communication overhead (NaN when infeasible).
    pub upload_bits: f64,
    /// sum_k c_k (1 - phi_c rho_k), device-seconds: the computation overhead (NaN when infeasible).
    pub compute_seconds: f64,
}

impl Solution {
    /// The result of a method that found no point (MODEL.md 11.2 and 12): NaN latency,
    /// empty point columns and accounting, `infeasible_clients` ascending (empty when
    /// only the clients together fail). `lower_bound`: `optimal`'s last T proven
    /// infeasible, if any; `upper_bound` is then None.
    pub fn infeasible(
        method: Method,
        iterations: u32,
        mut infeasible_clients: Vec<usize>,
        lower_bound: Option<f64>,
    ) -> Solution {
        infeasible_clients.sort_unstable();
        infeasible_clients.dedup();
        Solution {
            method,
            latency: f64::NAN,
            pruning: Vec::new(),
            bandwidth: Vec::new(),
            client_latency: Vec::new(),
            iterations,
            status: Status::Infeasible,
            lower_bound,
            upper_bound: None,
            infeasible_clients,
            energy: Vec::new(),
            energy_total: f64::NAN,
            energy_max: f64::NAN,
            upload_bits: f64::NAN,
            compute_seconds: f64::NAN,
        }
    }

    /// Whether the method returned a point (every status but `Infeasible`).
    pub fn has_point(&self) -> bool {
        self.status != Status::Infeasible
    }
}
