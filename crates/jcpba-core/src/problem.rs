//! The per-round problem P (MODEL.md section 2) in columnar form, and its validation.

use crate::error::Error;

/// Number of shared scalars a binding passes as one array, in this order:
/// `[bandwidthHz, noisePsdWPerHz, payloadBits, pruningBudget, prunableComputeFraction,
/// prunablePayloadFraction]`.
pub const SCALAR_COUNT: usize = 6;

/// The scalars' names, in the binding order (the error message lists them).
const SCALAR_NAMES: &str = "bandwidthHz, noisePsdWPerHz, payloadBits, pruningBudget, prunableComputeFraction, prunablePayloadFraction";

/// Number of client columns a binding passes, in the order of [`COLUMN_NAMES`].
pub const COLUMN_COUNT: usize = 10;

/// The client columns in the binding order (docs/CORE_API.md): the five every problem
/// gives, then the optional ones, each empty (the default for every client) or of length K.
pub const COLUMN_NAMES: [&str; COLUMN_COUNT] = [
    "computeSeconds",
    "txPowerW",
    "channelGain",
    "dataWeight",
    "maxPruning",
    "fixedSeconds",
    "minPruning",
    "computePowerW",
    "fixedJoules",
    "energyCapJ",
];

/// A problem over borrowed columns, so the bindings can solve straight from
/// JavaScript typed arrays or WASM linear memory without copying.
#[derive(Clone, Copy, Debug)]
pub struct ProblemView<'a> {
    /// B, Hz.
    pub bandwidth_hz: f64,
    /// N0, W/Hz.
    pub noise_psd_w_per_hz: f64,
    /// S, bits of the unpruned update.
    pub payload_bits: f64,
    /// Cap on the data-weighted mean pruning rate, in [0, 1).
    pub pruning_budget: f64,
    /// c_k, seconds of one local update on the unpruned model.
    pub compute_seconds: &'a [f64],
    /// p_k, W.
    pub tx_power_w: &'a [f64],
    /// g_k, linear channel power gain.
    pub channel_gain: &'a [f64],
    /// w_k > 0, normalized internally.
    pub data_weight: &'a [f64],
    /// rmax_k in [0, 1).
    pub max_pruning: &'a [f64],
    /// t0_k >= 0, s per round that neither pruning nor bandwidth changes (MODEL.md
    /// section 8); empty means 0 for every client.
    pub fixed_seconds: &'a [f64],
    /// phi_c in [0, 1]: the share of the compute that pruning at rate rho removes a
    /// fraction rho of (1: all of it, as in MODEL.md section 2).
    pub prunable_compute_fraction: f64,
    /// phi_s in [0, 1]: the same for the payload.
    pub prunable_payload_fraction: f64,
    /// rmin_k in [0, rmax_k], the least pruning client k must apply (MODEL.md section
    /// 12); empty means 0 for every client.
    pub min_pruning: &'a [f64],
    /// e_k >= 0, W drawn while training (MODEL.md section 11); empty means 0.
    pub compute_power_w: &'a [f64],
    /// E0_k >= 0, J per round that neither pruning nor bandwidth changes; empty means 0.
    pub fixed_joules: &'a [f64],
    /// Ebar_k > 0, J per round, or +infinity for no cap; empty means no client is capped.
    pub energy_cap_j: &'a [f64],
}

impl<'a> ProblemView<'a> {
    /// Builds a view from the binding layout: the six scalars in one array
    /// (see [`SCALAR_COUNT`]) and the [`COLUMN_COUNT`] client columns in the order of
    /// [`COLUMN_NAMES`] (the optional ones may be empty).
    pub fn from_scalars(
        scalars: &[f64],
        columns: [&'a [f64]; COLUMN_COUNT],
    ) -> Result<ProblemView<'a>, Error> {
        if scalars.len() != SCALAR_COUNT {
            return Err(Error::invalid_input(
                "scalars",
                format!(
                    "scalars must hold {} numbers [{}], got {}",
                    SCALAR_COUNT,
                    SCALAR_NAMES,
                    scalars.len()
                ),
            ));
        }
        Ok(ProblemView {
            bandwidth_hz: scalars[0],
            noise_psd_w_per_hz: scalars[1],
            payload_bits: scalars[2],
            pruning_budget: scalars[3],
            compute_seconds: columns[0],
            tx_power_w: columns[1],
            channel_gain: columns[2],
            data_weight: columns[3],
            max_pruning: columns[4],
            fixed_seconds: columns[5],
            prunable_compute_fraction: scalars[4],
            prunable_payload_fraction: scalars[5],
            min_pruning: columns[6],
            compute_power_w: columns[7],
            fixed_joules: columns[8],
            energy_cap_j: columns[9],
        })
    }

