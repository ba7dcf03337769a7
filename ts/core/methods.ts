/**
 * The seven methods of MODEL.md section 3 behind one entry point, `solve`.
 */
import { JcpbaError } from './error.js';
import { type Instance, type Problem, type ProblemInput, hasCaps, instance, toProblem } from './problem.js';
import { bandwidthBlock, pruningCoefficients, roundLatency } from './bandwidth.js';
import { pruningBlock, uniformPruning, weighted } from './pruning.js';
import { capFeasibility, optimal } from './optimal.js';
import { bandwidthFloors, brokenCaps, minimumPruning, pruningFloors, total, unreachableCaps } from './energy.js';
import { accounting } from './accounting.js';

/**
 * The methods, fastest and crudest first (README, "Methods"): `equal` (no pruning, B/K
 * each: plain FedAvg), `bandwidth-only` (no pruning, optimal bandwidth), `uniform-prune`
 * (one pruning fraction for all, B/K each), `uniform-prune-bandwidth` (uniform pruning,
 * optimal bandwidth for it), `prune-only` (client-specific pruning, B/K each), `bcd`
 * (JCPBA by block coordinate descent) and `optimal` (the certified JCPBA global optimum).
 */
export const METHODS = [
  'equal',
  'bandwidth-only',
  'uniform-prune',
  'uniform-prune-bandwidth',
  'prune-only',
  'bcd',
  'optimal',
] as const;
/** A method's name, one of METHODS. */
export type MethodId = (typeof METHODS)[number];

/**
 * How a method ended: `converged` (within the tolerance, or in closed form),
 * `iteration-limit` (stopped at maxIterations with a feasible point), or
 * `infeasible`: no point meets every energy cap, or sum_k w_k rmin_k > budget (MODEL.md 11.2, 12). */
export type Status = 'converged' | 'iteration-limit' | 'infeasible';
/** Why a method that returned a point stopped. */
export type PointStatus = Exclude<Status, 'infeasible'>;

/** The method `solve` runs when the options name none: the certified global optimum. */
export const DEFAULT_METHOD: MethodId = 'optimal';

/** Options of `solve` and `solveMany`; every field is optional. */
export interface SolveOptions {
  /** The method to run (see METHODS). Default `optimal`. */
  method?: MethodId;
  /** Relative tolerance: the bracket width of `optimal`, the stopping decrease of `bcd`. Default 1e-10. */
  tolerance?: number;
  /** Iteration cap of `bcd` and `optimal`. Default 500. */
  maxIterations?: number;
}

/** A method's result with a point (docs/CORE_API.md, "Result"). */
export interface FeasibleResult {
  /** The method that produced this result. */
  method: MethodId;
  /** Round latency T = max_k tau_k of the returned point, s. */
  latency: number;
  /** rho_k, fraction of parameters pruned. */
  pruning: Float64Array;
  /** b_k, Hz. */
  bandwidth: Float64Array;
  /** tau_k, s. */
  clientLatency: Float64Array;
  /** E_k of the returned point, J per round (MODEL.md section 11.1). */
  energy: Float64Array;
  /** sum_k E_k, J. */
  energyTotal: number;
  /** max_k E_k, J. */
  energyMax: number;
  /** sum_k S (1 - phi_s rho_k), bits: the communication overhead. */
  uploadBits: number;
  /** sum_k c_k (1 - phi_c rho_k), device-seconds: the computation overhead. */
  computeSeconds: number;
  /** Iterations the method ran (1 for the closed-form methods). */
  iterations: number;
  /** `converged` or `iteration-limit`: the result has a point. */
  status: PointStatus;
  /** `optimal` only: a certified lower bound on T*, s. */
  lowerBound?: number;
  /** `optimal` only: the latency of the returned point, >= T*, s. */
  upperBound?: number;
  /**
   * Infeasible results only (status `infeasible`, `latency` and the point null): the clients
   * (0-based, ascending) that cannot meet their cap under the method's rule, `[]` when
   * only the clients together fail (docs/CORE_API.md, last section).
   */
  infeasibleClients?: number[];
}

/**
 * A method's result when no point meets every constraint (energy caps, MODEL.md 11.2;
 * `sum w rmin > budget`, section 12): a result, not an error.
 */
