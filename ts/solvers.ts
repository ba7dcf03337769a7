/**
 * The Solver interface over each backend, shared by the Node facade (ts/facade.ts) and the
 * browser entry (ts/browser.ts). Nothing here imports a Node built-in: loading a backend
 * is the entries' business; this module only adapts a loaded core (or the reference).
 */
import { type ErrorCode, JcpbaError } from './core/error.js';
import { type MethodId, type SolveOptions, type SolveResult, checkOptions, solve as solveTs } from './core/methods.js';
import { type OptionalField, type Problem, type ProblemInput, CLIENT_FIELDS, OPTIONAL_DEFAULT, OPTIONAL_FIELDS, toProblemShape } from './core/problem.js';
import { type MinPruningOptions, type MinPruningResult, checkMinPruningOptions, minPruning as minPruningTs } from './core/deadline.js';
import { type PlanOptions, type PlanResult, checkPlanOptions, plan as planTs } from './core/plan.js';
import { WASM_CLIENT_LIMIT } from '../bindings/limits.js';
import type { CoreBackend, CoreSolution } from '../bindings/types.js';

/** The backends, fastest first: `auto` tries them in this order. */
export const BACKENDS = ['native', 'wasm', 'ts'] as const;

/**
 * The instruction set a compiled core's kernels run on: `avx512f` or `avx2+fma` (the native
 * addon, picked at run time on x86-64), `simd128` (WASM with SIMD), `scalar` (neither, or
 * JCPBA_SIMD=off).
 */
export type Kernels = 'avx512f' | 'avx2+fma' | 'simd128' | 'scalar';
/** A backend: `native` (the N-API addon), `wasm` (the WebAssembly core) or `ts` (the TypeScript reference). */
export type BackendName = (typeof BACKENDS)[number];

/**
 * A loaded backend with the package's entry points; every backend returns the same
 * results (within 1e-9) and throws the same JcpbaError messages. Made by `createSolver`.
 */
export interface Solver {
  /** The backend that runs. */
  readonly backend: BackendName;
  /**
   * Why `auto` skipped each faster backend (empty when forced or when the first loaded),
   * and, for `wasm`, why the module with SIMD was passed over for the one without.
   */
  readonly skipped: {
    /** The backend passed over. */
    backend: BackendName;
    /** Why, in one line (the load error). */
    reason: string;
  }[];
  /**
   * The instruction set of the compiled core's kernels (`avx512f`, `avx2+fma`, `simd128`
   * or `scalar`); undefined on `ts`.
   */
  readonly kernels?: Kernels;
  /**
   * Solves one round's problem with one method (default `optimal`): the pruning
   * fractions and bandwidths (Hz) that minimize the round latency T (s) under the
   * pruning budget, or an infeasible result. Throws JcpbaError on bad input.
   */
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
  /**
   * The compiled core, for batch entry points beyond solve (undefined on `ts`); its layout
   * is docs/CORE_API.md's, not a stable API.
   * @internal
   */
  readonly core?: CoreBackend;
}

/**
 * The most clients one call may hold, per backend (README "Limits", docs/CORE_API.md
 * "Client limits"), checked from the input's lengths alone, before anything is copied or
 * allocated:
 * - `wasm`: 4,000,000 in all (bindings/limits.ts, the number the binding checks too; a
 *   batch's problems together: they sit in the module's 4 GiB linear memory at once).
 *   Deadline mode with every optional column, the heaviest call, peaks at 2.47 GiB there
 *   at the limit (measured: about 660 bytes per client).
 * - `ts`: 2^32 - 1 per problem, the longest JavaScript array (memory runs out first).
 * - `native`: 2^32 - 1 in all, the width of the boundary's client offsets (memory runs out
 *   long before: about 440 bytes per client for `optimal`).
 */
export const CLIENT_LIMITS: Readonly<Record<BackendName, number>> = { native: 2 ** 32 - 1, wasm: WASM_CLIENT_LIMIT, ts: 2 ** 32 - 1 };

/** Why each backend has its limit, for the error message. */
const LIMIT_REASON: Readonly<Record<BackendName, string>> = {
  native: 'the width of its client offsets',
  wasm: 'its 4 GiB linear memory',
  ts: 'the longest JavaScript array',
};

