/**
 * Block A of MODEL.md sections 3 and 8: the best pruning for fixed bandwidth, and the uniform
 * pruning rule of the baselines. Both are exact: the constraint functions are piecewise
 * linear, so after sorting the breakpoints the answer is one linear equation.
 */
import { type Instance, hasMinPruning } from './problem.js';

export interface PruningBlockResult {
  /** The smallest achievable round latency T, s. */
  latency: number;
  /** rho_k = clip(1 - T / U_k, lo_k, rmax_k). */
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
 *
 * The box is [lo_k, rmax_k] (MODEL.md sections 11.2 and 12): lo_k = `floors[k]` when given
 * (block A's floors, energy.ts `pruningFloors`), else rmin_k. The caller makes sure the
 * floors fit (lo_k <= rmax_k, sum_k w_k lo_k <= budget as `weighted` sums it).
 */
export function pruningBlock(
  inst: Instance,
  U: Float64Array,
  V: Float64Array,
  pruning: Float64Array = new Float64Array(inst.K),
  floors?: Float64Array,
): PruningBlockResult {
  const { K, rmax, budget } = inst;
  const lo = floors ?? (inst.rmin.length === 0 ? ZEROS : inst.rmin);
  const box: Box = { U, V, lo: lo === ZEROS ? undefined : lo };
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
  const T = pruningUsed(inst, box, floor) <= budget ? floor : solveSegment(inst, box, floor, top);
  for (let k = 0; k < K; k++) pruning[k] = rateAt(box, k, rmax[k], T);
  return { latency: T, pruning };
}

const ZEROS = new Float64Array(0);

/** Block A's data: U_k, V_k and the lower end of each box (undefined: 0 for every client). */
interface Box {
  U: Float64Array;
  V: Float64Array;
  lo: Float64Array | undefined;
}

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The latency at full pruning, V (U / V - rmax) (U (1 - rmax) in the model of section 2), or U when pruning removes nothing. */
function lowest(u: number, v: number, rmax: number): number {
  return v > 0 ? v * (u / v - rmax) : u;
}

/** rho_k(T) = clip(U / V - T / V, lo, rmax), lo when V = 0. */
function rateAt(box: Box, k: number, rmax: number, T: number): number {
  const u = box.U[k];
  const v = box.V[k];
  const lo = box.lo === undefined ? 0 : box.lo[k];
  return v > 0 ? clip(u / v - T / v, lo, rmax) : lo;
}

/** The T at which client k's pruning reaches the lower end of its box: U_k, or U_k - V_k lo_k. */
function upper(box: Box, k: number): number {
  const lo = box.lo === undefined ? 0 : box.lo[k];
  return lo > 0 ? lowest(box.U[k], box.V[k], lo) : box.U[k];
}

/** D(T) = sum_k w_k rho_k(T), nonincreasing in T. */
function pruningUsed(inst: Instance, box: Box, T: number): number {
  let sum = 0;
  for (let k = 0; k < inst.K; k++) sum += inst.w[k] * rateAt(box, k, inst.rmax[k], T);
  return sum;
}

/**
 * D is linear between consecutive breakpoints {U_k - V_k rmax_k, U_k - V_k lo_k}; find the
 * segment where it crosses the budget, then solve the segment's equation
 * sum_sat w rmax + sum_low w lo + sum_act w U / V - T sum_act w / V = budget for T.
 */
function solveSegment(inst: Instance, box: Box, floor: number, top: number): number {
  const { K, w, rmax, budget } = inst;
  const { U, V } = box;
  const points = new Float64Array(2 * K + 2);
  let n = 0;
  points[n++] = floor;
  points[n++] = top;
  for (let k = 0; k < K; k++) {
    if (!(V[k] > 0)) continue; // never prunes: no breakpoint
    const lo = lowest(U[k], V[k], rmax[k]);
    if (lo > floor && lo < top) points[n++] = lo;
    const up = upper(box, k);
    if (up > floor && up < top) points[n++] = up;
  }
  const sorted = points.subarray(0, n).sort();
  // Binary search for the last breakpoint where D is still above the budget.
  let i = 0;
  let j = n - 1; // D(sorted[0]) > budget >= D(sorted[n-1]) = 0
  while (j - i > 1) {
    const m = (i + j) >> 1;
    if (pruningUsed(inst, box, sorted[m]) > budget) i = m;
    else j = m;
  }
  const lo = sorted[i];
  const hi = sorted[j];
  const mid = 0.5 * (lo + hi);
  let constant = 0;
  let slope = 0;
  for (let k = 0; k < K; k++) {
    const lo = box.lo === undefined ? 0 : box.lo[k];
    if (!(V[k] > 0)) {
      if (lo > 0) constant += w[k] * lo; // prunes lo whatever T
      continue;
    }
    const ratio = U[k] / V[k];
    const r = ratio - mid / V[k];
    if (r >= rmax[k]) constant += w[k] * rmax[k];
    else if (r > lo) {
      constant += w[k] * ratio;
      slope += w[k] / V[k];
    } else if (lo > 0) constant += w[k] * lo;
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
    const used = pruningUsed(inst, box, T);
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
 * With minimum pruning (MODEL.md section 12) rho_k = clip(u, rmin_k, rmax_k); the caller
 * makes sure sum_k w_k rmin_k <= budget (u = 0 then meets it).
 */
export function uniformPruning(inst: Instance, pruning: Float64Array = new Float64Array(inst.K)): Float64Array {
  if (hasMinPruning(inst)) return uniformBoxPruning(inst, pruning);
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

/**
 * The uniform rule on the boxes [rmin_k, rmax_k]: f(u) = sum_k w_k clip(u, rmin_k, rmax_k) is
 * piecewise linear and nondecreasing, with breakpoints at every rmin_k and rmax_k; the
 * segment where it crosses the budget gives u in closed form, then u is lowered by ulps
 * until the pruning meets the budget exactly as `weighted` sums it.
 */
function uniformBoxPruning(inst: Instance, pruning: Float64Array): Float64Array {
  const { K, w, rmin, rmax, budget } = inst;
  const at = (u: number) => {
    for (let k = 0; k < K; k++) pruning[k] = clip(u, rmin[k], rmax[k]);
    return weighted(w, pruning);
  };
  let maxCap = 0;
  for (let k = 0; k < K; k++) maxCap = Math.max(maxCap, rmax[k]);
  let u = maxCap;
  if (at(maxCap) > budget) {
    // Every breakpoint, sorted, repeats included (as pruning.rs keeps them): a repeat has
    // the repeated value's f, so the search below ends on the same two values. (A Set of
    // the distinct ones held at most 2^24 values: K <= 8,388,607.)
    const points = new Float64Array(2 * K + 1);
    for (let k = 0; k < K; k++) {
      points[2 * k + 1] = rmin[k];
      points[2 * k + 2] = rmax[k];
    }
    points.sort();
    // f(points[0] = 0) <= budget < f(points[n-1] = maxCap): the last breakpoint within it.
    let i = 0;
    let j = points.length - 1;
    while (j - i > 1) {
      const m = (i + j) >>> 1;
      if (at(points[m]) > budget) j = m;
      else i = m;
    }
    const lo = points[i];
    const hi = points[j];
    const mid = 0.5 * (lo + hi);
    let constant = 0;
    let slope = 0;
    for (let k = 0; k < K; k++) {
      if (mid >= rmax[k]) constant += w[k] * rmax[k];
      else if (mid <= rmin[k]) constant += w[k] * rmin[k];
      else slope += w[k];
    }
    u = slope > 0 ? clip((budget - constant) / slope, lo, hi) : lo;
  }
  let used = at(u);
  let step = 0;
  for (let i = 0; i < NUDGES && used > budget; i++) {
    step = Math.max(2 * step, used - budget, u * NUDGE);
    u -= step;
    if (!(u > 0)) u = 0;
    used = at(u);
  }
  return pruning;
}

export function weighted(w: Float64Array, rho: Float64Array): number {
  let s = 0;
  for (let k = 0; k < w.length; k++) s += w[k] * rho[k];
  return s;
}
