/**
 * Deadline mode (MODEL.md section 9): the least weighted pruning that meets a round
 * deadline D.
 *
 *     Q(D):  minimize P = sum_k w_k rho_k  subject to  tau_k(rho_k, b_k) <= D for every k,
 *            sum_k b_k <= B,  0 <= rho_k <= rmax_k      (the pruning budget is not used)
 *
 * For T = D this is the separable convex problem of `optimal` (section 5) with the roles
 * of the two resources swapped. Each client is parametrized by its bandwidth b, with
 * rho(b) = (U(b) - D) / V(b) convex and decreasing on its box [bLo, bHi] (bLo: the
 * bandwidth it needs at full pruning, bHi: unpruned); with a price 1 / lambda >= 0 on
 * bandwidth each client minimizes w_k rho + b / lambda, the same minimizer as the
 * b + lambda w_k rho of `optimal` (solveClient), and lambda is set so that the band is
 * used: sum_k b_k(lambda) = B, increasing in lambda.
 *
 * The certificate [lowerBound, upperBound] on the least P:
 * - lower: weak duality, for every lambda > 0,
 *   sum_k min_b (w_k rho_k(b) + b / lambda) - B / lambda = P(lambda) + (sum_k b_k - B) / lambda
 *   <= P*, less the rounding noise of both sums;
 * - upper: a feasible point actually built: the split of a price whose split fits the band,
 *   scaled up onto the band, each client pruning the least that meets D with its bandwidth.
 *
 * Newton's method on ln sum_k b_k(lambda) = ln B' in ln lambda drives the price, with B'
 * a little below B: B - tolerance lambda / 2, where the dual gap (B - sum b) / lambda is
 * half the tolerance, so the iterates land on the feasible side; a bracket safeguards it.
 *
 * Q(D) is infeasible exactly when D is below the round latency with every client at its
 * cap and the best split of the band (block B at rho = rmax: `optimal` with the budget
 * removed), which is then reported as the least feasible deadline.
 *
 * Minimum pruning and energy caps (MODEL.md sections 11.2 and 12): each box is
 * [rmin_k, rmax_k] (so the least pruning is at least sum_k w_k rmin_k), and client k's least
 * pruning with b Hz is max(rho_T(b), rho_E(b)), both convex and decreasing: `optimal`'s
 * boxes and per-client solution with the cap's kink (clientBox, solveClient) carry over,
 * and every need at full pruning or at the least pruning takes the cap's floor too. The
 * least feasible deadline is block B at full pruning with the caps' floors; when the caps
 * alone rule out every deadline (a client fails its cap condition, or the floors at full
 * pruning exceed the band) it is null and `infeasibleClients` says why.
 */
import { JcpbaError } from './error.js';
import { type Instance, type Problem, type ProblemInput, capAt, hasCaps, instance, latencyAt, payloadAt, prunableAt, rminAt, toProblem, uploadWindow } from './problem.js';
import { rate, rateInverse } from './rate.js';
import { bandwidthBlock, roundLatency } from './bandwidth.js';
import { RHO_NOISE, TIME, Workspace, clientBox, priceResponse, pruningFor, rhoNoiseScale, stationarity } from './optimal.js';
import { bandwidthFloors, capBandwidth, total, unreachableCaps, uploadAllowance } from './energy.js';
import { weighted } from './pruning.js';
import { checkSolverOptions } from './methods.js';
import * as kernels from './deadline-kernels.js';
import { MIN_NORMAL, ROUNDING_STEPS, U } from './deadline-kernels.js';

/** Options of `minPruning` (deadline mode, docs/MODEL.md section 9). */
export interface MinPruningOptions {
  /** D, seconds: the round deadline every client must meet. */
  deadline: number;
  /** Absolute width of the certificate on the weighted pruning (a fraction). Default 1e-10. */
  tolerance?: number;
  /** Cap on price evaluations. Default 500. */
  maxIterations?: number;
}

