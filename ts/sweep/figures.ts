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
  return (
    (file.startsWith('latency-vs-') ||
      file.startsWith('fine-tuning-vs-') ||
      file.startsWith('loss-vs-time') ||
      file.startsWith('energy-vs-') ||
      file.startsWith('outage-vs-') ||
      file.startsWith('latency-energy')) &&
    (file.endsWith('.svg') || file.endsWith('.vl.json') || file.endsWith('.png') || file.endsWith('.pdf'))
  );
}

function labelOf(key: keyof ScenarioOptions): string {
  return GRID_PARAMS.find((p) => p.key === key)?.label ?? String(key);
}

/**
 * Paper style. Every figure is drawn about FIGURE_WIDTH = 252 units wide in all (a 200-unit
 * plot, its y axis and padding) with 8-unit text, so placed at one column of a
 * two-column paper, 3.5 in = 252 pt wide, one unit is one point and the text is 8 pt
 * (the usual caption size). Methods are told apart three ways, so print in grey or a
 * colour-blind reader loses nothing: colour (the Okabe-Ito palette, without its yellow,
 * unreadable on white), marker shape and dash pattern; legend labels are never cut.
 */
export const FIGURE_WIDTH = 252;
/** The plot area, in the same units (points at one column): with the y axis and padding the figure is about FIGURE_WIDTH wide. */
export const PLOT_WIDTH = 200;
/** The plot's height: a y axis title of up to 25 characters fits along it (textWidth). */
export const PLOT_HEIGHT = 160;
/** The outage panel under the latency panel of the energy-cap figure. */
const OUTAGE_HEIGHT = 70;
const OUTAGE_SPACING = 8;
/** Text size, points at one column. */
export const FONT_SIZE = 8;
/** From the bottom of a plot to its legend: the x axis labels and title in between, in points. */
const LEGEND_GAP = 34;
/** Length of an axis tick (Vega's default), in points. */
const TICK_SIZE = 5;
/** Title size, points at one column. */
const TITLE_SIZE = FONT_SIZE + 1;
/** The Vega-Lite schema of every spec. */
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Vega's padding around a figure, each side, in points. */
const PADDING = 5;

/**
 * The width Vega gives a text when it lays out a figure headless (no canvas to measure
 * with: vega-scenegraph's estimate, 0.8 x font size per character), in points. Drawn
 * in Helvetica the text is narrower, but the layout, and so the figure's width, follows
 * this estimate: a title wider than the figure widens the figure.
 */
export function textWidth(text: string, fontSize: number = FONT_SIZE): number {
  return 0.8 * fontSize * text.length;
}

/** The most characters of a subtitle line at FONT_SIZE within FIGURE_WIDTH (its padding left out). */
export const SUBTITLE_CHARS = Math.floor((FIGURE_WIDTH - 2 * PADDING) / textWidth('x'));

/**
 * Subtitle lines from sentences: each part starts a line and is wrapped at spaces to at
 * most SUBTITLE_CHARS characters, so no subtitle widens its figure past the column (a
 * single word longer than a line stays whole, and a test catches it).
 */
