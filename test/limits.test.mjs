// Signals and limits: a sweep stops after its current batch on SIGINT or SIGTERM on every
// backend; values that would exhaust the machine get a clear error up front or run in
// bounded memory; stdout failures, prototype names, non-array batches and usage errors
// get one clean line and the right exit code; logs get progress lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JcpbaError, generate } from '../dist/ts/index.js';
import { remainingWork, shardUnits, unitWork } from '../dist/ts/sweep/config.js';
import { progressLine } from '../dist/ts/cli/sweep.js';
import { solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const backend = solver.backend;
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-limits-'));
const cli = (args, options = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, ...options, env: { ...process.env, JCPBA_BACKEND: backend, ...options.env } });
const journalOf = (dir) => join(dir, 'units.jsonl');
const csv = (dir) => readFileSync(join(dir, 'results.csv'), 'utf8');

function ok(r) {
  assert.is(r.status, 0, r.stderr);
  return r;
}

function failsWith(r, status, pattern) {
  assert.is(r.status, status, `exit status of a failing command (stderr: ${r.stderr}; signal ${r.signal})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^jcpba: /);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /internal error|at .*\.js:\d+/);
}

/** Starts the CLI and resolves once the journal in `out` holds `units` finished units. */
async function start(args, out, units = 1) {
  const child = spawn(process.execPath, [BIN, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr: () => stderr })));
  const count = () => (existsSync(journalOf(out)) ? readFileSync(journalOf(out), 'utf8').split('\n').length - 2 : 0);
  const t0 = Date.now();
  await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (count() >= units) {
        clearInterval(t);
        resolve();
      } else if (child.exitCode !== null || Date.now() - t0 > 60_000) {
        clearInterval(t);
        child.kill('SIGKILL');
        reject(new Error(`no unit finished (exit ${child.exitCode}): ${stderr}`));
      }
    }, 5);
  });
  return { child, exited, seconds: (Date.now() - t0) / 1000 };
}

const vmRssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

const LONG = ['sweep', '--clients', '5', '--drops', '3000', '--realizations', '16', '--methods', 'equal', '--threads', '1', '--backend', backend, '--quiet'];

test('SIGTERM (a scheduler cancel) stops a sweep after its batch: exit 143, partial results, --resume ends exactly', async () => {
  const dir = tmp();
  const run = await start(LONG, dir);
  // Freeze it mid-run, queue the signal, let it go: the handler must run between batches.
  run.child.kill('SIGSTOP');
  run.child.kill('SIGTERM');
  run.child.kill('SIGCONT');
  const { code, stderr } = await run.exited;
  assert.is(code, 143, stderr());
  assert.match(stderr(), /SIGTERM: stopping after the current batch/);
  assert.match(stderr(), /--resume/);
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.is(json.complete, false);
  const done = readFileSync(journalOf(dir), 'utf8').split('\n').length - 2;
  assert.ok(done >= 1 && done < 3000, `stopped after ${done} of 3000 units`);
  ok(cli([...LONG, '--out', dir, '--resume']));
  const whole = tmp();
  ok(cli([...LONG, '--out', whole]));
  assert.is(csv(dir), csv(whole));
});

test('--drops 1e9 runs in bounded memory; SIGINT stops it (exit 130), a second SIGINT leaves at once', async () => {
  const dir = tmp();
  const args = ['sweep', '--clients', '5', '--drops', '1e9', '--realizations', '1', '--methods', 'equal', '--threads', '1', '--backend', backend, '--quiet'];
  const run = await start(args, dir, 3);
  assert.ok(run.seconds < 30, `first units after ${run.seconds} s`);
  const rss = vmRssKb(run.child.pid);
  assert.ok(rss < 400_000, `RSS ${rss} KB`);
  run.child.kill('SIGINT');
  const { code, stderr } = await run.exited;
  assert.is(code, 130, stderr());
  assert.is(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).complete, false);
  assert.ok(readFileSync(journalOf(dir), 'utf8').endsWith('\n'), 'whole lines only');

  // Heavy units, so that the second signal comes while a batch runs. Native and WASM run
  // batches in worker threads: the first signal's listener runs at once and removes
  // itself, so the second takes SIGINT's default action and ends the process inside the
  // batch (100,000 clients and every method: seconds per unit, which a listener, or
  // process.exit joining the workers, would wait for). TypeScript on one thread runs its
  // batches on the main thread, where no signal is seen before the batch ends: smaller
  // units there, and the stop may be the first signal's (exit 130).
  const again = tmp();
  const heavy = backend === 'ts'
    ? ['sweep', '--clients', '1000', '--drops', '1e9', '--realizations', '16', '--methods', 'optimal', '--threads', '1', '--backend', backend, '--quiet']
    : ['sweep', '--clients', '100000', '--drops', '1e9', '--realizations', '64', '--methods', 'all', '--threads', '1', '--backend', backend, '--quiet'];
  const second = await start(heavy, again, 1);
  second.child.kill('SIGSTOP');
  second.child.kill('SIGINT');
  second.child.kill('SIGCONT');
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  second.child.kill('SIGINT');
  const out = await second.exited;
  const waited = Date.now() - t0;
  if (backend === 'ts') {
    assert.ok(waited < 10_000, `${waited} ms after the second SIGINT`);
    assert.ok(out.signal === 'SIGINT' || out.code === 130, `code ${out.code}, signal ${out.signal}: ${out.stderr()}`);
  } else {
    assert.ok(waited < 1500, `${waited} ms after the second SIGINT`);
    assert.is(out.signal, 'SIGINT', `code ${out.code}: ${out.stderr()}`);
  }
  assert.ok(readFileSync(journalOf(again), 'utf8').endsWith('\n'), 'whole lines only');
});

test('counts beyond the generator: a clear usage error before anything is written', () => {
  for (const [args, pattern] of [
    [['--realizations', '1e12'], /realizations x rounds must be at most 2\^32 = 4294967296: realization indices are 32-bit \(got 1000000000000 x 1\)/],
    [['--realizations', '65536', '--rounds', '65537'], /realizations x rounds must be at most 2\^32/],
    [['--drops', '4294967297'], /drops must be at most 2\^32/],
    [['--clients', '4294967295'], /clients must be a positive integer, at most 1000000/],
    [['--clients', '10,1000001'], /clients must be a positive integer, at most 1000000/],
    [
      ['--clients', Array.from({ length: 400 }, (_, i) => i + 1).join(','), '--budget', Array.from({ length: 300 }, (_, i) => i / 1000).join(',')],
      /the grid has 120000 points \(the product of the comma lists\), more than 100000; split the sweep/,
    ],
  ]) {
    const out = join(tmp(), 'out');
    const t0 = Date.now();
    failsWith(cli(['sweep', '--methods', 'equal', '--quiet', ...args, '--out', out]), 2, pattern);
    assert.ok(Date.now() - t0 < 30_000, args.join(' ').slice(0, 80));
    assert.not.ok(existsSync(out), `${args.join(' ').slice(0, 80)}: nothing written`);
  }
  failsWith(cli(['generate', '--clients', '4294967295']), 2, /clients must be a positive integer, at most 1000000/);
  assert.throws(() => generate({ clients: 2 ** 32 - 1 }), (e) => e instanceof JcpbaError && e.field === 'clients');
});

test('the compiled cores refuse a K they could not allocate, with an error and not an abort', () => {
  if (backend === 'ts') return; // no compiled core
  // In a child process: before the limit, the failed allocation aborted the process.
  const script = `
    import { createSolver } from ${JSON.stringify(new URL('../dist/ts/index.js', import.meta.url).href)};
    import { flattenParams } from ${JSON.stringify(new URL('../dist/ts/sweep/config.js', import.meta.url).href)};
    import { resolveScenario } from ${JSON.stringify(new URL('../dist/ts/core/scenario.js', import.meta.url).href)};
    const s = await createSolver({ backend: '${backend}' });
    const params = flattenParams([{ ...resolveScenario({ clients: 5 }), clients: 4294967295 }]);
    try {
      s.core.runUnits(params, new Uint32Array([0, 0, 0]), 'equal', 1, 1, 1e-10, 500, 1);
      console.log('no error');
    } catch (e) {
      console.log(JSON.stringify({ message: e.message, field: e.field }));
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, `exit ${r.status} signal ${r.signal}: ${r.stderr}`);
  assert.equal(JSON.parse(r.stdout), { message: 'params[0].clients must be a positive integer, at most 1000000', field: 'params[0].clients' });
});