/**
 * How deadline mode ended: `converged` (certificate within the tolerance),
 * `iteration-limit`, or `infeasible` (no point meets the deadline).
 */
export type MinPruningStatus = 'converged' | 'iteration-limit' | 'infeasible';

/** What every deadline-mode result has, whatever its status. */
interface MinPruningCommon {
  /** Always `min-pruning`: deadline mode. */
  method: 'min-pruning';
  /** D, the round deadline asked for, s. */
  deadline: number;
  /** Price evaluations made. */
  iterations: number;
}

/**
 * A deadline that can be met: the least weighted pruning found, with its certified
 * bracket and the point. Narrow a MinPruningResult to it with `status !== 'infeasible'`.
 */
export interface MinPruningFeasible extends MinPruningCommon {
  /**
   * `converged`: the certificate is within the tolerance. `iteration-limit`: it is not (the
   * cap was reached, or the price is pinned to rounding and the data determine the least
   * pruning only to the width reached).
   */
  status: 'converged' | 'iteration-limit';
  /** sum_k w_k rho_k of the returned point (weights normalized to sum 1), a fraction; equals upperBound. */
  weightedPruning: number;
  /** Certified: no point meeting the deadline prunes less (a fraction). */
  lowerBound: number;
  /** The weighted pruning of the returned point (a fraction), >= the least possible. */
  upperBound: number;
  /** max_k tau_k of the returned point (at most D up to rounding), s. */
  latency: number;
  /** rho_k of the returned point, fractions of the parameters pruned. */
  pruning: Float64Array;
  /** b_k of the returned point, Hz. */
  bandwidth: Float64Array;
  /** tau_k of the returned point, s. */
  clientLatency: Float64Array;
  /** Absent: only an infeasible result has a least feasible deadline. */
  minDeadline?: undefined;
  /** Absent: only an infeasible result names clients. */
  infeasibleClients?: undefined;
}

/** A deadline no point meets (not an error): no point, and the least feasible deadline. */
export interface MinPruningInfeasible extends MinPruningCommon {
  /** No point meets the deadline. */
  status: 'infeasible';
  /** Null: there is no point. */
  weightedPruning: null;
  /** Null: there is no point. */
  lowerBound: null;
  /** Null: there is no point. */
  upperBound: null;
  /** Null: there is no point. */
  latency: null;
  /** Null: there is no point. */
  pruning: null;
  /** Null: there is no point. */
  bandwidth: null;
  /** Null: there is no point. */
  clientLatency: null;
  /**
   * The least feasible deadline, s: every client at its maxPruning with the best split of
   * the band. Null when the energy caps alone rule out every deadline (MODEL.md 11.2),
   * `infeasibleClients` then saying why.
   */
  minDeadline: number | null;
  /**
   * Only with `minDeadline: null`: the clients (0-based, ascending) that fail their cap
   * condition, or [] when the caps' floors at full pruning together exceed the band.
   */
  infeasibleClients?: number[];
}

/**
 * The result of deadline mode (`minPruning`, docs/MODEL.md section 9), discriminated by
 * `status`: after `if (r.status === 'infeasible')` TypeScript knows there is no point and
 * reads `r.minDeadline`, and otherwise that the point and the bounds are there.
 */
export type MinPruningResult = MinPruningFeasible | MinPruningInfeasible;

/** Newton steps in ln lambda start here when the band is not yet bracketed. */
const PRICE_STRIDE = 4;
/**
 * The accuracy contract's slack on the deadline (MODEL.md section 6): a deadline below the
 * least feasible one by at most this (relative) counts as met by the point at full
 * pruning, and the certificate holds for every point that meets D up to this.
 */
const DEADLINE_SLACK = 1e-12;
/** A bound on the relative rounding error of a computed client latency (a few operations, 16 ulps, with margin). */
const LATENCY_ROUNDING = 64 * U;

