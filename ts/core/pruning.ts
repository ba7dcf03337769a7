/**
 * Block A of MODEL.md sections 3 and 8: the best pruning for fixed bandwidth, and the uniform
 * pruning rule of the baselines. Both are exact: the constraint functions are piecewise
 * linear, so after sorting the breakpoints the answer is one linear equation.
 */
import type { Instance } from './problem.js';

export interface PruningBlockResult {
  /** The smallest achievable round latency T, s. */
  latency: number;
  /** rho_k = clip(1 - T / U_k, 0, rmax_k). */
  pruning: Float64Array;
}

/**
 * The smallest T >= max_k (U_k - V_k rmax_k) with sum_k w_k rho_k(T) <= budget, where
 * rho_k(T) = clip((U_k - T) / V_k, 0, rmax_k) (0 when V_k = 0), U_k = t0_k + c_k + S / r_k(b_k)
 * is client k's unpruned latency and V_k = phi_c c_k + phi_s S / r_k(b_k) the latency a
 * whole unit of pruning removes (MODEL.md section 8; with t0 = 0 and phi = 1, V = U and
 * rho_k = clip(1 - T / U_k, 0, rmax_k) as in section 3). w sums to 1. `pruning` is written
 * in place when given.
 *
 * rho_k(T) is evaluated as U_k / V_k - T / V_k: U_k / V_k is exactly 1 in the model of
 * section 2, so the arithmetic there is that of 1 - T / U_k.
 */
export function pruningBlock(
  inst: Instance,
  U: Float64Array,
  V: Float64Array,
  pruning: Float64Array = new Float64Array(inst.K),
): PruningBlockResult {
  const { K, rmax, budget } = inst;
  // No T below max_k (U_k - V_k rmax_k) is reachable: a client cannot prune past rmax.
  let floor = 0;
  let top = 0;
  for (let k = 0; k < K; k++) {
    floor = Math.max(floor, lowest(U[k], V[k], rmax[k]));
    top = Math.max(top, U[k]);
  }
  // Both branches meet the budget exactly as `weighted` sums the pruning written here
  // (D sums the same terms in the same order): the floor by its test, the segment's
  // solution by its final search.
  const T = pruningUsed(inst, U, V, floor) <= budget ? floor : solveSegment(inst, U, V, floor, top);
  for (let k = 0; k < K; k++) pruning[k] = rateAt(U[k], V[k], rmax[k], T);
  return { latency: T, pruning };
}

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The latency at full pruning, V (U / V - rmax) (U (1 - rmax) in the model of section 2), or U when pruning removes nothing. */
function lowest(u: number, v: number, rmax: number): number {
  return v > 0 ? v * (u / v - rmax) : u;
}

/** rho(T) = clip(U / V - T / V, 0, rmax), 0 when V = 0. */
function rateAt(u: number, v: number, rmax: number, T: number): number {
  return v > 0 ? clip(u / v - T / v, 0, rmax) : 0;
}

/** D(T) = sum_k w_k rho_k(T), nonincreasing in T. */
function pruningUsed(inst: Instance, U: Float64Array, V: Float64Array, T: number): number {
  let sum = 0;
  for (let k = 0; k < inst.K; k++) sum += inst.w[k] * rateAt(U[k], V[k], inst.rmax[k], T);
  return sum;
}

/**
 * D is linear between consecutive breakpoints {U_k - V_k rmax_k, U_k}; find the segment
 * where it crosses the budget, then solve the segment's equation
 * sum_sat w rmax + sum_act w U / V - T sum_act w / V = budget for T.
 */
