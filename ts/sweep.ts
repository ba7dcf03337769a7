/**
 * `jcpba sweep`: Monte Carlo over a grid of scenarios, drops, realizations and methods.
 *
 * Work is cut into units (grid point, drop, block of trials; see montecarlo.ts) in a
 * canonical order. Units run on the chosen backend (threads in the native addon, workers
 * for WASM and TypeScript) and each finished unit is appended to DIR/units.jsonl, so an
 * interrupted sweep loses nothing and `--resume` skips what is done. Results are folded
 * in canonical unit order, so they do not depend on threads, shards or finishing order.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { JcpbaError } from './errors.js';
import { VERSION } from './version.js';
import { METHODS, type MethodId } from './methods.js';
import {
  BLOCK_TRIALS,
  type MethodStats,
  type MonteCarloOptions,
  type UnitSpec,
  type UnitSummary,
  compareUnits,
  emptySummary,
  finalize,
  mergeSummary,
} from './montecarlo.js';
import { SCENARIO_DEFAULTS, type ScenarioOptions, type ScenarioParams, resolveScenario } from './scenario.js';

export { VERSION } from './version.js';

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
}

/** What identifies a sweep: resume and merge require the same identity. */
export function identity(c: SweepConfig): string {
  return JSON.stringify({ version: VERSION, blockTrials: BLOCK_TRIALS, ...c });
}

/** Grid points in canonical order (the last axis varies fastest). */
export function gridPoints(c: SweepConfig): Partial<ScenarioOptions>[] {
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

/** The 18 numbers per grid point of the compiled backends' runUnits (bindings/types.ts). */
export const PARAM_ORDER: (keyof ScenarioParams)[] = [
  'clients', 'seed', 'drop', 'realization', 'cellRadiusM', 'minDistanceM', 'shadowingDb', 'txPowerW', 'noisePsdWPerHz',
  'bandwidthHz', 'payloadBits', 'flopsPerSample', 'samplesMin', 'samplesMax', 'throughputMin', 'throughputMax', 'maxPruning', 'budget',
];

export function flattenParams(params: ScenarioParams[]): Float64Array {
  const out = new Float64Array(params.length * PARAM_ORDER.length);
  params.forEach((p, i) => PARAM_ORDER.forEach((k, j) => (out[i * PARAM_ORDER.length + j] = p[k] as number)));
  return out;
}

// ---------------------------------------------------------------------------------------
// The journal: DIR/units.jsonl, a header line then one finished unit per line.

export interface JournalHeader {
  kind: 'jcpba-sweep-journal';
  identity: string;
  config: SweepConfig;
  shard?: { index: number; count: number };
  /** Backends that ran this sweep's units. */
  backends?: string[];
}

export const JOURNAL = 'units.jsonl';

/** Reads a journal; a torn last line (a kill mid-write) is dropped and cut from the file. */
export function readJournal(dir: string): { header: JournalHeader; units: UnitSummary[] } | undefined {
  const path = join(dir, JOURNAL);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const units: UnitSummary[] = [];
  let header: JournalHeader | undefined;
  let goodBytes = 0;
  for (const line of lines) {
    if (line === '') break;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      break; // torn write: everything before it is intact
    }
    if (!text.startsWith('\n', goodBytes + Buffer.byteLength(line))) break; // no newline: torn
    goodBytes += Buffer.byteLength(line) + 1;
    if (!header) header = value as JournalHeader;
    else units.push(value as UnitSummary);
  }
  if (!header || header.kind !== 'jcpba-sweep-journal') {
    throw new JcpbaError('invalid-input', `${path} is not a jcpba sweep journal`, 'out');
  }
  if (goodBytes < Buffer.byteLength(text)) {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, goodBytes);
    closeSync(fd);
  }
  return { header, units };
}

function appendLines(path: string, lines: string[]): void {
  // One write per batch; a kill can tear only the last line, which readJournal drops.
  appendFileSync(path, lines.map((l) => `${l}\n`).join(''));
}

/** Writes a file atomically: a temporary file in the same folder, fsync, then rename. */
export function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

// ---------------------------------------------------------------------------------------
// Statistics per grid point and method.

