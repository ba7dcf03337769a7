/**
 * Block B of MODEL.md sections 3 and 8: the best bandwidth split for fixed pruning.
 *
 * For a target T client k needs b_k(T) = r_k^{-1}(q_k(T)) Hz, with
 * q_k(T) = S (1 - phi_s rho_k) / (T - t0_k - c_k (1 - phi_c rho_k)) (S m_k / (T - m_k c_k),
 * m_k = 1 - rho_k, in the model of section 2). G(T) = sum_k b_k(T) - B is convex
 * and decreasing on (T_lo, inf); its root is the block optimum, where every client
 * finishes at the same T. b_k(T) has a pole at P_k, client k's latency with infinite
 * bandwidth (where q_k reaches a_k / ln 2), and b_k ~ 1 / (T - P_k) there; far from the poles the sum
 * falls like a power of T. Both are straight lines in (ln(T - P), ln sum), P = max_k P_k,
 * so Newton's method in those coordinates takes a handful of steps from the feasible
 * end (and never crosses the pole); bisection on the bracket safeguards it.
 */
import { type Instance, latencyAt, payloadAt, prunableAt, unprunedAt, uploadWindow } from './problem.js';
import { LN2, lambertT, rate } from './rate.js';

export interface BandwidthBlockResult {
  latency: number;
  bandwidth: Float64Array;
  /** Newton/bisection steps taken. */
  steps: number;
}

const MAX_STEPS = 200;
/** Relative width at which the T bracket counts as closed (a few ulps). */
const T_TOL = 4e-16;
/** A split over the band by at most this (relative) is scaled down onto it: that lengthens no round by more than this relative amount. */
const SCALE_SLACK = 1e-13;
/** Steps to the right of a T whose split is over the band by more than SCALE_SLACK. */
const RIGHT_STEPS = 3;

/** Bandwidth each client needs to finish by T with pruning rho; writes `out`, returns sum and dG/dT. */
function demand(inst: Instance, rho: Float64Array, T: number, out: Float64Array): { sum: number; slope: number } {
  const { K, a } = inst;
  let sum = 0;
  let slope = 0;
  for (let k = 0; k < K; k++) {
    const slack = uploadWindow(inst, k, rho[k], T);
    const q = slack > 0 ? payloadAt(inst, rho[k]) / slack : Infinity;
    // rateInverse(a, q) = q ln2 / t, t = lambertT(c), kept here for the slope.
    const z = (q * LN2) / a[k]; // the c of lambertT
    if (!(z < 1)) {
      out[k] = Infinity;
      sum = Infinity;
      slope = -Infinity;
      continue;
    }
    const t = lambertT(z);
    const b = (q * LN2) / t;
    out[k] = b;
    sum += b;
    // db/dT = (dq/dT) / r'(b) with dq/dT = -q / slack and, at the root, ln(1 + a/b) = t,
    // a/b = t/z: r'(b) ln2 = t (z + t - 1) / (z + t); z + t - 1 = t - (1 - z) stays
    // accurate as z -> 1 (t ~ 2 (1 - z)).
    slope -= (b * (z + t)) / (slack * (z - 1 + t));
  }
  return { sum, slope };
}

/**
 * The block optimum for pruning `rho`, written to `bandwidth` (summing to B). `upper`,
 * when given, is the round latency of some split of the band with this pruning (bcd
 * passes block A's latency): a feasible T that starts the search closer than the equal
 * split's.
 */
