// Deadline mode (MODEL.md section 9) on the backend under test: the least weighted pruning
// that meets a round deadline, against closed forms, `optimal` (the inverse relation),
// a brute force on two clients, and the least feasible deadline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JcpbaError, generate, toProblem } from '../dist/ts/index.js';
import { clientLatencyOf, randomV2Problem, rate, rngFor, solve, solver } from './helpers.mjs';

const N0 = 10 ** ((-174 - 30) / 10);
const minPruning = (p, options) => solver.minPruning(p, options);
const TOLERANCE = 1e-10;

/**
 * MODEL.md section 9 on a returned point: it meets the deadline (to the accuracy
 * contract's 1e-12), the band and the box; its weighted pruning is the upper bound and
 * recomputes from the point; the bracket holds it. Returns whether the certificate
 * reached the tolerance.
 */
function assertMeets(input, r, label) {
  const p = toProblem(input, { requireBudget: false });
  assert.is(r.method, 'min-pruning', label);
  assert.ok(r.status === 'converged' || r.status === 'iteration-limit', `${label}: ${r.status}`);
  const K = p.computeSeconds.length;
  let wsum = 0;
  for (let k = 0; k < K; k++) wsum += p.dataWeight[k];
  let used = 0;
  let band = 0;
  let T = 0;
  for (let k = 0; k < K; k++) {
    const rho = r.pruning[k];
    const b = r.bandwidth[k];
    assert.ok(rho >= 0 && rho <= p.maxPruning[k], `${label}: pruning[${k}] = ${rho}`);
    assert.ok(b > 0, `${label}: bandwidth[${k}] = ${b}`);
    const tau = clientLatencyOf(p, k, rho, b);
    assert.ok(tau <= r.deadline * (1 + 1e-12), `${label}: client ${k} takes ${tau} s > D = ${r.deadline}`);
    assert.ok(Math.abs(tau - r.clientLatency[k]) <= 1e-12 * tau, `${label}: clientLatency[${k}]`);
    used += (p.dataWeight[k] / wsum) * rho;
    band += b;
    T = Math.max(T, tau);
  }
  assert.ok(band <= p.bandwidthHz * (1 + 1e-12), `${label}: sum b = ${band} > B`);
  assert.ok(Math.abs(T - r.latency) <= 1e-12 * T, `${label}: latency`);
  assert.is(r.weightedPruning, r.upperBound, label);
  assert.ok(Math.abs(used - r.weightedPruning) <= 1e-14, `${label}: weighted pruning ${r.weightedPruning} vs ${used}`);
  assert.ok(r.lowerBound <= r.upperBound + 1e-15, `${label}: [${r.lowerBound}, ${r.upperBound}]`);
  if (r.status === 'converged') assert.ok(r.upperBound - r.lowerBound <= TOLERANCE, `${label}: [${r.lowerBound}, ${r.upperBound}]`);
  return r.status === 'converged';
}

test('one client: the whole band, and exactly the pruning the deadline needs (closed form)', () => {
  // a = 3 MHz and B = 1 MHz: r(B) = 2 Mbit/s, S / r = 3 s; tau = t0 + c (1 - phi_c rho) + 3 (1 - phi_s rho).
  for (const [t0, phiC, phiS] of [[0, 1, 1], [1, 0.5, 1], [2, 1, 0.25], [0.5, 0, 0.8]]) {
    const p = {
      bandwidthHz: 1e6,
      noisePsdWPerHz: 1e-20,
      payloadBits: 6e6,
      prunableComputeFraction: phiC,
      prunablePayloadFraction: phiS,
      clients: [{ computeSeconds: 2, txPowerW: 0.3, channelGain: 1e-13, dataWeight: 5, maxPruning: 0.6, fixedSeconds: t0 }],
    };
    const unpruned = t0 + 2 + 3;
    const slope = 2 * phiC + 3 * phiS; // seconds removed per unit of pruning
    for (const D of [unpruned - 0.3 * slope, unpruned - 0.05 * slope, unpruned, unpruned + 1]) {
      const r = minPruning(p, { deadline: D });
      const rho = Math.max(0, (unpruned - D) / slope);
      assertMeets(p, r, `t0=${t0} phi=${phiC},${phiS} D=${D}`);
      assert.is(r.status, 'converged');
      assert.ok(Math.abs(r.weightedPruning - rho) <= 1e-10, `D=${D}: ${r.weightedPruning} vs ${rho}`);
      assert.ok(Math.abs(r.bandwidth[0] - 1e6) <= 1e-6);
    }
    // Below the latency at full pruning no pruning suffices.
    const least = unpruned - 0.6 * slope;
    const r = minPruning(p, { deadline: least * 0.999 });
    assert.is(r.status, 'infeasible');
    assert.ok(Math.abs(r.minDeadline / least - 1) <= 1e-12, `${r.minDeadline} vs ${least}`);
    for (const key of ['weightedPruning', 'lowerBound', 'upperBound', 'latency', 'pruning', 'bandwidth', 'clientLatency']) assert.is(r[key], null, key);
  }
});

