// solver.plan (MODEL.md section 10) against numbers computed here, independently: dense
// scans over budgets, each budget a full `optimal` solve of every realization, with the
// rounds R(P) = ceil(R0 / (1 - P / Pmax)) and the budgets P_R found by bisection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, generate } from '../dist/ts/index.js';
import { randomProblem, rngFor, solver } from './helpers.mjs';

const rel = (x, y) => Math.abs(x - y) / Math.abs(y);

/** The realizations of one drop: one random problem, its channel gains times Exp(1) draws. */
function randomDrop(seed, K, N, overrides = {}) {
  const rng = rngFor(seed);
  const base = randomProblem(rng, K, overrides);
  return Array.from({ length: N }, () => {
    const gain = base.channelGain.map((g) => g * -Math.log(1 - rng.uniform()));
    return { ...base, channelGain: gain };
  });
}

/** A round model v2 drop (MODEL.md section 8): fixed seconds per client, partly prunable work. */
function v2Drop(seed, K, N, phiC, phiS) {
  const rng = rngFor(seed + 1000);
  const t0 = Float64Array.from({ length: K }, () => 5 * rng.uniform());
  return randomDrop(seed, K, N).map((p) => ({ ...p, fixedSeconds: t0, prunableComputeFraction: phiC, prunablePayloadFraction: phiS }));
}

/** The generator's drop: realizations 0..N-1 of drop `drop`. */
const generatedDrop = (clients, N, seed = 5, drop = 0, extra = {}) =>
  Array.from({ length: N }, (_, realization) => generate({ clients, seed, drop, realization, ...extra }));

const roundsOf = (R0, Pmax, P) => (P < Pmax ? Math.ceil(R0 / (1 - P / Pmax)) : Infinity);

/** sum_k w_k rmax_k with normalized weights. */
function capOf(p) {
  let wsum = 0;
  let cap = 0;
  for (const w of p.dataWeight) wsum += w;
  p.dataWeight.forEach((w, k) => (cap += (w / wsum) * p.maxPruning[k]));
  return cap;
}

/** Mean optimal round latency over the realizations at budget P (cold solves). */
function meanLatency(drop, P, method = 'optimal') {
  let s = 0;
  for (const p of drop) s += solver.solve({ ...p, pruningBudget: P }, { method }).latency;
  return s / drop.length;
}

/** The largest budget in [0, hi] with R(P) <= R, by bisection on the doubles. */
function largestBudget(R0, Pmax, R, hi) {
  if (roundsOf(R0, Pmax, hi) <= R) return hi;
  let lo = 0;
  let up = hi;
  for (let i = 0; i < 2000 && lo < up; i++) {
    const mid = lo + (up - lo) / 2;
    if (mid === lo || mid === up) break;
    if (roundsOf(R0, Pmax, mid) <= R) lo = mid;
    else up = mid;
  }
  return lo;
}

/**
 * The dense scan: every whole number of rounds R with its largest budget P_R, and `count`
 * evenly spaced budgets; returns the least J and every scanned (P, R, Tbar).
 */
function denseScan(drop, R0, Pmax, count) {
  const cap = capOf(drop[0]);
  const top = Math.min(cap, Pmax);
  const points = [];
  const at = (P) => {
    const T = meanLatency(drop, P);
    const R = roundsOf(R0, Pmax, P);
    points.push({ P, R, T, J: R * T });
  };
  for (let i = 0; i < count; i++) at((top * i) / count);
  if (Pmax > cap) at(cap);
  const floor = meanLatency(drop, top);
  let best = Math.min(...points.map((p) => p.J));
  for (let R = Math.ceil(R0); R * floor <= best * (1 + 1e-9); R++) {
    const P = largestBudget(R0, Pmax, R, top < Pmax ? top : Math.min(top, Pmax * (1 - 1e-12)));
    if (roundsOf(R0, Pmax, P) !== R) continue; // a round count no budget gives (only past the cap)
    at(P);
    best = Math.min(best, points[points.length - 1].J);
  }
  return { best, points, cap };
}

