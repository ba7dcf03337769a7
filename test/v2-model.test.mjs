// Round model v2 (MODEL.md section 8): fixed time t0_k and the prunable fractions phi_c,
// phi_s, in every method on the backend under test, against closed forms, a brute force
// and the orderings of MODEL.md section 5.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { METHODS, toProblem } from '../dist/ts/index.js';
import { bruteForce, infeasibility, randomV2Problem, rate, rngFor, solve } from './helpers.mjs';

const N0 = 10 ** ((-174 - 30) / 10);
const rel = (x, y) => Math.abs(x / y - 1);
const client = (over = {}) => ({ computeSeconds: 12.5, txPowerW: 0.2, channelGain: 2.8e-12, dataWeight: 300, maxPruning: 0.5, ...over });
function problem(clients, scalars = {}) {
  return { bandwidthHz: 2e7, noisePsdWPerHz: N0, payloadBits: 67108864, pruningBudget: 0.3, clients, ...scalars };
}
const A = (0.2 * 2.8e-12) / N0;
const PRUNING_METHODS = ['uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];
const MODELS = [
  { t0: 0, phiC: 1, phiS: 1 },
  { t0: 4, phiC: 1, phiS: 1 },
  { t0: 0, phiC: 0.3, phiS: 0.9 },
  { t0: 7, phiC: 0.6, phiS: 0.2 },
  { t0: 2, phiC: 0, phiS: 0.5 },
  { t0: 2, phiC: 0.5, phiS: 0 },
  { t0: 30, phiC: 1, phiS: 0.1 },
];
const tau = (m, rho, b) => m.t0 + 12.5 * (1 - m.phiC * rho) + (67108864 * (1 - m.phiS * rho)) / rate(A, b);

test('K = 1: the whole band, pruning min(budget, rmax), tau = t0 + c (1 - phi_c rho) + S (1 - phi_s rho) / r(B)', () => {
  for (const m of MODELS) {
    for (const [budget, rmax] of [[0.3, 0.5], [0.6, 0.4], [0, 0.5]]) {
      const p = problem([client({ maxPruning: rmax, fixedSeconds: m.t0 })], {
        pruningBudget: budget,
        prunableComputeFraction: m.phiC,
        prunablePayloadFraction: m.phiS,
      });
      const rho = Math.min(budget, rmax);
      const T = tau(m, rho, 2e7);
      for (const method of PRUNING_METHODS) {
        const r = solve(p, { method });
        assert.ok(rel(r.latency, T) < 1e-12, `${JSON.stringify(m)} budget=${budget} ${method}: ${r.latency} vs ${T}`);
        assert.ok(Math.abs(r.pruning[0] - rho) < 1e-12, `${method}: rho ${r.pruning[0]} vs ${rho}`);
        assert.ok(rel(r.bandwidth[0], 2e7) < 1e-12, method);
      }
      for (const method of ['equal', 'bandwidth-only']) assert.ok(rel(solve(p, { method }).latency, tau(m, 0, 2e7)) < 1e-12, method);
    }
  }
});

test('identical clients: B/K each and equal pruning, for every method', () => {
  const K = 6;
  for (const m of MODELS) {
    const p = problem(
      Array.from({ length: K }, () => client({ fixedSeconds: m.t0 })),
      { prunableComputeFraction: m.phiC, prunablePayloadFraction: m.phiS },
    );
    for (const method of METHODS) {
      const rho = ['equal', 'bandwidth-only'].includes(method) ? 0 : 0.3;
      const r = solve(p, { method });
      assert.ok(rel(r.latency, tau(m, rho, 2e7 / K)) < 1e-10, `${JSON.stringify(m)} ${method}: ${r.latency} vs ${tau(m, rho, 2e7 / K)}`);
      for (let k = 0; k < K; k++) {
        assert.ok(rel(r.bandwidth[k], 2e7 / K) < 1e-9, `${method} b[${k}]`);
        assert.ok(Math.abs(r.pruning[k] - rho) < 1e-9, `${method} rho[${k}] ${r.pruning[k]}`);
      }
    }
  }
});

test('phi_c = phi_s = 0 (pruning changes nothing): the B/K methods give equal, the others bandwidth-only', () => {
  const rng = rngFor(101);
  for (let i = 0; i < 60; i++) {
    const p = randomV2Problem(rng, 1 + Math.floor(rng.uniform() * 30), { prunableComputeFraction: 0, prunablePayloadFraction: 0 });
    const equal = solve(p, { method: 'equal' }).latency;
    const bw = solve(p, { method: 'bandwidth-only' }).latency;
    for (const method of ['uniform-prune', 'prune-only']) {
      const r = solve(p, { method });
      assert.ok(rel(r.latency, equal) < 1e-12, `#${i} ${method}: ${r.latency} vs equal ${equal}`);
    }
    for (const method of ['uniform-prune-bandwidth', 'bcd', 'optimal']) {
      const r = solve(p, { method });
      assert.ok(rel(r.latency, bw) < 1e-9, `#${i} ${method}: ${r.latency} vs bandwidth-only ${bw}`);
      assert.is(infeasibility(p, r), null, `#${i} ${method}`);
    }
    // Pruning buys nothing, so the methods that choose it do not prune.
    for (const method of ['prune-only', 'bcd', 'optimal']) {
      for (const rho of solve(p, { method }).pruning) assert.is(rho, 0, `#${i} ${method}`);
    }
  }
});

test('a common fixed time t0 shifts every method\'s latency by t0', () => {
  const rng = rngFor(102);
  for (let i = 0; i < 40; i++) {
    const K = 1 + Math.floor(rng.uniform() * 25);
    const base = randomV2Problem(rng, K);
    delete base.fixedSeconds;
    const T0 = solve(base, { method: 'equal' }).latency;
    for (const scale of [0.5, 1e3]) {
      const t0 = scale * T0;
      const shifted = { ...base, fixedSeconds: new Float64Array(K).fill(t0) };
      for (const method of METHODS) {
        const a = solve(base, { method }).latency;
        const b = solve(shifted, { method }).latency;
        assert.ok(Math.abs(b - (a + t0)) <= 1e-9 * (a + t0), `#${i} ${method} t0=${t0}: ${b} vs ${a} + t0`);
      }
    }
  }
});

test('optimal matches a brute force on tiny v2 instances (K = 2, 3; random t0, phi_c, phi_s)', () => {
  const rng = rngFor(103);
  for (let i = 0; i < 24; i++) {
    const K = i < 16 ? 2 : 3;
    const p = randomV2Problem(rng, K);
    const brute = bruteForce(p);
    const r = solve(p, { method: 'optimal' });
    assert.ok(r.latency <= brute * (1 + 1e-9), `#${i} K=${K}: optimal ${r.latency} above brute force ${brute}`);
    assert.ok(r.latency >= brute * (1 - 1e-7), `#${i} K=${K}: optimal ${r.latency} far below brute force ${brute}`);
    assert.ok(r.lowerBound <= brute * (1 + 1e-12), `#${i}: certified lower bound ${r.lowerBound} above a feasible point ${brute}`);
  }
});

const leq = (x, y) => x <= y * (1 + 1e-9);

test('MODEL.md section 5 orderings, feasibility and the certificate on hundreds of random v2 instances', () => {
  const rng = rngFor(104);
  for (let i = 0; i < 300; i++) {
    const K = 1 + Math.floor(rng.uniform() ** 2 * 60);
    const p = randomV2Problem(rng, K);
    const T = {};
    for (const method of METHODS) {
      const r = solve(p, { method });
      const bad = infeasibility(p, r);
      assert.is(bad, null, `#${i} K=${K} ${method}: ${bad}`);
      T[method] = r.latency;
      if (method === 'optimal') {
        assert.is(r.status, 'converged', `#${i}`);
        assert.ok(r.lowerBound <= r.upperBound && r.upperBound === r.latency, `#${i}: [${r.lowerBound}, ${r.upperBound}]`);
        assert.ok(r.upperBound - r.lowerBound <= 1e-10 * r.upperBound, `#${i}: bracket [${r.lowerBound}, ${r.upperBound}]`);
      }
    }
    for (const m of METHODS) assert.ok(leq(T.optimal, T[m]), `#${i}: optimal ${T.optimal} > ${m} ${T[m]}`);
    assert.ok(leq(T.bcd, T['prune-only']), `#${i}: bcd > prune-only`);
    assert.ok(leq(T['prune-only'], T['uniform-prune']), `#${i}: prune-only > uniform-prune`);
    assert.ok(leq(T['uniform-prune'], T.equal), `#${i}: uniform-prune > equal`);
    assert.ok(leq(T['uniform-prune-bandwidth'], T['bandwidth-only']), `#${i}: uniform-prune-bandwidth > bandwidth-only`);
    assert.ok(leq(T['bandwidth-only'], T.equal), `#${i}: bandwidth-only > equal`);
  }
});

test('the row and columnar JSON forms and the canonical form give the same answer', () => {
  const rng = rngFor(105);
  const p = randomV2Problem(rng, 7, { fixedSeconds: Float64Array.from({ length: 7 }, (_, k) => k) });
  const fields = ['computeSeconds', 'txPowerW', 'channelGain', 'dataWeight', 'maxPruning', 'fixedSeconds'];
  const scalars = {
    bandwidthHz: p.bandwidthHz,
    noisePsdWPerHz: p.noisePsdWPerHz,
    payloadBits: p.payloadBits,
    pruningBudget: p.pruningBudget,
    prunableComputeFraction: p.prunableComputeFraction,
    prunablePayloadFraction: p.prunablePayloadFraction,
  };
  const rows = { ...scalars, clients: Array.from({ length: 7 }, (_, k) => Object.fromEntries(fields.map((f) => [f, p[f][k]]))) };
  const columns = { ...scalars, clients: Object.fromEntries(fields.map((f) => [f, Array.from(p[f])])) };
  for (const method of ['bcd', 'optimal']) {
    const want = solve(p, { method }).latency;
    assert.is(solve(rows, { method }).latency, want);
    assert.is(solve(columns, { method }).latency, want);
  }
  // A row without fixedSeconds has none.
  rows.clients[3] = { ...rows.clients[3] };
  delete rows.clients[3].fixedSeconds;
  const q = { ...p, fixedSeconds: Float64Array.from(p.fixedSeconds, (x, k) => (k === 3 ? 0 : x)) };
  assert.is(solve(rows, { method: 'optimal' }).latency, solve(q, { method: 'optimal' }).latency);
});

test('a misspelt or unknown key is an error naming it, in every form', () => {
  const base = problem([client(), client({ computeSeconds: 3 })]);
  const cases = [
    [{ ...base, fixedSecond: 1 }, 'fixedSecond', /^problem has an unknown field "fixedSecond"; expected bandwidthHz, /],
    [{ ...base, prunableFraction: 0.5 }, 'prunableFraction', /unknown field "prunableFraction"/],
    [{ ...base, clients: [client(), client({ fixedSecond: 2 })] }, 'clients[1].fixedSecond', /^clients\[1\] has an unknown field "fixedSecond"; expected computeSeconds, txPowerW, channelGain, dataWeight, maxPruning, fixedSeconds, minPruning, computePowerW, fixedJoules, energyCapJ, device$/],
    [{ ...base, clients: { computeSeconds: [1], txPowerW: [1], channelGain: [1e-12], dataWeight: [1], maxPruning: [0], fixedSecond: [1] } }, 'clients.fixedSecond', /^clients has an unknown field "fixedSecond"/],
    [{ ...toProblem(base), fixedSecond: new Float64Array(2) }, 'fixedSecond', /^problem has an unknown field "fixedSecond"/],
  ];
  for (const [p, field, pattern] of cases) {
    try {
      solve(p, { method: 'optimal' });
      assert.unreachable(`accepted ${field}`);
    } catch (e) {
      assert.is(e.code, 'invalid-input', field);
      assert.is(e.field, field);
      assert.match(e.message, pattern);
    }
  }
});

test('bad v2 fields are errors naming the field and the client', () => {
  const cases = [
    [problem([client()], { prunableComputeFraction: 1.5 }), 'prunableComputeFraction must be a finite number in [0, 1]'],
    [problem([client()], { prunableComputeFraction: -0.1 }), 'prunableComputeFraction must be a finite number in [0, 1]'],
    [problem([client()], { prunablePayloadFraction: 2 }), 'prunablePayloadFraction must be a finite number in [0, 1]'],
    [problem([client()], { prunablePayloadFraction: '0.5' }), 'prunablePayloadFraction must be a number (got the string "0.5")'],
    [problem([client(), client({ fixedSeconds: -1 })]), 'clients[1].fixedSeconds must be a finite number >= 0'],
    [problem([client({ fixedSeconds: null })]), 'clients[0].fixedSeconds must be a number (got null)'],
    [{ ...problem([]), clients: { computeSeconds: [1, 2], txPowerW: [1, 1], channelGain: [1e-12, 1e-12], dataWeight: [1, 1], maxPruning: [0, 0], fixedSeconds: [1] } }, 'clients.fixedSeconds has 1 entries but clients.computeSeconds has 2'],
  ];
  for (const [p, message] of cases) {
    try {
      solve(p, { method: 'bcd' });
      assert.unreachable(message);
    } catch (e) {
      assert.is(e.message, message);
      assert.is(e.code, 'invalid-input');
    }
  }
});

test.run();
