/**
 * A sweep's configuration: the grid of scenarios, drops, realizations and methods, its
 * identity (what resume and merge compare), and the canonical order of its units (grid
 * point, drop, block of trials; see core/montecarlo.ts). Shard i of n takes every n-th.
 */
import { didYouMean } from '../cli/suggest.js';
import { JcpbaError } from '../core/error.js';
import { VERSION } from '../version.js';
import { METHODS, type MethodId } from '../core/methods.js';
import { checkPlanOptions } from '../core/plan.js';
import { BLOCK_TRIALS, type MonteCarloOptions, type UnitSpec } from '../core/montecarlo.js';
import { DEVICE_COUNT } from '../core/devices.js';
import { SCENARIO_DEFAULTS, type ScenarioOptions, type ScenarioParams, resolveScenario } from '../core/scenario.js';

/** Parameters a grid may sweep, in the canonical axis order, with the scenario key and unit. */
export const GRID_PARAMS: {
  /** The `jcpba sweep` flag (`--clients 10,20`). */
  flag: string;
  /** The ScenarioOptions key it sets. */
  key: keyof ScenarioOptions;
  /** The axis title of figures and tables, with the unit. */
  label: string;
}[] = [
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
  { flag: 'energy-cap', key: 'energyCapJ', label: 'energy cap per round (J)' },
  { flag: 'devices', key: 'devices', label: 'fleet' },
];

/** A sweep as results.json records it: the grid, the fixed options and the Monte Carlo sizes. */
export interface SweepConfig {
  /** Swept axes in canonical order: scenario key -> values (at least one value each). */
  grid: {
    /** The swept ScenarioOptions key. */
    key: keyof ScenarioOptions;
    /** Its values, in the key's unit (ScenarioOptions). */
    values: (number | string | null)[];
  }[];
  /** Every other scenario option (fixed). */
  base: Partial<ScenarioOptions>;
  /** Random seed (unsigned 32-bit integer) of every drop and realization. */
  seed: number;
  /** Drops (client placements) per grid point. */
  drops: number;
  /** Trials per drop; each trial is `rounds` rounds, each its own realization. */
  realizations: number;
  /** Rounds per trial (the fine-tuning latency is their sum). */
  rounds: number;
  /** Method ids in order: built-in ids (METHODS) and the ids of custom methods (`custom`). */
  methods: string[];
  /** The custom methods among `methods`, by id and version (part of the sweep's identity). */
  custom?: {
    /** The custom method's id. */
    id: string;
    /** Its version: a new version is a new sweep. */
    version: string;
  }[];
  /** Drops from a user's file of client lists (see drops.ts) instead of the generator; `drops` is their count. */
  dropsFile?: {
    /** The drops file. */
    path: string;
    /** Its SHA-256, hex. */
    sha256: string;
  };
  /** Relative tolerance of `bcd` and `optimal`. */
  tolerance: number;
  /** Iteration cap of `bcd` and `optimal`. */
  maxIterations: number;
  /**
   * Fine-tuning to a target loss (MODEL.md section 10): R0, the rounds without pruning, and
   * Pmax (null: pruning does not slow learning). Given together; then every result row
   * gets the rounds R(mean pruning) and the fine-tuning time R x mean round latency.
   */
  rounds0?: number;
  /** Pmax, a mean pruning fraction (null: infinity); given with rounds0. */
  pruningLimit?: number | null;
  /** With rounds0: m, progress per round (1 - P / Pmax)^m (MODEL.md section 13); absent means 1. */
  convergenceExponent?: number;
}

/** Checks `rounds0` and `pruningLimit` (both or neither) with the plan's rules. */
export function checkTarget(c: SweepConfig): void {
  if (c.convergenceExponent !== undefined && c.rounds0 === undefined) {
    throw new JcpbaError('invalid-option', 'convergenceExponent needs rounds0 and pruningLimit (--rounds0 R0 --pruning-limit PMAX|inf)', 'convergenceExponent');
  }
  if (c.rounds0 === undefined && c.pruningLimit === undefined) return;
  if (c.rounds0 === undefined || c.pruningLimit === undefined) {
    throw new JcpbaError('invalid-option', 'rounds0 and pruningLimit go together (--rounds0 R0 --pruning-limit PMAX|inf)', c.rounds0 === undefined ? 'rounds0' : 'pruningLimit');
  }
  checkPlanOptions({ rounds0: c.rounds0, pruningLimit: c.pruningLimit, convergenceExponent: c.convergenceExponent });
}

/**
 * What identifies a sweep: resume and merge require the same identity. A drops file is
 * identified by its content (SHA-256), not by its path: `drops.json`, `./drops.json`, an
 * absolute path or an identical copy elsewhere are the same sweep (the path the journal
 * and results.json keep is metadata, from the run that started the sweep).
 */