export function wrapSubtitle(parts: string[], chars: number = SUBTITLE_CHARS): string[] {
  const lines: string[] = [];
  for (const part of parts) {
    let line = '';
    for (const word of part.split(' ').filter((w) => w !== '')) {
      if (line !== '' && line.length + 1 + word.length > chars) {
        lines.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') lines.push(line);
  }
  return lines;
}
/** Okabe and Ito's colour-blind-safe palette (Color Universal Design), yellow left out. */
const PALETTE = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7'];
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'triangle-right'];
const DASHES = [[1, 0], [5, 2], [2, 2], [6, 2, 1, 2], [3, 3], [8, 2, 2, 2, 2, 2], [1, 3]];
/**
 * Size of a legend symbol: Vega draws a custom path at sqrt(size) / 2 points per path unit,
 * so the symbol spans 20 points, enough for each pattern to show on both sides of the
 * marker (the legend is no wider than the plot's 252 points with it).
 */
const LEGEND_SYMBOL_SIZE = 20 * 20;
/** The marker's half-width in a legend symbol, in path units: 2.4 points, as the plot's markers (size 22). */
const LEGEND_MARKER = 2.4 / 10;

/**
 * A method's legend symbol as a custom Vega path (units of half the symbol's width): a
 * line segment across, which the legend strokes with the method's dash pattern, and the
 * method's marker in its middle, drawn as Vega draws SHAPES (vega-scenegraph's symbols).
 */
export function legendSymbol(shape: string): string {
  const r = LEGEND_MARKER;
  const h = (Math.sqrt(3) / 2) * r;
  const s = r / 2.5;
  const f = (x: number) => Number(x.toFixed(4));
  const marker: Record<string, string> = {
    circle: `M${f(r)},0A${f(r)},${f(r)},0,1,1,${f(-r)},0A${f(r)},${f(r)},0,1,1,${f(r)},0Z`,
    square: `M${f(-r)},${f(-r)}H${f(r)}V${f(r)}H${f(-r)}Z`,
    'triangle-up': `M0,${f(-h)}L${f(-r)},${f(h)}L${f(r)},${f(h)}Z`,
    diamond: `M${f(-r)},0L0,${f(-r)}L${f(r)},0L0,${f(r)}Z`,
    cross: `M${f(-r)},${f(-s)}V${f(s)}H${f(-s)}V${f(r)}H${f(s)}V${f(s)}H${f(r)}V${f(-s)}H${f(s)}V${f(-r)}H${f(-s)}V${f(-s)}Z`,
    'triangle-down': `M0,${f(h)}L${f(-r)},${f(-h)}L${f(r)},${f(-h)}Z`,
    'triangle-right': `M${f(h)},0L${f(-h)},${f(-r)}L${f(-h)},${f(r)}Z`,
  };
  if (!(shape in marker)) throw new Error(`legendSymbol: no path for shape ${shape}`);
  return `M-1,0H1${marker[shape]}`;
}
/** Horizontal distance between the interval bars of neighbouring methods at one x, in points: bars never overlap. */
const DODGE = 1.5;

/** What the bars of a figure show, for its subtitle and the y axis. */
export type Statistic = 'mean' | 'median';

/** The config block of every spec: sizes and fonts of the paper style. */
function paperConfig(legendY: number = PLOT_HEIGHT + LEGEND_GAP): Record<string, unknown> {
  return {
    font: 'Helvetica, Arial, sans-serif',
    axis: { labelFontSize: FONT_SIZE, titleFontSize: FONT_SIZE, titleFontWeight: 'normal', gridColor: '#e6e6e6', tickCount: 5 },
    legend: { labelFontSize: FONT_SIZE, titleFontSize: FONT_SIZE, titleFontWeight: 'normal', labelLimit: 0, orient: 'none', legendX: -43, legendY, direction: 'horizontal', columns: 2, symbolSize: 40, symbolStrokeWidth: 1.5, symbolType: 'stroke', rowPadding: 2, columnPadding: 0, labelOffset: 2 },
    title: { fontSize: TITLE_SIZE, subtitleFontSize: FONT_SIZE, anchor: 'start', subtitleColor: '#444' },
    view: { stroke: null },
    line: { strokeWidth: 1.25 },
    // Opaque markers: a translucent one prints as a paler colour than its line and legend.
    point: { size: 22, filled: true, opacity: 1 },
  };
}

/**
 * A method's value in the `series` field of a figure's data: its id after one space. Vega
 * turns a legend's values, a sort list, a filter and an object literal into expressions, and
 * a string there that names an Object.prototype member ("constructor", "toString": valid
 * custom method ids) breaks its parser ("Operator not defined", "Illegal property"); with
 * the space none does. The legend drops the space again (`labelExpr`), so it shows the id.
 * Every scale over the methods is on `series`; `method` stays in the data for tooltips.
 */
export function seriesOf(method: string): string {
  return ` ${method}`;
}

/** The legend's labels: each series without its leading space, the method's id. */
const LABEL_EXPR = 'slice(datum.label, 1)';

/**
 * Colour, shape and dash scales over the methods, in the sweep's order. The line layer
 * carries the legend's settings (`legend: true`; Vega-Lite merges every layer's into one). Its
 * symbol per method is a line segment stroked with the method's colour and dash pattern,
 * with the method's marker, filled, in the middle (legendSymbol): a plain marker would hide
 * the dash (a filled shape 6 points wide shows no pattern). The shape scale stays out of
 * the legend, or Vega-Lite would draw the bare marker instead of that symbol.
 */
export function methodChannels(methods: string[], legend = false): { color: object; shape: object; strokeDash: object } {
  const pick = <T>(list: T[]) => methods.map((_, i) => list[i % list.length]);
  const domain = methods.map(seriesOf);
  const common = { field: 'series', type: 'nominal', title: null, sort: domain };
  const symbols = Object.fromEntries(methods.map((m, i) => [seriesOf(m), legendSymbol(SHAPES[i % SHAPES.length])]));
  const withLegend = {
    values: legendOrder(methods).map(seriesOf),
    labelExpr: LABEL_EXPR,
    symbolSize: LEGEND_SYMBOL_SIZE,
    encoding: { symbols: { shape: { value: { expr: `${JSON.stringify(symbols)}[datum.value]` } }, fill: { value: { expr: "scale('color', datum.value)" } } } },
  };
  return {
    color: { ...common, scale: { domain, range: pick(PALETTE) }, ...(legend ? { legend: withLegend } : {}) },
    // On a copy of the method (MARKER_FIELD, made by markerCopy in each layer that draws
    // markers): a scale of its own field stays out of the method's legend.
    shape: { ...common, field: MARKER_FIELD, scale: { domain, range: pick(SHAPES) }, legend: null },
    strokeDash: { ...common, scale: { domain, range: pick(DASHES) }, ...(legend ? { legend: withLegend } : {}) },
  };
}

/**
 * The legend's entries in its reading order (two columns, filled row by row): the longer
 * half of the names in the first column and the rest in the second, each column in the
 * methods' order. The columns are as wide as their longest name, so this keeps the legend,
 * and the figure, within the column width (Vega sizes text by an estimate, longer than drawn).
 */
export function legendOrder(methods: string[]): string[] {
  const first = Math.ceil(methods.length / 2);
  const byLength = methods.map((m, i) => ({ m, i })).sort((a, b) => b.m.length - a.m.length || a.i - b.i);
  const left = new Set(byLength.slice(0, first).map((x) => x.m));
  const col1 = methods.filter((m) => left.has(m));
  const col2 = methods.filter((m) => !left.has(m));
  return col1.flatMap((m, r) => (r < col2.length ? [m, col2[r]] : [m]));
}

/** The field the marker shape encodes: a copy of `series` (see methodChannels). */
const MARKER_FIELD = 'marker';
/** The transform that makes MARKER_FIELD, for a layer whose marks have a shape. */
export const markerCopy = { calculate: 'datum.series', as: MARKER_FIELD };

/** The size and layout keys of a spec in the paper style (the sweep's figures, the calibration's); `x` the x channel, when its labels may stand vertical. */
export function paperFrame(x?: object): Record<string, unknown> {
  // The plot area is set, not fitted: Vega's fit would also squeeze it for the legend below.
  return { width: PLOT_WIDTH, height: PLOT_HEIGHT, config: paperConfig(PLOT_HEIGHT + LEGEND_GAP + (x ? labelDepth(x) : 0)) };
}

/**
 * How much deeper than an upright label the labels of an x channel reach, in points:
 * vertical labels (an ordinal axis with long values, such as fleets) take their
 * estimated width (textWidth), and the legend moves down by as much.
 */
function labelDepth(x: object): number {
  const ch = x as { type?: string; scale?: { domain?: unknown[] }; axis?: { labelAngle?: number } };
  if (ch.type !== 'ordinal' || ch.axis?.labelAngle === 0 || !ch.scale?.domain) return 0;
  return Math.max(0, ...ch.scale.domain.flatMap((v) => String(v).split(',')).map((v) => textWidth(v) - FONT_SIZE));
}

/**
 * A line per method with its marker, and each method's interval as a vertical rule moved
 * sideways by its rank (dodged), so the bars at one x never hide each other.
 */
function linesWithIntervals(methods: string[], x: object, yTitle: string, extra: { tooltip?: object[]; yAxis?: object | undefined } = {}): object[] {
  const ch = methodChannels(methods);
  const line = methodChannels(methods, true);
  const y = { field: 'y', type: 'quantitative', title: yTitle, ...(extra.yAxis ? { axis: extra.yAxis } : {}) };
  const layers: object[] = [
    { mark: { type: 'line' }, encoding: { x, y, color: line.color, strokeDash: line.strokeDash } },
    { transform: [markerCopy], mark: { type: 'point' }, encoding: { x, y, color: ch.color, shape: ch.shape, ...(extra.tooltip ? { tooltip: extra.tooltip } : {}) } },
  ];
  return [...layers, ...dodgedBars(methods, x, { field: 'lo', type: 'quantitative' }, { field: 'hi' })];
}

/**
 * Each method's interval bars, from `y` to `y2` (vertical) or, with `horizontal`, from
 * `x` to `x2` at `y`: a rule per method moved sideways by its rank (dodged), so the bars
 * at one place never hide each other.
 */
function dodgedBars(methods: string[], at: object, from: object, to: object, horizontal = false): Record<string, unknown>[] {
  const ch = methodChannels(methods);
  return methods.map((m, i) => {
    const offset = (i - (methods.length - 1) / 2) * DODGE;
    return {
      transform: [{ filter: { field: 'series', equal: seriesOf(m) } }],
      mark: { type: 'rule', ...(horizontal ? { yOffset: offset } : { xOffset: offset }), strokeWidth: 1, opacity: 0.8 },
      encoding: horizontal ? { y: at, x: from, x2: to, color: ch.color } : { x: at, y: from, y2: to, color: ch.color },
    };
  });
}

/** The statistic of a row and its 95% interval: the mean with its Student t interval, or the median with its exact percentile-bootstrap interval (montecarlo.ts medianInterval). */
function statisticOf(r: ResultRow, statistic: Statistic): { y: number; lo: number; hi: number } {
  const s = r.stats;
  if (s.mean === null || s.median === null || s.ci95Low === null || s.ci95High === null) throw new Error('statisticOf: a row without a point has no statistic (filter with hasLatency)');
  if (statistic === 'median') {
    const ci = r.medianCi95 ?? { low: s.median, high: s.median };
    return { y: s.median, lo: ci.low, hi: ci.high };
  }
  return { y: s.mean, lo: s.ci95Low, hi: s.ci95High };
}

/** Rows with a latency: the method returned a point in some round of the grid point (the others are drawn nowhere on a latency axis). */
const hasLatency = (r: ResultRow) => r.stats.mean !== null;

/** The sample behind every statistic of a sweep's figures. */
function sampleOf(c: SweepConfig): string {
  return `${c.drops} drops x ${c.realizations} realizations${c.rounds > 1 ? ` x ${c.rounds} rounds` : ''}`;
}

/** The subtitle's sentences that say what the line and the bars are (wrapSubtitle makes the lines). */
function barsLine(c: SweepConfig, statistic: Statistic): string[] {
  return statistic === 'median'
    ? [`median of ${sampleOf(c)};`, 'bars: 95% bootstrap CI of the median']
    : [`mean of ${sampleOf(c)};`, 'bars: 95% CI of the mean (Student t)'];
}

/** The y axis title of a latency figure (at most 25 characters: it fits along PLOT_HEIGHT). */
function latencyTitle(statistic: Statistic): string {
  return `${statistic} round latency (s)`;
}

/**
 * What a figure (or a panel) whose data has no point shows instead of empty axes with a
 * made-up tick: the reason in words, at the plot's width, no axis and no number.
 */
function noPointView(lines: string[], height = 40): Record<string, unknown> {
  return {
    width: PLOT_WIDTH,
    height,
    data: { values: [{}] },
    mark: { type: 'text', align: 'left', baseline: 'top', fontSize: FONT_SIZE, lineHeight: FONT_SIZE + 2, x: 0, y: 4 },
    encoding: { text: { value: wrapSubtitle(lines, Math.floor(PLOT_WIDTH / textWidth('x'))) } },
  };
}

/** The sentence of a figure whose methods returned no point anywhere. */
const NO_POINT = 'No method returned a point at any grid point (every round infeasible: infeasibleShare 1 in results.csv), so there is no value to draw.';

/**
 * One spec per combination of the other swept axes: mean round latency against the
 * first swept axis, one line per method, 95% confidence bars. Needs no library.
 */
export function figureSpecs(c: SweepConfig, rows: ResultRow[], statistic: Statistic = 'mean'): Omit<Figure, 'svg'>[] {
  const swept = c.grid.filter((a) => a.values.length > 1);
  const xAxis = swept[0] ?? c.grid[0];
  if (!xAxis) return [];
  const others = swept.filter((a) => a !== xAxis);
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
    const values = mine.filter(hasLatency).map((r) => ({
      x: axisValue(xAxis, r),
      method: r.method,
      series: seriesOf(r.method),
      ...statisticOf(r, statistic),
    }));
    const x = axisChannel(xAxis);
    const subtitle = wrapSubtitle([...barsLine(c, statistic), ...othersLine(others, mine[0])]);
    // Vega sizes a figure by its text estimate: a long axis label stays on the axis only, so the figure keeps one column.
    const text = `Round latency against ${labelOf(xAxis.key)}`;
    const title = { text: textWidth(text, TITLE_SIZE) <= FIGURE_WIDTH - 2 * PADDING ? text : 'Round latency', subtitle };
    const spec =
      values.length === 0
        ? { $schema: SCHEMA, title, config: paperConfig(), ...noPointView([NO_POINT]) }
        : { $schema: SCHEMA, title, ...paperFrame(x), data: { values }, layer: linesWithIntervals(c.methods, x, latencyTitle(statistic)) };
    specs.push({ name: `latency-vs-${xAxis.key}${key ? `_${key}` : ''}`, spec });
  }
  return [...specs, ...targetSpecs(c, rows), ...fleetSpecs(c, rows, statistic), ...energySpecs(c, rows), ...outageSpecs(c, rows, statistic), ...scatterSpecs(c, rows, statistic)];
}

