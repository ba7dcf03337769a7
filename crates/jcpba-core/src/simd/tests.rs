//! The kernels against the C library (through std) over wide ranges, on every level this
//! machine runs, and the lane paths against the scalar path.

use super::columns::{self, Function};
use super::{math, Level};
use crate::rate;
use std::f64::consts::{FRAC_1_SQRT_2, SQRT_2};

/// Distance in units in the last place; 0 when both are NaN or equal (infinities too).
fn ulps(x: f64, y: f64) -> u64 {
    if x.is_nan() && y.is_nan() || x == y {
        return 0;
    }
    if x.is_nan() || y.is_nan() || x.is_infinite() || y.is_infinite() {
        return u64::MAX;
    }
    // Map the bits onto a line ordered as the numbers.
    let key = |v: f64| -> i128 {
        let b = v.to_bits() as i64;
        if b < 0 {
            i64::MIN as i128 - b as i128
        } else {
            b as i128
        }
    };
    (key(x) - key(y)).unsigned_abs() as u64
}

/// A deterministic generator of test points (xorshift64*).
struct Points(u64);

impl Points {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (r >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    /// 10^uniform(lo, hi).
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        10f64.powf(self.uniform(lo, hi))
    }
}

/// The largest ulp distance between `f` on `level` and `reference` over `xs`.
fn worst(level: Level, f: Function, xs: &[f64], reference: fn(f64) -> f64) -> (u64, f64) {
    let mut out = vec![0.0; xs.len()];
    columns::map(level, f, xs, &mut out);
    let mut worst = (0, f64::NAN);
    for (i, &x) in xs.iter().enumerate() {
        let d = ulps(out[i], reference(x));
        assert!(
            d != u64::MAX,
            "{:?} on {:?} at {}: {} vs {}",
            f,
            level,
            x,
            out[i],
            reference(x)
        );
        if d > worst.0 {
            worst = (d, x);
        }
    }
    worst
}

/// The polynomial kernel on plain f64 lanes: what the WASM simd128 path computes (no
/// fused multiply-add), lane by lane.
fn plain(f: Function) -> fn(f64) -> f64 {
    match f {
        Function::Ln => math::ln_poly::<f64>,
        Function::Log1p => math::log1p_poly::<f64>,
        Function::Exp => math::exp_poly::<f64>,
        Function::Expm1 => math::expm1_poly::<f64>,
        _ => unreachable!(),
    }
}

fn check(f: Function, xs: &[f64], reference: fn(f64) -> f64, bound: u64) {
    let kernel = plain(f);
    let mut far = (0, f64::NAN);
    for &x in xs.iter() {
        let d = ulps(kernel(x), reference(x));
        assert!(
            d != u64::MAX,
            "{:?} without FMA at {}: {} vs {}",
            f,
            x,
            kernel(x),
            reference(x)
        );
        if d > far.0 {
            far = (d, x);
        }
    }
    println!("{:?} without FMA: worst {} ulps at {:e}", f, far.0, far.1);
    assert!(
        far.0 <= bound,
        "{:?} without FMA: {} ulps at {:e}",
        f,
        far.0,
        far.1
    );
    for &level in Level::all_available().iter() {
        let (d, at) = worst(level, f, xs, reference);
        println!("{:?} on {:?}: worst {} ulps at {:e}", f, level, d, at);
        assert!(
            d <= bound,
            "{:?} on {:?}: {} ulps at {:e} (bound {})",
            f,
            level,
            d,
            at,
            bound
        );
    }
}

const SPECIALS: [f64; 9] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    f64::MIN_POSITIVE,
    f64::MAX,
];

#[test]
fn ln_is_within_one_ulp_of_the_c_library_from_subnormals_to_max() {
    let mut p = Points(1);
    let mut xs: Vec<f64> = (0..200_000).map(|_| p.log_uniform(-323.0, 308.0)).collect();
    xs.extend((0..100_000).map(|_| p.uniform(0.5, 2.0)));
    xs.extend((0..20_000).map(|_| 1.0 + p.uniform(-1e-6, 1e-6)));
    xs.extend(SPECIALS.iter());
    xs.extend(
        [
            5e-324,
            1e-310,
            f64::MIN_POSITIVE * (1.0 - f64::EPSILON),
            FRAC_1_SQRT_2,
            SQRT_2,
        ]
        .iter(),
    );
    check(Function::Ln, &xs, f64::ln, 1);
}

