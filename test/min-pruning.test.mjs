// Minimum pruning (MODEL.md section 12) in the uniform rule and in the planner, on the
// TypeScript reference: the rule against its definition, the planner's budgets from
// sum_k w_k rmin_k, its static plan against a search over whole round counts written out
// here, and the planner's error when the least pruning reaches Pmax.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { instance } from '../dist/ts/core/problem.js';
import { solveInstance } from '../dist/ts/core/methods.js';
import { plan } from '../dist/ts/core/plan.js';
import { Random } from '../dist/ts/core/rng.js';

const F64 = (a) => Float64Array.from(a);

function randomBoxed(rng, K) {
  const u = () => rng.uniform();
  const logU = (lo, hi) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
  const p = {
    bandwidthHz: logU(1e6, 1e8),
    noisePsdWPerHz: 4e-21,
    payloadBits: logU(1e6, 1e9),
    pruningBudget: 0.5,
    computeSeconds: new Float64Array(K),
    txPowerW: new Float64Array(K),
    channelGain: new Float64Array(K),
    dataWeight: new Float64Array(K),
    maxPruning: new Float64Array(K),
    minPruning: new Float64Array(K),
  };
  for (let k = 0; k < K; k++) {
    p.computeSeconds[k] = logU(0.1, 100);
    p.txPowerW[k] = logU(0.01, 1);
    p.channelGain[k] = logU(1e-14, 1e-10);
    p.dataWeight[k] = logU(1, 100);
    p.maxPruning[k] = 0.2 + 0.7 * u();
    p.minPruning[k] = u() < 0.4 ? 0 : u() * p.maxPruning[k];
  }
  return p;
}

const weightsOf = (p) => {
  let s = 0;
  for (const x of p.dataWeight) s += x;
  return Array.from(p.dataWeight, (x) => x / s);
};
const leastPruning = (p) => weightsOf(p).reduce((s, w, k) => s + w * p.minPruning[k], 0);

test('the uniform rule is clip(u, rmin_k, rmax_k) with the largest u that keeps the budget', () => {
  const rng = new Random(21, 0, 0);
  for (let i = 0; i < 200; i++) {
    const K = 1 + Math.floor(rng.uniform() * 9);
    const p = randomBoxed(rng, K);
    const least = leastPruning(p);
    p.pruningBudget = least + rng.uniform() * (0.95 - least);
    if (!(p.pruningBudget > least * (1 + 1e-9))) continue;
    const r = solveInstance(instance(p), 'uniform-prune', 1e-10, 500);
    const w = weightsOf(p);
    // One u explains every client: the clients strictly inside their box share it.
    let u;
    for (let k = 0; k < K; k++) {
      const rho = r.pruning[k];
      assert.ok(rho >= p.minPruning[k] && rho <= p.maxPruning[k], `${i}: client ${k} outside its box`);
      if (rho > p.minPruning[k] && rho < p.maxPruning[k]) {
        if (u === undefined) u = rho;
        assert.ok(Math.abs(rho - u) <= 1e-15, `${i}: two values of u`);
      }
    }
    if (u !== undefined) {
      for (let k = 0; k < K; k++) {
        const expected = Math.min(Math.max(u, p.minPruning[k]), p.maxPruning[k]);
        assert.ok(Math.abs(r.pruning[k] - expected) <= 1e-15, `${i}: client ${k} ${r.pruning[k]} vs clip(u) ${expected}`);
      }
    }
    // The budget is met, and u is the largest: the budget binds unless every client is at rmax.
    const used = w.reduce((s, x, k) => s + x * r.pruning[k], 0);
    assert.ok(used <= p.pruningBudget * (1 + 1e-12), `${i}: over the budget`);
    const allFull = Array.from(r.pruning).every((x, k) => x === p.maxPruning[k]);
    assert.ok(allFull || used >= p.pruningBudget * (1 - 1e-12), `${i}: u not the largest (${used} < ${p.pruningBudget})`);
  }
});

/** Rounds at mean pruning P (MODEL.md section 10, m = 1). */
const roundsAt = (R0, Pmax, P) => Math.ceil(R0 / (1 - P / Pmax));

test("the static plan of optimal starts at sum w rmin and matches a search over whole round counts", () => {
  const rng = new Random(22, 0, 0);
  for (let i = 0; i < 4; i++) {
    const base = randomBoxed(rng, 3);
    const drop = [0, 1, 2].map(() => ({ ...base, channelGain: F64(Array.from(base.channelGain, (g) => g * -Math.log(rng.uniform()))) }));
    const least = leastPruning(base);
    const cap = weightsOf(base).reduce((s, w, k) => s + w * base.maxPruning[k], 0);
    const R0 = 20;
    const Pmax = least + 0.3 + rng.uniform();
    const [p] = plan(drop, { rounds0: R0, pruningLimit: Pmax, method: 'optimal', tolerance: 1e-10 });
    assert.ok(p.budget >= least * (1 - 1e-15) && p.budget <= cap * (1 + 1e-15), `${i}: budget ${p.budget} outside [${least}, ${cap}]`);
    assert.ok(p.rounds >= roundsAt(R0, Pmax, least), `${i}: fewer rounds than the least pruning allows`);
    // Every whole number of rounds from R(least), each at the largest budget (at most the
    // cap) that needs that many; J = R * mean T*(budget).
    let best = Infinity;
    const first = roundsAt(R0, Pmax, least);
    const last = cap < Pmax ? roundsAt(R0, Pmax, cap) : first + 400;
    for (let R = first; R <= last; R++) {
      const P = Math.min(Math.max(Pmax * (1 - R0 / R), least), cap);
      let mean = 0;
      for (const q of drop) mean += solveInstance(instance({ ...q, pruningBudget: P }), 'optimal', 1e-12, 500).latency / drop.length;
      best = Math.min(best, R * mean);
    }
    assert.ok(Math.abs(p.fineTuningSeconds - best) <= 1e-7 * best, `${i}: plan ${p.fineTuningSeconds} vs search ${best}`);
  }
});