/** The rows of a sweep grouped by the values of `others` (a file-name key per group), in grid order. */
function groupRows(c: SweepConfig, rows: ResultRow[], others: { key: keyof ScenarioOptions }[]): Map<string, ResultRow[]> {
  const groups = new Map<string, ResultRow[]>();
  gridPoints(c).forEach((p, g) => {
    const key = others.map((a) => `${a.key}-${fileSafe(p[a.key])}`).join('_');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(...rows.filter((r) => r.grid === g));
  });
  return groups;
}

/** The subtitle line naming the values of the other swept axes of a group. */
function othersLine(others: { key: keyof ScenarioOptions }[], row: ResultRow): string[] {
  return others.length > 0 ? [others.map((a) => `${labelOf(a.key)} = ${display(row.point[a.key])}`).join(', ')] : [];
}

/** A grid value for people and for an ordinal axis: `none` for no energy cap. */
function display(v: unknown): string {
  return v === null ? 'none' : String(v);
}

/** The x channel of a grid axis: quantitative when every value is a number, else ordinal in grid order (`none` for no cap last, as given). */
function axisChannel(axis: { key: keyof ScenarioOptions; values: unknown[] }, field = 'x'): object {
  const numeric = axis.values.every((v) => typeof v === 'number');
  if (numeric) {
    // The domain is the grid's, whether or not every value has a point, so panels and
    // figures of one sweep share it; a short grid gets a tick and a label at each value
    // (the automatic ticks may label none of two caps 0.001 apart).
    const v = axis.values as number[];
    // Labels as the grid gives them (150, 0.001), and only those that would overlap left out.
    // A last label wider than the padding ends at its tick, so it does not widen the figure.
    const top = Math.max(...v);
    const flushTop = textWidth(String(top)) / 2 > AXIS_PADDING;
    const flush = flushTop ? { labelAlign: { condition: { test: `datum.value === ${top}`, value: 'right' }, value: 'center' } } : {};
    // Vega thins explicit tick values down to the axis's tickCount (5 in paperConfig): 10,
    // 50 and 150 were all that was left of 10, 25, 50, 100, 150, 200. So the count is the
    // grid's, and the labels are chosen here, not by Vega's overlap removal.
    const shown = labelledValues(v, top, flushTop);
    const labelExpr = shown.length === v.length ? "'' + datum.value" : `indexof([${shown.join(', ')}], datum.value) >= 0 ? '' + datum.value : ''`;
    const ticks = v.length <= GRID_TICKS ? { axis: { values: v, tickCount: v.length, labelExpr, labelOverlap: false, ...flush } } : {};
    return { field, type: 'quantitative', title: labelOf(axis.key), scale: { zero: false, nice: false, padding: AXIS_PADDING, domain: [Math.min(...v), top] }, ...ticks };
  }
  // Every value of the axis on it, with or without data (a panel's methods may all lack a
  // point at a value); short labels upright.
  const labels = axis.values.map(display);
  // A long label (a fleet, `orin-nano-8gb:1,rtx-4090:3`) stands vertical, a line per comma-separated part.
  const upright = labels.every((l) => l.length <= 8);
  return { field, type: 'ordinal', title: labelOf(axis.key), sort: labels, scale: { domain: labels }, axis: upright ? { labelAngle: 0 } : { labelAngle: -90, labelExpr: "split(datum.label, ',')" } };
}

