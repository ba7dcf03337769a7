/**
 * A sweep's configuration: the grid of scenarios, drops, realizations and methods, its
 * identity (what resume and merge compare), and the canonical order of its units (grid
 * point, drop, block of trials; see core/montecarlo.ts). Shard i of n takes every n-th.
 */
import { JcpbaError } from '../core/error.js';
import { VERSION } from '../version.js';
import { METHODS, type MethodId } from '../core/methods.js';
import { checkPlanOptions } from '../core/plan.js';
import { BLOCK_TRIALS, type MonteCarloOptions, type UnitSpec } from '../core/montecarlo.js';
import { type ScenarioOptions, type ScenarioParams, resolveScenario } from '../core/scenario.js';

/** Parameters a grid may sweep, in the canonical axis order, with the scenario key and unit. */
export const GRID_PARAMS: { flag: string; key: keyof ScenarioOptions; label: string }[] = [
  { flag: 'clients', key: 'clients', label: 'clients K' },
  { flag: 'bandwidth', key: 'bandwidthHz', label: 'bandwidth B (Hz)' },
  { flag: 'budget', key: 'budget', label: 'pruning budget' },
  { flag: 'max-pruning', key: 'maxPruning', label: 'max pruning rmax' },
  { flag: 'tx-power', key: 'txPowerDbm', label: 'transmit power (dBm)' },
  { flag: 'cell-radius', key: 'cellRadiusM', label: 'cell radius (m)' },
  { flag: 'model', key: 'model', label: 'model' },
  { flag: 'dataset', key: 'dataset', label: 'dataset' },
  { flag: 'fixed-seconds', key: 'fixedSeconds', label: 'fixed time per round t0 (s)' },
  { flag: 'prunable-compute', key: 'prunableComputeFraction', label: 'prunable compute fraction' },
  { flag: 'prunable-payload', key: 'prunablePayloadFraction', label: 'prunable payload fraction' },
];

export interface SweepConfig {
  /** Swept axes in canonical order: scenario key -> values (at least one value each). */
  grid: { key: keyof ScenarioOptions; values: (number | string)[] }[];
  /** Every other scenario option (fixed). */
  base: Partial<ScenarioOptions>;
  seed: number;
  drops: number;
  /** Trials per drop; each trial is `rounds` rounds, each its own realization. */
  realizations: number;
  rounds: number;
  methods: MethodId[];
  tolerance: number;
  maxIterations: number;
  /**
   * Fine-tuning to a target loss (MODEL.md section 10): R0, the rounds without pruning, and
   * Pmax (null: pruning does not slow learning). Given together; then every result row
   * gets the rounds R(mean pruning) and the fine-tuning time R x mean round latency.
   */
  rounds0?: number;
  pruningLimit?: number | null;
}

/** Checks `rounds0` and `pruningLimit` (both or neither) with the plan's rules. */
export function checkTarget(c: SweepConfig): void {
  if (c.rounds0 === undefined && c.pruningLimit === undefined) return;
  if (c.rounds0 === undefined || c.pruningLimit === undefined) {
    throw new JcpbaError('invalid-option', 'rounds0 and pruningLimit go together (--rounds0 R0 --pruning-limit PMAX|inf)', c.rounds0 === undefined ? 'rounds0' : 'pruningLimit');
  }
  checkPlanOptions({ rounds0: c.rounds0, pruningLimit: c.pruningLimit });
}

/** What identifies a sweep: resume and merge require the same identity. */
export function identity(c: SweepConfig): string {
  return JSON.stringify({ version: VERSION, blockTrials: BLOCK_TRIALS, ...c });
}

/** Grid points in canonical order (the last axis varies fastest); checks the target options first, so a sweep fails before any work. */
export function gridPoints(c: SweepConfig): Partial<ScenarioOptions>[] {
  checkTarget(c);
  let points: Partial<ScenarioOptions>[] = [{}];
  for (const axis of c.grid) {
    points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.key]: v })));
  }
  return points;
}

export function scenarioOf(c: SweepConfig, point: Partial<ScenarioOptions>): ScenarioParams {
  return resolveScenario({ ...c.base, ...point, seed: c.seed, drop: 0, realization: 0 });
}

/** Every unit in canonical order; shard i of n takes every n-th, starting at i. */
export function units(c: SweepConfig, shard?: { index: number; count: number }): UnitSpec[] {
  const blocks = Math.ceil(c.realizations / BLOCK_TRIALS);
  const out: UnitSpec[] = [];
  const points = gridPoints(c).length;
  let i = 0;
  for (let grid = 0; grid < points; grid++) {
    for (let drop = 0; drop < c.drops; drop++) {
      for (let block = 0; block < blocks; block++, i++) {
        if (!shard || i % shard.count === shard.index) out.push({ grid, drop, block });
      }
    }
  }
  return out;
}

export function monteCarloOptions(c: SweepConfig): MonteCarloOptions {
  return { methods: c.methods, trials: c.realizations, rounds: c.rounds, tolerance: c.tolerance, maxIterations: c.maxIterations };
}

/** The 21 numbers per grid point of the compiled backends' runUnits (bindings/types.ts). */
export const PARAM_ORDER: (keyof ScenarioParams)[] = [
  'clients', 'seed', 'drop', 'realization', 'cellRadiusM', 'minDistanceM', 'shadowingDb', 'txPowerW', 'noisePsdWPerHz',
  'bandwidthHz', 'payloadBits', 'flopsPerSample', 'samplesMin', 'samplesMax', 'throughputMin', 'throughputMax', 'maxPruning', 'budget',
  'fixedSeconds', 'prunableComputeFraction', 'prunablePayloadFraction',
];

export function flattenParams(params: ScenarioParams[]): Float64Array {
  const out = new Float64Array(params.length * PARAM_ORDER.length);
  params.forEach((p, i) => PARAM_ORDER.forEach((k, j) => (out[i * PARAM_ORDER.length + j] = p[k] as number)));
  return out;
}

export function methodsOption(text: string): MethodId[] {
  if (text === 'all') return [...METHODS];
  return text.split(',').map((s) => {
    if (!(METHODS as readonly string[]).includes(s)) {
      throw new JcpbaError('unknown-method', `unknown method ${JSON.stringify(s)}; expected one of ${METHODS.join(', ')}`, 'methods');
    }
    return s as MethodId;
  });
}