export interface InfeasibleResult {
  /** The method that produced this result. */
  method: MethodId;
  /** null: there is no point (FeasibleResult.latency is in s). */
  latency: null;
  /** null: there is no point. */
  pruning: null;
  /** null: there is no point. */
  bandwidth: null;
  /** null: there is no point. */
  clientLatency: null;
  /** null: there is no point. */
  energy: null;
  /** null: there is no point. */
  energyTotal: null;
  /** null: there is no point. */
  energyMax: null;
  /** null: there is no point. */
  uploadBits: null;
  /** null: there is no point. */
  computeSeconds: null;
  /** Iterations the method ran before it proved the problem infeasible. */
  iterations: number;
  /** Always `infeasible`: narrow on it (or on hasPoint) before reading the point. */
  status: 'infeasible';
  /** `optimal` only: the last T proven infeasible, s, or null. */
  lowerBound?: number | null;
  /** `optimal` only: null (there is no point). */
  upperBound?: null;
  /** The clients (0-based, ascending) that cannot meet their constraints alone; [] when only the clients together fail. */
  infeasibleClients: number[];
}

/** What `solve` returns: discriminated on `status`. */
export type SolveResult = FeasibleResult | InfeasibleResult;

/** Whether a result has a point (every status but `infeasible`). */
export function hasPoint(r: SolveResult): r is FeasibleResult {
  return r.status !== 'infeasible';
}

/**
 * The infeasible result of a method (docs/CORE_API.md): `infeasibleClients` ascending;
 * `optimal` carries `lowerBound` (its last T proven infeasible, or null) and `upperBound: null`.
 */
export function infeasibleResult(method: MethodId, iterations: number, infeasibleClients: number[], lowerBound: number | null = null): InfeasibleResult {
  const out: InfeasibleResult = {
    method,
    latency: null,
    pruning: null,
    bandwidth: null,
    clientLatency: null,
    energy: null,
    energyTotal: null,
    energyMax: null,
    uploadBits: null,
    computeSeconds: null,
    iterations,
    status: 'infeasible',
  } as InfeasibleResult;
  if (method === 'optimal') {
    out.lowerBound = lowerBound;
    out.upperBound = null;
  }
  out.infeasibleClients = [...new Set(infeasibleClients)].sort((x, y) => x - y);
  return out;
}

/** The relative tolerance `solve` uses when the options give none (dimensionless). */
export const DEFAULT_TOLERANCE = 1e-10;
/** The iteration cap of `bcd` and `optimal` when the options give none. */
export const DEFAULT_MAX_ITERATIONS = 500;

export function methodId(id: unknown): MethodId {
  if (typeof id === 'string' && (METHODS as readonly string[]).includes(id)) return id as MethodId;
  throw new JcpbaError('unknown-method', `unknown method ${JSON.stringify(String(id))}; expected one of ${METHODS.join(', ')}`, 'method');
}

export function checkOptions(options: SolveOptions | undefined): { method: MethodId; tolerance: number; maxIterations: number } {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new JcpbaError('invalid-option', `options must be an object such as { method: 'optimal' } (got ${options === null ? 'null' : typeof options})`, 'options');
  }
  const method = methodId(options?.method ?? DEFAULT_METHOD);
  return { method, ...checkSolverOptions(options?.tolerance, options?.maxIterations) };
}

/**
 * The one validation of the solver options (docs/CORE_API.md, "Options"), for solves and
 * sweeps alike (the Rust core's `SolveOptions::from_numbers`): undefined takes the
 * default; tolerance is checked first. Throws JcpbaError `invalid-option`.
 */
export function checkSolverOptions(tolerance: unknown = DEFAULT_TOLERANCE, maxIterations: unknown = DEFAULT_MAX_ITERATIONS): { tolerance: number; maxIterations: number } {
  if (typeof tolerance !== 'number' || !(tolerance > 0 && tolerance < 1)) {
    throw new JcpbaError('invalid-option', 'tolerance must be a finite number in (0, 1)', 'tolerance');
  }
  if (typeof maxIterations !== 'number' || !Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new JcpbaError('invalid-option', 'maxIterations must be a positive integer', 'maxIterations');
  }
  return { tolerance, maxIterations };
}

