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
  // Help is wrapped at 80 columns: an option's continuation lines joined back to it.
  const help = run(['generate', '--help']).stdout.replace(/\n {20,}/g, ' ');
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
  // The printed problem carries what the accounting reads: the same energy as the API.
  assert.ok(rel(JSON.parse(solved.stdout).results[0].energyTotal, want.energyTotal) < 1e-12);
  // The defaults print nothing new but the compute power the generator draws (MODEL.md 11).
  const plain = JSON.parse(run(['generate', '--clients', '2']).stdout);
  assert.equal(Object.keys(plain), ['bandwidthHz', 'noisePsdWPerHz', 'payloadBits', 'pruningBudget', 'clients']);
  assert.equal(Object.keys(plain.clients[0]), ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning', 'computePowerW']);
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

test('solve --deadline: one min-pruning result as JSON arrays, the same as the API, and a table for people', () => {
  const gen = run(['generate', '--clients', '9', '--seed', '5', '--fixed-seconds', '1']);
  const problem = JSON.parse(gen.stdout);
  const optimal = JSON.parse(run(['solve', '-'], gen.stdout).stdout).results[0].latency;
  const deadline = 1.05 * optimal;
  const r = run(['solve', '-', '--deadline', String(deadline)], gen.stdout);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.backend, solver.backend);
  assert.is(out.results.length, 1);
  const got = out.results[0];
  assert.equal(Object.keys(got), ['method', 'deadline', 'weightedPruning', 'lowerBound', 'upperBound', 'latency', 'pruning', 'bandwidth', 'clientLatency', 'iterations', 'status']);
  assert.is(got.method, 'min-pruning');
  assert.is(got.deadline, deadline);
  assert.is(got.status, 'converged');
  assert.ok(Array.isArray(got.pruning) && got.pruning.length === 9 && Array.isArray(got.bandwidth));
  const api = solver.minPruning(problem, { deadline });
  assert.is(got.weightedPruning, api.weightedPruning);
  assert.ok(got.latency <= deadline * (1 + 1e-12));
  // pruningBudget may be absent in this mode.
  delete problem.pruningBudget;
  const without = JSON.parse(run(['solve', '-', '--deadline', String(deadline)], JSON.stringify(problem)).stdout).results[0];
  assert.is(without.weightedPruning, got.weightedPruning);
  const table = run(['solve', '-', '--deadline', String(deadline), '--format', 'table'], gen.stdout);
  assert.is(table.status, 0);
  assert.match(table.stdout, /^deadline\s+[\d.]+ s\nstatus\s+converged\nweighted pruning\s+[\d.]+ /);
  assert.match(table.stdout, /certified bracket\s+\[[\d.e-]+, [\d.e-]+\]/);
});

test('solve --deadline: an infeasible deadline exits 0 with status infeasible and minDeadline; bad uses are errors', () => {
  const gen = run(['generate', '--clients', '6', '--seed', '2']);
  const r = run(['solve', '-', '--deadline', '1e-6'], gen.stdout);
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout).results[0];
  assert.is(got.status, 'infeasible');
  assert.is(got.weightedPruning, null);
  assert.is(got.pruning, null);
  assert.type(got.minDeadline, 'number');
  const at = JSON.parse(run(['solve', '-', '--deadline', String(got.minDeadline)], gen.stdout).stdout).results[0];
  assert.ok(at.status !== 'infeasible', 'the least feasible deadline is feasible');
  const table = run(['solve', '-', '--deadline', '1e-6', '--format', 'table'], gen.stdout);
  assert.match(table.stdout, /status\s+infeasible\nleast feasible deadline\s+[\d.]+ s/);
  for (const [args, pattern] of [
    [['--deadline', '0'], /^jcpba: --deadline must be a positive finite number of seconds \(got "0"\)$/],
    [['--deadline', 'soon'], /^jcpba: --deadline must be a positive finite number of seconds \(got "soon"\)$/],
    [['--deadline', 'Infinity'], /--deadline must be a positive finite number/],
    [['--deadline', '5', '--method', 'bcd'], /^jcpba: --deadline and --method exclude each other/],
    [['--deadline', '5', '--tolerance', '2'], /^jcpba: tolerance must be a finite number in \(0, 1\)$/],
  ]) {
    const bad = run(['solve', '-', ...args], gen.stdout);
    assert.is(bad.status, 2, args.join(' '));
    const lines = bad.stderr.trim().split('\n');
    assert.is(lines.length, 1);
    assert.match(lines[0], pattern);
  }
  // A bad problem is still reported by field and client.
  const problem = JSON.parse(gen.stdout);
  problem.clients[2].fixedSeconds = -1;
  const bad = run(['solve', '-', '--deadline', '10'], JSON.stringify(problem));
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^jcpba: clients\[2\]\.fixedSeconds must be a finite number >= 0\n$/);
  assert.match(run(['solve', '--help']).stdout, /--deadline SECONDS\s+deadline mode instead of --method/);
});

test('solve --ndjson --deadline: one deadline-mode result line per problem line', () => {
  const lines = [1, 2].map((seed) => run(['generate', '--clients', '5', '--seed', String(seed)]).stdout.replace(/\s+/g, ' ').trim());
  const r = run(['solve', '--ndjson', '-', '--deadline', '200'], `${lines.join('\n')}\n`);
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(out.length, 2);
  out.forEach((o, i) => {
    assert.is(o.results.length, 1);
    assert.is(o.results[0].method, 'min-pruning');
    assert.is(o.results[0].weightedPruning, solver.minPruning(JSON.parse(lines[i]), { deadline: 200 }).weightedPruning);
  });
});

test.run();
