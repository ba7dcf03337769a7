// A sweep whose realizations leave a method without a point (energy caps, MODEL.md 11.2)
// goes on: each row's infeasibleShare is the share of rounds where that method returned no
// point, and its latency, fine-tuning, gap and energy statistics cover the rounds where it
// returned one. Checked against each realization re-solved through the plain solve API of
// the backend under test, the statistics recomputed here (two-pass mean and variance, a
// Student t table); a method infeasible in every round has null latency and share 1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../dist/ts/index.js';
import { generate } from '../dist/ts/core/scenario.js';
import { solve, solver } from './helpers.mjs';

const backend = solver.backend;
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'jcpba-infeasible-'));
  dirs.push(d);
  return d;
};

// Student t quantiles t_{0.975, df}, df = 1..15 (any statistics table).
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131];

/** Mean and Student t 95% interval of a sample, two-pass; null for an empty sample. */
function meanCi(xs) {
  if (xs.length === 0) return null;
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, lo: mean, hi: mean };
  const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const half = (T975[n - 2] * Math.sqrt(v)) / Math.sqrt(n);
  return { mean, lo: mean - half, hi: mean + half };
}

const close = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

const methods = ['equal', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];
const base = { clients: 5, computePowerW: 0 };
const caps = [0.4, 1];
const config = { grid: [{ key: 'energyCapJ', values: caps }], base, seed: 1, drops: 1, realizations: 8, rounds: 2, methods };

test(`rows recompute from the realizations re-solved one by one (${backend})`, async () => {
  const out = await runSweep(config, { out: join(tmp(), 'out'), backend, threads: 1 });
  assert.ok(out.complete);
  let partial = 0;
  let none = 0;
  caps.forEach((cap, g) => {
    // Every round of every trial, every method, through solve.
    const results = [];
    for (let trial = 0; trial < config.realizations; trial++) {
      for (let round = 0; round < config.rounds; round++) {
        const problem = generate({ ...base, energyCapJ: cap, seed: config.seed, drop: 0, realization: trial * config.rounds + round });
        results.push({ trial, byMethod: Object.fromEntries(methods.map((m) => [m, solve(problem, { method: m })])) });
      }
    }
    for (const m of methods) {
      const row = out.rows.find((r) => r.grid === g && r.method === m);
      const what = `cap ${cap} ${m}`;
      const mine = results.map((x) => x.byMethod[m]);
      const withPoint = mine.filter((r) => r.status !== 'infeasible');
      // The infeasible results are results with a status, never NaN.
      for (const r of mine) if (r.status === 'infeasible') assert.is(r.latency, null, what);
      assert.is(row.stats.infeasibleShare, (mine.length - withPoint.length) / mine.length, `${what} infeasibleShare`);
      assert.is(row.stats.rounds, withPoint.length, `${what} rounds`);
      if (withPoint.length === 0) {
        none++;
        assert.is(row.stats.infeasibleShare, 1, what);
        for (const k of ['mean', 'ci95Low', 'ci95High', 'median', 'min', 'max', 'energyMean', 'energyMaxMean', 'fineTuningMean', 'meanPruning']) assert.is(row.stats[k], null, `${what} ${k}`);
        continue;
      }
      if (withPoint.length < mine.length) partial++;
      const lat = meanCi(withPoint.map((r) => r.latency));
      close(row.stats.mean, lat.mean, `${what} mean`);
      close(row.stats.ci95Low, lat.lo, `${what} ci95Low`);
      close(row.stats.ci95High, lat.hi, `${what} ci95High`);
      assert.is(row.stats.min, Math.min(...withPoint.map((r) => r.latency)), `${what} min`);
      assert.is(row.stats.max, Math.max(...withPoint.map((r) => r.latency)), `${what} max`);
      const energy = meanCi(withPoint.map((r) => r.energyTotal));
      close(row.stats.energyMean, energy.mean, `${what} energyMean`);
      close(row.stats.energyCi95Low, energy.lo, `${what} energyCi95Low`);
      close(row.stats.energyCi95High, energy.hi, `${what} energyCi95High`);
      const emax = meanCi(withPoint.map((r) => r.energyMax));
      close(row.stats.energyMaxMean, emax.mean, `${what} energyMaxMean`);
      close(row.stats.energyMaxCi95Low, emax.lo, `${what} energyMaxCi95Low`);
      close(row.stats.energyMaxCi95High, emax.hi, `${what} energyMaxCi95High`);
      // Every returned point meets the cap, so its largest client energy does.
      for (const r of withPoint) assert.ok(r.energyMax <= cap * (1 + 1e-12), `${what} energyMax ${r.energyMax}`);
      // Fine-tuning: the trials whose every round had a point.
      const trials = [];
      for (let t = 0; t < config.realizations; t++) {
        const rounds = results.filter((x) => x.trial === t).map((x) => x.byMethod[m]);
        if (rounds.every((r) => r.status !== 'infeasible')) trials.push(rounds.reduce((a, r) => a + r.latency, 0));
      }
      if (trials.length === 0) assert.is(row.stats.fineTuningMean, null, what);
      else close(row.stats.fineTuningMean, meanCi(trials).mean, `${what} fineTuningMean`);
      if (m === 'bcd') {
        const gaps = results.filter((x) => x.byMethod.bcd.status !== 'infeasible' && x.byMethod.optimal.status !== 'infeasible').map((x) => x.byMethod.bcd.latency / x.byMethod.optimal.latency - 1);
        close(row.stats.gapMean, gaps.reduce((a, b) => a + b, 0) / gaps.length, `${what} gapMean`);
      }
    }
  });
  // The caps were chosen so that both cases occur.
  assert.ok(partial >= 3, `methods with a point in some rounds only: ${partial}`);
  assert.ok(none >= 1, 'a method without a point in any round');
});

