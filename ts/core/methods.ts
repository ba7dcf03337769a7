/**
 * The seven methods of MODEL.md section 3 behind one entry point, `solve`.
 */
import { JcpbaError } from './error.js';
import { type Instance, type Problem, type ProblemInput, instance, toProblem } from './problem.js';
import { bandwidthBlock, pruningCoefficients, roundLatency } from './bandwidth.js';
import { pruningBlock, uniformPruning } from './pruning.js';
import { optimal } from './optimal.js';

export const METHODS = [
  'equal',
  'bandwidth-only',
  'uniform-prune',
  'uniform-prune-bandwidth',
  'prune-only',
  'bcd',
  'optimal',
] as const;
export type MethodId = (typeof METHODS)[number];

export type Status = 'converged' | 'iteration-limit';

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

export interface SolveResult {
  method: MethodId;
  /** Round latency T = max_k tau_k of the returned point, s. */
  latency: number;
  /** rho_k, fraction of parameters pruned. */
  pruning: Float64Array;
  /** b_k, Hz. */
  bandwidth: Float64Array;
  /** tau_k, s. */
  clientLatency: Float64Array;
  iterations: number;
  status: Status;
  /** `optimal` only: a certified lower bound on T*, s. */
  lowerBound?: number;
  /** `optimal` only: the latency of the returned point, >= T*, s. */
  upperBound?: number;
}

export const DEFAULT_TOLERANCE = 1e-10;
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
  status: Status;
  lowerBound?: number;
  upperBound?: number;
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
  const clientLatency = new Float64Array(inst.K);
  const latency = roundLatency(inst, point.pruning, point.bandwidth, clientLatency);
  const result: SolveResult = {
    method,
    latency,
    pruning: point.pruning,
    bandwidth: point.bandwidth,
    clientLatency,
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

function run(inst: Instance, method: MethodId, tolerance: number, maxIterations: number): Point {
  const K = inst.K;
  switch (method) {
    case 'equal':
      return exact(new Float64Array(K), equalSplit(inst));
    case 'bandwidth-only': {
      const rho = new Float64Array(K);
      return exact(rho, bandwidthBlock(inst, rho).bandwidth);
    }
    case 'uniform-prune':
      return exact(uniformPruning(inst), equalSplit(inst));
    case 'uniform-prune-bandwidth': {
      const rho = uniformPruning(inst);
      return exact(rho, bandwidthBlock(inst, rho).bandwidth);
    }
    case 'prune-only': {
      const b = equalSplit(inst);
      const { U, V } = pruningCoefficients(inst, b);
      return exact(pruningBlock(inst, U, V).pruning, b);
    }
    case 'bcd':
      return bcd(inst, tolerance, maxIterations);
    case 'optimal':
      return optimalPoint(inst, tolerance, maxIterations);
  }
}

/**
 * Block coordinate descent (MODEL.md section 4): from b = B/K, rho = 0, alternate
 * block A (pruning) and block B (bandwidth) until T falls by less than `tolerance`
 * (relative); returns the best iterate.
 */
function bcd(inst: Instance, tolerance: number, maxIterations: number): Point {
  const K = inst.K;
  const rho = new Float64Array(K);
  const b = equalSplit(inst);
  const U = new Float64Array(K);
  const V = new Float64Array(K);
  const best = { pruning: Float64Array.from(rho), bandwidth: Float64Array.from(b) };
  let bestT = roundLatency(inst, rho, b);
  let previous = bestT;
  let status: Status = 'iteration-limit';
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    pruningCoefficients(inst, b, U, V);
    // Block A's point (rho, b) is a feasible start for block B, which never returns
    // anything worse.
    pruningBlock(inst, U, V, rho);
    const T = bandwidthBlock(inst, rho, b, true).latency;
    if (T < bestT) {
      bestT = T;
      best.pruning.set(rho);
      best.bandwidth.set(b);
    }
    if (previous - T <= tolerance * previous) {
      status = 'converged';
      break;
    }
    previous = T;
  }
  return { ...best, iterations, status };
}

/** A start point of `optimal`: that method's point and round latency, from `earlier` when there. */
function startPoint(inst: Instance, method: MethodId, tolerance: number, maxIterations: number, earlier: readonly SolveResult[]) {
  const done = earlier.find((s) => s.method === method);
  if (done) return { pruning: done.pruning, bandwidth: done.bandwidth, latency: done.latency };
  const p = run(inst, method, tolerance, maxIterations);
  return { pruning: p.pruning, bandwidth: p.bandwidth, latency: roundLatency(inst, p.pruning, p.bandwidth) };
}

function optimalPoint(inst: Instance, tolerance: number, maxIterations: number, earlier: readonly SolveResult[] = []): Point {
  // Open the bracket at the better of two cheap feasible points. When pruning changes no
  // latency (phi_c = phi_s = 0), uniform pruning would only add pruning for nothing: its
  // latency is bandwidth-only's, and so is the optimum.
  const uniform = inst.phiC > 0 || inst.phiS > 0 ? 'uniform-prune-bandwidth' : 'bandwidth-only';
  let start = startPoint(inst, 'prune-only', tolerance, maxIterations, earlier);
  const other = startPoint(inst, uniform, tolerance, maxIterations, earlier);
  if (other.latency < start.latency) start = other;
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
