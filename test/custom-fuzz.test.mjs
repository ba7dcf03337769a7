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

/** The bandwidth at which client k's whole upload S / r(b) takes `seconds` (r grows with b: bisection in log b). */
function bandwidthFor(p, k, seconds) {
  const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
  // Below about a * 1e-300 Hz, a / b overflows and the computed upload is 0 s: start above.
  let lo = Math.log(a * 1e-300);
  let hi = Math.log(p.bandwidthHz);
  for (let i = 0; i < 200; i++) {
    const m = (lo + hi) / 2;
    if (p.payloadBits / rateOf(a, Math.exp(m)) > seconds) lo = m;
    else hi = m;
  }
  return Math.exp(hi);
}

/** The largest round latency a custom point may have (ts/sweep/custom.ts LATENCY_LIMIT). */
const LIMIT = 1e120;

/**
 * Points at the edges of what is accepted. Each edge moves one client (or a sum) to just
 * inside or just outside: `inside` points must be scored with their true latency, the
 * others refused naming that client.
 */
const EDGES = [
  // A client whose upload alone takes close to the most a sweep's statistics hold.
  ['upload near the latency limit', (r, k, p) => (r.pruning[k] = 0, r.bandwidth[k] = bandwidthFor(p, k, LIMIT * 0.999)), true],
  ['upload over the latency limit', (r, k, p) => (r.pruning[k] = 0, r.bandwidth[k] = bandwidthFor(p, k, LIMIT * 1.001)), false, /the round latency of the point is .* s \(client K: .* s\); expected a positive latency of at most 1e\+120 s/],
  // Normal doubles whose a / b is still finite but the upload far beyond the limit.
  ['bandwidth 1e-290 Hz', (r, k) => (r.bandwidth[k] = 1e-290), false, /client K: .*expected a positive latency of at most 1e\+120 s/],
  // a / b overflows (the computed rate would be Infinity, the upload 0 s) or the upload does.
  ['bandwidth 1e-305 Hz', (r, k) => (r.bandwidth[k] = 1e-305), false, /bandwidth\[K\] = 1e-305 Hz is below the representable range: client K's upload time S \/ r\(b\) (is computed as 0 s|overflows a double)/],
  ['smallest subnormal bandwidth', (r, k) => (r.bandwidth[k] = 5e-324), false, /bandwidth\[K\] = 5e-324 Hz is below the representable range/],
  // The band used to its tolerance (1e-12 relative) and just past it.
  ['band to 1 + 5e-13', (r, _k, p) => { const s = r.bandwidth.reduce((x, y) => x + y, 0); r.bandwidth.forEach((b, i) => (r.bandwidth[i] = (b / s) * p.bandwidthHz * (1 + 5e-13))); }, true],
  ['band to 1 + 3e-12', (r, _k, p) => { const s = r.bandwidth.reduce((x, y) => x + y, 0); r.bandwidth.forEach((b, i) => (r.bandwidth[i] = (b / s) * p.bandwidthHz * (1 + 3e-12))); }, false, /the bandwidth sums to .* Hz, more than B = /],
  // Pruning at the ends of client k's box.
  ['one client pruned to min(rmax, budget)', (r, k, p) => { r.pruning.fill(0); r.pruning[k] = Math.min(p.maxPruning[k], 0.05); }, true],
  ['pruning rmax + 1 ulp', (r, k, p) => { r.pruning.fill(0); r.pruning[k] = p.maxPruning[k] + Number.EPSILON * Math.max(p.maxPruning[k], 2 ** -52); }, false, /pruning\[K\] = .* is outside \[0, maxPruning = /],
  ['pruning -5e-324', (r, k) => (r.pruning[k] = -5e-324), false, /pruning\[K\] = -5e-324 is outside \[0, maxPruning/],
];

test('edges: points just inside are scored with their true latency, points just outside refused naming the client', async () => {
  const u = rng(11);
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 80; i++) {
    const [name, edge, inside, pattern] = EDGES[i % EDGES.length];
    const K = [1, 2, 5][Math.floor(u() * 3)];
    const realizations = 6;
    const failAt = Math.floor(u() * realizations);
    const client = Math.floor(u() * K);
    const latencies = [];
    let calls = 0;
    const method = {
      id: `edge-${i}`,
      version: '1',
      solve: (p) => {
        const r = feasiblePoint(p, u);
        // Inside edges apply at every realization (the statistics see them); outside ones once.
        if (inside || calls === failAt) edge(r, client, p);
        calls++;
        latencies.push(latencyOf(p, r.pruning, r.bandwidth));
        return r;
      },
    };
    let out;
    let error;
    try {
      out = await runSweep({ grid: [{ key: 'clients', values: [K] }], base: { budget: 0.05, fixedSeconds: 0.5 }, seed: 500 + i, drops: 1, realizations, rounds: 1, methods: [method] }, { out: tmp(), backend, threads: 1 });
    } catch (e) {
      error = e;
    }
    if (inside) {
      assert.is(error, undefined, `${name} (K = ${K}): ${error?.message}`);
      const [row] = out.rows;
      const mean = latencies.reduce((s, x) => s + x, 0) / latencies.length;
      assert.ok(Math.abs(row.stats.mean / mean - 1) <= 1e-12, `${name}: mean ${row.stats.mean} vs ${mean}`);
      assert.ok(Math.abs(row.stats.max / Math.max(...latencies) - 1) <= 1e-12, `${name}: max ${row.stats.max} vs ${Math.max(...latencies)}`);
      for (const [k, v] of Object.entries(row.stats)) assert.ok(v === null || !Number.isNaN(v), `${name}: ${k} is NaN`);
      accepted++;
      continue;
    }
    assert.ok(error !== undefined, `${name} (K = ${K}) was accepted`);
    assert.is(error.code, 'invalid-input', `${name}: ${error.message}`);
    assert.not.match(error.message, /\n/);
    const prefix = `custom method "edge-${i}" (version 1) at grid point 0 {"clients":${K}}, drop 0, realization ${failAt}: `;
    assert.ok(error.message.startsWith(prefix), `${name}: ${error.message}`);
    const rest = error.message.slice(prefix.length);
    assert.match(rest, new RegExp(pattern.source.replace(/K/g, String(client))), `${name}: ${rest}`);
    if (/K/.test(pattern.source)) assert.is(error.client, client, `${name}: ${error.message}`);
    refused++;
  }
  assert.is(accepted, 24);
  assert.is(refused, 56);
});

test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
test.run();
