// A sweep's drops from a user's file of client lists instead of the generator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JcpbaError, mergeShards, runSweep, resolveScenario } from '../dist/ts/index.js';
import { drawDrop } from '../dist/ts/core/scenario.js';
import { solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const backend = solver.backend;
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'jcpba-drops-'));
  dirs.push(d);
  return d;
};

const K = 7;
const SEED = 5;
const base = { budget: 0.25, fixedSeconds: 0.3, prunablePayloadFraction: 0.6 };
const config = (extra) => ({
  grid: [{ key: 'bandwidthHz', values: [1e7, 2e7] }],
  base,
  seed: SEED,
  drops: 3,
  realizations: 20,
  rounds: 1,
  methods: ['equal', 'bcd', 'optimal'],
  tolerance: 1e-10,
  maxIterations: 500,
  ...extra,
});

/** The generator's own drops 0..2, written as a user's file of client lists. */
function generatorDropsFile(dir) {
  const drops = [0, 1, 2].map((drop) => {
    const d = drawDrop(resolveScenario({ ...base, clients: K, seed: SEED, drop }));
    return Array.from(d.distanceM, (_, k) => ({ distanceM: d.distanceM[k], shadowDb: d.shadowDb[k], samples: d.samples[k], throughput: d.throughput[k] }));
  });
  const file = join(dir, 'drops.json');
  writeFileSync(file, JSON.stringify(drops));
  return file;
}

test("a file holding the generator's drops gives the generator's numbers (every method, the bcd gap included)", async () => {
  const file = generatorDropsFile(tmp());
  const gen = await runSweep(config({ base: { ...base, clients: K } }), { out: tmp(), backend, threads: 1 });
  const fromFile = await runSweep(config({ dropsFile: file }), { out: tmp(), backend, threads: 1 });
  assert.is(fromFile.complete, true);
  assert.is(fromFile.rows.length, gen.rows.length);
  fromFile.rows.forEach((r, i) => {
    const g = gen.rows[i];
    assert.is(r.method, g.method);
    assert.is(r.stats.rounds, g.stats.rounds);
    for (const k of ['mean', 'min', 'max', 'median', 'p90', 'meanPruning', 'fineTuningMean', 'gapMean', 'gapMax']) {
      if (g.stats[k] === undefined) continue;
      if (backend === 'ts' && k !== 'gapMean' && k !== 'gapMax') assert.is(r.stats[k], g.stats[k], `${r.method} ${k}`);
      else assert.ok(Math.abs(r.stats[k] - g.stats[k]) <= 1e-9 * Math.max(1e-6, Math.abs(g.stats[k])), `${r.method} ${k}: ${r.stats[k]} vs ${g.stats[k]}`);
    }
  });
});

test('the file joins the identity; errors name the file, the drop and the client', async () => {
  const dir = tmp();
  const file = generatorDropsFile(dir);
  const out = tmp();
  await runSweep(config({ dropsFile: file }), { out, backend, threads: 1 });
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(json.config.dropsFile.path, file);
  assert.match(json.config.dropsFile.sha256, /^[0-9a-f]{64}$/);
  const drops = JSON.parse(readFileSync(file, 'utf8'));
  drops[1][0].distanceM += 1;
  writeFileSync(file, JSON.stringify(drops));
  const reject = async (c, pattern) => {
    try {
      await runSweep(c, { out: tmp(), backend, threads: 1 });
      assert.unreachable();
    } catch (e) {
      assert.match(e.message, pattern);
    }
  };
  try {
    await runSweep(config({ dropsFile: file }), { out, backend, threads: 1, resume: true });
    assert.unreachable('a changed file is another sweep');
  } catch (e) {
    assert.match(e.message, /different sweep/);
  }
  await reject(config({ dropsFile: { path: file, sha256: json.config.dropsFile.sha256 } }), /drops file .* changed/);
  await reject(config({ dropsFile: file, drops: 2 }), /drops is 2 but the drops file .* holds 3 drops/);
  await reject(config({ dropsFile: file, base: { clients: 4 } }), /clients come from the file/);
  drops[2][4].samples = -1;
  writeFileSync(file, JSON.stringify(drops));
  await reject(config({ dropsFile: file }), /drop 2, client 4: samples must be a positive finite number/);
  writeFileSync(file, '[[{"distanceM": 50, "samples": 10, "throughput": 1e12, "power": 1}]]');
  await reject(config({ dropsFile: file, drops: 1 }), /drop 0, client 0 has an unknown field "power"/);
  await reject(config({ dropsFile: join(dir, 'nope.json') }), /cannot read the drops file .*nope.json: no such file/);
});