/** The deadline, then the options, with the messages of docs/CORE_API.md. */
export function checkMinPruningOptions(options: MinPruningOptions): { deadline: number; tolerance: number; maxIterations: number } {
  const deadline = options?.deadline;
  if (typeof deadline !== 'number' || !(Number.isFinite(deadline) && deadline > 0)) {
    throw new JcpbaError('invalid-option', 'deadline must be a positive finite number', 'deadline');
  }
  const { tolerance, maxIterations } = checkSolverOptions(options.tolerance, options.maxIterations);
  return { deadline, tolerance, maxIterations };
}

/**
 * The least weighted pruning that meets `options.deadline`, on the TypeScript reference.
 * The problem may leave out `pruningBudget` (it is not used).
 */
export function minPruning(problem: ProblemInput | Problem, options: MinPruningOptions): MinPruningResult {
  const o = checkMinPruningOptions(options);
  const p: Problem = toProblem(problem, { requireBudget: false });
  return minPruningInstance(instance(p), o.deadline, o.tolerance, o.maxIterations);
}

/** A point of Q(D): pruning, bandwidth and its weighted pruning. */
interface Point {
  pruning: Float64Array;
  bandwidth: Float64Array;
  weighted: number;
}

function newPoint(K: number): Point {
  return { pruning: new Float64Array(K), bandwidth: new Float64Array(K), weighted: Infinity };
}

/**
 * The least pruning with which client k meets T with b Hz, as its latency is computed:
 * pruningFor's rho is the root of tau(rho) = T to a few ulps of U / V, which near full
 * pruning are many ulps of 1 - rho (relatively, 1e-16 / (1 - rho)), so its latency can miss
 * T by more than the contract's rounding. Raised by the excess over V (at least an ulp,
 * doubling) until the computed latency meets T, or up to the cap.
 */
function leastPruning(inst: Instance, k: number, T: number, b: number): number {
  let rho = pruningFor(inst, k, T, b)[0];
  const upload = inst.S / rate(inst.a[k], b);
  const v = prunableAt(inst, k, upload);
  let step = 0;
  for (let i = 0; i < ROUNDING_STEPS; i++) {
    const excess = latencyAt(inst, k, rho, upload) - T;
    if (!(excess > 0 && v > 0 && rho < inst.rmax[k])) break;
    step = Math.max(2 * step, excess / v, Number.EPSILON * rho, MIN_NORMAL);
    rho = Math.min(rho + step, inst.rmax[k]);
  }
  return rho;
}

/** Whether pruning saves client k no bandwidth at this deadline (rmax = 0, or nothing prunable). */
function fixed(ws: Workspace, k: number): boolean {
  return ws.bLo[k] >= ws.bHi[k];
}

/**
 * A point meeting D from the split `b` (of the search, at the loosened deadline), into
 * `point`: each client gets at least `need`, its bandwidth need at D at full pruning
 * (unpruned when pruning saves it nothing); the split is then scaled up onto the band, and
 * each client prunes the least that meets D with its bandwidth. False (and `point` spent)
 * when the needs do not fit. On the client columns (kernels.fit, kernels.leastPruning)
 * without caps, client by client with them.
 */
function meetDeadline(inst: Instance, ws: Workspace, D: number, b: Float64Array, need: Float64Array, point: Point): boolean {
  const sum = kernels.fit(b, need, point.bandwidth);
  if (!(sum <= inst.B)) return false;
  if (!hasCaps(inst)) {
    const scale = inst.B / sum;
    kernels.leastPruning(inst, ws, D, Number.isFinite(scale) ? scale : undefined, sum, point.bandwidth, point.pruning);
  } else {
    scaleUpOntoBand(point.bandwidth, sum, inst.B);
    for (let k = 0; k < inst.K; k++) {
      point.pruning[k] = fixed(ws, k) ? rminAt(inst, k) : leastPruning(inst, k, D, point.bandwidth[k]);
    }
  }
  point.weighted = weighted(inst.w, point.pruning);
  return true;
}

