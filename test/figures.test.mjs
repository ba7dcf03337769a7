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
import { FIGURE_WIDTH, FONT_SIZE } from '../dist/ts/sweep/figures.js';

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
  assert.equal(line.encoding.color.scale.domain, METHODS);
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
  assert.equal(rules.map((r) => r.transform[0].filter.equal), METHODS);
  for (const v of spec.data.values) assert.ok(v.lo <= v.y && v.y <= v.hi, JSON.stringify(v));
});

test('the statistic: mean with its Student t interval, or median with its order-statistic interval, said in the subtitle', async () => {
  const mean = await sweep('mean');
  const median = await sweep('median');
  assert.match(mean.spec.title.subtitle.join(' '), /mean of 2 drops x 8 realizations; bars: 95% CI of the mean/);
  assert.match(median.spec.title.subtitle.join(' '), /median of 2 drops x 8 realizations; bars: 95% CI of the median/);
  const rowOf = (o, v) => o.out.rows.find((r) => r.point.clients === v.x && r.method === v.method);
  for (const v of mean.spec.data.values) {
    const r = rowOf(mean, v);
    assert.equal([v.y, v.lo, v.hi], [r.stats.mean, r.stats.ci95Low, r.stats.ci95High]);
  }
  for (const v of median.spec.data.values) {
    const r = rowOf(median, v);
    assert.is(v.y, r.stats.median);
    // n = 16 round latencies: ranks j = floor(8 - 0.98 x 4) = 4 and k = ceil(8 + 3.92) + 1 = 13,
    // inside [min, max] and around the median.
    assert.ok(r.stats.min <= v.lo && v.lo <= v.y && v.y <= v.hi && v.hi <= r.stats.max, JSON.stringify(v));
  }
  assert.match(median.spec.layer[0].encoding.y.title, /^median round latency/);
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

test.run();
