//! Extreme but valid inputs (issue 14, "Silently wrong numbers"): every result meets the
//! accuracy contract of MODEL.md section 6 or is an explicit error naming the field,
//! never NaN, 0 or Infinity with status `converged`. The problems are the reproducers of
//! a hostile audit (test/data/*.json), and a fuzz over the edges of the representable
//! range (MODEL.md 2.1).

use jcpba_core::rate::rate;
use jcpba_core::{solve, ErrorCode, Method, Problem, Random, Solution, SolveOptions, Status};

mod common;
use common::log_uniform;

fn run(p: &Problem, m: Method) -> Solution {
    solve(&p.view(), m, &SolveOptions::default()).unwrap()
}

fn rel(x: f64, y: f64) -> f64 {
    ((x - y) / y).abs()
}

fn snr_bandwidth(p: &Problem, k: usize) -> f64 {
    p.tx_power_w[k] * p.channel_gain[k] / p.noise_psd_w_per_hz
}

/// Section 6, recomputed from the returned point: finite positive bandwidths summing to at
/// most B (1 + 1e-12), rho in its box, sum w rho <= budget (1 + 1e-12), and a finite
/// positive latency equal to max_k tau_k.
fn assert_valid(p: &Problem, s: &Solution, label: &str) {
    let k_count = p.compute_seconds.len();
    let wsum: f64 = p.data_weight.iter().sum();
    let mut used = 0.0;
    let mut band = 0.0;
    let mut t: f64 = 0.0;
    for k in 0..k_count {
        let (b, rho) = (s.bandwidth[k], s.pruning[k]);
        assert!(b > 0.0 && b.is_finite(), "{}: b[{}] = {}", label, k, b);
        assert!(
            rho >= 0.0 && rho <= p.max_pruning[k],
            "{}: rho[{}] = {}",
            label,
            k,
            rho
        );
        used += p.data_weight[k] / wsum * rho;
        band += b;
        // MODEL.md section 8 (section 2 with t0 = 0, phi = 1).
        let t0 = if p.fixed_seconds.is_empty() {
            0.0
        } else {
            p.fixed_seconds[k]
        };
        let tau = t0
            + p.compute_seconds[k] * (1.0 - p.prunable_compute_fraction * rho)
            + p.payload_bits * (1.0 - p.prunable_payload_fraction * rho)
                / rate(snr_bandwidth(p, k), b);
        t = t.max(tau);
    }
    assert!(
        used <= p.pruning_budget * (1.0 + 1e-12),
        "{}: sum w rho {} > budget {}",
        label,
        used,
        p.pruning_budget
    );
    assert!(
        band <= p.bandwidth_hz * (1.0 + 1e-12),
        "{}: sum b {} > B {}",
        label,
        band,
        p.bandwidth_hz
    );
    assert!(
        s.latency > 0.0 && s.latency.is_finite(),
        "{}: latency {}",
        label,
        s.latency
    );
    assert!(
        rel(s.latency, t) <= 1e-12,
        "{}: latency {} recomputes to {}",
        label,
        s.latency,
        t
    );
    assert_eq!(s.status, Status::Converged, "{}", label);
}

fn solve_all(p: &Problem, label: &str) -> Vec<Solution> {
    Method::ALL
        .iter()
        .map(|&m| {
            let s = run(p, m);
            assert_valid(p, &s, &format!("{} {}", label, m.id()));
            s
        })
        .collect()
}

fn latency(all: &[Solution], m: Method) -> f64 {
    all[m.code() as usize].latency
}

