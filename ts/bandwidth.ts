/**
 * Block B of MODEL.md section 3: the best bandwidth split for fixed pruning.
 *
 * For a target T client k needs b_k(T) = r_k^{-1}(q_k(T)) Hz, with
 * q_k(T) = S m_k / (T - m_k c_k) and m_k = 1 - rho_k. G(T) = sum_k b_k(T) - B is convex
 * and decreasing on (T_lo, inf); its root is the block optimum, where every client
 * finishes at the same T. Safeguarded Newton on G, bracketed by bisection.
 */
import type { Instance } from './problem.js';
import { LN2, rate, rateDerivative, rateInverse } from './rate.js';

export interface BandwidthBlockResult {
  latency: number;
  bandwidth: Float64Array;
  /** Newton/bisection steps taken. */
  steps: number;
}

const MAX_STEPS = 200;
/** Relative width at which the T bracket counts as closed (a few ulps). */
const T_TOL = 4e-16;

/** Bandwidth each client needs to finish by T with pruning rho; writes `out`, returns sum and dG/dT. */
function demand(inst: Instance, rho: Float64Array, T: number, out: Float64Array): { sum: number; slope: number } {
  const { K, c, a, S } = inst;
  let sum = 0;
  let slope = 0;
  for (let k = 0; k < K; k++) {
    const m = 1 - rho[k];
    const slack = T - m * c[k];
    const q = slack > 0 ? (S * m) / slack : Infinity;
    const b = rateInverse(a[k], q);
    out[k] = b;
    sum += b;
    // db/dT = (dq/dT) / r'(b), dq/dT = -q^2 / (S m).
    slope -= (q * q) / (S * m) / rateDerivative(a[k], b);
  }
  return { sum, slope };
}

export function bandwidthBlock(inst: Instance, rho: Float64Array, bandwidth: Float64Array = new Float64Array(inst.K)): BandwidthBlockResult {
  const { K, B, S, c, a } = inst;
  // Below T_lo some client needs infinite bandwidth; at T_hi the equal split suffices.
  let lo = 0;
  let hi = 0;
  const equal = B / K;
  for (let k = 0; k < K; k++) {
    const m = 1 - rho[k];
    lo = Math.max(lo, m * (c[k] + (S * LN2) / a[k]));
    hi = Math.max(hi, m * (c[k] + S / rate(a[k], equal)));
  }
  let T = hi;
  let steps = 0;
  for (; steps < MAX_STEPS; steps++) {
    const { sum, slope } = demand(inst, rho, T, bandwidth);
    const g = sum - B;
    if (g > 0) lo = T;
    else hi = T;
    if (g === 0 || hi - lo <= T_TOL * hi) break;
    let next = Number.isFinite(g) && slope < 0 ? T - g / slope : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - T) <= T_TOL * T) break;
    T = next;
  }
  // `bandwidth` holds b(T) for the last T; its sum is within rounding of B. Rescale onto
  // the band exactly: scaling down keeps feasibility, scaling up only shortens rounds.
  let sum = 0;
  for (let k = 0; k < K; k++) sum += bandwidth[k];
  if (!Number.isFinite(sum)) {
    // The last T was left of some client's asymptote: fall back to the feasible end.
    demand(inst, rho, hi, bandwidth);
    sum = 0;
    for (let k = 0; k < K; k++) sum += bandwidth[k];
  }
  const scale = B / sum;
  for (let k = 0; k < K; k++) bandwidth[k] *= scale;
  return { latency: roundLatency(inst, rho, bandwidth), bandwidth, steps: steps + 1 };
}

/** tau_k = (1 - rho_k)(c_k + S / r_k(b_k)), s. */
export function clientLatency(inst: Instance, k: number, rho: number, b: number): number {
  return (1 - rho) * (inst.c[k] + inst.S / rate(inst.a[k], b));
}

/** max_k tau_k; the per-client latencies go to `out` when given. */
export function roundLatency(inst: Instance, rho: Float64Array, b: Float64Array, out?: Float64Array): number {
  let T = 0;
  for (let k = 0; k < inst.K; k++) {
    const tau = clientLatency(inst, k, rho[k], b[k]);
    if (out) out[k] = tau;
    if (tau > T) T = tau;
  }
  return T;
}

/** U_k = c_k + S / r_k(b_k): client k's unpruned latency with its bandwidth, s. */
export function unprunedLatencies(inst: Instance, b: Float64Array, out: Float64Array = new Float64Array(inst.K)): Float64Array {
  for (let k = 0; k < inst.K; k++) out[k] = inst.c[k] + inst.S / rate(inst.a[k], b[k]);
  return out;
}
