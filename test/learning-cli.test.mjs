// jcpba calibrate and plan --loss-curve / --target-loss / --convergence end to end
// (MODEL.md section 13): the files of examples/, the figure of the fit, and one-line
// errors naming the line or the run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrate } from '../dist/ts/index.js';
import { parseLossCurve, roundsToLoss } from '../dist/ts/learning/curve.js';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const run = (args, input) =>
  spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, JCPBA_BACKEND: process.env.JCPBA_BACKEND ?? 'ts' } });
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-learning-'));

function ok(r) {
  assert.is(r.status, 0, r.stderr);
  return r;
}

function expectError(args, input, pattern) {
  const r = run(args, input);
  assert.is.not(r.status, 0, `exit status of ${args.join(' ')}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

test('calibrate examples/pilot-runs.csv: the API\'s fit; --out writes it and the figure; plan --convergence reads it', async () => {
  const dir = tmp();
  const out = join(dir, 'convergence.json');
  const r = ok(run(['calibrate', join(EXAMPLES, 'pilot-runs.csv'), '--out', out]));
  const cal = JSON.parse(r.stdout);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')), cal);
  assert.is(cal.kind, 'jcpba-convergence');
  // The same numbers as the API on the same runs (the CSV's lines as names).
  const lines = readFileSync(join(EXAMPLES, 'pilot-runs.csv'), 'utf8').split('\n');
  const runs = [];
  lines.forEach((l, i) => {
    if (/^[0-9]/.test(l)) runs.push({ pruning: Number(l.split(',')[0]), rounds: Number(l.split(',')[1]), name: `line ${i + 1}` });
  });
  assert.equal(cal, JSON.parse(JSON.stringify(calibrate(runs))));
  assert.ok(existsSync(join(dir, 'convergence.vl.json')));
  const spec = JSON.parse(readFileSync(join(dir, 'convergence.vl.json'), 'utf8'));
  assert.match(spec.title.text, /runs and fit/);
  assert.match(spec.title.subtitle.join(' '), new RegExp(`points: ${runs.length} pilot runs`));
  assert.is(spec.layer[1].data.values.length, runs.length);
  let hasVega = true;
  try {
    await import('vega');
  } catch {
    hasVega = false;
  }
  if (hasVega) assert.match(readFileSync(join(dir, 'convergence.svg'), 'utf8'), /^<svg/);
  const plan = JSON.parse(ok(run(['plan', '--convergence', out, '--clients', '6', '--realizations', '2', '--methods', 'optimal'])).stdout);
  assert.is(plan.rounds0, cal.rounds0);
  assert.is(plan.pruningLimit, cal.pruningLimit);
  assert.is(plan.convergenceExponent, cal.convergenceExponent);
  const table = ok(run(['calibrate', join(EXAMPLES, 'pilot-runs.csv'), '--format', 'table', '--exponent', '1'])).stdout;
  assert.match(table, /^convergenceExponent \(m\)\s+1\s+fixed$/m);
  assert.match(table, /^line 5 /m);
});

test('calibrate from loss curves (CSV run,pruning,round,loss and --target-loss)', () => {
  const truth = { R0: 50, Pmax: 0.6, m: 1 };
  const rows = ['run,pruning,round,loss'];
  for (const [name, P] of [
    ['a', 0],
    ['b', 0.1],
    ['c', 0.3],
  ]) {
    const pi = (1 - P / truth.Pmax) ** truth.m;
    for (let n = 0; n <= 200; n++) rows.push(`${name},${P},${n},${(1 + 2 * Math.exp((-n * pi) / 25)).toFixed(6)}`);
  }
  const target = 1 + 2 * Math.exp(-truth.R0 / 25);
  const cal = JSON.parse(ok(run(['calibrate', '-', '--target-loss', String(target), '--exponent', '1'], rows.join('\n'))).stdout);
  assert.equal(cal.runs.map((r) => r.name), ['a', 'b', 'c']);
  assert.ok(Math.abs(cal.rounds0 - truth.R0) <= 0.05, `R0 ${cal.rounds0}`);
  assert.ok(Math.abs(cal.pruningLimit - truth.Pmax) <= 0.01, `Pmax ${cal.pruningLimit}`);
  expectError(['calibrate', '-'], rows.join('\n'), /^jcpba: runs\[0\] \("a"\) gives a loss curve: a common targetLoss \(--target-loss\) is needed/);
  expectError(['calibrate', '-', '--target-loss', '0.5'], rows.join('\n'), /^jcpba: runs\[0\] \("a"\)'s loss curve never reaches the target loss 0\.5/);
});

test('plan --loss-curve FILE --target-loss L: R0 read off the curve, in the JSON and the table', () => {
  const curveFile = join(EXAMPLES, 'loss-curve.csv');
  const R0 = roundsToLoss(parseLossCurve(readFileSync(curveFile, 'utf8'), curveFile), 1.0);
  const args = ['plan', '--loss-curve', curveFile, '--target-loss', '1.0', '--pruning-limit', '0.5', '--clients', '6', '--realizations', '2', '--methods', 'optimal'];
  const json = JSON.parse(ok(run(args)).stdout);
  assert.is(json.rounds0, R0);
  assert.is(json.targetLoss, 1);
  assert.ok(R0 > 100 && R0 < 200);
  assert.match(ok(run([...args, '--format', 'table'])).stdout, /R0 = [0-9.]+ rounds: where the loss curve .*loss-curve\.csv first reaches the target loss 1\)/);
});

test('bad input: one line naming the flag, the line or the run', () => {
  const dir = tmp();
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'round,loss\n0,2\n1,x\n');
  const base = ['plan', '--clients', '4', '--realizations', '1', '--pruning-limit', '0.5'];
  expectError([...base, '--loss-curve', bad, '--target-loss', '1'], '', /^jcpba: .*bad\.csv line 3, loss: expected a finite number, got "x"$/);
  expectError([...base, '--loss-curve', join(EXAMPLES, 'loss-curve.csv')], '', /plan --loss-curve needs --target-loss L/);
  expectError([...base, '--target-loss', '1'], '', /--target-loss needs --loss-curve FILE/);
  expectError([...base, '--rounds0', '10', '--loss-curve', join(EXAMPLES, 'loss-curve.csv'), '--target-loss', '1'], '', /--rounds0 and --target-loss both give R0/);
  expectError([...base, '--loss-curve', join(EXAMPLES, 'loss-curve.csv'), '--target-loss', '0.1'], '', /the loss curve .* never reaches the target loss 0\.1 \(its least loss is/);
  const cal = join(dir, 'c.json');
  writeFileSync(cal, JSON.stringify({ kind: 'jcpba-convergence', rounds0: 100, pruningLimit: 0.5, convergenceExponent: 1.2 }));
  expectError(['plan', '--convergence', cal, '--rounds0', '10', '--clients', '4'], '', /--rounds0 and --convergence exclude each other/);
  writeFileSync(cal, '{"rounds0": 100}');
  expectError(['plan', '--convergence', cal, '--clients', '4'], '', /is not a calibration \(kind "jcpba-convergence"/);
  expectError(['plan', '--clients', '4'], '', /plan needs --rounds0 R0 .*or --loss-curve FILE --target-loss L, or --convergence FILE/);
  expectError(['calibrate', '-'], 'pruning,rounds\n0,100\n0.1,abc\n', /^jcpba: stdin line 3, rounds: expected a finite number, got "abc"$/);
  expectError(['calibrate', '-'], 'pruning,rounds\n0,100\n', /at least two pilot runs/);
  expectError(['calibrate', '-'], 'p,r\n0,100\n', /^jcpba: stdin line 1: the header must be pruning,rounds or run,pruning,round,loss/);
  expectError(['calibrate', '-', '--exponent', '2'], 'pruning,rounds\n0,100\n0.1,120\n', /--exponent must be fit or 1/);
  assert.match(ok(run(['calibrate', '--help'])).stdout, /--target-loss L/);
});

test.run();
