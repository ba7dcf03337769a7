import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toProblem } from '../dist/ts/index.js';
import { instance } from '../dist/ts/core/problem.js';
import { optimal } from '../dist/ts/core/optimal.js';
import { bruteForce, infeasibility, randomProblem, rngFor, solve } from './helpers.mjs';

test('optimal matches a brute force on tiny instances (K = 2, 3)', () => {
  const rng = rngFor(7);
  for (let i = 0; i < 24; i++) {
    const K = i < 16 ? 2 : 3;
    const p = randomProblem(rng, K);
    const brute = bruteForce(p);
    const r = solve(p, { method: 'optimal' });
    assert.ok(r.latency <= brute * (1 + 1e-9), `#${i} K=${K}: optimal ${r.latency} above brute force ${brute}`);
    assert.ok(r.latency >= brute * (1 - 1e-7), `#${i} K=${K}: optimal ${r.latency} far below brute force ${brute}`);
    assert.ok(r.lowerBound <= brute * (1 + 1e-12), `#${i}: certified lower bound ${r.lowerBound} above a feasible point ${brute}`);
  }
});

test('the certificate: lowerBound <= upperBound = latency, bracket within the tolerance', () => {
  const rng = rngFor(11);
  for (let i = 0; i < 60; i++) {
    const p = randomProblem(rng, 1 + Math.floor(rng.uniform() * 40));
    for (const tolerance of [1e-10, 1e-4]) {
      const r = solve(p, { method: 'optimal', tolerance });
      assert.is(r.status, 'converged');
      assert.is(r.upperBound, r.latency);
      assert.ok(r.lowerBound <= r.upperBound, `#${i}: ${r.lowerBound} > ${r.upperBound}`);
      assert.ok(r.upperBound - r.lowerBound <= tolerance * r.upperBound, `#${i}: bracket ${r.lowerBound}..${r.upperBound}`);
    }
  }
});

const ORDER_TOL = 1e-9;
const leq = (x, y) => x <= y * (1 + ORDER_TOL);

test('MODEL.md section 5 orderings and feasibility on hundreds of random instances', () => {
  const rng = rngFor(3);
  const methods = ['equal', 'bandwidth-only', 'uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd', 'optimal'];
  for (let i = 0; i < 300; i++) {
    const K = 1 + Math.floor(rng.uniform() ** 2 * 60);
    const p = randomProblem(rng, K);
    const T = {};
    for (const method of methods) {
      const r = solve(p, { method });
      const bad = infeasibility(p, r);
      assert.is(bad, null, `#${i} K=${K} ${method}: ${bad}`);
      T[method] = r.latency;
    }
    for (const m of methods) assert.ok(leq(T.optimal, T[m]), `#${i}: optimal ${T.optimal} > ${m} ${T[m]}`);
    assert.ok(leq(T.bcd, T['prune-only']), `#${i}: bcd > prune-only`);
    assert.ok(leq(T['prune-only'], T['uniform-prune']), `#${i}: prune-only > uniform-prune`);
    assert.ok(leq(T['uniform-prune'], T.equal), `#${i}: uniform-prune > equal`);
    assert.ok(leq(T['uniform-prune-bandwidth'], T['bandwidth-only']), `#${i}: uniform-prune-bandwidth > bandwidth-only`);
    assert.ok(leq(T['bandwidth-only'], T.equal), `#${i}: bandwidth-only > equal`);
  }
});

test('bcd never rises and says why it stopped', () => {
  const rng = rngFor(5);
  for (let i = 0; i < 30; i++) {
    const p = randomProblem(rng, 20);
    const one = solve(p, { method: 'bcd', maxIterations: 1 });
    const many = solve(p, { method: 'bcd' });
    assert.ok(many.latency <= one.latency);
    assert.ok(['converged', 'iteration-limit'].includes(one.status));
    assert.is(many.status, 'converged');
  }
});

test('optimal (TypeScript reference) makes progress when a probe moves neither end of the bracket', () => {
  // Started from the point of a slightly smaller budget, it once probed the same T forever
  // (the demand just above T* within rounding noise of B); crates/jcpba-core/tests has the twin.
  const p = {
    bandwidthHz: 12723250.763994634,
    noisePsdWPerHz: 3.981071705534986e-21,
    payloadBits: 65949993.276385106,
    pruningBudget: 0.0013181660884131017,
    clients: {
      computeSeconds: [0.6704594730236653, 132.22098919204683, 104.18952477794802, 0.12797269532432215, 0.21193780921245015],
      txPowerW: [0.6489442399752403, 0.004924591754721859, 0.7498488108143301, 0.012181759962921814, 0.017216213634928663],
      channelGain: [1.8804999548699297e-13, 1.12436871787843e-13, 2.519842004624854e-13, 9.973644975885532e-10, 4.0354153362777e-16],
      dataWeight: [191.02551710037267, 419.7759716085254, 2082.6442914925933, 29.88707229823703, 4.632995090315486],
      maxPruning: [0.4672410812859019, 0.2322863231787317, 0.03506298010187215, 0.42946344366737654, 0.7771592203111461],
    },
  };
  const start = {
    pruning: Float64Array.from([0, 0, 0, 0, 0.7744643901940464]),
    bandwidth: Float64Array.from([726.5738260918573, 1819.5755364839063, 708.78779332961, 494.8771701556259, 12719500.949668573]),
    latency: 5908.303010869273,
  };
  const r = optimal(instance(toProblem(p)), start, 1e-10, 500);
  assert.ok(r.converged, `stalled: ${r.iterations} iterations, bracket [${r.lowerBound}, ${r.upperBound}]`);
  assert.ok(r.iterations < 60);
  const cold = solve(p, { method: 'optimal' });
  assert.ok(Math.abs(r.upperBound - cold.latency) <= 1e-10 * cold.latency);
  assert.ok(r.lowerBound <= cold.upperBound && cold.lowerBound <= r.upperBound);
});

// Issue 20 (audit 16): with a tolerance below what doubles certify (1e-17), the bracket stops
// moving after a few evaluations, yet every solve ran on to maxIterations (hours at 2^32 - 1).
test('optimal stops when rounding pins its bracket: iteration-limit, the bracket reached, far before the cap', () => {
  const rng = rngFor(16);
  for (let i = 0; i < 12; i++) {
    const p = randomProblem(rng, 1 + Math.floor(rng.uniform() * 20));
    const ref = solve(p, { method: 'optimal' });
    assert.is(ref.status, 'converged');
    const r = solve(p, { method: 'optimal', tolerance: 1e-17, maxIterations: 5000 });
    assert.ok(r.status === 'iteration-limit' || r.upperBound - r.lowerBound <= 1e-17 * r.upperBound, `#${i}: ${r.status}`);
    assert.ok(r.iterations < 200, `#${i}: ${r.iterations} evaluations`);
    assert.is(infeasibility(p, r), null, `#${i}`);
    assert.ok(r.lowerBound <= r.upperBound && r.upperBound - r.lowerBound <= 1e-12 * r.upperBound, `#${i}: ${r.lowerBound}..${r.upperBound}`);
    // Both brackets hold the optimum.
    assert.ok(r.lowerBound <= ref.upperBound && ref.lowerBound <= r.upperBound, `#${i}: ${r.lowerBound}..${r.upperBound} vs ${ref.lowerBound}..${ref.upperBound}`);
  }
});

test.run();