test('identical clients: equal bandwidth, and the pruning from block A in closed form', () => {
  const K = 5;
  const client = { computeSeconds: 10, txPowerW: 0.2, channelGain: 2.8e-12, dataWeight: 7, maxPruning: 0.5, fixedSeconds: 3 };
  const p = { bandwidthHz: 2e7, noisePsdWPerHz: N0, payloadBits: 67108864, prunableComputeFraction: 0.7, prunablePayloadFraction: 0.9, clients: Array(K).fill(client) };
  const upload = 67108864 / rate((0.2 * 2.8e-12) / N0, 2e7 / K);
  const unpruned = 3 + 10 + upload;
  const slope = 0.7 * 10 + 0.9 * upload;
  const D = unpruned - 0.2 * slope;
  const r = minPruning(p, { deadline: D });
  assertMeets(p, r, 'identical');
  assert.ok(Math.abs(r.weightedPruning - 0.2) <= 1e-9, `${r.weightedPruning}`);
  for (let k = 0; k < K; k++) assert.ok(Math.abs(r.bandwidth[k] / (2e7 / K) - 1) <= 1e-8, `b[${k}]`);
});

/**
 * A random v2 problem whose least pruning the data determine well: compute times within
 * a factor of 10 of each other and uploads of about as long at a client's share of the
 * band, each client's SNR bandwidth 1 to 10,000 times that share, fixed times up to 3 c_k,
 * and a budget below the caps. (A client given
 * thousands of times its SNR bandwidth, or one whose compute and fixed time nearly fill
 * the deadline while it holds most of the band, has a bandwidth need known only to a few
 * ulps times that ratio; near the least feasible deadline the frontier is often flat.)
 */
function moderateProblem(rng, K) {
  const p = randomV2Problem(rng, K);
  const share = p.bandwidthHz / K;
  const scale = p.computeSeconds[0];
  let wsum = 0;
  let caps = 0;
  for (let k = 0; k < K; k++) {
    p.computeSeconds[k] = scale * Math.exp((rng.uniform() - 0.5) * Math.log(10));
    const a = share * Math.exp(rng.uniform() * Math.log(1e4));
    p.channelGain[k] = (a * p.noisePsdWPerHz) / p.txPowerW[k];
    if (p.fixedSeconds) p.fixedSeconds[k] = 3 * rng.uniform() * p.computeSeconds[k];
    wsum += p.dataWeight[k];
  }
  for (let k = 0; k < K; k++) caps += (p.dataWeight[k] / wsum) * p.maxPruning[k];
  p.pruningBudget = caps * (0.05 + 0.9 * rng.uniform());
  // Uploads comparable to the compute: at its share a client uploads in about c seconds.
  p.payloadBits = scale * share * Math.exp((rng.uniform() - 0.5) * Math.log(10));
  return p;
}