    /// K, the number of clients (the length of `compute_seconds`, as validation defines it).
    pub fn clients(&self) -> usize {
        self.compute_seconds.len()
    }

    /// The optional client columns with their names, in the binding order.
    fn optional_columns(&self) -> [(&'static str, &'a [f64]); 5] {
        [
            ("fixedSeconds", self.fixed_seconds),
            ("minPruning", self.min_pruning),
            ("computePowerW", self.compute_power_w),
            ("fixedJoules", self.fixed_joules),
            ("energyCapJ", self.energy_cap_j),
        ]
    }
}

/// An owned problem, for tests and for callers that build problems in Rust. The
/// default has no clients, no fixed time and both prunable fractions 1 (round model v1).
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub bandwidth_hz: f64,
    pub noise_psd_w_per_hz: f64,
    pub payload_bits: f64,
    pub pruning_budget: f64,
    pub compute_seconds: Vec<f64>,
    pub tx_power_w: Vec<f64>,
    pub channel_gain: Vec<f64>,
    pub data_weight: Vec<f64>,
    pub max_pruning: Vec<f64>,
    /// Empty, or one t0_k per client.
    pub fixed_seconds: Vec<f64>,
    pub prunable_compute_fraction: f64,
    pub prunable_payload_fraction: f64,
    /// Empty, or one rmin_k per client (MODEL.md section 12).
    pub min_pruning: Vec<f64>,
    /// Empty, or one e_k (W) per client (MODEL.md section 11).
    pub compute_power_w: Vec<f64>,
    /// Empty, or one E0_k (J) per client.
    pub fixed_joules: Vec<f64>,
    /// Empty (no caps), or one Ebar_k (J, +infinity for no cap) per client.
    pub energy_cap_j: Vec<f64>,
}

impl Default for Problem {
    fn default() -> Problem {
        Problem {
            bandwidth_hz: 0.0,
            noise_psd_w_per_hz: 0.0,
            payload_bits: 0.0,
            pruning_budget: 0.0,
            compute_seconds: Vec::new(),
            tx_power_w: Vec::new(),
            channel_gain: Vec::new(),
            data_weight: Vec::new(),
            max_pruning: Vec::new(),
            fixed_seconds: Vec::new(),
            prunable_compute_fraction: 1.0,
            prunable_payload_fraction: 1.0,
            min_pruning: Vec::new(),
            compute_power_w: Vec::new(),
            fixed_joules: Vec::new(),
            energy_cap_j: Vec::new(),
        }
    }
}

impl Problem {
    pub fn view(&self) -> ProblemView<'_> {
        ProblemView {
            bandwidth_hz: self.bandwidth_hz,
            noise_psd_w_per_hz: self.noise_psd_w_per_hz,
            payload_bits: self.payload_bits,
            pruning_budget: self.pruning_budget,
            compute_seconds: &self.compute_seconds,
            tx_power_w: &self.tx_power_w,
            channel_gain: &self.channel_gain,
            data_weight: &self.data_weight,
            max_pruning: &self.max_pruning,
            fixed_seconds: &self.fixed_seconds,
            prunable_compute_fraction: self.prunable_compute_fraction,
            prunable_payload_fraction: self.prunable_payload_fraction,
            min_pruning: &self.min_pruning,
            compute_power_w: &self.compute_power_w,
            fixed_joules: &self.fixed_joules,
            energy_cap_j: &self.energy_cap_j,
        }
    }
}

