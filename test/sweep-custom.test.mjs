// Custom methods in sweeps: a user's { id, version, solve } next to the built-in ids.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep, mergeShards } from '../dist/ts/index.js';
import { clientLatencyOf, solver } from './helpers.mjs';

const backend = solver.backend;
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'jcpba-custom-'));
  dirs.push(d);
  return d;
};
const csv = (dir) => readFileSync(join(dir, 'results.csv'), 'utf8');

/** `equal` re-implemented: no pruning, B / K each. */
const myEqual = {
  id: 'my-equal',
  version: '1',
  solve: (p) => ({ pruning: new Array(p.computeSeconds.length).fill(0), bandwidth: new Array(p.computeSeconds.length).fill(p.bandwidthHz / p.computeSeconds.length) }),
};

const config = (methods, extra = {}) => ({
  grid: [{ key: 'clients', values: [5, 9] }, { key: 'fixedSeconds', values: [0, 0.5] }],
  base: { budget: 0.2, prunableComputeFraction: 0.7 },
  seed: 3,
  drops: 2,
  realizations: 20,
  rounds: 2,
  methods,
  tolerance: 1e-10,
  maxIterations: 500,
  ...extra,
});

/** A result row's numbers without its method name. */
const numbers = (row) => ({ point: row.point, stats: row.stats, reductionVsEqual: row.reductionVsEqual, roundsToTarget: row.roundsToTarget, timeToTarget: row.timeToTarget });

