/**
 * The Solver interface over each backend, shared by the Node facade (ts/facade.ts) and the
 * browser entry (ts/browser.ts). Nothing here imports a Node built-in: loading a backend
 * is the entries' business; this module only adapts a loaded core (or the reference).
 */
import { type ErrorCode, JcpbaError } from './core/error.js';
import { type MethodId, type SolveOptions, type SolveResult, type Status, checkOptions, solve as solveTs } from './core/methods.js';
import { type Problem, type ProblemInput, CLIENT_FIELDS, toProblemShape } from './core/problem.js';
import { type MinPruningOptions, type MinPruningResult, checkMinPruningOptions, minPruning as minPruningTs } from './core/deadline.js';
import { type PlanOptions, type PlanResult, checkPlanOptions, plan as planTs } from './core/plan.js';
import type { CoreBackend, CoreSolution } from '../bindings/types.js';

export const BACKENDS = ['native', 'wasm', 'ts'] as const;

/**
 * The instruction set a compiled core's kernels run on: `avx512f` or `avx2+fma` (the native
 * addon, picked at run time on x86-64), `simd128` (WASM with SIMD), `scalar` (neither, or
 * JCPBA_SIMD=off).
 */
export type Kernels = 'avx512f' | 'avx2+fma' | 'simd128' | 'scalar';
export type BackendName = (typeof BACKENDS)[number];

export interface Solver {
  /** The backend that runs. */
  readonly backend: BackendName;
  /**
   * Why `auto` skipped each faster backend (empty when forced or when the first loaded),
   * and, for `wasm`, why the module with SIMD was passed over for the one without.
   */
  readonly skipped: { backend: BackendName; reason: string }[];
  /**
   * The instruction set of the compiled core's kernels (`avx512f`, `avx2+fma`, `simd128`
   * or `scalar`); undefined on `ts`.
   */
  readonly kernels?: Kernels;
  solve(problem: ProblemInput | Problem, options?: SolveOptions): SolveResult;
  /** Many problems in one crossing of the boundary; errors name `problems[i]`. */
  solveMany(problems: readonly (ProblemInput | Problem)[], options?: SolveOptions): SolveResult[];
  /**
   * Deadline mode (docs/MODEL.md section 9): the least weighted pruning that meets
   * `options.deadline` seconds, with a certified bracket; `pruningBudget` may be absent.
   */
  minPruning(problem: ProblemInput | Problem, options: MinPruningOptions): MinPruningResult;
  /**
   * Fine-tuning time to a target loss (MODEL.md section 10): `problems` are the fading
   * realizations of one drop; one plan per policy (`both`: static, then adaptive).
   */
  plan(problems: readonly (ProblemInput | Problem)[], options: PlanOptions): PlanResult[];
  /** The compiled core, for batch entry points beyond solve (undefined on `ts`). */
  readonly core?: CoreBackend;
}

/** Prefixes an error about one problem of a batch with `problems[i]: `. */
export function inBatch(e: unknown, i: number): unknown {
  if (!(e instanceof JcpbaError)) return e;
  return new JcpbaError(e.code, `problems[${i}]: ${e.message}`, e.field, e.client);
}

/** solveMany takes an array of problems: anything else is a clear error, not a TypeError. */
export function checkBatch(problems: unknown): asserts problems is unknown[] {
  if (!Array.isArray(problems)) {
    const got = problems === null ? 'null' : typeof problems === 'object' ? 'an object' : typeof problems;
    throw new JcpbaError('invalid-input', `problems must be an array of problems (got ${got})`, 'problems');
  }
}

/** Re-throws a backend's plain Error as the JcpbaError the reference would throw. */
export function asJcpbaError(e: unknown): unknown {
  if (e instanceof JcpbaError || !(e instanceof Error)) return e;
  const { code, field, client } = e as Error & { code?: string; field?: string; client?: number };
  if (typeof code !== 'string') return e;
  return new JcpbaError(code as ErrorCode, e.message, field, client);
}

export function tsSolver(skipped: Solver['skipped']): Solver {
  return {
    backend: 'ts',
    skipped,
    solve: (problem, options) => solveTs(problem, options),
    solveMany: (problems, options) => {
      checkBatch(problems);
      return problems.map((p, i) => {
        try {
          return solveTs(p, options);
        } catch (e) {
          throw inBatch(e, i);
        }
      });
    },
    minPruning: (problem, options) => minPruningTs(problem, options),
    plan: (problems, options) => planTs(problems, options),
  };
}

function fromCore(r: CoreSolution): SolveResult {
  const out: SolveResult = {
    method: r.method as MethodId,
    latency: r.latency,
    pruning: r.pruning,
    bandwidth: r.bandwidth,
    clientLatency: r.clientLatency,
    iterations: r.iterations,
    status: r.status as Status,
  };
  if (r.lowerBound !== undefined) {
    out.lowerBound = r.lowerBound;
    out.upperBound = r.upperBound;
  }
  return out;
}

/** The SCALAR_COUNT scalars of the boundary layout (docs/CORE_API.md); absent fractions are 1. */
const SCALARS = 6;
const scalarsOf = (p: Problem) =>
  new Float64Array([
    p.bandwidthHz,
    p.noisePsdWPerHz,
    p.payloadBits,
    p.pruningBudget,
    p.prunableComputeFraction ?? 1,
    p.prunablePayloadFraction ?? 1,
  ]);
const NO_FIXED_SECONDS = new Float64Array(0);
const fixedSecondsOf = (p: Problem) => p.fixedSeconds ?? NO_FIXED_SECONDS;