/**
 * Scales a split summing to `sum` (at most B) up onto the band B: by B / sum, or, when that
 * overflows (the needs of a deadline near the largest double are below 1e-300 Hz), by each
 * client's share of the sum.
 */
function scaleUpOntoBand(bandwidth: Float64Array, sum: number, B: number): void {
  const scale = B / sum;
  for (let k = 0; k < bandwidth.length; k++) bandwidth[k] = Number.isFinite(scale) ? bandwidth[k] * scale : (bandwidth[k] / sum) * B;
}

function infeasible(D: number, minDeadline: number | null, infeasibleClients?: number[]): MinPruningResult {
  const result: MinPruningInfeasible = {
    method: 'min-pruning',
    deadline: D,
    weightedPruning: null,
    lowerBound: null,
    upperBound: null,
    latency: null,
    pruning: null,
    bandwidth: null,
    clientLatency: null,
    iterations: 0,
    status: 'infeasible',
    minDeadline,
  };
  if (infeasibleClients !== undefined) result.infeasibleClients = infeasibleClients;
  return result;
}

function finish(inst: Instance, D: number, point: Point, lower: number, iterations: number, converged: boolean): MinPruningResult {
  const clientLatency = new Float64Array(inst.K);
  const latency = roundLatency(inst, point.pruning, point.bandwidth, clientLatency);
  return {
    method: 'min-pruning',
    deadline: D,
    weightedPruning: point.weighted,
    lowerBound: lower,
    upperBound: point.weighted,
    latency,
    pruning: point.pruning,
    bandwidth: point.bandwidth,
    clientLatency,
    iterations,
    status: converged ? 'converged' : 'iteration-limit',
  };
}

/**
 * T - t0 - c (1 - phi_c rho), the time left for client k's upload, in compensated
 * arithmetic (TwoSum and Dekker's product, kernels.preciseWindow): to about an ulp of itself even when the fixed time and the compute nearly
 * fill T (the plain formula carries an ulp of T, relatively (T + t0 + c) / w ulps).
 */
function preciseWindow(inst: Instance, k: number, rho: number, T: number): number {
  return kernels.preciseWindow(inst.phiC, inst.c[k], inst.t0[k], rho, T);
}

/**
 * Client k's box at D from the compensated time window: the ends of the box are the
 * bandwidth needs the dual bound adds up, so their accuracy is the certificate's. The
 * box's logarithms and G at both ends (what priceResponse reads) follow.
 */
function preciseBox(inst: Instance, ws: Workspace, k: number, D: number): void {
  const a = inst.a[k];
  const cc = inst.phiC * inst.c[k];
  const ss = inst.phiS * inst.S;
  const rmin = rminAt(inst, k);
  // Only the ends the deadline binds (an end the cap binds is its floor, energy.ts), and
  // never past the cap's kink.
  const kink = ws.boxX[k] === ws.boxX[k] ? ws.bX[k] : undefined;
  const lo = ws.pieceLo[k] === TIME ? preciseWindow(inst, k, inst.rmax[k], D) : 0;
  if (lo > 0) {
    const b = rateInverse(a, payloadAt(inst, inst.rmax[k]) / lo);
    if (kink === undefined || b < kink) {
      ws.bLo[k] = b;
      ws.boxLo[k] = Math.log(b);
      [ws.gLo[k], ws.dLo[k]] = stationarity(a, cc, inst.S, ss, ws.kk[k], b);
    }
  }
  if (ws.bHi[k] < Infinity && ws.pieceHi[k] === TIME) {
    const hi = preciseWindow(inst, k, rmin, D);
    if (hi > 0) {
      const b = rateInverse(a, payloadAt(inst, rmin) / hi);
      if (kink === undefined || b > kink) {
        ws.bHi[k] = b;
        ws.boxHi[k] = Math.log(b);
        [ws.gHi[k], ws.dHi[k]] = stationarity(a, cc, inst.S, ss, ws.kk[k], b);
      }
    }
  }
}