#[test]
fn log1p_is_within_two_ulps_of_the_c_library() {
    let mut p = Points(2);
    let mut xs: Vec<f64> = (0..100_000).map(|_| p.log_uniform(-320.0, 308.0)).collect();
    xs.extend((0..100_000).map(|_| -p.log_uniform(-320.0, -1e-12)));
    xs.extend((0..100_000).map(|_| p.uniform(-0.5, 4.0)));
    xs.extend((0..20_000).map(|_| p.uniform(-1.0, -0.5)));
    xs.extend(SPECIALS.iter());
    xs.extend(
        [
            -0.9999999999999999,
            1.8284271247461903,
            1.8284271247461898,
            1e-300,
            1e300,
        ]
        .iter(),
    );
    check(Function::Log1p, &xs, f64::ln_1p, 2);
}

#[test]
fn exp_is_within_one_ulp_of_the_c_library_down_to_gradual_underflow() {
    let mut p = Points(3);
    let mut xs: Vec<f64> = (0..200_000).map(|_| p.uniform(-708.0, 709.7)).collect();
    xs.extend((0..100_000).map(|_| p.uniform(-2.0, 2.0)));
    xs.extend((0..20_000).map(|_| p.uniform(-1e-8, 1e-8)));
    xs.extend(SPECIALS.iter());
    xs.extend(
        [
            709.782712893384,
            709.79,
            -745.1332191019411,
            -746.0,
            1e300,
            -1e300,
        ]
        .iter(),
    );
    check(Function::Exp, &xs, f64::exp, 1);
    // Subnormal results carry fewer bits: compare them absolutely, to half the smallest one.
    let xs: Vec<f64> = (0..20_000).map(|_| p.uniform(-745.2, -708.4)).collect();
    for &level in Level::all_available().iter() {
        let mut out = vec![0.0; xs.len()];
        columns::map(level, Function::Exp, &xs, &mut out);
        for (i, &x) in xs.iter().enumerate() {
            assert!((out[i] - x.exp()).abs() <= 5e-324, "{:?} exp({})", level, x);
        }
    }
}

#[test]
fn expm1_is_within_two_ulps_of_the_c_library() {
    let mut p = Points(4);
    let mut xs: Vec<f64> = (0..200_000).map(|_| p.uniform(-50.0, 709.7)).collect();
    xs.extend((0..100_000).map(|_| p.uniform(-2.0, 2.0)));
    xs.extend(
        (0..100_000).map(|_| p.log_uniform(-300.0, 0.0) * if p.next() < 0.5 { -1.0 } else { 1.0 }),
    );
    xs.extend(SPECIALS.iter());
    xs.extend(
        [
            709.782712893384,
            709.79,
            -40.0,
            -38.0,
            -1e300,
            0.34657359027997264,
        ]
        .iter(),
    );
    // 2 ulps without FMA (the scalar and WASM paths), 1 with it.
    check(Function::Expm1, &xs, f64::exp_m1, 2);
}

#[test]
fn ln_gap_matches_the_scalar_reference() {
    let mut p = Points(5);
    let mut xs: Vec<f64> = (0..100_000).map(|_| p.log_uniform(-8.0, 12.0)).collect();
    xs.extend([0.05, 0.049999999999999996, 1e-300, 1e300].iter());
    // Just above the series limit ln_gap cancels: log1p(x) is about 35 times the result,
    // so one ulp of log1p (in either implementation) is 35 ulps of the gap there.
    for &level in Level::all_available().iter() {
        let mut out = vec![0.0; xs.len()];
        columns::map(level, Function::LnGap, &xs, &mut out);
        let mut worst: f64 = 0.0;
        for (i, &x) in xs.iter().enumerate() {
            let want = rate::ln_gap(x);
            worst = worst.max(((out[i] - want) / want).abs());
        }
        println!(
            "LnGap on {:?}: worst relative difference {:e}",
            level, worst
        );
        assert!(worst <= 1e-14, "{:?}: {:e}", level, worst);
    }
}