function inverseRelation(p, label) {
  const opt = solve(p, { method: 'optimal' });
  const r = minPruning(p, { deadline: opt.latency });
  const converged = assertMeets(p, r, label);
  // The certificate holds against optimal's point, which meets D with the budget.
  assert.ok(r.lowerBound <= p.pruningBudget + 1e-12, `${label}: lower bound ${r.lowerBound} above the budget ${p.pruningBudget}`);
  if (converged) assert.ok(r.weightedPruning <= p.pruningBudget + 1e-9, `${label}: ${r.weightedPruning} above the budget`);
  // Compare latencies, not budgets: the frontier may be flat. The returned pruning is
  // above the least by at most the certificate's width, which the frontier's slope
  // dT*/dP turns into latency (a finite difference measures it).
  const at = (P) => solve({ ...p, pruningBudget: Math.min(P, 1 - 1e-16) }, { method: 'optimal' }).latency;
  const back = at(r.weightedPruning);
  assert.ok(back <= opt.latency * (1 + 1e-9), `${label}: T*(P*(D)) = ${back} above D = ${opt.latency}`);
  const slope = Math.max(0, (back - at(r.weightedPruning + 1e-6)) / 1e-6);
  const allowed = 2 * (r.upperBound - r.lowerBound + 1e-12) * slope + 1e-9 * opt.latency;
  assert.ok(back >= opt.latency - allowed, `${label} (${r.status}): T*(P*(D)) = ${back} vs D = ${opt.latency}, slope ${slope}`);
  return converged;
}

test('the inverse relation with optimal on random v2 problems: P*(T*(budget)) gives T* back', () => {
  const rng = rngFor(301);
  let pinned = 0;
  for (let i = 0; i < 120; i++) {
    if (!inverseRelation(moderateProblem(rng, 1 + Math.floor(rng.uniform() * 25)), `#${i}`)) pinned++;
  }
  // The least pruning is badly conditioned where the frontier is flat (MODEL.md section
  // 9): a change of D by a few ulps moves it by more than 1e-10 in many random problems,
  // and the certificate, which holds for every point whose computed latency meets D, then
  // stops at that width (still certified, checked above). Generated scenarios converge
  // (below); this count only guards against a regression.
  console.log(`  ${solver.backend}: ${pinned} of 120 certificates stopped at the rounding noise`);
  assert.ok(pinned <= 80, `${pinned} of 120 certificates stopped at the rounding noise`);
});

test('the inverse relation on extreme problems: the certificate holds even where it stops at the rounding noise', () => {
  const rng = rngFor(305);
  for (let i = 0; i < 60; i++) inverseRelation(randomV2Problem(rng, 1 + Math.floor(rng.uniform() * 25)), `#${i}`);
});

test('the least feasible deadline: infeasible just below it, met at it and above, and it equals optimal without a budget', () => {
  const rng = rngFor(302);
  for (let i = 0; i < 50; i++) {
    const p = randomV2Problem(rng, 1 + Math.floor(rng.uniform() * 20));
    const r = minPruning(p, { deadline: 1e-12 });
    assert.is(r.status, 'infeasible', `#${i}`);
    const least = r.minDeadline;
    // Independently: with a budget covering every cap, uniform-prune-bandwidth prunes every
    // client to its cap with the best split; optimal can do no better.
    let wsum = 0;
    let caps = 0;
    for (let k = 0; k < p.dataWeight.length; k++) wsum += p.dataWeight[k];
    for (let k = 0; k < p.dataWeight.length; k++) caps += (p.dataWeight[k] / wsum) * p.maxPruning[k];
    const pruningUseful = p.prunableComputeFraction > 0 || p.prunablePayloadFraction > 0;
    const all = { ...p, pruningBudget: Math.min(caps, 1 - 1e-16) };
    const upb = solve(all, { method: pruningUseful ? 'uniform-prune-bandwidth' : 'bandwidth-only' }).latency;
    assert.ok(Math.abs(least / upb - 1) <= 1e-12, `#${i}: minDeadline ${least} vs ${upb}`);
    assert.ok(Math.abs(least / solve(all, { method: 'optimal' }).latency - 1) <= 1e-9, `#${i}: minDeadline vs optimal`);
    const below = minPruning(p, { deadline: least * (1 - 1e-9) });
    assert.is(below.status, 'infeasible', `#${i}`);
    assert.is(below.minDeadline, least);
    for (const D of [least, least * (1 + 1e-9), least * 1.5]) {
      const at = minPruning(p, { deadline: D });
      assertMeets(p, at, `#${i} D=${D}`);
      assert.ok(at.weightedPruning <= caps + 1e-12);
    }
  }
});

