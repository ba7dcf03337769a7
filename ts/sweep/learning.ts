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
import { type MethodId, METHODS, hasPoint } from '../core/methods.js';
import { t975 } from '../core/montecarlo.js';
import { progress } from '../core/plan.js';
import { type ScenarioOptions, SCENARIO_DEFAULTS, generateFromParams } from '../core/scenario.js';
import { weighted } from '../core/pruning.js';
import type { Solver } from '../facade.js';
import { type LossCurve, lastRound, lossAt } from '../learning/curve.js';
import { type SweepConfig, gridPoints, scenarioOf } from './config.js';
import { type Figure, FONT_SIZE, SUBTITLE_CHARS, fileSafe, markerCopy, methodChannels, paperFrame, seriesOf, wrapSubtitle } from './figures.js';

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
  /** Wall-clock fine-tuning time, s; null on the one row of a method without a complete trial. */
  time: number | null;
  /** Mean loss over the complete trials at `time` (null without a complete trial). */
  lossMean: number | null;
  /** Half-width of the Student t 95 % CI of lossMean (0 with one trial; null without a complete trial). */
  lossCi95: number | null;
  /** Complete trials (a point in every round) averaged. */
  trials: number;
  /** Trials with a round where the method returned no point / all trials (drops x realizations). */
  outageShare: number;
}

export interface TargetRow {
  grid: number;
  point: Partial<ScenarioOptions>;
  method: string;
  /** Complete trials that reached the target within R rounds. */
  reached: number;
  /** Complete trials (a point in every round). */
  trials: number;
  /** All trials: drops x realizations (a trial with an outage never reaches the target). */
  all: number;
  /** Mean time to the target over the trials that reached it, s (null when none did). */
  timeMean: number | null;
  timeCi95: number | null;
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

/** Yields to the event loop: the folder's lock is refreshed and signals are seen during a long pass. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replays every trial of every grid point and method (module docs). A trial in which the
 * method returns no point in some round (energy caps, minimum pruning: MODEL.md 11.2, 12)
 * is an outage: fine-tuning with that method cannot go on in that realization, so the
 * trial has no loss path; it counts in `outageShare` and never reaches the target, and the
 * curves and times cover the complete trials (MODEL.md 13.2). Resolves to undefined when
 * `shouldStop` (polled between trials) says so.
 */
export async function learningCurves(
  c: SweepConfig,
  solver: Solver,
  model: LearningModel,
  o: { shouldStop?: () => boolean } = {},
): Promise<Learning | undefined> {
  checkLearning(c, model);
  const rows: LearningRow[] = [];
  const targets: TargetRow[] = [];
  const points = gridPoints(c);
  const all = c.drops * c.realizations;
  for (let grid = 0; grid < points.length; grid++) {
    const point = points[grid];
    const params = scenarioOf(c, point);
    // The complete trials' paths, per method.
    const paths: Path[][] = c.methods.map(() => []);
    for (let drop = 0; drop < c.drops; drop++) {
      for (let trial = 0; trial < c.realizations; trial++) {
        if (o.shouldStop?.()) return undefined;
        const time = c.methods.map(() => new Float64Array(c.rounds + 1));
        const loss = c.methods.map(() => new Float64Array(c.rounds + 1));
        const x = new Float64Array(c.methods.length);
        const outage = c.methods.map(() => false);
        c.methods.forEach((_, m) => (loss[m][0] = model.curve.loss[0]));
        for (let round = 0; round < c.rounds; round++) {
          const problem = generateFromParams({ ...params, drop, realization: trial * c.rounds + round });
          c.methods.forEach((method, m) => {
            if (outage[m]) return; // fine-tuning stopped in this trial: its later rounds do not matter
            const r = solver.solve(problem, { method: method as MethodId, tolerance: c.tolerance, maxIterations: c.maxIterations });
            if (!hasPoint(r)) {
              outage[m] = true;
              return;
            }
            // A returned point may exceed the budget by rounding (1e-12): not a round's worth.
            const P = Math.min(weighted(normalized(problem.dataWeight), r.pruning), problem.pruningBudget);
            x[m] += P < model.pruningLimit ? progress(model.pruningLimit, model.convergenceExponent, P) : 0;
            time[m][round + 1] = time[m][round] + r.latency;
            loss[m][round + 1] = lossAt(model.curve, x[m]);
          });
        }
        c.methods.forEach((_, m) => {
          if (!outage[m]) paths[m].push({ time: time[m], loss: loss[m] });
        });
        await turn();
      }
    }
    // The common grid: to the latest time every complete trial of some method reaches.
    const ends = paths.map((ps) => (ps.length > 0 ? Math.min(...ps.map((p) => p.time[p.time.length - 1])) : -Infinity));
    const horizon = Math.max(...ends);
    c.methods.forEach((method, m) => {
      const complete = paths[m].length;
      const outageShare = (all - complete) / all;
      if (complete === 0) {
        rows.push({ grid, point, method, time: null, lossMean: null, lossCi95: null, trials: 0, outageShare });
      } else {
        for (let k = 0; k < TIME_POINTS; k++) {
          const t = (horizon * k) / (TIME_POINTS - 1);
          if (t > ends[m]) break;
          const [lossMean, lossCi95] = meanCi(paths[m].map((p) => lossOfPath(p, t)));
          rows.push({ grid, point, method, time: t, lossMean, lossCi95, trials: complete, outageShare });
        }
      }
      if (model.targetLoss !== undefined) {
        const times = paths[m].map((p) => timeToTarget(p, model.targetLoss!)).filter((t) => !Number.isNaN(t));
        const [timeMean, timeCi95] = times.length > 0 ? meanCi(times) : [null, null];
        targets.push({ grid, point, method, reached: times.length, trials: complete, all, timeMean, timeCi95 });
      }
    });
  }
  return { rows, targets };
}

function normalized(w: Float64Array): Float64Array {
  let s = 0;
  for (const x of w) s += x;
  return Float64Array.from(w, (x) => x / s);
}

const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'number' && !Number.isFinite(v) ? '' : String(v));

