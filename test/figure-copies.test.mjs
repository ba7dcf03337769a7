// Figures for papers (issue 21): each legend entry shows its method's dash pattern on a
// line segment with the method's marker (a bare marker hides the dash), and the PNG
// (resvg, 300 dpi) and PDF (PDFKit) copies written beside each SVG when the optional
// renderers (@resvg/resvg-js; pdfkit and svg-to-pdfkit) are installed. Without them the
// copy checks are skipped with a message, and the run says once how to get the copies.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../dist/ts/index.js';
import { PNG_DPI, NO_COPIES_NOTE, loadConverters, solidDashes, svgSize } from '../dist/ts/sweep/render.js';
import { legendLayout } from '../dist/ts/sweep/figures.js';

const backend = process.env.JCPBA_BACKEND || undefined;
const METHODS = ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];
const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const DENY = new URL('./fixtures/deny-modules.mjs', import.meta.url).href;
const RENDERERS = ['@resvg/resvg-js', 'pdfkit', 'svg-to-pdfkit'];

let vega = true;
try {
  await import('vega');
  await import('vega-lite');
} catch {
  vega = false;
  console.log('figure-copies: vega or vega-lite is not installed: the SVG checks are skipped');
}
const converters = await loadConverters();
if (!converters.png) console.log('figure-copies: @resvg/resvg-js is not installed: the PNG checks are skipped');
if (!converters.pdf) console.log('figure-copies: pdfkit or svg-to-pdfkit is not installed: the PDF checks are skipped');

async function sweep() {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-copies-'));
  const out = await runSweep({ grid: [{ key: 'clients', values: [5, 10] }], seed: 3, drops: 1, realizations: 4, methods: METHODS }, { out: dir, backend, threads: 1 });
  const files = readdirSync(dir);
  const read = (f) => (files.includes(f) ? readFileSync(join(dir, f)) : undefined);
  const result = { out, files, spec: JSON.parse(read('latency-vs-clients.vl.json')), svg: read('latency-vs-clients.svg')?.toString(), png: read('latency-vs-clients.png'), pdf: read('latency-vs-clients.pdf') };
  rmSync(dir, { recursive: true, force: true });
  return result;
}
const run = await sweep();

test('each legend entry draws its method\'s dash pattern on a line segment, with its marker', () => {
  if (!vega) return;
  const line = run.spec.layer.find((l) => l.mark.type === 'line');
  const dashes = line.encoding.strokeDash.scale.range.map((d) => d.join(','));
  const symbols = [...run.svg.matchAll(/role-legend-symbol[^>]*><path ([^>]*)\/>/g)].map((m) => m[1]);
  const labels = [...run.svg.matchAll(/role-legend-label[^>]*><text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.is(symbols.length, METHODS.length, 'one legend entry per method');
  assert.equal([...labels].sort(), [...METHODS].sort(), 'every method once, its full name');
  symbols.forEach((attrs, k) => {
    const i = METHODS.indexOf(labels[k]);
    assert.is(/stroke-dasharray="([^"]*)"/.exec(attrs)?.[1], dashes[i], `${METHODS[i]}: its dash pattern`);
    const d = /\sd="([^"]*)"/.exec(attrs)[1];
    // The segment: a horizontal line at least 16 points long (a pattern's period or more), then the marker's own subpath.
    const seg = /^M(-?[\d.]+),0L(-?[\d.]+),0M/.exec(d);
    assert.ok(seg, `${METHODS[i]}: the symbol starts with a horizontal segment (${d.slice(0, 40)})`);
    assert.ok(Number(seg[2]) - Number(seg[1]) >= 16, `${METHODS[i]}: the segment is ${Number(seg[2]) - Number(seg[1])} points long`);
  });
  // The markers differ: the subpath after the segment is each method's own shape.
  const markers = symbols.map((a) => /\sd="M[^M]*(M.*?)"/.exec(a)[1]);
  assert.is(new Set(markers).size, METHODS.length);
});