test('a custom method that re-implements equal gets the built-in equal numbers (round model v2, targets)', async () => {
  const dir = tmp();
  const out = await runSweep(config(['equal', myEqual, 'optimal'], { rounds0: 100, pruningLimit: 0.5 }), { out: dir, backend, threads: 1 });
  assert.is(out.complete, true);
  const equal = out.rows.filter((r) => r.method === 'equal');
  const mine = out.rows.filter((r) => r.method === 'my-equal');
  assert.is(equal.length, 4);
  assert.is(mine.length, 4);
  for (let i = 0; i < equal.length; i++) {
    if (backend === 'ts') {
      assert.equal(numbers(mine[i]), numbers(equal[i]), 'the same reference code: the same bits');
    } else {
      // The compiled cores' libm may differ from JavaScript's in the last bits.
      for (const k of ['mean', 'min', 'max', 'median', 'p99', 'fineTuningMean', 'meanPruning']) {
        const a = mine[i].stats[k];
        const b = equal[i].stats[k];
        assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${k}: ${a} vs ${b}`);
      }
      assert.is(mine[i].stats.n, equal[i].stats.n);
    }
  }
  const lines = csv(dir).trim().split('\n');
  assert.is(lines.length, 1 + 4 * 3, 'one CSV row per grid point and method');
  assert.ok(lines.some((l) => l.includes(',my-equal,')));
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.equal(json.config.methods, ['equal', 'my-equal', 'optimal']);
  assert.equal(json.config.custom, [{ id: 'my-equal', version: '1' }]);
  const spec = JSON.parse(readFileSync(out.files.find((f) => f.endsWith('.vl.json')), 'utf8'));
  assert.ok(JSON.stringify(spec).includes('my-equal'), 'the figure shows the custom method');
});

test('only custom methods, on any backend, with threads: the same numbers as inline', async () => {
  const a = await runSweep(config([myEqual]), { out: tmp(), backend, threads: 1 });
  const b = await runSweep(config([myEqual]), { out: tmp(), backend, threads: 2 });
  const c = await runSweep(config(['equal']), { out: tmp(), backend: 'ts', threads: 1 });
  assert.equal(a.rows.map(numbers), b.rows.map(numbers));
  assert.equal(a.rows.map((r) => r.stats), c.rows.map((r) => r.stats), 'equal on the TypeScript reference');
});

test('resume and shards: a custom method is part of the identity, and merged shards equal one run', async () => {
  const c = config(['bcd', myEqual]);
  const whole = tmp();
  await runSweep(c, { out: whole, backend, threads: 1 });
  const shards = [0, 1].map(() => tmp());
  for (const [i, d] of shards.entries()) await runSweep(c, { out: d, backend, threads: 1, shard: { index: i, count: 2 } });
  const merged = tmp();
  await mergeShards(merged, shards);
  assert.is(csv(merged), csv(whole));
  // Stopped by an AbortSignal after the first batch, then resumed: the same file.
  const stopped = tmp();
  const ac = new AbortController();
  const first = await runSweep(c, { out: stopped, backend, threads: 1, signal: ac.signal, onProgress: (done) => done > 0 && ac.abort() });
  assert.ok(first.unitsDone < first.unitsTotal, `stopped early: ${first.unitsDone}/${first.unitsTotal}`);
  const second = await runSweep(c, { out: stopped, backend, threads: 1, resume: true });
  assert.is(second.complete, true);
  assert.is(csv(stopped), csv(whole));
  // Another version of the method is another sweep.
  const other = { ...myEqual, version: '2' };
  try {
    await runSweep(config(['bcd', other]), { out: stopped, backend, threads: 1, resume: true });
    assert.unreachable('a new version must not resume the old sweep');
  } catch (e) {
    assert.match(e.message, /different sweep/);
  }
});

test('an infeasible or broken point: a clear error naming the method, the grid point and the realization', async () => {
  const bad = (id, solve) => ({ id, version: 'x', solve });
  const expect = async (method, pattern) => {
    try {
      await runSweep(config(['equal', method], { drops: 1, realizations: 3 }), { out: tmp(), backend, threads: 1 });
      assert.unreachable(`${method.id} must fail`);
    } catch (e) {
      assert.is(e.code, 'invalid-input', e.message);
      assert.match(e.message, new RegExp(`^custom method "${method.id}" \\(version x\\) at grid point 0 \\{"clients":5,"fixedSeconds":0\\}, drop 0, realization 0: `));
      assert.match(e.message, pattern);
    }
  };
  const K = (p) => p.computeSeconds.length;
  await expect(bad('too-much-bandwidth', (p) => ({ pruning: new Array(K(p)).fill(0), bandwidth: new Array(K(p)).fill((p.bandwidthHz / K(p)) * 1.001) })), /bandwidth sums to .* more than B/);
  await expect(bad('over-budget', (p) => ({ pruning: Array.from(p.maxPruning), bandwidth: new Array(K(p)).fill(p.bandwidthHz / K(p)) })), /weighted pruning .* more than the budget 0.2/);
  await expect(bad('above-rmax', (p) => ({ pruning: [p.maxPruning[0] + 0.01, 0, 0, 0, 0], bandwidth: new Array(K(p)).fill(p.bandwidthHz / K(p)) })), /pruning\[0\] = .* outside \[0, maxPruning/);
  await expect(bad('negative', (p) => ({ pruning: [0, -1e-9, 0, 0, 0], bandwidth: new Array(K(p)).fill(p.bandwidthHz / K(p)) })), /pruning\[1\] = -1e-9 is outside/);
  await expect(bad('nan', (p) => ({ pruning: new Array(K(p)).fill(0), bandwidth: [NaN, 1, 1, 1, 1] })), /bandwidth\[0\] is .* not a finite number/);
  await expect(bad('short', () => ({ pruning: [0], bandwidth: [1] })), /pruning has 1 entries, expected one per client \(5\)/);
  await expect(bad('zero-bandwidth', (p) => ({ pruning: new Array(K(p)).fill(0), bandwidth: [p.bandwidthHz, 0, 0, 0, 0] })), /bandwidth\[1\] = 0 Hz is not positive: client 1 would never upload/);
  await expect(bad('throws', () => { throw new Error('boom'); }), /solve threw: boom/);
  await expect(bad('async', async () => ({})), /returned a Promise/);
});

test('energy caps and minimum pruning: a custom point must meet them, and null (no point) counts in infeasibleShare like a built-in infeasible result', async () => {
  // equal re-implemented, returning null where its point would break a cap: the built-in
  // equal's rows, infeasibleShare included (upload energy only, capped at 1 J: some rounds
  // break it).
  const energyOf = (p, k) => (p.txPowerW[k] * p.payloadBits) / ((p.bandwidthHz / p.computeSeconds.length) * Math.log2(1 + (p.txPowerW[k] * p.channelGain[k]) / (p.noisePsdWPerHz * (p.bandwidthHz / p.computeSeconds.length))));
  const cappedEqual = {
    id: 'capped-equal',
    version: '1',
    solve: (p) => {
      for (let k = 0; k < p.computeSeconds.length; k++) if (energyOf(p, k) > (p.energyCapJ?.[k] ?? Infinity)) return null;
      return myEqual.solve(p);
    },
  };
  const capped = { grid: [{ key: 'energyCapJ', values: [1, null] }], base: { clients: 5, computePowerW: 0 }, seed: 1, drops: 1, realizations: 16, methods: ['equal', cappedEqual] };
  const out = await runSweep(capped, { out: tmp(), backend, threads: 1 });
  const [builtin, custom] = [out.rows.filter((r) => r.method === 'equal'), out.rows.filter((r) => r.method === 'capped-equal')];
  assert.ok(builtin[0].stats.infeasibleShare > 0 && builtin[0].stats.infeasibleShare < 1, `share ${builtin[0].stats.infeasibleShare}`);
  builtin.forEach((b, i) => {
    assert.is(custom[i].stats.infeasibleShare, b.stats.infeasibleShare);
    for (const k of ['mean', 'energyMean', 'energyMaxMean']) assert.ok(Math.abs(custom[i].stats[k] - b.stats[k]) <= 1e-9 * b.stats[k], `${k}: ${custom[i].stats[k]} vs ${b.stats[k]}`);
  });
  // The same point returned regardless of the caps: an error naming the client and its cap.
  try {
    await runSweep({ ...capped, methods: [myEqual] }, { out: tmp(), backend, threads: 1 });
    assert.unreachable('a point over a cap must fail');
  } catch (e) {
    assert.match(e.message, /^custom method "my-equal" \(version 1\) at grid point 0 \{"energyCapJ":1\}, drop 0, realization \d+: client \d+ spends .* J, more than its energyCapJ = 1 J \(return null when the caps cannot be met\)/);
  }
  // Devices whose memory forces pruning: a point below minPruning is an error.
  try {
    await runSweep({ grid: [{ key: 'clients', values: [12] }], base: { devices: 'orin-nano-8gb:1,rtx-4070:1', model: 'llama2-7b-lora', budget: 0.5 }, seed: 5, drops: 1, realizations: 1, methods: [myEqual] }, { out: tmp(), backend, threads: 1 });
    assert.unreachable('a point below minPruning must fail');
  } catch (e) {
    assert.match(e.message, /pruning\[\d+\] = 0 is below minPruning = 0\.\d+/);
  }
});

test('a point outside the representable range is refused, naming the client; a tiny but representable bandwidth gets its true latency (audit2 07)', async () => {
  const K = (p) => p.computeSeconds.length;
  // Client 0 gets `tiny` Hz, the others share the rest of the band; nobody prunes.
  const starve = (tiny) => ({
    id: 'starve',
    version: String(tiny),
    solve: (p) => {
      const b = new Array(K(p)).fill((p.bandwidthHz - tiny) / (K(p) - 1));
      b[0] = tiny;
      return { pruning: new Array(K(p)).fill(0), bandwidth: b };
    },
  });
  const run = (method, extra = {}) => runSweep(config(['equal', method], { drops: 1, realizations: 3, ...extra }), { out: tmp(), backend, threads: 1 });
  const refused = async (method, pattern) => {
    try {
      await run(method);
      assert.unreachable(`${method.id} ${method.version} must be refused`);
    } catch (e) {
      assert.is(e.code, 'invalid-input', e.message);
      assert.is(e.client, 0, e.message);
      assert.match(e.message, /^custom method "starve" \(version [^)]+\) at grid point 0 \{"clients":5,"fixedSeconds":0\}, drop 0, realization 0: /);
      assert.match(e.message, pattern);
    }
  };
  // a / b overflows: the computed rate is Infinity and the upload would take 0 s (it was scored so, faster than equal).
  await refused(starve(1e-310), /bandwidth\[0\] = 1e-310 Hz is below the representable range: client 0's upload time .* overflows/);
  await refused({ ...starve(1e-310), solve: (p) => ({ pruning: new Array(K(p)).fill(0), bandwidth: new Array(K(p)).fill(1e-310) }) }, /bandwidth\[0\] = 1e-310 Hz is below the representable range/);
  // A representable upload time (about 1e254 s) whose square the statistics cannot hold.
  await refused(starve(1e-250), /round latency of the point is .* \(client 0: .* s\); expected a positive latency of at most 1e\+120 s/);
  // Inside the range: the true latency, recomputed here from the problem (log1p(a/b) with a/b ~ 1e107).
  const seen = [];
  const tiny = 1e-100;
  const recorded = { ...starve(tiny), solve: (p) => {
    const r = starve(tiny).solve(p);
    let T = 0;
    for (let k = 0; k < K(p); k++) T = Math.max(T, clientLatencyOf(p, k, 0, r.bandwidth[k]));
    seen.push(T);
    return r;
  } };
  const out = await run(recorded, { grid: [{ key: 'clients', values: [5] }, { key: 'fixedSeconds', values: [0] }] });
  const row = out.rows.find((x) => x.method === 'starve');
  assert.is(seen.length, 6, '3 realizations x 2 rounds');
  const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
  assert.ok(mean > 1e100 && mean < 1e110, String(mean));
  assert.ok(Math.abs(row.stats.mean / mean - 1) < 1e-12, `${row.stats.mean} vs ${mean}`);
  for (const v of Object.values(row.stats)) assert.ok(Number.isFinite(v), JSON.stringify(row.stats));
});

test('minimum pruning and energy caps: the points of the library score as the library does; a point below minPruning or over a cap is refused, naming the client', async () => {
  const K = (p) => p.computeSeconds.length;
  const viaSolver = (id, method) => ({ id, version: '1', solve: (p) => { const r = solver.solve(p, { method }); return { pruning: r.pruning, bandwidth: r.bandwidth, iterations: r.iterations, status: r.status }; } });
  const c = (base, methods) => ({ ...config(methods), grid: [{ key: 'clients', values: [6] }], base, seed: 1, drops: 2, realizations: 4, rounds: 1 });
  const refused = async (cfg, pattern) => {
    try {
      await runSweep(cfg, { out: tmp(), backend, threads: 1 });
      assert.unreachable();
    } catch (e) {
      assert.is(e.code, 'invalid-input', e.message);
      assert.ok(Number.isInteger(e.client), e.message);
      assert.match(e.message, pattern);
    }
  };
  // A fleet whose small devices must prune (minPruning 0.41 for some clients).
  await refused(c({ devices: 'edge-mix' }, [myEqual]), /pruning\[0\] = 0 is below minPruning = 0\.41\d*/);
  const fleet = await runSweep(c({ devices: 'edge-mix' }, ['optimal', 'bcd', viaSolver('lib-opt', 'optimal'), viaSolver('lib-bcd', 'bcd')]), { out: tmp(), backend, threads: 1 });
  for (const m of ['optimal', 'bcd']) {
    const own = fleet.rows.find((r) => r.method === m);
    const mine = fleet.rows.find((r) => r.method === `lib-${m === 'optimal' ? 'opt' : m}`);
    // The bcd-optimal gap is kept for the built-in pair only.
    const { gapMean, gapMax, ...stats } = own.stats;
    assert.equal(mine.stats, stats);
  }
  // Equal's point breaks a cap of 6000 J (client 3 spends about 10 kJ); optimal's meets it.
  await refused(c({ energyCapJ: 6000 }, [myEqual]), /client 3 spends 1\d{4}\.?\d* J, more than its energyCapJ = 6000 J/);
});

test('custom method definitions are checked before anything runs', async () => {
  const reject = async (methods, pattern) => {
    try {
      await runSweep(config(methods), { out: tmp(), backend, threads: 1 });
      assert.unreachable();
    } catch (e) {
      assert.match(e.message, pattern);
    }
  };
  await reject([{ ...myEqual, id: 'equal' }], /is a built-in method/);
  await reject([myEqual, { ...myEqual }], /lists "my-equal" twice/);
  await reject([{ ...myEqual, id: 'a b' }], /id must be/);
  await reject([{ ...myEqual, version: undefined }], /version .* must be a non-empty string/);
  await reject([{ id: 'x', version: '1' }], /solve .* must be a function/);
  await reject(['equl'], /unknown method "equl"; did you mean equal\?/);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