const lengthOf = (v: unknown): number =>
  (Array.isArray(v) || ArrayBuffer.isView(v)) && typeof (v as { length?: unknown }).length === 'number' ? (v as { length: number }).length : 0;

/**
 * The number of clients a problem input holds, read from lengths only (row form:
 * `clients.length`; column forms: the longest column), 0 for what is not a problem (its
 * shape check then names the defect).
 */
export function clientCount(input: unknown): number {
  if (typeof input !== 'object' || input === null) return 0;
  const o = input as Record<string, unknown>;
  const clients = o.clients;
  if (Array.isArray(clients)) return clients.length;
  const columns = typeof clients === 'object' && clients !== null ? (clients as Record<string, unknown>) : o;
  let n = 0;
  for (const f of [...CLIENT_FIELDS, ...OPTIONAL_FIELDS]) n = Math.max(n, lengthOf(Object.prototype.hasOwnProperty.call(columns, f) ? columns[f] : undefined));
  return n;
}

/**
 * Refuses a call with more clients than `backend` can hold (CLIENT_LIMITS): a problem on
 * its own, or (`batch`) the problems of a batch together, as the compiled cores receive it.
 */
export function checkClientLimit(backend: BackendName, problems: readonly unknown[], batch: boolean): void {
  const limit = CLIENT_LIMITS[backend];
  const advice = backend === 'native' ? 'split the problem' : 'use the native backend or split the problem';
  let total = 0;
  problems.forEach((p, i) => {
    const n = clientCount(p);
    const at = batch ? `problems[${i}]: ` : '';
    if (n > limit) {
      throw new JcpbaError('invalid-input', `${at}clients: ${n} clients, more than the ${backend} backend's limit of ${limit} per call (${LIMIT_REASON[backend]}); ${advice}`, 'clients');
    }
    total += n;
  });
  if (batch && backend !== 'ts' && total > limit) {
    throw new JcpbaError(
      'invalid-input',
      `problems: the batch holds ${total} clients in all, more than the ${backend} backend's limit of ${limit} per call (${LIMIT_REASON[backend]}); solve it in smaller batches`,
      'clients',
    );
  }
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
    solve: (problem, options) => {
      checkClientLimit('ts', [problem], false);
      return solveTs(problem, options);
    },
    solveMany: (problems, options) => {
      checkBatch(problems);
      checkClientLimit('ts', problems, true);
      return problems.map((p, i) => {
        try {
          return solveTs(p, options);
        } catch (e) {
          throw inBatch(e, i);
        }
      });
    },
    minPruning: (problem, options) => {
      checkClientLimit('ts', [problem], false);
      return minPruningTs(problem, options);
    },
    plan: (problems, options) => {
      if (Array.isArray(problems)) checkClientLimit('ts', problems, true);
      return planTs(problems, options);
    },
  };
}

