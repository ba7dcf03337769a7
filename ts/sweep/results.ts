/**
 * Statistics per grid point and method, folded from unit summaries in canonical order,
 * and the result files (CSV, JSON) and the table for people.
 */
import { JcpbaError } from '../core/error.js';
import { VERSION } from '../version.js';
import {
  BLOCK_TRIALS,
  type MethodStats,
  type MethodSummary,
  type UnitSummary,
  compareUnits,
  emptySummary,
  finalize,
  medianInterval,
  mergeSummary,
} from '../core/montecarlo.js';
import { SCENARIO_DEFAULTS, type ScenarioOptions } from '../core/scenario.js';
import { type SweepConfig, blockCount, gridPoints, scenarioOf, unitCount } from './config.js';
import { roundsNeeded } from '../core/plan.js';
import { parseFleet } from '../core/devices.js';
import { type FleetStats, fleetStats } from './fleet.js';
import { unitKey } from './journal.js';


/** One row of a sweep's results: a grid point and a method, with its statistics (README, "Data dictionary"). */
export interface ResultRow {
  /** Index of the grid point in canonical order. */
  grid: number;
  /** The grid point: the swept ScenarioOptions keys and their values, in their units. */
  point: Partial<ScenarioOptions>;
  /** A built-in method id or a custom method's id. */
  method: string;
  /** The method's round latency, pruning, iteration and energy statistics at this point. */
  stats: MethodStats;
  /** 1 - mean T / mean T(equal), when `equal` ran; null when either returned no point in any round. */
  reductionVsEqual?: number | null;
  /** With rounds0 and pruningLimit: R(mean pruning) rounds to the target (Infinity: unreachable; null: no point in any round). */
  roundsToTarget?: number | null;
  /** With rounds0 and pruningLimit: roundsToTarget x mean round latency, s. */
  timeToTarget?: number | null;
  /** When a grid point draws devices (MODEL.md section 12): the drops' forced pruning, excluded share, small-device share. */
  fleet?: FleetStats;
  /** The 95% percentile-bootstrap interval of the median round latency, s (montecarlo.ts medianInterval, exact), null when the method returned no point; for figures, not written to the result files. */
  medianCi95?: {
    /** Lower end, s. */
    low: number;
    /** Upper end, s. */
    high: number;
  } | null;
}

/** True when some grid point of the sweep draws devices (then every row reports the fleet columns). */
export function sweepHasFleet(c: SweepConfig): boolean {
  if (c.dropsFile) return false;
  const fleets = [c.base.devices, ...(c.grid.find((a) => a.key === 'devices')?.values ?? [])];
  return fleets.some((v) => typeof v === 'string' && parseFleet(v).some((x) => x > 0));
}

const FLEET_COLUMNS: (keyof FleetStats)[] = ['forcedPruning', 'excludedShare', 'smallDeviceShare'];

/**
 * Folds unit summaries into one row per complete grid point and method. The units must
 * come in canonical order (a journal is written in it; shards are merged back into it):
 * only the current grid point's accumulators are held, so memory does not grow with the
 * number of realizations. Out-of-order or repeated units are an error.
 */