function solveSegment(inst: Instance, U: Float64Array, V: Float64Array, floor: number, top: number): number {
  const { K, w, rmax, budget } = inst;
  const points = new Float64Array(2 * K + 2);
  let n = 0;
  points[n++] = floor;
  points[n++] = top;
  for (let k = 0; k < K; k++) {
    if (!(V[k] > 0)) continue; // never prunes: no breakpoint
    const lo = lowest(U[k], V[k], rmax[k]);
    if (lo > floor && lo < top) points[n++] = lo;
    if (U[k] > floor && U[k] < top) points[n++] = U[k];
  }
  const sorted = points.subarray(0, n).sort();
  // Binary search for the last breakpoint where D is still above the budget.
  let i = 0;
  let j = n - 1; // D(sorted[0]) > budget >= D(sorted[n-1]) = 0
  while (j - i > 1) {
    const m = (i + j) >> 1;
    if (pruningUsed(inst, U, V, sorted[m]) > budget) i = m;
    else j = m;
  }
  const lo = sorted[i];
  const hi = sorted[j];
  const mid = 0.5 * (lo + hi);
  let constant = 0;
  let slope = 0;
  for (let k = 0; k < K; k++) {
    if (!(V[k] > 0)) continue;
    const ratio = U[k] / V[k];
    const r = ratio - mid / V[k];
    if (r >= rmax[k]) constant += w[k] * rmax[k];
    else if (r > 0) {
      constant += w[k] * ratio;
      slope += w[k] / V[k];
    }
  }
  // A segment of zero width (breakpoints equal up to rounding) has no active client:
  // then hi, where D is already within the budget, is the answer.
  if (!(slope > 0)) return hi;
  let T = clip((constant - budget) / slope, lo, hi);
  // The closed form meets the budget up to rounding: an absolute few ulps of each
  // active client's U_k / V_k + T / V_k, large next to a tiny budget, or when little of
  // a client's latency can be pruned (t0 large, phi small). The pruning returned must
  // meet it exactly as `weighted` sums it (D sums the same terms in the same order).
  // Step T up by the excess over the slope, at least 2 ulps and doubling, until it
  // does; D(hi) <= budget already.
  let step = 0;
  for (let i = 0; i < NUDGES; i++) {
    const used = pruningUsed(inst, U, V, T);
    if (used <= budget) return T;
    step = Math.max(2 * step, (used - budget) / slope, T * NUDGE);
    T += step;
    if (!(T < hi)) break;
  }
  return hi;
}

/** Steps of the search that makes a closed-form pruning meet the budget exactly. */
const NUDGES = 64;
/** 2^-51: a relative step that always moves a double by at least one ulp. */
const NUDGE = 4.440892098500626e-16;

/**
 * Uniform pruning: rho_k = min(u, rmax_k) with the largest u in [0, 1) keeping
 * sum_k w_k rho_k <= budget (u = max rmax when the budget allows every client its cap).
 */
export function uniformPruning(inst: Instance, pruning: Float64Array = new Float64Array(inst.K)): Float64Array {
  const { K, w, rmax, budget } = inst;
  let capped = 0;
  let maxCap = 0;
  for (let k = 0; k < K; k++) {
    capped += w[k] * rmax[k];
    maxCap = Math.max(maxCap, rmax[k]);
  }
  let u: number;
  if (capped <= budget) {
    u = maxCap;
  } else {
    // f(u) = sum_{rmax_k < u} w_k rmax_k + u sum_{rmax_k >= u} w_k, increasing; walk the caps.
    const order = Array.from({ length: K }, (_, k) => k).sort((x, y) => rmax[x] - rmax[y]);
    let below = 0; // sum of w rmax over clients already capped
    let rest = 1; // sum of w over clients not yet capped
    u = 0;
    for (const k of order) {
      // Is the crossing before this client's cap?
      if (below + rmax[k] * rest >= budget) {
        u = rest > 0 ? (budget - below) / rest : rmax[k];
        break;
      }
      below += w[k] * rmax[k];
      rest -= w[k];
    }
    u = Math.min(u, maxCap);
  }
  for (let k = 0; k < K; k++) pruning[k] = Math.min(u, rmax[k]);
  // As in block A: the closed form meets the budget up to rounding; lower u until the
  // weighted sum meets it exactly (u = 0 does).
  let step = 0;
  for (let i = 0; i < NUDGES; i++) {
    const used = weighted(w, pruning);
    if (used <= budget) break;
    step = Math.max(2 * step, used - budget, u * NUDGE);
    u -= step;
    if (!(u > 0)) u = 0;
    for (let k = 0; k < K; k++) pruning[k] = Math.min(u, rmax[k]);
  }
  return pruning;
}

export function weighted(w: Float64Array, rho: Float64Array): number {
  let s = 0;
  for (let k = 0; k < w.length; k++) s += w[k] * rho[k];
  return s;
}