test('--threads above the processors available is a usage error (no pool of hundreds of workers)', () => {
  const most = availableParallelism();
  const out = join(tmp(), 'out');
  failsWith(
    cli(['sweep', '--clients', '5', '--drops', '1', '--realizations', '1', '--methods', 'equal', '--threads', String(most + 1), '--quiet', '--out', out]),
    2,
    new RegExp(`--threads ${most + 1} is more than the ${most} processors available to this process; use at most ${most}`),
  );
  failsWith(cli(['sweep', '--threads', '256', '--quiet', '--out', out]), 2, /--threads 256 is more than/);
  assert.not.ok(existsSync(out));
});

test('solve reads at most 256 MiB and rejects a stream that cannot be a problem at once', () => {
  const t0 = Date.now();
  failsWith(cli(['solve', '/dev/zero']), 1, /\/dev\/zero is not valid JSON for a problem: .*byte 0x00/);
  const zero = openSync('/dev/zero', 'r');
  try {
    failsWith(cli(['solve', '-'], { stdio: [zero, 'pipe', 'pipe'] }), 1, /stdin is not valid JSON for a problem/);
  } finally {
    closeSync(zero);
  }
  // A (sparse) file of 300 MiB that starts like a problem: refused at the limit.
  const big = join(tmp(), 'big.json');
  writeFileSync(big, '{"clients": [');
  const fd = openSync(big, 'r+');
  ftruncateSync(fd, 300 * 1024 * 1024);
  closeSync(fd);
  failsWith(cli(['solve', big]), 1, /big\.json is larger than 256 MiB, the most solve reads/);
  assert.ok(Date.now() - t0 < 50_000);
});

