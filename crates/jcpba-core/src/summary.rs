//! Unit summaries (ts/core/montecarlo.ts `MethodSummary` and `UnitSummary`) and their JSON,
//! byte for byte what `JSON.stringify` writes for the TypeScript types. Kept apart from
//! the Monte Carlo loop (montecarlo.rs), which only fills the summaries: the JSON is a
//! boundary format of its own, with its own number formatting and tests.

use std::fmt::Write as _;

/// ts/core/montecarlo.ts `MethodSummary`: one method's statistics over the rounds of a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodSummary {
    /// Rounds seen, and the Welford mean and sum of squared deviations of their latency, s.
    pub n: u64,
    pub mean: f64,
    pub m2: f64,
    pub min: f64,
    pub max: f64,
    /// Sparse histogram of the round latency, sorted by bin, bin = floor(ln T x 1000).
    pub hist: Vec<(i32, u64)>,
    /// Sum over rounds of the weighted pruning used, sum_k w_k rho_k.
    pub pruning_sum: f64,
    /// Sum of iterations, and rounds that stopped at the iteration limit.
    pub iteration_sum: u64,
    pub iteration_limited: u64,
    /// Fine-tuning latency (sum of a trial's R rounds): trials, Welford mean and m2, s.
    pub ft_n: u64,
    pub ft_mean: f64,
    pub ft_m2: f64,
    /// For `bcd` when `optimal` runs too: relative gap T_bcd / T_opt - 1, summed and max.
    pub gap_n: u64,
    pub gap_sum: f64,
    pub gap_max: f64,
    /// Rounds where the method returned no point (status infeasible, MODEL.md 11.2 and 12);
    /// every statistic above covers the other `n` rounds only.
    pub infeasible: u64,
    /// Welford mean and m2 of the round's total energy sum_k E_k and of its max_k E_k, J,
    /// over the same `n` rounds as the latency.
    pub energy_mean: f64,
    pub energy_m2: f64,
    pub energy_max_mean: f64,
    pub energy_max_m2: f64,
}

impl MethodSummary {
    /// ts/core/montecarlo.ts `emptySummary`.
    pub fn empty() -> MethodSummary {
        MethodSummary {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            hist: Vec::new(),
            pruning_sum: 0.0,
            iteration_sum: 0,
            iteration_limited: 0,
            ft_n: 0,
            ft_mean: 0.0,
            ft_m2: 0.0,
            gap_n: 0,
            gap_sum: 0.0,
            gap_max: 0.0,
            infeasible: 0,
            energy_mean: 0.0,
            energy_m2: 0.0,
            energy_max_mean: 0.0,
            energy_max_m2: 0.0,
        }
    }
}

/// ts/core/montecarlo.ts `UnitSummary`: the spec and one summary per method, in method order.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitSummary {
    pub grid: u32,
    pub drop: u32,
    pub block: u32,
    pub methods: Vec<MethodSummary>,
}

// ---------------------------------------------------------------------------------
// JSON: exactly what `JSON.stringify` writes for the TypeScript `UnitSummary`.

/// Appends `x` as JavaScript's `Number.prototype.toString` writes it (and so
/// `JSON.stringify`), from the shortest digits that round-trip: `JSON.parse` gives back
/// exactly `x`. Two departures, both still valid JSON: -0 is written `-0` (so it
/// survives the round trip) and a non-finite value `null` (as `JSON.stringify` does).
pub fn write_js_number(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // `{:e}` gives the shortest round-trip digits: "d.ddde-7", "5e-324", "1e0".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_at(sci.find('e').unwrap_or(sci.len()));
    let e: i32 = exponent.get(1..).and_then(|s| s.parse().ok()).unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    // ECMAScript Number::toString: x = 0.digits x 10^n.
    let n = e + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        for _ in 0..(n - k) {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in 0..(-n) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{}",
            if n - 1 < 0 { '-' } else { '+' },
            (n - 1).abs()
        );
    }
}