/** Solves one problem (any accepted form) with one method on the TypeScript reference. */
export function solve(problem: ProblemInput | Problem, options?: SolveOptions): SolveResult {
  const opts = checkOptions(options);
  return solveInstance(instance(toProblem(problem)), opts.method, opts.tolerance, opts.maxIterations);
}

export function solveProblem(problem: Problem, options: SolveOptions): SolveResult {
  return solve(problem, options);
}

interface Point {
  pruning: Float64Array;
  bandwidth: Float64Array;
  iterations: number;
  status: PointStatus;
  lowerBound?: number;
  upperBound?: number;
}

/** No point: the clients that cannot meet their cap under the method's rule ([] when only the clients together fail). */
interface NoPoint {
  infeasibleClients: number[];
  iterations: number;
  /** `optimal`: the last T proven infeasible below the optimum, if any. */
  lowerBound?: number | null;
}

function noPoint(infeasibleClients: number[], iterations = 0): NoPoint {
  return { infeasibleClients, iterations };
}

const isNoPoint = (p: Point | NoPoint): p is NoPoint => (p as NoPoint).infeasibleClients !== undefined;

/** The infeasible result of docs/CORE_API.md for a method that found no point. */
function noPointResult(method: MethodId, p: NoPoint): InfeasibleResult {
  return infeasibleResult(method, p.iterations, p.infeasibleClients, p.lowerBound ?? null);
}

export function solveInstance(
  inst: Instance,
  method: MethodId,
  tolerance: number,
  maxIterations: number,
  earlier: readonly SolveResult[] = [],
): SolveResult {
  // Given solutions of other methods on the same instance (a sweep solves every method on
  // each realization), `optimal` takes its start points from there; the result is the same.
  const point = method === 'optimal' ? optimalPoint(inst, tolerance, maxIterations, earlier) : run(inst, method, tolerance, maxIterations);
  if (isNoPoint(point)) return noPointResult(method, point);
  const clientLatency = new Float64Array(inst.K);
  const latency = roundLatency(inst, point.pruning, point.bandwidth, clientLatency);
  // MODEL.md 11.1: every result reports what its point costs.
  const cost = accounting(inst, point.pruning, point.bandwidth);
  const result: FeasibleResult = {
    method,
    latency,
    pruning: point.pruning,
    bandwidth: point.bandwidth,
    clientLatency,
    energy: cost.energy,
    energyTotal: cost.energyTotal,
    energyMax: cost.energyMax,
    uploadBits: cost.uploadBits,
    computeSeconds: cost.computeSeconds,
    iterations: point.iterations,
    status: point.status,
  };
  if (point.lowerBound !== undefined) {
    result.lowerBound = point.lowerBound;
    result.upperBound = latency;
  }
  return result;
}

function equalSplit(inst: Instance): Float64Array {
  return new Float64Array(inst.K).fill(inst.B / inst.K);
}

function exact(pruning: Float64Array, bandwidth: Float64Array): Point {
  return { pruning, bandwidth, iterations: 1, status: 'converged' };
}

/** Each client's least pruning rmin_k ("no pruning", MODEL.md section 12). */
function leastPruning(inst: Instance): Float64Array {
  return inst.rmin.length === 0 ? new Float64Array(inst.K) : Float64Array.from(inst.rmin);
}

/** A rule's fixed point, or no point when it breaks a cap (the clients whose cap it breaks). */
function fixedPoint(inst: Instance, pruning: Float64Array, bandwidth: Float64Array): Point | NoPoint {
  const broken = brokenCaps(inst, pruning, bandwidth);
  return broken.length > 0 ? noPoint(broken) : exact(pruning, bandwidth);
}

/**
 * Block B at pruning rho with the caps' floors (MODEL.md 11.2): no point when some client
 * cannot meet its cap at rho with unlimited band, or the floors exceed the band.
 */