test('a closed stdout pipe ends quietly; a full disk on stdout is one line, exit 1', () => {
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" generate --clients 50000 | head -c 10 >/dev/null; echo "status=\${PIPESTATUS[0]}"`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.match(r.stdout, /status=0/);
  assert.is(r.stderr, '', 'nothing on stderr');
  if (!existsSync('/dev/full')) return;
  const full = openSync('/dev/full', 'w');
  try {
    const f = spawnSync(process.execPath, [BIN, 'generate', '--clients', '5'], { encoding: 'utf8', stdio: ['ignore', full, 'pipe'], timeout: 60_000 });
    failsWith(f, 1, /^jcpba: cannot write to stdout: no space left on device \(ENOSPC\)$/);
  } finally {
    closeSync(full);
  }
});

test('preset and flag names are looked up as own names only (__proto__, toString, constructor)', () => {
  failsWith(cli(['generate', '--clients', '3', '--model', '__proto__']), 2, /unknown model preset "__proto__"; expected one of llama2-7b-lora/);
  failsWith(cli(['generate', '--clients', '3', '--dataset', 'toString']), 2, /unknown dataset preset "toString"/);
  failsWith(cli(['sweep', '--clients', '3', '--drops', '1', '--realizations', '1', '--model', 'constructor', '--quiet', '--out', join(tmp(), 'o')]), 2, /unknown model preset "constructor"/);
  failsWith(cli(['generate', '--constructor', '1']), 2, /unknown option --constructor/);
  failsWith(cli(['generate', '--__proto__', '1']), 2, /unknown option --__proto__/);
  for (const [key, name] of [['model', '__proto__'], ['model', 'hasOwnProperty'], ['dataset', 'valueOf'], ['dataset', '__proto__']]) {
    assert.throws(() => generate({ [key]: name }), (e) => e instanceof JcpbaError && e.code === 'unknown-preset' && e.field === key, `${key} ${name}`);
  }
});

