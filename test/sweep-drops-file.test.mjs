// A sweep's drops from a user's file of client lists instead of the generator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweep, resolveScenario } from '../dist/ts/index.js';
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

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
