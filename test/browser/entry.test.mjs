// The browser entry (dist/ts/browser.js) in Node: what it imports, how it picks a
// backend, and that its answers are the reference's. The page itself is tested in
// Chromium by demo.test.mjs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as reference from '../../dist/ts/index.js';
import * as browser from '../../dist/ts/browser.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ENTRY = resolve(ROOT, 'dist/ts/browser.js');
const rel = (x, y) => Math.abs(x - y) / Math.abs(y);

/** Static and dynamic import specifiers of one compiled module (tsc output, no bundler). */
function importsOf(file) {
  const source = readFileSync(file, 'utf8');
  const statics = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? m[2],
  );
  const dynamics = [...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
  return { statics, dynamics };
}

function importGraph(entry) {
  const seen = new Map();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    const imports = importsOf(file);
    seen.set(file, imports);
    for (const spec of [...imports.statics, ...imports.dynamics]) {
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec));
    }
  }
  return seen;
}

const isNodeBuiltin = (spec) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);

test('the browser entry imports no Node built-in and neither the facade nor the native loader', () => {
  const graph = importGraph(ENTRY);
  const files = [...graph.keys()].map((f) => relative(ROOT, f));
  assert.ok(files.includes('dist/bindings/wasm.js'), 'the WASM loader is on the graph');
  assert.not.ok(files.includes('dist/ts/facade.js'), 'facade.js (its native path) is not on the graph');
  assert.not.ok(files.includes('dist/bindings/native.js'), 'native.js is not on the graph');
  assert.not.ok(files.some((f) => /sweep|cli|figures/.test(f)), `no Node-only module: ${files.join(', ')}`);
  for (const [file, { statics, dynamics }] of graph) {
    const where = relative(ROOT, file);
    for (const spec of statics) assert.not.ok(isNodeBuiltin(spec), `${where} imports ${spec}`);
    for (const spec of dynamics) assert.not.ok(isNodeBuiltin(spec), `${where} imports ${spec} dynamically`);
    // Not even a hidden one: a bundler would try to resolve any import() of a Node built-in.
    assert.not.match(readFileSync(file, 'utf8'), /import\(\s*\/\*[^)]*node:/, `${where} hides an import of a built-in`);
  }
});

test('package.json maps the browser condition to dist/ts/browser.js and keeps the default', () => {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
  const dot = pkg.exports['.'];
  assert.equal(dot.browser, { types: './dist/ts/browser.d.ts', default: './dist/ts/browser.js' });
  assert.is(dot.default, './dist/ts/index.js');
  assert.is(dot.types, './dist/ts/index.d.ts');
  // Resolution by name under the browser condition, as a bundler for browsers does it.
  const probe = "const m = await import('jcpba'); console.log(JSON.stringify([m.BROWSER_BACKENDS, m.BACKENDS]))";
  const run = (conditions) =>
    JSON.parse(execFileSync(process.execPath, [...conditions, '--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8' }));
  assert.equal(run(['--conditions=browser']), [['wasm', 'ts'], null]);
  assert.equal(run([]), [null, ['native', 'wasm', 'ts']]); // JSON turns a missing export into null
});

test('the browser entry re-exports the reference API', () => {
  // Every value the Node entry exports, but the sweep (Node only) and the Node facade.
  const nodeOnly = new Set(['createSolver', 'BACKENDS', 'runSweep', 'mergeShards', 'GRID_PARAMS']);
  const names = Object.keys(reference).filter((n) => !nodeOnly.has(n));
  for (const name of ['solve', 'generate', 'METHODS', 'MODEL_PRESETS', 'DATASET_PRESETS', 'SCENARIO_DEFAULTS', 'JcpbaError', 'VERSION']) assert.ok(names.includes(name), name);
  for (const name of names) {
    assert.ok(name in browser, name);
  }
  assert.is(browser.solve, reference.solve);
  assert.is(browser.JcpbaError, reference.JcpbaError);
});