/**
 * The grid values of a numeric x axis that get a label: from the smallest up, each whose
 * label (centred on its tick, the last one flush right when `flushTop`) keeps LABEL_GAP
 * points from the previous label, by the text estimate Vega lays out with.
 */
export function labelledValues(values: readonly number[], top: number, flushTop: boolean): number[] {
  const lo = Math.min(...values);
  const at = (x: number) => AXIS_PADDING + (top === lo ? 0 : ((x - lo) / (top - lo)) * (PLOT_WIDTH - 2 * AXIS_PADDING));
  const shown: number[] = [];
  let right = -Infinity;
  for (const x of [...values].sort((a, b) => a - b)) {
    const w = textWidth(String(x));
    const [from, to] = flushTop && x === top ? [at(x) - w, at(x)] : [at(x) - w / 2, at(x) + w / 2];
    if (from >= right + LABEL_GAP) {
      shown.push(x);
      right = to;
    }
  }
  return shown;
}

/** Least room between two x axis labels, in points. */
const LABEL_GAP = 1;

/** The x value of a row on a grid axis (numbers as they are, others as text). */
function axisValue(axis: { key: keyof ScenarioOptions; values: unknown[] }, r: ResultRow): unknown {
  const v = r.point[axis.key];
  return axis.values.every((x) => typeof x === 'number') ? v : display(v);
}