#[test]
fn one_client_with_a_saturated_rate_or_a_negligible_upload_meets_the_closed_forms() {
    for (name, p) in [
        ("lat0_tiny_a_k1", lat0_tiny_a_k1()),
        ("lat0_tiny_payload_k1", lat0_tiny_payload_k1()),
    ]
    .iter()
    {
        let all = solve_all(p, name);
        let u = p.compute_seconds[0] + p.payload_bits / rate(snr_bandwidth(p, 0), p.bandwidth_hz);
        let pruned = (1.0 - p.max_pruning[0].min(p.pruning_budget)) * u;
        for &m in Method::ALL.iter() {
            let want = if m == Method::Equal || m == Method::BandwidthOnly {
                u
            } else {
                pruned
            };
            assert!(
                rel(latency(&all, m), want) <= 1e-12,
                "{} {}: {} vs {}",
                name,
                m.id(),
                latency(&all, m),
                want
            );
        }
        let opt = &all[Method::Optimal.code() as usize];
        assert!(opt.lower_bound.unwrap() <= opt.latency, "{}", name);
    }
}

#[test]
fn scales_double_precision_cannot_carry_are_invalid_input_naming_the_field() {
    let range = "must be in [1e-50, 1e50] (the representable range, MODEL.md 2.1)";
    let mut tiny_band = lat0_tiny_a_k1();
    tiny_band.bandwidth_hz = 5e-324;
    let mut fast = lat0_tiny_a_k1();
    fast.compute_seconds[0] = 1e-300;
    let mut light = lat0_tiny_a_k1();
    light.compute_seconds.push(1.0);
    light.tx_power_w.push(0.2);
    light.channel_gain.push(1e-12);
    light.data_weight.push(1e-60);
    light.max_pruning.push(0.5);
    let mut greedy = lat0_tiny_a_k1();
    greedy.max_pruning[0] = 1.0 - 1e-7;
    let cases = [
        (huge_noise_subnormal_a(), "clients[0].channelGain", format!("clients[0]: txPowerW x channelGain / noisePsdWPerHz / bandwidthHz {}", range)),
        (tiny_payload_huge_B(), "payloadBits", format!("payloadBits / bandwidthHz {}", range)),
        (parity_optimal_iteration_limit(), "clients[0].channelGain", format!("clients[0]: txPowerW x channelGain / noisePsdWPerHz / bandwidthHz {}", range)),
        (tiny_band, "bandwidthHz", format!("bandwidthHz {}", range)),
        (fast, "clients[0].computeSeconds", format!("clients[0]: computeSeconds x bandwidthHz / payloadBits {}", range)),
        (light, "clients[1].dataWeight", format!("clients[1]: dataWeight / sum of dataWeight {}", range)),
        (greedy, "clients[0].maxPruning", "clients[0]: 1 - maxPruning must be at least 1e-6 (the representable range, MODEL.md 2.1)".to_string()),
    ];
    for (p, field, message) in cases.iter() {
        for &m in Method::ALL.iter() {
            let e = solve(&p.view(), m, &SolveOptions::default()).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_str(), e.message.as_str()),
                (ErrorCode::InvalidInput, *field, message.as_str())
            );
        }
    }
}

#[test]
fn the_certificate_holds_against_the_returned_point_and_every_method() {
    for (name, p) in [
        ("optimal_lb_above_ub", optimal_lb_above_ub()),
        ("parity_bcd_13pct", parity_bcd_13pct()),
        ("parity_bcd_gen_regime", parity_bcd_gen_regime()),
        ("tiny_budget_tiny_weight", tiny_budget_tiny_weight()),
    ]
    .iter()
    {
        let all = solve_all(p, name);
        let opt = &all[Method::Optimal.code() as usize];
        for &m in Method::ALL.iter() {
            let t = latency(&all, m);
            assert!(
                opt.lower_bound.unwrap() <= t * (1.0 + 1e-12),
                "{}: lowerBound {} above {} {}",
                name,
                opt.lower_bound.unwrap(),
                m.id(),
                t
            );
            assert!(
                opt.latency <= t * (1.0 + 1e-9),
                "{}: optimal {} above {} {}",
                name,
                opt.latency,
                m.id(),
                t
            );
        }
    }
}

#[test]
fn a_budget_of_1e_121_buys_no_latency() {
    let p = tiny_budget_tiny_weight();
    let all = solve_all(&p, "tiny budget");
    let (opt, bw) = (
        latency(&all, Method::Optimal),
        latency(&all, Method::BandwidthOnly),
    );
    assert!(
        rel(opt, bw) <= 1e-12,
        "optimal {} vs bandwidth-only {}",
        opt,
        bw
    );
}

