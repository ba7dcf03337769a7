// Cross-backend tests of solver.plan: the native addon, the WASM module and the TypeScript
// reference give the same fine-tuning times (1e-9) and the same errors. Run once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, METHODS, createSolver, generate } from '../../dist/ts/index.js';
import { randomProblem, rngFor } from '../helpers.mjs';

const backends = {
  ts: await createSolver({ backend: 'ts' }),
  native: await createSolver({ backend: 'native' }),
  wasm: await createSolver({ backend: 'wasm' }),
};
const rel = (x, y) => Math.abs(x - y) / Math.abs(y);

function randomDrop(rng, K, N) {
  const base = randomProblem(rng, K);
  return Array.from({ length: N }, () => ({ ...base, channelGain: base.channelGain.map((g) => g * -Math.log(1 - rng.uniform())) }));
}

function compare(drop, options, label) {
  // With m != 1 the backends' pow may differ in the last bit: a budget at the edge of its
  // round count may move by an ulp or two (MODEL.md section 13: compare budgets with an
  // absolute tolerance).
  const exactBudget = (options.convergenceExponent ?? 1) === 1;
  const ref = backends.ts.plan(drop, options);
  for (const name of ['native', 'wasm']) {
    const plans = backends[name].plan(drop, options);
    assert.is(plans.length, ref.length, `${label} ${name}`);
    plans.forEach((p, i) => {
      const r = ref[i];
      const at = `${label} ${name} ${p.policy}`;
      assert.is(p.method, r.method);
      assert.is(p.policy, r.policy);
      assert.is(p.status, r.status, at);
      assert.ok(rel(p.fineTuningSeconds, r.fineTuningSeconds) <= 1e-9, `${at}: ${p.fineTuningSeconds} vs ts ${r.fineTuningSeconds}`);
      // The adaptive plan's latency follows its budgets, determined only to about
      // sqrt(tolerance) where a minimum is smooth: compared loosely below.
      if (p.policy === 'static') assert.ok(rel(p.meanRoundLatency, r.meanRoundLatency) <= 1e-9, at);
      if (p.policy === 'static') {
        assert.is(p.search, r.search);
        assert.is(p.rounds, r.rounds, at);
        if (exactBudget) assert.is(p.budget, r.budget, at);
        else assert.ok(Math.abs(p.budget - r.budget) <= 1e-12, `${at}: budget ${p.budget} vs ${r.budget}`);
        assert.ok(Math.abs(p.meanPruning - r.meanPruning) <= 1e-12, at);
        if (r.lowerBound !== undefined) {
          assert.ok(rel(p.lowerBound, r.lowerBound) <= 1e-9, at);
          assert.ok(rel(p.upperBound, r.upperBound) <= 1e-9, at);
        } else {
          assert.is(p.lowerBound, undefined);
        }
      } else {
        assert.ok(rel(p.price, r.price) <= 1e-9, at);
        assert.ok(rel(p.meanRoundLatency, r.meanRoundLatency) <= 1e-4, `${at}: meanRoundLatency ${p.meanRoundLatency} vs ${r.meanRoundLatency}`);
        assert.instance(p.budgets, Float64Array);
        assert.is(p.budgets.length, drop.length);
        // Budgets are determined only to about sqrt(tolerance) where the minimum is smooth.
        p.budgets.forEach((b, k) => assert.ok(Math.abs(b - r.budgets[k]) <= 1e-3, `${at}: budgets[${k}] ${b} vs ${r.budgets[k]}`));
      }
    });
  }
}

test('static and adaptive plans agree across backends (random drops, every method)', () => {
  const rng = rngFor(31);
  for (let i = 0; i < 12; i++) {
    const K = 1 + Math.floor(rng.uniform() * 12);
    const drop = randomDrop(rng, K, 1 + Math.floor(rng.uniform() * 5));
    const rounds0 = rng.uniform() < 0.5 ? 1 + Math.floor(rng.uniform() * 300) : 1 + rng.uniform() * 300;
    const pruningLimit = rng.uniform() < 0.15 ? null : 0.05 + rng.uniform() * 1.5;
    compare(drop, { rounds0, pruningLimit, policy: 'both' }, `#${i} K=${K}`);
    const method = METHODS[Math.floor(rng.uniform() * 6)];
    compare(drop, { rounds0, pruningLimit, method }, `#${i} K=${K} ${method}`);
  }
});

