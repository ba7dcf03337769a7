// Learning curves of a sweep whose methods have no point in some rounds (energy caps,
// MODEL.md 11.2 and 13.2): a trial with such a round is an outage, left out of the loss
// curves and the time to target and counted in learning.csv's outageShare; every number
// recomputed here from the generator and the solver, trial by trial. Also: learning.csv is
// written while the sweep holds its folder's lock, and the loss-vs-time figure's style.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../dist/ts/index.js';
import { main } from '../dist/ts/cli/main.js';
import { FONT_SIZE, seriesOf } from '../dist/ts/sweep/figures.js';
import { solver } from './helpers.mjs';

const BIN = fileURLToPath(new URL('../bin/jcpba.js', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'jcpba-learning-outage-'));

// L0(x) = 1 + 2 exp(-x / 8) at whole rounds 0..40.
const L0 = (x) => 1 + 2 * Math.exp(-x / 8);
const curveFile = () => {
  const f = join(tmp(), 'curve.csv');
  writeFileSync(f, `round,loss\n${Array.from({ length: 41 }, (_, x) => `${x},${L0(x)}`).join('\n')}\n`);
  return f;
};
const loss = (x) => {
  const j = Math.floor(x);
  return L0(j) + (x - j) * (L0(j + 1) - L0(j));
};

// Upload energy only (no compute power), a cap of 0.4 J or 1 J per round: at 1 J `equal`
// has no point in about a third of the rounds and `optimal` in a few; at 0.4 J `equal` in
// every round (a probe of these realizations, not an assumption of the test: it checks
// that both kinds of grid point occur below).
const PMAX = 0.6;
const TARGET = 2.4;
const ROUNDS = 4;
const SCENARIO = { clients: 5, budget: 0.3, seed: 4, computePowerW: 0 };
const CAPS = [0.4, 1];
const ARGS = [
  'sweep', '--clients', '5', '--budget', '0.3', '--compute-power', '0', '--energy-cap', CAPS.join(','), '--drops', '2', '--realizations', '6',
  '--rounds', String(ROUNDS), '--methods', 'equal,optimal', '--seed', '4', '--pruning-limit', String(PMAX), '--target-loss', String(TARGET),
];

/** One trial replayed: its round-end times and losses, or null when some round has no point (an outage). */
function replay(method, cap, drop, trial) {
  const time = [0];
  const losses = [L0(0)];
  let x = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const p = generate({ ...SCENARIO, energyCapJ: cap, drop, realization: trial * ROUNDS + r });
    const s = solver.solve(p, { method });
    if (s.status === 'infeasible') return null;
    let wsum = 0;
    let P = 0;
    p.dataWeight.forEach((w) => (wsum += w));
    p.dataWeight.forEach((w, k) => (P += (w / wsum) * s.pruning[k]));
    x += 1 - Math.min(P, 0.3) / PMAX;
    time.push(time[r] + s.latency);
    losses.push(loss(x));
  }
  return { time, loss: losses };
}

const at = (path, t) => {
  let i = 1;
  while (i < path.time.length - 1 && path.time[i] < t) i++;
  const u = (t - path.time[i - 1]) / (path.time[i] - path.time[i - 1]);
  return path.loss[i - 1] + Math.min(1, u) * (path.loss[i] - path.loss[i - 1]);
};
const hitTime = (path) => {
  for (let i = 1; i < path.loss.length; i++) {
    if (path.loss[i] <= TARGET) return path.time[i - 1] + ((path.loss[i - 1] - TARGET) / (path.loss[i - 1] - path.loss[i])) * (path.time[i] - path.time[i - 1]);
  }
  return null;
};