test('static plan of optimal equals a dense scan of thousands of full solves, and its bracket holds it', () => {
  const cases = [
    { drop: randomDrop(3, 5, 3), R0: 20, Pmax: 0.6 },
    { drop: randomDrop(4, 4, 4), R0: 12.5, Pmax: 1.5 },
    { drop: generatedDrop(6, 3), R0: 30, Pmax: 0.4 },
    // Round model v2: fixed time, partly prunable compute and payload.
    { drop: v2Drop(5, 5, 3, 0.6, 0.8), R0: 25, Pmax: 0.7 },
    { drop: generatedDrop(6, 3, 5, 0, { fixedSeconds: 3, prunableComputeFraction: 0.5, prunablePayloadFraction: 0.9 }), R0: 40, Pmax: 0.9 },
  ];
  for (const [i, { drop, R0, Pmax }] of cases.entries()) {
    const [plan] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax });
    const scan = denseScan(drop, R0, Pmax, 2000);
    assert.ok(scan.points.length >= 2000);
    assert.is(plan.method, 'optimal');
    assert.is(plan.policy, 'static');
    assert.is(plan.search, 'exact');
    assert.is(plan.status, 'converged');
    // The same least fine-tuning time, to the tolerance of the solves (1e-10).
    assert.ok(rel(plan.fineTuningSeconds, scan.best) <= 1e-9, `case ${i}: plan ${plan.fineTuningSeconds} vs scan ${scan.best}`);
    // The bracket holds the least J the scan found (up to the scan's own solve tolerance).
    assert.ok(plan.lowerBound <= scan.best * (1 + 1e-10), `case ${i}: lowerBound ${plan.lowerBound} above ${scan.best}`);
    assert.ok(plan.upperBound === plan.fineTuningSeconds);
    assert.ok(plan.upperBound - plan.lowerBound <= 2e-10 * plan.upperBound, `case ${i}: bracket ${plan.lowerBound} ${plan.upperBound}`);
    // No scanned budget beats the plan.
    for (const p of scan.points) assert.ok(plan.fineTuningSeconds <= p.J * (1 + 1e-9), `case ${i}: budget ${p.P} gives ${p.J}`);
    // The result recomputes: rounds from the budget, time from rounds and mean latency.
    assert.is(plan.rounds, roundsOf(R0, Pmax, plan.budget));
    assert.is(plan.fineTuningSeconds, plan.rounds * plan.meanRoundLatency);
    assert.ok(rel(plan.meanRoundLatency, meanLatency(drop, plan.budget)) <= 1e-9);
    // P_R is the largest budget of its round count (or the cap).
    if (plan.budget > 0 && plan.budget < scan.cap) assert.is(plan.budget, largestBudget(R0, Pmax, plan.rounds, Math.min(scan.cap, Pmax)));
    assert.ok(plan.budget <= Math.min(scan.cap, Pmax));
    assert.ok(Math.abs(plan.meanPruning - plan.budget) <= 1e-12);
  }
});

test('pruningLimit = Infinity (or null): the largest useful budget, sum_k w_k rmax_k, and R0 rounds', () => {
  const drop = randomDrop(7, 6, 3);
  const cap = capOf(drop[0]);
  for (const pruningLimit of [Infinity, null]) {
    for (const R0 of [1, 40, 40.5]) {
      const [plan, adaptive] = solver.plan(drop, { rounds0: R0, pruningLimit, policy: 'both' });
      assert.ok(Math.abs(plan.budget - cap) <= 1e-15, `budget ${plan.budget} vs cap ${cap}`);
      assert.is(plan.rounds, Math.ceil(R0));
      const T = meanLatency(drop, cap);
      assert.ok(rel(plan.fineTuningSeconds, Math.ceil(R0) * T) <= 1e-9);
      // Any larger budget is useless: the latency stays; a smaller one costs time.
      assert.ok(rel(meanLatency(drop, Math.min(0.999, cap + 0.3)), T) <= 1e-9);
      assert.ok(meanLatency(drop, cap * 0.9) > T * (1 + 1e-6));
      assert.ok(rel(adaptive.fineTuningSeconds, R0 * T) <= 1e-9);
      assert.ok(adaptive.budgets.every((b) => Math.abs(b - cap) <= 1e-15));
    }
  }
});

