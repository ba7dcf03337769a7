/**
 * Figures of a sweep: a Vega-Lite spec per figure (data inline, written as `*.vl.json`
 * whatever happens, so Python users re-render it with Altair), and its SVG rendered
 * headless by Vega (no canvas: the 'none' renderer builds the scenegraph and `toSVG`
 * serializes it).
 *
 * vega and vega-lite are optional peer dependencies: they are imported here, lazily,
 * only when a figure is drawn, so nothing else in jcpba (the CLI's start, `--version`,
 * the solver) pays for loading them, and an installation without them still writes
 * every result file and the specs.
 */
import type { ScenarioOptions } from '../core/scenario.js';
import { GRID_PARAMS, type SweepConfig, gridPoints } from './config.js';
import type { ResultRow } from './results.js';

export interface Figure {
  /** File name without extension: `latency-vs-<axis>[_<other axes>]`. */
  name: string;
  /** The Vega-Lite spec, data inline (`<name>.vl.json`). */
  spec: Record<string, unknown>;
  /** The rendered figure (`<name>.svg`), when vega and vega-lite are installed. */
  svg?: string;
}

export interface Figures {
  figures: Figure[];
  /** Why no SVG was drawn and how to draw one, when vega or vega-lite is missing. */
  note?: string;
}

/** What a figure file of a sweep is called: replaced as a whole on every write. */
export function isFigureFile(file: string): boolean {
  return (file.startsWith('latency-vs-') || file.startsWith('fine-tuning-vs-')) && (file.endsWith('.svg') || file.endsWith('.vl.json'));
}

function labelOf(key: keyof ScenarioOptions): string {
  return GRID_PARAMS.find((p) => p.key === key)?.label ?? String(key);
}

/**
 * One spec per combination of the other swept axes: mean round latency against the
 * first swept axis, one line per method, 95% confidence bars. Needs no library.
 */
export function figureSpecs(c: SweepConfig, rows: ResultRow[]): Omit<Figure, 'svg'>[] {
  const swept = c.grid.filter((a) => a.values.length > 1);
  const xAxis = swept[0] ?? c.grid[0];
  if (!xAxis) return [];
  const others = swept.filter((a) => a !== xAxis);
  const numeric = xAxis.values.every((v) => typeof v === 'number');
  const groups = new Map<string, ResultRow[]>();
  const points = gridPoints(c);
  points.forEach((p, g) => {
    const key = others.map((a) => `${a.key}-${fileSafe(p[a.key])}`).join('_');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(...rows.filter((r) => r.grid === g));
  });
  const specs: Omit<Figure, 'svg'>[] = [];
  for (const [key, mine] of groups) {
    if (mine.length === 0) continue;
    const values = mine.map((r) => ({
      x: r.point[xAxis.key] === null ? 'none' : r.point[xAxis.key],
      method: r.method,
      mean: r.stats.mean,
      lo: r.stats.ci95Low,
      hi: r.stats.ci95High,
    }));
    const x = { field: 'x', type: numeric ? 'quantitative' : 'ordinal', title: labelOf(xAxis.key) };
    const color = { field: 'method', type: 'nominal', title: 'method', sort: c.methods };
    const subtitle = others.map((a) => `${labelOf(a.key)} = ${mine[0].point[a.key]}`).join(', ');
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: `Round latency against ${labelOf(xAxis.key)}`, subtitle: subtitle || `${c.drops} drops x ${c.realizations} realizations, 95% CI` },
      width: 520,
      height: 340,
      data: { values },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: { x, y: { field: 'mean', type: 'quantitative', title: 'mean round latency (s)' }, color },
        },
        {
          mark: { type: 'errorbar', ticks: true },
          encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'mean round latency (s)' }, y2: { field: 'hi' }, color },
        },
      ],
    };
    specs.push({ name: `latency-vs-${xAxis.key}${key ? `_${key}` : ''}`, spec });
  }
  return [...specs, ...targetSpecs(c, rows), ...fleetSpecs(c, rows)];
}

