// Every figure a sweep writes fits one paper column (issue 21): Vega lays a figure out
// headless by its text estimate (0.8 x font size per character), so a title, subtitle
// line or axis title longer than its room widens or shifts the figure. Checked on the
// specs (every text against its room) and on the rendered SVGs (the width), over the
// sweeps that write each kind of figure: latency and energy against one and two axes,
// the median, fine-tuning against the budget, energy caps with partial and total
// outage, fleets. A figure without any point says so in words, never with a made-up tick.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../dist/ts/index.js';
import { FIGURE_WIDTH, FONT_SIZE, SUBTITLE_CHARS, logTicks, textWidth, wrapSubtitle } from '../dist/ts/sweep/figures.js';

const backend = process.env.JCPBA_BACKEND || undefined;
const METHODS = ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];
/** Runs a sweep into a fresh folder; returns its rows and every figure's spec and SVG by name. */
async function sweep(input, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-layout-'));
  try {
    const out = await runSweep({ seed: 1, drops: 2, realizations: 8, methods: METHODS, ...input }, { out: dir, backend, threads: 1, ...options });
    const files = readdirSync(dir);
    const figures = {};
    for (const f of files.filter((f) => f.endsWith('.vl.json'))) {
      const name = f.slice(0, -'.vl.json'.length);
      const svg = files.includes(`${name}.svg`) ? readFileSync(join(dir, `${name}.svg`), 'utf8') : undefined;
      figures[name] = { spec: JSON.parse(readFileSync(join(dir, f), 'utf8')), svg };
    }
    return { out, figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SWEEPS = {
  clients: () => sweep({ grid: [{ key: 'clients', values: [5, 10, 20] }] }),
  // The README quick start's grid (fewer realizations).
  quickStart: () => sweep({ grid: [{ key: 'clients', values: [10, 25, 50, 100, 150, 200] }], drops: 1, realizations: 2 }),
  median: () => sweep({ grid: [{ key: 'clients', values: [5, 10, 20] }] }, { statistic: 'median' }),
  twoAxes: () => sweep({ grid: [{ key: 'clients', values: [5, 10] }, { key: 'bandwidthHz', values: [10e6, 20e6] }] }),
  fineTuning: () => sweep({ grid: [{ key: 'budget', values: [0, 0.1, 0.2, 0.3] }], base: { clients: 8 }, rounds0: 100, pruningLimit: 0.5, convergenceExponent: 1.5 }),
  caps: () => sweep({ grid: [{ key: 'energyCapJ', values: [0.3, 0.6, 1, null] }], base: { clients: 5, computePowerW: 0 } }),
  noPoint: () => sweep({ grid: [{ key: 'energyCapJ', values: [0.001, 0.002] }], base: { clients: 10 } }),
  fleets: () => sweep({ grid: [{ key: 'devices', values: ['rtx-4090:1', 'orin-nano-8gb:1,rtx-4090:3', 'orin-nano-8gb:3,rtx-4090:1'] }], base: { clients: 8, budget: 0.4 } }),
};
const runs = {};
for (const [name, run] of Object.entries(SWEEPS)) runs[name] = await run();
// SVGs are drawn when vega and vega-lite are installed (optional peer dependencies).
const vega = runs.clients.figures['latency-vs-clients'].svg !== undefined;
if (!vega) console.log('figure-layout: vega or vega-lite is not installed: the rendered widths are not checked');

// The calibration's figure (jcpba calibrate --out), in the same style.
{
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-layout-cal-'));
  const bin = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
  const pilot = fileURLToPath(new URL('../examples/pilot-runs.csv', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'calibrate', pilot, '--out', join(dir, 'convergence.json')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const svg = readdirSync(dir).includes('convergence.svg') ? readFileSync(join(dir, 'convergence.svg'), 'utf8') : undefined;
  runs.calibrate = { figures: { convergence: { spec: JSON.parse(readFileSync(join(dir, 'convergence.vl.json'), 'utf8')), svg } } };
  rmSync(dir, { recursive: true, force: true });
}

// The learning curves' figure (jcpba sweep --loss-curve): its sample line at 8 drops x 64
// trials had 39 characters and widened the figure to 259 points.
{
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-layout-loss-'));
  const bin = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
  const curve = fileURLToPath(new URL('../examples/loss-curve.csv', import.meta.url));
  const args = ['sweep', '--clients', '5', '--drops', '8', '--realizations', '64', '--rounds', '12', '--loss-curve', curve, '--pruning-limit', '0.5', '--target-loss', '1', '--methods', 'equal,optimal', '--out', dir, '--quiet'];
  const r = spawnSync(process.execPath, [bin, ...args, ...(backend ? ['--backend', backend] : [])], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const svg = readdirSync(dir).includes('loss-vs-time.svg') ? readFileSync(join(dir, 'loss-vs-time.svg'), 'utf8') : undefined;
  runs.learning = { figures: { 'loss-vs-time': { spec: JSON.parse(readFileSync(join(dir, 'loss-vs-time.vl.json'), 'utf8')), svg } } };
  rmSync(dir, { recursive: true, force: true });
}

/** Every (text, font size, room) of a spec: the title and subtitle lines against the figure, axis titles against their plot side. */
function texts(spec) {
  const out = [];
  const room = FIGURE_WIDTH - 10;
  if (spec.title) {
    out.push({ what: 'title', text: spec.title.text, size: FONT_SIZE + 1, room });
    for (const line of spec.title.subtitle ?? []) out.push({ what: 'subtitle', text: line, size: FONT_SIZE, room });
  }
  const views = spec.vconcat ?? [spec];
  for (const view of views) {
    for (const layer of view.layer ?? []) {
      for (const [channel, side] of [['x', view.width ?? spec.width], ['y', view.height ?? spec.height]]) {
        const title = layer.encoding?.[channel]?.title;
        if (typeof title === 'string') out.push({ what: `${channel} axis title`, text: title, size: FONT_SIZE, room: side });
      }
    }
  }
  return out;
}

test('every title, subtitle line and axis title fits its room by the estimate Vega lays out with', () => {
  let checked = 0;
  for (const [run, { figures }] of Object.entries(runs)) {
    for (const [name, { spec }] of Object.entries(figures)) {
      for (const t of texts(spec)) {
        assert.ok(textWidth(t.text, t.size) <= t.room, `${run}/${name}: ${t.what} "${t.text}" is ${textWidth(t.text, t.size)} units, room ${t.room}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `${checked} texts checked`);
  // The fine-tuning figure's subtitle (its formula, the sample, the best-budget marks) was one line of 880 units.
  const ft = runs.fineTuning.figures['fine-tuning-vs-budget'].spec;
  assert.match(ft.title.subtitle.join(' '), /rounds = ceil\(R0\/\(1-P\/Pmax\)\^m\), P the mean pruning, R0 = 100, Pmax = 0\.5, m = 1\.5;/);
  assert.match(ft.title.subtitle.join(' '), /large outlined marks: each method's best budget/);
});

test('rendered, every figure is one column wide (3.5 in = 252 points, within the last tick label)', () => {
  if (!vega) return;
  for (const [run, { figures }] of Object.entries(runs)) {
    for (const [name, { svg }] of Object.entries(figures)) {
      const width = Number(/width="(\d+(\.\d+)?)"/.exec(svg)[1]);
      assert.ok(width <= FIGURE_WIDTH + 10, `${run}/${name}.svg is ${width} units wide`);
    }
  }
});

test('no point anywhere: each figure says so in words, with no axis and no made-up number', () => {
  const { out, figures } = runs.noPoint;
  assert.ok(out.rows.every((r) => r.stats.mean === null && r.stats.infeasibleShare === 1), 'every round infeasible');
  assert.equal(Object.keys(figures).sort(), ['energy-vs-energyCapJ', 'latency-energy', 'latency-vs-energyCapJ', 'outage-vs-energyCapJ']);
  for (const [name, { spec, svg }] of Object.entries(figures)) {
    const words = JSON.stringify(spec);
    assert.match(words, /No (method returned a point|latency to draw)/, name);
    if (!vega) continue;
    assert.not.match(svg, /0\.000000/, name);
    assert.not.match(svg, /NaN/, name);
    // Outside the outage panel, no tick label: every text holds a letter.
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    const numbers = labels.filter((l) => /^[-\u2212\d.,%]+$/.test(l));
    if (name === 'outage-vs-energyCapJ') assert.equal(numbers.sort(), ['0%', '0.001', '0.002', '100%', '50%'].sort(), name);
    else assert.equal(numbers, [], `${name}: ${numbers}`);
  }
  // The outage panel still draws every method's share, 1 at both caps.
  const bottom = figures['outage-vs-energyCapJ'].spec.vconcat[1];
  assert.is(bottom.data.values.length, out.rows.length);
  assert.ok(bottom.data.values.every((v) => v.share === 1));
});

test('a short numeric grid axis has a labelled tick at each grid value', () => {
  // Two caps 0.001 J apart: Vega's own ticks (0.0010, 0.0014, 0.0018) labelled the first only.
  const bottom = runs.noPoint.figures['outage-vs-energyCapJ'].spec.vconcat[1];
  assert.equal(bottom.layer[0].encoding.x.axis.values, [0.001, 0.002]);
  const latency = runs.clients.figures['latency-vs-clients'].spec;
  assert.equal(latency.layer[0].encoding.x.axis.values, [5, 10, 20]);
  assert.equal(latency.layer[0].encoding.x.scale.domain, [5, 20]);
  if (vega) for (const v of ['5', '10', '20']) assert.match(runs.clients.figures['latency-vs-clients'].svg, new RegExp(`>${v}</text>`));
});

/** The texts of a rendered figure's x axis labels, in drawing order, with their x positions. */
function drawn(svg) {
  const group = (from, to) => {
    const i = svg.indexOf(from);
    return i < 0 ? '' : svg.slice(i, svg.indexOf(to, i));
  };
  const texts = (part) => [...part.matchAll(/<text[^>]*transform="translate\(([-\d.]+),[-\d.]+\)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), text: m[2] }));
  return { xLabels: texts(group('aria-label="X-axis', 'role-axis-domain')) };
}

test('rendered, every grid value of a short numeric x axis keeps its label (Vega thinned 10, 25, 50, 100, 150, 200 to 10, 50, 150)', () => {
  if (!vega) return;
  for (const run of ['quickStart', 'clients']) {
    const fig = runs[run].figures['latency-vs-clients'];
    const values = fig.spec.layer[0].encoding.x.axis.values.map(String);
    assert.equal(drawn(fig.svg).xLabels.map((l) => l.text), values, run);
  }
});

test('bars on the fine-tuning and latency-energy figures: dodged per method, around each point, from the rows\' intervals', () => {
  const ft = runs.fineTuning;
  const spec = ft.figures['fine-tuning-vs-budget'].spec;
  const rules = spec.layer.filter((l) => l.mark.type === 'rule');
  assert.is(rules.length, METHODS.length);
  assert.is(new Set(rules.map((r) => r.mark.xOffset)).size, METHODS.length, 'dodged');
  assert.match(spec.title.subtitle.join(' '), /bars: rounds x the 95% CI of the mean latency/);
  const values = rules[0].data.values;
  assert.ok(values.length > 0);
  for (const v of values) {
    const r = ft.out.rows.find((x) => x.method === v.method && x.point.budget === v.budget);
    assert.ok(Math.abs(v.lo - (r.roundsToTarget * r.stats.ci95Low) / 3600) <= 1e-12 * v.hours && Math.abs(v.hi - (r.roundsToTarget * r.stats.ci95High) / 3600) <= 1e-12 * v.hours, JSON.stringify(v));
    assert.ok(v.lo <= v.hours && v.hours <= v.hi, JSON.stringify(v));
  }
  const scatter = runs.clients.figures['latency-energy'].spec;
  const bars = scatter.layer.filter((l) => l.mark.type === 'rule');
  assert.is(bars.length, 2 * METHODS.length, 'latency bars and energy bars per method');
  assert.match(scatter.title.subtitle.join(' '), /bars: 95% CI of the mean latency \(Student t\), up and down, and of the mean energy, across/);
  for (const v of scatter.data.values) {
    const r = runs.clients.out.rows.find((x) => x.method === v.method && x.grid === v.grid);
    assert.equal([v.lo, v.hi, v.energyLo, v.energyHi], [r.stats.ci95Low, r.stats.ci95High, r.stats.energyCi95Low, r.stats.energyCi95High]);
  }
});

test('energy axes in kJ from 10 kJ: the title names the unit and the labels divide by it (no 0M, 0.2M)', () => {
  const big = runs.fleets.figures['energy-vs-devices'];
  const values = big.spec.data.values;
  const top = Math.max(...values.map((v) => v.hi));
  assert.ok(top >= 1e4 && top < 1e7, `the largest energy ${top} J`);
  const y = big.spec.layer[0].encoding.y;
  assert.is(y.title, 'energy per round (kJ)');
  if (vega) {
    const texts = [...big.svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.equal(texts.filter((t) => /^[\d.]+[kMGm]$/.test(t)), [], 'no SI-prefixed label');
    const labels = texts.filter((t) => /^[\d.]+$/.test(t));
    assert.ok(labels.length >= 3, labels.join(' '));
    const most = Math.max(...labels.map(Number));
    assert.ok(most * 1e3 <= top * 1.5 && most * 1e3 >= top / 1.5, `top label ${most} kJ against ${top} J`);
  }
  // Small energies stay in J.
  const small = runs.caps.figures['energy-vs-energyCapJ'].spec;
  assert.is(small.layer[0].encoding.y.title, 'energy per round (J)');
});

test('logTicks: 1, 2 and 5 times the powers of ten within the range', () => {
  assert.equal(logTicks(36500, 1.12e6), [5e4, 1e5, 2e5, 5e5, 1e6]);
  assert.equal(logTicks(0.3, 40), [0.5, 1, 2, 5, 10, 20]);
  assert.equal(logTicks(1, 1), [1]);
});

test('wrapSubtitle: lines of at most SUBTITLE_CHARS, words kept whole and in order, each part on a new line', () => {
  assert.ok(SUBTITLE_CHARS * textWidth('x') <= FIGURE_WIDTH - 10);
  const parts = ['time = rounds x mean round latency of 8 drops x 64 realizations; no bars;', 'short', 'rounds = ceil(R0/(1-P/Pmax)^m), P the mean pruning'];
  const lines = wrapSubtitle(parts);
  for (const l of lines) assert.ok(l.length <= SUBTITLE_CHARS, l);
  assert.is(lines.join(' '), parts.join(' '));
  assert.ok(lines.includes('short'));
  assert.ok(lines.some((l) => l.startsWith('rounds = ceil(R0/(1-P/Pmax)^m)')));
  assert.equal(wrapSubtitle(['a b c'], 3), ['a b', 'c']);
});

test.run();