test('R0 scaling: J*(R0) / R0 tends to the unrounded optimum, R0 h* <= J* <= R0 h* + Tbar(0); the adaptive price does not depend on R0', () => {
  const drop = randomDrop(11, 4, 3);
  const Pmax = 0.8;
  const cap = capOf(drop[0]);
  const top = Math.min(cap, Pmax);
  // h* = min_P Tbar(P) / (1 - P / Pmax): a scan, then golden sections around its best cell.
  const h = (P) => meanLatency(drop, P) / (1 - P / Pmax);
  const n = 400;
  let bi = 0;
  let bh = Infinity;
  for (let i = 0; i <= n; i++) {
    const v = h((top * i) / n);
    if (v < bh) [bh, bi] = [v, i];
  }
  let a = (top * Math.max(bi - 1, 0)) / n;
  let b = (top * Math.min(bi + 1, n)) / n;
  for (let i = 0; i < 80; i++) {
    const x1 = b - 0.618033988749895 * (b - a);
    const x2 = a + 0.618033988749895 * (b - a);
    if (h(x1) < h(x2)) b = x2;
    else a = x1;
  }
  const hStar = Math.min(bh, h(0.5 * (a + b)));
  const T0 = meanLatency(drop, 0);
  let previous = 0;
  let price;
  for (const R0 of [3, 10, 100, 1000, 10000]) {
    const [plan] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax });
    const [adaptive] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, policy: 'adaptive' });
    assert.ok(plan.fineTuningSeconds >= R0 * hStar * (1 - 1e-9), `R0 ${R0}: ${plan.fineTuningSeconds} below R0 h* ${R0 * hStar}`);
    assert.ok(plan.fineTuningSeconds <= R0 * hStar + T0 * (1 + 1e-9), `R0 ${R0}: ${plan.fineTuningSeconds} above R0 h* + Tbar(0)`);
    assert.ok(plan.fineTuningSeconds >= previous, 'J* grows with R0');
    previous = plan.fineTuningSeconds;
    if (price === undefined) price = adaptive.price;
    assert.is(adaptive.price, price, 'the price is the same for every R0');
    assert.ok(rel(adaptive.fineTuningSeconds, R0 * price) <= 1e-15);
  }
});

test('adaptive is never worse than the static plan before rounding up, at any budget of a dense scan', () => {
  const cases = [
    { drop: randomDrop(13, 5, 4), R0: 50, Pmax: 0.7 },
    { drop: generatedDrop(5, 4, 9), R0: 100, Pmax: 0.5 },
  ];
  for (const [i, { drop, R0, Pmax }] of cases.entries()) {
    const [stat, adaptive] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, policy: 'both' });
    assert.is(adaptive.policy, 'adaptive');
    assert.is(adaptive.status, 'converged');
    const top = Math.min(capOf(drop[0]), Pmax);
    const unrounded = (P) => (R0 / (1 - P / Pmax)) * meanLatency(drop, P);
    assert.ok(adaptive.fineTuningSeconds <= (R0 / (1 - stat.budget / Pmax)) * stat.meanRoundLatency * (1 + 1e-9));
    assert.ok(adaptive.fineTuningSeconds <= stat.fineTuningSeconds * (1 + 1e-9));
    for (let j = 0; j < 1000; j++) {
      const P = (top * j) / 1000;
      const J = unrounded(P);
      assert.ok(adaptive.fineTuningSeconds <= J * (1 + 1e-9), `case ${i}: budget ${P}: ${J} < adaptive ${adaptive.fineTuningSeconds}`);
    }
    // The plan recomputes from its budgets: each realization solved at its own budget.
    assert.is(adaptive.budgets.length, drop.length);
    let latency = 0;
    let progress = 0;
    drop.forEach((p, r) => {
      const b = adaptive.budgets[r];
      assert.ok(b >= 0 && b <= top);
      latency += solver.solve({ ...p, pruningBudget: b }, { method: 'optimal' }).latency;
      progress += 1 - b / Pmax;
    });
    assert.ok(rel(adaptive.price, latency / progress) <= 1e-9);
    assert.ok(rel(adaptive.fineTuningSeconds, R0 * adaptive.price) <= 1e-15);
    assert.ok(rel(adaptive.meanRoundLatency, latency / drop.length) <= 1e-9);
  }
});