fn is_positive_finite(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

fn is_unit_fraction(x: f64) -> bool {
    x.is_finite() && (0.0..1.0).contains(&x)
}

fn is_closed_fraction(x: f64) -> bool {
    x.is_finite() && (0.0..=1.0).contains(&x)
}

/// Checks P's inputs in the order fixed by docs/CORE_API.md and reports the first
/// failure with the contract's exact message.
pub fn validate(p: &ProblemView) -> Result<(), Error> {
    let scalars = [
        ("bandwidthHz", p.bandwidth_hz),
        ("noisePsdWPerHz", p.noise_psd_w_per_hz),
        ("payloadBits", p.payload_bits),
    ];
    for &(name, value) in scalars.iter() {
        if !is_positive_finite(value) {
            return Err(Error::invalid_input(
                name,
                format!("{} must be a positive finite number", name),
            ));
        }
    }
    if !is_unit_fraction(p.pruning_budget) {
        return Err(Error::invalid_input(
            "pruningBudget",
            "pruningBudget must be a finite number in [0, 1)",
        ));
    }
    let fractions = [
        ("prunableComputeFraction", p.prunable_compute_fraction),
        ("prunablePayloadFraction", p.prunable_payload_fraction),
    ];
    for &(name, value) in fractions.iter() {
        if !is_closed_fraction(value) {
            return Err(Error::invalid_input(
                name,
                format!("{} must be a finite number in [0, 1]", name),
            ));
        }
    }

    let k_count = p.clients();
    if k_count == 0 {
        return Err(Error::invalid_input(
            "clients",
            "clients must hold at least one client (K = 0)",
        ));
    }
    let others = [
        ("txPowerW", p.tx_power_w),
        ("channelGain", p.channel_gain),
        ("dataWeight", p.data_weight),
        ("maxPruning", p.max_pruning),
    ];
    for &(name, column) in others.iter() {
        if column.len() != k_count {
            return Err(Error::invalid_input(
                format!("clients.{}", name),
                format!(
                    "clients.{} has {} entries but clients.computeSeconds has {}",
                    name,
                    column.len(),
                    k_count
                ),
            ));
        }
    }
    // The optional columns may be left out altogether (the default for every client).
    for &(name, column) in p.optional_columns().iter() {
        if !column.is_empty() && column.len() != k_count {
            return Err(Error::invalid_input(
                format!("clients.{}", name),
                format!(
                    "clients.{} has {} entries but clients.computeSeconds has {}",
                    name,
                    column.len(),
                    k_count
                ),
            ));
        }
    }

    for k in 0..k_count {
        let positive = [
            ("computeSeconds", p.compute_seconds[k]),
            ("txPowerW", p.tx_power_w[k]),
            ("channelGain", p.channel_gain[k]),
            ("dataWeight", p.data_weight[k]),
        ];
        for &(name, value) in positive.iter() {
            if !is_positive_finite(value) {
                let field = format!("clients[{}].{}", k, name);
                let message = format!("{} must be a positive finite number", field);
                return Err(Error::invalid_input(field, message).for_client(k));
            }
        }
        if !is_unit_fraction(p.max_pruning[k]) {
            let field = format!("clients[{}].maxPruning", k);
            let message = format!("{} must be a finite number in [0, 1)", field);
            return Err(Error::invalid_input(field, message).for_client(k));
        }
        if let Some(&t0) = p.fixed_seconds.get(k) {
            if !(t0.is_finite() && t0 >= 0.0) {
                let field = format!("clients[{}].fixedSeconds", k);
                let message = format!("{} must be a finite number >= 0", field);
                return Err(Error::invalid_input(field, message).for_client(k));
            }
        }
        if let Some(&rmin) = p.min_pruning.get(k) {
            // rmax passed its check above; rmin = rmax fixes the client's pruning.
            if !(rmin.is_finite() && rmin >= 0.0 && rmin <= p.max_pruning[k]) {
                let field = format!("clients[{}].minPruning", k);
                let message = format!(
                    "{} must be a finite number in [0, clients[{}].maxPruning]",
                    field, k
                );
                return Err(Error::invalid_input(field, message).for_client(k));
            }
        }
        let energy = [
            ("computePowerW", p.compute_power_w.get(k)),
            ("fixedJoules", p.fixed_joules.get(k)),
        ];
        for &(name, value) in energy.iter() {
            if let Some(&x) = value {
                if !(x.is_finite() && x >= 0.0) {
                    let field = format!("clients[{}].{}", k, name);
                    let message = format!("{} must be a finite number >= 0", field);
                    return Err(Error::invalid_input(field, message).for_client(k));
                }
            }
        }
        if let Some(&cap) = p.energy_cap_j.get(k) {
            // +infinity is the boundary's spelling of "no cap" (null in JSON).
            if !(cap > 0.0) {
                let field = format!("clients[{}].energyCapJ", k);
                let message = format!(
                    "{} must be a positive number of J, or Infinity (null in JSON) for no cap",
                    field
                );
                return Err(Error::invalid_input(field, message).for_client(k));
            }
        }
        // Each input can be valid while the SNR bandwidth a_k = p g / N0 over- or
        // underflows; every method divides by it.
        if !is_positive_finite(p.tx_power_w[k] * p.channel_gain[k] / p.noise_psd_w_per_hz) {
            let field = format!("clients[{}].channelGain", k);
            let message = format!(
                "clients[{}]: txPowerW x channelGain / noisePsdWPerHz must be a positive finite number of Hz",
                k
            );
            return Err(Error::invalid_input(field, message).for_client(k));
        }
    }
    let weight_sum: f64 = p.data_weight.iter().sum();
    if !weight_sum.is_finite() {
        return Err(Error::invalid_input(
            "clients.dataWeight",
            "clients.dataWeight must have a finite sum",
        ));
    }
    check_scales(p, weight_sum)
}

/// The representable range (MODEL.md section 2.1): every scale of the problem in
/// [SCALE_MIN, SCALE_MAX].
pub const SCALE_MIN: f64 = 1e-50;
pub const SCALE_MAX: f64 = 1e50;

fn in_scale(x: f64) -> bool {
    (SCALE_MIN..=SCALE_MAX).contains(&x)
}

/// Rejects problems whose scales double precision cannot carry through the methods: the
/// band B, the time S / B, and per client the dimensionless a_k / B, c_k B / S and
/// w_k / sum w (and t0_k B / S from above, 1 - rmax_k from below). Within [1e-50, 1e50] each, every quantity a method forms (a product of
/// a few of them) stays far inside the normal range of a double.
fn check_scales(p: &ProblemView, weight_sum: f64) -> Result<(), Error> {
    const RANGE: &str = "must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)";
    let b = p.bandwidth_hz;
    let s = p.payload_bits;
    if !in_scale(b) {
        return Err(Error::invalid_input(
            "bandwidthHz",
            format!("bandwidthHz {}", RANGE),
        ));
    }
    if !in_scale(s / b) {
        return Err(Error::invalid_input(
            "payloadBits",
            format!("payloadBits / bandwidthHz {}", RANGE),
        ));
    }
    for k in 0..p.clients() {
        let a = p.tx_power_w[k] * p.channel_gain[k] / p.noise_psd_w_per_hz;
        let checks = [
            (
                "computeSeconds",
                p.compute_seconds[k] * b / s,
                "computeSeconds x bandwidthHz / payloadBits",
            ),
            (
                "channelGain",
                a / b,
                "txPowerW x channelGain / noisePsdWPerHz / bandwidthHz",
            ),
            (
                "dataWeight",
                // At most 1, so only the lower end can fail.
                p.data_weight[k] / weight_sum,
                "dataWeight / sum of dataWeight",
            ),
        ];
        for &(name, value, what) in checks.iter() {
            if !in_scale(value) {
                let field = format!("clients[{}].{}", k, name);
                let message = format!("clients[{}]: {} {}", k, what, RANGE);
                return Err(Error::invalid_input(field, message).for_client(k));
            }
        }
        // The fixed time may be 0; only its upper end matters (round model v2).
        if !p.fixed_seconds.is_empty() && p.fixed_seconds[k] * b / s > SCALE_MAX {
            let field = format!("clients[{}].fixedSeconds", k);
            let message = format!(
                "clients[{}]: fixedSeconds x bandwidthHz / payloadBits must be at most 1e50 (the representable range, MODEL.md 2.1)",
                k
            );
            return Err(Error::invalid_input(field, message).for_client(k));
        }
        // A client's latency scales with 1 - rho, which a double holds to an absolute
        // 1e-16: near rho = 1 that is a large relative error.
        // (maxPruning passed its own check above, so it is finite.)
        if 1.0 - p.max_pruning[k] < KEEP_MIN {
            let field = format!("clients[{}].maxPruning", k);
            let message = format!(
                "clients[{}]: 1 - maxPruning must be at least 1e-6 (the representable range, MODEL.md 2.1)",
                k
            );
            return Err(Error::invalid_input(field, message).for_client(k));
        }
        // Only problems that give an energy input: without one, energy is reported but
        // constrains nothing, and problems valid before section 11 stay valid.
        if !(p.compute_power_w.is_empty() && p.fixed_joules.is_empty() && p.energy_cap_j.is_empty()) {
            check_energy_scales(p, k)?;
        }
    }
    Ok(())
}

/// The energy rows of the representable range (MODEL.md 2.1, section 11): client k's
/// energy unit `u = p_k S / B` (J: its transmit power over the time unit S / B), then
/// its compute energy `e_k c_k`, fixed energy `E0_k` and cap `Ebar_k` in units of u.
/// Every energy a method or the accounting forms is u times a product of a few
/// dimensionless scales, so with u and these within 1e50 of 1 none over- or underflows.
fn check_energy_scales(p: &ProblemView, k: usize) -> Result<(), Error> {
    const RANGE: &str = "must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)";
    const AT_MOST: &str = "must be at most 1e50 (the representable range, MODEL.md 2.1)";
    const UNIT: &str = "(txPowerW x payloadBits / bandwidthHz)";
    let unit = p.tx_power_w[k] * p.payload_bits / p.bandwidth_hz;
    if !in_scale(unit) {
        let field = format!("clients[{}].txPowerW", k);
        let message = format!(
            "clients[{}]: txPowerW x payloadBits / bandwidthHz {}",
            k, RANGE
        );
        return Err(Error::invalid_input(field, message).for_client(k));
    }
    // Compute and fixed energy may be 0 (or underflow to it harmlessly: they are added
    // to the upload's energy, which is at least of the order of u): only the upper end.
    if let Some(&e) = p.compute_power_w.get(k) {
        if e * p.compute_seconds[k] / unit > SCALE_MAX {
            let field = format!("clients[{}].computePowerW", k);
            let message = format!(
                "clients[{}]: computePowerW x computeSeconds / {} {}",
                k, UNIT, AT_MOST
            );
            return Err(Error::invalid_input(field, message).for_client(k));
        }
    }
    if let Some(&e0) = p.fixed_joules.get(k) {
        if e0 / unit > SCALE_MAX {
            let field = format!("clients[{}].fixedJoules", k);
            let message = format!("clients[{}]: fixedJoules / {} {}", k, UNIT, AT_MOST);
            return Err(Error::invalid_input(field, message).for_client(k));
        }
    }
    if let Some(&cap) = p.energy_cap_j.get(k) {
        if cap.is_finite() && !in_scale(cap / unit) {
            let field = format!("clients[{}].energyCapJ", k);
            let message = format!("clients[{}]: energyCapJ / {} {}", k, UNIT, RANGE);
            return Err(Error::invalid_input(field, message).for_client(k));
        }
    }
    Ok(())
}

/// The least 1 - rmax_k of the representable range: rho is held to an absolute 1e-16,
/// so 1 - rho (and the latency) to a relative 1e-10 at worst.
pub const KEEP_MIN: f64 = 1e-6;

/// Many problems in the binding layout: `scalars` holds [`SCALAR_COUNT`] numbers per
/// problem, and problem i owns rows `offsets[i]..offsets[i + 1]` of every column.
#[derive(Clone, Copy, Debug)]
pub struct BatchView<'a> {
    pub scalars: &'a [f64],
    pub offsets: &'a [u32],
    pub compute_seconds: &'a [f64],
    pub tx_power_w: &'a [f64],
    pub channel_gain: &'a [f64],
    pub data_weight: &'a [f64],
    pub max_pruning: &'a [f64],
    /// Empty (no fixed time in any problem), or one entry per row like the others.
    pub fixed_seconds: &'a [f64],
    /// The optional columns of MODEL.md sections 11 and 12, each like `fixed_seconds`:
    /// empty (the default in every problem) or one entry per row.
    pub min_pruning: &'a [f64],
    pub compute_power_w: &'a [f64],
    pub fixed_joules: &'a [f64],
    pub energy_cap_j: &'a [f64],
}