#[test]
fn a_tiny_payload_leaves_bandwidth_only_at_the_slowest_compute_time() {
    let p = parity_bcd_13pct();
    let all = solve_all(&p, "13pct");
    assert!(latency(&all, Method::BandwidthOnly) <= latency(&all, Method::Equal));
    assert!(latency(&all, Method::Bcd) <= latency(&all, Method::PruneOnly));
    let c = p.compute_seconds.iter().cloned().fold(0.0, f64::max);
    assert!(rel(latency(&all, Method::BandwidthOnly), c) <= 1e-14);
}

/// test/helpers.mjs `extremeProblem`: the scales drawn over [1e-50, 1e50] a quarter of the
/// time, weights over 45 decades, budgets down to 1e-300, rmax up to 1 - 1e-6, and a third
/// of the time the fields of round model v2.
fn extreme_problem(r: &mut Random) -> Problem {
    let k_count = 1 + (r.uniform() * r.uniform() * 12.0) as usize;
    let scale = |r: &mut Random, lo: f64, hi: f64| {
        if r.uniform() < 0.25 {
            log_uniform(r, 1e-50, 1e50)
        } else {
            log_uniform(r, lo, hi)
        }
    };
    let b = scale(r, 1e5, 1e9);
    let s = b * scale(r, 1e-3, 1e3);
    let n0 = if r.uniform() < 0.5 {
        4e-21
    } else {
        log_uniform(r, 1e-30, 1e-10)
    };
    let budget = if r.uniform() < 0.1 {
        0.0
    } else if r.uniform() < 0.1 {
        log_uniform(r, 1e-300, 1e-3)
    } else {
        0.9 * r.uniform()
    };
    let weights = if r.uniform() < 0.2 { 1e45 } else { 1e4 };
    let mut p = Problem {
        bandwidth_hz: b,
        noise_psd_w_per_hz: n0,
        payload_bits: s,
        pruning_budget: budget,
        ..Problem::default()
    };
    for _ in 0..k_count {
        p.compute_seconds.push(s / b * scale(r, 1e-3, 1e3));
        let power = log_uniform(r, 1e-3, 1.0);
        p.tx_power_w.push(power);
        p.channel_gain.push(b * scale(r, 1e-3, 1e3) * n0 / power);
        p.data_weight.push(log_uniform(r, 1.0, weights));
        p.max_pruning.push(if r.uniform() < 0.1 {
            0.0
        } else if r.uniform() < 0.05 {
            1.0 - log_uniform(r, 1e-6, 1e-3)
        } else {
            0.95 * r.uniform()
        });
    }
    if r.uniform() < 1.0 / 3.0 {
        // Round model v2 (MODEL.md section 8).
        let fraction = |r: &mut Random| {
            let x = r.uniform();
            if x < 0.15 {
                0.0
            } else if x < 0.3 {
                1.0
            } else {
                r.uniform()
            }
        };
        p.prunable_compute_fraction = fraction(r);
        p.prunable_payload_fraction = fraction(r);
        for _ in 0..k_count {
            let t0 = if r.uniform() < 0.2 {
                0.0
            } else {
                s / b * scale(r, 1e-3, 1e3)
            };
            p.fixed_seconds.push(t0);
        }
    }
    p
}

/// The problem in the JSON of `jcpba solve` (columnar), so a failure can be replayed.
fn json(p: &Problem) -> String {
    let column = |x: &[f64]| {
        let items: Vec<String> = x.iter().map(|v| format!("{:e}", v)).collect();
        format!("[{}]", items.join(","))
    };
    let fixed = if p.fixed_seconds.is_empty() {
        String::new()
    } else {
        format!(",\"fixedSeconds\":{}", column(&p.fixed_seconds))
    };
    format!(
        "{{\"bandwidthHz\":{:e},\"noisePsdWPerHz\":{:e},\"payloadBits\":{:e},\"pruningBudget\":{:e},\"prunableComputeFraction\":{:e},\"prunablePayloadFraction\":{:e},\"clients\":{{\"computeSeconds\":{},\"txPowerW\":{},\"channelGain\":{},\"dataWeight\":{},\"maxPruning\":{}{}}}}}",
        p.bandwidth_hz,
        p.noise_psd_w_per_hz,
        p.payload_bits,
        p.pruning_budget,
        p.prunable_compute_fraction,
        p.prunable_payload_fraction,
        column(&p.compute_seconds),
        column(&p.tx_power_w),
        column(&p.channel_gain),
        column(&p.data_weight),
        column(&p.max_pruning),
        fixed
    )
}

