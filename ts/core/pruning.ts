/**
 * Block A of MODEL.md section 3: the best pruning for fixed bandwidth, and the uniform
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
 * The smallest T with sum_k w_k clip(1 - T / U_k, 0, rmax_k) <= budget, where
 * U_k = c_k + S / r_k(b_k) is client k's unpruned latency (s) and w sums to 1.
 * `pruning` is written in place when given.
 */
export function pruningBlock(inst: Instance, U: Float64Array, pruning: Float64Array = new Float64Array(inst.K)): PruningBlockResult {
  const { K, w, rmax, budget } = inst;
  // No T below max_k U_k (1 - rmax_k) is reachable: a client cannot prune past rmax.
  let floor = 0;
  let top = 0;
  for (let k = 0; k < K; k++) {
    floor = Math.max(floor, U[k] * (1 - rmax[k]));
    top = Math.max(top, U[k]);
  }
  let T: number;
  if (pruningUsed(inst, U, floor) <= budget) {
    T = floor;
  } else {
    T = solveSegment(inst, U, floor, top);
  }
  for (let k = 0; k < K; k++) pruning[k] = clip(1 - T / U[k], 0, rmax[k]);
  return { latency: T, pruning };
}

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** D(T) = sum_k w_k clip(1 - T / U_k, 0, rmax_k), nonincreasing in T. */
function pruningUsed(inst: Instance, U: Float64Array, T: number): number {
  let sum = 0;
  for (let k = 0; k < inst.K; k++) sum += inst.w[k] * clip(1 - T / U[k], 0, inst.rmax[k]);
  return sum;
}

/**
 * D is linear between consecutive breakpoints {U_k (1 - rmax_k), U_k}; find the segment
 * where it crosses the budget, then solve the segment's equation
 * sum_sat w rmax + sum_act w - T sum_act w / U = budget for T.
 */
function solveSegment(inst: Instance, U: Float64Array, floor: number, top: number): number {
  const { K, w, rmax, budget } = inst;
  const points = new Float64Array(2 * K + 2);
  let n = 0;
  points[n++] = floor;
  points[n++] = top;
  for (let k = 0; k < K; k++) {
    const lo = U[k] * (1 - rmax[k]);
    if (lo > floor && lo < top) points[n++] = lo;
    if (U[k] > floor && U[k] < top) points[n++] = U[k];
  }
  const sorted = points.subarray(0, n).sort();
  // Binary search for the last breakpoint where D is still above the budget.
  let i = 0;
  let j = n - 1; // D(sorted[0]) > budget >= D(sorted[n-1]) = 0
  while (j - i > 1) {
    const m = (i + j) >> 1;
    if (pruningUsed(inst, U, sorted[m]) > budget) i = m;
    else j = m;
  }
  const lo = sorted[i];
  const hi = sorted[j];
  const mid = 0.5 * (lo + hi);
  let constant = 0;
  let slope = 0;
  for (let k = 0; k < K; k++) {
    const r = 1 - mid / U[k];
    if (r >= rmax[k]) constant += w[k] * rmax[k];
    else if (r > 0) {
      constant += w[k];
      slope += w[k] / U[k];
    }
  }
  // A segment of zero width (breakpoints equal up to rounding) has no active client:
  // then hi, where D is already within the budget, is the answer.
  if (!(slope > 0)) return hi;
  let T = clip((constant - budget) / slope, lo, hi);
  // The closed form meets the budget up to rounding (an absolute few ulps, large next
  // to a tiny budget); the pruning returned must meet it exactly as `weighted` sums it
  // (D sums the same terms in the same order). Step T up by the excess over the slope,
  // at least 2 ulps and doubling, until it does; D(hi) <= budget already.
  let step = 0;
  for (let i = 0; i < NUDGES; i++) {
    const used = pruningUsed(inst, U, T);
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