impl MethodSummary {
    pub fn write_json(&self, out: &mut String) {
        let _ = write!(out, "{{\"n\":{},\"mean\":", self.n);
        write_js_number(out, self.mean);
        out.push_str(",\"m2\":");
        write_js_number(out, self.m2);
        out.push_str(",\"min\":");
        write_js_number(out, self.min);
        out.push_str(",\"max\":");
        write_js_number(out, self.max);
        out.push_str(",\"hist\":[");
        for (i, (bin, count)) in self.hist.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "[{},{}]", bin, count);
        }
        out.push_str("],\"pruningSum\":");
        write_js_number(out, self.pruning_sum);
        let _ = write!(
            out,
            ",\"iterationSum\":{},\"iterationLimited\":{},\"ftN\":{},\"ftMean\":",
            self.iteration_sum, self.iteration_limited, self.ft_n
        );
        write_js_number(out, self.ft_mean);
        out.push_str(",\"ftM2\":");
        write_js_number(out, self.ft_m2);
        let _ = write!(out, ",\"gapN\":{},\"gapSum\":", self.gap_n);
        write_js_number(out, self.gap_sum);
        out.push_str(",\"gapMax\":");
        write_js_number(out, self.gap_max);
        let _ = write!(out, ",\"infeasible\":{},\"energyMean\":", self.infeasible);
        write_js_number(out, self.energy_mean);
        out.push_str(",\"energyM2\":");
        write_js_number(out, self.energy_m2);
        out.push_str(",\"energyMaxMean\":");
        write_js_number(out, self.energy_max_mean);
        out.push_str(",\"energyMaxM2\":");
        write_js_number(out, self.energy_max_m2);
        out.push('}');
    }
}

impl UnitSummary {
    pub fn write_json(&self, out: &mut String) {
        let _ = write!(
            out,
            "{{\"grid\":{},\"drop\":{},\"block\":{},\"methods\":[",
            self.grid, self.drop, self.block
        );
        for (i, m) in self.methods.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            m.write_json(out);
        }
        out.push_str("]}");
    }

    /// The JSON of the TypeScript `UnitSummary`, key for key (`JSON.stringify` order).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// A JSON array of unit summaries.
pub fn units_to_json(units: &[UnitSummary]) -> String {
    let mut out = String::with_capacity(1024 * units.len() + 2);
    out.push('[');
    for (i, u) in units.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        u.write_json(&mut out);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_numbers() {
        let cases: [(f64, &str); 16] = [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e300, "1e+300"),
            (5e-324, "5e-324"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000123, "0.000123"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "null"),
        ];
        for &(x, s) in cases.iter() {
            let mut out = String::new();
            write_js_number(&mut out, x);
            assert_eq!(out, s);
        }
        let mut out = String::new();
        write_js_number(&mut out, 2.0f64.powi(53) + 2.0);
        assert_eq!(out, "9007199254740994");
        for &x in [0.3, 1.0 / 3.0, 2.0 / 3.0 * 1e-5, 6.02214076e23, 1e-310].iter() {
            let mut out = String::new();
            write_js_number(&mut out, x);
            assert_eq!(out.parse::<f64>().unwrap(), x, "{}", out);
        }
    }

    #[test]
    fn json_shape() {
        let mut s = MethodSummary::empty();
        s.n = 2;
        s.mean = 1.5;
        s.min = 1.0;
        s.max = 2.0;
        s.hist = vec![(-3, 1), (693, 1)];
        let u = UnitSummary {
            grid: 1,
            drop: 2,
            block: 3,
            methods: vec![s],
        };
        assert_eq!(
            u.to_json(),
            "{\"grid\":1,\"drop\":2,\"block\":3,\"methods\":[{\"n\":2,\"mean\":1.5,\"m2\":0,\
             \"min\":1,\"max\":2,\"hist\":[[-3,1],[693,1]],\"pruningSum\":0,\"iterationSum\":0,\
             \"iterationLimited\":0,\"ftN\":0,\"ftMean\":0,\"ftM2\":0,\"gapN\":0,\"gapSum\":0,\
             \"gapMax\":0,\"infeasible\":0,\"energyMean\":0,\"energyM2\":0,\"energyMaxMean\":0,\
             \"energyMaxM2\":0}]}"
        );
    }
}