export interface ResultRow {
  /** Index of the grid point in canonical order. */
  grid: number;
  point: Partial<ScenarioOptions>;
  method: MethodId;
  stats: MethodStats;
  /** 1 - mean T / mean T(equal), when `equal` ran. */
  reductionVsEqual?: number;
}

/** Folds unit summaries (any order, no duplicates) into one row per complete grid point and method. */
export function aggregate(c: SweepConfig, summaries: UnitSummary[]): { rows: ResultRow[]; complete: boolean } {
  const points = gridPoints(c);
  const perPoint = units(c).length / points.length;
  const sorted = [...summaries].sort(compareUnits);
  const rows: ResultRow[] = [];
  let complete = true;
  for (let g = 0; g < points.length; g++) {
    const mine = sorted.filter((u) => u.grid === g);
    if (mine.length !== perPoint) {
      complete = false;
      continue;
    }
    const folded = c.methods.map(() => emptySummary());
    for (const u of mine) u.methods.forEach((s, m) => mergeSummary(folded[m], s));
    const stats = folded.map(finalize);
    const iEqual = c.methods.indexOf('equal');
    c.methods.forEach((method, m) => {
      const row: ResultRow = { grid: g, point: points[g], method, stats: stats[m] };
      if (iEqual >= 0) row.reductionVsEqual = 1 - stats[m].mean / stats[iEqual].mean;
      rows.push(row);
    });
  }
  return { rows, complete };
}

const STAT_COLUMNS: (keyof MethodStats)[] = [
  'rounds', 'mean', 'std', 'ci95Low', 'ci95High', 'min', 'median', 'p90', 'p99', 'max',
  'meanPruning', 'meanIterations', 'iterationLimited', 'fineTuningMean', 'fineTuningCi95', 'gapMean', 'gapMax',
];

function csvCell(v: unknown): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(c: SweepConfig, rows: ResultRow[]): string {
  const axes = c.grid.map((a) => a.key);
  const header = [...axes, 'method', ...STAT_COLUMNS.map((s) => (s === 'rounds' ? 'n' : s)), 'reductionVsEqual'];
  const lines = rows.map((r) => [...axes.map((k) => r.point[k]), r.method, ...STAT_COLUMNS.map((s) => r.stats[s]), r.reductionVsEqual].map(csvCell).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

export interface SweepRunInfo {
  backends: string[];
  threads?: number;
}

export function resultsJson(c: SweepConfig, rows: ResultRow[], complete: boolean, info: SweepRunInfo): string {
  return `${JSON.stringify(
    {
      kind: 'jcpba-sweep-results',
      package: { name: 'jcpba', version: VERSION },
      backends: info.backends,
      complete,
      config: c,
      units: { total: units(c).length, blockTrials: BLOCK_TRIALS },
      statistics: {
        latency: 'round latency T in s, over every round of every trial',
        ci95: 'Student t 95% confidence interval of the mean',
        percentiles: 'median, p90, p99 from a log-histogram with bins a factor e^0.001 wide: within 0.05% of the sample order statistic; min and max exact',
        fineTuning: 'sum of the R rounds of a trial (R = rounds), mean and 95% CI half-width over trials',
        reductionVsEqual: '1 - mean T / mean T of equal',
        gap: 'bcd only, when optimal ran: T_bcd / T_optimal - 1, mean and max',
      },
      results: rows.map((r) => ({ ...r.point, method: r.method, ...r.stats, reductionVsEqual: r.reductionVsEqual })),
    },
    null,
    2,
  )}\n`;
}

/** People's table: one row per grid point, one column per method (mean round latency, s). */
export function resultsTable(c: SweepConfig, rows: ResultRow[]): string {
  const points = gridPoints(c);
  const axes = c.grid.filter((a) => a.values.length > 1).map((a) => a.key);
  const shown = axes.length > 0 ? axes : c.grid.slice(0, 1).map((a) => a.key);
  const header = [...shown.map(String), ...c.methods];
  const body: string[][] = [];
  points.forEach((p, g) => {
    const mine = rows.filter((r) => r.grid === g);
    if (mine.length === 0) return;
    body.push([...shown.map((k) => String(p[k] ?? SCENARIO_DEFAULTS[k])), ...mine.map((r) => r.stats.mean.toFixed(2))]);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padStart(widths[i])).join('  ');
  return [
    'mean round latency (s) per method',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n') + '\n';
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

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export { appendLines };