/**
 * The least feasible deadline: block B's latency at full pruning, and its split, with the
 * caps' floors at full pruning (the caller has checked that they fit the band).
 */
function leastDeadline(inst: Instance, full: Float64Array): { latency: number; bandwidth: Float64Array } {
  if (!hasCaps(inst)) return bandwidthBlock(inst, full);
  const floors = new Float64Array(inst.K);
  bandwidthFloors(inst, full, floors);
  return bandwidthBlock(inst, full, new Float64Array(inst.K), false, floors);
}

/**
 * Why the caps alone rule out every deadline (MODEL.md 11.2), or undefined when they do
 * not: the clients failing their cap condition, else [] when the caps' floors at full
 * pruning exceed the band.
 */
function capsRuleOut(inst: Instance, full: Float64Array): number[] | undefined {
  if (!hasCaps(inst)) return undefined;
  const bad = unreachableCaps(inst);
  if (bad.length > 0) return bad;
  const floors = new Float64Array(inst.K);
  if (bandwidthFloors(inst, full, floors).length > 0 || !(total(floors) <= inst.B)) return [];
  return undefined;
}

/**
 * The rounding noise of sum_k b_k in the dual, from the clients at an end of their box
 * only (an interior client's bandwidth is an exact number at which its pruning is computed
 * forward, and the Newton step that found it was below rounding, so its term of the dual
 * is exact to rounding). A box end is b = r^{-1}(q), q = S m_s / w with the time left for
 * the upload w = D - t0 - c m_c, m = 1 - phi rho (preciseBox). Its relative error, with u
 * the unit roundoff: q carries u (3 + 1 / m_s) from S m_s and the division, and 2 u plus
 * 8 u^2 (D + t0 + c) / w from the compensated w; the rate inverse multiplies the error of
 * q ln2 / a (2 u more) by its condition number, at most 1 + 2 b / a, and adds 3e-15 of its
 * own (rate.ts). Doubled for safety. On the client columns (kernels.boxNoise) without caps.
 */
function boxNoise(inst: Instance, D: number, b: Float64Array, rho: Float64Array, interior?: Float64Array): number {
  if (!hasCaps(inst)) return kernels.boxNoise(inst, D, b, rho, interior);
  let noise = 0;
  for (let k = 0; k < inst.K; k++) {
    if (interior !== undefined && interior[k] !== 0) continue;
    const window = uploadWindow(inst, k, rho[k], D);
    const kept = 1 - inst.phiS * rho[k];
    let qError = U * (5 + 1 / kept) + (8 * U * U * (D + inst.t0[k] + inst.c[k])) / window;
    const cap = capAt(inst, k);
    if (cap < Infinity) {
      // The cap's floor, q_E = S m_s / A with A = (Ebar - E0 - e c m_c) / p in plain
      // arithmetic: a few ulps of Ebar + E0 + e c relative to p A.
      const allowance = uploadAllowance(inst, k, rho[k]);
      const e0 = inst.e0.length === 0 ? 0 : inst.e0[k];
      const ec = (inst.e.length === 0 ? 0 : inst.e[k]) * inst.c[k];
      if (allowance > 0) qError = Math.max(qError, U * (5 + 1 / kept) + (4 * U * (cap + e0 + ec)) / (inst.p[k] * allowance));
    }
    const condition = 1 + (2 * b[k]) / inst.a[k];
    noise += b[k] * (3e-15 + (1 + condition) * (qError + 2 * U));
  }
  return 2 * noise;
}

/**
 * Full pruning and the price response's point below yFull: `cap`, each client's full
 * pruning (rmax, or 0 everywhere when pruning changes no latency); `rho`, the same with the
 * clients pruning saves no bandwidth at 0 (they stay unpruned at every price, and counting
 * them at their cap would put the dual above the least pruning); each client's bandwidth
 * there at the loosened deadline, their sum (the least band that meets D) and the weighted
 * pruning of `rho`.
 */