impl<'a> BatchView<'a> {
    /// Checks the batch layout itself (not the problems in it) and returns the number
    /// of problems. The layout is built by the facade, so these errors mean a caller
    /// bypassed it; they are still reported as input errors, never as a crash.
    pub fn check_layout(&self) -> Result<usize, Error> {
        if self.offsets.is_empty() {
            return Err(Error::invalid_input(
                "offsets",
                "batch offsets must hold n + 1 entries for n problems, got 0",
            ));
        }
        let n = self.offsets.len() - 1;
        if self.offsets[0] != 0 || self.offsets.windows(2).any(|w| w[1] < w[0]) {
            return Err(Error::invalid_input(
                "offsets",
                "batch offsets must start at 0 and never decrease",
            ));
        }
        if self.scalars.len() != SCALAR_COUNT * n {
            return Err(Error::invalid_input(
                "scalars",
                format!(
                    "batch scalars hold {} numbers but {} problems need {}",
                    self.scalars.len(),
                    n,
                    SCALAR_COUNT * n
                ),
            ));
        }
        let rows = self.offsets[n] as usize;
        let columns = [
            ("computeSeconds", self.compute_seconds),
            ("txPowerW", self.tx_power_w),
            ("channelGain", self.channel_gain),
            ("dataWeight", self.data_weight),
            ("maxPruning", self.max_pruning),
        ];
        for &(name, column) in columns.iter() {
            if column.len() != rows {
                return Err(Error::invalid_input(
                    name,
                    format!(
                        "batch column {} has {} entries but the offsets end at {}",
                        name,
                        column.len(),
                        rows
                    ),
                ));
            }
        }
        let optional = [
            ("fixedSeconds", self.fixed_seconds),
            ("minPruning", self.min_pruning),
            ("computePowerW", self.compute_power_w),
            ("fixedJoules", self.fixed_joules),
            ("energyCapJ", self.energy_cap_j),
        ];
        for &(name, column) in optional.iter() {
            if !column.is_empty() && column.len() != rows {
                return Err(Error::invalid_input(
                    name,
                    format!(
                        "batch column {} has {} entries but the offsets end at {} (give all or none)",
                        name,
                        column.len(),
                        rows
                    ),
                ));
            }
        }
        Ok(n)
    }