/**
 * Many problems in the batch layout of the compiled cores (bindings/types.ts `solveMany`):
 * shapes are parsed here (errors name `problems[i]`), values are checked by the core.
 */
function packBatch(problems: readonly unknown[]): {
  scalars: Float64Array;
  offsets: Uint32Array;
  columns: [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  fixed: Float64Array;
} {
  const shaped = problems.map((p, i) => {
    try {
      return toProblemShape(p);
    } catch (e) {
      throw inBatch(e, i);
    }
  });
  const offsets = new Uint32Array(shaped.length + 1);
  for (let i = 0; i < shaped.length; i++) offsets[i + 1] = offsets[i] + shaped[i].computeSeconds.length;
  const total = offsets[shaped.length];
  const scalars = new Float64Array(SCALARS * shaped.length);
  const cols = CLIENT_FIELDS.map(() => new Float64Array(total));
  // One fixedSeconds column for the batch, zeros for problems without one; none at all
  // when no problem has fixed times.
  const anyFixed = shaped.some((p) => fixedSecondsOf(p).length > 0);
  const fixed = anyFixed ? new Float64Array(total) : NO_FIXED_SECONDS;
  shaped.forEach((p, i) => {
    scalars.set(scalarsOf(p), SCALARS * i);
    CLIENT_FIELDS.forEach((name, j) => {
      // A mismatched column is caught by the core for a single problem; in a batch the
      // offsets come from computeSeconds, so check the others here with the same words.
      if (p[name].length !== p.computeSeconds.length) {
        throw new JcpbaError(
          'invalid-input',
          `problems[${i}]: clients.${name} has ${p[name].length} entries but clients.computeSeconds has ${p.computeSeconds.length}`,
          `clients.${name}`,
        );
      }
      cols[j].set(p[name], offsets[i]);
    });
    const t0 = fixedSecondsOf(p);
    if (t0.length > 0) {
      if (t0.length !== p.computeSeconds.length) {
        throw new JcpbaError(
          'invalid-input',
          `problems[${i}]: clients.fixedSeconds has ${t0.length} entries but clients.computeSeconds has ${p.computeSeconds.length}`,
          'clients.fixedSeconds',
        );
      }
      fixed.set(t0, offsets[i]);
    }
  });
  return { scalars, offsets, columns: cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array], fixed };
}

/** A solver over a compiled core: the facade only reshapes; the core validates and solves. */
export function coreSolver(backend: BackendName, core: CoreBackend, skipped: Solver['skipped']): Solver {
  const solve = (problem: unknown, options?: SolveOptions): SolveResult => {
    try {
      const { method, tolerance, maxIterations } = checkOptions(options);
      const p = toProblemShape(problem);
      return fromCore(
        core.solve(
          scalarsOf(p),
          p.computeSeconds,
          p.txPowerW,
          p.channelGain,
          p.dataWeight,
          p.maxPruning,
          fixedSecondsOf(p),
          method,
          tolerance,
          maxIterations,
        ),
      );
    } catch (e) {
      throw asJcpbaError(e);
    }
  };
  const solveMany = (problems: readonly unknown[], options?: SolveOptions): SolveResult[] => {
    try {
      checkBatch(problems);
      const { method, tolerance, maxIterations } = checkOptions(options);
      const b = packBatch(problems);
      return core.solveMany(b.scalars, b.offsets, ...b.columns, b.fixed, method, tolerance, maxIterations).map(fromCore);
    } catch (e) {
      throw asJcpbaError(e);
    }
  };
  const minPruning = (problem: unknown, options: MinPruningOptions): MinPruningResult => {
    try {
      const { deadline, tolerance, maxIterations } = checkMinPruningOptions(options);
      const p = toProblemShape(problem, { requireBudget: false });
      // The core's result has the same shape: the point and bounds when feasible, null and
      // minDeadline when not (docs/CORE_API.md), so it is the union as it comes.
      return core.minPruning(
        scalarsOf(p),
        p.computeSeconds,
        p.txPowerW,
        p.channelGain,
        p.dataWeight,
        p.maxPruning,
        fixedSecondsOf(p),
        deadline,
        tolerance,
        maxIterations,
      ) as MinPruningResult;
    } catch (e) {
      throw asJcpbaError(e);
    }
  };
  const plan = (problems: readonly unknown[], options: PlanOptions): PlanResult[] => {
    try {
      const o = checkPlanOptions(options);
      if (!Array.isArray(problems)) {
        throw new JcpbaError('invalid-input', 'problems must be an array of problems (the fading realizations of one drop)', 'problems');
      }
      const b = packBatch(problems);
      const json = core.plan(b.scalars, b.offsets, ...b.columns, b.fixed, o.method, o.policy, o.rounds0, o.pruningLimit, o.tolerance, o.maxIterations, o.convergenceExponent);
      return (JSON.parse(json) as PlanResult[]).map((p) => (p.policy === 'adaptive' ? { ...p, budgets: Float64Array.from(p.budgets) } : p));
    } catch (e) {
      throw asJcpbaError(e);
    }
  };
  const simdSkipped = (core as { simdSkipped?: string }).simdSkipped;
  const all = simdSkipped === undefined ? skipped : [...skipped, { backend, reason: simdSkipped }];
  const kernels = typeof core.kernels === 'function' ? (core.kernels() as Kernels) : undefined;
  return { backend, skipped: all, kernels, solve, solveMany, minPruning, plan, core };
}