test('createSolver runs WASM by default and agrees with the reference to 1e-9', async () => {
  const solver = await browser.createSolver();
  assert.is(solver.backend, 'wasm');
  assert.is(solver.kernels, 'simd128');
  assert.equal(solver.skipped, []);
  const p = browser.generate({ clients: 20, seed: 3 });
  for (const method of browser.METHODS) {
    const T = solver.solve(p, { method }).latency;
    const ref = reference.solve(p, { method }).latency;
    assert.ok(rel(T, ref) <= 1e-9, `${method}: wasm ${T} vs ts ${ref}`);
  }
  const many = solver.solveMany([p, browser.generate({ clients: 7, seed: 4 })], { method: 'bcd' });
  assert.is(many.length, 2);
  assert.is(many[1].pruning.length, 7);
  assert.ok(rel(many[0].latency, reference.solve(p, { method: 'bcd' }).latency) <= 1e-9);
});

test('createSolver reports its errors as JcpbaError with the reference words', async () => {
  const solver = await browser.createSolver({ backend: 'wasm' });
  const p = browser.generate({ clients: 3, seed: 1 });
  const bad = { ...p, pruningBudget: 1 };
  let wasmError;
  let tsError;
  try {
    solver.solve(bad, { method: 'optimal' });
  } catch (e) {
    wasmError = e;
  }
  try {
    reference.solve(bad, { method: 'optimal' });
  } catch (e) {
    tsError = e;
  }
  assert.instance(wasmError, browser.JcpbaError);
  assert.is(wasmError.message, tsError.message);
  assert.is(wasmError.field, 'pruningBudget');
  assert.throws(() => solver.solveMany([p, bad], { method: 'equal' }), (e) => e instanceof browser.JcpbaError && /^problems\[1\]: /.test(e.message));
});

test('createSolver falls back to the reference when WebAssembly is missing, and says why', async () => {
  const saved = globalThis.WebAssembly;
  globalThis.WebAssembly = undefined;
  try {
    const solver = await browser.createSolver();
    assert.is(solver.backend, 'ts');
    assert.equal(solver.skipped, [{ backend: 'wasm', reason: 'WebAssembly is not available here' }]);
    const p = browser.generate({ clients: 5, seed: 2 });
    assert.is(solver.solve(p, { method: 'optimal' }).latency, reference.solve(p, { method: 'optimal' }).latency);
    try {
      await browser.createSolver({ backend: 'wasm' });
      assert.unreachable('a forced backend must not fall back');
    } catch (e) {
      assert.instance(e, browser.JcpbaError);
      assert.is(e.code, 'backend-unavailable');
    }
  } finally {
    globalThis.WebAssembly = saved;
  }
});

test('createSolver falls back when the module cannot load, warns naming the URL, and rejects unknown backends', async () => {
  const warnings = [];
  const solver = await browser.createSolver({ wasm: new Uint8Array([0, 1, 2, 3]), onWarning: (m) => warnings.push(m) });
  assert.is(solver.backend, 'ts');
  assert.is(solver.skipped.length, 1);
  assert.match(solver.skipped[0].reason, /failed to load the WASM module/);
  assert.is(warnings.length, 1);
  // Without onWarning the warning goes to console.warn, and names the URL it tried.
  const missing = new URL('file:///no/such/dir/jcpba.wasm');
  const saved = console.warn;
  const logged = [];
  console.warn = (...args) => logged.push(args.join(' '));
  try {
    assert.is((await browser.createSolver({ wasm: missing })).backend, 'ts');
  } finally {
    console.warn = saved;
  }
  assert.is(logged.length, 1);
  assert.ok(logged[0].includes(missing.href), logged[0]);
  assert.match(logged[0], /TypeScript reference/);
  assert.match(logged[0], /jcpba\/jcpba\.wasm/);
  assert.is((await browser.createSolver({ backend: 'ts' })).backend, 'ts');
  try {
    await browser.createSolver({ backend: 'native' });
    assert.unreachable('native is not a browser backend');
  } catch (e) {
    assert.is(e.code, 'unknown-backend');
    assert.match(e.message, /needs Node\.js/);
  }
});

test.run();
