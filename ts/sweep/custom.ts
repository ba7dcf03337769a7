/**
 * A user's own methods in a sweep: `{ id, version, solve(problem) => { pruning, bandwidth } }`
 * next to the built-in ids. jcpba draws the same problems as for the built-in methods,
 * checks every point a method returns (finite, feasible), computes its latency with the
 * reference's latency function (round model v2 included) and folds it into the same
 * summaries, so a custom method is a method like the others in every statistic, file,
 * figure, resume and shard. Its id and version join the sweep's identity.
 *
 * Custom methods run in JavaScript on the main thread (inline), after each batch of
 * built-in units; see README "Use it from code" for methods that need workers.
 */
import { accounting } from '../core/accounting.js';
import { roundLatency } from '../core/bandwidth.js';
import { meetsCap } from '../core/energy.js';
import { JcpbaError } from '../core/error.js';
import { METHODS, type MethodId } from '../core/methods.js';
import { BLOCK_TRIALS, type MethodSummary, type UnitSpec, addGap, addNoPoint, addRound, emptySummary, welford } from '../core/montecarlo.js';
import { type Instance, type Problem, capAt, instance, rminAt } from '../core/problem.js';
import { rate } from '../core/rate.js';
import { weighted } from '../core/pruning.js';
import { type ScenarioOptions, type ScenarioParams, generateFromParams } from '../core/scenario.js';

/** What a custom method returns for one problem: a point, per client (K entries each). */
export interface CustomPoint {
  /** rho_k in [0, rmax_k], with sum_k w_k rho_k <= the budget (w normalized to sum 1). */
  pruning: ArrayLike<number>;
  /** b_k > 0, Hz, with sum_k b_k <= B. */
  bandwidth: ArrayLike<number>;
  /** Counted in the `iterations` statistic; default 1. */
  iterations?: number;
  /** `iteration-limit` counts in the `iterationLimited` statistic; default `converged`. */
  status?: 'converged' | 'iteration-limit';
}

/** A user's method: a unique id (not a built-in one), a version, and a solve function. */
export interface CustomMethod {
  /** Letters, digits, `.`, `_` and `-`; not a built-in id. Names the method in every file. */
  id: string;
  /** Changing it makes a different sweep (resume and merge refuse to mix versions). */
  version: string;
  /** Called with each round's problem (a copy the method may keep or change); synchronous. `null`: no point (the problem's energy caps or minimum pruning cannot be met under the method's rule), counted in `infeasibleShare`. */
  solve: (problem: Problem) => CustomPoint | null;
}

/** A method of a sweep as the caller gives it: a built-in id or a custom method. */
export type SweepMethod = MethodId | CustomMethod;

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Checks the custom methods given in `methods`; returns them by id (none: an empty map). */
export function customMethods(methods: readonly unknown[]): Map<string, CustomMethod> {
  const out = new Map<string, CustomMethod>();
  const ids = new Set<string>();
  methods.forEach((m, i) => {
    if (typeof m === 'string') {
      if (ids.has(m)) throw new JcpbaError('invalid-option', `methods lists ${JSON.stringify(m)} twice`, 'methods');
      ids.add(m);
      return;
    }
    const where = `methods[${i}]`;
    if (typeof m !== 'object' || m === null) throw new JcpbaError('invalid-option', `${where} must be a method id or { id, version, solve }`, 'methods');
    const c = m as Partial<CustomMethod>;
    if (typeof c.id !== 'string' || !ID.test(c.id)) {
      throw new JcpbaError('invalid-option', `${where}.id must be 1 to 64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(c.id)})`, 'methods');
    }
    if ((METHODS as readonly string[]).includes(c.id)) {
      throw new JcpbaError('invalid-option', `${where}.id ${JSON.stringify(c.id)} is a built-in method; give your method its own id`, 'methods');
    }
    if (ids.has(c.id)) throw new JcpbaError('invalid-option', `methods lists ${JSON.stringify(c.id)} twice`, 'methods');
    if (typeof c.version !== 'string' || c.version === '') {
      throw new JcpbaError('invalid-option', `${where}.version (method ${JSON.stringify(c.id)}) must be a non-empty string`, 'methods');
    }
    if (typeof c.solve !== 'function') throw new JcpbaError('invalid-option', `${where}.solve (method ${JSON.stringify(c.id)}) must be a function`, 'methods');
    ids.add(c.id);
    out.set(c.id, c as CustomMethod);
  });
  return out;
}