function bandwidthPoint(inst: Instance, rho: Float64Array): Point | NoPoint {
  if (!hasCaps(inst)) return exact(rho, bandwidthBlock(inst, rho).bandwidth);
  const floors = new Float64Array(inst.K);
  const bad = bandwidthFloors(inst, rho, floors);
  if (bad.length > 0) return noPoint(bad);
  if (!(total(floors) <= inst.B)) return noPoint([]);
  return exact(rho, bandwidthBlock(inst, rho, new Float64Array(inst.K), false, floors).bandwidth);
}

/**
 * Block A at bandwidth b with the caps' floors: no point when some client cannot meet its
 * cap at b within its box, or the floors exceed the budget.
 */
function pruningPoint(inst: Instance, b: Float64Array): Point | NoPoint {
  const { U, V } = pruningCoefficients(inst, b);
  if (!hasCaps(inst)) return exact(pruningBlock(inst, U, V).pruning, b);
  const floors = new Float64Array(inst.K);
  const bad = pruningFloors(inst, b, floors);
  if (bad.length > 0) return noPoint(bad);
  if (!(weighted(inst.w, floors) <= inst.budget)) return noPoint([]);
  return exact(pruningBlock(inst, U, V, new Float64Array(inst.K), floors).pruning, b);
}

function run(inst: Instance, method: MethodId, tolerance: number, maxIterations: number): Point | NoPoint {
  // No point has sum_k w_k rho_k <= budget (MODEL.md section 12).
  if (minimumPruning(inst) > inst.budget) return noPoint([]);
  switch (method) {
    case 'equal':
      return fixedPoint(inst, leastPruning(inst), equalSplit(inst));
    case 'bandwidth-only':
      return bandwidthPoint(inst, leastPruning(inst));
    case 'uniform-prune':
      return fixedPoint(inst, uniformPruning(inst), equalSplit(inst));
    case 'uniform-prune-bandwidth':
      return bandwidthPoint(inst, uniformPruning(inst));
    case 'prune-only':
      return pruningPoint(inst, equalSplit(inst));
    case 'bcd':
      return bcd(inst, tolerance, maxIterations);
    case 'optimal':
      return optimalPoint(inst, tolerance, maxIterations);
  }
}

/**
 * A point that meets every cap, the box, the budget and the band, for `bcd` and `optimal` to
 * start from when the plain starts break a cap: the minimizer of F_E(inf) (`optimal`'s
 * caps-only problem, MODEL.md 11.2) with block B's best split for its pruning; or no point:
 * the problem is infeasible, with the clients that fail alone.
 */
function cappedStart(inst: Instance): Point | NoPoint {
  const bad = unreachableCaps(inst);
  if (bad.length > 0) return noPoint(bad);
  const rho = capFeasibility(inst);
  if (rho === undefined) return noPoint([], 1);
  return bandwidthPoint(inst, rho);
}

/**
 * Block coordinate descent (MODEL.md section 4): from b = B/K, rho = rmin, alternate
 * block A (pruning) and block B (bandwidth) until T falls by less than `tolerance`
 * (relative); returns the best iterate. With energy caps (MODEL.md 11.2) the start is not
 * returned when it breaks a cap; the first block A then takes the cap floors at B/K
 * (prune-only's point, so bcd <= prune-only still holds), and when those cannot be met,
 * bcd starts from cappedStart's point instead. Each block takes its floors at the current
 * iterate, which meets every cap, so T never rises and every iterate meets the caps.
 */
