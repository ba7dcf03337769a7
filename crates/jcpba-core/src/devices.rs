//! The device catalog of the scenario generator (MODEL.md section 12); mirrors
//! ts/core/devices.ts entry for entry with identical numbers (a TS test reads this file
//! and compares). The sources of every figure are in docs/DEVICES.md. The core takes a
//! fleet as one share per catalog entry (the flat `params` layout, docs/CORE_API.md); the
//! TypeScript facade parses names and presets.

/// 2^30 bytes: device memories are sold in binary gigabytes.
pub const GIB: f64 = 1_073_741_824.0;

/// One catalog entry (ts/core/devices.ts `Device`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Device {
    pub name: &'static str,
    /// Peak dense FP16/BF16 tensor throughput with FP32 accumulation, FLOP/s.
    pub peak_flops: f64,
    /// Memory the fine-tuning may use, bytes.
    pub memory_bytes: f64,
    /// Board power while training, W (the `computePowerW` of its clients).
    pub power_w: f64,
}

/// Catalog entries, in the order of the flat layout's shares.
pub const DEVICE_COUNT: usize = 7;

/// The catalog (sources: docs/DEVICES.md).
pub const DEVICES: [Device; DEVICE_COUNT] = [
    Device {
        name: "orin-nano-8gb",
        peak_flops: 16.75e12,
        memory_bytes: 8.0 * GIB,
        power_w: 25.0,
    },
    Device {
        name: "agx-orin-64gb",
        peak_flops: 42.5e12,
        memory_bytes: 64.0 * GIB,
        power_w: 60.0,
    },
    Device {
        name: "a17-pro",
        peak_flops: 17.5e12,
        memory_bytes: 8.0 * GIB,
        power_w: 4.13,
    },
    Device {
        name: "rtx-4090-laptop",
        peak_flops: 85.75e12,
        memory_bytes: 16.0 * GIB,
        power_w: 150.0,
    },
    Device {
        name: "rtx-4070",
        peak_flops: 58.3e12,
        memory_bytes: 12.0 * GIB,
        power_w: 200.0,
    },
    Device {
        name: "rtx-4090",
        peak_flops: 165.2e12,
        memory_bytes: 24.0 * GIB,
        power_w: 450.0,
    },
    Device {
        name: "a100-80gb",
        peak_flops: 312e12,
        memory_bytes: 80.0 * GIB,
        power_w: 400.0,
    },
];

/// ts/core/devices.ts `pickDevice`: the device of a uniform draw `u`, the first entry
/// whose running share sum exceeds `u x total` (the last entry with a positive share when
/// rounding leaves none). `None` when no share is positive.
pub fn pick_device(shares: &[f64], u: f64) -> Option<usize> {
    let mut total = 0.0;
    let mut last = None;
    for (i, &s) in shares.iter().enumerate() {
        total += s;
        if s > 0.0 {
            last = Some(i);
        }
    }
    let x = u * total;
    let mut cum = 0.0;
    for (i, &s) in shares.iter().enumerate() {
        cum += s;
        if s > 0.0 && x < cum {
            return Some(i);
        }
    }
    last
}

/// ts/core/devices.ts `memoryMinPruning`: rmin = clip((M_model - M_k) / (phi_m M_model), 0, 1).
pub fn memory_min_pruning(model_memory_bytes: f64, device_memory_bytes: f64, phi_m: f64) -> f64 {
    let r = (model_memory_bytes - device_memory_bytes) / (phi_m * model_memory_bytes);
    if r > 0.0 {
        if r < 1.0 {
            r
        } else {
            1.0
        }
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_complete_and_named_once() {
        for (i, d) in DEVICES.iter().enumerate() {
            assert!(!d.name.is_empty());
            assert!(
                d.peak_flops > 1e12 && d.peak_flops.is_finite(),
                "{}",
                d.name
            );
            assert!(d.memory_bytes >= 4.0 * GIB, "{}", d.name);
            assert!(d.power_w > 0.0 && d.power_w < 1000.0, "{}", d.name);
            assert!(DEVICES[..i].iter().all(|e| e.name != d.name));
        }
    }

    #[test]
    fn the_memory_rule_by_hand() {
        // llama2-7b-lora on gsm8k (docs/DEVICES.md): 13.48e9 + 34 x 256 x 4096 x 32
        // + 4194304 x 14 = 14679570944 bytes; an 8 GiB board must prune
        // (14679570944 - 8589934592) / 14679570944 = 0.4148375...
        let m = 13.48e9 + 34.0 * 256.0 * 4096.0 * 32.0 + 4_194_304.0 * 14.0;
        assert_eq!(m, 14_679_570_944.0);
        let r = memory_min_pruning(m, DEVICES[0].memory_bytes, 1.0);
        assert!((r - 6_089_636_352.0 / 14_679_570_944.0).abs() < 1e-15);
        assert!((r - 0.414_837_489).abs() < 1e-9);
        // phi_m = 0.5 doubles it; a device that holds the model prunes nothing; clipped at 1.
        assert!((memory_min_pruning(m, 8.0 * GIB, 0.5) - 2.0 * r).abs() < 1e-15);
        assert_eq!(memory_min_pruning(m, 24.0 * GIB, 1.0), 0.0);
        assert_eq!(memory_min_pruning(m, 0.0, 0.1), 1.0);
    }

    #[test]
    fn picks_by_cumulative_share() {
        let shares = [0.0, 0.25, 0.0, 0.75, 0.0, 0.0, 0.0];
        assert_eq!(pick_device(&shares, 0.0), Some(1));
        assert_eq!(pick_device(&shares, 0.2499), Some(1));
        assert_eq!(pick_device(&shares, 0.25), Some(3));
        assert_eq!(pick_device(&shares, 0.999_999_999), Some(3));
        assert_eq!(pick_device(&[0.0; 7], 0.5), None);
        // Unnormalized shares pick the same devices.
        assert_eq!(pick_device(&[0.0, 1.0, 0.0, 3.0], 0.3), Some(3));
    }
}
