// jcpba sweep --rounds0 R0 --pruning-limit PMAX: rounds to the target and fine-tuning time per
// row (MODEL.md section 10), recomputed here from each row's statistics; the figure of
// fine-tuning time against the budget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-target-'));
const run = (args) => spawnSync(process.execPath, [BIN, ...args, '--backend', solver.backend, '--quiet'], { encoding: 'utf8' });
const GRID = ['--clients', '6', '--budget', '0,0.1,0.3', '--drops', '2', '--realizations', '8', '--methods', 'equal,prune-only,optimal'];

function ok(r) {
  assert.is(r.status, 0, r.stderr);
  return r;
}

test('every row gets roundsToTarget = R(mean pruning) and timeToTarget = rounds x mean; CSV, JSON and a figure', () => {
  const dir = tmp();
  ok(run(['sweep', ...GRID, '--rounds0', '100', '--pruning-limit', '0.5', '--out', dir]));
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.is(json.config.rounds0, 100);
  assert.is(json.config.pruningLimit, 0.5);
  assert.match(json.statistics.toTarget, /ceil\(rounds0/);
  assert.is(json.results.length, 9);
  for (const r of json.results) {
    const pruning = Math.min(r.meanPruning, r.budget);
    assert.ok(r.meanPruning <= r.budget + 1e-12);
    const rounds = Math.ceil(100 / (1 - pruning / 0.5));
    assert.is(r.roundsToTarget, rounds, `${r.method} at ${r.budget}`);
    assert.is(r.timeToTarget, rounds * r.mean);
    if (r.method === 'equal' || r.budget === 0) assert.is(r.roundsToTarget, 100);
  }
  // optimal at budget 0.3 uses the budget: 100 / (1 - 0.6) = 250 rounds.
  assert.is(json.results.find((r) => r.method === 'optimal' && r.budget === 0.3).roundsToTarget, 250);
  const lines = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
  // The energy columns come after every older column (MODEL.md 11), so older readers keep theirs.
  assert.match(lines[0], /,reductionVsEqual,roundsToTarget,timeToTarget,energyMean,energyCi95Low,energyCi95High,energyMaxMean,energyMaxCi95Low,energyMaxCi95High,infeasibleShare$/);
  const last = lines[lines.length - 1].split(',');
  const row = json.results[json.results.length - 1];
  assert.is(Number(last[last.length - 9]), row.roundsToTarget);
  assert.is(Number(last[last.length - 8]), row.timeToTarget);
  const figures = readdirSync(dir).filter((f) => f.endsWith('.svg')).sort();
  assert.equal(figures, ['energy-vs-budget.svg', 'fine-tuning-vs-budget.svg', 'latency-energy.svg', 'latency-vs-budget.svg']);
  const svg = readFileSync(join(dir, 'fine-tuning-vs-budget.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /Fine-tuning time against budget/);
  assert.match(svg, /best budget/);
});

test('--convergence-exponent M: roundsToTarget = ceil(R0 / (1 - P / Pmax)^M), in the config; absent, the config has no exponent', () => {
  const dir = tmp();
  ok(run(['sweep', ...GRID, '--rounds0', '100', '--pruning-limit', '0.5', '--convergence-exponent', '2', '--out', dir]));
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.is(json.config.convergenceExponent, 2);
  for (const r of json.results) {
    const rounds = Math.ceil(100 / (1 - Math.min(r.meanPruning, r.budget) / 0.5) ** 2);
    assert.is(r.roundsToTarget, rounds, `${r.method} at ${r.budget}`);
    assert.is(r.timeToTarget, rounds * r.mean);
  }
  // optimal at budget 0.3: 100 / 0.4^2 = 625 rounds.
  assert.is(json.results.find((r) => r.method === 'optimal' && r.budget === 0.3).roundsToTarget, 625);
  assert.match(readFileSync(join(dir, 'fine-tuning-vs-budget.svg'), 'utf8'), /m = 2/);
  const plain = tmp();
  ok(run(['sweep', '--clients', '6', '--drops', '1', '--realizations', '2', '--methods', 'equal', '--rounds0', '100', '--pruning-limit', '0.5', '--out', plain]));
  assert.is('convergenceExponent' in JSON.parse(readFileSync(join(plain, 'results.json'), 'utf8')).config, false);
  const bad = run(['sweep', '--clients', '6', '--convergence-exponent', '2', '--out', tmp()]);
  assert.is.not(bad.status, 0);
  assert.match(bad.stderr, /--convergence-exponent needs --rounds0 and --pruning-limit/);
});

test('--pruning-limit inf: R0 rounds everywhere; no budget axis, no figure; without the options nothing changes', () => {
  const dir = tmp();
  ok(run(['sweep', '--clients', '6,8', '--drops', '1', '--realizations', '4', '--methods', 'equal,optimal', '--rounds0', '40', '--pruning-limit', 'inf', '--out', dir]));
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.is(json.config.pruningLimit, null);
  for (const r of json.results) {
    assert.is(r.roundsToTarget, 40);
    assert.is(r.timeToTarget, 40 * r.mean);
  }
  assert.ok(!readdirSync(dir).some((f) => f.startsWith('fine-tuning-vs-')));
  const plain = tmp();
  ok(run(['sweep', '--clients', '6,8', '--drops', '1', '--realizations', '4', '--methods', 'equal,optimal', '--out', plain]));
  const header = readFileSync(join(plain, 'results.csv'), 'utf8').split('\n')[0];
  assert.ok(header.endsWith(',reductionVsEqual,energyMean,energyCi95Low,energyCi95High,energyMaxMean,energyMaxCi95Low,energyMaxCi95High,infeasibleShare'), header);
  assert.is(JSON.parse(readFileSync(join(plain, 'results.json'), 'utf8')).results[0].roundsToTarget, undefined);
});

test('bad target options fail before any work, naming the flag', () => {
  for (const [args, pattern] of [
    [['--rounds0', '100'], /--rounds0 and --pruning-limit go together/],
    [['--pruning-limit', '0.5'], /--rounds0 and --pruning-limit go together/],
    [['--rounds0', '0', '--pruning-limit', '0.5'], /rounds0 must be a finite number in \[1, 1e9\]/],
    [['--rounds0', '10', '--pruning-limit', '0'], /pruningLimit must be a positive number/],
  ]) {
    const dir = join(tmp(), 'out');
    const r = run(['sweep', ...GRID, ...args, '--out', dir]);
    assert.is.not(r.status, 0);
    assert.match(r.stderr.trim(), pattern);
    assert.is(r.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(dir, 'units.jsonl')), 'no work started');
  }
});

test.run();
