// Round model v2 on the command line: the generator's flags, and sweeps over its fields
// as grid axes (through each backend's runUnits).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../dist/ts/index.js';
import { solve, solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const run = (args, input) => spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: solver.backend } });
const rel = (x, y) => Math.abs(x / y - 1);

test('generate --fixed-seconds --prunable-compute --prunable-payload: the fields, their help, and the same solve as the API', () => {
  const help = run(['generate', '--help']).stdout;
  assert.match(help, /--fixed-seconds X\s+fixed time per round of every client .*, s, >= 0 \(default: 0\)/);
  assert.match(help, /--prunable-compute X\s+share of the compute that pruning removes, phi_c in \[0, 1\] \(default: 1\)/);
  assert.match(help, /--prunable-payload X\s+share of the payload .* phi_s in \[0, 1\] \(default: 1\)/);
  const flags = ['--clients', '6', '--seed', '4', '--fixed-seconds', '2.5', '--prunable-compute', '0.4', '--prunable-payload', '0.8'];
  const gen = run(['generate', ...flags]);
  assert.is(gen.status, 0, gen.stderr);
  const problem = JSON.parse(gen.stdout);
  assert.is(problem.prunableComputeFraction, 0.4);
  assert.is(problem.prunablePayloadFraction, 0.8);
  assert.equal(problem.clients.map((c) => c.fixedSeconds), [2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
  const solved = run(['solve', '-', '--method', 'optimal'], gen.stdout);
  assert.is(solved.status, 0, solved.stderr);
  const want = solve(generate({ clients: 6, seed: 4, fixedSeconds: 2.5, prunableComputeFraction: 0.4, prunablePayloadFraction: 0.8 }), { method: 'optimal' });
  assert.ok(rel(JSON.parse(solved.stdout).results[0].latency, want.latency) < 1e-12);
  // The defaults print nothing new.
  const plain = JSON.parse(run(['generate', '--clients', '2']).stdout);
  assert.equal(Object.keys(plain), ['bandwidthHz', 'noisePsdWPerHz', 'payloadBits', 'pruningBudget', 'clients']);
  assert.equal(Object.keys(plain.clients[0]), ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning']);
  const bad = run(['generate', '--prunable-payload', '1.5']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /^jcpba: prunablePayloadFraction must be in \[0, 1\]\n$/);
  assert.match(run(['generate', '--fixed-seconds', '-1']).stderr, /^jcpba: fixedSeconds must be >= 0\n$/);
});

test('a sweep over --fixed-seconds and --prunable-payload: grid columns, and a common t0 shifts equal by exactly t0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-v2-sweep-'));
  const r = spawnSync(
    process.execPath,
    [BIN, 'sweep', '--clients', '6', '--fixed-seconds', '0,100', '--prunable-payload', '1,0.5', '--drops', '2', '--realizations', '5', '--methods', 'equal,bcd,optimal', '--backend', solver.backend, '--threads', '1', '--quiet', '--out', dir],
    { encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr);
  const [header, ...lines] = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
  assert.match(header, /^clients,fixedSeconds,prunablePayloadFraction,method,n,mean,/);
  const rows = lines.map((l) => l.split(',').slice(1));
  assert.is(rows.length, 2 * 2 * 3);
  const mean = (t0, phi, method) => Number(rows.find((x) => x[0] === t0 && x[1] === phi && x[2] === method)[4]);
  for (const phi of ['1', '0.5']) {
    assert.ok(rel(mean('100', phi, 'equal'), mean('0', phi, 'equal') + 100) < 1e-12, `equal phi_s=${phi}`);
    for (const method of ['bcd', 'optimal']) assert.ok(rel(mean('100', phi, method), mean('0', phi, method) + 100) < 1e-9, `${method} phi_s=${phi}`);
  }
  // Pruning less of the payload can only lengthen a pruned round.
  assert.ok(mean('0', '0.5', 'optimal') >= mean('0', '1', 'optimal'));
});

test.run();