/** Room between the plot's edge and the first and last grid value, in points (a marker and its bars stay inside). */
const AXIS_PADDING = 8;

/** Most values of a numeric grid axis that each get a tick and a label. */
const GRID_TICKS = 8;

/**
 * An energy axis in J, kJ or MJ by its largest value (from 10 kJ and 10 MJ up): its title
 * with the unit (`<what> (kJ)`) and labels that divide by it. The data stay in J. (An SI
 * format would write `0M` and `0.2M`, and a reader of `M` cannot tell mega from milli.)
 */
function energyAxis(what: string, values: number[]): { title: string; axis?: object } {
  const top = Math.max(...values);
  const [unit, scale] = top >= 1e7 ? ['MJ', 1e6] : top >= 1e4 ? ['kJ', 1e3] : ['J', 1];
  return { title: `${what} (${unit})`, ...(scale === 1 ? {} : { axis: { labelExpr: `format(datum.value / ${scale}, '~g')` } }) };
}

/** Ticks of a log axis from lo to hi: 1, 2 and 5 times the powers of ten in between (Vega's own would label 40, 50, 70, 90, 200 and skip 100). */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (t >= lo && t <= hi) out.push(t);
    }
  }
  return out;
}

/** Rows with energy statistics (a point in some round). */
const hasEnergy = (r: ResultRow) => r.stats.energyMean !== null;

