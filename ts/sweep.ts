/**
 * `jcpba sweep`: Monte Carlo over a grid of scenarios, drops, realizations and methods.
 *
 * Work is cut into units (grid point, drop, block of trials; see montecarlo.ts) in a
 * canonical order. Units run on the chosen backend (threads in the native addon, workers
 * for WASM and TypeScript) and each finished unit is appended to DIR/units.jsonl, so an
 * interrupted sweep loses nothing and `--resume` skips what is done. Results are folded
 * in canonical unit order, so they do not depend on threads, shards or finishing order.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JcpbaError } from './errors.js';
import { VERSION } from './version.js';
import { METHODS, type MethodId } from './methods.js';
import {
  BLOCK_TRIALS,
  type MethodStats,
  type MonteCarloOptions,
  type UnitSpec,
  type MethodSummary,
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

/** The lines of a file, read in chunks (a journal may be far larger than memory should hold). */
export function* fileLines(path: string): Generator<{ line: string; end: number; complete: boolean }> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0; // bytes consumed before carry
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let buf = Buffer.concat([carry, chunk.subarray(0, n)]);
      let from = 0;
      for (let nl = buf.indexOf(10, from); nl >= 0; nl = buf.indexOf(10, from)) {
        offset += nl + 1 - from;
        yield { line: buf.toString('utf8', from, nl), end: offset, complete: true };
        from = nl + 1;
      }
      carry = Buffer.from(buf.subarray(from));
      buf = carry;
    }
    if (carry.length > 0) yield { line: carry.toString('utf8'), end: offset + carry.length, complete: false };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a journal's header and the keys of its finished units, without holding the
 * units. A torn last line (a kill mid-write) is cut from the file.
 */
export function readJournal(dir: string): { header: JournalHeader; keys: Set<string> } | undefined {
  const path = join(dir, JOURNAL);
  if (!existsSync(path)) return undefined;
  let header: JournalHeader | undefined;
  const keys = new Set<string>();
  let good = 0;
  let torn = false;
  for (const { line, end, complete } of fileLines(path)) {
    let value: UnitSummary | JournalHeader;
    try {
      if (!complete) throw new Error('torn');
      value = JSON.parse(line);
    } catch {
      torn = true; // a torn write: everything before it is intact
      break;
    }
    good = end;
    if (!header) header = value as JournalHeader;
    else keys.add(unitKey(value as UnitSummary));
  }
  if (!header || header.kind !== 'jcpba-sweep-journal') {
    throw new JcpbaError('invalid-input', `${path} is not a jcpba sweep journal`, 'out');
  }
  if (torn) {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, good);
    closeSync(fd);
  }
  return { header, keys };
}

/** The finished units of a journal, in the order written (canonical order, see runSweep). */
export function* journalUnits(dir: string): Generator<UnitSummary> {
  let first = true;
  for (const { line, complete } of fileLines(join(dir, JOURNAL))) {
    if (!complete) return;
    if (first) {
      first = false;
      continue;
    }
    yield JSON.parse(line) as UnitSummary;
  }
}

export const unitKey = (u: UnitSpec) => `${u.grid}/${u.drop}/${u.block}`;

/** Merges streams that are each in canonical order into one stream in canonical order. */
export function* mergeOrdered(streams: Iterator<UnitSummary>[]): Generator<UnitSummary> {
  const heads = streams.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      if (heads[i].done) continue;
      if (best < 0 || compareUnits(heads[i].value as UnitSummary, heads[best].value as UnitSummary) < 0) best = i;
    }
    if (best < 0) return;
    yield heads[best].value as UnitSummary;
    heads[best] = streams[best].next();
  }
}

function appendLines(path: string, lines: string[]): void {
  // One write per batch; a kill can tear only the last line, which readJournal cuts.
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

/**
 * Folds unit summaries into one row per complete grid point and method. The units must
 * come in canonical order (a journal is written in it; shards are merged back into it):
 * only the current grid point's accumulators are held, so memory does not grow with the
 * number of realizations. Out-of-order or repeated units are an error.
 */
export function aggregate(c: SweepConfig, summaries: Iterable<UnitSummary>): { rows: ResultRow[]; complete: boolean } {
  const points = gridPoints(c);
  const perPoint = units(c).length / points.length;
  const rows: ResultRow[] = [];
  let complete = true;
  let grid = -1;
  let seen = 0;
  let folded: MethodSummary[] = [];
  let last: UnitSummary | undefined;
  const close = () => {
    if (grid < 0) return;
    if (seen !== perPoint) {
      complete = false;
      return;
    }
    const stats = folded.map(finalize);
    const iEqual = c.methods.indexOf('equal');
    c.methods.forEach((method, m) => {
      const row: ResultRow = { grid, point: points[grid], method, stats: stats[m] };
      if (iEqual >= 0) row.reductionVsEqual = 1 - stats[m].mean / stats[iEqual].mean;
      rows.push(row);
    });
  };
  for (const u of summaries) {
    if (last && compareUnits(last, u) >= 0) {
      throw new JcpbaError('internal', `sweep units out of order: ${unitKey(last)} before ${unitKey(u)}`, 'units');
    }
    last = u;
    if (u.grid !== grid) {
      close();
      grid = u.grid;
      seen = 0;
      folded = c.methods.map(() => emptySummary());
    }
    u.methods.forEach((s, m) => mergeSummary(folded[m], s));
    seen++;
  }
  close();
  if (rows.length !== points.length * c.methods.length) complete = false;
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