interface FullPruning {
  cap: Float64Array;
  rho: Float64Array;
  bandwidth: Float64Array;
  band: number;
  weighted: number;
}

/**
 * What each client needs to meet D itself (not the loosened deadline): its bandwidth at
 * full pruning (`full`; its unpruned need when pruning saves it nothing) and unpruned, and
 * `extra`, the most bandwidth meetDeadline may add to a split of the search.
 */
interface Needs {
  full: Float64Array;
  unpruned: Float64Array;
  extra: number;
}

/**
 * Every client's box at the loosened deadline `Dd`, with compensated ends; false when some
 * client cannot meet it even with infinite bandwidth at full pruning.
 */
function deadlineBoxes(inst: Instance, ws: Workspace, Dd: number): boolean {
  for (let k = 0; k < inst.K; k++) if (clientBox(inst, ws, k, Dd) === undefined) return false;
  if (!hasCaps(inst)) kernels.preciseBoxes(inst, ws, Dd);
  else for (let k = 0; k < inst.K; k++) preciseBox(inst, ws, k, Dd);
  return true;
}

/** Full pruning: rmax, unless pruning changes no latency (it is then never worth its cost: rmin). */
function fullPruning(inst: Instance): Float64Array {
  if (inst.phiC > 0 || inst.phiS > 0) return Float64Array.from(inst.rmax);
  return inst.rmin.length === 0 ? new Float64Array(inst.K) : Float64Array.from(inst.rmin);
}

function fullPruningPoint(inst: Instance, ws: Workspace, cap: Float64Array): FullPruning {
  const rho = Float64Array.from(cap);
  const bandwidth = new Float64Array(inst.K);
  let band = 0;
  for (let k = 0; k < inst.K; k++) {
    if (fixed(ws, k)) {
      rho[k] = rminAt(inst, k);
      bandwidth[k] = ws.bHi[k];
    } else {
      bandwidth[k] = ws.bLo[k];
    }
    band += bandwidth[k];
  }
  return { cap, rho, bandwidth, band, weighted: weighted(inst.w, rho) };
}

function needs(inst: Instance, ws: Workspace, D: number, full: FullPruning): Needs {
  const need = new Float64Array(inst.K);
  const needHi = new Float64Array(inst.K);
  const capped = hasCaps(inst);
  if (!capped) kernels.needs(inst, ws, D, full.cap, need, needHi);
  for (let k = 0; k < (capped ? inst.K : 0); k++) {
    const rmin = rminAt(inst, k);
    const lo = preciseWindow(inst, k, full.cap[k], D);
    const hi = preciseWindow(inst, k, rmin, D);
    needHi[k] = hi > 0 ? rateInverse(inst.a[k], payloadAt(inst, rmin) / hi) : Infinity;
    // With a cap, at least its floor (MODEL.md 11.2).
    if (capped) needHi[k] = Math.max(needHi[k], capBandwidth(inst, k, rmin));
    need[k] = fixed(ws, k) ? needHi[k] : lo > 0 ? rateInverse(inst.a[k], payloadAt(inst, full.cap[k]) / lo) : Infinity;
    if (capped && !fixed(ws, k)) need[k] = Math.max(need[k], capBandwidth(inst, k, full.cap[k]));
  }
  let extra = 0;
  for (let k = 0; k < inst.K; k++) if (need[k] > full.bandwidth[k]) extra += need[k] - full.bandwidth[k];
  return { full: need, unpruned: needHi, extra };
}

/**
 * The first point meeting D: from the full-pruning split when it fits the band, else, when
 * D is within the contract's slack of the least feasible deadline (block B's latency at
 * full pruning), block B's split at full pruning. A number: D is infeasible, and that is
 * the least feasible deadline.
 */