test('adaptive equals the unrounded static optimum when every realization is the same problem', () => {
  const [one] = randomDrop(17, 5, 1);
  const drop = [one, one, one];
  const R0 = 60;
  const Pmax = 0.9;
  const top = Math.min(capOf(one), Pmax);
  const h = (P) => (R0 / (1 - P / Pmax)) * solver.solve({ ...one, pruningBudget: P }, { method: 'optimal' }).latency;
  // Independent minimization: a scan, then golden sections in the best cell.
  const n = 500;
  let bi = 0;
  let bh = Infinity;
  for (let i = 0; i <= n; i++) {
    const v = h((top * i) / n);
    if (v < bh) [bh, bi] = [v, i];
  }
  let a = (top * Math.max(bi - 1, 0)) / n;
  let b = (top * Math.min(bi + 1, n)) / n;
  for (let i = 0; i < 90; i++) {
    const x1 = b - 0.618033988749895 * (b - a);
    const x2 = a + 0.618033988749895 * (b - a);
    if (h(x1) < h(x2)) b = x2;
    else a = x1;
  }
  const best = Math.min(bh, h(0.5 * (a + b)));
  const [adaptive] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, policy: 'adaptive' });
  assert.ok(rel(adaptive.fineTuningSeconds, best) <= 1e-9, `adaptive ${adaptive.fineTuningSeconds} vs ${best}`);
  assert.ok(adaptive.budgets.every((x) => x === adaptive.budgets[0]), 'one budget for identical realizations');
  // The budget itself is determined only to about sqrt(tolerance).
  assert.ok(Math.abs(adaptive.budgets[0] - 0.5 * (a + b)) <= 1e-3 * top, `budget ${adaptive.budgets[0]} vs ${0.5 * (a + b)}`);
});

test('round model v2 with nothing prunable (phi_c = phi_s = 0): pruning never pays, both policies keep budget 0', () => {
  const drop = v2Drop(29, 5, 3, 0, 0);
  const R0 = 30;
  const Pmax = 0.5;
  const T = meanLatency(drop, 0);
  // Pruning changes no latency in this model (MODEL.md section 8).
  assert.ok(rel(meanLatency(drop, 0.3), T) <= 1e-9);
  const [stat, adaptive] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, policy: 'both' });
  assert.is(stat.budget, 0);
  assert.is(stat.rounds, R0);
  assert.ok(rel(stat.fineTuningSeconds, R0 * T) <= 1e-9);
  assert.ok(stat.lowerBound <= R0 * T * (1 + 1e-10));
  assert.ok(adaptive.budgets.every((b) => b <= 1e-9), `budgets ${adaptive.budgets}`);
  assert.ok(rel(adaptive.fineTuningSeconds, R0 * T) <= 1e-9);
  for (const method of ['uniform-prune', 'prune-only', 'bcd']) {
    const [p] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, method });
    assert.is(p.rounds, R0, method);
    assert.is(p.budget, 0, method);
  }
});

