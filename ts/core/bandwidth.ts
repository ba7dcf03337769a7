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
import { brokenCaps, ontoBand, spreadOver } from './energy.js';

export interface BandwidthBlockResult {
  latency: number;
  bandwidth: Float64Array;
  /** Newton/bisection steps taken. */
  steps: number;
}

const MAX_STEPS = 200;
/** A demand this close above B (relative) counts as the root: the rescaled point's latency is within that factor of the root's. */
const NEAR = 1e-12;
/** Relative width at which the T bracket counts as closed (a few ulps). */
const T_TOL = 4e-16;

/**
 * Bandwidth each client needs to finish by T with pruning rho, at least its floor when
 * `floors` is given; writes `out`, returns sum and dG/dT.
 */
function demand(inst: Instance, rho: Float64Array, T: number, out: Float64Array, floors?: Float64Array): { sum: number; slope: number } {
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
    if (floors !== undefined && !(b > floors[k])) {
      // The cap binds: the floor, which T does not move.
      out[k] = floors[k];
      sum += floors[k];
      continue;
    }
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
 * The block optimum for pruning `rho`, written to `bandwidth` (summing to B), from a
 * feasible start: with `warm`, `bandwidth` holds on entry a split of the band (sum <= B;
 * bcd passes block A's point); otherwise the start is the equal split. The result is
 * never worse than the start: the search returns only a point it built from a T on the
 * feasible side of its bracket (sum_k b_k(T) <= B, rescaled up onto the band) or just
 * left of the root (sum within 1 + NEAR of B, rescaled down), and only when its
 * recomputed latency is below the start's. Where rounding leaves no such T (a client
 * whose rate is saturated, a_k << b_k, or whose upload time is below the rounding of its
 * compute time), the start's own split is the answer to the precision the latency has.
 */
export function bandwidthBlock(
  inst: Instance,
  rho: Float64Array,
  bandwidth: Float64Array = new Float64Array(inst.K),
  warm = false,
  floors?: Float64Array,
): BandwidthBlockResult {
  const { K, B, S, a } = inst;
  if (!warm) {
    bandwidth.fill(B / K);
    // With floors (energy caps, MODEL.md 11.2), the equal split when it meets every cap
    // (so that the block is never worse than `equal`), else the floors and an equal share
    // of what they leave of the band.
    if (floors !== undefined && brokenCaps(inst, rho, bandwidth).length > 0) spreadOver(inst, floors, bandwidth);
  }
  const start = roundLatency(inst, rho, bandwidth);
  // Below T_lo some client needs infinite bandwidth; the start reaches T_hi.
  let lo = 0;
  for (let k = 0; k < K; k++) lo = Math.max(lo, latencyAt(inst, k, rho[k], (S * LN2) / a[k]));
  let hi = start;
  const pole = lo;
  const need = new Float64Array(K);
  // b(hi), once some evaluated T had sum_k b_k(T) <= B (hi is then the least such T).
  const best = new Float64Array(K);
  let found = false;
  // Whether `need` holds b(T) for the last T, just left of the root (sum_k b_k(T) - B
  // within NEAR B): rescaled down onto the band it is as good as the root itself.
  let near = false;
  let T = hi;
  let past = 0;
  let steps = 0;
  for (; steps < MAX_STEPS; steps++) {
    const { sum, slope } = demand(inst, rho, T, need, floors);
    const g = sum - B;
    near = g > 0 && g <= NEAR * B;
    if (g > 0) {
      lo = T;
    } else if (g <= 0) {
      hi = T;
      found = true;
      best.set(need);
    }
    if (g === 0 || hi - lo <= T_TOL * hi) break;
    // Newton on ln sum = ln B in y = ln(T - pole): dy = -ln(sum / B) / (d ln sum / dy).
    let next = Number.isFinite(g) && slope < 0 ? pole + (T - pole) * Math.exp(-Math.log(sum / B) / (((T - pole) * slope) / sum)) : NaN;
    // A step below the tolerance ends the search, before the bracket test: such a
    // step can round onto the bracket end just set, which must not trigger bisection.
    // Left of the root and not near it (where rounding leaves no T between a demand
    // far above B and one below it) it steps just past the root instead (2 ulps,
    // doubling), so that the point returned comes from the feasible side.
    if (Math.abs(next - T) <= T_TOL * T) {
      if (!(g > NEAR * B)) break;
      past = past > 0 ? 2 * past : T_TOL * T;
      next = T + past;
    }
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    T = next;
  }
  if (near) {
    // Rescaling down by at most 1 + NEAR lengthens uploads by at most that factor.
    best.set(need);
    found = true;
  }
  if (found) {
    // Onto the band: up from b(hi), which only shortens rounds, or down by at most 1 + NEAR.
    // With floors, down only above them, so that every cap stays met.
    const T1 = ontoBand(inst, floors, best) ? roundLatency(inst, rho, best) : Infinity;
    if (T1 < start) {
      bandwidth.set(best);
      return { latency: T1, bandwidth, steps: steps + 1 };
    }
  }
  return { latency: start, bandwidth, steps: steps + 1 };
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
    // NaN propagates: a point with an undefined latency never looks good.
    if (tau > T || tau !== tau) T = tau;
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
