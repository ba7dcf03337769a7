// The package as a user gets it: the release packed (scripts/pack.mjs: the main package,
// without the addon, and the platform package jcpba-linux-x64-gnu with it), both tarballs
// installed together into a fresh project (offline: jcpba has no required dependency,
// and npm skips an optional one it cannot fetch), used from Node, from the CLI and from
// TypeScript (Node and browser resolution); and the main tarball alone in another
// project, as on a platform without a platform package. Needs a built tree (npm run build).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, generate, solve, toJson } from '../../dist/ts/index.js';
import { pack } from '../../scripts/pack.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const ADDON = join(ROOT, 'bindings/native/jcpba.linux-x64-gnu.node');
const PLATFORM_PKG = 'jcpba-linux-x64-gnu';
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

const installed = suite('the packed and installed package');
const ctx = { dir: '', app: '', bare: '', files: [], platformFiles: [], pkgDir: '' };

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, env: NPM_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command in the app; returns { status, stdout, stderr }. */
function inApp(command, args, { input, env, cwd = ctx.app } = {}) {
  // The note on a skipped backend leaves a marker in the cache folder: a scratch one here.
  return spawnSync(command, args, { cwd, input, encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: '', JCPBA_NATIVE_PATH: '', JCPBA_CACHE_DIR: join(ctx.dir, 'cache'), ...env } });
}
const jcpba = (args, options = {}) => inApp(join(options.cwd ?? ctx.app, 'node_modules/.bin/jcpba'), args, options);