/** A copy of the problem for the user's method (it may change it without harm). */
function copyProblem(p: Problem): Problem {
  const copy: Problem = {
    ...p,
    computeSeconds: p.computeSeconds.slice(),
    txPowerW: p.txPowerW.slice(),
    channelGain: p.channelGain.slice(),
    dataWeight: p.dataWeight.slice(),
    maxPruning: p.maxPruning.slice(),
  };
  if (p.fixedSeconds !== undefined) copy.fixedSeconds = p.fixedSeconds.slice();
  for (const k of ['minPruning', 'computePowerW', 'fixedJoules', 'energyCapJ'] as const) {
    const column = p[k];
    if (column !== undefined) copy[k] = column.slice();
  }
  return copy;
}

/** Where a point came from, for errors: method, grid point, drop, realization. */
export interface Place {
  method: { id: string; version?: string };
  grid: number;
  point: Partial<ScenarioOptions>;
  drop: number;
  realization: number;
}

export function placeError(at: Place, why: string, client?: number): JcpbaError {
  return new JcpbaError(
    'invalid-input',
    `${at.method.version === undefined ? 'method' : 'custom method'} ${JSON.stringify(at.method.id)}${at.method.version === undefined ? '' : ` (version ${at.method.version})`} at grid point ${at.grid} ${JSON.stringify(at.point)}, drop ${at.drop}, realization ${at.realization}: ${why}`,
    'methods',
    client,
  );
}

/**
 * Checks a returned point (MODEL.md section 2's constraints, with the tolerances the
 * built-in methods meet): K finite entries each; rmin_k <= rho_k <= rmax_k; b_k > 0;
 * sum b <= B (1 + 1e-12); sum w rho <= budget + 1e-12; every upload time S / r_k(b_k)
 * a positive finite double. Returns the point as arrays (the unit checks the energy caps
 * with the point's accounting).
 */