/**
 * Energy per round against the first swept axis (MODEL.md 11.1): the mean of each round's
 * total energy sum_k E_k, one line per method, 95% confidence bars; one spec per
 * combination of the other swept axes.
 */
export function energySpecs(c: SweepConfig, rows: ResultRow[]): Omit<Figure, 'svg'>[] {
  const swept = c.grid.filter((a) => a.values.length > 1);
  const xAxis = swept[0] ?? c.grid[0];
  if (!xAxis) return [];
  const others = swept.filter((a) => a !== xAxis);
  const specs: Omit<Figure, 'svg'>[] = [];
  for (const [key, mine] of groupRows(c, rows, others)) {
    if (mine.length === 0) continue;
    const values = mine.filter(hasEnergy).map((r) => ({ x: axisValue(xAxis, r), method: r.method, series: seriesOf(r.method), y: r.stats.energyMean, lo: r.stats.energyCi95Low, hi: r.stats.energyCi95High }));
    const outage = mine.some((r) => r.stats.infeasibleShare > 0);
    const subtitle = wrapSubtitle([
      `total over the clients, ${barsLine(c, 'mean')[0]}`,
      barsLine(c, 'mean')[1],
      ...(outage ? ['over the rounds with a point only'] : []),
      ...othersLine(others, mine[0]),
    ]);
    const title = { text: 'Energy per round', subtitle };
    let spec: Record<string, unknown>;
    if (values.length === 0) spec = { $schema: SCHEMA, title, config: paperConfig(), ...noPointView([NO_POINT]) };
    else {
      const y = energyAxis('energy per round', values.map((v) => v.hi as number));
      const x = axisChannel(xAxis);
      spec = { $schema: SCHEMA, title, ...paperFrame(x), data: { values }, layer: linesWithIntervals(c.methods, x, y.title, { yAxis: y.axis }) };
    }
    specs.push({ name: `energy-vs-${xAxis.key}${key ? `_${key}` : ''}`, spec });
  }
  return specs;
}

/**
 * With a swept energy cap (`--energy-cap a,b,...`, MODEL.md 11.2): two panels sharing the
 * cap axis, the round latency over the rounds with a point (95% bars) above, and below it
 * the outage probability, the share of rounds where the method returned no point; one
 * spec per combination of the other swept axes.
 */
export function outageSpecs(c: SweepConfig, rows: ResultRow[], statistic: Statistic = 'mean'): Omit<Figure, 'svg'>[] {
  const capAxis = c.grid.find((a) => a.key === 'energyCapJ' && a.values.length > 1);
  if (!capAxis) return [];
  const others = c.grid.filter((a) => a !== capAxis && a.values.length > 1);
  const ch = methodChannels(c.methods);
  const line = methodChannels(c.methods, true);
  const x = axisChannel(capAxis);
  const specs: Omit<Figure, 'svg'>[] = [];
  for (const [key, mine] of groupRows(c, rows, others)) {
    if (mine.length === 0) continue;
    const latency = mine.filter(hasLatency).map((r) => ({ x: axisValue(capAxis, r), method: r.method, series: seriesOf(r.method), ...statisticOf(r, statistic) }));
    const outage = mine.map((r) => ({ x: axisValue(capAxis, r), method: r.method, series: seriesOf(r.method), share: r.stats.infeasibleShare }));
    // "outage" only: the panel is OUTAGE_HEIGHT tall, and the subtitle says what it is.
    const share = { field: 'share', type: 'quantitative', title: 'outage', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 3 } };
    const subtitle = wrapSubtitle([
      ...(latency.length > 0 ? [...barsLine(c, statistic), 'top: rounds with a point only;'] : [`${sampleOf(c)};`, 'top: no method returned a point at any cap;']),
      'bottom: outage, the share of rounds without a point',
      ...othersLine(others, mine[0]),
    ]);
    // The cap axis is the lower panel's: the upper one has its ticks only.
    const top =
      latency.length > 0
        ? { width: PLOT_WIDTH, height: PLOT_HEIGHT, data: { values: latency }, layer: linesWithIntervals(c.methods, { ...x, title: null, axis: { labels: false } }, latencyTitle(statistic)) }
        : noPointView(['No latency to draw: every method was infeasible in every round at every cap (outage 100%).']);
    const spec = {
      $schema: SCHEMA,
      title: { text: 'Latency and outage by energy cap', subtitle },
      // Two panels: the legend goes under the lower one.
      config: paperConfig((top.height as number) + (latency.length > 0 ? TICK_SIZE : 0) + OUTAGE_SPACING + OUTAGE_HEIGHT + LEGEND_GAP + labelDepth(x)),
      vconcat: [
        top,
        {
          width: PLOT_WIDTH,
          height: OUTAGE_HEIGHT,
          data: { values: outage },
          layer: [
            // The legend's settings here too: the upper panel may have no lines.
            { mark: { type: 'line' }, encoding: { x, y: share, color: line.color, strokeDash: line.strokeDash } },
            { transform: [markerCopy], mark: { type: 'point' }, encoding: { x, y: share, color: ch.color, shape: ch.shape } },
          ],
        },
      ],
      spacing: OUTAGE_SPACING,
    };
    specs.push({ name: `outage-vs-energyCapJ${key ? `_${key}` : ''}`, spec });
  }
  return specs;
}

