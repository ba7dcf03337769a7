//! The problem fields of MODEL.md sections 11 and 12 (minPruning, computePowerW,
//! fixedJoules, energyCapJ): their validation, in the order and with the messages of
//! docs/CORE_API.md, the energy rows of the representable range (MODEL.md 2.1), the batch
//! layout, and the accounting of section 11.1 against hand computations.

use jcpba_core::accounting::{accounting, client_energy};
use jcpba_core::{
    instance, solve, solve_many, validate, BatchView, Error, Method, Problem, ProblemView,
    SolveOptions, Status, COLUMN_COUNT, COLUMN_NAMES,
};

/// Three clients whose rates are whole numbers of Mbit/s at B/K = 1 MHz (the core's unit
/// tests use the same): a_k = 1, 3, 7 MHz, r_k = 1, 2, 3 Mbit/s, S / r_k = 6, 3, 2 s.
fn three_clients() -> Problem {
    Problem {
        bandwidth_hz: 3e6,
        noise_psd_w_per_hz: 1e-20,
        payload_bits: 6e6,
        pruning_budget: 0.3,
        compute_seconds: vec![1.0, 5.0, 2.0],
        tx_power_w: vec![0.1, 0.3, 0.7],
        channel_gain: vec![1e-13; 3],
        data_weight: vec![10.0, 20.0, 30.0],
        max_pruning: vec![0.5; 3],
        ..Problem::default()
    }
}

fn error_of(p: &Problem) -> Error {
    validate(&p.view()).unwrap_err()
}

fn assert_error(p: &Problem, field: &str, client: Option<usize>, message: &str) {
    let e = error_of(p);
    assert_eq!(e.message, message);
    assert_eq!(e.field, field);
    assert_eq!(e.client, client);
}

fn rel(x: f64, y: f64) -> f64 {
    ((x - y) / y).abs()
}

#[test]
fn the_boundary_names_ten_client_columns_in_order() {
    assert_eq!(COLUMN_COUNT, 10);
    assert_eq!(
        COLUMN_NAMES[5..].to_vec(),
        vec!["fixedSeconds", "minPruning", "computePowerW", "fixedJoules", "energyCapJ"]
    );
    let p = three_clients();
    let rmin = [0.1, 0.2, 0.3];
    let e = [1.0, 2.0, 3.0];
    let e0 = [4.0, 5.0, 6.0];
    let cap = [7.0, f64::INFINITY, 9.0];
    let view = ProblemView::from_scalars(
        &[3e6, 1e-20, 6e6, 0.3, 1.0, 1.0],
        [
            &p.compute_seconds,
            &p.tx_power_w,
            &p.channel_gain,
            &p.data_weight,
            &p.max_pruning,
            &[],
            &rmin,
            &e,
            &e0,
            &cap,
        ],
    )
    .unwrap();
    assert_eq!(view.min_pruning, &rmin);
    assert_eq!(view.compute_power_w, &e);
    assert_eq!(view.fixed_joules, &e0);
    assert_eq!(view.energy_cap_j, &cap);
    assert_eq!(validate(&view), Ok(()));
}

#[test]
fn optional_columns_must_be_empty_or_of_length_k() {
    let cases: [(&str, fn(&mut Problem)); 4] = [
        ("minPruning", |p| p.min_pruning = vec![0.0; 2]),
        ("computePowerW", |p| p.compute_power_w = vec![0.0; 4]),
        ("fixedJoules", |p| p.fixed_joules = vec![0.0; 1]),
        ("energyCapJ", |p| p.energy_cap_j = vec![1.0; 2]),
    ];
    for (name, set) in cases.iter() {
        let mut p = three_clients();
        set(&mut p);
        let n = match *name {
            "minPruning" | "energyCapJ" => 2,
            "computePowerW" => 4,
            _ => 1,
        };
        assert_error(
            &p,
            &format!("clients.{}", name),
            None,
            &format!(
                "clients.{} has {} entries but clients.computeSeconds has 3",
                name, n
            ),
        );
    }
    // The length checks come before every per-client check, in the column order.
    let mut p = three_clients();
    p.fixed_joules = vec![0.0];
    p.min_pruning = vec![0.0];
    p.max_pruning[0] = 2.0;
    assert_eq!(
        error_of(&p).message,
        "clients.minPruning has 1 entries but clients.computeSeconds has 3"
    );
}