test('equal and bandwidth-only are planned at sum w rmin with R(sum w rmin) rounds', () => {
  const rng = new Random(23, 0, 0);
  const base = randomBoxed(rng, 4);
  const least = leastPruning(base);
  const Pmax = least + 0.5;
  for (const method of ['equal', 'bandwidth-only']) {
    const [p] = plan([base], { rounds0: 10, pruningLimit: Pmax, method });
    assert.is(p.budget, least, method);
    assert.is(p.rounds, roundsAt(10, Pmax, least), method);
    const T = solveInstance(instance(base), method, 1e-10, 500).latency;
    assert.ok(Math.abs(p.fineTuningSeconds - p.rounds * T) <= 1e-12 * p.fineTuningSeconds, method);
  }
});

test('the adaptive policy keeps every budget in [sum w rmin, min(Pmax, sum w rmax)]', () => {
  const rng = new Random(24, 0, 0);
  const base = randomBoxed(rng, 3);
  const least = leastPruning(base);
  const cap = weightsOf(base).reduce((s, w, k) => s + w * base.maxPruning[k], 0);
  const Pmax = least + 0.4;
  const drop = [0, 1].map(() => ({ ...base, channelGain: F64(Array.from(base.channelGain, (g) => g * -Math.log(rng.uniform()))) }));
  const [a] = plan(drop, { rounds0: 30, pruningLimit: Pmax, policy: 'adaptive', tolerance: 1e-8 });
  for (const b of a.budgets) assert.ok(b >= least * (1 - 1e-15) && b <= Math.min(Pmax, cap) * (1 + 1e-15), `budget ${b} outside [${least}, ${Math.min(Pmax, cap)}]`);
});

test('a least pruning at or above Pmax is an error naming pruningLimit; rmin = 0 given as a column plans as without it', () => {
  const rng = new Random(25, 0, 0);
  const base = randomBoxed(rng, 3);
  const least = leastPruning(base);
  for (const Pmax of [least, least / 2]) {
    try {
      plan([base], { rounds0: 10, pruningLimit: Pmax });
      assert.unreachable('no error');
    } catch (e) {
      assert.is(e.code, 'invalid-option');
      assert.is(e.field, 'pruningLimit');
      assert.match(e.message, /^pruningLimit must be above the least mean pruning/);
    }
  }
  const zero = { ...base, minPruning: new Float64Array(3) };
  const none = { ...base, minPruning: undefined };
  const opts = { rounds0: 10, pruningLimit: 0.6, policy: 'both', tolerance: 1e-8 };
  const [a, b] = [plan([zero], opts), plan([none], opts)];
  assert.equal(JSON.stringify(a, (k, v) => (v instanceof Float64Array ? Array.from(v) : v)), JSON.stringify(b, (k, v) => (v instanceof Float64Array ? Array.from(v) : v)));
});

test('a plan with energy caps: budgets with no point count as infinitely slow; a method with no point at any budget is infeasible', () => {
  const base = {
    bandwidthHz: 1e6,
    noisePsdWPerHz: 4e-21,
    payloadBits: 1e7,
    pruningBudget: 0.3,
    computeSeconds: F64([10, 20]),
    txPowerW: F64([0.2, 0.2]),
    channelGain: F64([2e-13, 2e-13]),
    dataWeight: F64([1, 1]),
    maxPruning: F64([0.8, 0.8]),
    computePowerW: F64([30, 30]),
    energyCapJ: F64([Infinity, 300]),
  };
  // Client 2's cap needs pruning: below some budget no point exists.
  assert.is(solveInstance(instance({ ...base, pruningBudget: 0.1 }), 'optimal', 1e-10, 500).status, 'infeasible');
  const [p] = plan([base], { rounds0: 10, pruningLimit: 1.5, method: 'optimal' });
  assert.is(p.status, 'converged');
  const at = solveInstance(instance({ ...base, pruningBudget: p.budget }), 'optimal', 1e-10, 500);
  assert.is.not(at.status, 'infeasible');
  assert.ok(Math.abs(p.fineTuningSeconds - p.rounds * at.latency) <= 1e-9 * p.fineTuningSeconds);
  const [e] = plan([base], { rounds0: 10, pruningLimit: 1.5, method: 'equal' });
  assert.is(e.status, 'infeasible');
  assert.is(e.fineTuningSeconds, Infinity);
});

test.run();