/** learning.csv: one row per grid point, method and time of the common grid (README data dictionary). */
export function learningCsv(c: SweepConfig, rows: LearningRow[]): string {
  const axes = c.grid.map((a) => a.key);
  const header = [...axes, 'method', 'time', 'lossMean', 'lossCi95', 'trials', 'outageShare'];
  const lines = rows.map((r) => [...axes.map((k) => (r.point[k] === null ? 'none' : r.point[k])), r.method, r.time, r.lossMean, r.lossCi95, r.trials, r.outageShare].map(cell).join(','));
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
      t.timeMean === null || t.timeCi95 === null
        ? t.trials === 0
          ? 'outage in every trial'
          : 'not reached'
        : `${(t.timeMean / 3600).toFixed(3)} ± ${(t.timeCi95 / 3600).toFixed(3)}${t.reached < t.all ? ` (${t.reached}/${t.all})` : ''}`;
    body.push([...shown.map((k) => display(k in p ? p[k] : SCENARIO_DEFAULTS[k])), ...mine.map(text)]);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padStart(widths[i])).join('  ');
  const outage = targets.some((t) => t.trials < t.all);
  return `${[
    `time to the target loss ${targetLoss} (h) per method: mean ± 95% CI over trials (reached/trials when some trials did not reach it in ${c.rounds} rounds)`,
    ...(outage ? ['a trial with a round where the method returned no point (an outage) has no loss path and counts as not reached (learning.csv: outageShare)'] : []),
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n')}\n`;
}

/** A grid value for people: `none` for no energy cap. */
function display(v: unknown): string {
  return v === null ? 'none' : String(v);
}

/** Markers on a loss curve: one every MARKER_EVERY points of the time grid, shifted per method so that curves close together do not stack them. */
const MARKER_EVERY = 10;

/** Items joined by ', ' into lines of at most SUBTITLE_CHARS characters. */
function packed(items: string[]): string[] {
  const lines: string[] = [];
  for (const item of items) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 2 + item.length <= SUBTITLE_CHARS) lines[last] += `, ${item}`;
    else lines.push(item);
  }
  return lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l));
}

