// A fuzzer for custom-method points through runSweep (audit 2, issue 20): random points at
// scales across the representable range, on both sides of every check of
// ts/sweep/custom.ts. An accepted point's latency is recomputed here from MODEL.md
// sections 2 and 9 (its own rate formula) and must match the sweep's statistics to 1e-12;
// a point outside the range or the constraints is refused with one line naming the
// method, grid point, drop, realization and client (never NaN, never a crash).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../dist/ts/index.js';
import { solver } from './helpers.mjs';

const backend = solver.backend;
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'jcpba-custom-fuzz-'));
  dirs.push(d);
  return d;
};

/** mulberry32: a small seeded generator of its own, independent of the library's. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Upload rate r(b) = b log2(1 + a / b), a = p g / N0 (MODEL.md 2), through log1p. */
const rateOf = (a, b) => (b * Math.log1p(a / b)) / Math.LN2;

/** The round latency of a point (MODEL.md 9: t0 + c (1 - phi_c rho) + S (1 - phi_s rho) / r). */
function latencyOf(p, pruning, bandwidth) {
  let T = 0;
  for (let k = 0; k < p.computeSeconds.length; k++) {
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const t0 = p.fixedSeconds?.length ? p.fixedSeconds[k] : 0;
    const tau = t0 + p.computeSeconds[k] * (1 - (p.prunableComputeFraction ?? 1) * pruning[k]) + (p.payloadBits * (1 - (p.prunablePayloadFraction ?? 1) * pruning[k])) / rateOf(a, bandwidth[k]);
    T = Math.max(T, tau);
  }
  return T;
}

/**
 * A random feasible point: bandwidth shares spread over up to 200 decades (the smallest
 * still representable: its upload time at most about 1e100 s), at times the whole band to
 * the last bit; pruning in [0, rmax] scaled under the budget, at times at a box end.
 */
function feasiblePoint(p, u) {
  const K = p.computeSeconds.length;
  const B = p.bandwidthHz;
  const wsum = p.dataWeight.reduce((s, x) => s + x, 0);
  const share = new Float64Array(K);
  const spread = u() < 0.3 ? 200 : u() * 20;
  for (let k = 0; k < K; k++) share[k] = 10 ** (-spread * u());
  const sum = share.reduce((s, x) => s + x, 0);
  const bandwidth = Array.from(share, (x) => (B * x) / sum);
  // Keep every upload time representable with margin: at least the bandwidth where S / r(b) ~ 1e100 s.
  for (let k = 0; k < K; k++) bandwidth[k] = Math.max(bandwidth[k], 1e-90 * B);
  const total = bandwidth.reduce((s, x) => s + x, 0);
  if (total > B) for (let k = 0; k < K; k++) bandwidth[k] *= B / total / (1 + 4e-16 * K);
  const pruning = Array.from({ length: K }, (_, k) => {
    const r = u();
    return r < 0.2 ? 0 : r < 0.4 ? p.maxPruning[k] : u() * p.maxPruning[k];
  });
  let used = 0;
  for (let k = 0; k < K; k++) used += (p.dataWeight[k] / wsum) * pruning[k];
  if (used > p.pruningBudget) for (let k = 0; k < K; k++) pruning[k] *= (p.pruningBudget / used) * (1 - 1e-12);
  return { pruning, bandwidth };
}

const grid = [{ key: 'clients', values: [1, 3, 8] }, { key: 'fixedSeconds', values: [0, 0.5] }];

test('accepted points: the sweep scores each with its true latency (recomputed here, 1e-12), never NaN', async () => {
  for (const seed of [1, 2, 3]) {
    const u = rng(seed);
    const seen = new Map(); // "grid point" -> latencies, in call order
    let at = '';
    const method = {
      id: 'fuzz',
      version: String(seed),
      solve: (p) => {
        const r = feasiblePoint(p, u);
        const key = `${p.computeSeconds.length},${p.fixedSeconds?.length ? p.fixedSeconds[0] : 0}`;
        at = key;
        if (!seen.has(key)) seen.set(key, []);
        seen.get(key).push(latencyOf(p, r.pruning, r.bandwidth));
        return r;
      },
    };
    const out = await runSweep(
      { grid, base: { budget: 0.2, prunableComputeFraction: 0.7, prunablePayloadFraction: 0.9 }, seed, drops: 2, realizations: 12, rounds: 1, methods: [method] },
      { out: tmp(), backend, threads: 1 },
    );
    assert.ok(at !== '');
    assert.is(out.rows.length, 6);
    for (const row of out.rows) {
      const T = seen.get(`${row.point.clients},${row.point.fixedSeconds}`);
      assert.is(row.stats.rounds ?? row.stats.n, T.length);
      const mean = T.reduce((s, x) => s + x, 0) / T.length;
      assert.ok(Math.abs(row.stats.mean / mean - 1) <= 1e-12, `seed ${seed} ${JSON.stringify(row.point)}: mean ${row.stats.mean} vs ${mean}`);
      assert.ok(Math.abs(row.stats.max / Math.max(...T) - 1) <= 1e-12, `max ${row.stats.max} vs ${Math.max(...T)}`);
      assert.ok(Math.abs(row.stats.min / Math.min(...T) - 1) <= 1e-12, `min ${row.stats.min} vs ${Math.min(...T)}`);
      for (const [k, v] of Object.entries(row.stats)) assert.ok(v === null || !Number.isNaN(v), `${k} is NaN`);
    }
  }
});