#[test]
fn each_new_field_is_checked_per_client_after_fixed_seconds() {
    let mut p = three_clients();
    p.min_pruning = vec![0.0, 0.5, 0.0];
    p.compute_power_w = vec![0.0; 3];
    p.fixed_joules = vec![0.0; 3];
    p.energy_cap_j = vec![f64::INFINITY; 3];
    // rmin = rmax is allowed (a fixed client); above it, or NaN or negative, is not.
    assert_eq!(validate(&p.view()), Ok(()));
    for &bad in [0.5000001, -1e-300, f64::NAN, f64::INFINITY].iter() {
        p.min_pruning[1] = bad;
        assert_error(
            &p,
            "clients[1].minPruning",
            Some(1),
            "clients[1].minPruning must be a finite number in [0, clients[1].maxPruning]",
        );
    }
    p.min_pruning[1] = 0.5;
    for &bad in [-1.0, f64::NAN, f64::INFINITY].iter() {
        p.compute_power_w[2] = bad;
        assert_error(
            &p,
            "clients[2].computePowerW",
            Some(2),
            "clients[2].computePowerW must be a finite number >= 0",
        );
        p.compute_power_w[2] = 0.0;
        p.fixed_joules[0] = bad;
        assert_error(
            &p,
            "clients[0].fixedJoules",
            Some(0),
            "clients[0].fixedJoules must be a finite number >= 0",
        );
        p.fixed_joules[0] = 0.0;
    }
    for &bad in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY].iter() {
        p.energy_cap_j[1] = bad;
        assert_error(
            &p,
            "clients[1].energyCapJ",
            Some(1),
            "clients[1].energyCapJ must be a positive number of J, or Infinity (null in JSON) for no cap",
        );
    }
    p.energy_cap_j[1] = 5e-324;
    // Positive but below the representable range: the range row, not the field check.
    assert_eq!(error_of(&p).field, "clients[1].energyCapJ");
    assert!(error_of(&p).message.starts_with("clients[1]: energyCapJ / "));
    // Order within a client: fixedSeconds, minPruning, computePowerW, fixedJoules,
    // energyCapJ, then the SNR bandwidth; and client 0 before client 1.
    let mut p = three_clients();
    p.fixed_seconds = vec![0.0, -1.0, 0.0];
    p.min_pruning = vec![0.0, 0.9, 0.0];
    p.compute_power_w = vec![0.0, -1.0, 0.0];
    p.fixed_joules = vec![0.0, -1.0, 0.0];
    p.energy_cap_j = vec![f64::INFINITY, 0.0, 0.0];
    p.channel_gain[1] = 1e300;
    let order = [
        "clients[1].fixedSeconds",
        "clients[1].minPruning",
        "clients[1].computePowerW",
        "clients[1].fixedJoules",
        "clients[1].energyCapJ",
        "clients[1].channelGain",
        "clients[2].energyCapJ",
    ];
    for field in order.iter() {
        assert_eq!(error_of(&p).field, *field);
        match *field {
            "clients[1].fixedSeconds" => p.fixed_seconds[1] = 0.0,
            "clients[1].minPruning" => p.min_pruning[1] = 0.0,
            "clients[1].computePowerW" => p.compute_power_w[1] = 0.0,
            "clients[1].fixedJoules" => p.fixed_joules[1] = 0.0,
            "clients[1].energyCapJ" => p.energy_cap_j[1] = 1.0,
            "clients[1].channelGain" => p.channel_gain[1] = 1e-13,
            _ => p.energy_cap_j[2] = 1.0,
        }
    }
    assert_eq!(validate(&p.view()), Ok(()));
}