test('adaptive is never worse than static before rounding on a round model v2 drop', () => {
  const drop = v2Drop(31, 6, 4, 0.7, 0.5);
  const R0 = 80;
  const Pmax = 0.6;
  const [stat, adaptive] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, policy: 'both' });
  assert.is(adaptive.status, 'converged');
  const top = Math.min(capOf(drop[0]), Pmax);
  for (let j = 0; j < 400; j++) {
    const P = (top * j) / 400;
    const J = (R0 / (1 - P / Pmax)) * meanLatency(drop, P);
    assert.ok(adaptive.fineTuningSeconds <= J * (1 + 1e-9), `budget ${P}: ${J} < adaptive ${adaptive.fineTuningSeconds}`);
  }
  assert.ok(adaptive.fineTuningSeconds <= stat.fineTuningSeconds * (1 + 1e-9));
});

test('methods other than optimal: static over a grid of budgets; equal and bandwidth-only need R0 rounds', () => {
  const drop = randomDrop(19, 6, 3);
  const R0 = 40;
  const Pmax = 0.6;
  for (const method of ['equal', 'bandwidth-only']) {
    const [plan] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, method });
    assert.is(plan.search, 'grid');
    assert.is(plan.budget, 0);
    assert.is(plan.rounds, R0);
    assert.is(plan.lowerBound, undefined);
    assert.ok(rel(plan.fineTuningSeconds, R0 * meanLatency(drop, 0, method)) <= 1e-12);
  }
  const top = Math.min(capOf(drop[0]), Pmax);
  for (const method of ['uniform-prune', 'uniform-prune-bandwidth', 'prune-only', 'bcd']) {
    const [plan] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, method });
    assert.is(plan.search, 'grid');
    assert.is(plan.rounds, roundsOf(R0, Pmax, plan.budget));
    assert.ok(plan.budget >= 0 && plan.budget <= top);
    assert.ok(rel(plan.meanRoundLatency, meanLatency(drop, plan.budget, method)) <= 1e-9);
    assert.is(plan.fineTuningSeconds, plan.rounds * plan.meanRoundLatency);
    // At least as good as every budget of a coarse scan (the grid is 100 cells: within
    // the change of J over one cell of it).
    for (let j = 0; j < 20; j++) {
      const P = (top * j) / 20;
      const J = roundsOf(R0, Pmax, P) * meanLatency(drop, P, method);
      assert.ok(plan.fineTuningSeconds <= J * (1 + 1e-9), `${method}: budget ${P} gives ${J} < ${plan.fineTuningSeconds}`);
    }
    assert.throws(() => solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, method, policy: 'adaptive' }), /policy adaptive needs method optimal/);
  }
  // optimal beats them all.
  const [opt] = solver.plan(drop, { rounds0: R0, pruningLimit: Pmax });
  for (const method of ['equal', 'uniform-prune', 'prune-only', 'bcd']) {
    assert.ok(opt.fineTuningSeconds <= solver.plan(drop, { rounds0: R0, pruningLimit: Pmax, method })[0].fineTuningSeconds * (1 + 1e-9));
  }
});

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, JcpbaError, `not a JcpbaError: ${e}`);
    return { message: e.message, code: e.code, field: e.field, client: e.client };
  }
  assert.unreachable('no error');
}

