// `jcpba plan` end to end: JSON for tools, a table for people, errors on one line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, toJson } from '../dist/ts/index.js';
import { solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const run = (args, input) =>
  spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: process.env.JCPBA_BACKEND ?? 'ts' } });

function expectError(args, input, pattern) {
  const r = run(args, input);
  assert.is.not(r.status, 0, `exit status of ${args.join(' ')}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^jcpba: /);
  assert.match(lines[0], pattern);
}

const drop = Array.from({ length: 4 }, (_, realization) => generate({ clients: 8, seed: 2, drop: 1, realization }));
const dropJson = JSON.stringify(drop.map((p) => toJson(p)));

test('plan FILE: the JSON of MODEL.md section 10, the same plans as the API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-plan-'));
  const file = join(dir, 'drop.json');
  writeFileSync(file, dropJson);
  const r = run(['plan', file, '--rounds0', '80', '--pruning-limit', '0.6', '--policy', 'both', '--methods', 'equal,optimal']);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(Object.keys(out), ['backend', 'rounds0', 'pruningLimit', 'convergenceExponent', 'realizations', 'plans']);
  assert.is(out.rounds0, 80);
  assert.is(out.pruningLimit, 0.6);
  assert.is(out.realizations, 4);
  assert.equal(
    out.plans.map((p) => `${p.method}/${p.policy}`),
    ['equal/static', 'optimal/static', 'optimal/adaptive'],
  );
  const [, stat, adaptive] = out.plans;
  const api = solver.plan(drop, { rounds0: 80, pruningLimit: 0.6, policy: 'both' });
  assert.ok(Math.abs(stat.fineTuningSeconds - api[0].fineTuningSeconds) <= 1e-9 * api[0].fineTuningSeconds);
  assert.ok(Math.abs(adaptive.price - api[1].price) <= 1e-9 * api[1].price);
  assert.ok(Array.isArray(adaptive.budgets) && adaptive.budgets.length === 4);
  assert.is(stat.rounds, Math.ceil(80 / (1 - stat.budget / 0.6)));
  assert.is(out.plans[0].rounds, 80);
  assert.is(out.plans[0].budget, 0);
  // stdin works the same way
  const again = run(['plan', '-', '--rounds0', '80', '--pruning-limit', '0.6', '--methods', 'optimal'], dropJson);
  assert.is(JSON.parse(again.stdout).plans[0].fineTuningSeconds, stat.fineTuningSeconds);
});

test('plan without FILE draws the realizations; --pruning-limit inf is null in JSON', () => {
  const r = run(['plan', '--rounds0', '50', '--pruning-limit', 'inf', '--clients', '8', '--seed', '2', '--drop', '1', '--realizations', '4', '--methods', 'optimal']);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.pruningLimit, null);
  assert.is(out.realizations, 4);
  const [p] = out.plans;
  assert.is(p.rounds, 50);
  // The same drop as the file above: realizations 0..3 of drop 1, seed 2.
  const api = solver.plan(drop, { rounds0: 50, pruningLimit: Infinity })[0];
  assert.ok(Math.abs(p.fineTuningSeconds - api.fineTuningSeconds) <= 1e-9 * api.fineTuningSeconds);
});

test('plan --format table: best budget, rounds, hours, energy and the saving against equal', () => {
  const r = run(['plan', '-', '--rounds0', '100', '--pruning-limit', '0.5', '--format', 'table', '--policy', 'both'], dropJson);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /method\s+policy\s+budget\s+rounds\s+fine-tuning \(h\)\s+energy \(MJ\)\s+saving vs equal/);
  assert.match(r.stdout, /^equal\s+static\s+0\.0000\s+100\s+\d+\.\d{3}\s+\d+\.\d{3}\s+0\.0%$/m);
  assert.match(r.stdout, /^optimal\s+static\s+0\.\d{4}\s+\d+\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d%$/m);
  assert.match(r.stdout, /^optimal\s+adaptive\s+0\.\d{4} \(mean\)\s+\d+\.\d\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d%$/m);
  const [, hours, MJ] = /^optimal\s+static\s+\S+\s+\S+\s+(\S+)\s+(\S+)/m.exec(r.stdout).map(Number);
  const api = solver.plan(drop, { rounds0: 100, pruningLimit: 0.5 })[0];
  assert.is(hours.toFixed(3), (api.fineTuningSeconds / 3600).toFixed(3));
  // The fine-tuning energy (MODEL.md 11.1): the rounds times the mean total energy of the
  // points at the budget, recomputed here from each realization's own solve.
  let energy = 0;
  for (const p of drop) energy += solver.solve({ ...p, pruningBudget: api.budget }, { method: 'optimal' }).energyTotal / drop.length;
  assert.ok(Math.abs(api.fineTuningJoules - api.rounds * energy) <= 1e-6 * api.fineTuningJoules, `${api.fineTuningJoules} vs ${api.rounds * energy}`);
  assert.is(MJ.toFixed(3), (api.fineTuningJoules / 1e6).toFixed(3));
  assert.match(r.stdout, /R0 = 100, Pmax = 0\.5/);
});

test('solve --rounds0 --pruning-limit adds each point\'s rounds to the target and fine-tuning time', () => {
  const problem = JSON.stringify(toJson(drop[0]));
  const out = JSON.parse(run(['solve', '-', '--method', 'equal,optimal', '--rounds0', '60', '--pruning-limit', '0.75'], problem).stdout);
  for (const r of out.results) {
    let wsum = 0;
    let used = 0;
    drop[0].dataWeight.forEach((w) => (wsum += w));
    drop[0].dataWeight.forEach((w, k) => (used += (w / wsum) * r.pruning[k]));
    const rounds = Math.ceil(60 / (1 - Math.min(used, drop[0].pruningBudget) / 0.75));
    assert.is(r.roundsToTarget, rounds, r.method);
    assert.is(r.timeToTarget, rounds * r.latency);
  }
  assert.is(out.results[0].roundsToTarget, 60);
  const table = run(['solve', '-', '--method', 'optimal', '--format', 'table', '--rounds0', '60', '--pruning-limit', 'inf'], problem);
  assert.match(table.stdout, /rounds to target\s+time to target \(h\)/);
  assert.match(table.stdout, /^optimal\s.*\s60\s+\d+\.\d{3}$/m);
  assert.equal(Object.keys(JSON.parse(run(['solve', '-'], problem).stdout).results[0]).includes('roundsToTarget'), false);
  expectError(['solve', '-', '--rounds0', '60'], problem, /--rounds0 and --pruning-limit go together/);
});

test('--convergence-exponent M: plan, solve --rounds0 and their rounds use (1 - P / Pmax)^M (MODEL.md section 13)', () => {
  const r = run(['plan', '-', '--rounds0', '80', '--pruning-limit', '0.6', '--convergence-exponent', '2', '--methods', 'optimal,bcd'], dropJson);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.convergenceExponent, 2);
  const api = [...solver.plan(drop, { rounds0: 80, pruningLimit: 0.6, convergenceExponent: 2 }), ...solver.plan(drop, { rounds0: 80, pruningLimit: 0.6, convergenceExponent: 2, method: 'bcd' })];
  assert.equal(out.plans, api);
  for (const p of out.plans) assert.is(p.rounds, Math.ceil(80 / (1 - p.budget / 0.6) ** 2));
  const m1 = JSON.parse(run(['plan', '-', '--rounds0', '80', '--pruning-limit', '0.6', '--methods', 'optimal'], dropJson).stdout);
  assert.is(m1.convergenceExponent, 1);
  assert.ok(out.plans[0].fineTuningSeconds >= m1.plans[0].fineTuningSeconds, 'pruning costs more rounds at m = 2');
  const table = run(['plan', '-', '--rounds0', '80', '--pruning-limit', '0.6', '--convergence-exponent', '2', '--methods', 'optimal', '--format', 'table'], dropJson);
  assert.match(table.stdout, /Pmax = 0\.6, m = 2;/);
  const problem = JSON.stringify(toJson(drop[0]));
  const solved = JSON.parse(run(['solve', '-', '--method', 'optimal', '--rounds0', '60', '--pruning-limit', '0.75', '--convergence-exponent', '0.5'], problem).stdout);
  let wsum = 0;
  let used = 0;
  drop[0].dataWeight.forEach((w) => (wsum += w));
  drop[0].dataWeight.forEach((w, k) => (used += (w / wsum) * solved.results[0].pruning[k]));
  assert.is(solved.results[0].roundsToTarget, Math.ceil(60 / (1 - Math.min(used, drop[0].pruningBudget) / 0.75) ** 0.5));
  expectError(['solve', '-', '--convergence-exponent', '2'], problem, /--convergence-exponent needs --rounds0 and --pruning-limit/);
  expectError(['plan', '-', '--rounds0', '80', '--pruning-limit', '0.6', '--convergence-exponent', '0'], dropJson, /convergenceExponent must be a finite number in \[0\.001, 1000\]/);
  expectError(['plan', '-', '--rounds0', '80', '--pruning-limit', '0.6', '--convergence-exponent', 'x'], dropJson, /--convergence-exponent: expected a finite number/);
});

test('plan: bad input is one clear line', () => {
  expectError(['plan', '-', '--pruning-limit', '0.5'], dropJson, /plan needs --rounds0/);
  expectError(['plan', '-', '--rounds0', '100'], dropJson, /plan needs --pruning-limit/);
  expectError(['plan', '-', '--rounds0', '0', '--pruning-limit', '0.5'], dropJson, /rounds0 must be a finite number in \[1, 1e9\]/);
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', '-1'], dropJson, /pruningLimit must be a positive number/);
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', 'lots'], dropJson, /--pruning-limit: expected a finite number/);
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', '0.5', '--policy', 'greedy'], dropJson, /unknown policy "greedy"/);
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', '0.5'], JSON.stringify(toJson(drop[0])), /stdin must hold a JSON array of problems/);
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', '0.5'], '[]', /problems must hold at least one realization/);
  const other = JSON.stringify([toJson(drop[0]), toJson(generate({ clients: 8, seed: 2, drop: 2 }))]);
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', '0.5'], other, /^jcpba: problems\[1\]: clients\[0\]\.dataWeight differs from problems\[0\]/);
  const broken = JSON.parse(dropJson);
  broken[2].clients[5].txPowerW = 0;
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', '0.5'], JSON.stringify(broken), /problems\[2\]: clients\[5\]\.txPowerW must be a positive finite number/);
  expectError(['plan', '-', '--rounds0', '10', '--pruning-limit', '0.5', '--clients', '5'], dropJson, /--clients draws realizations; it cannot be used with a problem file/);
  expectError(['plan', '--rounds0', '10', '--pruning-limit', '0.5', '--realizations', '0'], '', /--realizations must be a positive integer/);
  expectError(['plan', '--rounds0', '10', '--pruning-limit', '0.5', '--budget', '0.3'], '', /unknown option --budget/);
  assert.is(run(['plan', '--help']).status, 0);
  assert.match(run(['plan', '--help']).stdout, /--pruning-limit PMAX\|inf/);
});

// Issue 20 (audit 12): --realizations had no bound (a V8 heap out of memory at 5e6, an
// "internal error" beyond 2^32); issue 20 (audit 13): the one-line error echoed the input's
// terminal control sequences.
test('--realizations is bounded, and an error line carries no terminal control characters', () => {
  for (const n of ['1000000', '4294967297']) expectError(['plan', '--rounds0', '100', '--pruning-limit', '0.5', '--methods', 'equal', '--clients', '1', '--realizations', n], undefined, /--realizations must be a positive integer, at most 100000/);
  expectError(['plan', '--rounds0', '100', '--pruning-limit', '0.5', '--methods', 'equal', '--clients', '1000', '--realizations', '5000'], undefined, /more than the 4000000 plan holds in memory; use at most 4000 realizations/);
  const dir = mkdtempSync(join(tmpdir(), 'jcpba-esc-'));
  const file = join(dir, 'esc.json');
  writeFileSync(file, '{"a":t\x1b]0;PWNED\x07\x1b[2J}\n');
  for (const args of [['plan', file, '--rounds0', '10', '--pruning-limit', '0.5'], ['solve', file], ['solve', '--ndjson', file]]) {
    const r = run(args);
    assert.is(r.status, 1, args.join(' '));
    assert.not.match(r.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, `${args[0]}: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, /\\u001b\]0;PWNED\\u0007/, args.join(' '));
  }
});

test.run();