/** The subtitle: the grid point, what the line and the band are, the outage of each method that had one, the target. */
function subtitleLines(c: SweepConfig, rows: LearningRow[], swept: { key: keyof ScenarioOptions }[], p: Partial<ScenarioOptions>, targetLoss?: number): string[] {
  const share = new Map(rows.map((r) => [r.method, r.outageShare]));
  const pct = (x: number) => `${Number((100 * x).toPrecision(3))}%`;
  const outage = c.methods.filter((m) => share.get(m)! > 0).map((m) => `${m} ${pct(share.get(m)!)}${share.get(m) === 1 ? ' (no curve)' : ''}`);
  // Every line within the column (the sample's line, 39 characters with 8 drops x 64 trials, widened the figure to 259 points).
  return wrapSubtitle([
    ...(swept.length > 0 ? packed(swept.map((a) => `${a.key} = ${display(p[a.key])}`)) : []),
    `mean of ${c.drops} drop${c.drops === 1 ? '' : 's'} x ${c.realizations} trials`,
    `of ${c.rounds} round${c.rounds === 1 ? '' : 's'} each;`,
    'band: 95% CI of the mean (Student t)',
    ...(outage.length > 0 ? ['trials with an outage left out:', ...packed(outage)] : []),
    ...(targetLoss !== undefined ? [`grey line: target loss ${targetLoss}`] : []),
  ]);
}

/**
 * One figure per grid point, in the paper style of figures.ts (a 3.5 in column at 8 pt,
 * methods told apart by colour, marker and dash): the mean loss against wall-clock time,
 * one curve per method with its 95 % band, the target loss as a grey line.
 */
export function learningSpecs(c: SweepConfig, learning: Learning, targetLoss?: number): Omit<Figure, 'svg'>[] {
  const swept = c.grid.filter((a) => a.values.length > 1);
  const specs: Omit<Figure, 'svg'>[] = [];
  gridPoints(c).forEach((p, g) => {
    const mine = learning.rows.filter((r) => r.grid === g);
    if (mine.length === 0) return;
    // k: the row's place on its method's time grid (rows are in grid order per method).
    const seen = new Map<string, number>();
    const values = mine
      .filter((r) => r.time !== null && r.lossMean !== null && r.lossCi95 !== null)
      .map((r) => {
        const k = seen.get(r.method) ?? 0;
        seen.set(r.method, k + 1);
        const shift = 3 * c.methods.indexOf(r.method);
        return { hours: r.time! / 3600, method: r.method, series: seriesOf(r.method), y: r.lossMean!, lo: r.lossMean! - r.lossCi95!, hi: r.lossMean! + r.lossCi95!, marked: (k + shift) % MARKER_EVERY === 0 };
      });
    const x = { field: 'hours', type: 'quantitative', title: 'wall-clock fine-tuning time (h)', scale: { zero: true, nice: false } };
    const y = { field: 'y', type: 'quantitative', title: 'mean loss', scale: { zero: false } };
    const ch = methodChannels(c.methods);
    const line = methodChannels(c.methods, true);
    const key = swept.map((a) => `${a.key}-${fileSafe(p[a.key])}`).join('_');
    const layer: Record<string, unknown>[] = [
      { mark: { type: 'area', opacity: 0.12 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: ch.color } },
      { mark: { type: 'line' }, encoding: { x, y, color: line.color, strokeDash: line.strokeDash } },
      { transform: [{ filter: 'datum.marked' }, markerCopy], mark: { type: 'point' }, encoding: { x, y, color: ch.color, shape: ch.shape } },
    ];
    if (targetLoss !== undefined) {
      // A thin grey rule (no method's dash pattern), labelled above its left end: the loss
      // falls with time, so the curves are high there and the label stays clear of them.
      const target = { data: { values: [{ target: targetLoss, label: 'target' }] }, encoding: { y: { field: 'target', type: 'quantitative' } } };
      layer.push({ ...target, mark: { type: 'rule', color: '#888', strokeWidth: 0.75 } });
      layer.push({ ...target, mark: { type: 'text', color: '#666', fontSize: FONT_SIZE, align: 'left', baseline: 'bottom', dx: 3, dy: -1, x: 0 }, encoding: { ...target.encoding, text: { field: 'label' } } });
    }
    specs.push({
      name: `loss-vs-time${key ? `_${key}` : ''}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: { text: 'Loss against fine-tuning time', subtitle: subtitleLines(c, mine, swept, p, targetLoss) },
        ...paperFrame(),
        data: { values },
        layer,
      },
    });
  });
  return specs;
}
