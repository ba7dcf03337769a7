/**
 * Learning curves of a sweep (MODEL.md section 13.2): `jcpba sweep --rounds R --loss-curve
 * FILE` replays every trial of every grid point and method (the same realizations as the
 * Monte Carlo loop: round r of trial t of drop d is realization t R + r of drop d), round
 * by round: the trial's wall-clock time after n rounds is the sum of its round latencies,
 * its progress `x_n = sum pi(P_r)` (P_r the round's weighted pruning, at most the budget),
 * its loss `L0(x_n)`. Between round ends the loss is linear in time. On a common time grid
 * per grid point, each method's loss has a mean and a 95 % CI over its trials (up to the
 * time its shortest trial ends: a mean over fewer trials would be biased), and each trial's
 * time to the target loss gives a mean and a CI.
 *
 * A pass of its own after the Monte Carlo loop, so sweeps without a loss curve are
 * untouched (their files and journal stay bit-identical); its solves are those of the
 * solver's `solve`, which agree with the loop's to the solves' tolerance (MODEL.md
 * section 6).
 */
import { JcpbaError } from '../core/error.js';
import { type MethodId, METHODS } from '../core/methods.js';
import { t975 } from '../core/montecarlo.js';
import { progress } from '../core/plan.js';
import { type ScenarioOptions, SCENARIO_DEFAULTS, generateFromParams } from '../core/scenario.js';
import { weighted } from '../core/pruning.js';
import type { Solver } from '../facade.js';
import { type LossCurve, lastRound, lossAt } from '../learning/curve.js';
import { type SweepConfig, gridPoints, scenarioOf } from './config.js';
import { type Figure, seriesOf } from './figures.js';

/** Points of the common time grid of one grid point (both ends included). */
export const TIME_POINTS = 101;

export interface LearningModel {
  curve: LossCurve;
  /** Infinity: pruning does not slow learning. */
  pruningLimit: number;
  convergenceExponent: number;
  targetLoss?: number;
}

export interface LearningRow {
  grid: number;
  point: Partial<ScenarioOptions>;
  method: string;
  /** Wall-clock fine-tuning time, s. */
  time: number;
  lossMean: number;
  /** Half-width of the Student t 95 % CI of lossMean (0 with one trial). */
  lossCi95: number;
  trials: number;
}

export interface TargetRow {
  grid: number;
  point: Partial<ScenarioOptions>;
  method: string;
  /** Trials that reached the target within R rounds, of `trials`. */
  reached: number;
  trials: number;
  /** Mean time to the target over the trials that reached it, s (NaN when none did). */
  timeMean: number;
  timeCi95: number;
}

export interface Learning {
  rows: LearningRow[];
  targets: TargetRow[];
}

/** One trial's path: times and losses at round ends (index 0: time 0, L0(0)). */
interface Path {
  time: Float64Array;
  loss: Float64Array;
}

/** The loss of a path at time t (linear between round ends), t within the path. */
function lossOfPath(p: Path, t: number): number {
  const n = p.time.length;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (p.time[mid] <= t) lo = mid;
    else hi = mid;
  }
  if (t >= p.time[hi]) return p.loss[hi];
  const span = p.time[hi] - p.time[lo];
  return span > 0 ? p.loss[lo] + ((t - p.time[lo]) / span) * (p.loss[hi] - p.loss[lo]) : p.loss[hi];
}

/** The first time a path's loss reaches the target (linear between round ends), or NaN. */
function timeToTarget(p: Path, target: number): number {
  if (p.loss[0] <= target) return 0;
  for (let i = 1; i < p.loss.length; i++) {
    if (p.loss[i] <= target) {
      const drop = p.loss[i - 1] - p.loss[i];
      return p.time[i - 1] + ((p.loss[i - 1] - target) / drop) * (p.time[i] - p.time[i - 1]);
    }
  }
  return NaN;
}

function meanCi(values: number[]): [number, number] {
  const n = values.length;
  let mean = 0;
  let m2 = 0;
  values.forEach((x, i) => {
    const d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
  });
  const ci = n > 1 ? t975(n - 1) * Math.sqrt(m2 / (n - 1) / n) : 0;
  return [mean, ci];
}

