// jcpba bundled into a page by esbuild, as a user's project would bundle it (the package
// linked into node_modules, resolved by name under esbuild's browser platform), then run
// in Debian's Chromium: on the WASM backend the numbers equal the Node API's; a bundle
// made with no options at all still works and says loudly why WASM did not run.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, createSolver, generate, solve } from '../../dist/ts/index.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];
const SCENARIO = { clients: 25, seed: 11, drop: 2, realization: 5 };
const TIMEOUT_MS = 30_000;

/** The page's code: solve every method, report backend, warnings and latencies in the DOM. */
const pageCode = (wasmImport) => `
import { METHODS, createSolver, generate } from 'jcpba';
${wasmImport ? "import wasm from 'jcpba/jcpba.wasm';" : ''}
const warnings = [];
const saved = console.warn;
console.warn = (...args) => { warnings.push(args.join(' ')); saved(...args); };
createSolver(${wasmImport ? '{ wasm }' : ''}).then((solver) => {
  const problem = generate(${JSON.stringify(SCENARIO)});
  const latency = Object.fromEntries(METHODS.map((method) => [method, solver.solve(problem, { method }).latency]));
  const many = solver.solveMany([problem, generate({ clients: 4, seed: 1 })], { method: 'bcd' }).map((r) => r.latency);
  document.body.dataset.result = JSON.stringify({ backend: solver.backend, skipped: solver.skipped, warnings, latency, many });
}, (e) => { document.body.dataset.result = JSON.stringify({ error: String(e) }); });
`;

const bundled = suite('jcpba bundled by esbuild, in Chromium');
const ctx = { dir: '', out: '', server: undefined, origin: '', browser: undefined, problems: [], metafiles: {} };

function serve(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { 'Content-Type': types[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** Loads page NAME.html and returns what the page reported. */
async function run(name) {
  const page = await ctx.browser.newPage();
  page.on('pageerror', (e) => ctx.problems.push(`${name}: page error: ${e.message}`));
  try {
    await page.goto(`${ctx.origin}/${name}.html`);
    await page.waitForSelector('body[data-result]', { state: 'attached', timeout: TIMEOUT_MS });
    return JSON.parse(await page.getAttribute('body', 'data-result'));
  } finally {
    await page.close();
  }
}

bundled.before(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'jcpba-bundle-'));
  // A user's project: jcpba in node_modules (linked to this repository's build).
  mkdirSync(join(ctx.dir, 'node_modules'));
  symlinkSync(ROOT, join(ctx.dir, 'node_modules/jcpba'), 'dir');
  writeFileSync(join(ctx.dir, 'with-wasm.js'), pageCode(true));
  writeFileSync(join(ctx.dir, 'plain.js'), pageCode(false));
  ctx.out = join(ctx.dir, 'out');
  // The documented recipe: esm output, .wasm files emitted by the file loader.
  const withWasm = await esbuild.build({
    absWorkingDir: ctx.dir,
    entryPoints: ['with-wasm.js'],
    bundle: true,
    format: 'esm',
    loader: { '.wasm': 'file' },
    outdir: ctx.out,
    metafile: true,
    logLevel: 'silent',
  });
  // No options beyond bundling: esbuild's defaults (browser platform, iife format).
  const plain = await esbuild.build({ absWorkingDir: ctx.dir, entryPoints: ['plain.js'], bundle: true, outdir: ctx.out, metafile: true, logLevel: 'silent' });
  ctx.metafiles = { withWasm: withWasm.metafile, plain: plain.metafile };
  writeFileSync(join(ctx.out, 'with-wasm.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="with-wasm.js"></script><body></body>');
  writeFileSync(join(ctx.out, 'plain.html'), '<!doctype html><meta charset="utf-8"><script defer src="plain.js"></script><body></body>');
  ctx.server = await serve(ctx.out);
  ctx.origin = `http://127.0.0.1:${ctx.server.address().port}`;
  const profile = join(ctx.dir, 'profile');
  ctx.browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

bundled.after(async () => {
  await ctx.browser?.close();
  ctx.server?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

bundled('the bundles hold the browser entry and no Node-only module', () => {
  for (const [name, meta] of Object.entries(ctx.metafiles)) {
    const inputs = Object.keys(meta.inputs);
    assert.ok(inputs.some((f) => f.endsWith('dist/ts/browser.js')), `${name}: ${inputs}`);
    assert.not.ok(inputs.some((f) => /dist\/ts\/(facade|index)\.js|native\.js|wasm-node\.js|\/sweep\/|\/cli\//.test(f)), `${name}: ${inputs}`);
  }
  const emitted = Object.keys(ctx.metafiles.withWasm.outputs);
  assert.ok(emitted.some((f) => f.endsWith('.wasm')), `the file loader emitted jcpba.wasm: ${emitted}`);
});

bundled('with jcpba/jcpba.wasm passed to createSolver, the page runs WASM and agrees with the Node API', async () => {
  const result = await run('with-wasm');
  assert.is(result.error, undefined, result.error);
  assert.is(result.backend, 'wasm');
  assert.equal(result.skipped, []);
  assert.equal(result.warnings, []);
  const problem = generate(SCENARIO);
  const wasm = await createSolver({ backend: 'wasm' });
  for (const method of METHODS) {
    const reference = solve(problem, { method }).latency;
    // The generator runs in each engine's JavaScript, whose Math may differ in the last bit.
    assert.ok(Math.abs(result.latency[method] - reference) <= 1e-9 * reference, `${method}: page ${result.latency[method]} vs node ${reference}`);
    assert.ok(Math.abs(result.latency[method] - wasm.solve(problem, { method }).latency) <= 1e-9 * reference, `${method}: vs node's wasm`);
  }
  const second = solve(generate({ clients: 4, seed: 1 }), { method: 'bcd' }).latency;
  assert.ok(Math.abs(result.many[1] - second) <= 1e-9 * second);
  assert.equal(ctx.problems, []);
});

bundled('a bundle made with no options runs the TypeScript reference and warns why, naming the fix', async () => {
  const result = await run('plain');
  assert.is(result.error, undefined, result.error);
  assert.is(result.backend, 'ts');
  assert.is(result.skipped.length, 1);
  assert.is(result.warnings.length, 1, 'one console warning');
  assert.match(result.warnings[0], /import\.meta\.url is not available/);
  assert.match(result.warnings[0], /jcpba\/jcpba\.wasm/);
  const problem = generate(SCENARIO);
  for (const method of METHODS) {
    const reference = solve(problem, { method }).latency;
    assert.ok(Math.abs(result.latency[method] - reference) <= 1e-9 * reference, method);
  }
  assert.equal(ctx.problems, []);
});

bundled.run();