    /// A batch from the binding layout: the scalars, the offsets and the
    /// [`COLUMN_COUNT`] client columns in the order of [`COLUMN_NAMES`].
    pub fn from_columns(
        scalars: &'a [f64],
        offsets: &'a [u32],
        columns: [&'a [f64]; COLUMN_COUNT],
    ) -> BatchView<'a> {
        BatchView {
            scalars,
            offsets,
            compute_seconds: columns[0],
            tx_power_w: columns[1],
            channel_gain: columns[2],
            data_weight: columns[3],
            max_pruning: columns[4],
            fixed_seconds: columns[5],
            min_pruning: columns[6],
            compute_power_w: columns[7],
            fixed_joules: columns[8],
            energy_cap_j: columns[9],
        }
    }

    /// Problem i of a batch whose layout passed [`BatchView::check_layout`].
    pub fn problem(&self, i: usize) -> ProblemView<'a> {
        let rows = self.offsets[i] as usize..self.offsets[i + 1] as usize;
        let s = &self.scalars[SCALAR_COUNT * i..SCALAR_COUNT * (i + 1)];
        ProblemView {
            bandwidth_hz: s[0],
            noise_psd_w_per_hz: s[1],
            payload_bits: s[2],
            pruning_budget: s[3],
            compute_seconds: &self.compute_seconds[rows.clone()],
            tx_power_w: &self.tx_power_w[rows.clone()],
            channel_gain: &self.channel_gain[rows.clone()],
            data_weight: &self.data_weight[rows.clone()],
            max_pruning: &self.max_pruning[rows.clone()],
            fixed_seconds: rows_of(self.fixed_seconds, rows.clone()),
            prunable_compute_fraction: s[4],
            prunable_payload_fraction: s[5],
            min_pruning: rows_of(self.min_pruning, rows.clone()),
            compute_power_w: rows_of(self.compute_power_w, rows.clone()),
            fixed_joules: rows_of(self.fixed_joules, rows.clone()),
            energy_cap_j: rows_of(self.energy_cap_j, rows),
        }
    }
}

/// An optional batch column's rows of one problem (empty stays empty: the default).
fn rows_of(column: &[f64], rows: std::ops::Range<usize>) -> &[f64] {
    if column.is_empty() {
        &[]
    } else {
        &column[rows]
    }
}