#[test]
fn lambert_t_matches_the_scalar_reference_and_high_precision_values() {
    let mut p = Points(6);
    let mut cs: Vec<f64> = (0..100_000).map(|_| p.log_uniform(-320.0, 0.0)).collect();
    cs.extend((0..100_000).map(|_| p.uniform(0.0, 1.0)));
    cs.extend((0..20_000).map(|_| 1.0 - p.log_uniform(-15.0, -0.3)));
    cs.extend(
        [
            0.4,
            0.4000000000000001,
            0.95,
            0.9500000000000001,
            0.0,
            -1.0,
            f64::NAN,
        ]
        .iter(),
    );
    for &level in Level::all_available().iter() {
        let mut out = vec![0.0; cs.len()];
        columns::map(level, Function::LambertT, &cs, &mut out);
        for (i, &c) in cs.iter().enumerate() {
            let want = rate::lambert_t(c);
            let ok = if want.is_finite() {
                ((out[i] - want) / want).abs() <= 4e-15
            } else {
                out[i] == want
            };
            assert!(ok, "{:?} c {:e}: {} vs {}", level, c, out[i], want);
        }
        let table: Vec<f64> = rate::tests::LAMBERT_TABLE.iter().map(|&(c, _)| c).collect();
        let mut out = vec![0.0; table.len()];
        columns::map(level, Function::LambertT, &table, &mut out);
        for (i, &(c, want)) in rate::tests::LAMBERT_TABLE.iter().enumerate() {
            assert!(
                ((out[i] - want) / want).abs() <= 4e-15,
                "{:?} c {} t {} want {}",
                level,
                c,
                out[i],
                want
            );
        }
    }
}

/// Columns that mix every regime of the rate inverse in one vector: both Lambert
/// branches, the series-only end, q <= 0, NaN, and c >= 1 (no bandwidth suffices).
fn mixed_columns() -> (Vec<f64>, Vec<f64>) {
    let mut p = Points(7);
    let mut a = Vec::new();
    let mut q = Vec::new();
    for i in 0..4001 {
        let ai = p.log_uniform(3.0, 12.0);
        let c = match i % 7 {
            0 => p.log_uniform(-12.0, -0.4),
            1 => p.uniform(0.4, 0.95),
            2 => 1.0 - p.log_uniform(-12.0, -1.31),
            3 => p.log_uniform(-300.0, -100.0),
            4 => p.uniform(0.0, 1.0),
            5 => [0.0, -1.0, f64::NAN, 1.0, 2.0][(i / 7) % 5],
            _ => p.log_uniform(-3.0, 0.0),
        };
        a.push(ai);
        q.push(c * ai / rate::LN2);
    }
    (a, q)
}

#[test]
fn the_rate_inverse_column_matches_the_scalar_reference_on_every_level() {
    let (a, q) = mixed_columns();
    // Every column length up to 65 (every tail of every lane count), then the whole column.
    for &level in Level::all_available().iter() {
        for n in (0..=65).chain(std::iter::once(a.len())) {
            let mut out = vec![-1.0; n];
            columns::rate_inverse(level, &a[..n], &q[..n], &mut out);
            for k in 0..n {
                let want = rate::rate_inverse(a[k], q[k]);
                let ok = if want.is_finite() && want != 0.0 {
                    ((out[k] - want) / want).abs() <= 4e-15
                } else {
                    out[k] == want
                };
                assert!(
                    ok,
                    "{:?} n {} k {} a {} q {}: {} vs {}",
                    level, n, k, a[k], q[k], out[k], want
                );
            }
        }
    }
}

#[test]
fn the_rate_column_matches_the_scalar_reference_on_every_level() {
    let mut p = Points(8);
    let n = 3001;
    let a: Vec<f64> = (0..n).map(|_| p.log_uniform(3.0, 12.0)).collect();
    let b: Vec<f64> = a.iter().map(|&a| a * p.log_uniform(-6.0, 6.0)).collect();
    for &level in Level::all_available().iter() {
        let mut out = vec![0.0; n];
        columns::rate(level, &a, &b, &mut out);
        for k in 0..n {
            let want = rate::rate(a[k], b[k]);
            assert!(
                ((out[k] - want) / want).abs() <= 1e-15,
                "{:?} a {} b {}",
                level,
                a[k],
                b[k]
            );
        }
    }
}

#[test]
fn levels_are_ordered_and_the_scalar_one_always_runs() {
    let levels = Level::all_available();
    assert_eq!(levels[0], Level::Scalar);
    assert!(levels.windows(2).all(|w| w[0] < w[1]));
    assert!(levels.contains(&super::level()));
}
