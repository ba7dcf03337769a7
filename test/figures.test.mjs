// The sweep figures in the paper style (issue 21): methods told apart by colour (a
// colour-blind-safe palette), marker and dash; full legend labels; 8-unit text on a
// figure about 252 units wide (3.5 in at one column: 8 pt); dodged interval bars; the
// statistic chosen (mean or median) and said in the subtitle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../dist/ts/index.js';
import { FIGURE_WIDTH, FONT_SIZE, seriesOf } from '../dist/ts/sweep/figures.js';

const backend = process.env.JCPBA_BACKEND || undefined;
const METHODS = ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];

async function sweep(statistic) {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-fig-'));
  const out = await runSweep({ grid: [{ key: 'clients', values: [5, 10, 20] }], seed: 2, drops: 2, realizations: 8, methods: METHODS }, { out: dir, backend, threads: 1, statistic });
  const spec = JSON.parse(readFileSync(join(dir, 'latency-vs-clients.vl.json'), 'utf8'));
  const svg = readdirSync(dir).includes('latency-vs-clients.svg') ? readFileSync(join(dir, 'latency-vs-clients.svg'), 'utf8') : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { out, spec, svg };
}

test('every method has its own colour, marker and dash, from a colour-blind-safe palette, and its full name in the legend', async () => {
  const { spec } = await sweep('mean');
  const line = spec.layer.find((l) => l.mark.type === 'line');
  const point = spec.layer.find((l) => l.mark.type === 'point');
  const colours = line.encoding.color.scale.range;
  const dashes = line.encoding.strokeDash.scale.range.map((d) => d.join(','));
  const shapes = point.encoding.shape.scale.range;
  // The methods' series (each id after a space: see seriesOf), in the sweep's order; the legend shows the ids.
  assert.equal(line.encoding.color.scale.domain, METHODS.map(seriesOf));
  assert.equal(line.encoding.color.scale.domain, METHODS.map((m) => ` ${m}`));
  for (const list of [colours, dashes, shapes]) assert.is(new Set(list).size, METHODS.length);
  assert.not.ok(colours.map((c) => c.toUpperCase()).includes('#F0E442'), 'no yellow line on white');
  assert.is(spec.config.legend.labelLimit, 0, 'legend labels are never cut (uniform-prune-bandwidth)');
  assert.is(spec.config.axis.labelFontSize, FONT_SIZE);
  assert.is(spec.config.legend.labelFontSize, FONT_SIZE);
});

test('interval bars are dodged: one rule per method, each at its own offset, spanning its interval', async () => {
  const { spec } = await sweep('mean');
  const rules = spec.layer.filter((l) => l.mark.type === 'rule');
  assert.is(rules.length, METHODS.length);
  assert.is(new Set(rules.map((r) => r.mark.xOffset)).size, METHODS.length);
  assert.equal(rules.map((r) => r.transform[0].filter.equal), METHODS.map(seriesOf));
  for (const v of spec.data.values) assert.ok(v.lo <= v.y && v.y <= v.hi, JSON.stringify(v));
});

test('the statistic: mean with its Student t interval, or median with its bootstrap interval, said in the subtitle', async () => {
  const mean = await sweep('mean');
  const median = await sweep('median');
  assert.match(mean.spec.title.subtitle.join(' '), /mean of 2 drops x 8 realizations; bars: 95% CI of the mean/);
  assert.match(median.spec.title.subtitle.join(' '), /median of 2 drops x 8 realizations; bars: 95% bootstrap CI of the median/);
  const rowOf = (o, v) => o.out.rows.find((r) => r.point.clients === v.x && r.method === v.method);
  for (const v of mean.spec.data.values) {
    const r = rowOf(mean, v);
    assert.equal([v.y, v.lo, v.hi], [r.stats.mean, r.stats.ci95Low, r.stats.ci95High]);
  }
  for (const v of median.spec.data.values) {
    const r = rowOf(median, v);
    assert.is(v.y, r.stats.median);
    // n = 16 round latencies: the bootstrap quantiles lie inside [min, max] and around the median.
    assert.ok(r.stats.min <= v.lo && v.lo <= v.y && v.y <= v.hi && v.hi <= r.stats.max, JSON.stringify(v));
  }
  assert.match(median.spec.layer[0].encoding.y.title, /^median round latency/);
});