test('energy caps: outage trials left out of the curves and the time to target, outageShare as a replay counts them', () => {
  const dir = tmp();
  const r = spawnSync(process.execPath, [BIN, ...ARGS, '--loss-curve', curveFile(), '--out', dir, '--backend', solver.backend], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const lines = readFileSync(join(dir, 'learning.csv'), 'utf8').trim().split('\n');
  assert.is(lines[0], 'clients,budget,energyCapJ,method,time,lossMean,lossCi95,trials,outageShare');
  const rows = lines.slice(1).map((l) => l.split(','));
  let partial = 0;
  let none = 0;
  for (const cap of CAPS) {
    for (const method of ['equal', 'optimal']) {
      const paths = [0, 1].flatMap((drop) => [0, 1, 2, 3, 4, 5].map((trial) => replay(method, cap, drop, trial)));
      const complete = paths.filter((p) => p !== null);
      const share = (12 - complete.length) / 12;
      const mine = rows.filter((c) => Number(c[2]) === cap && c[3] === method);
      const what = `${method} at cap ${cap}`;
      if (complete.length === 0) {
        none++;
        // One row saying so: no time, no loss (never NaN), 0 trials, outage 1.
        assert.equal(mine, [['5', '0.3', String(cap), method, '', '', '', '0', '1']], what);
        continue;
      }
      if (complete.length < 12) partial++;
      assert.ok(mine.length >= 20, `${what}: ${mine.length} rows`);
      for (const c of mine) {
        assert.is(Number(c[7]), complete.length, `${what}: trials`);
        assert.is(Number(c[8]), share, `${what}: outageShare`);
      }
      for (const c of mine.filter((_, i) => i % 7 === 0)) {
        const t = Number(c[4]);
        const values = complete.map((p) => at(p, t));
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        assert.ok(Math.abs(Number(c[5]) - mean) <= 1e-9, `${what} at ${t}: ${c[5]} vs ${mean}`);
      }
      // The rows stop where the shortest complete trial ends.
      const end = Math.min(...complete.map((p) => p.time[ROUNDS]));
      assert.ok(Number(mine[mine.length - 1][4]) <= end * (1 + 1e-12), `${what}: past the shortest trial`);
      // Time to target in the table: over the complete trials that reached it, of all 12.
      const hits = complete.map(hitTime).filter((h) => h !== null);
      const row = r.stdout.split('\n').find((l) => new RegExp(`^\\s+${cap}\\s`).test(l) && /±|not reached|outage/.test(l));
      assert.ok(row, `${what}: no row in the time-to-target table`);
      const cell = row.trim().split(/\s{2,}/)[method === 'equal' ? 1 : 2];
      if (hits.length === 0) assert.is(cell, 'not reached', what);
      else {
        const hours = hits.reduce((a, b) => a + b, 0) / hits.length / 3600;
        const m = /^(\d+\.\d{3}) ± \d+\.\d{3}(?: \((\d+)\/12\))?$/.exec(cell);
        assert.ok(m, `${what}: ${cell}`);
        assert.ok(Math.abs(Number(m[1]) - hours) <= 5e-4 + 1e-12, `${what}: ${m[1]} h vs ${hours} h`);
        assert.is(Number(m[2] ?? 12), hits.length, `${what}: reached`);
      }
    }
  }
  assert.ok(partial >= 2 && none === 1, `grid points with some outage trials: ${partial}, with no complete trial: ${none}`);
  assert.match(r.stdout, /counts as not reached/);
  assert.match(r.stdout, /^\s+0\.4\s+outage in every trial\s/m);
  assert.match(r.stderr, /loss curves cover the trials with a point in every round; equal, optimal had an outage/);
  // The sweep's own per-round share is at most the per-trial share (a trial has R rounds).
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).results;
  for (const res of results) {
    const c = rows.find((x) => Number(x[2]) === res.energyCapJ && x[3] === res.method);
    assert.ok(res.infeasibleShare <= Number(c[8]) && (res.infeasibleShare > 0) === (Number(c[8]) > 0), `${res.method} at ${res.energyCapJ}`);
  }
  // The figure of the cap where equal has no curve says so.
  const spec = JSON.parse(readFileSync(join(dir, 'loss-vs-time_energyCapJ-0.4.vl.json'), 'utf8'));
  assert.ok(spec.title.subtitle.some((l) => /^equal 100% \(no curve\)/.test(l)), spec.title.subtitle.join(' | '));
  assert.ok(spec.data.values.every((v) => v.method === 'optimal' && Number.isFinite(v.y)));
});

test('learning.csv is written while the sweep holds the folder lock', async () => {
  const dir = join(tmp(), 'out');
  const seen = [];
  const io = {
    out: () => {},
    err: (text) => {
      // The line that says learning.csv is written: at that moment the file exists and the
      // lock is still this process's (before, the pass ran after the lock was released).
      if (/wrote .*learning\.csv/.test(text)) {
        const lock = join(dir, 'jcpba.lock');
        seen.push({ csv: existsSync(join(dir, 'learning.csv')), lock: existsSync(lock) ? JSON.parse(readFileSync(lock, 'utf8')).pid : null });
      }
    },
    readStdin: async () => '',
  };
  const code = await main(['sweep', '--clients', '4', '--drops', '1', '--realizations', '2', '--rounds', '3', '--methods', 'equal,optimal', '--loss-curve', curveFile(), '--pruning-limit', '0.6', '--out', dir, '--backend', solver.backend, '--quiet'], io);
  assert.is(code, 0);
  assert.equal(seen, [{ csv: true, lock: process.pid }]);
  // And released at the end.
  assert.is(existsSync(join(dir, 'jcpba.lock')), false);
});

