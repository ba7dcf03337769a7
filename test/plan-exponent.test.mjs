// The convergence exponent m (MODEL.md section 13): progress per round (1 - P / Pmax)^m,
// R(P) = ceil(R0 / (1 - P / Pmax)^m). At m = 1 the plans are today's bit for bit (a
// fixture written by the planner before the exponent existed); at m != 1 the static plan
// equals a dense scan of full solves, and the adaptive plan is never worse than any budget
// of the scan before rounding up.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, generate } from '../dist/ts/index.js';
import { randomProblem, rngFor, solver } from './helpers.mjs';

const rel = (x, y) => Math.abs(x - y) / Math.abs(y);
const fixture = JSON.parse(readFileSync(new URL('./data/plans-m1.json', import.meta.url), 'utf8'));

function randomDrop(seed, K, N) {
  const rng = rngFor(seed);
  const base = randomProblem(rng, K);
  return Array.from({ length: N }, () => ({ ...base, channelGain: base.channelGain.map((g) => g * -Math.log(1 - rng.uniform())) }));
}

const pi = (Pmax, m, P) => (1 - P / Pmax) ** m;
const roundsOf = (R0, Pmax, m, P) => (P < Pmax ? Math.ceil(R0 / pi(Pmax, m, P)) : Infinity);

function capOf(p) {
  let wsum = 0;
  let cap = 0;
  for (const w of p.dataWeight) wsum += w;
  p.dataWeight.forEach((w, k) => (cap += (w / wsum) * p.maxPruning[k]));
  return cap;
}

function meanLatency(drop, P) {
  let s = 0;
  for (const p of drop) s += solver.solve({ ...p, pruningBudget: P }, { method: 'optimal' }).latency;
  return s / drop.length;
}

/** The largest budget in [0, hi] with R(P) <= R, by bisection on the doubles. */
function largestBudget(R0, Pmax, m, R, hi) {
  if (roundsOf(R0, Pmax, m, hi) <= R) return hi;
  let lo = 0;
  let up = hi;
  for (let i = 0; i < 2000; i++) {
    const mid = lo + (up - lo) / 2;
    if (mid === lo || mid === up) break;
    if (roundsOf(R0, Pmax, m, mid) <= R) lo = mid;
    else up = mid;
  }
  return lo;
}

test('m = 1 (given or not) reproduces the plans of the planner before the exponent, bit for bit', () => {
  const mine = fixture.backends[solver.backend];
  assert.ok(mine, `no fixture for backend ${solver.backend}`);
  // The compiled kernels differ by CPU; the recorded bits are those of the recorded kernels.
  const exact = (solver.kernels ?? null) === mine.kernels;
  fixture.cases.forEach(({ drop, options }, i) => {
    const { realizations, ...g } = drop;
    const problems = Array.from({ length: realizations }, (_, realization) => generate({ ...g, realization }));
    for (const m of [undefined, 1]) {
      const plans = solver.plan(problems, { ...options, ...(m === undefined ? {} : { convergenceExponent: m }) });
      const json = plans.map((p) => (p.policy === 'adaptive' ? { ...p, budgets: Array.from(p.budgets) } : p));
      if (exact) {
        // The fields the plans had then (the fine-tuning energy came later, MODEL.md 11.1).
        const then = json.map((p, j) => Object.fromEntries(Object.keys(mine.plans[i][j]).map((key) => [key, p[key]])));
        assert.is(JSON.stringify(then), JSON.stringify(mine.plans[i]), `case ${i} m=${m}`);
      } else {
        json.forEach((p, j) => assert.ok(rel(p.fineTuningSeconds, mine.plans[i][j].fineTuningSeconds) <= 1e-9, `case ${i} m=${m}`));
      }
    }
  });
});

test('R(P) = ceil(R0 / (1 - P / Pmax)^m): closed forms', async () => {
  const { roundsNeeded, progress } = await import('../dist/ts/core/plan.js');
  assert.is(roundsNeeded(100, 0.5, 0.25, 2), 400);
  assert.is(roundsNeeded(100, 0.5, 0.25, 0.5), Math.ceil(100 / Math.SQRT1_2));
  assert.is(roundsNeeded(100, 0.5, 0.25), 200);
  assert.is(roundsNeeded(100, 0.5, 0.5, 3), Infinity);
  assert.is(roundsNeeded(100, Infinity, 0.4, 3), 100);
  assert.is(progress(0.5, 1, 0.1), 1 - 0.1 / 0.5);
  assert.is(progress(0.5, 2, 0.25), 0.25);
});

