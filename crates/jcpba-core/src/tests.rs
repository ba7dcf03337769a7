//! Unit tests of the boundary contract: validation order and messages, method ids,
//! options, and `equal` against a hand computation.

use crate::support::Batch;
use crate::*;

/// Three clients built so every rate is a whole number of Mbit/s at B/K = 1 MHz:
/// a_k = p_k g_k / N0 = 1, 3, 7 MHz, so r_k = log2(2, 4, 8) Mbit/s = 1, 2, 3 Mbit/s,
/// S / r_k = 6, 3, 2 s, and tau_k = c_k + S / r_k = 7, 8, 4 s: T = 8 s (client 1).
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

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

fn message_of(p: &Problem) -> String {
    validate(&p.view()).unwrap_err().message
}

#[test]
fn valid_problem_passes() {
    assert_eq!(validate(&three_clients().view()), Ok(()));
}

#[test]
fn scalars_are_checked_first_and_in_order() {
    let mut p = three_clients();
    p.bandwidth_hz = f64::NAN;
    p.noise_psd_w_per_hz = 0.0;
    assert_eq!(
        message_of(&p),
        "bandwidthHz must be a positive finite number"
    );
    p.bandwidth_hz = 1.0;
    assert_eq!(
        message_of(&p),
        "noisePsdWPerHz must be a positive finite number"
    );
    p.noise_psd_w_per_hz = 1.0;
    p.payload_bits = f64::INFINITY;
    assert_eq!(
        message_of(&p),
        "payloadBits must be a positive finite number"
    );
    p.payload_bits = 1.0;
    for &bad in [1.0, -0.1, f64::NAN].iter() {
        p.pruning_budget = bad;
        let e = validate(&p.view()).unwrap_err();
        assert_eq!(e.message, "pruningBudget must be a finite number in [0, 1)");
        assert_eq!(
            (e.code, e.field.as_str(), e.client),
            (ErrorCode::InvalidInput, "pruningBudget", None)
        );
    }
    p.pruning_budget = 0.0;
    assert_eq!(validate(&p.view()), Ok(()));
}

#[test]
fn empty_problem_is_rejected() {
    let mut p = three_clients();
    p.compute_seconds.clear();
    assert_eq!(
        message_of(&p),
        "clients must hold at least one client (K = 0)"
    );
}

#[test]
fn column_lengths_are_checked_in_contract_order() {
    let mut p = three_clients();
    p.channel_gain.pop();
    p.max_pruning.push(0.1);
    let e = validate(&p.view()).unwrap_err();
    assert_eq!(
        e.message,
        "clients.channelGain has 2 entries but clients.computeSeconds has 3"
    );
    assert_eq!(e.field, "clients.channelGain");
    p.channel_gain.push(1e-13);
    assert_eq!(
        message_of(&p),
        "clients.maxPruning has 4 entries but clients.computeSeconds has 3"
    );
}

#[test]
fn clients_are_checked_client_by_client() {
    let mut p = three_clients();
    p.tx_power_w[1] = f64::NAN;
    p.compute_seconds[2] = -1.0;
    let e = validate(&p.view()).unwrap_err();
    assert_eq!(
        e.message,
        "clients[1].txPowerW must be a positive finite number"
    );
    assert_eq!(
        (e.code, e.field.as_str(), e.client),
        (ErrorCode::InvalidInput, "clients[1].txPowerW", Some(1))
    );

    // Within one client, the positive columns come before maxPruning.
    let mut p = three_clients();
    p.max_pruning[0] = 1.0;
    p.data_weight[0] = 0.0;
    assert_eq!(
        message_of(&p),
        "clients[0].dataWeight must be a positive finite number"
    );
    p.data_weight[0] = 1.0;
    assert_eq!(
        message_of(&p),
        "clients[0].maxPruning must be a finite number in [0, 1)"
    );
}

#[test]
fn scalars_array_must_hold_four_numbers() {
    let p = three_clients();
    let mut columns: [&[f64]; COLUMN_COUNT] = [&[]; COLUMN_COUNT];
    columns[0] = &p.compute_seconds;
    let e = ProblemView::from_scalars(&[1.0, 2.0], columns).unwrap_err();
    assert_eq!(
        e.message,
        "scalars must hold 6 numbers [bandwidthHz, noisePsdWPerHz, payloadBits, pruningBudget, \
         prunableComputeFraction, prunablePayloadFraction], got 2"
    );
}