test('a stop signal during the learning pass: no learning.csv, the signal\'s exit code, and --resume writes it', async () => {
  const dir = join(tmp(), 'out');
  const args = ['sweep', '--clients', '4', '--drops', '1', '--realizations', '2', '--rounds', '3', '--methods', 'equal,optimal', '--loss-curve', curveFile(), '--pruning-limit', '0.6', '--out', dir, '--backend', solver.backend];
  const said = [];
  let sent = false;
  const io = {
    out: () => {},
    err: (text) => {
      said.push(text);
      // The last progress line (every unit done): a SIGINT now arrives before the pass.
      if (!sent && /sweep 1\/1 units/.test(text)) {
        sent = true;
        process.emit('SIGINT', 'SIGINT');
      }
    },
    readStdin: async () => '',
  };
  const code = await main([...args, '--progress-every', '0.001'], io);
  assert.ok(sent, said.join(''));
  assert.is(code, 130, said.join(''));
  assert.match(said.join(''), /interrupted in the learning pass; learning\.csv not written/);
  assert.is(existsSync(join(dir, 'learning.csv')), false);
  assert.is(existsSync(join(dir, 'jcpba.lock')), false);
  const again = await main([...args, '--resume', '--quiet'], { ...io, err: () => {} });
  assert.is(again, 0);
  assert.ok(existsSync(join(dir, 'learning.csv')));
});

test('the loss-vs-time figure in the paper style: colour, marker and dash per method, 8 pt, a subtitle saying what the band is', () => {
  const dir = tmp();
  const methods = ['equal', 'bandwidth-only', 'uniform-prune-bandwidth', 'optimal'];
  const r = spawnSync(
    process.execPath,
    [BIN, 'sweep', '--clients', '4', '--drops', '1', '--realizations', '2', '--rounds', '6', '--methods', methods.join(','), '--loss-curve', curveFile(), '--pruning-limit', '0.6', '--target-loss', '2.4', '--out', dir, '--backend', solver.backend, '--quiet'],
    { encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr);
  const spec = JSON.parse(readFileSync(join(dir, 'loss-vs-time.vl.json'), 'utf8'));
  assert.is(spec.width, 200);
  assert.is(spec.config.axis.labelFontSize, FONT_SIZE);
  assert.is(spec.config.legend.labelLimit, 0); // full legend labels
  const line = spec.layer.find((l) => l.mark.type === 'line');
  const points = spec.layer.find((l) => l.mark.type === 'point');
  // One colour, one dash pattern and one marker per method, all different.
  for (const channel of [line.encoding.color, line.encoding.strokeDash, points.encoding.shape]) {
    assert.equal(channel.scale.domain, methods.map(seriesOf));
    const range = channel.scale.range.map((x) => JSON.stringify(x));
    assert.is(new Set(range).size, methods.length, JSON.stringify(channel.scale.range));
  }
  assert.ok(!line.encoding.color.scale.range.some((c) => /^#f0e442$/i.test(c)), 'no yellow');
  assert.ok(spec.title.subtitle.includes('band: 95% CI of the mean (Student t)'));
  assert.ok(spec.title.subtitle.includes('grey line: target loss 2.4'));
  for (const l of spec.title.subtitle) assert.ok(l.length <= 37, `subtitle line too wide for the column: ${l}`);
  const rule = spec.layer.find((l) => l.mark.type === 'rule');
  assert.is(rule.data.values[0].target, 2.4);
  // Markers on a sample of the points only, and on every method's curve.
  const marked = spec.data.values.filter((v) => v.marked);
  assert.ok(marked.length < spec.data.values.length / 5);
  assert.equal([...new Set(marked.map((v) => v.method))].sort(), [...methods].sort());
  // The SVG and, where the optional renderers are installed, its PNG and PDF copies, as for the sweep's figures.
  const files = readdirSync(dir);
  if (files.includes('latency-vs-clients.svg')) assert.ok(files.includes('loss-vs-time.svg'));
  for (const ext of ['png', 'pdf']) if (files.includes(`latency-vs-clients.${ext}`)) assert.ok(files.includes(`loss-vs-time.${ext}`), ext);
});

test.run();