#[test]
fn fuzz_extreme_problems_keep_feasibility_the_certificate_and_the_orderings() {
    let mut r = Random::new(14, 3, 0, 0);
    let mut refused = 0;
    for i in 0..3000 {
        let p = extreme_problem(&mut r);
        let label = format!("#{} {}", i, json(&p));
        let first = solve(&p.view(), Method::Equal, &SolveOptions::default());
        if let Err(e) = first {
            // Only the representable range may refuse a draw (rounding at its edge).
            assert_eq!(e.code, ErrorCode::InvalidInput, "{}: {}", label, e.message);
            assert!(
                e.message.contains("representable range"),
                "{}: {}",
                label,
                e.message
            );
            refused += 1;
            continue;
        }
        let all = solve_all(&p, &label);
        let t = |m: Method| latency(&all, m);
        let opt = &all[Method::Optimal.code() as usize];
        let lb = opt.lower_bound.unwrap();
        assert!(
            opt.latency - lb <= 1e-10 * opt.latency,
            "{}: bracket {} {}",
            label,
            lb,
            opt.latency
        );
        for &m in Method::ALL.iter() {
            assert!(
                lb <= t(m) * (1.0 + 1e-12),
                "{}: lowerBound {} above {} {}",
                label,
                lb,
                m.id(),
                t(m)
            );
            assert!(
                opt.latency <= t(m) * (1.0 + 1e-10 + 1e-12),
                "{}: optimal above {}",
                label,
                m.id()
            );
        }
        // Exact by construction: each starts from the other's point.
        assert!(
            t(Method::Bcd) <= t(Method::PruneOnly),
            "{}: bcd > prune-only",
            label
        );
        assert!(
            t(Method::BandwidthOnly) <= t(Method::Equal),
            "{}: bandwidth-only > equal",
            label
        );
        // Pruning only shortens rounds; in round model v2 the latency's rounding is not
        // monotone in rho, by a few ulps.
        assert!(
            t(Method::UniformPrune) <= t(Method::Equal) * (1.0 + 1e-15),
            "{}: uniform-prune > equal",
            label
        );
        assert!(
            t(Method::UniformPruneBandwidth) <= t(Method::UniformPrune),
            "{}: upb > uniform-prune",
            label
        );
        // Block optima compared with rounding: MODEL.md 6 states 1e-9.
        assert!(
            t(Method::PruneOnly) <= t(Method::UniformPrune) * (1.0 + 1e-9),
            "{}: prune-only > uniform-prune",
            label
        );
        assert!(
            t(Method::UniformPruneBandwidth) <= t(Method::BandwidthOnly) * (1.0 + 1e-9),
            "{}: upb > bandwidth-only",
            label
        );
    }
    assert!(refused < 60, "{} draws refused", refused);
}

// The audit's problems, as test/data/*.json holds them.
/// test/data/lat0_tiny_a_k1.json
fn lat0_tiny_a_k1() -> Problem {
    Problem {
        bandwidth_hz: 20000000.0,
        noise_psd_w_per_hz: 4e-21,
        payload_bits: 67000000.0,
        pruning_budget: 0.039,
        compute_seconds: vec![8.5],
        tx_power_w: vec![0.2],
        channel_gain: vec![3.8e-29],
        data_weight: vec![980.0],
        max_pruning: vec![0.55],
        ..Problem::default()
    }
}

