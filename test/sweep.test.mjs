import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JcpbaError, generate, runSweep } from '../dist/ts/index.js';
import { solve, solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const backend = solver.backend;
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-sweep-'));
const run = (args) => spawnSync(process.execPath, [BIN, ...args, '--backend', backend, '--quiet'], { encoding: 'utf8' });
const csv = (dir) => readFileSync(join(dir, 'results.csv'), 'utf8');
const GRID = ['--clients', '5,12', '--budget', '0.1,0.3', '--drops', '2', '--realizations', '20', '--methods', 'equal,bcd,optimal'];

function ok(r) {
  assert.is(r.status, 0, r.stderr);
  return r;
}

test('a sweep writes CSV, JSON with the configuration, backend and version, and SVG figures', () => {
  const dir = tmp();
  ok(run(['sweep', ...GRID, '--out', dir]));
  const files = readdirSync(dir);
  for (const f of ['results.csv', 'results.json', 'units.jsonl']) assert.ok(files.includes(f), f);
  const svgs = files.filter((f) => f.endsWith('.svg')).sort();
  // Latency and energy per round against the clients, one figure of each per budget, and one latency-energy scatter.
  assert.equal(svgs, ['energy-vs-clients_budget-0.1.svg', 'energy-vs-clients_budget-0.3.svg', 'latency-energy.svg', 'latency-vs-clients_budget-0.1.svg', 'latency-vs-clients_budget-0.3.svg']);
  assert.match(readFileSync(join(dir, svgs[0]), 'utf8'), /^<svg/);
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.equal(json.backends, [backend]);
  assert.is(json.package.version, JSON.parse(readFileSync(new URL('../package.json', import.meta.url))).version);
  assert.is(json.complete, true);
  assert.equal(json.config.methods, ['equal', 'bcd', 'optimal']);
  assert.is(json.results.length, 2 * 2 * 3);
  const lines = csv(dir).trim().split('\n');
  assert.is(lines.length, 1 + 12);
  assert.match(lines[0], /^clients,budget,method,n,mean,std,ci95Low,ci95High,min,median,p90,p99,max,/);
});

test('the thread count does not change the results (byte for byte)', () => {
  const one = tmp();
  const two = tmp();
  ok(run(['sweep', ...GRID, '--out', one, '--threads', '1']));
  ok(run(['sweep', ...GRID, '--out', two, '--threads', '2']));
  assert.is(csv(one), csv(two));
});

test('shards merged equal one run, byte for byte in the CSV', () => {
  const whole = tmp();
  ok(run(['sweep', ...GRID, '--out', whole]));
  const shards = [0, 1, 2].map((i) => {
    const d = tmp();
    ok(run(['sweep', ...GRID, '--out', d, '--shard', `${i}/3`]));
    return d;
  });
  const merged = tmp();
  ok(spawnSync(process.execPath, [BIN, 'merge', '--out', merged, ...shards, '--quiet'], { encoding: 'utf8' }));
  assert.is(csv(merged), csv(whole));
  // A missing shard is reported, not silently merged.
  const partial = tmp();
  const r = spawnSync(process.execPath, [BIN, 'merge', '--out', partial, shards[0], shards[1], '--quiet'], { encoding: 'utf8' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /missing/);
});

test('a killed sweep resumes to exactly the uninterrupted result', async () => {
  const args = ['sweep', '--clients', '100,200', '--drops', '6', '--realizations', '64', '--methods', 'all', '--threads', '1', '--backend', backend, '--quiet'];
  const whole = tmp();
  ok(spawnSync(process.execPath, [BIN, ...args, '--out', whole], { encoding: 'utf8' }));
  const dir = tmp();
  const child = spawn(process.execPath, [BIN, ...args, '--out', dir], { stdio: 'ignore' });
  const journal = join(dir, 'units.jsonl');
  const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 2 : 0);
  await new Promise((resolve) => {
    const t = setInterval(() => {
      if (lines() >= 1 || child.exitCode !== null) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  const before = lines();
  assert.ok(before >= 1 && before < 48, `killed after ${before} of 48 units`);
  // Without --resume the folder is protected.
  const again = spawnSync(process.execPath, [BIN, ...args, '--out', dir], { encoding: 'utf8' });
  assert.is.not(again.status, 0);
  assert.match(again.stderr, /--resume/);
  ok(spawnSync(process.execPath, [BIN, ...args, '--out', dir, '--resume'], { encoding: 'utf8' }));
  assert.is(csv(dir), csv(whole));
});

test('a stopped sweep (SIGINT) leaves consistent partial results and says how to resume', async () => {
  const args = ['sweep', '--clients', '100,200', '--drops', '6', '--realizations', '64', '--methods', 'all', '--threads', '1', '--backend', backend, '--quiet'];
  const dir = tmp();
  const child = spawn(process.execPath, [BIN, ...args, '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const journal = join(dir, 'units.jsonl');
  await new Promise((resolve) => {
    const t = setInterval(() => {
      if ((existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 3) || child.exitCode !== null) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code === 0) return; // finished before the signal landed: nothing to check
  assert.is(code, 130, stderr);
  assert.match(stderr, /--resume/);
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.is(json.complete, false);
  ok(spawnSync(process.execPath, [BIN, ...args, '--out', dir, '--resume'], { encoding: 'utf8' }));
  assert.is(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).complete, true);
});

test('statistics equal a direct computation over the same realizations', () => {
  const dir = tmp();
  ok(run(['sweep', '--clients', '8', '--drops', '1', '--realizations', '40', '--rounds', '2', '--methods', 'equal,bcd,optimal', '--seed', '9', '--out', dir]));
  const rows = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).results;
  const T = { equal: [], bcd: [], optimal: [] };
  const ft = { equal: [], bcd: [], optimal: [] };
  const gaps = [];
  for (let trial = 0; trial < 40; trial++) {
    const sum = { equal: 0, bcd: 0, optimal: 0 };
    for (let round = 0; round < 2; round++) {
      const p = generate({ clients: 8, seed: 9, drop: 0, realization: trial * 2 + round });
      const here = {};
      for (const m of Object.keys(T)) {
        here[m] = solve(p, { method: m }).latency;
        T[m].push(here[m]);
        sum[m] += here[m];
      }
      gaps.push(here.bcd / here.optimal - 1);
    }
    for (const m of Object.keys(T)) ft[m].push(sum[m]);
  }
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = (xs) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
  const close = (x, y, tol, what) => assert.ok(Math.abs(x - y) <= tol * Math.abs(y), `${what}: ${x} vs ${y}`);
  for (const row of rows) {
    const xs = T[row.method];
    const sorted = [...xs].sort((a, b) => a - b);
    assert.is(row.rounds, 80);
    close(row.mean, mean(xs), 1e-12, `${row.method} mean`);
    close(row.std, sd(xs), 1e-9, `${row.method} std`);
    assert.is(row.min, sorted[0]);
    assert.is(row.max, sorted[79]);
    close(row.median, sorted[39], 5e-4, `${row.method} median`);
    close(row.p90, sorted[71], 5e-4, `${row.method} p90`);
    close(row.p99, sorted[79], 5e-4, `${row.method} p99`);
    const half = (1.99045 * sd(xs)) / Math.sqrt(80); // t_{0.975, 79} from tables
    close(row.ci95High - row.mean, half, 1e-3, `${row.method} CI`);
    close(row.fineTuningMean, mean(ft[row.method]), 1e-12, `${row.method} fine-tuning`);
    close(row.reductionVsEqual, 1 - mean(xs) / mean(T.equal), 1e-12, `${row.method} reduction`);
    if (row.method === 'bcd') close(row.gapMean, mean(gaps), 1e-9, 'bcd gap');
  }
});

test('bad grids get clear errors', () => {
  for (const [args, pattern] of [
    [['--clients', ''], /--clients: empty value/],
    [['--clients', '10,,20'], /--clients: empty value/],
    [['--clients', '-5'], /clients must be a positive integer/],
    [['--budget', '0.1,1.5'], /budget must be in \[0, 1\)/],
    [['--bandwidth', 'wide'], /--bandwidth: expected a finite number/],
    [['--model', 'gpt5'], /unknown model preset "gpt5"/],
    [['--antennas', '4'], /unknown option --antennas/],
    [['--methods', 'bcd,fast'], /unknown method "fast"/],
    [['--drops', '0'], /--drops must be a positive integer/],
    [['--shard', '3/3'], /--shard must be i\/n/],
  ]) {
    const r = run(['sweep', ...args, '--out', tmp()]);
    assert.is.not(r.status, 0, args.join(' '));
    assert.match(r.stderr.trim(), pattern);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

// Issue 20 (audit 09): runSweep ignored grid axes and base keys that are not scenario
// parameters (`budgte: 0.01` ran at the default budget 0.3), where the CLI rejects them.
test('runSweep rejects grid axes and base keys the scenario does not read, before writing anything', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'jcpba-keys-')), 'out');
  const config = (grid, base) => ({ grid, base, seed: 1, drops: 1, realizations: 4, rounds: 1, methods: ['equal'] });
  for (const [grid, base, field, pattern] of [
    [[{ key: 'seed', values: [1, 2] }], { clients: 5 }, 'grid', /^grid sets "seed", which is not a scenario parameter/],
    [[{ key: 'clients', values: [5] }], { budgte: 0.01 }, 'base', /^base sets "budgte", which is not a scenario parameter; did you mean budget\?/],
    [[{ key: 'clients', values: [5] }], { seed: 2 }, 'base', /^base sets "seed"/],
  ]) {
    try {
      await runSweep(config(grid, base), { out, threads: 1 });
      assert.unreachable(`${field}: accepted`);
    } catch (e) {
      assert.instance(e, JcpbaError);
      assert.is(e.field, field);
      assert.match(e.message, pattern);
    }
    assert.not.ok(existsSync(out), 'nothing written');
  }
});

test.run();
