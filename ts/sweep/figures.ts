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
    const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    figures.push({ file: `latency-vs-${xAxis.key}${key ? `_${key}` : ''}.svg`, svg });
  }
  return figures;
}