/** Checks what a learning pass needs before any work: built-in methods, the generator's drops, a curve of R rounds. */
export function checkLearning(c: SweepConfig, model: LearningModel): void {
  const custom = c.methods.filter((m) => !(METHODS as readonly string[]).includes(m));
  if (custom.length > 0) {
    throw new JcpbaError('invalid-option', `--loss-curve replays the built-in methods only; ${JSON.stringify(custom[0])} is a custom method`, 'loss-curve');
  }
  if (c.dropsFile) throw new JcpbaError('invalid-option', '--loss-curve replays the generator\'s drops; it cannot be used with --drops-file yet', 'loss-curve');
  // The unpruned method makes one round of progress per round: the curve must reach R.
  const end = lastRound(model.curve);
  if (end < c.rounds) {
    throw new JcpbaError(
      'invalid-input',
      `--rounds ${c.rounds} runs past the end of the loss curve (its last round is ${end}): a curve of at least ${c.rounds} rounds is needed (no extrapolation)`,
      'loss-curve',
    );
  }
}

/** Replays every trial of every grid point and method (module docs). */
export function learningCurves(c: SweepConfig, solver: Solver, model: LearningModel): Learning {
  checkLearning(c, model);
  const rows: LearningRow[] = [];
  const targets: TargetRow[] = [];
  const points = gridPoints(c);
  points.forEach((point, grid) => {
    const params = scenarioOf(c, point);
    const paths: Path[][] = c.methods.map(() => []);
    for (let drop = 0; drop < c.drops; drop++) {
      for (let trial = 0; trial < c.realizations; trial++) {
        const time = c.methods.map(() => new Float64Array(c.rounds + 1));
        const loss = c.methods.map(() => new Float64Array(c.rounds + 1));
        const x = new Float64Array(c.methods.length);
        c.methods.forEach((_, m) => (loss[m][0] = model.curve.loss[0]));
        for (let round = 0; round < c.rounds; round++) {
          const problem = generateFromParams({ ...params, drop, realization: trial * c.rounds + round });
          c.methods.forEach((method, m) => {
            const r = solver.solve(problem, { method: method as MethodId, tolerance: c.tolerance, maxIterations: c.maxIterations });
            if (typeof r.latency !== 'number' || !Number.isFinite(r.latency)) {
              // An infeasible round (energy caps, MODEL.md 11.2) never ends: no loss after it.
              throw new JcpbaError(
                'invalid-option',
                `--loss-curve: ${method} has no point in round ${round} of trial ${trial} of drop ${drop} at grid point ${grid} (status ${r.status}); learning curves need every round to end (no energy caps that rule rounds out)`,
                'loss-curve',
              );
            }
            // A returned point may exceed the budget by rounding (1e-12): not a round's worth.
            const P = Math.min(weighted(normalized(problem.dataWeight), r.pruning), problem.pruningBudget);
            x[m] += P < model.pruningLimit ? progress(model.pruningLimit, model.convergenceExponent, P) : 0;
            time[m][round + 1] = time[m][round] + r.latency;
            loss[m][round + 1] = lossAt(model.curve, x[m]);
          });
        }
        c.methods.forEach((_, m) => paths[m].push({ time: time[m], loss: loss[m] }));
      }
    }
    // The common grid: to the latest time every trial of some method reaches.
    const ends = paths.map((ps) => Math.min(...ps.map((p) => p.time[p.time.length - 1])));
    const horizon = Math.max(...ends);
    c.methods.forEach((method, m) => {
      for (let k = 0; k < TIME_POINTS; k++) {
        const t = (horizon * k) / (TIME_POINTS - 1);
        if (t > ends[m]) break;
        const [lossMean, lossCi95] = meanCi(paths[m].map((p) => lossOfPath(p, t)));
        rows.push({ grid, point, method, time: t, lossMean, lossCi95, trials: paths[m].length });
      }
      if (model.targetLoss !== undefined) {
        const times = paths[m].map((p) => timeToTarget(p, model.targetLoss!)).filter((t) => !Number.isNaN(t));
        const [timeMean, timeCi95] = times.length > 0 ? meanCi(times) : [NaN, NaN];
        targets.push({ grid, point, method, reached: times.length, trials: paths[m].length, timeMean, timeCi95 });
      }
    });
  });
  return { rows, targets };
}

