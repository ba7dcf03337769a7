//! The random stream of the scenario generator (MODEL.md section 7); mirrors ts/core/rng.ts
//! bit for bit.
//!
//! xoshiro128** seeded by hashing (seed, stream, drop, realization) with Wellons'
//! lowbias32 mixer. Everything is 32-bit integer arithmetic, so the TypeScript reference
//! (Math.imul, >>>) reproduces the stream exactly; a double is built from two outputs
//! with the same floating-point operations there and here. Realization i of drop d
//! depends only on (seed, d, i).

/// Streams: drop-level draws (positions, data, compute), per-realization fading, and
/// each client's device and compute power (MODEL.md section 12).
pub const STREAM_DROP: u32 = 1;
pub const STREAM_FADING: u32 = 2;
pub const STREAM_DEVICE: u32 = 3;

const GOLDEN: u32 = 0x9e37_79b9;
/// The first 32 bits of sqrt(2)'s fraction, so seed 0 does not hash from 0.
const SEED_SALT: u32 = 0x6a09_e667;

pub fn mix32(x: u32) -> u32 {
    let mut x = x;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// 2^-52.
const ULP52: f64 = 1.0 / 4_503_599_627_370_496.0;
/// 2^26: shifts the 26 high bits above the 26 low bits.
const TWO_POW_26: f64 = 67_108_864.0;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Random {
    s0: u32,
    s1: u32,
    s2: u32,
    s3: u32,
}

impl Random {
    pub fn new(seed: u32, stream: u32, drop: u32, realization: u32) -> Random {
        let mut h = mix32(seed ^ SEED_SALT);
        h = mix32(h ^ stream);
        h = mix32(h ^ drop);
        h = mix32(h ^ realization);
        let mut r = Random {
            s0: mix32(h.wrapping_add(GOLDEN)),
            s1: mix32(h.wrapping_add(GOLDEN.wrapping_mul(2))),
            s2: mix32(h.wrapping_add(GOLDEN.wrapping_mul(3))),
            s3: mix32(h.wrapping_add(GOLDEN.wrapping_mul(4))),
        };
        if (r.s0 | r.s1 | r.s2 | r.s3) == 0 {
            r.s0 = 1; // the one forbidden state
        }
        r
    }

    /// The next 32-bit output of xoshiro128**.
    pub fn next_u32(&mut self) -> u32 {
        let result = self.s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s1 << 9;
        self.s2 ^= self.s0;
        self.s3 ^= self.s1;
        self.s1 ^= self.s2;
        self.s0 ^= self.s3;
        self.s2 ^= t;
        self.s3 = self.s3.rotate_left(11);
        result
    }

    /// Uniform in the open interval (0, 1): (n + 1/2) 2^-52 with n a 52-bit integer.
    /// n + 1/2 needs 53 bits, so it is exact, and the largest value is 1 - 2^-53 < 1.
    pub fn uniform(&mut self) -> f64 {
        let hi = (self.next_u32() >> 6) as f64; // 26 bits
        let lo = (self.next_u32() >> 6) as f64; // 26 bits
        (hi * TWO_POW_26 + lo + 0.5) * ULP52
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_test_vectors() {
        let mut r = Random::new(1, 2, 3, 4);
        assert_eq!(r.next_u32(), 3_672_378_867);
        assert_eq!(r.next_u32(), 2_572_024_654);
        assert_eq!(r.uniform(), 0.05865989938248395);
    }

    #[test]
    fn mix32_is_lowbias32() {
        // Wellons' lowbias32 maps 0 to 0 and is a bijection; spot values from its definition.
        assert_eq!(mix32(0), 0);
        let mut x: u32 = 1;
        x ^= x >> 16;
        x = x.wrapping_mul(0x7feb352d);
        x ^= x >> 15;
        x = x.wrapping_mul(0x846ca68b);
        x ^= x >> 16;
        assert_eq!(mix32(1), x);
    }

    #[test]
    fn uniform_stays_in_the_unit_interval() {
        let mut r = Random::new(7, STREAM_FADING, 0, 0);
        for _ in 0..10_000 {
            let u = r.uniform();
            assert!(u > 0.0 && u <= 1.0);
        }
    }
}
