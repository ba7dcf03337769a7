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
  return x < SERIES_LIMIT ? gapSeries(x) : Math.log1p(x) - x / (1 + x);
}

/** lnGap(x) given l1p = log1p(x), for callers that need log1p(x) anyway. */
export function lnGapFrom(x: number, l1p: number): number {
  return x < SERIES_LIMIT ? gapSeries(x) : l1p - x / (1 + x);
}

/** The Taylor series of lnGap below SERIES_LIMIT. */
function gapSeries(x: number): number {
  let sum = 0;
  for (let n = SERIES_TERMS; n >= 2; n--) sum = (n - 1) / n - x * sum;
  // The loop evaluated sum_{n>=2} (-1)^n (n-1)/n x^(n-2) by Horner's rule.
  return x * x * sum;
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
 * equation is c (e^t - 1) = t; its positive root is t = ln y, y = -W_{-1}(-c e^-c) / c.
 * Since e^t - 1 = t / c at the root, b = a / (e^t - 1) = q ln2 / t, with no exponential.
 * Returns +Infinity when q >= a / ln 2 (no bandwidth suffices) and 0 for q <= 0.
 *
 * Accuracy: relative 3e-15 in t, hence in b, for the rounded c; b inherits the
 * conditioning of the problem in q, about 2 / (a / b) when b >> a (q near a / ln 2).
 */
export function rateInverse(a: number, q: number): number {
  if (!(q > 0)) return 0;
  const c = (q * LN2) / a;
  if (!(c < 1)) return Infinity;
  return (q * LN2) / lambertT(c);
}

/**
 * The root t > 0 of c expm1(t) = t for c in (0, 1) (t = -W_{-1}(-c e^-c) - c), from an
 * initial approximation accurate to about 5e-3 that a fixed number of Halley steps
 * (cubic convergence) takes to full precision, with no convergence test:
 * - c <= LAMBERT_SPLIT (t >= 1.6): the asymptotic series of W_{-1} in A = ln(1/c) + c,
 *   t ~ L + l + l/A - l(l - 2)/(2 A^2) + l(2 l^2 - 9 l + 6)/(6 A^3), l = ln A, then two
 *   Halley steps on psi(t) = t - L - ln(t + c), which is nearly linear (psi'' = 1/(t + c)^2)
 *   and never overflows (t reaches 745 for the least c);
 * - c > LAMBERT_SPLIT: the Taylor series of t in u = 1 - c (exact by Sterbenz), whose
 *   coefficients are rational (2, 2/3, 4/9, 44/135, ...), then two Halley steps on
 *   h(t) = c expm1(t) - t; for u < LAMBERT_NEAR the series alone is exact to rounding.
 *
 * Worst relative error over c in (0, 1), checked against 50-digit arithmetic: 3e-15.
 */
export function lambertT(c: number): number {
  if (c > LAMBERT_SPLIT) {
    const u = 1 - c;
    let t = 0;
    for (let i = NEAR_ONE.length - 1; i >= 0; i--) t = NEAR_ONE[i] + u * t;
    t *= u;
    if (u < LAMBERT_NEAR) return t;
    for (let i = 0; i < HALLEY_STEPS; i++) {
      // Halley: t -= h / (h' - h h'' / (2 h')), with h' = c e^t - 1 and h'' = c e^t.
      const em = Math.expm1(t);
      const h = c * em - t;
      const d2 = c * (em + 1);
      const d1 = d2 - 1;
      t -= (2 * h * d1) / (2 * d1 * d1 - h * d2);
    }
    return t;
  }
  if (!(c > 0)) return Infinity; // c underflowed: q is negligible next to a
  const L = -Math.log(c);
  const A = L + c;
  const l = Math.log(A);
  const inv = 1 / A;
  let t = L + l + l * inv * (1 + inv * (-0.5 * (l - 2) + inv * (2 * l * l - 9 * l + 6) * (1 / 6)));
  for (let i = 0; i < HALLEY_STEPS; i++) {
    // Halley with psi' = (s - 1) / s and psi'' = 1 / s^2, s = t + c, over one division.
    const s = t + c;
    const f = t - L - Math.log(s);
    const sm1 = s - 1;
    t -= (2 * f * s * sm1) / (2 * sm1 * sm1 - f);
  }
  return t;
}
/** Below this c the asymptotic start is used, above it the series in 1 - c. */
const LAMBERT_SPLIT = 0.4;
/** Below this u = 1 - c the 12-term series is exact to rounding (next term ~ 1e-18 t). */
const LAMBERT_NEAR = 0.05;
const HALLEY_STEPS = 2;
/** Taylor coefficients of t(u) / u, u = 1 - c: 2, 2/3, 4/9, 44/135, 104/405, ... */
const NEAR_ONE = [
  2,
  2 / 3,
  4 / 9,
  44 / 135,
  104 / 405,
  40 / 189,
  7648 / 42525,
  2848 / 18225,
  31712 / 229635,
  23429344 / 189448875,
  89072576 / 795685275,
  1441952704 / 14105329875,
];