export function bandwidthBlock(
  inst: Instance,
  rho: Float64Array,
  bandwidth: Float64Array = new Float64Array(inst.K),
  upper?: number,
): BandwidthBlockResult {
  const { K, B, S, a } = inst;
  // Below T_lo some client needs infinite bandwidth; at T_hi the equal split suffices.
  let lo = 0;
  let hi = 0;
  const equal = B / K;
  for (let k = 0; k < K; k++) {
    lo = Math.max(lo, latencyAt(inst, k, rho[k], (S * LN2) / a[k]));
    if (upper === undefined) hi = Math.max(hi, latencyAt(inst, k, rho[k], S / rate(a[k], equal)));
  }
  if (upper !== undefined) hi = upper;
  const pole = lo;
  let T = hi;
  let steps = 0;
  // The last T evaluated and dG/dT there.
  let lastT = T;
  let lastSlope = NaN;
  for (; steps < MAX_STEPS; steps++) {
    const { sum, slope } = demand(inst, rho, T, bandwidth);
    lastT = T;
    lastSlope = slope;
    const g = sum - B;
    if (g > 0) lo = T;
    else hi = T;
    if (g === 0 || hi - lo <= T_TOL * hi) break;
    // Newton on ln sum = ln B in y = ln(T - pole): dy = -ln(sum / B) / (d ln sum / dy).
    let next = Number.isFinite(g) && slope < 0 ? pole + (T - pole) * Math.exp(-Math.log(sum / B) / (((T - pole) * slope) / sum)) : NaN;
    // A step below the tolerance ends the search, before the bracket test: such a step
    // can round onto the bracket end just set, which must not trigger bisection.
    if (Math.abs(next - T) <= T_TOL * T) break;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    T = next;
  }
  // `bandwidth` holds b(T) for the last T, whose sum is B up to the resolution of T.
  // Rescale onto the band exactly: scaling down keeps feasibility, scaling up only
  // shortens rounds. But scaling down by a factor 1 - e lengthens the rounds of clients
  // whose latency is mostly upload by about e: when one client near its pole holds most
  // of the band, its demand moves by much more than B e over the last ulps of T, and e
  // is far above the resolution of T. Then step T right of the root instead.
  let sum = 0;
  for (let k = 0; k < K; k++) sum += bandwidth[k];
  if (Number.isFinite(sum) && sum > B * (1 + SCALE_SLACK) && lastSlope < 0) {
    let up = lastT;
    for (let i = 0; i < RIGHT_STEPS; i++) {
      // Twice Newton's correction: G is convex, so Newton from the left falls short.
      up += Math.max((2 * (sum - B)) / -lastSlope, T_TOL * up);
      if (!(up < hi)) break;
      const next = demand(inst, rho, up, bandwidth);
      sum = next.sum;
      lastSlope = next.slope;
      if (!(sum > B * (1 + SCALE_SLACK) && lastSlope < 0)) break;
    }
  }
  if (!(sum <= B * (1 + SCALE_SLACK))) {
    // Left of some client's asymptote, or still over the band: the feasible end.
    demand(inst, rho, hi, bandwidth);
    sum = 0;
    for (let k = 0; k < K; k++) sum += bandwidth[k];
  }
  const scale = B / sum;
  for (let k = 0; k < K; k++) bandwidth[k] *= scale;
  return { latency: roundLatency(inst, rho, bandwidth), bandwidth, steps: steps + 1 };
}

/**
 * tau_k = t0_k + c_k (1 - phi_c rho_k) + S (1 - phi_s rho_k) / r_k(b_k), s
 * ((1 - rho_k)(c_k + S / r_k(b_k)) in the model of section 2).
 */
export function clientLatency(inst: Instance, k: number, rho: number, b: number): number {
  return latencyAt(inst, k, rho, inst.S / rate(inst.a[k], b));
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

/**
 * Block A's data for bandwidth b (MODEL.md section 8): U_k = t0_k + c_k + S / r_k(b_k),
 * client k's unpruned latency (s), to `U`, and V_k = phi_c c_k + phi_s S / r_k(b_k), the
 * latency a whole unit of pruning removes (s; tau_k = U_k - V_k rho_k), to `V`.
 */
export function pruningCoefficients(
  inst: Instance,
  b: Float64Array,
  U: Float64Array = new Float64Array(inst.K),
  V: Float64Array = new Float64Array(inst.K),
): { U: Float64Array; V: Float64Array } {
  for (let k = 0; k < inst.K; k++) {
    const upload = inst.S / rate(inst.a[k], b[k]);
    U[k] = unprunedAt(inst, k, upload);
    V[k] = prunableAt(inst, k, upload);
  }
  return { U, V };
}