function normalized(w: Float64Array): Float64Array {
  let s = 0;
  for (const x of w) s += x;
  return Float64Array.from(w, (x) => x / s);
}

const cell = (v: unknown) => (v === undefined ? '' : typeof v === 'number' && !Number.isFinite(v) ? '' : String(v));

/** learning.csv: one row per grid point, method and time of the common grid (README data dictionary). */
export function learningCsv(c: SweepConfig, rows: LearningRow[]): string {
  const axes = c.grid.map((a) => a.key);
  const header = [...axes, 'method', 'time', 'lossMean', 'lossCi95', 'trials'];
  const lines = rows.map((r) => [...axes.map((k) => r.point[k]), r.method, r.time, r.lossMean, r.lossCi95, r.trials].map(cell).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/** The table's section: time to the target per grid point and method, h (mean ± CI). */
export function targetTable(c: SweepConfig, targets: TargetRow[], targetLoss: number): string {
  const swept = c.grid.filter((a) => a.values.length > 1).map((a) => a.key);
  const shown = swept.length > 0 ? swept : c.grid.slice(0, 1).map((a) => a.key);
  const header = [...shown.map(String), ...c.methods];
  const body: string[][] = [];
  gridPoints(c).forEach((p, g) => {
    const mine = targets.filter((t) => t.grid === g);
    if (mine.length === 0) return;
    const text = (t: TargetRow) =>
      t.reached === 0 ? 'not reached' : `${(t.timeMean / 3600).toFixed(3)} ± ${(t.timeCi95 / 3600).toFixed(3)}${t.reached < t.trials ? ` (${t.reached}/${t.trials})` : ''}`;
    body.push([...shown.map((k) => String(p[k] ?? SCENARIO_DEFAULTS[k])), ...mine.map(text)]);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padStart(widths[i])).join('  ');
  return `${[
    `time to the target loss ${targetLoss} (h) per method: mean ± 95% CI over trials (reached/trials when some trials did not reach it in ${c.rounds} rounds)`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n')}\n`;
}

/** One figure per grid point: mean loss against wall-clock time, one curve per method, the 95 % band, the target marked. */
export function learningSpecs(c: SweepConfig, learning: Learning, targetLoss?: number): Omit<Figure, 'svg'>[] {
  const swept = c.grid.filter((a) => a.values.length > 1);
  const specs: Omit<Figure, 'svg'>[] = [];
  gridPoints(c).forEach((p, g) => {
    const mine = learning.rows.filter((r) => r.grid === g);
    if (mine.length === 0) return;
    const values = mine.map((r) => ({ hours: r.time / 3600, method: r.method, series: seriesOf(r.method), loss: r.lossMean, lo: r.lossMean - r.lossCi95, hi: r.lossMean + r.lossCi95 }));
    const x = { field: 'hours', type: 'quantitative', title: 'wall-clock fine-tuning time (h)' };
    // `series`, not the id: see seriesOf.
    const color = { field: 'series', type: 'nominal', title: 'method', sort: c.methods.map(seriesOf), legend: { labelExpr: 'slice(datum.label, 1)' } };
    const key = swept.map((a) => `${a.key}-${p[a.key]}`).join('_');
    const subtitle = [
      ...swept.map((a) => `${a.key} = ${p[a.key]}`),
      `${c.drops} drop${c.drops === 1 ? '' : 's'} x ${c.realizations} trials of ${c.rounds} rounds, 95% CI`,
      ...(targetLoss !== undefined ? [`target loss ${targetLoss}`] : []),
    ].join(', ');
    const layer: Record<string, unknown>[] = [
      { mark: { type: 'area', opacity: 0.15 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
      { mark: { type: 'line' }, encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } }, color } },
    ];
    if (targetLoss !== undefined) {
      layer.push({ data: { values: [{ target: targetLoss }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#555' }, encoding: { y: { field: 'target', type: 'quantitative' } } });
    }
    specs.push({
      name: `loss-vs-time${key ? `_${key}` : ''}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: { text: 'Loss against wall-clock fine-tuning time', subtitle },
        width: 520,
        height: 340,
        data: { values },
        layer,
      },
    });
  });
  return specs;
}