/// test/data/lat0_tiny_payload_k1.json
fn lat0_tiny_payload_k1() -> Problem {
    Problem {
        bandwidth_hz: 49000000000.0,
        noise_psd_w_per_hz: 1.8e-23,
        payload_bits: 34.0,
        pruning_budget: 0.17,
        compute_seconds: vec![720000000.0],
        tx_power_w: vec![1.9],
        channel_gain: vec![4.6e-09],
        data_weight: vec![16.0],
        max_pruning: vec![0.9],
        ..Problem::default()
    }
}

/// test/data/huge_noise_subnormal_a.json
fn huge_noise_subnormal_a() -> Problem {
    Problem {
        bandwidth_hz: 620000000000.0,
        noise_psd_w_per_hz: 1.7976931348623157e+308,
        payload_bits: 4.1,
        pruning_budget: 0.53,
        compute_seconds: vec![6.3e-06],
        tx_power_w: vec![0.65],
        channel_gain: vec![1.0],
        data_weight: vec![1000.0],
        max_pruning: vec![0.66],
        ..Problem::default()
    }
}

/// test/data/tiny_payload_huge_B.json
#[allow(non_snake_case)]
fn tiny_payload_huge_B() -> Problem {
    Problem {
        bandwidth_hz: 6.3e+16,
        noise_psd_w_per_hz: 4e-21,
        payload_bits: 2.2e-83,
        pruning_budget: 0.044,
        compute_seconds: vec![15.0],
        tx_power_w: vec![3.4],
        channel_gain: vec![2.1e-17],
        data_weight: vec![210.0],
        max_pruning: vec![0.34],
        ..Problem::default()
    }
}

/// test/data/parity_optimal_iteration_limit.json
fn parity_optimal_iteration_limit() -> Problem {
    Problem {
        bandwidth_hz: 20000000.0,
        noise_psd_w_per_hz: 5.619958135167476e-124,
        payload_bits: 67000000.0,
        pruning_budget: 1.9013555184540536e-121,
        compute_seconds: vec![1.6149478663008903, 7.61948035695771, 1.2402258045434433],
        tx_power_w: vec![0.2, 0.2, 0.2],
        channel_gain: vec![
            1.6038572209622874e-10,
            2.990482872179739e-13,
            2.4670072325122847e-10,
        ],
        data_weight: vec![243902246563.78867, 12.634061400650152, 21.642828714926562],
        max_pruning: vec![0.6043102294905112, 0.22628364069387316, 0.12893193997442723],
        ..Problem::default()
    }
}

/// test/data/optimal_lb_above_ub.json
fn optimal_lb_above_ub() -> Problem {
    Problem {
        bandwidth_hz: 2.0,
        noise_psd_w_per_hz: 1.3e-13,
        payload_bits: 1900.0,
        pruning_budget: 1e-13,
        compute_seconds: vec![360000000.0, 0.14, 110000.0, 2900000.0, 60000000.0, 3.5e-05],
        tx_power_w: vec![0.13, 1.0, 0.038, 0.12, 5.2, 0.2],
        channel_gain: vec![2.2e-13, 3.1e-08, 3.2e-08, 7.6e-13, 8.7e-08, 1.9e-13],
        data_weight: vec![0.0028, 0.19, 950000.0, 0.23, 120.0, 620.0],
        max_pruning: vec![0.72, 0.0, 0.44, 0.62, 0.16, 0.39],
        ..Problem::default()
    }
}

