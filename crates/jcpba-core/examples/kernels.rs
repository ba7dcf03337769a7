//! Times the column kernels per client on every instruction-set level this machine runs,
//! against the scalar functions of rate.rs (the C library's ln/log1p/exp):
//! `cargo run --release -p jcpba-core --example kernels [K]` (default K = 1000, the
//! default scenario: llama2-7b-lora on gsm8k). The rate inverse runs at the rates each
//! client gets with an equal split of the band, scaled by 0.5 to 1.5 (both Lambert
//! branches occur).

use jcpba_core::rate;
use jcpba_core::scenario::generate_from_params;
use jcpba_core::simd::columns::{self, Function};
use jcpba_core::simd::Level;
use jcpba_core::support::default_scenario;
use std::time::Instant;

mod common;
use common::cpu_seconds;

/// Nanoseconds per element of `f` (thread CPU time), the best of 7 timings of enough
/// repeats for ~20 ms.
fn time<F: FnMut()>(n: usize, mut f: F) -> f64 {
    let origin = Instant::now();
    let start = cpu_seconds(&origin);
    f();
    let once = (cpu_seconds(&origin) - start).max(1e-7);
    let repeats = ((0.02 / once) as usize).max(1);
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let start = cpu_seconds(&origin);
        for _ in 0..repeats {
            f();
        }
        best = best.min((cpu_seconds(&origin) - start) / repeats as f64);
    }
    best * 1e9 / n as f64
}

fn main() {
    let k: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("K"))
        .unwrap_or(1000);
    let p = generate_from_params(&default_scenario(k, 1)).unwrap();
    let a: Vec<f64> = (0..k)
        .map(|i| p.tx_power_w[i] * p.channel_gain[i] / p.noise_psd_w_per_hz)
        .collect();
    let equal = p.bandwidth_hz / k as f64;
    let q: Vec<f64> = (0..k)
        .map(|i| rate::rate(a[i], equal) * (0.5 + i as f64 / k as f64))
        .collect();
    let b = vec![equal; k];
    let x: Vec<f64> = (0..k).map(|i| 1e-3 + 20.0 * i as f64 / k as f64).collect();
    let mut out = vec![0.0; k];
    let mut sink = 0.0;

    println!("K = {}, ns per client (best of 7)", k);
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "path", "rateInv", "rate", "ln", "exp", "log1p"
    );
    let scalar = [
        time(k, || {
            for i in 0..k {
                out[i] = rate::rate_inverse(a[i], q[i]);
            }
        }),
        time(k, || {
            for i in 0..k {
                out[i] = rate::rate(a[i], b[i]);
            }
        }),
        time(k, || {
            for i in 0..k {
                out[i] = x[i].ln();
            }
        }),
        time(k, || {
            for i in 0..k {
                out[i] = x[i].exp();
            }
        }),
        time(k, || {
            for i in 0..k {
                out[i] = x[i].ln_1p();
            }
        }),
    ];
    sink += out.iter().sum::<f64>();
    println!(
        "{:<12} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>10.2}",
        "libm", scalar[0], scalar[1], scalar[2], scalar[3], scalar[4]
    );
    for &level in Level::all_available().iter() {
        let t = [
            time(k, || columns::rate_inverse(level, &a, &q, &mut out)),
            time(k, || columns::rate(level, &a, &b, &mut out)),
            time(k, || columns::map(level, Function::Ln, &x, &mut out)),
            time(k, || columns::map(level, Function::Exp, &x, &mut out)),
            time(k, || columns::map(level, Function::Log1p, &x, &mut out)),
        ];
        sink += out.iter().sum::<f64>();
        println!(
            "{:<12} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>10.2}",
            level.name(),
            t[0],
            t[1],
            t[2],
            t[3],
            t[4]
        );
    }
    if sink == 0.1 {
        println!();
    }
}