/**
 * The latency-energy trade-off of the methods: one point per method and grid point at
 * (mean total energy per round, round latency), a method's points joined in grid order;
 * one spec for the whole sweep.
 */
export function scatterSpecs(c: SweepConfig, rows: ResultRow[], statistic: Statistic = 'mean'): Omit<Figure, 'svg'>[] {
  const values = rows
    .filter((r) => hasLatency(r) && hasEnergy(r))
    .map((r) => ({
      energy: r.stats.energyMean,
      method: r.method,
      series: seriesOf(r.method),
      grid: r.grid,
      point: c.grid.filter((a) => a.values.length > 1).map((a) => `${a.key} = ${display(r.point[a.key])}`).join(', '),
      ...statisticOf(r, statistic),
      energyLo: r.stats.energyCi95Low,
      energyHi: r.stats.energyCi95High,
    }));
  if (rows.length === 0) return [];
  if (values.length === 0) return [{ name: 'latency-energy', spec: { $schema: SCHEMA, title: { text: 'Latency against energy per round' }, config: paperConfig(), ...noPointView([NO_POINT]) } }];
  const ch = methodChannels(c.methods);
  const line = methodChannels(c.methods, true);
  const energies = values.map((v) => v.energy as number);
  // Methods' energies may span decades (a cap binding or not): a log axis then.
  const wide = Math.min(...energies) > 0 && Math.max(...energies) / Math.min(...energies) > 20;
  const energy = energyAxis('mean energy per round', energies);
  // A log axis spans the data, not the decades around them (nice would pad 35 kJ to 1.1 MJ out to 10 kJ and 10 MJ).
  const axis = { ...(energy.axis ?? {}), ...(wide ? { values: logTicks(Math.min(...energies), Math.max(...energies)) } : {}) };
  const x = { field: 'energy', type: 'quantitative', title: energy.title, scale: wide ? { type: 'log', nice: false } : { zero: false }, axis };
  const y = { field: 'y', type: 'quantitative', title: latencyTitle(statistic), scale: { zero: false } };
  const points = gridPoints(c).length;
  const swept = c.grid.filter((a) => a.values.length > 1);
  const subtitle = wrapSubtitle([
    `${statistic} latency and mean total energy of ${sampleOf(c)};`,
    `bars: 95% CI of the ${statistic === 'median' ? 'median latency (bootstrap)' : 'mean latency (Student t)'}, up and down, and of the mean energy, across;`,
    points > 1 ? `a point per method and grid point, joined in the order of ${swept.map((a) => labelOf(a.key)).join(', ')}` : 'a point per method',
    ...(rows.some((r) => r.stats.infeasibleShare > 0) ? ['over the rounds with a point only'] : []),
  ]);
  const spec = {
    $schema: SCHEMA,
    title: { text: 'Latency against energy per round', subtitle },
    ...paperFrame(),
    data: { values },
    layer: [
      ...(points > 1 ? [{ mark: { type: 'line', strokeWidth: 0.8 }, encoding: { x, y, order: { field: 'grid', type: 'quantitative' }, color: line.color, strokeDash: line.strokeDash } }] : []),
      // Without lines the legend shows the bare markers: the shape on `series` itself, in the legend.
      {
        transform: [markerCopy],
        mark: { type: 'point' },
        encoding: { x, y, color: ch.color, shape: points > 1 ? ch.shape : { ...ch.shape, field: 'series', legend: { labelExpr: LABEL_EXPR } }, tooltip: [{ field: 'method' }, { field: 'point' }, { field: 'energy' }, { field: 'y' }] },
      },
      ...dodgedBars(c.methods, x, { field: 'lo', type: 'quantitative' }, { field: 'hi' }),
      ...dodgedBars(c.methods, y, { field: 'energyLo', type: 'quantitative' }, { field: 'energyHi' }, true),
    ],
  };
  return [{ name: 'latency-energy', spec }];
}