test('plans with a convergence exponent m != 1 agree across backends (MODEL.md section 13)', () => {
  const rng = rngFor(53);
  for (let i = 0; i < 8; i++) {
    const K = 1 + Math.floor(rng.uniform() * 10);
    const drop = randomDrop(rng, K, 1 + Math.floor(rng.uniform() * 4));
    const rounds0 = rng.uniform() < 0.5 ? 1 + Math.floor(rng.uniform() * 300) : 1 + rng.uniform() * 300;
    const pruningLimit = rng.uniform() < 0.15 ? null : 0.05 + rng.uniform() * 1.5;
    const convergenceExponent = [0.3, 0.5, 1.5, 2, 3.7][i % 5];
    compare(drop, { rounds0, pruningLimit, convergenceExponent, policy: 'both' }, `m=${convergenceExponent} #${i} K=${K}`);
    const method = METHODS[Math.floor(rng.uniform() * 6)];
    compare(drop, { rounds0, pruningLimit, convergenceExponent, method }, `m=${convergenceExponent} #${i} K=${K} ${method}`);
  }
  const generated = Array.from({ length: 8 }, (_, realization) => generate({ clients: 30, seed: 4, realization }));
  compare(generated, { rounds0: 100, pruningLimit: 0.5, convergenceExponent: 2, policy: 'both' }, 'm=2 generated');
});

test('plans agree across backends on round model v2 drops', () => {
  const rng = rngFor(41);
  for (let i = 0; i < 6; i++) {
    const K = 1 + Math.floor(rng.uniform() * 10);
    const t0 = Float64Array.from({ length: K }, () => (rng.uniform() < 0.3 ? 0 : 10 * rng.uniform()));
    const phiC = rng.uniform() < 0.2 ? 0 : rng.uniform();
    const phiS = rng.uniform() < 0.2 ? 0 : rng.uniform();
    const drop = randomDrop(rng, K, 1 + Math.floor(rng.uniform() * 4)).map((p) => ({
      ...p,
      fixedSeconds: t0,
      prunableComputeFraction: phiC,
      prunablePayloadFraction: phiS,
    }));
    compare(drop, { rounds0: 10 + Math.floor(rng.uniform() * 200), pruningLimit: 0.1 + rng.uniform(), policy: 'both' }, `v2 #${i} K=${K}`);
  }
  const generated = Array.from({ length: 8 }, (_, realization) =>
    generate({ clients: 30, seed: 3, realization, fixedSeconds: 2, prunableComputeFraction: 0.6, prunablePayloadFraction: 0.9 }),
  );
  compare(generated, { rounds0: 100, pruningLimit: 0.5, policy: 'both' }, 'v2 generated');
});

test('plans agree across backends on generated drops (K = 50, 16 realizations)', () => {
  const drop = Array.from({ length: 16 }, (_, realization) => generate({ clients: 50, seed: 12, realization }));
  compare(drop, { rounds0: 100, pruningLimit: 0.5, policy: 'both' }, 'K=50');
  compare(drop, { rounds0: 250.5, pruningLimit: 2, tolerance: 1e-8 }, 'K=50 loose');
});

function errorOf(solver, fn) {
  try {
    fn(solver);
  } catch (e) {
    assert.instance(e, JcpbaError, `not a JcpbaError: ${e}`);
    return { message: e.message, code: e.code, field: e.field, client: e.client };
  }
  return null;
}