/// The energy rows of the representable range, on both sides of each threshold. Client
/// 1's energy unit is u = p S / B = 0.3 x 6e6 / 3e6 = 0.6 J.
#[test]
fn the_energy_scales_are_checked_on_both_sides_of_each_threshold() {
    let range = "(the representable range, MODEL.md 2.1)";
    // u itself: p S / B in [1e-50, 1e50]: u = 2 p here; checked only in a problem that
    // gives an energy input (a problem without one is held to the latency's rows only).
    let mut p = three_clients();
    p.tx_power_w[1] = 1e60;
    p.channel_gain[1] = 1e-13 * 0.3 / p.tx_power_w[1];
    assert_eq!(validate(&p.view()), Ok(()));
    p.compute_power_w = vec![0.0; 3];
    p.tx_power_w[1] = 0.49e50;
    p.channel_gain[1] = 1e-13 * 0.3 / p.tx_power_w[1];
    assert_eq!(validate(&p.view()), Ok(()));
    p.tx_power_w[1] = 1e50;
    p.channel_gain[1] = 1e-13 * 0.3 / p.tx_power_w[1];
    assert_error(
        &p,
        "clients[1].txPowerW",
        Some(1),
        &format!(
            "clients[1]: txPowerW x payloadBits / bandwidthHz must be in [1e-50, 1e50] {}",
            range
        ),
    );
    p.tx_power_w[1] = 1e-51;
    p.channel_gain[1] = 1e-13 * 0.3 / p.tx_power_w[1];
    assert_eq!(error_of(&p).field, "clients[1].txPowerW");
    p.tx_power_w[1] = 0.51e-50;
    p.channel_gain[1] = 1e-13 * 0.3 / p.tx_power_w[1];
    assert_eq!(validate(&p.view()), Ok(()));

    // e c / u at most 1e50: c = 5 s, u = 0.6 J.
    let mut p = three_clients();
    p.compute_power_w = vec![0.0, 0.6e50 / 5.0 * 0.999, 0.0];
    assert_eq!(validate(&p.view()), Ok(()));
    p.compute_power_w[1] = 0.6e50 / 5.0 * 1.001;
    assert_error(
        &p,
        "clients[1].computePowerW",
        Some(1),
        &format!(
            "clients[1]: computePowerW x computeSeconds / (txPowerW x payloadBits / bandwidthHz) must be at most 1e50 {}",
            range
        ),
    );
    // 0 and the smallest subnormal are fine (no lower end).
    p.compute_power_w[1] = 5e-324;
    assert_eq!(validate(&p.view()), Ok(()));

    // E0 / u at most 1e50.
    let mut p = three_clients();
    p.fixed_joules = vec![0.0, 0.6e50 * 0.999, 5e-324];
    assert_eq!(validate(&p.view()), Ok(()));
    p.fixed_joules[1] = 0.6e50 * 1.001;
    assert_error(
        &p,
        "clients[1].fixedJoules",
        Some(1),
        &format!(
            "clients[1]: fixedJoules / (txPowerW x payloadBits / bandwidthHz) must be at most 1e50 {}",
            range
        ),
    );

    // Ebar / u in [1e-50, 1e50] when finite; +infinity is no cap.
    let mut p = three_clients();
    p.energy_cap_j = vec![f64::INFINITY, 0.6e50 * 0.999, 1.4e-50 * 1.001];
    assert_eq!(validate(&p.view()), Ok(()));
    p.energy_cap_j[1] = 0.6e50 * 1.001;
    assert_error(
        &p,
        "clients[1].energyCapJ",
        Some(1),
        &format!(
            "clients[1]: energyCapJ / (txPowerW x payloadBits / bandwidthHz) must be in [1e-50, 1e50] {}",
            range
        ),
    );
    p.energy_cap_j[1] = 1.0;
    p.energy_cap_j[2] = 1.4e-50 * 0.999;
    assert_eq!(error_of(&p).field, "clients[2].energyCapJ");
}

#[test]
fn a_batch_carries_the_optional_columns_row_by_row() {
    let a = three_clients();
    let mut b = three_clients();
    b.bandwidth_hz = 6e6;
    let scalars: Vec<f64> = [&a, &b]
        .iter()
        .flat_map(|p| vec![p.bandwidth_hz, p.noise_psd_w_per_hz, p.payload_bits, p.pruning_budget, 1.0, 1.0])
        .collect();
    let offsets = [0u32, 3, 6];
    let twice = |x: &[f64]| [x, x].concat();
    let (c, p, g, w, r) = (
        twice(&a.compute_seconds),
        twice(&a.tx_power_w),
        twice(&a.channel_gain),
        twice(&a.data_weight),
        twice(&a.max_pruning),
    );
    let power = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0];
    let cap = [f64::INFINITY, f64::INFINITY, f64::INFINITY, 100.0, 100.0, -1.0];
    let batch = BatchView::from_columns(
        &scalars,
        &offsets,
        [&c, &p, &g, &w, &r, &[], &[], &power, &[], &cap],
    );
    assert_eq!(batch.check_layout(), Ok(2));
    let second = batch.problem(1);
    assert_eq!(second.compute_power_w, &power[3..]);
    assert_eq!(second.energy_cap_j, &cap[3..]);
    assert!(second.min_pruning.is_empty() && second.fixed_joules.is_empty());
    // The bad cap of problem 1's client 2 is reported with the batch prefix.
    let e = solve_many(&batch, Method::Equal, &SolveOptions::default()).unwrap_err();
    assert_eq!(
        e.message,
        "problems[1]: clients[2].energyCapJ must be a positive number of J, or Infinity (null in JSON) for no cap"
    );
    assert_eq!((e.field.as_str(), e.client), ("clients[2].energyCapJ", Some(2)));
    // A column neither empty nor one entry per row is a layout error.
    let short = [1.0; 5];
    let bad = BatchView::from_columns(&scalars, &offsets, [&c, &p, &g, &w, &r, &[], &short, &[], &[], &[]]);
    assert_eq!(
        bad.check_layout().unwrap_err().message,
        "batch column minPruning has 5 entries but the offsets end at 6 (give all or none)"
    );
}