test('a custom method id naming an Object.prototype member (constructor, toString) is drawn like any other (audit2 08)', async () => {
  // Vega compiles a legend's values, a sort list and a filter into expressions, where such
  // a string literal broke its parser ("Operator not defined") after the CSV was written.
  const K = (p) => p.computeSeconds.length;
  const mine = (id) => ({ id, version: '1', solve: (p) => ({ pruning: new Array(K(p)).fill(0), bandwidth: new Array(K(p)).fill(p.bandwidthHz / K(p)) }) });
  const ids = ['constructor', 'toString', 'hasOwnProperty', '__proto__'];
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-fig-'));
  try {
    const out = await runSweep({ grid: [{ key: 'clients', values: [4, 6] }], seed: 1, drops: 1, realizations: 4, methods: ['equal', ...ids.map(mine)] }, { out: dir, backend, threads: 1 });
    assert.is(out.rows.length, 10);
    const files = readdirSync(dir);
    assert.ok(files.includes('latency-vs-clients.vl.json'), files.join(' '));
    if (!files.includes('latency-vs-clients.svg')) {
      console.log('SKIPPED the rendering: vega and vega-lite are not installed');
      return;
    }
    // Every figure rendered (the energy figures and the scatter too), each legend showing the ids themselves (the series' space dropped).
    const specs = files.filter((f) => f.endsWith('.vl.json'));
    assert.ok(specs.length >= 3, files.join(' '));
    for (const f of specs) {
      const svg = readFileSync(join(dir, f.replace(/\.vl\.json$/, '.svg')), 'utf8');
      for (const id of ['equal', ...ids]) assert.ok(svg.includes(`>${id}</text>`), `${f}: legend label ${id}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad statistic is an invalid-option error before anything runs', async () => {
  try {
    await runSweep({ grid: [{ key: 'clients', values: [3] }], seed: 1, drops: 1, realizations: 1, methods: ['equal'] }, { out: join(tmpdir(), 'jcpba-never'), statistic: 'mode' });
    assert.unreachable();
  } catch (e) {
    assert.is(e.field, 'statistic');
  }
});

test('rendered (where vega is installed): about 3.5 in at one point per unit', async () => {
  const { svg } = await sweep('mean');
  if (svg === undefined) {
    console.log('SKIPPED the rendered width: vega and vega-lite are not installed');
    return;
  }
  const width = Number(/width="(\d+(\.\d+)?)"/.exec(svg)[1]);
  assert.ok(width >= FIGURE_WIDTH - 20 && width <= FIGURE_WIDTH + 20, `SVG ${width} units wide`);
});

// The energy figures (issue 17): energy per round against the grid axis; with a swept
// energy cap, latency and the outage probability against the cap; the latency-energy
// scatter. Upload energy only (no compute power), so the caps leave some rounds without a point.
async function energySweep() {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-fig-energy-'));
  const caps = [0.3, 0.6, 1, null];
  const out = await runSweep({ grid: [{ key: 'energyCapJ', values: caps }], base: { clients: 5, computePowerW: 0 }, seed: 1, drops: 2, realizations: 8, methods: METHODS }, { out: dir, backend, threads: 1 });
  const read = (name) => JSON.parse(readFileSync(join(dir, `${name}.vl.json`), 'utf8'));
  const files = readdirSync(dir);
  const svgs = Object.fromEntries(files.filter((f) => f.endsWith('.svg')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const specs = { energy: read('energy-vs-energyCapJ'), outage: read('outage-vs-energyCapJ'), scatter: read('latency-energy') };
  rmSync(dir, { recursive: true, force: true });
  return { out, caps, specs, svgs, files };
}

test('energy figures: energy per round with its bars, latency and outage against the cap, the latency-energy scatter; each from the rows', async () => {
  const { out, caps, specs, svgs, files } = await energySweep();
  const label = (v) => (v === null ? 'none' : String(v));
  const rowOf = (x, method) => out.rows.find((r) => label(r.point.energyCapJ) === x && r.method === method);
  // 1. Energy per round: the mean total energy and its Student t interval, only where the method had a point.
  const e = specs.energy;
  assert.match(e.title.subtitle.join(' '), /total over the clients, mean of 2 drops x 8 realizations; bars: 95% CI of the mean \(Student t\) over the rounds with a point only/);
  assert.is(e.layer[0].encoding.y.title, 'energy per round (J)');
  assert.is(e.data.values.length, out.rows.filter((r) => r.stats.energyMean !== null).length);
  for (const v of e.data.values) {
    const r = rowOf(v.x, v.method);
    assert.equal([v.y, v.lo, v.hi], [r.stats.energyMean, r.stats.energyCi95Low, r.stats.energyCi95High]);
  }
  // Methods told apart as in every figure: colour, marker, dash over the sweep's methods.
  assert.equal(e.layer[0].encoding.color.scale.domain, METHODS.map(seriesOf));
  // 2. Two panels on one cap axis (every cap, with or without a point: none last): latency over the rounds with a point, the outage below.
  const [top, bottom] = specs.outage.vconcat;
  assert.equal(bottom.layer[0].encoding.x.scale.domain, caps.map(label));
  assert.equal(top.layer[0].encoding.x.scale.domain, caps.map(label));
  assert.is(bottom.data.values.length, out.rows.length);
  for (const v of bottom.data.values) assert.is(v.share, rowOf(v.x, v.method).stats.infeasibleShare);
  for (const v of top.data.values) assert.equal([v.y, v.lo, v.hi], [rowOf(v.x, v.method).stats.mean, rowOf(v.x, v.method).stats.ci95Low, rowOf(v.x, v.method).stats.ci95High]);
  assert.ok(bottom.data.values.some((v) => v.share === 1) && bottom.data.values.some((v) => v.share > 0 && v.share < 1), 'the outage covers every case');
  assert.is(top.data.values.length, out.rows.filter((r) => r.stats.mean !== null).length);
  assert.match(specs.outage.title.subtitle.join(' '), /top: rounds with a point only; bottom: outage, the share of rounds without a point/);
  // 3. The scatter: one point per method and grid point with a point, at (mean energy, mean latency).
  const sc = specs.scatter;
  const points = sc.data.values;
  assert.is(points.length, out.rows.filter((r) => r.stats.mean !== null).length);
  for (const v of points) {
    const r = out.rows.find((x) => x.grid === v.grid && x.method === v.method);
    assert.equal([v.energy, v.y], [r.stats.energyMean, r.stats.mean]);
  }
  assert.match(sc.title.subtitle.join(' '), /a point per method and grid point, joined in the order of energy cap per round \(J\)/);
  if (Object.keys(svgs).length > 0) {
    for (const name of ['energy-vs-energyCapJ.svg', 'outage-vs-energyCapJ.svg', 'latency-energy.svg']) {
      assert.ok(files.includes(name), name);
      assert.not.match(svgs[name], /NaN/, name);
      const width = Number(/width="(\d+(\.\d+)?)"/.exec(svgs[name])[1]);
      assert.ok(width <= FIGURE_WIDTH + 40, `${name}: ${width} units wide, one column`);
    }
  }
});

test.run();
