//! What a returned point costs (MODEL.md section 11.1): each client's energy per round,
//! and the communication and computation overheads. Computed from the point alone, for
//! every method; mirrors ts/core/accounting.ts.

use crate::instance::Instance;
use crate::rate::rate;
use crate::solution::{Solution, Status};

/// E_k(rho, b) = E0_k + e_k c_k (1 - phi_c rho) + p_k S (1 - phi_s rho) / r_k(b), J.
pub fn client_energy(inst: &Instance, k: usize, rho: f64, b: f64) -> f64 {
    let upload = inst.payload_bits / rate(inst.a[k], b);
    let compute = match inst.e.get(k) {
        Some(&e) => e * inst.c[k] * (1.0 - inst.phi_c * rho),
        None => 0.0,
    };
    let fixed = inst.e0.get(k).copied().unwrap_or(0.0);
    fixed + compute + inst.p[k] * (upload * (1.0 - inst.phi_s * rho))
}

/// The accounting of one point, in client order.
#[derive(Clone, Debug, PartialEq)]
pub struct Accounting {
    /// E_k per client, J.
    pub energy: Vec<f64>,
    /// sum_k E_k, J.
    pub energy_total: f64,
    /// max_k E_k, J.
    pub energy_max: f64,
    /// sum_k S (1 - phi_s rho_k), bits.
    pub upload_bits: f64,
    /// sum_k c_k (1 - phi_c rho_k), device-seconds.
    pub compute_seconds: f64,
}

/// The accounting of the point (rho, b); sums run in client order (the same doubles in
/// every backend).
pub fn accounting(inst: &Instance, rho: &[f64], b: &[f64]) -> Accounting {
    let mut energy = Vec::with_capacity(inst.clients);
    let (mut total, mut max, mut bits, mut seconds) = (0.0, 0.0_f64, 0.0, 0.0);
    for k in 0..inst.clients {
        let e = client_energy(inst, k, rho[k], b[k]);
        energy.push(e);
        total += e;
        if e > max {
            max = e;
        }
        bits += inst.payload(rho[k]);
        seconds += inst.c[k] * (1.0 - inst.phi_c * rho[k]);
    }
    Accounting {
        energy,
        energy_total: total,
        energy_max: max,
        upload_bits: bits,
        compute_seconds: seconds,
    }
}

/// Fills a solution's accounting from its point; an infeasible solution has none (its
/// fields stay empty and NaN, which the bindings write as `null`).
pub fn account(inst: &Instance, s: &mut Solution) {
    if s.status == Status::Infeasible {
        s.energy = Vec::new();
        s.energy_total = f64::NAN;
        s.energy_max = f64::NAN;
        s.upload_bits = f64::NAN;
        s.compute_seconds = f64::NAN;
        return;
    }
    let a = accounting(inst, &s.pruning, &s.bandwidth);
    s.energy = a.energy;
    s.energy_total = a.energy_total;
    s.energy_max = a.energy_max;
    s.upload_bits = a.upload_bits;
    s.compute_seconds = a.compute_seconds;
}