test(`the CLI writes empty cells and nulls, never NaN, and says what the share is (${backend})`, () => {
  const dir = join(tmp(), 'out');
  const r = spawnSync(process.execPath, ['bin/jcpba.js', 'sweep', '--clients', '5', '--drops', '1', '--realizations', '16', '--energy-cap', '1', '--methods', 'equal,optimal', '--backend', backend, '--out', dir], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  // No client can meet 1 J with 200 W of compute: equal and optimal have no point anywhere.
  assert.match(r.stdout, /\w+\s+equal\s+optimal\n-+\s+-+\s+-+\n\s+\S+\s+infeasible\s+infeasible\n/);
  assert.match(r.stdout, /share of rounds without a point \(infeasibleShare\) per method/);
  const csv = readFileSync(join(dir, 'results.csv'), 'utf8');
  assert.not.match(csv, /NaN|null|Infinity/);
  const [header, ...lines] = csv.trim().split('\n');
  const cols = header.split(',');
  for (const line of lines) {
    const cells = line.split(',');
    assert.is(cells[cols.indexOf('mean')], '');
    assert.is(cells[cols.indexOf('energyMean')], '');
    assert.is(cells[cols.indexOf('infeasibleShare')], '1');
  }
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  for (const row of json.results) {
    assert.is(row.mean, null);
    assert.is(row.infeasibleShare, 1);
  }
  assert.match(json.statistics.latency, /where the method returned a point/);
});

test(`a journal written before the energy statistics fails --resume with a clear message (${backend})`, async () => {
  const dir = join(tmp(), 'out');
  const small = { ...config, grid: [{ key: 'energyCapJ', values: [1] }], methods: ['equal'] };
  await runSweep(small, { out: dir, backend, threads: 1 });
  const path = join(dir, 'units.jsonl');
  const [header, ...units] = readFileSync(path, 'utf8').trim().split('\n');
  // What an older jcpba wrote: no infeasible count, no energy moments.
  const old = units.map((line) => {
    const u = JSON.parse(line);
    for (const s of u.methods) for (const k of ['infeasible', 'energyMean', 'energyM2', 'energyMaxMean', 'energyMaxM2']) delete s[k];
    return JSON.stringify(u);
  });
  writeFileSync(path, [header, ...old].join('\n') + '\n');
  try {
    await runSweep(small, { out: dir, backend, threads: 1, resume: true });
    assert.unreachable('resume must fail');
  } catch (e) {
    assert.match(e.message, /line 2: unit 0\/0\/0, method equal: infeasible is missing: this journal was written by a jcpba without the energy statistics; run the sweep again in a new folder/);
  }
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
