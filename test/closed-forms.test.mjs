import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS } from '../dist/ts/index.js';
import { infeasibility, rate, solve } from './helpers.mjs';

const N0 = 10 ** ((-174 - 30) / 10);
const rel = (x, y) => Math.abs(x / y - 1);

function problem(clients, scalars = {}) {
  return {
    bandwidthHz: 2e7,
    noisePsdWPerHz: N0,
    payloadBits: 67108864,
    pruningBudget: 0.3,
    clients,
    ...scalars,
  };
}
const client = (over = {}) => ({ computeSeconds: 12.5, txPowerW: 0.2, channelGain: 2.8e-12, dataWeight: 300, maxPruning: 0.5, ...over });

test('K = 1: the client takes the whole band and prunes min(budget, rmax)', () => {
  for (const [budget, rmax] of [[0.3, 0.5], [0.6, 0.4], [0, 0.5]]) {
    const p = problem([client({ maxPruning: rmax })], { pruningBudget: budget });
    const a = (0.2 * 2.8e-12) / N0;
    const rho = Math.min(budget, rmax);
    const T = (1 - rho) * (12.5 + 67108864 / rate(a, 2e7));
    for (const method of ['prune-only', 'bcd', 'optimal', 'uniform-prune-bandwidth']) {
      const r = solve(p, { method });
      assert.ok(rel(r.latency, T) < 1e-12, `${method} budget=${budget}: ${r.latency} vs ${T}`);
      assert.ok(Math.abs(r.bandwidth[0] - 2e7) <= 2e7 * 1e-12);
    }
  }
});

test('identical clients: the symmetric split B/K and equal pruning, for every method', () => {
  const K = 8;
  const p = problem(Array.from({ length: K }, () => client()));
  const a = (0.2 * 2.8e-12) / N0;
  const U = 12.5 + 67108864 / rate(a, 2e7 / K);
  for (const method of METHODS) {
    const prunes = !['equal', 'bandwidth-only'].includes(method);
    const T = (prunes ? 1 - 0.3 : 1) * U;
    const r = solve(p, { method });
    assert.ok(rel(r.latency, T) < 1e-10, `${method}: ${r.latency} vs ${T}`);
    for (let k = 0; k < K; k++) assert.ok(rel(r.bandwidth[k], 2e7 / K) < 1e-9, `${method} b[${k}]`);
  }
});

test('budget 0: optimal equals bandwidth-only, and nobody prunes', () => {
  const p = problem([client(), client({ computeSeconds: 30, channelGain: 1e-13 }), client({ computeSeconds: 3, channelGain: 9e-12 })], { pruningBudget: 0 });
  const opt = solve(p, { method: 'optimal' });
  const bw = solve(p, { method: 'bandwidth-only' });
  assert.ok(rel(opt.latency, bw.latency) < 1e-9, `${opt.latency} vs ${bw.latency}`);
  for (const rho of opt.pruning) assert.is(rho, 0);
});

test('a budget above every maxPruning: every client prunes its cap (optimal = uniform-prune-bandwidth)', () => {
  const p = problem(
    [client({ maxPruning: 0.2 }), client({ computeSeconds: 30, channelGain: 1e-13, maxPruning: 0.4 }), client({ computeSeconds: 3, maxPruning: 0.1 })],
    { pruningBudget: 0.45 },
  );
  const opt = solve(p, { method: 'optimal' });
  const upb = solve(p, { method: 'uniform-prune-bandwidth' });
  assert.equal(Array.from(opt.pruning), [0.2, 0.4, 0.1]);
  assert.ok(rel(opt.latency, upb.latency) < 1e-9, `${opt.latency} vs ${upb.latency}`);
});

test('bandwidth so large the round is compute-bound: T is block A over c_k + S ln2 / a_k', () => {
  // With b_k >> a_k the upload time is S ln2 / a_k up to relative a_k / (2 b_k).
  const clients = [40, 20, 10].map((c, k) => client({ computeSeconds: c, dataWeight: k === 2 ? 2 : 1, maxPruning: 0.9 }));
  const p = problem(clients, { bandwidthHz: 1e16, pruningBudget: 0.2 });
  const a = (0.2 * 2.8e-12) / N0;
  const U = clients.map((c) => c.computeSeconds + (67108864 * Math.LN2) / a);
  // Water-filling by hand: the two slow clients prune to the same T, the fast one not at all:
  // (1/4)(1 - T/U0) + (1/4)(1 - T/U1) = 0.2  =>  T = 0.3 / (1/(4 U0) + 1/(4 U1)).
  const T = 0.3 / (1 / (4 * U[0]) + 1 / (4 * U[1]));
  assert.ok(T > U[2], 'the fast client is not pruned');
  for (const method of ['optimal', 'bcd']) {
    const r = solve(p, { method });
    assert.ok(rel(r.latency, T) < 1e-6, `${method}: ${r.latency} vs ${T}`);
    assert.is(infeasibility(toColumns(p), r), null, `${method}: ${infeasibility(toColumns(p), r)}`);
  }
});

function toColumns(p) {
  const col = (f) => Float64Array.from(p.clients.map((c) => c[f]));
  return {
    bandwidthHz: p.bandwidthHz,
    noisePsdWPerHz: p.noisePsdWPerHz,
    payloadBits: p.payloadBits,
    pruningBudget: p.pruningBudget,
    computeSeconds: col('computeSeconds'),
    txPowerW: col('txPowerW'),
    channelGain: col('channelGain'),
    dataWeight: col('dataWeight'),
    maxPruning: col('maxPruning'),
  };
}

test.run();