test('the legend reads in the methods\' (the table\'s) order: down the first column, then the second; one column when two would widen the figure', () => {
  // Vega fills the grid row by row: [c1, c2, c1, c2, ...].
  assert.equal(legendLayout(['a', 'b', 'c', 'd', 'e']), { columns: 2, values: ['a', 'd', 'b', 'e', 'c'] });
  assert.equal(legendLayout(['equal', 'bcd', 'optimal']), { columns: 2, values: ['equal', 'optimal', 'bcd'] });
  assert.equal(legendLayout(['optimal']), { columns: 2, values: ['optimal'] });
  // The built-in methods: "uniform-prune-bandwidth" beside "prune-only" is 261 points by Vega's estimate.
  assert.equal(legendLayout(METHODS), { columns: 1, values: METHODS });
  if (!vega) return;
  // Rendered: the labels in drawing order.
  const labels = [...run.svg.matchAll(/role-legend-label[^>]*><text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.equal(labels, METHODS, 'one column, in the methods\' order');
});

test('a PNG at 300 dpi of the figure\'s size in points, beside the SVG', () => {
  if (!vega || !converters.png) return;
  const { width, height } = svgSize(run.svg);
  const png = run.png;
  assert.ok(png, 'the PNG is written');
  assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.is(png.toString('latin1', 12, 16), 'IHDR');
  assert.is(png.readUInt32BE(16), Math.round((width * PNG_DPI) / 72));
  assert.is(png.readUInt32BE(20), Math.round((height * PNG_DPI) / 72));
  assert.ok(run.out.files.some((f) => f.endsWith('latency-vs-clients.png')), 'listed among the files written');
});

test('a one-page PDF of the figure\'s size in points, its text in Helvetica, beside the SVG', () => {
  if (!vega || !converters.pdf) return;
  const { width, height } = svgSize(run.svg);
  const pdf = run.pdf;
  assert.ok(pdf, 'the PDF is written');
  assert.is(pdf.toString('latin1', 0, 5), '%PDF-');
  assert.match(pdf.toString('latin1', pdf.length - 8), /%%EOF\s*$/);
  const text = pdf.toString('latin1');
  assert.ok(text.includes(`/MediaBox [0 0 ${width} ${height}]`), `page ${width} x ${height} pt`);
  assert.is(text.match(/\/Type \/Page\b/g).length, 1);
  assert.match(text, /\/BaseFont \/Helvetica/);
  assert.ok(run.out.files.some((f) => f.endsWith('latency-vs-clients.pdf')), 'listed among the files written');
});

test('a solid line\'s dash pattern (Vega writes 1,0) is removed for PDFKit, every other kept', () => {
  const svg = '<path stroke-dasharray="1,0" d="M0,0"/><path stroke-dasharray="5,2" d="M0,0"/><path stroke-dasharray="0 4"/>';
  assert.is(solidDashes(svg), '<path d="M0,0"/><path stroke-dasharray="5,2" d="M0,0"/><path/>');
});

test('without the renderers (hidden as if not installed): the SVG only, and one note saying which packages draw PNG and PDF', () => {
  if (!vega) return;
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-nocopies-'));
  const log = join(dir, 'denied.log');
  const out = join(dir, 'out');
  const r = spawnSync(process.execPath, ['--import', DENY, BIN, 'sweep', '--clients', '5,10', '--budget', '0.1,0.3', '--methods', 'equal,optimal', '--drops', '1', '--realizations', '2', '--out', out, '--quiet'], {
    encoding: 'utf8',
    env: { ...process.env, JCPBA_DENY: RENDERERS.join(','), JCPBA_DENY_LOG: log },
  });
  const files = readdirSync(out);
  const denied = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  assert.equal([...new Set(denied)].sort(), [...RENDERERS].sort(), 'the sweep tried each renderer (so the test can fail)');
  assert.is(files.filter((f) => f.startsWith('latency-vs-clients') && f.endsWith('.svg')).length, 2, 'one latency SVG per budget');
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, /WARN/, 'no Vega-Lite warning (conflicting legend settings)');
  assert.not.ok(files.some((f) => f.endsWith('.png') || f.endsWith('.pdf')), files.join(' '));
  assert.is(r.stderr.split(NO_COPIES_NOTE).length - 1, 1, r.stderr);
  assert.match(NO_COPIES_NOTE, /@resvg\/resvg-js/);
  assert.match(NO_COPIES_NOTE, /pdfkit and svg-to-pdfkit/);
});

test.run();