/** A grid value in a file name: a fleet's ':' ',' (and '/', spaces) become '_'; null is `none`. */
function fileSafe(v: unknown): string {
  return v === null ? 'none' : String(v).replace(/[:,;/\\\s]/g, '_');
}

/**
 * With a swept fleet (`--devices a;b;...`, MODEL.md section 12): mean round latency against
 * the fleet's share of small devices (those whose memory cannot hold the unpruned
 * fine-tuning), one line per method, 95% confidence bars, the excluded share and the
 * forced pruning of each fleet in the tooltip; one spec per combination of the other
 * swept axes.
 */
export function fleetSpecs(c: SweepConfig, rows: ResultRow[]): Omit<Figure, 'svg'>[] {
  const fleetAxis = c.grid.find((a) => a.key === 'devices' && a.values.length > 1);
  if (!fleetAxis || !rows.some((r) => r.fleet)) return [];
  const others = c.grid.filter((a) => a !== fleetAxis && a.values.length > 1);
  const groups = new Map<string, ResultRow[]>();
  gridPoints(c).forEach((p, g) => {
    const key = others.map((a) => `${a.key}-${fileSafe(p[a.key])}`).join('_');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(...rows.filter((r) => r.grid === g && r.fleet));
  });
  const specs: Omit<Figure, 'svg'>[] = [];
  for (const [key, mine] of groups) {
    if (mine.length === 0) continue;
    const values = mine.map((r) => ({
      share: r.fleet!.smallDeviceShare,
      fleet: r.point.devices,
      method: r.method,
      mean: r.stats.mean,
      lo: r.stats.ci95Low,
      hi: r.stats.ci95High,
      excluded: r.fleet!.excludedShare,
      forced: r.fleet!.forcedPruning,
    }));
    const x = { field: 'share', type: 'quantitative', title: 'share of small devices (memory below the fine-tuning need)' };
    const y = { field: 'mean', type: 'quantitative', title: 'mean round latency (s)' };
    const color = { field: 'method', type: 'nominal', title: 'method', sort: c.methods };
    const tooltip = ['fleet', 'method', 'mean', 'excluded', 'forced'].map((field) => ({ field }));
    const subtitle = [
      `${c.drops} drops x ${c.realizations} realizations, 95% CI`,
      ...(others.length > 0 ? [others.map((a) => `${labelOf(a.key)} = ${mine[0].point[a.key]}`).join(', ')] : []),
    ];
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Round latency against the share of small devices', subtitle },
      width: 520,
      height: 340,
      data: { values },
      layer: [
        { mark: { type: 'line', point: true }, encoding: { x, y, color, tooltip } },
        { mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'mean round latency (s)' }, y2: { field: 'hi' }, color } },
      ],
    };
    specs.push({ name: `latency-vs-small-devices${key ? `_${key}` : ''}`, spec });
  }
  return specs;
}

/**
 * With rounds0 and pruningLimit and a swept budget: the fine-tuning time to the target
 * against the budget, one line per method, each method's best budget marked; one spec
 * per combination of the other swept axes.
 */