export function aggregate(c: SweepConfig, summaries: Iterable<UnitSummary>): { rows: ResultRow[]; complete: boolean } {
  const points = gridPoints(c);
  const perPoint = c.drops * blockCount(c);
  const rows: ResultRow[] = [];
  let complete = true;
  let grid = -1;
  let seen = 0;
  let folded: MethodSummary[] = [];
  // Histograms are summed in maps and sorted once per grid point: merging sorted lists
  // unit by unit costs the grid point's bin count per unit, which a sweep of a million
  // units (stopped by a scheduler, who waits seconds, not minutes) cannot afford.
  let hists: Map<number, number>[] = [];
  let last: UnitSummary | undefined;
  const fleet = sweepHasFleet(c);
  const close = () => {
    if (grid < 0) return;
    if (seen !== perPoint) {
      complete = false;
      return;
    }
    folded.forEach((s, m) => (s.hist = [...hists[m].entries()].sort((a, b) => a[0] - b[0])));
    const stats = folded.map(finalize);
    const iEqual = c.methods.indexOf('equal');
    const params = scenarioOf(c, points[grid]);
    const budget = params.budget;
    const fleetOfPoint = fleet ? fleetStats(params, c.drops) : undefined;
    c.methods.forEach((method, m) => {
      const mean = stats[m].mean;
      const row: ResultRow = { grid, point: points[grid], method, stats: stats[m], medianCi95: folded[m].n > 0 ? medianInterval(folded[m]) : null };
      if (fleetOfPoint) row.fleet = fleetOfPoint;
      // Statistics of a method without a point in any round are null (MODEL.md 11.2).
      if (iEqual >= 0) {
        const equal = stats[iEqual].mean;
        row.reductionVsEqual = mean !== null && equal !== null ? 1 - mean / equal : null;
      }
      if (c.rounds0 !== undefined) {
        if (mean === null || stats[m].meanPruning === null) {
          row.roundsToTarget = null;
          row.timeToTarget = null;
        } else {
          // A returned point may exceed the budget by rounding (1e-12, MODEL.md section 6):
          // that noise must not add a round.
          const pruning = Math.min(stats[m].meanPruning, budget);
          row.roundsToTarget = roundsNeeded(c.rounds0, c.pruningLimit ?? Infinity, pruning, c.convergenceExponent ?? 1);
          row.timeToTarget = row.roundsToTarget * mean;
        }
      }
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
      hists = c.methods.map(() => new Map());
    }
    u.methods.forEach((s, m) => {
      mergeSummary(folded[m], { ...s, hist: [] });
      const h = hists[m];
      for (const [bin, count] of s.hist) h.set(bin, (h.get(bin) ?? 0) + count);
    });
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

/** Appended after every older column, so that readers of earlier files keep their columns. */
const ENERGY_COLUMNS: (keyof MethodStats)[] = [
  'energyMean', 'energyCi95Low', 'energyCi95High', 'energyMaxMean', 'energyMaxCi95Low', 'energyMaxCi95High', 'infeasibleShare',
];

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(c: SweepConfig, rows: ResultRow[]): string {
  const axes = c.grid.map((a) => a.key);
  const target = c.rounds0 !== undefined;
  const fleet = sweepHasFleet(c);
  const header = [
    ...axes,
    'method',
    ...STAT_COLUMNS.map((s) => (s === 'rounds' ? 'n' : s)),
    'reductionVsEqual',
    ...(target ? ['roundsToTarget', 'timeToTarget'] : []),
    ...(fleet ? FLEET_COLUMNS : []),
    ...ENERGY_COLUMNS,
  ];
  const lines = rows.map((r) =>
    [
      ...axes.map((k) => (r.point[k] === null ? 'none' : r.point[k])),
      r.method,
      ...STAT_COLUMNS.map((s) => r.stats[s]),
      r.reductionVsEqual,
      ...(target ? [r.roundsToTarget, r.timeToTarget] : []),
      ...(fleet ? FLEET_COLUMNS.map((f) => r.fleet?.[f]) : []),
      ...ENERGY_COLUMNS.map((s) => r.stats[s]),
    ]
      .map(csvCell)
      .join(','),
  );
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
      units: { total: unitCount(c), blockTrials: BLOCK_TRIALS },
      statistics: {
        latency: 'round latency T in s, over every round of every trial where the method returned a point (n of them); null when it returned none',
        ci95: 'Student t 95% confidence interval of the mean',
        percentiles: 'median, p90, p99 from a log-histogram with bins a factor e^0.001 wide: within 0.05% of the sample order statistic; min and max exact',
        fineTuning: 'sum of the R rounds of a trial (R = rounds), mean and 95% CI half-width over the trials where every round had a point',
        reductionVsEqual: '1 - mean T / mean T of equal',
        gap: 'bcd only, when optimal ran: T_bcd / T_optimal - 1, mean and max over the rounds where both returned a point',
        energy:
          'energyMean = mean over the same n rounds of the round total energy sum_k E_k, J (MODEL.md 11.1), with its Student t 95% CI (energyCi95Low, energyCi95High); energyMaxMean = likewise of the largest client energy max_k E_k, J',
        infeasibleShare: 'rounds where the method returned no point (status infeasible: energy caps or minimum pruning, MODEL.md 11.2 and 12) / all rounds, the outage probability',
        ...(c.rounds0 !== undefined
          ? {
              toTarget:
                'roundsToTarget = ceil(rounds0 / (1 - meanPruning / pruningLimit)^m), m = convergenceExponent (1 when absent) (MODEL.md sections 10 and 13; meanPruning at most the budget), timeToTarget = roundsToTarget x mean round latency, s; null when the target is unreachable',
            }
          : {}),
        ...(sweepHasFleet(c)
          ? {
              fleet:
                'with devices (MODEL.md section 12, docs/DEVICES.md): forcedPruning = mean over the drops of sum_k w_k rmin_k / sum_k w_k over the clients that take part (the least mean pruning memory forces); excludedShare = clients left out (least pruning above rmax) / clients drawn, all drops; smallDeviceShare = the fleet share of devices whose memory is below what the unpruned fine-tuning needs; statistics cover the clients that take part',
            }
          : {}),
      },
      results: rows.map((r) => ({
        ...r.point,
        method: r.method,
        // The older statistics, then the newer ones last (ENERGY_COLUMNS), as in the CSV.
        ...Object.fromEntries(STAT_COLUMNS.map((k) => [k, r.stats[k]])),
        reductionVsEqual: r.reductionVsEqual,
        ...(c.rounds0 !== undefined ? { roundsToTarget: r.roundsToTarget, timeToTarget: r.timeToTarget } : {}),
        ...(r.fleet ?? {}),
        ...Object.fromEntries(ENERGY_COLUMNS.map((k) => [k, r.stats[k]])),
      })),
    },
    null,
    2,
  )}\n`;
}

/** A grid value for people: `none` for no energy cap. */
function display(v: unknown): string {
  return v === null ? 'none' : String(v);
}

/** People's tables: one row per grid point, one column per method: the mean round latency (s); the share of rounds without a point when some method had none; the time to the target (h) with rounds0. */
export function resultsTable(c: SweepConfig, rows: ResultRow[]): string {
  const points = gridPoints(c);
  const axes = c.grid.filter((a) => a.values.length > 1).map((a) => a.key);
  const shown = axes.length > 0 ? axes : c.grid.slice(0, 1).map((a) => a.key);
  const header = [...shown.map(String), ...c.methods];
  const block = (title: string, cell: (r: ResultRow) => string): string => {
    const body: string[][] = [];
    points.forEach((p, g) => {
      const mine = rows.filter((r) => r.grid === g);
      if (mine.length === 0) return;
      body.push([...shown.map((k) => display(p[k] === undefined ? SCENARIO_DEFAULTS[k] : p[k])), ...mine.map(cell)]);
    });
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((x, i) => x.padStart(widths[i])).join('  ');
    return `${[title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')}\n`;
  };
  // A method without a point in any round of a grid point has no latency there.
  const tables = [block('mean round latency (s) per method', (r) => (r.stats.mean === null ? 'infeasible' : r.stats.mean.toFixed(2)))];
  if (rows.some((r) => r.stats.infeasibleShare > 0)) {
    tables.push(block('share of rounds without a point (infeasibleShare) per method; latency covers the rounds with one', (r) => r.stats.infeasibleShare.toFixed(3)));
  }
  if (c.rounds0 !== undefined) {
    const limit = c.pruningLimit === null || c.pruningLimit === undefined ? 'inf' : String(c.pruningLimit);
    const cell = (t?: number | null) => (t === null ? 'infeasible' : t !== undefined && Number.isFinite(t) ? (t / 3600).toFixed(3) : 'unreachable');
    tables.push(
      block(
        `fine-tuning time to the target (h) per method: R0 = ${Number(c.rounds0!.toPrecision(6))}, Pmax = ${limit}${(c.convergenceExponent ?? 1) === 1 ? '' : `, m = ${Number(c.convergenceExponent!.toPrecision(6))}`}`,
        (r) => cell(r.timeToTarget),
      ),
    );
  }
  return tables.join('\n');
}