/// test/data/parity_bcd_13pct.json
fn parity_bcd_13pct() -> Problem {
    Problem {
        bandwidth_hz: 20000000.0,
        noise_psd_w_per_hz: 4e-21,
        payload_bits: 9.417466796734203e-06,
        pruning_budget: 0.13854936878196894,
        compute_seconds: vec![
            36.73688703007089,
            2.9279774537043766,
            51.07417590101894,
            3.025973133769621,
            14.187284755193332,
            1.8918966088701936,
            14.486283950481825,
            4.505068641458996,
            4.6960671827211,
            1.204456198520161,
            28.973868307762533,
            1.435223610324163,
            23.62068528095467,
            8.248017619974853,
        ],
        tx_power_w: vec![
            0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2,
        ],
        channel_gain: vec![
            4.024333899063299e-12,
            6.231769313502911e-13,
            2.3568112822156455e-10,
            8.524361720438121e-13,
            2.5124781743721526e-13,
            1.9818928051408093e-10,
            1.8448855534760094e-11,
            2.3143455229542992e-10,
            1.9091960896584847e-12,
            9.965445293818021e-11,
            1.1564012841913258e-10,
            4.1167951075569707e-10,
            3.442353412102133e-10,
            1.5550487786182544e-12,
        ],
        data_weight: vec![
            51.03997204230227,
            85.8509945516708,
            201.8277450466664,
            347.88545043415115,
            900.796422834672,
            33.689478298119326,
            195.91179313637826,
            20.263524203039577,
            17.450265223303713,
            160.70554206279087,
            530.5202085785428,
            144.3326490045975,
            43.29968826161413,
            127.29074893717068,
        ],
        max_pruning: vec![
            0.760996753256768,
            0.008058180660009384,
            0.3767242956440896,
            0.2978258337825537,
            0.47317436153534803,
            0.7125405098078773,
            0.7713198702083901,
            0.7407458543311805,
            0.09829731287900359,
            0.6083830308169127,
            0.4222752880537883,
            0.10881100203841924,
            0.19961533688474448,
            0.09793440538924188,
        ],
        ..Problem::default()
    }
}

/// test/data/parity_bcd_gen_regime.json
fn parity_bcd_gen_regime() -> Problem {
    Problem {
        bandwidth_hz: 3073459977.5775814,
        noise_psd_w_per_hz: 3.981071705534986e-21,
        payload_bits: 1984000000.0,
        pruning_budget: 0.09381232119631022,
        compute_seconds: vec![
            1.9608084022017926,
            1.981867989627378,
            2.246153868129579,
            0.4358243382345678,
            1.1030220596648086,
            2.5053962402914327,
            0.6405863065282709,
            0.668247707951034,
            0.7130887557974259,
        ],
        tx_power_w: vec![
            1.421457520898438e-05,
            1.421457520898438e-05,
            1.421457520898438e-05,
            1.421457520898438e-05,
            1.421457520898438e-05,
            1.421457520898438e-05,
            1.421457520898438e-05,
            1.421457520898438e-05,
            1.421457520898438e-05,
        ],
        channel_gain: vec![
            2.6515247883725283e-14,
            3.3924186450593405e-12,
            6.14814530483049e-15,
            4.888429865127009e-16,
            1.1488153381938982e-14,
            2.7212815553219582e-14,
            5.321126217099769e-13,
            1.0234496415756754e-14,
            3.83332288567815e-16,
        ],
        data_weight: vec![
            215.0, 281.0, 291.0, 211.0, 358.0, 298.0, 317.0, 248.0, 248.0,
        ],
        max_pruning: vec![
            0.7892497767461464,
            0.7892497767461464,
            0.7892497767461464,
            0.7892497767461464,
            0.7892497767461464,
            0.7892497767461464,
            0.7892497767461464,
            0.7892497767461464,
            0.7892497767461464,
        ],
        ..Problem::default()
    }
}

/// test/data/tiny_budget_tiny_weight.json
fn tiny_budget_tiny_weight() -> Problem {
    Problem {
        bandwidth_hz: 20000000.0,
        noise_psd_w_per_hz: 5.6199581351674755e-64,
        payload_bits: 67000000.0,
        pruning_budget: 1.9013555184540536e-121,
        compute_seconds: vec![1.6149478663008903, 7.61948035695771, 1.2402258045434433],
        tx_power_w: vec![0.2, 0.2, 0.2],
        channel_gain: vec![
            1.6038572209622874e-10,
            2.990482872179739e-13,
            2.4670072325122847e-10,
        ],
        data_weight: vec![243902246563.78867, 12.634061400650152, 21.642828714926562],
        max_pruning: vec![0.6043102294905112, 0.22628364069387316, 0.12893193997442723],
        ..Problem::default()
    }
}