function bcd(inst: Instance, tolerance: number, maxIterations: number): Point | NoPoint {
  const K = inst.K;
  const caps = hasCaps(inst);
  let rho = leastPruning(inst);
  let b = equalSplit(inst);
  let bestT = roundLatency(inst, rho, b);
  if (caps && brokenCaps(inst, rho, b).length > 0) {
    bestT = Infinity;
    const lo = new Float64Array(K);
    if (pruningFloors(inst, b, lo).length > 0 || !(weighted(inst.w, lo) <= inst.budget)) {
      const start = cappedStart(inst);
      if (isNoPoint(start)) return start;
      rho = start.pruning;
      b = start.bandwidth;
      bestT = roundLatency(inst, rho, b);
    }
  }
  const U = new Float64Array(K);
  const V = new Float64Array(K);
  const floorA = caps ? new Float64Array(K) : undefined;
  const floorB = caps ? new Float64Array(K) : undefined;
  const best = { pruning: Float64Array.from(rho), bandwidth: Float64Array.from(b) };
  let previous = bestT;
  let status: Status = 'iteration-limit';
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    pruningCoefficients(inst, b, U, V);
    if (floorA !== undefined) {
      // The iterate meets every cap, so its rates are above the floors (up to rounding: a
      // floor above rmax_k is rmax_k's rounding).
      pruningFloors(inst, b, floorA);
      for (let k = 0; k < K; k++) if (floorA[k] > inst.rmax[k]) floorA[k] = inst.rmax[k];
      if (weighted(inst.w, floorA) > inst.budget) {
        status = 'converged';
        break;
      }
    }
    // Block A's point (rho, b) is a feasible start for block B, which never returns
    // anything worse.
    pruningBlock(inst, U, V, rho, floorA);
    if (floorB !== undefined && (bandwidthFloors(inst, rho, floorB).length > 0 || !(total(floorB) <= inst.B))) {
      status = 'converged';
      break;
    }
    const T = bandwidthBlock(inst, rho, b, true, floorB).latency;
    if (T < bestT) {
      bestT = T;
      best.pruning.set(rho);
      best.bandwidth.set(b);
    }
    if (previous < Infinity && previous - T <= tolerance * previous) {
      status = 'converged';
      break;
    }
    previous = T;
  }
  // Rounding left no iterate (the floors at the bound of a rate): the caps-only start.
  if (!(bestT < Infinity)) return cappedStart(inst);
  return { ...best, iterations, status };
}

/** A start point of `optimal`: that method's point and round latency, from `earlier` when there; undefined when it has none. */
function startPoint(inst: Instance, method: MethodId, tolerance: number, maxIterations: number, earlier: readonly SolveResult[]) {
  const done = earlier.find((s) => s.method === method);
  if (done) return done.status === 'infeasible' ? undefined : { pruning: done.pruning, bandwidth: done.bandwidth, latency: done.latency };
  const p = run(inst, method, tolerance, maxIterations);
  if (isNoPoint(p)) return undefined;
  return { pruning: p.pruning, bandwidth: p.bandwidth, latency: roundLatency(inst, p.pruning, p.bandwidth) };
}

function optimalPoint(inst: Instance, tolerance: number, maxIterations: number, earlier: readonly SolveResult[] = []): Point | NoPoint {
  if (minimumPruning(inst) > inst.budget) return { infeasibleClients: [], iterations: 0, lowerBound: null };
  const bad = unreachableCaps(inst);
  if (bad.length > 0) return { infeasibleClients: bad, iterations: 0, lowerBound: null };
  // Open the bracket at the better of two cheap feasible points. When pruning changes no
  // latency (phi_c = phi_s = 0), uniform pruning would only add pruning for nothing: its
  // latency is bandwidth-only's, and so is the optimum.
  const uniform = inst.phiC > 0 || inst.phiS > 0 ? 'uniform-prune-bandwidth' : 'bandwidth-only';
  let start = startPoint(inst, 'prune-only', tolerance, maxIterations, earlier);
  const other = startPoint(inst, uniform, tolerance, maxIterations, earlier);
  if (start === undefined || (other !== undefined && other.latency < start.latency)) start = other;
  if (start === undefined) {
    // Both baselines break a cap (only possible with caps): the caps-only problem decides
    // feasibility, certified by its dual bound, and gives the start.
    const cap = cappedStart(inst);
    if (isNoPoint(cap)) return { ...cap, lowerBound: null };
    start = { pruning: cap.pruning, bandwidth: cap.bandwidth, latency: roundLatency(inst, cap.pruning, cap.bandwidth) };
  }
  const startT = start.latency;
  const r = optimal(inst, { pruning: start.pruning, bandwidth: start.bandwidth, latency: startT }, tolerance, maxIterations);
  return {
    pruning: r.pruning,
    bandwidth: r.bandwidth,
    iterations: r.iterations,
    status: r.converged ? 'converged' : 'iteration-limit',
    lowerBound: r.lowerBound,
    upperBound: r.upperBound,
  };
}
