// jcpba sweep --rounds R --loss-curve FILE (MODEL.md section 13.2): learning.csv (loss
// against wall-clock time, mean and 95% CI over trials), the figure, and the time to the
// target loss per method; replayed here independently from the generator and the solver.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../dist/ts/index.js';
import { solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-sweep-learning-'));
const run = (args) => spawnSync(process.execPath, [BIN, ...args, '--backend', solver.backend, '--quiet'], { encoding: 'utf8' });
const ok = (r) => {
  assert.is(r.status, 0, r.stderr);
  return r;
};

// L0(x) = 1 + 2 exp(-x / 8) at whole rounds 0..40.
const L0 = (x) => 1 + 2 * Math.exp(-x / 8);
const curveFile = () => {
  const f = join(tmp(), 'curve.csv');
  writeFileSync(f, `round,loss\n${Array.from({ length: 41 }, (_, x) => `${x},${L0(x)}`).join('\n')}\n`);
  return f;
};
const GRID = ['--clients', '5', '--budget', '0.3', '--drops', '2', '--realizations', '3', '--rounds', '12', '--methods', 'equal,optimal', '--seed', '4'];

/** One trial replayed: round-end times and losses (L0 interpolated at the progress). */
function replay(method, drop, trial, Pmax) {
  const time = [0];
  const loss = [L0(0)];
  let x = 0;
  for (let r = 0; r < 12; r++) {
    const p = generate({ clients: 5, budget: 0.3, seed: 4, drop, realization: trial * 12 + r });
    const s = solver.solve(p, { method });
    let wsum = 0;
    let P = 0;
    p.dataWeight.forEach((w) => (wsum += w));
    p.dataWeight.forEach((w, k) => (P += (w / wsum) * s.pruning[k]));
    x += 1 - Math.min(P, 0.3) / Pmax;
    const j = Math.floor(x);
    time.push(time[r] + s.latency);
    loss.push(L0(j) + (x - j) * (L0(j + 1) - L0(j)));
  }
  return { time, loss };
}

const at = (path, t) => {
  let i = 1;
  while (path.time[i] < t) i++;
  const u = (t - path.time[i - 1]) / (path.time[i] - path.time[i - 1]);
  return path.loss[i - 1] + u * (path.loss[i] - path.loss[i - 1]);
};

test('learning.csv: mean loss over trials on a common time grid, as an independent replay gives; the figure; time to target', () => {
  const dir = tmp();
  const target = 2;
  const r = run(['sweep', ...GRID, '--loss-curve', curveFile(), '--pruning-limit', '0.6', '--target-loss', String(target), '--out', dir]);
  ok(r);
  const lines = readFileSync(join(dir, 'learning.csv'), 'utf8').trim().split('\n');
  assert.is(lines[0], 'clients,budget,method,time,lossMean,lossCi95,trials,outageShare');
  const rows = lines.slice(1).map((l) => l.split(','));
  for (const method of ['equal', 'optimal']) {
    const mine = rows.filter((c) => c[2] === method).map((c) => ({ time: Number(c[3]), mean: Number(c[4]), ci: Number(c[5]), trials: Number(c[6]), outage: Number(c[7]) }));
    assert.ok(mine.length >= 50, `${method}: ${mine.length} rows`);
    assert.is(mine[0].time, 0);
    assert.is(mine[0].mean, L0(0));
    const paths = [0, 1].flatMap((drop) => [0, 1, 2].map((trial) => replay(method, drop, trial, 0.6)));
    for (const row of mine.filter((_, i) => i % 10 === 0)) {
      assert.is(row.trials, 6);
      assert.is(row.outage, 0);
      const values = paths.map((p) => at(p, row.time));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      assert.ok(Math.abs(row.mean - mean) <= 1e-9, `${method} at ${row.time}: ${row.mean} vs ${mean}`);
      const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 5);
      assert.ok(Math.abs(row.ci - (2.571 * sd) / Math.sqrt(6)) <= 1e-9, `${method} CI`);
    }
    // The grid stops where the shortest trial ends.
    const end = Math.min(...paths.map((p) => p.time[12]));
    assert.ok(mine[mine.length - 1].time <= end * (1 + 1e-12));
  }
  // The equal method never prunes: x_n = n, its loss at a round end is L0(n).
  const figures = readdirSync(dir).filter((f) => f.startsWith('loss-vs-time'));
  assert.ok(figures.includes('loss-vs-time.vl.json'), figures.join(' '));
  const spec = JSON.parse(readFileSync(join(dir, 'loss-vs-time.vl.json'), 'utf8'));
  assert.match(spec.title.text, /Loss against fine-tuning time/);
  assert.is(spec.layer.find((l) => l.mark.type === 'rule').data.values[0].target, target);
  // Time to target, h, in the table (stdout).
  const table = spawnSync(process.execPath, [BIN, 'sweep', ...GRID, '--loss-curve', curveFile(), '--pruning-limit', '0.6', '--target-loss', '2', '--out', tmp(), '--backend', solver.backend], { encoding: 'utf8' });
  assert.match(table.stdout, /time to the target loss 2 \(h\) per method/);
  assert.match(table.stdout, /^\s+5\s+\d+\.\d{3} ± \d+\.\d{3}\s+\d+\.\d{3} ± \d+\.\d{3}$/m);
});

test('without --target-loss the results are those of the sweep without a loss curve, byte for byte', () => {
  const a = tmp();
  const b = tmp();
  ok(run(['sweep', ...GRID, '--out', a]));
  ok(run(['sweep', ...GRID, '--loss-curve', curveFile(), '--pruning-limit', '0.6', '--out', b]));
  assert.is(readFileSync(join(b, 'results.csv'), 'utf8'), readFileSync(join(a, 'results.csv'), 'utf8'));
  assert.equal(readdirSync(a).includes('learning.csv'), false);
  assert.ok(readdirSync(b).includes('learning.csv'));
});

test('--convergence FILE gives the sweep R0, Pmax and m (roundsToTarget), with or without a curve', () => {
  const dir = tmp();
  const cal = join(dir, 'c.json');
  writeFileSync(cal, JSON.stringify({ kind: 'jcpba-convergence', rounds0: 80, pruningLimit: 0.6, convergenceExponent: 2 }));
  const out = join(dir, 'out');
  ok(run(['sweep', ...GRID, '--convergence', cal, '--out', out]));
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(json.config.rounds0, 80);
  assert.is(json.config.pruningLimit, 0.6);
  assert.is(json.config.convergenceExponent, 2);
  for (const r of json.results) assert.is(r.roundsToTarget, Math.ceil(80 / (1 - Math.min(r.meanPruning, r.budget) / 0.6) ** 2));
  assert.equal(readdirSync(out).includes('learning.csv'), false);
});

test('bad input: the curve too short for --rounds, no Pmax', () => {
  const short = join(tmp(), 'short.csv');
  writeFileSync(short, 'round,loss\n0,3\n5,2\n');
  const r1 = run(['sweep', ...GRID, '--loss-curve', short, '--pruning-limit', '0.6', '--out', tmp()]);
  assert.is.not(r1.status, 0);
  assert.match(r1.stderr, /--rounds 12 runs past the end of the loss curve \(its last round is 5\)/);
  const r2 = run(['sweep', ...GRID, '--loss-curve', curveFile(), '--out', tmp()]);
  assert.is.not(r2.status, 0);
  assert.match(r2.stderr, /--loss-curve needs --pruning-limit PMAX\|inf/);
});

test.run();