export function checkPoint(inst: Instance, r: unknown, at: Place): { pruning: Float64Array; bandwidth: Float64Array; iterations: number; limited: boolean } {
  if (typeof r !== 'object' || r === null) throw placeError(at, `solve returned ${r === null ? 'null' : typeof r}, expected { pruning, bandwidth }`);
  if (typeof (r as { then?: unknown }).then === 'function') throw placeError(at, 'solve returned a Promise; it must return { pruning, bandwidth } synchronously');
  const point = r as Partial<CustomPoint>;
  const vector = (name: 'pruning' | 'bandwidth'): Float64Array => {
    const v = point[name];
    if (v === undefined || v === null || typeof (v as ArrayLike<number>).length !== 'number') throw placeError(at, `${name} is missing (expected an array of ${inst.K} numbers)`);
    if (v.length !== inst.K) throw placeError(at, `${name} has ${v.length} entries, expected one per client (${inst.K})`);
    const out = new Float64Array(inst.K);
    for (let k = 0; k < inst.K; k++) {
      const x = v[k];
      if (typeof x !== 'number' || !Number.isFinite(x)) throw placeError(at, `${name}[${k}] is ${JSON.stringify(x) ?? String(x)}, not a finite number`, k);
      out[k] = x;
    }
    return out;
  };
  const pruning = vector('pruning');
  const bandwidth = vector('bandwidth');
  let sumB = 0;
  for (let k = 0; k < inst.K; k++) {
    if (pruning[k] < 0 || pruning[k] > inst.rmax[k]) throw placeError(at, `pruning[${k}] = ${pruning[k]} is outside [0, maxPruning = ${inst.rmax[k]}]`, k);
    if (pruning[k] < rminAt(inst, k)) throw placeError(at, `pruning[${k}] = ${pruning[k]} is below minPruning = ${rminAt(inst, k)} (the least pruning client ${k}'s memory allows)`, k);
    if (!(bandwidth[k] > 0)) throw placeError(at, `bandwidth[${k}] = ${bandwidth[k]} Hz is not positive: client ${k} would never upload its update`, k);
    sumB += bandwidth[k];
  }
  if (sumB > inst.B * (1 + 1e-12)) throw placeError(at, `the bandwidth sums to ${sumB} Hz, more than B = ${inst.B} Hz`);
  const used = weighted(inst.w, pruning);
  if (used > inst.budget + 1e-12) throw placeError(at, `the weighted pruning sum_k w_k rho_k = ${used} is more than the budget ${inst.budget}`);
  // The point is scored in doubles (MODEL.md section 2.1): a bandwidth so small that a_k / b_k
  // overflows makes the computed rate Infinity and the upload take 0 s, and an upload time
  // beyond the largest double is Infinity. Neither is the point's latency: refuse it.
  for (let k = 0; k < inst.K; k++) {
    const upload = inst.S / rate(inst.a[k], bandwidth[k]);
    if (!(upload > 0 && upload < Infinity)) {
      throw placeError(
        at,
        `bandwidth[${k}] = ${bandwidth[k]} Hz is below the representable range: client ${k}'s upload time S / r(b) ${upload > 0 ? 'overflows a double' : `is computed as ${upload} s (a_k / b_k = ${inst.a[k]} / ${bandwidth[k]} overflows)`}; give client ${k} more bandwidth`,
        k,
      );
    }
  }
  let iterations = 1;
  if (point.iterations !== undefined) {
    if (!(Number.isInteger(point.iterations) && point.iterations >= 0)) throw placeError(at, `iterations must be a non-negative integer (got ${JSON.stringify(point.iterations)})`);
    iterations = point.iterations;
  }
  if (point.status !== undefined && point.status !== 'converged' && point.status !== 'iteration-limit') {
    throw placeError(at, `status must be converged or iteration-limit (got ${JSON.stringify(point.status)})`);
  }
  return { pruning, bandwidth, iterations, limited: point.status === 'iteration-limit' };
}

/**
 * The longest round a custom point may take, s. A sweep's statistics square sums of up to
 * 2^32 rounds' latencies over up to 2^32 trials (variances), so (2^32 x 1e120)^2 x 2^32
 * ~ 1e270 stays a double; a longer round would make them Infinity or NaN. The built-in
 * methods stay far below on every problem of the representable range (MODEL.md section
 * 2.1: compute, fixed and upload times are each at most about 1e100 s there).
 */
export const LATENCY_LIMIT = 1e120;

/** What a unit folds of one method's round: its point's latency, pruning and energy, or no point (status infeasible). */
export type UnitRound = { latency: number; pruning: Float64Array; iterations: number; limited: boolean; energyTotal: number; energyMax: number } | null;

/** A method as a unit runs it: one round's problem in, the point's latency and statistics out (null: no point). */
export interface UnitMethod {
  id: string;
  /** Custom methods only: named in errors. */
  version?: string;
  run(problem: Problem, inst: Instance, at: Place): UnitRound;
}

/** A custom method: its point checked, its latency from the reference's latency function. */
export function customUnitMethod(method: CustomMethod): UnitMethod {
  return {
    id: method.id,
    version: method.version,
    run(problem, inst, at) {
      let returned: unknown;
      try {
        returned = method.solve(copyProblem(problem));
      } catch (e) {
        throw placeError(at, `solve threw: ${e instanceof Error ? e.message : String(e)}`);
      }
      // No point, as a built-in method's infeasible result (MODEL.md 11.2).
      if (returned === null) return null;
      const r = checkPoint(inst, returned, at);
      const tau = new Float64Array(inst.K);
      const latency = roundLatency(inst, r.pruning, r.bandwidth, tau);
      if (!(latency > 0 && latency <= LATENCY_LIMIT)) {
        const k = tau.findIndex((t) => !(t > 0 && t <= LATENCY_LIMIT));
        throw placeError(
          at,
          `the round latency of the point is ${latency} s${k >= 0 ? ` (client ${k}: ${tau[k]} s)` : ''}; expected a positive latency of at most ${LATENCY_LIMIT} s, the most a sweep's statistics hold`,
          k >= 0 ? k : undefined,
        );
      }
      // MODEL.md 11.1: what the point costs, as every built-in result reports it; every
      // cap met to CAP_SLACK, as a built-in method's point meets it.
      const cost = accounting(inst, r.pruning, r.bandwidth);
      for (let k = 0; k < inst.K; k++) {
        if (!meetsCap(inst, k, cost.energy[k])) {
          throw placeError(at, `client ${k} spends ${cost.energy[k]} J, more than its energyCapJ = ${capAt(inst, k)} J (return null when the caps cannot be met)`, k);
        }
      }
      return { latency, pruning: r.pruning, iterations: r.iterations, limited: r.limited, energyTotal: cost.energyTotal, energyMax: cost.energyMax };
    },
  };
}

