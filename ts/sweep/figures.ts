/**
 * SVG figures of a sweep, drawn with Vega-Lite and rendered headless by Vega (no canvas:
 * the 'none' renderer builds the scenegraph and `toSVG` serializes it).
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { ScenarioOptions } from '../core/scenario.js';
import { GRID_PARAMS, type SweepConfig, gridPoints } from './config.js';
import type { ResultRow } from './results.js';

export interface Figure {
  file: string;
  svg: string;
}

/** The file name prefixes of every figure a sweep writes (older ones are replaced). */
export const FIGURE_PREFIXES = ['latency-vs-', 'fine-tuning-vs-'];

async function render(spec: unknown): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

function labelOf(key: keyof ScenarioOptions): string {
  return GRID_PARAMS.find((p) => p.key === key)?.label ?? String(key);
}

/**
 * One figure per combination of the other swept axes: mean round latency against the
 * first swept axis, one line per method, 95% confidence bars.
 */
export async function sweepFigures(c: SweepConfig, rows: ResultRow[]): Promise<Figure[]> {
  const swept = c.grid.filter((a) => a.values.length > 1);
  const xAxis = swept[0] ?? c.grid[0];
  if (!xAxis) return [];
  const others = swept.filter((a) => a !== xAxis);
  const numeric = xAxis.values.every((v) => typeof v === 'number');
  const groups = new Map<string, ResultRow[]>();
  const points = gridPoints(c);
  points.forEach((p, g) => {
    const key = others.map((a) => `${a.key}-${p[a.key]}`).join('_');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(...rows.filter((r) => r.grid === g));
  });
  const figures: Figure[] = [];
  for (const [key, mine] of groups) {
    if (mine.length === 0) continue;
    const values = mine.map((r) => ({
      x: r.point[xAxis.key],
      method: r.method,
      mean: r.stats.mean,
      lo: r.stats.ci95Low,
      hi: r.stats.ci95High,
    }));
    const x = { field: 'x', type: numeric ? 'quantitative' : 'ordinal', title: labelOf(xAxis.key) } as const;
    const color = { field: 'method', type: 'nominal', title: 'method', sort: c.methods } as const;
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
    figures.push({ file: `latency-vs-${xAxis.key}${key ? `_${key}` : ''}.svg`, svg: await render(spec) });
  }
  return [...figures, ...(await targetFigures(c, rows))];
}

/**
 * With rounds0 and pruningLimit and a swept budget: the fine-tuning time to the target
 * against the budget, one line per method, each method's best budget marked; one figure
 * per combination of the other swept axes.
 */
export async function targetFigures(c: SweepConfig, rows: ResultRow[]): Promise<Figure[]> {
  const budgetAxis = c.grid.find((a) => a.key === 'budget' && a.values.length > 1);
  if (c.rounds0 === undefined || !budgetAxis) return [];
  const others = c.grid.filter((a) => a !== budgetAxis && a.values.length > 1);
  const groups = new Map<string, ResultRow[]>();
  gridPoints(c).forEach((p, g) => {
    const key = others.map((a) => `${a.key}-${p[a.key]}`).join('_');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(...rows.filter((r) => r.grid === g));
  });
  const limit = c.pruningLimit === null || c.pruningLimit === undefined ? 'inf' : String(c.pruningLimit);
  const figures: Figure[] = [];
  for (const [key, mine] of groups) {
    const reachable = mine.filter((r) => r.timeToTarget !== undefined && Number.isFinite(r.timeToTarget));
    if (reachable.length === 0) continue;
    const values = reachable.map((r) => ({ budget: r.point.budget, method: r.method, hours: r.timeToTarget! / 3600, rounds: r.roundsToTarget }));
    const best = c.methods.flatMap((m) => {
      const own = values.filter((v) => v.method === m);
      if (own.length === 0) return [];
      return [own.reduce((a, b) => (b.hours < a.hours ? b : a))];
    });
    const x = { field: 'budget', type: 'quantitative', title: labelOf('budget') } as const;
    const y = { field: 'hours', type: 'quantitative', title: 'fine-tuning time to the target (h)', scale: { zero: false } } as const;
    const color = { field: 'method', type: 'nominal', title: 'method', sort: c.methods } as const;
    const subtitle = [
      `R0 = ${c.rounds0}, Pmax = ${limit}: rounds = ceil(R0 / (1 - mean pruning / Pmax))`,
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
    figures.push({ file: `fine-tuning-vs-budget${key ? `_${key}` : ''}.svg`, svg: await render(spec) });
  }
  return figures;
}