/** The bandwidth that carries q bit/s for SNR bandwidth a, by bisection on the rate (Infinity when none does). */
function bandwidthFor(a, q) {
  if (!(q < a / Math.LN2)) return Infinity;
  let lo = 0;
  let hi = 1;
  while (rate(a, hi) < q) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (rate(a, mid) < q) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Q(D) for two clients by brute force: for each rho_1 (grid, then golden section: the
 * least total is convex in rho_1) the least rho_2 whose bandwidth need fits what client 1
 * leaves of the band, needs by bisection on the rate.
 */
function bruteForce(p, D) {
  const need = (k, rho) => {
    const a = (p.txPowerW[k] * p.channelGain[k]) / p.noisePsdWPerHz;
    const t0 = p.fixedSeconds?.length ? p.fixedSeconds[k] : 0;
    const window = D - t0 - p.computeSeconds[k] * (1 - (p.prunableComputeFraction ?? 1) * rho);
    if (!(window > 0)) return Infinity;
    return bandwidthFor(a, (p.payloadBits * (1 - (p.prunablePayloadFraction ?? 1) * rho)) / window);
  };
  const w1 = p.dataWeight[0] / (p.dataWeight[0] + p.dataWeight[1]);
  const w2 = 1 - w1;
  const total = (rho1) => {
    const left = p.bandwidthHz - need(0, rho1);
    if (!(left > 0)) return Infinity;
    if (need(1, 0) <= left) return w1 * rho1;
    if (need(1, p.maxPruning[1]) > left) return Infinity;
    let lo = 0;
    let hi = p.maxPruning[1];
    for (let i = 0; i < 100; i++) {
      const mid = 0.5 * (lo + hi);
      if (need(1, mid) <= left) hi = mid;
      else lo = mid;
    }
    return w1 * rho1 + w2 * hi;
  };
  const n = 400;
  const m1 = p.maxPruning[0];
  let best = [Infinity, 0];
  for (let j = 0; j <= n; j++) {
    const x = total((m1 * j) / n);
    if (x < best[0]) best = [x, j];
  }
  let lo = (m1 * Math.max(best[1] - 1, 0)) / n;
  let hi = (m1 * Math.min(best[1] + 1, n)) / n;
  const g = 0.5 * (Math.sqrt(5) - 1);
  for (let i = 0; i < 200; i++) {
    const x1 = hi - g * (hi - lo);
    const x2 = lo + g * (hi - lo);
    if (total(x1) < total(x2)) hi = x2;
    else lo = x1;
  }
  return Math.min(total(0.5 * (lo + hi)), best[0]);
}

test('the least pruning matches a brute force on two clients (v1 and v2)', () => {
  const rng = rngFor(303);
  const logUniform = (lo, hi) => Math.exp(Math.log(lo) + rng.uniform() * (Math.log(hi) - Math.log(lo)));
  for (let i = 0; i < 24; i++) {
    const v2 = i % 2 === 1;
    const c = [logUniform(0.1, 100), logUniform(0.1, 100)];
    const p = {
      bandwidthHz: logUniform(1e5, 1e8),
      noisePsdWPerHz: N0,
      payloadBits: logUniform(1e6, 1e9),
      pruningBudget: 0.3,
      computeSeconds: Float64Array.from(c),
      txPowerW: Float64Array.from([0.2, 0.2]),
      channelGain: Float64Array.from([logUniform(1e-14, 1e-9), logUniform(1e-14, 1e-9)]),
      dataWeight: Float64Array.from([logUniform(1, 10), logUniform(1, 10)]),
      maxPruning: Float64Array.from([0.1 + 0.8 * rng.uniform(), 0.1 + 0.8 * rng.uniform()]),
    };
    if (v2) {
      p.fixedSeconds = Float64Array.from(c, (x) => 2 * rng.uniform() * x);
      p.prunableComputeFraction = 0.2 + 0.8 * rng.uniform();
      p.prunablePayloadFraction = 0.2 + 0.8 * rng.uniform();
    }
    const least = minPruning(p, { deadline: 1e-12 }).minDeadline;
    const unpruned = solve(p, { method: 'bandwidth-only' }).latency;
    const D = least + (0.1 + 0.8 * rng.uniform()) * (unpruned - least);
    const r = minPruning(p, { deadline: D });
    assert.ok(assertMeets(p, r, `#${i}`), `#${i}: ${r.status}`);
    const want = bruteForce(p, D);
    assert.ok(r.weightedPruning <= want + 1e-9, `#${i}: ${r.weightedPruning} above brute force ${want}`);
    assert.ok(r.weightedPruning >= want - 1e-7, `#${i}: ${r.weightedPruning} far below brute force ${want}`);
    assert.ok(r.lowerBound <= want + 1e-12, `#${i}: lower bound ${r.lowerBound} above brute force ${want}`);
  }
});

test('generated scenarios converge in a few price evaluations, with and without round model v2', () => {
  for (const [clients, seed, extra] of [[10, 1, {}], [100, 2, {}], [50, 3, { fixedSeconds: 20, prunableComputeFraction: 0.6, prunablePayloadFraction: 0.9 }], [200, 4, { fixedSeconds: 2 }]]) {
    const p = generate({ clients, seed, ...extra });
    const opt = solve(p, { method: 'optimal' }).latency;
    const least = minPruning(p, { deadline: 1e-9 }).minDeadline;
    for (const D of [0.5 * (least + opt), opt, 1.1 * opt]) {
      const r = minPruning(p, { deadline: D });
      assertMeets(p, r, `K=${clients} D=${D}`);
      assert.is(r.status, 'converged', `K=${clients} D=${D}`);
      assert.ok(r.iterations <= 30, `K=${clients}: ${r.iterations} price evaluations`);
    }
  }
});

test('a deadline met unpruned needs no pruning; pruning that changes nothing is never chosen', () => {
  const rng = rngFor(304);
  for (let i = 0; i < 30; i++) {
    const p = randomV2Problem(rng, 1 + Math.floor(rng.uniform() * 20));
    const bw = solve(p, { method: 'bandwidth-only' }).latency;
    const r = minPruning(p, { deadline: bw * (1 + 1e-9) });
    assertMeets(p, r, `#${i}`);
    assert.is(r.weightedPruning, 0, `#${i}`);
    assert.is(r.lowerBound, 0);
    const useless = { ...p, prunableComputeFraction: 0, prunablePayloadFraction: 0 };
    const u = minPruning(useless, { deadline: solve(useless, { method: 'bandwidth-only' }).latency * 1.01 });
    assertMeets(useless, u, `#${i} useless`);
    assert.is(u.weightedPruning, 0);
    const below = minPruning(useless, { deadline: solve(useless, { method: 'bandwidth-only' }).latency * 0.99 });
    assert.is(below.status, 'infeasible');
  }
});

test('pruningBudget may be absent; bad deadlines and options are errors naming them', () => {
  const p = generate({ clients: 4 });
  const { pruningBudget, ...noBudget } = p;
  const D = solve(p, { method: 'optimal' }).latency;
  assert.equal(minPruning(noBudget, { deadline: D }), minPruning(p, { deadline: D }));
  const rows = { bandwidthHz: 2e7, noisePsdDbmPerHz: -174, payloadBits: 1e6, clients: [{ computeSeconds: 1, txPowerW: 0.2, channelGain: 1e-12, dataWeight: 1, maxPruning: 0.5 }] };
  assert.is(minPruning(rows, { deadline: 10 }).status, 'converged');
  const errorOf = (fn) => {
    try {
      fn();
    } catch (e) {
      assert.instance(e, JcpbaError);
      return [e.code, e.field, e.message];
    }
    return null;
  };
  for (const deadline of [0, -1, NaN, Infinity, '5', undefined, null]) {
    assert.equal(errorOf(() => minPruning(p, { deadline })), ['invalid-option', 'deadline', 'deadline must be a positive finite number'], String(deadline));
  }
  assert.equal(errorOf(() => minPruning(p, { deadline: 5, tolerance: 2 })), ['invalid-option', 'tolerance', 'tolerance must be a finite number in (0, 1)']);
  assert.equal(errorOf(() => minPruning(p, { deadline: 5, maxIterations: 0.5 })), ['invalid-option', 'maxIterations', 'maxIterations must be a positive integer']);
  // The deadline is checked first, then the options, then the problem.
  assert.equal(errorOf(() => minPruning({ ...p, bandwidthHz: -1 }, { deadline: -1, tolerance: 2 }))[1], 'deadline');
  assert.equal(errorOf(() => minPruning({ ...p, bandwidthHz: -1 }, { deadline: 1, tolerance: 2 }))[1], 'tolerance');
  assert.equal(errorOf(() => minPruning({ ...p, bandwidthHz: -1 }, { deadline: 1 }))[1], 'bandwidthHz');
  // A budget that is given is still checked.
  assert.equal(errorOf(() => minPruning({ ...p, pruningBudget: 1.5 }, { deadline: 1 }))[1], 'pruningBudget');
  assert.equal(errorOf(() => minPruning({ ...rows, fixedSecond: 1 }, { deadline: 1 }))[1], 'fixedSecond');
});

// Issue 20 (audit 01): a client whose compute (1e-15 s) is below the rounding of the deadline
// and whose payload cannot be pruned gains no bandwidth from pruning; the dual counted it at
// its cap, and lowerBound (0.478) passed upperBound (0.020) as `converged`.
test('a client pruning cannot help never lifts the lower bound above the least pruning (brute force)', () => {
  for (const [tiny, phiS] of [[1e-15, 0], [1e-17, 0], [1e-13, 0], [1e-15, 1e-9]]) {
    const p = {
      bandwidthHz: 2e7,
      noisePsdWPerHz: N0,
      payloadBits: 67108864,
      prunablePayloadFraction: phiS,
      computeSeconds: Float64Array.from([20, tiny]),
      txPowerW: Float64Array.from([0.2, 0.2]),
      channelGain: Float64Array.from([1e-10, 1e-8]),
      dataWeight: Float64Array.from([100, 2000]),
      maxPruning: Float64Array.from([0.5, 0.5]),
    };
    const label = `compute ${tiny}, phi_s ${phiS}`;
    const r = minPruning(p, { deadline: 12 });
    assert.ok(assertMeets(p, r, label), `${label}: ${r.status}`);
    const want = bruteForce({ ...p, pruningBudget: 0.3 }, 12);
    assert.ok(r.lowerBound <= want + 1e-12, `${label}: lower bound ${r.lowerBound} above brute force ${want}`);
    assert.ok(Math.abs(r.weightedPruning - want) <= 1e-7, `${label}: ${r.weightedPruning} vs brute force ${want}`);
  }
});

// Issue 20 (audit 02): the loosened deadline D (1 + 64 u) overflowed at the largest doubles,
// and the unpruned split's scale B / sum did at 1e307: bandwidth Infinity, latency NaN.
test('a deadline up to the largest double: unpruned, on a finite split of the band', () => {
  for (const p of [generate({ clients: 3, seed: 1 }), { ...generate({ clients: 3, seed: 1 }), payloadBits: 1, bandwidthHz: 1e12 }]) {
    for (const D of [1e300, 1e307, 1e308, Number.MAX_VALUE]) {
      const r = minPruning(p, { deadline: D });
      assert.ok(assertMeets(p, r, `D = ${D}`), `D = ${D}: ${r.status}`);
      assert.is(r.weightedPruning, 0);
      assert.ok(Number.isFinite(r.latency) && r.latency > 0, `D = ${D}: latency ${r.latency}`);
      for (const b of r.bandwidth) assert.ok(Number.isFinite(b) && b > 0, `D = ${D}: bandwidth ${b}`);
    }
  }
});

// Issue 20 (audit 03): near full pruning the least rho is known to a few ulps of 1, many ulps
// of 1 - rho: the point missed the deadline by up to 5e-11 relative at rmax = 0.999999.
test('maxPruning close to 1: the point meets the deadline to the contract (closed form K = 1)', () => {
  for (const rmax of [0.99999, 0.999999, 1 - 1e-6]) {
    for (let i = 0; i < 50; i++) {
      const one = Float64Array.of(1);
      const p = { bandwidthHz: 1, noisePsdWPerHz: 1, payloadBits: 1, computeSeconds: one, txPowerW: one, channelGain: one, dataWeight: one, maxPruning: Float64Array.of(rmax) };
      const D = 2 * (1 - rmax) * (1 + 0.01 * i); // U = c + S / r(B) = 2 s: 2 (1 - rmax) is the least deadline
      const r = minPruning(p, { deadline: D });
      assert.ok(assertMeets(p, r, `rmax ${rmax}, D ${D}`), `rmax ${rmax}, D ${D}: ${r.status}`);
      // tau = (1 - rho) 2 = D: the least rho is 1 - D / 2, to the spacing of doubles near 1.
      assert.ok(Math.abs(r.pruning[0] - (1 - D / 2)) <= 4 * Number.EPSILON, `rmax ${rmax}, D ${D}: rho ${r.pruning[0]}`);
    }
  }
});

test.run();