#[test]
fn method_ids_and_codes_round_trip() {
    for (i, &m) in Method::ALL.iter().enumerate() {
        assert_eq!(m.code() as usize, i);
        assert_eq!(Method::from_id(m.id()), Ok(m));
        assert_eq!(Method::from_code(m.code()), Ok(m));
    }
    let e = Method::from_id("Equal").unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownMethod);
    assert_eq!(
        e.message,
        "unknown method \"Equal\"; expected one of equal, bandwidth-only, uniform-prune, \
         uniform-prune-bandwidth, prune-only, bcd, optimal"
    );
    assert!(Method::from_code(7).is_err());
}

#[test]
fn options_are_validated() {
    assert_eq!(
        SolveOptions::default(),
        SolveOptions {
            tolerance: 1e-10,
            max_iterations: 500
        }
    );
    for &bad in [0.0, 1.0, f64::NAN, -1e-3].iter() {
        let e = SolveOptions::from_numbers(bad, 10.0).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                ErrorCode::InvalidOption,
                "tolerance must be a finite number in (0, 1)"
            )
        );
    }
    for &bad in [0.0, 1.5, -3.0, f64::NAN, f64::INFINITY].iter() {
        let e = SolveOptions::from_numbers(1e-6, bad).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("maxIterations", "maxIterations must be a positive integer")
        );
    }
    // Tolerance is reported first when both are bad.
    assert_eq!(
        SolveOptions::from_numbers(2.0, 0.5).unwrap_err().field,
        "tolerance"
    );
    assert_eq!(
        SolveOptions::from_numbers(1e-6, 1e12)
            .unwrap()
            .max_iterations,
        u32::MAX
    );
}

#[test]
fn equal_matches_hand_computation() {
    let p = three_clients();
    let s = solve(&p.view(), Method::Equal, &SolveOptions::default()).unwrap();
    assert_eq!(s.method, Method::Equal);
    assert!(close(s.latency, 8.0), "latency {}", s.latency);
    for (&got, &want) in s.client_latency.iter().zip([7.0, 8.0, 4.0].iter()) {
        assert!(close(got, want), "client latency {} vs {}", got, want);
    }
    assert_eq!(s.bandwidth, vec![1e6; 3]);
    assert_eq!(s.pruning, vec![0.0; 3]);
    assert_eq!(
        (s.status, s.iterations, s.lower_bound, s.upper_bound),
        (Status::Converged, 1, None, None)
    );
}

#[test]
fn rate_keeps_precision_when_bandwidth_dwarfs_snr_bandwidth() {
    // r(b) -> a / ln 2 as b grows; the naive log2(1 + a/b) loses this entirely.
    let a = 1.0;
    let r = crate::rate::rate(a, 1e20);
    assert!(close(r, a / std::f64::consts::LN_2));
}

#[test]
fn batch_solves_each_problem_and_prefixes_errors() {
    let mut second = three_clients();
    second.bandwidth_hz = 6e6;
    let out = solve_many(
        &Batch::of(&[three_clients(), second.clone()]).view(),
        Method::Equal,
        &SolveOptions::default(),
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert!(close(out[0].latency, 8.0));
    assert_eq!(
        out[1],
        solve(&second.view(), Method::Equal, &SolveOptions::default()).unwrap()
    );

    second.tx_power_w[1] = f64::NAN;
    let e = solve_many(
        &Batch::of(&[three_clients(), second]).view(),
        Method::Equal,
        &SolveOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "problems[1]: clients[1].txPowerW must be a positive finite number"
    );
    assert_eq!(
        (e.field.as_str(), e.client),
        ("clients[1].txPowerW", Some(1))
    );

    assert_eq!(
        solve_many(
            &Batch::of(&[]).view(),
            Method::Equal,
            &SolveOptions::default()
        ),
        Ok(vec![])
    );
}

#[test]
fn batch_layout_errors_are_input_errors() {
    let b = Batch::of(&[three_clients()]);
    let s = &b.scalars;
    let bad_offsets = [0u32, 4];
    let e = BatchView {
        offsets: &bad_offsets,
        ..b.view()
    }
    .check_layout()
    .unwrap_err();
    assert_eq!(
        e.message,
        "batch column computeSeconds has 3 entries but the offsets end at 4"
    );
    let e = BatchView {
        scalars: &s[..5],
        ..b.view()
    }
    .check_layout()
    .unwrap_err();
    assert_eq!(
        e.message,
        "batch scalars hold 5 numbers but 1 problems need 6"
    );
    let e = BatchView {
        offsets: &[1, 3],
        ..b.view()
    }
    .check_layout()
    .unwrap_err();
    assert_eq!(
        e.message,
        "batch offsets must start at 0 and never decrease"
    );
    let e = BatchView {
        offsets: &[],
        ..b.view()
    }
    .check_layout()
    .unwrap_err();
    assert_eq!(
        e.message,
        "batch offsets must hold n + 1 entries for n problems, got 0"
    );
}
