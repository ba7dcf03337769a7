/**
 * The random stream of the scenario generator (MODEL.md section 7).
 *
 * xoshiro128** seeded by hashing (seed, stream, drop, realization) with Wellons'
 * lowbias32 mixer. Everything is 32-bit integer arithmetic (Math.imul, >>>), so the
 * Rust core reproduces the stream bit for bit; a double is built from two outputs
 * exactly as in the Rust core. Realization i of drop d depends only on (seed, d, i).
 */

/** Streams: drop-level draws (positions, data, compute) and per-realization fading. */
export const STREAM_DROP = 1;
export const STREAM_FADING = 2;
/** Each client's device and compute power (MODEL.md section 12): its own stream, so the drop stream is unchanged by fleets. */
export const STREAM_DEVICE = 3;

const GOLDEN = 0x9e3779b9;

export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** 2^-52. */
const ULP52 = 1 / 4503599627370496;

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream: number, drop: number, realization: number) {
    let h = mix32((seed ^ 0x6a09e667) >>> 0);
    h = mix32((h ^ stream) >>> 0);
    h = mix32((h ^ drop) >>> 0);
    h = mix32((h ^ realization) >>> 0);
    this.s0 = mix32((h + GOLDEN) >>> 0);
    this.s1 = mix32((h + Math.imul(2, GOLDEN)) >>> 0);
    this.s2 = mix32((h + Math.imul(3, GOLDEN)) >>> 0);
    this.s3 = mix32((h + Math.imul(4, GOLDEN)) >>> 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the one forbidden state
  }

  /** The next 32-bit output of xoshiro128**. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Uniform in the open interval (0, 1): (n + 1/2) 2^-52 with n a 52-bit integer. n + 1/2
   * needs 53 bits, so it is exact, and the largest value is 1 - 2^-53 < 1.
   */
  uniform(): number {
    const hi = this.nextU32() >>> 6; // 26 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) * ULP52;
  }
}