/** Ways to break a feasible point at one client: each must be refused, naming that client when it is one client's fault. */
const BREAKS = [
  ['nan bandwidth', (r, k) => (r.bandwidth[k] = NaN), /bandwidth\[K\] is null, not a finite number|bandwidth\[K\] is NaN/, true],
  ['infinite bandwidth', (r, k) => (r.bandwidth[k] = Infinity), /bandwidth\[K\] is .*, not a finite number/, true],
  ['negative bandwidth', (r, k) => (r.bandwidth[k] = -r.bandwidth[k]), /bandwidth\[K\] = -.* Hz is not positive/, true],
  ['zero bandwidth', (r, k) => (r.bandwidth[k] = 0), /bandwidth\[K\] = 0 Hz is not positive/, true],
  ['subnormal bandwidth', (r, k) => (r.bandwidth[k] = 1e-310), /bandwidth\[K\] = 1e-310 Hz is below the representable range/, true],
  ['over the band', (r) => r.bandwidth.forEach((_, i) => (r.bandwidth[i] *= 1.000001)), /the bandwidth sums to .* Hz, more than B = /, false],
  ['above rmax', (r, k, p) => (r.pruning[k] = p.maxPruning[k] + 1e-9), /pruning\[K\] = .* is outside \[0, maxPruning = /, true],
  ['negative pruning', (r, k) => (r.pruning[k] = -1e-12), /pruning\[K\] = -1e-12 is outside/, true],
  ['nan pruning', (r, k) => (r.pruning[k] = NaN), /pruning\[K\] is .*, not a finite number/, true],
  ['over the budget', (r, _k, p) => r.pruning.forEach((_, i) => (r.pruning[i] = p.maxPruning[i])), /the weighted pruning .* is more than the budget|pruning/, false],
  ['too short', (r) => r.bandwidth.pop(), /bandwidth has \d+ entries, expected one per client/, false],
];

test('broken points: refused with one line naming method, grid point, drop, realization and client', async () => {
  const u = rng(7);
  let cases = 0;
  for (let i = 0; i < 60; i++) {
    const [name, breakIt, pattern, perClient] = BREAKS[i % BREAKS.length];
    const K = [1, 3, 8][Math.floor(u() * 3)];
    const realizations = 4;
    const failAt = Math.floor(u() * realizations);
    const client = Math.floor(u() * K);
    let calls = 0;
    let broke = false;
    const method = {
      id: `fuzz-${i}`,
      version: name.replace(/ /g, '-'),
      solve: (p) => {
        const r = feasiblePoint(p, u);
        if (calls++ === failAt) {
          // 'over the budget' breaks nothing when every rmax is 0 or the budget holds them all.
          breakIt(r, client, p);
          broke = true;
        }
        return r;
      },
    };
    let error;
    try {
      await runSweep({ grid: [{ key: 'clients', values: [K] }], base: { budget: 0.05 }, seed: 100 + i, drops: 1, realizations, rounds: 1, methods: [method] }, { out: tmp(), backend, threads: 1 });
    } catch (e) {
      error = e;
    }
    assert.ok(broke, `${name}: the point was broken`);
    if (error === undefined) {
      // Only a break that left the point feasible may pass: the budget one when rmax allows it.
      assert.is(name, 'over the budget', `${name} (K = ${K}) was accepted`);
      continue;
    }
    cases++;
    assert.is(error.code, 'invalid-input', `${name}: ${error.message}`);
    assert.not.match(error.message, /\n/);
    const prefix = `custom method "fuzz-${i}" (version ${method.version}) at grid point 0 {"clients":${K}}, drop 0, realization ${failAt}: `;
    assert.ok(error.message.startsWith(prefix), `${name}: ${error.message}`);
    assert.match(error.message.slice(prefix.length), new RegExp(pattern.source.replace(/K/g, String(client))));
    if (perClient) assert.is(error.client, client, `${name}: ${error.message}`);
  }
  assert.ok(cases >= 55, `${cases} refusals`);
});

test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
test.run();