/** A grid value in a file name: a fleet's ':' ',' (and '/', spaces) become '_'; null is `none`. */
export function fileSafe(v: unknown): string {
  return v === null ? 'none' : String(v).replace(/[:,;/\\\s]/g, '_');
}

/**
 * With a swept fleet (`--devices a;b;...`, MODEL.md section 12): mean round latency against
 * the fleet's share of small devices (those whose memory cannot hold the unpruned
 * fine-tuning), one line per method, 95% confidence bars, the excluded share and the
 * forced pruning of each fleet in the tooltip; one spec per combination of the other
 * swept axes.
 */
export function fleetSpecs(c: SweepConfig, rows: ResultRow[], statistic: Statistic = 'mean'): Omit<Figure, 'svg'>[] {
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
    const values = mine.filter(hasLatency).map((r) => ({
      share: r.fleet!.smallDeviceShare,
      fleet: r.point.devices,
      method: r.method,
      series: seriesOf(r.method),
      ...statisticOf(r, statistic),
      excluded: r.fleet!.excludedShare,
      forced: r.fleet!.forcedPruning,
    }));
    const x = { field: 'share', type: 'quantitative', title: 'share of small devices', scale: { zero: false, nice: false, padding: 8 } };
    const tooltip = ['fleet', 'method', 'y', 'excluded', 'forced'].map((field) => ({ field }));
    const subtitle = wrapSubtitle([...barsLine(c, statistic), 'small: memory below the fine-tuning need', ...othersLine(others, mine[0])]);
    const title = { text: 'Latency against small devices', subtitle };
    const spec =
      values.length === 0
        ? { $schema: SCHEMA, title, config: paperConfig(), ...noPointView([NO_POINT]) }
        : { $schema: SCHEMA, title, ...paperFrame(), data: { values }, layer: linesWithIntervals(c.methods, x, latencyTitle(statistic), { tooltip }) };
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
    // The bars: the rounds times the 95% interval of the mean round latency (the rounds are
    // those of the sample's mean pruning, taken as given).
    const values = reachable.map((r) => ({
      budget: r.point.budget,
      method: r.method,
      series: seriesOf(r.method),
      hours: r.timeToTarget! / 3600,
      rounds: r.roundsToTarget,
      lo: (r.roundsToTarget! * r.stats.ci95Low!) / 3600,
      hi: (r.roundsToTarget! * r.stats.ci95High!) / 3600,
    }));
    const best = c.methods.flatMap((m) => {
      const own = values.filter((v) => v.method === m);
      if (own.length === 0) return [];
      return [own.reduce((a, b) => (b.hours < a.hours ? b : a))];
    });
    const x = axisChannel(budgetAxis, 'budget');
    const y = { field: 'hours', type: 'quantitative', title: 'time to the target (h)', scale: { zero: false } };
    const ch = methodChannels(c.methods);
    const line = methodChannels(c.methods, true);
    const m = c.convergenceExponent ?? 1;
    // The formula without spaces, so a line break never splits it.
    const subtitle = wrapSubtitle([
      `time = rounds x mean round latency of ${sampleOf(c)};`,
      'bars: rounds x the 95% CI of the mean latency (Student t);',
      m === 1
        ? `rounds = ceil(R0/(1-P/Pmax)), P the mean pruning, R0 = ${Number(c.rounds0.toPrecision(6))}, Pmax = ${limit};`
        : `rounds = ceil(R0/(1-P/Pmax)^m), P the mean pruning, R0 = ${Number(c.rounds0.toPrecision(6))}, Pmax = ${limit}, m = ${Number(m.toPrecision(6))};`,
      "large outlined marks: each method's best budget",
      ...othersLine(others, mine[0]),
    ]);
    const spec = {
      $schema: SCHEMA,
      title: { text: 'Fine-tuning time against budget', subtitle },
      ...paperFrame(),
      layer: [
        { data: { values }, mark: { type: 'line' }, encoding: { x, y, color: line.color, strokeDash: line.strokeDash } },
        { data: { values }, transform: [markerCopy], mark: { type: 'point' }, encoding: { x, y, color: ch.color, shape: ch.shape } },
        ...dodgedBars(c.methods, x, { field: 'lo', type: 'quantitative' }, { field: 'hi' }).map((bar) => ({ data: { values }, ...bar })),
        {
          data: { values: best },
          transform: [markerCopy],
          mark: { type: 'point', size: 90, filled: true, stroke: 'black', strokeWidth: 0.8, opacity: 1 },
          encoding: { x, y, fill: ch.color, shape: ch.shape },
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
export async function sweepFigures(c: SweepConfig, rows: ResultRow[], statistic: Statistic = 'mean'): Promise<Figures> {
  return renderFigures(figureSpecs(c, rows, statistic));
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