/** A core's result as the reference builds it (the same keys, in the same order). */
function fromCore(r: CoreSolution): SolveResult {
  return { ...r, method: r.method as MethodId } as SolveResult;
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
const NONE = new Float64Array(0);
/** An optional column as it crosses the boundary: empty when absent (the default). */
const optionalOf = (p: Problem, f: OptionalField) => p[f] ?? NONE;
/** The ten client columns of a problem in the boundary order (COLUMN_NAMES). */
const columnsOf = (p: Problem): Float64Array[] => [...CLIENT_FIELDS.map((f) => p[f]), ...OPTIONAL_FIELDS.map((f) => optionalOf(p, f))];

/**
 * Many problems in the batch layout of the compiled cores (bindings/types.ts `solveMany`):
 * shapes are parsed here (errors name `problems[i]`), values are checked by the core.
 */
function packBatch(problems: readonly unknown[]): { scalars: Float64Array; offsets: Uint32Array; columns: Float64Array[] } {
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
  // One column per optional field for the batch, the field's default for problems
  // without it; none at all when no problem gives it.
  const optional = OPTIONAL_FIELDS.map((f) =>
    shaped.some((p) => optionalOf(p, f).length > 0) ? new Float64Array(total).fill(OPTIONAL_DEFAULT[f]) : NONE,
  );
  shaped.forEach((p, i) => {
    scalars.set(scalarsOf(p), SCALARS * i);
    // A mismatched column is caught by the core for a single problem; in a batch the
    // offsets come from computeSeconds, so check the others here with the same words.
    const mismatch = (name: string, n: number) =>
      new JcpbaError(
        'invalid-input',
        `problems[${i}]: clients.${name} has ${n} entries but clients.computeSeconds has ${p.computeSeconds.length}`,
        `clients.${name}`,
      );
    CLIENT_FIELDS.forEach((name, j) => {
      if (p[name].length !== p.computeSeconds.length) throw mismatch(name, p[name].length);
      cols[j].set(p[name], offsets[i]);
    });
    OPTIONAL_FIELDS.forEach((name, j) => {
      const col = optionalOf(p, name);
      if (col.length === 0) return;
      if (col.length !== p.computeSeconds.length) throw mismatch(name, col.length);
      optional[j].set(col, offsets[i]);
    });
  });
  return { scalars, offsets, columns: [...cols, ...optional] };
}

/**
 * The numbers of a plan that JSON writes as null, back as the reference has them: an
 * infeasible plan's (energy caps, MODEL.md 11.2) times, energies and price are infinite,
 * its mean pruning NaN.
 */
const INFINITE_IN_PLANS = new Set(['price', 'fineTuningSeconds', 'fineTuningJoules', 'meanRoundLatency', 'meanRoundEnergy', 'lowerBound', 'upperBound']);
function planNumber(key: string, value: unknown): unknown {
  if (value !== null) return value;
  if (INFINITE_IN_PLANS.has(key)) return Infinity;
  return key === 'meanPruning' ? NaN : value;
}

/** A solver over a compiled core: the facade only reshapes; the core validates and solves. */
export function coreSolver(backend: BackendName, core: CoreBackend, skipped: Solver['skipped']): Solver {
  const solve = (problem: unknown, options?: SolveOptions): SolveResult => {
    try {
      const { method, tolerance, maxIterations } = checkOptions(options);
      checkClientLimit(backend, [problem], false);
      const p = toProblemShape(problem);
      const c = columnsOf(p);
      return fromCore(core.solve(scalarsOf(p), c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], method, tolerance, maxIterations));
    } catch (e) {
      throw asJcpbaError(e);
    }
  };
  const solveMany = (problems: readonly unknown[], options?: SolveOptions): SolveResult[] => {
    try {
      checkBatch(problems);
      const { method, tolerance, maxIterations } = checkOptions(options);
      checkClientLimit(backend, problems, true);
      const b = packBatch(problems);
      const c = b.columns;
      return core
        .solveMany(b.scalars, b.offsets, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], method, tolerance, maxIterations)
        .map(fromCore);
    } catch (e) {
      throw asJcpbaError(e);
    }
  };
  const minPruning = (problem: unknown, options: MinPruningOptions): MinPruningResult => {
    try {
      const { deadline, tolerance, maxIterations } = checkMinPruningOptions(options);
      checkClientLimit(backend, [problem], false);
      const p = toProblemShape(problem, { requireBudget: false });
      const c = columnsOf(p);
      return core.minPruning(scalarsOf(p), c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], deadline, tolerance, maxIterations) as MinPruningResult;
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
      checkClientLimit(backend, problems, true);
      const b = packBatch(problems);
      const c = b.columns;
      const json = core.plan(
        b.scalars,
        b.offsets,
        c[0],
        c[1],
        c[2],
        c[3],
        c[4],
        c[5],
        c[6],
        c[7],
        c[8],
        c[9],
        o.method,
        o.policy,
        o.rounds0,
        o.pruningLimit,
        o.tolerance,
        o.maxIterations,
        o.convergenceExponent,
      );
      return (JSON.parse(json, planNumber) as PlanResult[]).map((p) => (p.policy === 'adaptive' ? { ...p, budgets: Float64Array.from(p.budgets) } : p));
    } catch (e) {
      throw asJcpbaError(e);
    }
  };
  const simdSkipped = (core as { simdSkipped?: string }).simdSkipped;
  const all = simdSkipped === undefined ? skipped : [...skipped, { backend, reason: simdSkipped }];
  const kernels = typeof core.kernels === 'function' ? (core.kernels() as Kernels) : undefined;
  return { backend, skipped: all, kernels, solve, solveMany, minPruning, plan, core };
}

