/**
 * The uplink rate model and its inverse (MODEL.md section 2).
 *
 * `a` is the client's SNR bandwidth, a = p g / N0 in Hz; the rate with b Hz is
 * r(b) = b log2(1 + a / b), increasing and concave, tending to a / ln 2.
 */

export const LN2 = Math.LN2;

/** Uplink rate in bit/s with `b` Hz of bandwidth. */
export function rate(a: number, b: number): number {
  return (b * Math.log1p(a / b)) / LN2;
}

/**
 * log1p(x) - x / (1 + x), accurate for every x > 0. The direct formula cancels for
 * small x (the value is about x^2 / 2), so there we sum its Taylor series
 * sum_{n>=2} (-1)^n (n - 1) / n x^n.
 */
export function lnGap(x: number): number {
  if (x < SERIES_LIMIT) {
    let sum = 0;
    for (let n = SERIES_TERMS; n >= 2; n--) sum = (n - 1) / n - x * sum;
    // The loop evaluated sum_{n>=2} (-1)^n (n-1)/n x^(n-2) by Horner's rule.
    return x * x * sum;
  }
  return Math.log1p(x) - x / (1 + x);
}
const SERIES_LIMIT = 0.05;
const SERIES_TERMS = 16; // 0.05^15 is far below double precision

/** dr/db in bit/s per Hz. */
export function rateDerivative(a: number, b: number): number {
  return lnGap(a / b) / LN2;
}

/**
 * The bandwidth (Hz) that carries `q` bit/s: the inverse of `rate`, through Lambert W
 * branch -1 (MODEL.md section 3). With c = q ln2 / a and t = ln(1 + a / b), the rate
 * equation is c (e^t - 1) = t; its positive root is t = ln y, y = -W_{-1}(-c e^-c) / c,
 * and b = a / (e^t - 1). Returns +Infinity when q >= a / ln 2 (no bandwidth suffices)
 * and 0 for q <= 0.
 *
 * Accuracy: relative 1e-15 in t; b inherits the conditioning of the problem, whose
 * relative condition number is about 2 / (a / b) when b >> a (q near a / ln 2).
 */
export function rateInverse(a: number, q: number): number {
  if (!(q > 0)) return 0;
  const c = (q * LN2) / a;
  if (!(c < 1)) return Infinity;
  return a / Math.expm1(lambertT(c));
}

/**
 * The root t > 0 of h(t) = c expm1(t) - t for c in (0, 1), by Newton's method started
 * above the root. h is convex and increasing right of the root, so the iterates decrease
 * monotonically and converge quadratically; the starting points are proven upper bounds:
 * expm1(t) >= t + t^2/2 gives t^ <= 2 (1 - c) / c, and t^ = ln(1 + t^ / c) is a fixed point
 * of an increasing map, so mapping the bound 2 ln(2/c) through it stays above the root.
 */
export function lambertT(c: number): number {
  let t: number;
  if (c > 0.5) {
    t = (2 * (1 - c)) / c;
    for (let i = 0; i < NEWTON_CAP; i++) {
      const next = t - (c * Math.expm1(t) - t) / (c * Math.exp(t) - 1);
      if (!(next < t)) break;
      const small = t - next <= NEWTON_STOP * t;
      t = next;
      if (small) break;
    }
    return t;
  }
  // Small c: work with e^(t - L), L = ln(1/c), which stays moderate where e^t overflows.
  const L = -Math.log(c);
  t = Math.log(c + 2 * LN2 + 2 * L) + L;
  for (let i = 0; i < NEWTON_CAP; i++) {
    const e = Math.exp(t - L);
    const next = t - (e - c - t) / (e - 1);
    if (!(next < t)) break;
    const small = t - next <= NEWTON_STOP * t;
    t = next;
    if (small) break;
  }
  return t;
}
const NEWTON_CAP = 100;
const NEWTON_STOP = 4e-16;