test('jcpba sweep --drops-file: drops from the file, their count from it', () => {
  const dir = tmp();
  const file = generatorDropsFile(dir);
  const out = tmp();
  const r = spawnSync(process.execPath, [BIN, 'sweep', '--drops-file', file, '--budget', '0.25', '--fixed-seconds', '0.3', '--prunable-payload', '0.6', '--seed', String(SEED), '--realizations', '20', '--methods', 'equal', '--out', out, '--backend', backend, '--threads', '1', '--quiet'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(json.config.drops, 3);
  assert.is(json.results[0].rounds, 3 * 20);
});

// Issue 20 (audit 06, 18): /dev/zero was read without a bound (13 GB after 90 s), and a
// pipe was read twice (the second read empty): the file is now read once, bounded, and
// rejected at its first byte when that cannot start a JSON array.
test('a drops file is read once, bounded: a pipe works, /dev/zero is rejected at once', () => {
  const dir = tmp();
  const file = join(dir, 'drops.json');
  writeFileSync(file, JSON.stringify([[{ distanceM: 100, samples: 100, throughput: 2e13 }, { distanceM: 300, samples: 80, throughput: 3e13 }]]));
  const sweep = (source, out) =>
    spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" sweep --drops-file ${source} --realizations 4 --methods equal --out "${join(dir, out)}" --quiet --backend ${backend}`], { encoding: 'utf8', timeout: 60000 });
  const piped = sweep(`<(cat "${file}")`, 'piped');
  assert.is(piped.status, 0, piped.stderr);
  const plain = sweep(`"${file}"`, 'plain');
  assert.is(plain.status, 0, plain.stderr);
  assert.is(readFileSync(join(dir, 'piped', 'results.csv'), 'utf8'), readFileSync(join(dir, 'plain', 'results.csv'), 'utf8'));
  const zero = sweep('/dev/zero', 'zero');
  assert.is(zero.status, 1, zero.stderr);
  assert.match(zero.stderr, /^jcpba: the drops file \/dev\/zero is not valid JSON for drops: it must hold a JSON array \(\[\.\.\.\]\), but its first character is byte 0x00\n$/);
});

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const csvOf = (dir) => readFileSync(join(dir, 'results.csv'), 'utf8');

// Issue 20 (audit 04): an entry that passes the file's checks but gives a problem outside
// the valid range (distanceM 1e300: the channel gain underflows to 0) was found only when
// its drop was reached, mid-sweep, by an error naming neither the file nor the drop, with
// units already in the journal.
test('every drop is checked at every grid point before the first unit: the error names the file, the drop, the client and the grid point', async () => {
  const dir = tmp();
  const file = generatorDropsFile(dir);
  const good = readFileSync(file, 'utf8');
  const drops = JSON.parse(good);
  const rejects = async (c, pattern, client) => {
    const out = join(tmp(), 'out');
    try {
      await runSweep(c, { out, backend, threads: 1 });
      assert.unreachable('an invalid drop runs');
    } catch (e) {
      assert.instance(e, JcpbaError);
      assert.is(e.field, 'dropsFile');
      assert.is(e.client, client, e.message);
      assert.match(e.message, pattern, e.message);
    }
    assert.not.ok(existsSync(out), 'nothing written');
  };
  drops[2][3].distanceM = 1e300;
  writeFileSync(file, JSON.stringify(drops));
  await rejects(
    config({ dropsFile: file }),
    new RegExp(`^${escape(file)}: drop 2, client 3 \\{"distanceM":1e\\+300,[^}]*\\} gives a problem outside the valid range at grid point 0 \\{"bandwidthHz":10000000\\}: channelGain must be a positive finite number$`),
    3,
  );
  // Valid at the mean fading gain, not at the weakest a realization can draw (|h|^2 =
  // 1.1e-16): a/B falls below 1e-50 at 1e12 m with a 20 MHz band (not with 10 MHz).
  // Found up front, the grid point and the extreme named.
  drops[2][3].distanceM = 1e12;
  writeFileSync(file, JSON.stringify(drops));
  await rejects(
    config({ dropsFile: file }),
    /: drop 2, client 3 .* at grid point 1 \{"bandwidthHz":20000000\} with the weakest fading a realization can draw \(\|h\|\^2 = 1\.11e-16\): txPowerW x channelGain \/ noisePsdWPerHz \/ bandwidthHz must be in \[1e-50, 1e50\]/,
    3,
  );
  // Clients of a device that cannot hold the model are left out of the problem: the error
  // still names the client's index in the file.
  const devices = [[{ distanceM: 80, samples: 10, device: 'orin-nano-8gb' }, { distanceM: 1e300, samples: 10, device: 'a100-80gb' }]];
  writeFileSync(file, JSON.stringify(devices));
  await rejects(config({ dropsFile: file, drops: 1, base: { model: 'llama2-13b-lora' } }), /: drop 0, client 1 \{"distanceM":1e\+300,"shadowDb":0,"samples":10,"device":"a100-80gb"\} gives a problem/, 1);
  // The fixed file runs (nothing was written, so nothing is lost).
  writeFileSync(file, good);
  const out = join(tmp(), 'out');
  assert.is((await runSweep(config({ dropsFile: file }), { out, backend, threads: 1, resume: true })).complete, true);
});

// Issue 20 (audit 05): the identity held the path as typed, so the same file given as
// ./drops.json, or an identical copy, was "a different sweep".
test("the drops file's content is the identity, its path is metadata: resume and merge across paths", async () => {
  const dir = tmp();
  const file = generatorDropsFile(dir);
  mkdirSync(join(dir, 'copy'));
  const copy = join(dir, 'copy', 'same.json');
  copyFileSync(file, copy);
  const whole = tmp();
  await runSweep(config({ dropsFile: file }), { out: whole, backend, threads: 1 });
  // Interrupted after one unit, resumed with the copy.
  const part = tmp();
  await runSweep(config({ dropsFile: file }), { out: part, backend, threads: 1 });
  const journal = readFileSync(join(part, 'units.jsonl'), 'utf8').split('\n');
  writeFileSync(join(part, 'units.jsonl'), `${journal.slice(0, 2).join('\n')}\n`);
  const resumed = await runSweep(config({ dropsFile: copy }), { out: part, backend, threads: 1, resume: true });
  assert.is(resumed.complete, true);
  assert.is(csvOf(part), csvOf(whole));
  // A relative spelling of the same file.
  const rel = spawnSync(process.execPath, [BIN, 'sweep', '--drops-file', './drops.json', '--realizations', '20', '--methods', 'equal', '--out', 'o', '--backend', backend, '--quiet'], { cwd: dir, encoding: 'utf8' });
  assert.is(rel.status, 0, rel.stderr);
  writeFileSync(join(dir, 'o', 'units.jsonl'), `${readFileSync(join(dir, 'o', 'units.jsonl'), 'utf8').split('\n')[0]}\n`);
  const again = spawnSync(process.execPath, [BIN, 'sweep', '--drops-file', join(dir, 'drops.json'), '--realizations', '20', '--methods', 'equal', '--out', 'o', '--backend', backend, '--quiet', '--resume'], { cwd: dir, encoding: 'utf8' });
  assert.is(again.status, 0, again.stderr);
  // Shards that read identical copies merge into the unsharded numbers.
  const s0 = tmp();
  const s1 = tmp();
  await runSweep(config({ dropsFile: file }), { out: s0, backend, threads: 1, shard: { index: 0, count: 2 } });
  await runSweep(config({ dropsFile: copy }), { out: s1, backend, threads: 1, shard: { index: 1, count: 2 } });
  const merged = join(tmp(), 'm');
  const m = await mergeShards(merged, [s0, s1]);
  assert.is(m.complete, true);
  assert.is(csvOf(merged), csvOf(whole));
  // Other content is another sweep, whatever the path.
  const drops = JSON.parse(readFileSync(copy, 'utf8'));
  drops[0][0].samples += 1;
  writeFileSync(copy, JSON.stringify(drops));
  try {
    await runSweep(config({ dropsFile: copy }), { out: part, backend, threads: 1, resume: true });
    assert.unreachable('other content resumed');
  } catch (e) {
    assert.match(e.message, /different sweep/);
  }
});

// Issue 20 (audit 21): progress counted the generator's default K (20) for every unit,
// not the file's clients: rate and ETA off by K/20.
test("progress counts each drop's own clients", async () => {
  const dir = tmp();
  const file = join(dir, 'drops.json');
  const drop = (K, d) => Array.from({ length: K }, (_, k) => ({ distanceM: 60 + 40 * k + d, samples: 100 + k, throughput: 2e13 }));
  writeFileSync(file, JSON.stringify([drop(3, 0), drop(40, 1), drop(7, 2)]));
  const seen = [];
  await runSweep(config({ dropsFile: file, methods: ['equal', 'bcd'] }), { out: tmp(), backend, threads: 1, onProgress: (_d, _t, p) => seen.push(p) });
  // 2 grid points x 20 realizations x 2 methods x (3 + 40 + 7) clients (the generator's K is 20).
  const total = 2 * 20 * 2 * 50;
  assert.is(seen[0].clientSolvesLeft, total);
  assert.is(seen[0].clientSolvesDone, 0);
  const last = seen[seen.length - 1];
  assert.is(last.clientSolvesDone, total);
  assert.is(last.clientSolvesLeft, 0);
  for (const p of seen) assert.ok(Math.abs(p.clientSolvesDone + p.clientSolvesLeft - total) <= 1e-9 * total || p.unitsDone % (3 * 2) !== 0, JSON.stringify(p));
});

// Issue 20 (audit 20): a drops file's sweep ran every method on the main thread in
// synchronous batches, so a second SIGINT (or SIGTERM) waited for the batch: 20 s with
// 200,000 clients. Its built-in methods now run in worker threads, as a generator sweep's.
test("a drops file's sweep honours signals while a batch runs: a second SIGINT leaves at once", async () => {
  const dir = tmp();
  const file = join(dir, 'drops.json');
  // Two drops of 100,000 clients, 4 rounds per trial: one batch (2 units of 64 solves each) runs for many seconds.
  const big = (d) => Array.from({ length: 100_000 }, (_, k) => ({ distanceM: 10 + (k % 490) + d, samples: 50 + (k % 100), throughput: 1e13 + (k % 7) * 5e12 }));
  writeFileSync(file, JSON.stringify([big(0), big(1)]));
  const out = join(dir, 'out');
  const child = spawn(process.execPath, [BIN, 'sweep', '--drops-file', file, '--realizations', '16', '--rounds', '4', '--methods', 'optimal', '--threads', '1', '--backend', backend, '--quiet', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const t0 = Date.now();
  while (!existsSync(join(out, 'units.jsonl'))) {
    assert.ok(child.exitCode === null && Date.now() - t0 < 60_000, `the sweep did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGINT');
  const t1 = Date.now();
  const { code, signal } = await exited;
  const seconds = (Date.now() - t1) / 1000;
  // The first signal stops after the batch; the second takes SIGINT's default action.
  assert.is(signal, 'SIGINT', `code ${code}: ${stderr}`);
  assert.match(stderr, /SIGINT: stopping after the current batch/);
  // The batch alone runs for far longer (128 solves of 100,000 clients); the bound is generous for a busy machine.
  assert.ok(seconds < 4, `exited ${seconds} s after the second SIGINT`);
  assert.is(readdirSync(out).filter((f) => /\.tmp-\d+$/.test(f)).length, 0);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