function startPoint(inst: Instance, ws: Workspace, D: number, full: FullPruning, needs: Needs): Point | number {
  if (full.band <= inst.B) {
    const point = newPoint(inst.K);
    if (meetDeadline(inst, ws, D, full.bandwidth, needs.full, point)) return point;
  }
  const least = leastDeadline(inst, full.cap);
  if (!(least.latency <= D * (1 + DEADLINE_SLACK))) return least.latency;
  return { pruning: Float64Array.from(full.cap), bandwidth: least.bandwidth, weighted: weighted(inst.w, full.cap) };
}

/** Every client meeting D (and its cap) at its least pruning rmin_k, scaled up onto the band, when that fits it. */
function unprunedPoint(inst: Instance, needs: Needs): Point | undefined {
  let sumHi = 0;
  for (let k = 0; k < inst.K; k++) sumHi += needs.unpruned[k];
  if (!(sumHi <= inst.B)) return undefined;
  const bandwidth = Float64Array.from(needs.unpruned);
  scaleUpOntoBand(bandwidth, sumHi, inst.B);
  if (inst.rmin.length === 0) return { pruning: new Float64Array(inst.K), bandwidth, weighted: 0 };
  const pruning = Float64Array.from(inst.rmin);
  return { pruning, bandwidth, weighted: weighted(inst.w, pruning) };
}

/**
 * yFull = ln lambdaFull, the price below which every client stays at full pruning (its
 * stationarity condition holds at bLo; Infinity when no client can trade pruning for
 * band), and the lower bound there: the dual is closed-form, and no lower price changes the
 * split, only the rounding noise of the dual. The bound is capped at that point's weighted
 * pruning: no point meeting D needs more, and a dual above that only says that D is
 * infeasible by less than the rounding the slack allows.
 */
function fullPruningDual(inst: Instance, ws: Workspace, Dd: number, full: FullPruning): { yFull: number; lower: number } {
  let yFull = Infinity;
  for (let k = 0; k < inst.K; k++) {
    if (!fixed(ws, k)) {
      // G at bLo, as computed for this deadline by clientBox and preciseBox.
      const y = -ws.gLo[k] - Math.log(inst.w[k]);
      if (y < yFull) yFull = y;
    }
  }
  let lower = 0;
  if (Number.isFinite(yFull)) {
    const lambda = Math.exp(yFull);
    const dual = full.weighted + (full.band - inst.B) / lambda - boxNoise(inst, Dd, full.bandwidth, full.rho) / lambda - RHO_NOISE;
    if (dual > lower) lower = dual;
  }
  if (full.weighted < lower) lower = full.weighted;
  return { yFull, lower };
}

/**
 * Deadline mode at one deadline: D, the loosened deadline of the search and the dual, full
 * pruning and the clients' needs at D.
 */
interface Deadline {
  D: number;
  Dd: number;
  full: FullPruning;
  needs: Needs;
}

/** Where the price search stands: the best point met and the certified lower bound. */
interface Search {
  best: Point;
  lower: number;
  iterations: number;
  converged: boolean;
}

/**
 * Newton's method on ln sum_k b_k(lambda) = ln B' in y = ln lambda from the price yFull,
 * each price raising the lower bound (weak duality, clear of the rounding noise of both
 * sums) and building a point that meets D when its split fits the band. Stops at the
 * tolerance, at the cap, when the rounding noise alone is above the tolerance and the gap
 * before the noise is within it, or when the price is pinned to rounding: the problem's
 * data then determine the least pruning only to the width reached.
 */