export function targetSpecs(c: SweepConfig, rows: ResultRow[]): Omit<Figure, 'svg'>[] {
  const budgetAxis = c.grid.find((a) => a.key === 'budget' && a.values.length > 1);
  if (c.rounds0 === undefined || !budgetAxis) return [];
  const others = c.grid.filter((a) => a !== budgetAxis && a.values.length > 1);
  const groups = new Map<string, ResultRow[]>();
  gridPoints(c).forEach((p, g) => {
    const key = others.map((a) => `${a.key}-${fileSafe(p[a.key])}`).join('_');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(...rows.filter((r) => r.grid === g));
  });
  const limit = c.pruningLimit === null || c.pruningLimit === undefined ? 'inf' : String(c.pruningLimit);
  const specs: Omit<Figure, 'svg'>[] = [];
  for (const [key, mine] of groups) {
    const reachable = mine.filter((r) => r.timeToTarget !== undefined && Number.isFinite(r.timeToTarget));
    if (reachable.length === 0) continue;
    const values = reachable.map((r) => ({ budget: r.point.budget, method: r.method, hours: r.timeToTarget! / 3600, rounds: r.roundsToTarget }));
    const best = c.methods.flatMap((m) => {
      const own = values.filter((v) => v.method === m);
      if (own.length === 0) return [];
      return [own.reduce((a, b) => (b.hours < a.hours ? b : a))];
    });
    const x = { field: 'budget', type: 'quantitative', title: labelOf('budget') };
    const y = { field: 'hours', type: 'quantitative', title: 'fine-tuning time to the target (h)', scale: { zero: false } };
    const color = { field: 'method', type: 'nominal', title: 'method', sort: c.methods };
    const subtitle = [
      (c.convergenceExponent ?? 1) === 1
        ? `R0 = ${c.rounds0}, Pmax = ${limit}: rounds = ceil(R0 / (1 - mean pruning / Pmax))`
        : `R0 = ${c.rounds0}, Pmax = ${limit}, m = ${c.convergenceExponent}: rounds = ceil(R0 / (1 - mean pruning / Pmax)^m)`,
      "diamonds: each method's best budget",
      ...(others.length > 0 ? [others.map((a) => `${labelOf(a.key)} = ${mine[0].point[a.key]}`).join(', ')] : []),
    ];
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Fine-tuning time against the pruning budget', subtitle },
      width: 520,
      height: 340,
      layer: [
        { data: { values }, mark: { type: 'line', point: true }, encoding: { x, y, color } },
        {
          data: { values: best },
          mark: { type: 'point', shape: 'diamond', size: 220, filled: true, stroke: 'black', strokeWidth: 1, opacity: 1 },
          encoding: { x, y, fill: color },
        },
      ],
    };
    specs.push({ name: `fine-tuning-vs-budget${key ? `_${key}` : ''}`, spec });
  }
  return specs;
}

interface Renderer {
  (spec: Record<string, unknown>): Promise<string>;
}

/** How to get SVGs when the libraries are missing (the CLI prints it). */
export const NO_RENDERER_NOTE =
  'figures written as Vega-Lite specs (*.vl.json) only: vega and vega-lite are not installed. ' +
  'For SVGs, install them beside jcpba (npm install vega vega-lite; on Node 20, vega-lite@6.4) and run the command again ' +
  '(a sweep with --resume: nothing is recomputed), ' +
  'or render a spec yourself (npx -p vega -p vega-lite vl2svg FILE.vl.json > FILE.svg; in Python, altair.Chart.from_dict(json.load(open(FILE))).save("FILE.svg"))';

function isMissingModule(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** vega and vega-lite, imported on first use; undefined when either is not installed. */
async function loadRenderer(): Promise<Renderer | undefined> {
  let vega: typeof import('vega');
  let vegaLite: typeof import('vega-lite');
  try {
    [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  } catch (e) {
    if (isMissingModule(e)) return undefined;
    throw e;
  }
  return async (spec) => {
    const view = new vega.View(vega.parse(vegaLite.compile(spec as never).spec), { renderer: 'none' });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  };
}

/** Every figure of a sweep: its spec always, its SVG when vega and vega-lite load. */
export async function sweepFigures(c: SweepConfig, rows: ResultRow[]): Promise<Figures> {
  return renderFigures(figureSpecs(c, rows));
}

/** Figures from their specs: the SVGs when vega and vega-lite load, else the specs and a note. */
export async function renderFigures(specs: Omit<Figure, 'svg'>[]): Promise<Figures> {
  if (specs.length === 0) return { figures: [] };
  const render = await loadRenderer();
  if (!render) return { figures: specs, note: NO_RENDERER_NOTE };
  const figures: Figure[] = [];
  for (const f of specs) figures.push({ ...f, svg: await render(f.spec) });
  return { figures };
}