/// MODEL.md 11.1 by hand on `equal` (b = 1 MHz each, rho = 0): upload times 6, 3, 2 s at
/// 0.1, 0.3, 0.7 W are 0.6, 0.9, 1.4 J; compute 2 W x 1 s, 1 W x 5 s, 0; fixed 0.5, 0, 0 J.
#[test]
fn accounting_matches_a_hand_computation() {
    let mut p = three_clients();
    p.compute_power_w = vec![2.0, 1.0, 0.0];
    p.fixed_joules = vec![0.5, 0.0, 0.0];
    let s = solve(&p.view(), Method::Equal, &SolveOptions::default()).unwrap();
    let want = [0.5 + 2.0 + 0.6, 5.0 + 0.9, 1.4];
    for k in 0..3 {
        assert!(rel(s.energy[k], want[k]) < 1e-14, "client {}: {} vs {}", k, s.energy[k], want[k]);
    }
    assert!(rel(s.energy_total, 3.1 + 5.9 + 1.4) < 1e-14);
    assert_eq!(s.energy_max, s.energy[1]);
    assert_eq!(s.upload_bits, 1.8e7);
    assert_eq!(s.compute_seconds, 8.0);

    // uniform-prune: rho = 0.3 for everyone (budget 0.3, rmax 0.5) scales the compute and
    // the upload by 0.7; with phi_c = 0.5 and phi_s = 0.25 by 0.85 and 0.925.
    for &(phi_c, phi_s) in [(1.0, 1.0), (0.5, 0.25)].iter() {
        p.prunable_compute_fraction = phi_c;
        p.prunable_payload_fraction = phi_s;
        let s = solve(&p.view(), Method::UniformPrune, &SolveOptions::default()).unwrap();
        for k in 0..3 {
            assert!((s.pruning[k] - 0.3).abs() < 1e-15);
        }
        let (kc, ks) = (1.0 - phi_c * 0.3, 1.0 - phi_s * 0.3);
        let want = [0.5 + 2.0 * kc + 0.6 * ks, 5.0 * kc + 0.9 * ks, 1.4 * ks];
        for k in 0..3 {
            assert!(rel(s.energy[k], want[k]) < 1e-13, "client {}: {} vs {}", k, s.energy[k], want[k]);
        }
        assert!(rel(s.upload_bits, 1.8e7 * ks) < 1e-14);
        assert!(rel(s.compute_seconds, 8.0 * kc) < 1e-14);
    }
}

#[test]
fn every_method_reports_the_accounting_of_its_own_point() {
    let mut p = three_clients();
    p.compute_power_w = vec![20.0, 35.0, 7.5];
    p.fixed_joules = vec![1.0, 2.0, 3.0];
    p.fixed_seconds = vec![0.5, 0.0, 2.0];
    p.prunable_compute_fraction = 0.7;
    let inst = instance(&p.view());
    for m in Method::ALL.iter() {
        let s = solve(&p.view(), *m, &SolveOptions::default()).unwrap();
        assert_eq!(s.status, Status::Converged, "{}", m.id());
        // Recomputed here from the returned point, term by term.
        let mut total = 0.0;
        for k in 0..3 {
            let rho = s.pruning[k];
            let b = s.bandwidth[k];
            let r = b * (1.0 + inst.a[k] / b).ln() / std::f64::consts::LN_2;
            let e = p.fixed_joules[k]
                + p.compute_power_w[k] * p.compute_seconds[k] * (1.0 - 0.7 * rho)
                + p.tx_power_w[k] * p.payload_bits * (1.0 - rho) / r;
            assert!(rel(s.energy[k], e) < 1e-12, "{} client {}", m.id(), k);
            assert_eq!(s.energy[k], client_energy(&inst, k, rho, b));
            total += s.energy[k];
        }
        assert!(rel(s.energy_total, total) < 1e-15);
        let a = accounting(&inst, &s.pruning, &s.bandwidth);
        assert_eq!(a.energy, s.energy);
        assert_eq!(a.energy_max, s.energy.iter().cloned().fold(0.0, f64::max));
    }
}

#[test]
fn defaults_spelt_out_give_the_same_solution_bit_for_bit() {
    let implicit = three_clients();
    let mut explicit = three_clients();
    explicit.min_pruning = vec![0.0; 3];
    explicit.compute_power_w = vec![0.0; 3];
    explicit.fixed_joules = vec![0.0; 3];
    explicit.energy_cap_j = vec![f64::INFINITY; 3];
    for m in Method::ALL.iter() {
        let a = solve(&implicit.view(), *m, &SolveOptions::default()).unwrap();
        let b = solve(&explicit.view(), *m, &SolveOptions::default()).unwrap();
        assert_eq!(a, b, "{}", m.id());
    }
}