function priceSearch(inst: Instance, ws: Workspace, at: Deadline, yFull: number, tolerance: number, maxIterations: number, search: Search): void {
  const { K, B } = inst;
  const { D, Dd, full, needs } = at;
  let yLo = yFull; // the split (with what meeting D adds) fits the band here
  let yHi = Infinity; // and not here
  let y = Math.max(Math.log(B), yFull + 1); // a unit of pruning worth the whole band
  let candidate = newPoint(K);
  while (!search.converged && search.iterations < maxIterations) {
    search.iterations++;
    const [used] = priceResponse(inst, ws, Dd, y);
    const lambda = Math.exp(y);
    let band = 0;
    let bandSlope = 0; // d band / d ln lambda
    for (let k = 0; k < K; k++) {
      band += ws.b[k];
      if (ws.gs[k] !== 0) bandSlope -= ws.b[k] / ws.gs[k];
    }
    const noise = boxNoise(inst, Dd, ws.b, ws.rho, ws.gs) / lambda + RHO_NOISE * rhoNoiseScale(inst, ws);
    let dual = used + (band - B) / lambda - noise;
    if (full.weighted < dual) dual = full.weighted;
    if (dual > search.lower) search.lower = dual;
    if (band <= B && meetDeadline(inst, ws, D, ws.b, needs.full, candidate)) {
      yLo = y;
      if (candidate.weighted < search.best.weighted) [search.best, candidate] = [candidate, search.best];
    } else {
      yHi = y;
    }
    search.converged = search.best.weighted - search.lower <= tolerance;
    const raw = used + (band - B) / lambda;
    if (search.converged || (noise >= tolerance && search.best.weighted - raw <= tolerance) || !(yHi - yLo > 1e-15 * Math.max(1, Math.abs(y)))) break;
    const target = Math.max(B - 0.5 * tolerance * lambda - needs.extra, 0.5 * B);
    y = nextPrice(band, bandSlope, y, yLo, yHi, target);
  }
}

/**
 * Newton's step on ln band = ln target in y = ln lambda (the target is inside the band by
 * half the tolerance's worth of bandwidth and what meeting D itself may add, so the next
 * split fits), safeguarded by the bracket: a stride up while it is open, else bisection.
 */
function nextPrice(band: number, bandSlope: number, y: number, yLo: number, yHi: number, target: number): number {
  const next = Number.isFinite(band) && bandSlope > 0 ? y - Math.log(band / target) / (bandSlope / band) : NaN;
  if (next > yLo && next < yHi) return next;
  return yHi === Infinity ? y + PRICE_STRIDE : 0.5 * (yLo + yHi);
}

/**
 * Solves Q(D) on an instance; `tolerance` is the absolute width of the certificate to
 * reach (P is a fraction), `maxIterations` the cap on price evaluations.
 */
export function minPruningInstance(inst: Instance, D: number, tolerance: number, maxIterations: number): MinPruningResult {
  const ws = new Workspace(inst.K, inst.w);
  // The price search and the dual bound work at the deadline loosened by the rounding of
  // a latency (LATENCY_ROUNDING): a point whose latency, as computed, meets D meets that,
  // so the lower bound holds for every such point too (optimal's, say); the points built
  // meet D itself. (The largest doubles keep the largest double: the loosened deadline
  // would overflow.)
  const Dd = Math.min(D * (1 + LATENCY_ROUNDING), Number.MAX_VALUE);
  const rhoFull = fullPruning(inst);
  const ruledOut = capsRuleOut(inst, rhoFull);
  if (ruledOut !== undefined) return infeasible(D, null, ruledOut);
  if (!deadlineBoxes(inst, ws, Dd)) return infeasible(D, leastDeadline(inst, rhoFull).latency);
  const full = fullPruningPoint(inst, ws, rhoFull);
  const need = needs(inst, ws, D, full);
  const start = startPoint(inst, ws, D, full, need);
  if (typeof start === 'number') return infeasible(D, start);
  const unpruned = unprunedPoint(inst, need);
  if (unpruned !== undefined) return finish(inst, D, unpruned, unpruned.weighted, 0, true);
  const { yFull, lower } = fullPruningDual(inst, ws, Dd, full);
  const search: Search = { best: start, lower, iterations: 0, converged: start.weighted - lower <= tolerance };
  // Otherwise no split of a price fits the band (or no client can trade pruning for band).
  if (full.band <= inst.B && Number.isFinite(yFull)) priceSearch(inst, ws, { D, Dd, full, needs: need }, yFull, tolerance, maxIterations, search);
  return finish(inst, D, search.best, search.lower, search.iterations, search.converged);
}