test('solveMany of something that is not an array is a clear invalid-input error', () => {
  const p = generate({ clients: 3 });
  for (const bad of [p, null, 'problems', 3]) {
    assert.throws(
      () => solver.solveMany(bad, { method: 'bcd' }),
      (e) => e instanceof JcpbaError && e.code === 'invalid-input' && e.field === 'problems' && /^problems must be an array of problems \(got /.test(e.message),
    );
  }
  assert.is(solver.solveMany([p], { method: 'bcd' }).length, 1);
});

test('usage errors exit 2, bad input exits 1', () => {
  const out = join(tmp(), 'o');
  for (const args of [
    ['sweep', '--methods', 'bcd,fast', '--out', out],
    ['sweep', '--backend', 'gpu', '--out', out],
    ['sweep', '--model', 'gpt5', '--out', out],
    ['sweep', '--clients', '-5', '--out', out],
    ['sweep', '--progress-every', '0', '--out', out],
    ['generate', '--frobnicate'],
    ['solve', '-', '--method', 'fastest'],
  ]) {
    const r = cli(args, { input: '{}' });
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.is(cli(['solve', '-'], { input: '{"bandwidthHz": 0}' }).status, 1);
  assert.is(cli(['merge', '--out', out, join(tmp(), 'none')]).status, 1);
});

test('in a log (stderr not a terminal) a sweep prints a progress line every few seconds', () => {
  const out = tmp();
  const r = ok(
    cli(['sweep', '--clients', '5,30', '--drops', '60', '--realizations', '16', '--methods', 'equal,bcd', '--threads', '1', '--progress-every', '0.05', '--out', out]),
  );
  const lines = r.stderr.trim().split('\n');
  const progress = lines.filter((l) => l.startsWith('jcpba: sweep '));
  assert.ok(progress.length >= 2, r.stderr);
  for (const l of progress) assert.match(l, /^jcpba: sweep \d+\/120 units \(\d+\.\d%\), \d\d:\d\d elapsed, ([\d,]+|--) client-solves\/s, ETA (\d\d:\d\d|--:--)$/);
  assert.not.match(r.stderr, /\r|\x1b/);
  const quiet = ok(cli(['sweep', '--clients', '5', '--drops', '4', '--realizations', '16', '--methods', 'equal', '--progress-every', '0.05', '--quiet', '--out', tmp()]));
  assert.not.match(quiet.stderr, /jcpba: sweep \d/);
});

test('the ETA counts the work left (client-solves), not units', () => {
  const c = {
    grid: [{ key: 'clients', values: [5, 50, 500] }],
    base: {},
    seed: 1,
    drops: 7,
    realizations: 37,
    rounds: 2,
    methods: ['equal', 'bcd'],
    tolerance: 1e-10,
    maxIterations: 500,
  };
  const clients = [5, 50, 500];
  for (const shard of [undefined, { index: 0, count: 1 }, { index: 1, count: 4 }, { index: 3, count: 4 }, { index: 2, count: 5 }]) {
    const all = [...shardUnits(c, shard)];
    for (const from of [0, 1, 5, Math.floor(all.length / 2), all.length - 1, all.length]) {
      const exact = all.slice(from).reduce((s, u) => s + unitWork(c, clients, u), 0);
      const estimate = remainingWork(c, clients, shard, from);
      // Off by less than one block of trials per grid point (the last blocks are short).
      assert.ok(Math.abs(estimate - exact) <= 3 * 500 * 16 * 2 * 2, `${JSON.stringify(shard)} from ${from}: ${estimate} vs ${exact}`);
      if (from === 0 && (shard?.count ?? 1) === 1) assert.ok(Math.abs(estimate - exact) < 1e-6 * exact, 'exact for the whole sweep');
    }
  }
  // Half the units done, but the cheap half: the ETA is far more than the time so far.
  const line = progressLine({ unitsDone: 50, unitsTotal: 100, clientSolvesDone: 1000, clientSolvesLeft: 9000, seconds: 10 });
  assert.match(line, /50\/100 units \(50\.0%\), 00:10 elapsed, 100 client-solves\/s, ETA 01:30/);
});

test.run();