export function identity(c: SweepConfig): string {
  const dropsFile = c.dropsFile === undefined ? {} : { dropsFile: { sha256: c.dropsFile.sha256 } };
  return JSON.stringify({ version: VERSION, blockTrials: BLOCK_TRIALS, ...c, ...dropsFile });
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

/** Blocks of trials per drop. */
export function blockCount(c: SweepConfig): number {
  return Math.ceil(c.realizations / BLOCK_TRIALS);
}

/** Grid points: the product of the axes' lengths (computed, not enumerated). */
export function gridPointCount(c: SweepConfig): number {
  return c.grid.reduce((n, axis) => n * axis.values.length, 1);
}

/** Most grid points of one sweep: each is resolved, and holds a row per method, up front. */
export const MAX_GRID_POINTS = 100_000;

/** Units of the whole sweep (every shard): grid points x drops x blocks. */
export function unitCount(c: SweepConfig): number {
  return gridPointCount(c) * c.drops * blockCount(c);
}

/** Unit `j` of the whole sweep in canonical order (0-based), computed, not enumerated. */
export function unitAt(c: SweepConfig, j: number): UnitSpec {
  const blocks = blockCount(c);
  const perGrid = c.drops * blocks;
  const grid = Math.floor(j / perGrid);
  const rest = j - grid * perGrid;
  const drop = Math.floor(rest / blocks);
  return { grid, drop, block: rest - drop * blocks };
}

/** Units of a shard (all units without one): shard i of n holds units i, i + n, ... */
export function shardUnitCount(c: SweepConfig, shard?: { index: number; count: number }): number {
  const total = unitCount(c);
  if (!shard) return total;
  return total > shard.index ? Math.floor((total - shard.index - 1) / shard.count) + 1 : 0;
}

/** The shard's `i`-th unit (0-based position in the shard's list). */
export function shardUnitAt(c: SweepConfig, shard: { index: number; count: number } | undefined, i: number): UnitSpec {
  return unitAt(c, shard ? shard.index + i * shard.count : i);
}

/**
 * The shard's units from position `from` on, in canonical order, computed one at a
 * time: memory does not grow with the number of units.
 */
export function* shardUnits(c: SweepConfig, shard?: { index: number; count: number }, from = 0): Generator<UnitSpec> {
  const n = shardUnitCount(c, shard);
  for (let i = from; i < n; i++) yield shardUnitAt(c, shard, i);
}

/** Every unit in canonical order, as a list (small sweeps, tests and benchmarks). */
export function units(c: SweepConfig, shard?: { index: number; count: number }): UnitSpec[] {
  return [...shardUnits(c, shard)];
}

/** Trials of one unit: BLOCK_TRIALS, or fewer in a drop's last block. */
export function unitTrials(c: SweepConfig, u: UnitSpec): number {
  return Math.min(BLOCK_TRIALS, c.realizations - u.block * BLOCK_TRIALS);
}

/**
 * Client-solves of one unit: clients x trials x rounds x methods. The clients are the
 * grid point's, or with a drops file (`dropClients`, the clients of each drop) the drop's.
 */
export function unitWork(c: SweepConfig, clients: number[], u: UnitSpec, dropClients?: number[]): number {
  return (dropClients ? dropClients[u.drop] : clients[u.grid]) * unitTrials(c, u) * c.rounds * c.methods.length;
}

/**
 * Client-solves of the shard's units from position `from` on, from a closed form per
 * grid point (no enumeration). Each unit counts realizations / blocks trials, the mean
 * over a drop's blocks: exact for a whole grid point, and off by less than one block's
 * trials for a part of one; enough for an ETA.
 */
export function remainingWork(
  c: SweepConfig,
  clients: number[],
  shard: { index: number; count: number } | undefined,
  from: number,
  dropClients?: number[],
): number {
  // With a drops file every grid point holds the same drops: each unit counts the mean
  // drop's clients (exact again for whole grid points of an unsharded sweep).
  if (dropClients) {
    const mean = dropClients.reduce((a, b) => a + b, 0) / dropClients.length;
    clients = clients.map(() => mean);
  }
  const index = shard?.index ?? 0;
  const count = shard?.count ?? 1;
  const perGrid = c.drops * blockCount(c);
  // Units of the shard among global units [0, x): j = index + k count < x.
  const upTo = (x: number) => (x > index ? Math.floor((x - index - 1) / count) + 1 : 0);
  const next = index + from * count;
  const trialsPerUnit = c.realizations / blockCount(c);
  let work = 0;
  clients.forEach((k, g) => {
    const lo = Math.max(g * perGrid, next);
    const hi = (g + 1) * perGrid;
    if (hi > lo) work += (upTo(hi) - upTo(lo)) * k * trialsPerUnit * c.rounds * c.methods.length;
  });
  return work;
}

/** 2^32: drop and realization indices are 32-bit unsigned integers (MODEL.md section 7). */
export const INDEX_LIMIT = 2 ** 32;

/**
 * Limits that hold before anything runs or is written: counts are positive integers,
 * drops and realizations x rounds fit the generator's 32-bit indices, and the unit
 * count is an exact double. Each error names the option.
 */
/** What a grid axis or the base may set: the scenario's parameters but the sweep's own seed, drop and realization. */
const SCENARIO_KEYS = Object.keys(SCENARIO_DEFAULTS).filter((k) => k !== 'seed' && k !== 'drop' && k !== 'realization');

export function checkConfig(c: SweepConfig): void {
  const bad = (field: string, message: string) => new JcpbaError('invalid-option', message, field);
  // A key the scenario does not read would be ignored silently (a typo's sweep run at the default).
  const unknown = (where: string, key: string) =>
    bad(where, `${where} sets ${JSON.stringify(key)}, which is not a scenario parameter${didYouMean(key, SCENARIO_KEYS)}; expected one of ${SCENARIO_KEYS.join(', ')}`);
  for (const axis of c.grid ?? []) if (!SCENARIO_KEYS.includes(axis?.key)) throw unknown('grid', String(axis?.key));
  // (`jcpba sweep` writes its seed into the base too: the same seed is no conflict.)
  for (const key of Object.keys(c.base ?? {})) if (!SCENARIO_KEYS.includes(key) && !(key === 'seed' && c.base.seed === c.seed)) throw unknown('base', key);
  for (const k of ['drops', 'realizations', 'rounds'] as const) {
    if (!(Number.isInteger(c[k]) && c[k] >= 1)) throw bad(k, `${k} must be a positive integer (got ${c[k]})`);
  }
  if (c.drops > INDEX_LIMIT) throw bad('drops', `drops must be at most 2^32 = 4294967296: drop indices are 32-bit (got ${c.drops})`);
  if (c.realizations * c.rounds > INDEX_LIMIT) {
    throw bad(
      'realizations',
      `realizations x rounds must be at most 2^32 = 4294967296: realization indices are 32-bit (got ${c.realizations} x ${c.rounds})`,
    );
  }
  if (!Array.isArray(c.methods) || c.methods.length === 0) throw bad('methods', 'methods must name at least one method');
  const custom = new Set((c.custom ?? []).map((m) => m.id));
  for (const m of c.methods) {
    if (typeof m !== 'string' || (!(METHODS as readonly string[]).includes(m) && !custom.has(m))) {
      throw new JcpbaError('unknown-method', `unknown method ${JSON.stringify(m)}${typeof m === 'string' ? didYouMean(m, [...METHODS]) : ''}; expected one of ${METHODS.join(', ')} or a custom method { id, version, solve }`, 'methods');
    }
  }
  const points = gridPointCount(c);
  if (points > MAX_GRID_POINTS) {
    throw bad(c.grid.find((a) => a.values.length > 1)?.key ?? 'grid', `the grid has ${points} points (the product of the comma lists), more than ${MAX_GRID_POINTS}; split the sweep`);
  }
  const total = unitCount(c);
  if (!Number.isSafeInteger(total)) {
    throw bad('drops', `the sweep would have ${total} units (grid points x drops x blocks of ${BLOCK_TRIALS} trials), more than 2^53`);
  }
}

/** The built-in methods of a sweep, in order (custom methods run apart: see custom.ts). */
export function builtinMethods(c: SweepConfig): MethodId[] {
  return c.methods.filter((m): m is MethodId => (METHODS as readonly string[]).includes(m));
}

export function monteCarloOptions(c: SweepConfig): MonteCarloOptions {
  return { methods: builtinMethods(c), trials: c.realizations, rounds: c.rounds, tolerance: c.tolerance, maxIterations: c.maxIterations };
}

/**
 * The numbers per grid point of the compiled backends' runUnits (docs/CORE_API.md, "Monte
 * Carlo units"): these 27 scalars, then `deviceShares` (one per catalog device).
 */
export const PARAM_ORDER: Exclude<keyof ScenarioParams, 'deviceShares'>[] = [
  'clients', 'seed', 'drop', 'realization', 'cellRadiusM', 'minDistanceM', 'shadowingDb', 'txPowerW', 'noisePsdWPerHz',
  'bandwidthHz', 'payloadBits', 'flopsPerSample', 'samplesMin', 'samplesMax', 'throughputMin', 'throughputMax', 'maxPruning', 'budget',
  'fixedSeconds', 'prunableComputeFraction', 'prunablePayloadFraction',
  'computePowerMin', 'computePowerMax', 'energyCapJ', 'utilization', 'modelMemoryBytes', 'memoryPrunableFraction',
];

/** Numbers per grid point in the flat layout. */
export const PARAM_COUNT = PARAM_ORDER.length + DEVICE_COUNT;

export function flattenParams(params: ScenarioParams[]): Float64Array {
  const out = new Float64Array(params.length * PARAM_COUNT);
  params.forEach((p, i) => {
    PARAM_ORDER.forEach((k, j) => (out[i * PARAM_COUNT + j] = p[k]));
    for (let d = 0; d < DEVICE_COUNT; d++) out[i * PARAM_COUNT + PARAM_ORDER.length + d] = p.deviceShares[d];
  });
  return out;
}

export function methodsOption(text: string): MethodId[] {
  if (text === 'all') return [...METHODS];
  return text.split(',').map((s) => {
    if (!(METHODS as readonly string[]).includes(s)) {
      throw new JcpbaError('unknown-method', `unknown method ${JSON.stringify(s)}${didYouMean(s, [...METHODS, 'all'])}; expected one of ${METHODS.join(', ')}`, 'methods');
    }
    return s as MethodId;
  });
}