/** A fresh project with `tarballs` installed together, offline (nothing comes from the registry). */
function freshProject(name, tarballs) {
  const dir = join(ctx.dir, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  npm(['install', '--offline', '--no-audit', '--no-fund', ...tarballs], dir);
  return dir;
}
const node = (file, options) => inApp(process.execPath, [file], options);

installed.before(() => {
  for (const f of ['dist/ts/index.js', 'bindings/wasm/jcpba.wasm', 'bindings/native/jcpba.linux-x64-gnu.node', `npm/linux-x64-gnu/jcpba.linux-x64-gnu.node`]) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  ctx.dir = mkdtempSync(join(tmpdir(), 'jcpba-install-'));
  const packed = pack(join(ctx.dir, 'tarballs'));
  const platform = packed.platforms.find((p) => p.name === PLATFORM_PKG);
  assert.ok(platform, `the release packs ${PLATFORM_PKG}`);
  ctx.files = packed.main.files;
  ctx.platformFiles = platform.files;
  ctx.app = freshProject('app', [packed.main.file, platform.file]);
  ctx.bare = freshProject('bare', [packed.main.file]);
  ctx.pkgDir = join(ctx.app, 'node_modules/jcpba');
});

installed.after(() => {
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

installed('the tarball holds the build, the license, the docs and schemas, and no development files', () => {
  const has = (f) => ctx.files.includes(f);
  for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/jcpba.js', 'dist/ts/index.js', 'dist/ts/browser.js', 'dist/ts/index.d.ts',
    'bindings/wasm/jcpba.wasm', 'bindings/wasm/jcpba-nosimd.wasm', 'docs/MODEL.md', 'docs/CORE_API.md',
    'schemas/problem.schema.json', 'schemas/solve-results.schema.json', 'schemas/sweep-results.schema.json',
    'dist/cjs/index.cjs', 'dist/cjs/index.d.cts', 'CITATION.cff', 'CHANGELOG.md']) {
    assert.ok(has(f), f);
  }
  for (const prefix of ['test/', 'bench/', 'crates/', 'web/', 'scripts/', 'node_modules/', 'target/', 'npm/', 'bindings/native/']) {
    assert.not.ok(ctx.files.some((f) => f.startsWith(prefix)), `nothing from ${prefix}`);
  }
  assert.match(readFileSync(join(ctx.pkgDir, 'LICENSE'), 'utf8'), /^MIT License/);
  assert.is(PKG.license, 'MIT');
  assert.match(PKG.repository.url, /^git\+https:\/\/.+\.git$/);
  assert.ok(PKG.keywords.includes('federated learning') && PKG.keywords.includes('pruning'));
  assert.is(PKG.sideEffects, false);
  assert.match(readFileSync(join(ctx.pkgDir, 'CITATION.cff'), 'utf8'), /arXiv:2602\.01024/);
});

installed('the addon ships in its platform package: an exact-version optional dependency of the main package, which holds none', () => {
  assert.not.ok(ctx.files.some((f) => f.endsWith('.node')), 'no addon in the main package');
  const main = JSON.parse(readFileSync(join(ctx.pkgDir, 'package.json'), 'utf8'));
  assert.equal(main.optionalDependencies, { [PLATFORM_PKG]: PKG.version });
  assert.is(main.dependencies, undefined, 'still no required dependency');
  assert.equal([...ctx.platformFiles].sort(), ['LICENSE', 'README.md', 'jcpba.linux-x64-gnu.node', 'package.json']);
  const platform = JSON.parse(readFileSync(join(ctx.app, 'node_modules', PLATFORM_PKG, 'package.json'), 'utf8'));
  assert.is(platform.version, PKG.version);
  assert.equal([platform.os, platform.cpu, platform.libc], [['linux'], ['x64'], ['glibc']]);
  assert.is(platform.main, 'jcpba.linux-x64-gnu.node');
  // The very addon the repository built, byte for byte.
  assert.ok(readFileSync(join(ctx.app, 'node_modules', PLATFORM_PKG, platform.main)).equals(readFileSync(ADDON)));
  assert.not.ok(existsSync(join(ctx.bare, 'node_modules', PLATFORM_PKG)), 'the main tarball alone installs no platform package');
});

installed('CommonJS: require works without require(esm) (Node 20.0 semantics), with the same numbers and every export', () => {
  writeFileSync(
    join(ctx.app, 'use.cjs'),
    `const jcpba = require('jcpba');
const { createSolver, generate, runSweep } = jcpba;
(async () => {
  const solver = await createSolver();
  const wasm = await createSolver({ backend: 'wasm' });
  const problem = generate({ clients: 30, seed: 5 });
  const out = await runSweep({ grid: [{ key: 'clients', values: [4] }], seed: 1, drops: 1, realizations: 2, methods: ['equal'] }, { out: 'cjs-sweep', backend: 'wasm', threads: 1 });
  console.log(JSON.stringify({ exports: Object.keys(jcpba).sort(), backend: solver.backend, latency: solver.solve(problem).latency,
    wasm: wasm.solve(problem).latency, sweep: out.unitsDone, error: jcpba.JcpbaError.name,
    addons: Object.keys(require.cache).filter((f) => f.endsWith('.node')) }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
  );
  const r = inApp(process.execPath, ['--no-experimental-require-module', 'use.cjs']);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const esm = inApp(process.execPath, ['--input-type=module', '-e', "import * as j from 'jcpba'; console.log(JSON.stringify(Object.keys(j).sort()))"]);
  assert.equal(out.exports, JSON.parse(esm.stdout), 'the same exports as the ESM entry');
  assert.is(out.backend, 'native');
  assert.equal(out.addons, [join(ctx.app, 'node_modules', PLATFORM_PKG, 'jcpba.linux-x64-gnu.node')], 'the addon of the platform package');
  const ref = solve(generate({ clients: 30, seed: 5 }), { method: 'optimal' }).latency;
  assert.ok(Math.abs(out.latency - ref) <= 1e-9 * ref && Math.abs(out.wasm - ref) <= 1e-9 * ref, `${out.latency} ${out.wasm} vs ${ref}`);
  assert.is(out.sweep, 1, 'the sweep ran its worker from the CommonJS build');
  // Without require(esm), requiring the ESM entry itself fails: the CommonJS build is what runs.
  const direct = inApp(process.execPath, ['--no-experimental-require-module', '-e', "require(require('path').join(process.cwd(), 'node_modules/jcpba/dist/ts/index.js'))"]);
  assert.is.not(direct.status, 0);
});

installed("every relative link of the README and every source of a source map is in the package", () => {
  const readme = readFileSync(join(ctx.pkgDir, 'README.md'), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.length >= 3, `README links: ${links}`);
  for (const link of links) assert.ok(ctx.files.includes(normalize(link)), `README links ${link}, which is not shipped`);
  const maps = ctx.files.filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 10);
  for (const map of maps) {
    const { sources, sourcesContent, sourceRoot = '' } = JSON.parse(readFileSync(join(ctx.pkgDir, map), 'utf8'));
    sources.forEach((source, i) => {
      if (sourcesContent?.[i]) return;
      const file = normalize(join(dirname(map), sourceRoot, source));
      assert.ok(ctx.files.includes(file), `${map} points at ${file}, which is not shipped`);
    });
  }
});

installed('from Node: the fastest backend by name, the same numbers as the repository, the exported wasm and schemas', () => {
  writeFileSync(
    join(ctx.app, 'use.mjs'),
    `import { createRequire } from 'node:module';
import { createSolver, generate, METHODS, VERSION } from 'jcpba';
const solver = await createSolver();
const addons = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.endsWith('.node'));
const problem = generate({ clients: 30, seed: 5 });
const latency = Object.fromEntries(METHODS.map((m) => [m, solver.solve(problem, { method: m }).latency]));
const wasmUrl = new URL(import.meta.resolve('jcpba/jcpba.wasm'));
const wasm = await createSolver({ backend: 'wasm', wasm: wasmUrl });
const schema = new URL(import.meta.resolve('jcpba/schemas/problem.schema.json'));
console.log(JSON.stringify({ VERSION, backend: solver.backend, skipped: solver.skipped, addons, latency, wasm: wasm.solve(problem, { method: 'optimal' }).latency, wasmUrl, schema }));
`,
  );
  const r = node('use.mjs');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const out = JSON.parse(r.stdout);
  assert.is(out.VERSION, PKG.version);
  assert.is(out.backend, 'native');
  assert.equal(out.skipped, []);
  assert.equal(out.addons, [join(ctx.app, 'node_modules', PLATFORM_PKG, 'jcpba.linux-x64-gnu.node')], 'the addon of the platform package');
  const problem = generate({ clients: 30, seed: 5 });
  for (const m of METHODS) {
    const ref = solve(problem, { method: m }).latency;
    assert.ok(Math.abs(out.latency[m] - ref) <= 1e-9 * ref, `${m}: ${out.latency[m]} vs ${ref}`);
  }
  assert.ok(Math.abs(out.wasm - out.latency.optimal) <= 1e-9 * out.latency.optimal);
  assert.ok(fileURLToPath(out.wasmUrl).startsWith(ctx.pkgDir));
  assert.is(JSON.parse(readFileSync(fileURLToPath(out.schema), 'utf8')).$id, 'urn:jcpba:schemas:problem');
});

installed('the CLI: --version, no bench where it cannot run, a sweep without vega', () => {
  const version = jcpba(['--version']);
  assert.is(version.stdout, `${PKG.version}\n`);
  const help = jcpba(['--help']);
  assert.is(help.status, 0);
  assert.match(help.stdout, /sweep/);
  assert.not.match(help.stdout, /bench/);
  const bench = jcpba(['bench']);
  assert.is(bench.status, 2, 'a usage error');
  assert.match(bench.stderr, /clone of the jcpba repository/);
  const sweep = jcpba(['sweep', '--clients', '3,5', '--drops', '1', '--realizations', '2', '--methods', 'equal,bcd', '--quiet', '--out', 'out']);
  assert.is(sweep.status, 0, sweep.stderr);
  const files = readdirSync(join(ctx.app, 'out'));
  assert.ok(files.includes('latency-vs-clients.vl.json') && files.includes('results.csv'), `${files}`);
  assert.not.ok(files.some((f) => f.endsWith('.svg')));
  assert.match(sweep.stderr, /npm install vega vega-lite/);
});

installed('from TypeScript: the Node types, and the browser types under the browser condition', () => {
  writeFileSync(
    join(ctx.app, 'node.mts'),
    `import { createSolver, generate, type SolveResult, type SweepConfig, type Solver } from 'jcpba';
const solver: Solver = await createSolver({ backend: 'auto', native: process.env.NOPE });
const r: SolveResult = solver.solve(generate({ clients: 4 }), { method: 'bcd' });
const grid: SweepConfig['grid'] = [{ key: 'clients', values: [4] }];
// A result narrows on its status: an infeasible one has no point (pruning is null).
console.log([r.method, r.status === 'infeasible' ? 'none' : r.pruning.length, grid.length, solver.backend].join(' '));
`,
  );
  writeFileSync(
    join(ctx.app, 'browser.mts'),
    `import { createSolver, BROWSER_BACKENDS, DEFAULT_WASM_URL } from 'jcpba';
const solver = await createSolver({ backend: BROWSER_BACKENDS[0], wasm: DEFAULT_WASM_URL ?? 'jcpba.wasm', onWarning: (m: string) => console.error(m) });
export const backend: 'wasm' | 'ts' | 'native' = solver.backend;
`,
  );
  const common = ['--strict', '--target', 'es2022', '--skipLibCheck', 'false', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')];
  const tscNode = inApp(process.execPath, [TSC, ...common, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--outDir', 'built', 'node.mts']);
  assert.is(tscNode.status, 0, tscNode.stdout + tscNode.stderr);
  const run = node('built/node.mjs');
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout, 'bcd 4 1 native\n', JSON.stringify(run.stdout));
  const tscBrowser = inApp(process.execPath, [TSC, ...common, '--module', 'esnext', '--moduleResolution', 'bundler', '--customConditions', 'browser', '--lib', 'es2022,dom', '--noEmit', 'browser.mts']);
  assert.is(tscBrowser.status, 0, tscBrowser.stdout + tscBrowser.stderr);
  // Under the Node resolution, the browser-only names do not exist: the conditions really differ.
  const wrong = inApp(process.execPath, [TSC, ...common, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--noEmit', 'browser.mts']);
  assert.is.not(wrong.status, 0);
  assert.match(wrong.stdout, /BROWSER_BACKENDS/);
});

installed('strict TypeScript: a wrong problem does not compile (@ts-expect-error), results narrow on status, the .wasm import is typed', () => {
  // Every @ts-expect-error line must be an error, or tsc fails: the compile passing proves
  // the wrong problems are rejected by the types.
  writeFileSync(
    join(ctx.app, 'strict.mts'),
    `import { createSolver, solve, type Kernels, type MinPruningResult, type ProblemInput } from 'jcpba';
import wasmUrl from 'jcpba/jcpba.wasm';
const solver = await createSolver({ wasm: wasmUrl });
const good: ProblemInput = {
  bandwidthHz: 2e7, noisePsdDbmPerHz: -174, payloadBits: 2 ** 26, pruningBudget: 0.3,
  clients: [{ computeSeconds: 12.5, txPowerW: 0.2, channelGain: 2.8e-11, dataWeight: 300, maxPruning: 0.5 }],
};
const columns: ProblemInput = { ...good, clients: { computeSeconds: [1], txPowerW: [0.2], channelGain: [1e-11], dataWeight: [1], maxPruning: [0.5] } };
solver.solve(good);
solve(columns, { method: 'bcd' });
// @ts-expect-error a misspelt field is not a problem
solver.solve({ bandwithHz: 2e7, noisePsdDbmPerHz: -174, payloadBits: 1, clients: [] });
// @ts-expect-error clients is required
solve({ bandwidthHz: 2e7, noisePsdDbmPerHz: -174, payloadBits: 1 });
// @ts-expect-error a string where a number of Hz goes
solver.minPruning({ ...good, bandwidthHz: '20 MHz' }, { deadline: 50 });
// @ts-expect-error a client without its channel gain
solver.solveMany([{ ...good, clients: [{ computeSeconds: 1, txPowerW: 0.2, dataWeight: 1, maxPruning: 0.5 }] }]);
const d: MinPruningResult = solver.minPruning(good, { deadline: 50 });
if (d.status === 'infeasible') {
  const least: number | null = d.minDeadline;
  console.log(least);
} else {
  const pruned: number = d.weightedPruning;
  const band: Float64Array = d.bandwidth;
  console.log(pruned, band.length);
}
// @ts-expect-error without narrowing, the point may be null
const unsafe: Float64Array = d.pruning;
const kernels: Kernels | undefined = solver.kernels;
// @ts-expect-error kernels is one of four instruction sets, not any string
const sse: 'sse2' | undefined = solver.kernels;
console.log(unsafe, kernels, sse);
`,
  );
  const common = ['--strict', '--target', 'es2022', '--skipLibCheck', 'false', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), '--noEmit'];
  const tsc = inApp(process.execPath, [TSC, ...common, '--module', 'nodenext', '--moduleResolution', 'nodenext', 'strict.mts']);
  assert.is(tsc.status, 0, tsc.stdout + tsc.stderr);
  // And the same consumer as CommonJS TypeScript, through the require condition's types.
  writeFileSync(join(ctx.app, 'strict.cts'), "import jcpba = require('jcpba');\nconst p: jcpba.ProblemInput = { bandwidthHz: 1, noisePsdWPerHz: 1e-20, payloadBits: 1, clients: [] };\n// @ts-expect-error payloadBits is a number\nconst q: jcpba.ProblemInput = { ...p, payloadBits: 'many' };\nexport const both = [p, q, jcpba.createSolver];\n");
  const cts = inApp(process.execPath, [TSC, ...common, '--module', 'nodenext', '--moduleResolution', 'nodenext', 'strict.cts']);
  assert.is(cts.status, 0, cts.stdout + cts.stderr);
});

installed('an explicit addon beats the platform package: JCPBA_NATIVE_PATH and the native option', () => {
  const problem = JSON.stringify(toJson(generate({ clients: 6, seed: 2 })));
  // A path that does not hold an addon: auto runs wasm and says so loudly, naming the path,
  // though the platform package is installed.
  const wrong = jcpba(['solve', '-'], { input: problem, env: { JCPBA_NATIVE_PATH: join(ctx.dir, 'nope.node') } });
  assert.is(wrong.status, 0, wrong.stderr);
  assert.is(JSON.parse(wrong.stdout).backend, 'wasm');
  assert.match(wrong.stderr, /the native backend did not load/);
  assert.ok(wrong.stderr.includes(join(ctx.dir, 'nope.node')), wrong.stderr);
  writeFileSync(join(ctx.app, 'option.mjs'), `import { createSolver } from 'jcpba';
try { await createSolver({ backend: 'native', native: ${JSON.stringify(join(ctx.dir, 'nope.node'))} }); } catch (e) { console.log(e.code, e.message); }\n`);
  const option = node('option.mjs');
  assert.match(option.stdout, /^backend-unavailable backend native is unavailable: native addon not found at .*nope\.node \(from the native option\)/);
});

installed('without the platform package: wasm runs with a note naming the package, forcing native says what to do, JCPBA_NATIVE_PATH loads one', () => {
  const problem = JSON.stringify(toJson(generate({ clients: 6, seed: 2 })));
  const cwd = ctx.bare;
  const auto = jcpba(['solve', '-', '--verbose'], { input: problem, cwd });
  assert.is(auto.status, 0, auto.stderr);
  assert.is(JSON.parse(auto.stdout).backend, 'wasm');
  assert.not.match(auto.stderr, /did not load/, 'no warning: a missing platform package is normal on a platform without one');
  assert.match(auto.stderr, /jcpba: note: skipped the native backend: the package jcpba-linux-x64-gnu \(the native addon for linux-x64-gnu, an optional dependency of jcpba\) is not installed/);
  writeFileSync(join(cwd, 'auto.mjs'), "import { createSolver } from 'jcpba'; const s = await createSolver(); console.log(JSON.stringify([s.backend, s.skipped]));\n");
  const api = node('auto.mjs', { cwd });
  assert.is(api.status, 0, api.stderr);
  assert.is(api.stderr, '', 'the API warns about nothing');
  const [backend, skipped] = JSON.parse(api.stdout);
  assert.is(backend, 'wasm');
  assert.is(skipped[0].backend, 'native');
  assert.match(skipped[0].reason, /jcpba-linux-x64-gnu/);
  const forced = jcpba(['solve', '-', '--backend', 'native'], { input: problem, cwd });
  assert.is(forced.status, 1);
  assert.match(forced.stderr, /backend native is unavailable: the package jcpba-linux-x64-gnu .* is not installed/);
  assert.match(forced.stderr, /the wasm backend gives the same results/);
  assert.ok(forced.stderr.includes(`npm install jcpba-linux-x64-gnu@${PKG.version}`), forced.stderr);
  const pointed = jcpba(['solve', '-'], { input: problem, cwd, env: { JCPBA_NATIVE_PATH: ADDON } });
  assert.is(pointed.status, 0, pointed.stderr);
  assert.is(JSON.parse(pointed.stdout).backend, 'native');
  // A platform package of another version than jcpba's is refused, by name and version.
  const stale = join(cwd, 'node_modules', PLATFORM_PKG);
  cpSync(join(ctx.app, 'node_modules', PLATFORM_PKG), stale, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(stale, 'package.json'), 'utf8'));
  writeFileSync(join(stale, 'package.json'), JSON.stringify({ ...manifest, version: '0.0.1' }));
  const mismatched = jcpba(['solve', '-', '--backend', 'native'], { input: problem, cwd });
  assert.is(mismatched.status, 1);
  assert.match(mismatched.stderr, new RegExp(`the installed jcpba-linux-x64-gnu is version 0\\.0\\.1, not jcpba's ${PKG.version.replaceAll('.', '\\.')}`));
  // The same package at the right version loads: resolution alone, no npm metadata needed.
  writeFileSync(join(stale, 'package.json'), JSON.stringify(manifest));
  const resolved = jcpba(['solve', '-', '--backend', 'native'], { input: problem, cwd });
  assert.is(resolved.status, 0, resolved.stderr);
  assert.is(JSON.parse(resolved.stdout).backend, 'native');
  rmSync(stale, { recursive: true });
});

installed.run();