test('m != 1: the static plan of optimal equals a dense scan of full solves; the bracket holds it', () => {
  const cases = [
    { drop: randomDrop(3, 5, 3), R0: 20, Pmax: 0.6, m: 2 },
    { drop: randomDrop(4, 4, 3), R0: 12.5, Pmax: 1.5, m: 0.5 },
    { drop: Array.from({ length: 3 }, (_, realization) => generate({ clients: 6, seed: 6, realization })), R0: 30, Pmax: 0.4, m: 1.7 },
  ];
  for (const [i, { drop, R0, Pmax, m }] of cases.entries()) {
    const [plan] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, convergenceExponent: m });
    const cap = capOf(drop[0]);
    const top = Math.min(cap, Pmax);
    const points = [];
    const at = (P) => {
      const T = meanLatency(drop, P);
      const R = roundsOf(R0, Pmax, m, P);
      points.push({ P, R, T, J: R * T });
    };
    for (let j = 0; j < 600; j++) at((top * j) / 600);
    if (Pmax > cap) at(cap);
    const floor = meanLatency(drop, top);
    let best = Math.min(...points.map((p) => p.J));
    for (let R = Math.ceil(R0); R * floor <= best * (1 + 1e-9); R++) {
      const P = largestBudget(R0, Pmax, m, R, top < Pmax ? top : Pmax * (1 - 1e-12));
      if (roundsOf(R0, Pmax, m, P) !== R) continue;
      at(P);
      best = Math.min(best, points[points.length - 1].J);
    }
    assert.is(plan.status, 'converged');
    assert.ok(rel(plan.fineTuningSeconds, best) <= 1e-9, `case ${i}: plan ${plan.fineTuningSeconds} vs scan ${best}`);
    assert.ok(plan.lowerBound <= best * (1 + 1e-10));
    assert.ok(plan.upperBound - plan.lowerBound <= 2e-10 * plan.upperBound);
    for (const p of points) assert.ok(plan.fineTuningSeconds <= p.J * (1 + 1e-9), `case ${i}: budget ${p.P} gives ${p.J}`);
    // The result recomputes from its budget (the backends' pow may differ in the last bit:
    // the budget is the largest of its round count to an absolute 1e-12).
    assert.is(plan.fineTuningSeconds, plan.rounds * plan.meanRoundLatency);
    assert.ok(rel(plan.meanRoundLatency, meanLatency(drop, plan.budget)) <= 1e-9);
    if (solver.backend === 'ts') assert.is(plan.rounds, roundsOf(R0, Pmax, m, plan.budget));
    if (plan.budget > 0 && plan.budget < cap) {
      assert.ok(Math.abs(plan.budget - largestBudget(R0, Pmax, m, plan.rounds, top)) <= 1e-12, `case ${i}: budget ${plan.budget}`);
    }
  }
});

test('m != 1: adaptive is never worse than the static plan, nor than any budget of a dense scan, before rounding up', () => {
  const cases = [
    { drop: randomDrop(13, 5, 4), R0: 50, Pmax: 0.7, m: 2.5 },
    { drop: randomDrop(14, 4, 3), R0: 80, Pmax: 0.9, m: 0.6 },
  ];
  for (const [i, { drop, R0, Pmax, m }] of cases.entries()) {
    const [stat, adaptive] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, convergenceExponent: m, policy: 'both' });
    assert.is(adaptive.status, 'converged');
    const top = Math.min(capOf(drop[0]), Pmax);
    assert.ok(adaptive.fineTuningSeconds <= (R0 / pi(Pmax, m, stat.budget)) * stat.meanRoundLatency * (1 + 1e-9));
    assert.ok(adaptive.fineTuningSeconds <= stat.fineTuningSeconds * (1 + 1e-9));
    for (let j = 0; j < 400; j++) {
      const P = (top * j) / 400;
      const J = (R0 / pi(Pmax, m, P)) * meanLatency(drop, P);
      assert.ok(adaptive.fineTuningSeconds <= J * (1 + 1e-9), `case ${i}: budget ${P}: ${J} < adaptive ${adaptive.fineTuningSeconds}`);
    }
    // The price recomputes from the budgets: mean latency / mean progress.
    let latency = 0;
    let progress = 0;
    drop.forEach((p, r) => {
      const b = adaptive.budgets[r];
      assert.ok(b >= 0 && b <= top);
      latency += solver.solve({ ...p, pruningBudget: b }, { method: 'optimal' }).latency;
      progress += pi(Pmax, m, b);
    });
    assert.ok(rel(adaptive.price, latency / progress) <= 1e-9);
    assert.ok(rel(adaptive.fineTuningSeconds, R0 * adaptive.price) <= 1e-15);
  }
});

test('a larger exponent never shortens the plan (pruning costs more rounds)', () => {
  const drop = randomDrop(21, 5, 3);
  let previous = 0;
  for (const m of [0.25, 0.5, 1, 2, 4]) {
    const [p] = solver.plan(drop, { rounds0: 40, pruningLimit: 0.6, convergenceExponent: m });
    assert.ok(p.fineTuningSeconds >= previous * (1 - 1e-9), `m ${m}`);
    previous = p.fineTuningSeconds;
  }
});

test('convergenceExponent: a clear error outside [0.001, 1000], checked after pruningLimit and before tolerance', () => {
  const drop = randomDrop(23, 3, 2);
  const message = 'convergenceExponent must be a finite number in [0.001, 1000] (the exponent m of progress per round (1 - P / Pmax)^m; default 1)';
  for (const bad of [0, -1, 1e-4, 2000, NaN, Infinity, '2', null]) {
    try {
      solver.plan(drop, { rounds0: 10, pruningLimit: 0.5, convergenceExponent: bad, tolerance: 0 });
      assert.unreachable(`accepted ${bad}`);
    } catch (e) {
      assert.instance(e, JcpbaError);
      assert.equal({ message: e.message, code: e.code, field: e.field }, { message, code: 'invalid-option', field: 'convergenceExponent' });
    }
  }
  assert.throws(() => solver.plan(drop, { rounds0: 10, pruningLimit: -1, convergenceExponent: 0 }), /pruningLimit must be/);
});

test.run();