test('bad input: clear errors naming the field and problems[i]', () => {
  const drop = randomDrop(23, 3, 3);
  const ok = { rounds0: 10, pruningLimit: 0.5 };
  const rounds0 = 'rounds0 must be a finite number in [1, 1e9] (the rounds to the target without pruning)';
  for (const bad of [0, 0.5, -1, NaN, Infinity, 2e9, '10', undefined]) {
    assert.equal(errorOf(() => solver.plan(drop, { ...ok, rounds0: bad })), { message: rounds0, code: 'invalid-option', field: 'rounds0', client: undefined });
  }
  const limit = 'pruningLimit must be a positive number, or Infinity (null in JSON) when pruning does not slow learning';
  for (const bad of [0, -0.5, NaN, -Infinity, '0.5', undefined]) {
    assert.equal(errorOf(() => solver.plan(drop, { ...ok, pruningLimit: bad })), { message: limit, code: 'invalid-option', field: 'pruningLimit', client: undefined });
  }
  assert.equal(errorOf(() => solver.plan(drop, { ...ok, policy: 'dynamic' })), {
    message: 'unknown policy "dynamic"; expected one of static, adaptive, both',
    code: 'invalid-option',
    field: 'policy',
    client: undefined,
  });
  assert.equal(errorOf(() => solver.plan(drop, { ...ok, method: 'fast' })).field, 'method');
  assert.equal(errorOf(() => solver.plan(drop, { ...ok, method: 'bcd', policy: 'both' })), {
    message: 'policy both needs method optimal (other methods are planned by the static policy over a grid of budgets)',
    code: 'invalid-option',
    field: 'policy',
    client: undefined,
  });
  assert.equal(errorOf(() => solver.plan(drop, { ...ok, tolerance: 0 })).field, 'tolerance');
  assert.equal(errorOf(() => solver.plan([], ok)), {
    message: 'problems must hold at least one realization',
    code: 'invalid-input',
    field: 'problems',
    client: undefined,
  });
  assert.equal(errorOf(() => solver.plan(drop[0], ok)).field, 'problems');
  const share = 'the realizations of a plan share their clients (K, dataWeight, maxPruning, minPruning)';
  const fewer = randomDrop(23, 2, 1)[0];
  assert.equal(errorOf(() => solver.plan([drop[0], drop[1], fewer], ok)), {
    message: `problems[2]: clients has 2 entries but problems[0] has 3; ${share}`,
    code: 'invalid-input',
    field: 'clients',
    client: undefined,
  });
  const weights = { ...drop[1], dataWeight: Float64Array.from(drop[1].dataWeight, (w, k) => (k === 1 ? w * 2 : w)) };
  assert.equal(errorOf(() => solver.plan([drop[0], weights], ok)), {
    message: `problems[1]: clients[1].dataWeight differs from problems[0]; ${share}`,
    code: 'invalid-input',
    field: 'clients[1].dataWeight',
    client: 1,
  });
  const rmax = { ...drop[2], maxPruning: Float64Array.from(drop[2].maxPruning, (x, k) => (k === 2 ? x / 2 : x)) };
  assert.equal(errorOf(() => solver.plan([drop[0], drop[1], rmax], ok)), {
    message: `problems[2]: clients[2].maxPruning differs from problems[0]; ${share}`,
    code: 'invalid-input',
    field: 'clients[2].maxPruning',
    client: 2,
  });
  // minPruning too (MODEL.md 12: the planner's budgets start at sum_k w_k rmin_k); an
  // absent column is rmin = 0, so a realization that gives zeros shares it.
  const zeros = { ...drop[1], minPruning: new Float64Array(3) };
  assert.is(solver.plan([drop[0], zeros], ok).length, 1);
  const rmin = { ...drop[1], minPruning: Float64Array.from([0, 0, 0.01]) };
  assert.equal(errorOf(() => solver.plan([drop[0], rmin], ok)), {
    message: `problems[1]: clients[2].minPruning differs from problems[0]; ${share}`,
    code: 'invalid-input',
    field: 'clients[2].minPruning',
    client: 2,
  });
  const broken = { ...drop[1], txPowerW: Float64Array.from(drop[1].txPowerW, (x, k) => (k === 0 ? -1 : x)) };
  assert.equal(errorOf(() => solver.plan([drop[0], broken], ok)), {
    message: 'problems[1]: clients[0].txPowerW must be a positive finite number',
    code: 'invalid-input',
    field: 'clients[0].txPowerW',
    client: 0,
  });
});

test.run();