/**
 * One unit (grid point, drop, block of trials) of the given methods, on the problems
 * `problemAt(realization)` gives: the same accumulation as the reference's runUnit
 * (core/montecarlo.ts), so a method that returns a built-in method's points gets that
 * method's numbers. The bcd-optimal gap is kept when both built-in methods are here.
 */
export function runUnitWith(
  problemAt: (realization: number) => Problem,
  point: Partial<ScenarioOptions>,
  spec: UnitSpec,
  trials: number,
  rounds: number,
  methods: UnitMethod[],
  custom: ReadonlySet<string> = new Set(),
): MethodSummary[] {
  const sums = methods.map(() => emptySummary());
  const hists = methods.map(() => new Map<number, number>());
  const iBcd = methods.findIndex((m) => m.id === 'bcd' && !custom.has('bcd'));
  const iOpt = methods.findIndex((m) => m.id === 'optimal' && !custom.has('optimal'));
  const T = new Float64Array(methods.length);
  const first = spec.block * BLOCK_TRIALS;
  const last = Math.min(first + BLOCK_TRIALS, trials);
  const ft = new Float64Array(methods.length);
  const ftOk = new Array<boolean>(methods.length);
  for (let trial = first; trial < last; trial++) {
    ft.fill(0);
    ftOk.fill(true);
    for (let round = 0; round < rounds; round++) {
      const realization = trial * rounds + round;
      const problem = problemAt(realization);
      const inst = instance(problem);
      methods.forEach((method, m) => {
        const at: Place = { method: { id: method.id, version: method.version }, grid: spec.grid, point, drop: spec.drop, realization };
        const r = method.run(problem, inst, at);
        if (r === null) {
          addNoPoint(sums[m]);
          T[m] = NaN;
          ftOk[m] = false;
          return;
        }
        T[m] = r.latency;
        ft[m] += r.latency;
        addRound(sums[m], hists[m], r.latency, weighted(inst.w, r.pruning), r.iterations, r.limited, r.energyTotal, r.energyMax);
      });
      if (iBcd >= 0 && iOpt >= 0 && !Number.isNaN(T[iBcd]) && !Number.isNaN(T[iOpt])) addGap(sums[iBcd], T[iBcd] / T[iOpt] - 1);
    }
    for (let m = 0; m < methods.length; m++) {
      if (!ftOk[m]) continue;
      const s = sums[m];
      [s.ftN, s.ftMean, s.ftM2] = welford(s.ftN, s.ftMean, s.ftM2, ft[m]);
    }
  }
  for (let m = 0; m < methods.length; m++) sums[m].hist = [...hists[m].entries()].sort((a, b) => a[0] - b[0]);
  return sums;
}

/** One unit of the custom methods on the generator's problems. */
export function runCustomUnit(
  params: ScenarioParams,
  point: Partial<ScenarioOptions>,
  spec: UnitSpec,
  trials: number,
  rounds: number,
  methods: CustomMethod[],
): MethodSummary[] {
  return runUnitWith((realization) => generateFromParams({ ...params, drop: spec.drop, realization }), point, spec, trials, rounds, methods.map(customUnitMethod));
}