test('every backend reports the same errors', () => {
  const rng = rngFor(37);
  const drop = randomDrop(rng, 4, 3);
  const ok = { rounds0: 50, pruningLimit: 0.5 };
  const bad = [
    (s) => s.plan(drop, { ...ok, rounds0: 0 }),
    (s) => s.plan(drop, { ...ok, rounds0: NaN }),
    (s) => s.plan(drop, { ...ok, rounds0: '5' }),
    (s) => s.plan(drop, { ...ok, pruningLimit: 0 }),
    (s) => s.plan(drop, { ...ok, pruningLimit: undefined }),
    (s) => s.plan(drop, { ...ok, convergenceExponent: 0 }),
    (s) => s.plan(drop, { ...ok, convergenceExponent: 1e4, tolerance: 2 }),
    (s) => s.plan(drop, { ...ok, policy: 'greedy' }),
    (s) => s.plan(drop, { ...ok, method: 'nope' }),
    (s) => s.plan(drop, { ...ok, method: 'prune-only', policy: 'adaptive' }),
    (s) => s.plan(drop, { ...ok, tolerance: 2 }),
    (s) => s.plan(drop, { ...ok, maxIterations: 0.5 }),
    (s) => s.plan([], ok),
    (s) => s.plan(drop[0], ok),
    (s) => s.plan([drop[0], { ...drop[1], computeSeconds: drop[1].computeSeconds.slice(1) }], ok),
    (s) => s.plan([drop[0], { ...drop[1], dataWeight: drop[1].dataWeight.map((w) => w + 1) }], ok),
    (s) => s.plan([drop[0], { ...drop[1], maxPruning: drop[1].maxPruning.map((x) => x / 2) }], ok),
    (s) => s.plan([drop[0], { ...drop[1], bandwidthHz: -1 }], ok),
    (s) => s.plan([drop[0], drop[1], { ...drop[2], channelGain: drop[2].channelGain.map((g, k) => (k === 3 ? NaN : g)) }], ok),
  ];
  bad.forEach((fn, i) => {
    const ref = errorOf(backends.ts, fn);
    assert.ok(ref !== null, `#${i}: ts threw nothing`);
    for (const name of ['native', 'wasm']) assert.equal(errorOf(backends[name], fn), ref, `#${i} ${name}`);
  });
});

/** The raw cores throw plain Errors carrying the core's code, field and message. */
function rawErrorOf(fn) {
  try {
    fn();
  } catch (e) {
    return { message: e.message, code: e.code, field: e.field };
  }
  return null;
}

test('the raw core entry points check their arguments like every other', () => {
  for (const name of ['native', 'wasm']) {
    const core = backends[name].core;
    const e = rawErrorOf(() => core.plan(new Float64Array(0)));
    assert.match(e.message, /^plan expects 19 arguments \(scalars, offsets, .*, fixedSeconds, minPruning, computePowerW, fixedJoules, energyCapJ, method, .*maxIterations, convergenceExponent\), got 1$/);
    const f = new Float64Array(0);
    // The batch, then its ten client columns (five required, five optional), then the rest.
    const args = [f, new Uint32Array([0]), f, f, f, f, f, f, f, f, f, f, 'optimal', 'static', 10, 0.5, 1e-10, 500, 1];
    assert.equal(rawErrorOf(() => core.plan(...args)).message, 'problems must hold at least one realization');
    assert.equal(rawErrorOf(() => core.plan(...args.slice(0, 13), 7, ...args.slice(14))).message, 'plan: policy must be a string');
    assert.equal(rawErrorOf(() => core.plan(...args.slice(0, 13), 'dynamic', ...args.slice(14))).field, 'policy');
    assert.equal(rawErrorOf(() => core.plan(...args.slice(0, 18), 0)).field, 'convergenceExponent');
    assert.equal(rawErrorOf(() => core.plan(...args.slice(0, 18), '2')).message, 'plan: convergenceExponent must be a number');
    // An optional column that is not a Float64Array is named.
    assert.equal(rawErrorOf(() => core.plan(...args.slice(0, 10), [1], ...args.slice(11))).message, 'plan: fixedJoules must be a Float64Array');
  }
});

test.run();
