// vega and vega-lite are optional: loaded only when a figure is drawn. A resolve hook
// (test/fixtures/deny-modules.mjs) hides them, as if not installed, and logs every
// attempt to load them: the CLI's start and the package entry make none; a sweep makes
// one, and without them writes the Vega-Lite specs and says how to render them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/jcpba.js');
const DENY = join(ROOT, 'test/fixtures/deny-modules.mjs');
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-lean-'));
const SWEEP = ['sweep', '--clients', '3,6', '--budget', '0.1,0.3', '--drops', '1', '--realizations', '2', '--methods', 'equal,optimal', '--quiet'];

/** Runs node with vega and vega-lite hidden; returns the result and what tried to load them. */
function withoutVega(args) {
  const log = join(tmp(), 'denied.log');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(DENY).href, ...args], {
    encoding: 'utf8',
    env: { ...process.env, JCPBA_DENY: 'vega,vega-lite', JCPBA_DENY_LOG: log },
  });
  return { ...r, denied: existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [] };
}

test('jcpba --version, --help and the package entry do not load vega or vega-lite', () => {
  for (const args of [[BIN, '--version'], [BIN, '--help'], [BIN, 'generate', '--clients', '2']]) {
    const r = withoutVega(args);
    assert.is(r.status, 0, r.stderr);
    assert.equal(r.denied, [], `${args.slice(1).join(' ')} tried to load ${r.denied}`);
  }
  const entry = withoutVega(['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/ts/index.js')).href)}); console.log(typeof m.runSweep)`]);
  assert.is(entry.stdout.trim(), 'function', entry.stderr);
  assert.equal(entry.denied, []);
});

test('without vega a sweep writes every result and the Vega-Lite specs, and says how to render them', () => {
  const out = tmp();
  const r = withoutVega([BIN, ...SWEEP, '--out', out]);
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.denied.length > 0, 'the hook saw the sweep try to load them (so the test above can fail)');
  const files = readdirSync(out).sort();
  assert.equal(files.filter((f) => f.endsWith('.svg')), []);
  const specs = files.filter((f) => f.endsWith('.vl.json'));
  // Latency and energy per round, one spec of each per budget, and the latency-energy scatter.
  assert.is(specs.length, 5, `${files}`);
  for (const f of ['results.csv', 'results.json']) assert.ok(files.includes(f), f);
  assert.match(r.stderr, /vega and vega-lite are not installed/);
  assert.match(r.stderr, /npm install vega vega-lite/);
  assert.match(r.stderr, /vl2svg/);
  const spec = JSON.parse(readFileSync(join(out, specs[0]), 'utf8'));
  assert.match(spec.$schema, /vega-lite/);
  assert.is(spec.data.values.length, 2 * 2, 'two client counts x two methods');
});

test('with vega each SVG has its spec beside it, and the spec renders to that same SVG', async () => {
  const out = tmp();
  const r = spawnSync(process.execPath, [BIN, ...SWEEP, '--out', out], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, /not installed/);
  const svgs = readdirSync(out).filter((f) => f.endsWith('.svg'));
  assert.is(svgs.length, 5);
  for (const svg of svgs) {
    const spec = JSON.parse(readFileSync(join(out, svg.replace(/\.svg$/, '.vl.json')), 'utf8'));
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    const rendered = await view.toSVG();
    view.finalize();
    assert.is(rendered, readFileSync(join(out, svg), 'utf8'), svg);
  }
});

test('package.json: vega and vega-lite are optional peers, and engines is what CI runs', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.is(pkg.dependencies, undefined, 'no required dependency');
  for (const name of ['vega', 'vega-lite']) {
    assert.ok(pkg.peerDependencies[name], name);
    assert.is(pkg.peerDependenciesMeta[name].optional, true, name);
  }
  assert.is(pkg.engines.node, '>=20');
  // CI runs on the Node of this machine: it must satisfy engines, and so must every
  // package installed for the tests (an EBADENGINE package would be untested here).
  assert.ok(Number(process.versions.node.split('.')[0]) >= 20);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  for (const name of ['vega', 'vega-lite']) {
    const wanted = lock.packages[`node_modules/${name}`]?.engines?.node;
    if (wanted) assert.ok(/^>=\s*(1[0-9]|20)(\.|$)/.test(wanted), `${name} declares node ${wanted}, above what jcpba supports`);
  }
});

test.run();
